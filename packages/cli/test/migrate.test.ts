// `fle migrate`: encrypting a collection in place through the driver. The binary runs in child
// processes against the drop-in package's test wire server (in this process) and, when
// MONGODB_URI is set, against that server too; it is killed (SIGKILL) at random points and run
// again until it finishes, and then every document must decrypt to exactly what it was: nothing
// lost, nothing encrypted twice, every other field with its BSON type.
import type { ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Binary, Decimal128, Double, EJSON, Int32, Long } from 'bson';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientEncryption } from '@fle-ts/client';
import { FileKeyVault } from '@fle-ts/client/node';
import { explicitEncryptTransform, migrateCollection, needsExplicitEncryption, type MigrateCollection } from '@fle-ts/cli';
import { startWireServer, type WireServer } from '../../mongodb-client-encryption/test/wire-server/server.js';
import { fleAsync, tempDir } from './run-fle.js';

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RAW = { promoteValues: false, promoteLongs: false, bsonRegExp: true } as const;
type Doc = Record<string, unknown>;

let wire: WireServer;
const SERVERS: { label: string; uri: () => string; external: boolean }[] = [{ label: 'test wire server', uri: () => wire.uri, external: false }];
if (process.env.MONGODB_URI) SERVERS.push({ label: 'MONGODB_URI', uri: () => process.env.MONGODB_URI!, external: true });

beforeAll(async () => {
  wire = await startWireServer();
});
afterAll(async () => {
  await wire.close();
});

/** Documents with many BSON types; every 17th has no ssn, every 5th no profile.email. No decimal on FerretDB 1.x (it has none). */
function original(n: number, decimal = true): Doc[] {
  return Array.from({ length: n }, (_, i) => ({
    _id: i,
    name: `person ${i}`,
    ...(i % 17 === 3 ? {} : { ssn: `555-${String(i).padStart(4, '0')}` }),
    profile: { ...(i % 5 === 0 ? {} : { email: `p${i}@example.com` }), age: new Int32(20 + (i % 50)) },
    score: new Double(1), // a JS number would come back as an int: the type must survive
    big: Long.fromString(`${9007199254740993n + BigInt(i)}`),
    ...(decimal ? { price: Decimal128.fromString(`${i}.10`) } : {}),
    tags: ['a', `t${i % 3}`],
  }));
}

/** A Binary from whichever bson copy made it (the driver may carry its own). */
function isBin(v: unknown): v is Binary {
  return typeof v === 'object' && v !== null && (v as { _bsontype?: string })._bsontype === 'Binary';
}

/**
 * SIGKILLs `child` once `condition` holds, checking again 10 ms after each check has finished (one
 * query at a time: a server must not drown in polls).
 */
function killWhen(child: ChildProcess, condition: () => Promise<boolean>, onKill?: () => void): void {
  let done = false;
  child.on('close', () => (done = true));
  void (async () => {
    while (!done) {
      const hit = await condition().catch(() => false);
      if (done) return;
      if (hit) {
        onKill?.();
        child.kill('SIGKILL');
        return;
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
}

function canonical(d: unknown): string {
  return EJSON.stringify(d, { relaxed: false });
}

describe.each(SERVERS)('fle migrate ($label)', ({ uri: uriOf, external }) => {
  const db = `fle_migrate_${randomBytes(4).toString('hex')}`;
  let client: MongoClient;
  let dir: string;
  let uri: string;
  let ce: ClientEncryption;

  beforeAll(async () => {
    uri = uriOf();
    client = new MongoClient(uri);
    await client.connect();
    dir = tempDir(true);
    writeFileSync(join(dir, 'm.key'), randomBytes(96));
    ce = new ClientEncryption({ keyVault: new FileKeyVault(join(dir, 'kv.json')), kmsProviders: { local: { key: readFileSync(join(dir, 'm.key')) } } });
    await ce.createDataKey('local', { keyAltNames: ['pii'] });
  });
  afterAll(async () => {
    await client.db(db).dropDatabase().catch(() => undefined);
    await client.close();
  });

  async function fill(coll: string, docs: Doc[]): Promise<void> {
    await client.db(db).collection(coll).deleteMany({});
    await client.db(db).collection(coll).insertMany(docs.map((d) => ({ ...d })));
  }

  async function stored(coll: string): Promise<Doc[]> {
    return client.db(db).collection(coll).find({}, RAW).sort({ _id: 1 }).toArray();
  }

  const args = (coll: string, extra: string[] = []) => ['migrate', '--uri', uri, '--ns', `${db}.${coll}`, '--key-vault', 'kv.json', '--master-key', 'm.key', '--field', 'ssn', '--field', 'profile.email', '--algorithm', DET, '--key-alt-name', 'pii', ...extra];

  /** Every document decrypted once gives the original exactly (so none was lost, changed or encrypted twice). */
  async function expectMigrated(coll: string, docs: Doc[]): Promise<void> {
    const now = await stored(coll);
    expect(now.length).toBe(docs.length);
    for (const [i, d] of now.entries()) {
      const profile = d.profile as Doc;
      for (const v of [d.ssn, profile.email]) {
        if (v === undefined) continue;
        expect(isBin(v)).toBe(true);
        expect((v as Binary).sub_type).toBe(6);
        expect((v as Binary).buffer[0]).toBe(1); // FLE1 deterministic
      }
      const plain: Doc = { ...d, profile: { ...profile } };
      if (d.ssn !== undefined) plain.ssn = await ce.decrypt(d.ssn as Binary);
      if (profile.email !== undefined) (plain.profile as Doc).email = await ce.decrypt(profile.email as Binary);
      expect(canonical(plain), `document ${i}`).toBe(canonical(docs[i]));
    }
  }

  // Document 20 has neither field (no ssn: i % 17 == 3, no email: i % 5 == 0).
  it('--dry-run reads and encrypts in memory, writes nothing (no document, no checkpoint)', async () => {
    const docs = original(40, !external);
    await fill('dry', docs);
    const r = await fleAsync([...args('dry', ['--dry-run', '--json', '--batch-size', '7'])], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ namespace: `${db}.dry`, dryRun: true, read: 40, encrypted: 39, unchanged: 1, conflicts: 0, failed: 0, resumed: false });
    expect((await stored('dry')).map(canonical)).toEqual(docs.map(canonical));
    expect(await client.db(db).collection('__fleMigrate').countDocuments({ _id: `${db}.dry` as never })).toBe(0);
    // --progress: a bar over the collection's estimated count on stderr.
    const bar = await fleAsync([...args('dry', ['--dry-run', '--batch-size', '7', '--progress'])], { cwd: dir });
    expect(bar.status, bar.stderr).toBe(0);
    expect(bar.stderr).toMatch(/\r\[#{20}\] 100% 40 documents, \d+ docs\/s, ETA 0s\n$/);
    expect(bar.stdout).toBe('dry run: ' + `${db}.dry: 40 documents read, 39 would encrypt, 1 with nothing to encrypt\n`);
  });

  it('killed at random points and run again until done: every document decrypts to the original, none twice', async () => {
    const n = external ? 150 : 300;
    const docs = original(n, !external);
    await fill('people', docs);
    const encryptedNow = async (): Promise<number> =>
      (await client.db(db).collection('people').find({}, { projection: { ssn: 1 } }).toArray()).filter((d) => isBin(d.ssn)).length;
    const withSsn = docs.filter((d) => d.ssn !== undefined).length;
    let midRunKills = 0;
    let runs = 0;
    for (;;) {
      runs++;
      expect(runs, 'the migration should finish within 30 runs').toBeLessThan(30);
      const before = await encryptedNow();
      // Kill when the server holds a random number of newly encrypted documents (or after a random time).
      const target = before + randomInt(1, Math.max(2, Math.floor(withSsn / 4)));
      const deadline = Date.now() + randomInt(1500, 6000);
      let killed = false;
      const r = await fleAsync(args('people', ['--batch-size', String(randomInt(3, 12))]), {
        cwd: dir,
        onSpawn: (child) => killWhen(child, async () => (await encryptedNow()) >= target || Date.now() > deadline, () => (killed = true)),
      });
      if (r.signal === 'SIGKILL') {
        const after = await encryptedNow();
        if (after > 0 && after < withSsn) midRunKills++;
        continue;
      }
      expect(killed && r.status === null).toBe(false);
      expect(r.status, r.stderr).toBe(0);
      break;
    }
    console.log(`[migrate ${external ? 'MONGODB_URI' : 'wire server'}] ${n} documents, ${runs} runs, ${midRunKills} kills in the middle of the migration`);
    expect(midRunKills).toBeGreaterThanOrEqual(2);
    await expectMigrated('people', docs);
    const cp = await client.db(db).collection('__fleMigrate').findOne({ _id: `${db}.people` as never });
    expect(cp).toMatchObject({ done: true, lastId: n - 1 });
    // Once more: a finished migration is a new pass that finds nothing to do.
    const again = await fleAsync([...args('people', ['--json'])], { cwd: dir });
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ read: n, encrypted: 0, unchanged: n, resumed: false });
    await expectMigrated('people', docs);
  }, 240_000);

  it('a value the algorithm refuses stops the run on that document (exit 3, it stays as it was); --skip-bad leaves it and goes on (exit 1)', async () => {
    const docs = original(12, !external);
    (docs[5] as Doc).ssn = new Double(5.5); // deterministic encryption refuses a double
    await fill('bad', docs);
    const r = await fleAsync(args('bad', ['--batch-size', '4']), { cwd: dir });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^fle: document _id 5: .*nothing was written to it.*\[DOCUMENT_FAILED|BSON_TYPE/);
    const mid = await stored('bad');
    expect(mid.slice(0, 5).every((d, i) => isBin(d.ssn) || docs[i]!.ssn === undefined)).toBe(true);
    expect(canonical(mid[5])).toBe(canonical(docs[5]));
    const skip = await fleAsync(args('bad', ['--batch-size', '4', '--skip-bad', '--json']), { cwd: dir });
    expect(skip.status, skip.stderr).toBe(1);
    expect(JSON.parse(skip.stdout)).toMatchObject({ resumed: true, failed: 1 });
    expect(skip.stderr).toMatch(/document _id 5 left as it is/);
    const after = await stored('bad');
    expect(canonical(after[5])).toBe(canonical(docs[5]));
    expect(after.every((d, i) => i === 5 || isBin(d.ssn) || docs[i]!.ssn === undefined)).toBe(true);
  });

  it('an unfinished checkpoint of other options is refused (exit 3) until --restart; a missing collection is exit 3', async () => {
    await fill('plan', original(20, !external));
    const killedEarly = await fleAsync(args('plan', ['--batch-size', '1', '--field', 'name']), {
      cwd: dir,
      onSpawn: (child) => killWhen(child, async () => (await client.db(db).collection('__fleMigrate').findOne({ _id: `${db}.plan` as never })) !== null),
    });
    expect(killedEarly.signal).toBe('SIGKILL');
    const other = await fleAsync(args('plan'), { cwd: dir });
    expect(other.status).toBe(3);
    expect(other.stderr).toMatch(/an unfinished migration of .*\.plan with other options .* --restart.*\[CHECKPOINT_MISMATCH\]\n$/);
    const restarted = await fleAsync(args('plan', ['--restart', '--json']), { cwd: dir });
    expect(restarted.status, restarted.stderr).toBe(0);
    const missing = await fleAsync(args('nosuchcollection'), { cwd: dir });
    expect(missing.status).toBe(3);
    expect(missing.stderr).toMatch(/does not exist on the server/);
  });
});

describe('migrateCollection and another writer (in process, test wire server)', () => {
  it('a document changed between read and replace is read again and encrypted from its new state; one that keeps changing is a conflict, left as it is', async () => {
    const client = new MongoClient(wire.uri);
    await client.connect();
    try {
      const dir = tempDir();
      const key = new Uint8Array(96).fill(7);
      const ce = new ClientEncryption({ keyVault: new FileKeyVault(join(dir, 'kv.json')), kmsProviders: { local: { key } } });
      await ce.createDataKey('local', { keyAltNames: ['k'] });
      const coll = client.db('race').collection<Doc>('docs');
      await coll.insertMany([{ _id: 1 as never, ssn: 'a', n: 1 }, { _id: 2 as never, ssn: 'b', n: 1 }]);
      let replaces = 0;
      // Before each replace of _id 1 (the first time) / _id 2 (every time), another client changes the document.
      const racing: MigrateCollection = {
        find: (f, o) => coll.find(f, o),
        replaceOne: async (f, r) => {
          replaces++;
          const id = Number(f._id);
          if ((id === 1 && replaces === 1) || id === 2) await coll.updateOne({ _id: f._id }, { $inc: { n: 1 } } as Doc);
          return coll.replaceOne(f, r);
        },
      };
      const result = await migrateCollection({
        collection: racing,
        checkpoints: client.db('race').collection('__fleMigrate'),
        namespace: 'race.docs',
        plan: 'p',
        transform: explicitEncryptTransform(ce, ['ssn'], { algorithm: DET, keyAltName: 'k' }),
        needsWork: needsExplicitEncryption(['ssn']),
        batchSize: 10,
      });
      expect(result).toMatchObject({ read: 2, encrypted: 1, conflicts: 1 });
      const [one, two] = await coll.find({}, RAW).sort({ _id: 1 }).toArray();
      // The other writer's change survived, and the field is encrypted once.
      expect((one!.n as Int32).value).toBe(2);
      expect(await ce.decrypt(one!.ssn as Binary)).toBe('a');
      expect(two!.ssn).toBe('b');
      expect((two!.n as Int32).value).toBe(4);
    } finally {
      await client.close();
    }
  });
});
