// `--uri`: data keys in a MongoDB key vault collection, encrypt/decrypt with it, and `inspect` of a
// collection with its validator, through the official driver, as a user runs fle: the binary in a
// child process against the drop-in package's test wire server (in this process, so the binary is
// spawned asynchronously) and, when MONGODB_URI is set (FerretDB in CI), against that server too.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Binary, EJSON } from 'bson';
import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientEncryption } from '@fle-ts/client';
import { MongoKeyVault } from '@fle-ts/keyvault';
import { startWireServer, type WireServer } from '../../mongodb-client-encryption/test/wire-server/server.js';
import { fle, fleAsync, filesIn, tempDir } from './run-fle.js';

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';

interface KeySummary { id: string; keyAltNames: string[]; provider: string }

let wire: WireServer;
const SERVERS: { label: string; uri: () => string; external: boolean }[] = [{ label: 'test wire server', uri: () => wire.uri, external: false }];
if (process.env.MONGODB_URI) SERVERS.push({ label: 'MONGODB_URI', uri: () => process.env.MONGODB_URI!, external: true });

beforeAll(async () => {
  wire = await startWireServer();
});
afterAll(async () => {
  await wire.close();
});

async function json<T>(args: string[], cwd: string): Promise<T> {
  const r = await fleAsync(args, { cwd });
  if (r.status !== 0) throw new Error(`fle ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

function uuidOf(text: string): Binary {
  return new Binary(Buffer.from(text.replace(/-/g, ''), 'hex'), 4);
}

describe.each(SERVERS)('fle with --uri ($label)', ({ uri: uriOf, external }) => {
  // A database of its own per run, dropped afterwards (MONGODB_URI may be a shared server).
  const db = `fle_cli_${randomBytes(4).toString('hex')}`;
  const kvNs = `${db}.__keyVault`;
  let client: MongoClient;
  let dir: string;
  let uri: string;

  beforeAll(async () => {
    uri = uriOf();
    client = new MongoClient(uri);
    await client.connect();
    dir = tempDir(true);
    writeFileSync(join(dir, 'old.key'), randomBytes(96));
    writeFileSync(join(dir, 'new.key'), randomBytes(96));
  });
  afterAll(async () => {
    await client.db(db).dropDatabase().catch(() => undefined);
    await client.close();
  });

  it('datakey create / list / alt-name / rewrap / delete on the key vault collection; the driver-side ClientEncryption uses the keys', async () => {
    const base = ['--uri', uri, '--key-vault-ns', kvNs];
    const created = await fleAsync(['datakey', 'create', ...base, '--master-key', 'old.key', '--key-alt-name', 'alice', '--json'], { cwd: dir });
    expect(created.status, created.stderr).toBe(0);
    const alice = JSON.parse(created.stdout) as KeySummary;
    const bob = await json<KeySummary>(['datakey', 'create', ...base, '--master-key', 'old.key', '--key-alt-name', 'bob', '--json'], dir);
    expect(alice).toMatchObject({ keyAltNames: ['alice'], provider: 'local' });
    // The key documents are in the collection, as the drivers' createDataKey writes them.
    const stored = await client.db(db).collection('__keyVault').find({}).sort({ _id: 1 }).toArray();
    expect(stored.map((d) => (d._id as unknown as Binary).toUUID().toString()).sort()).toEqual([alice.id, bob.id].sort());
    expect(stored.every((d) => (d.keyMaterial as Binary).sub_type === 0 && d.masterKey.provider === 'local')).toBe(true);
    // create made the keyAltNames unique partial index (what MongoKeyVault.create sends), or says
    // that the server refused it (FerretDB 1.x has no partial indexes) and went on.
    const indexes = (await client.db(db).collection('__keyVault').listIndexes().toArray()).map((i) => i.name);
    if (indexes.includes('keyAltNames_1')) expect(created.stderr).toBe('');
    else {
      expect(external).toBe(true);
      expect(created.stderr).toMatch(/^fle: warning: the server refused the unique keyAltNames index on .*__keyVault \(.+\): it will not stop two keys from sharing an alt name\n$/);
    }

    const listed = await json<KeySummary[]>(['datakey', 'list', ...base, '--json'], dir);
    expect(listed.map((k) => k.id).sort()).toEqual([alice.id, bob.id].sort());

    expect(await json(['datakey', 'alt-name', 'add', '--key-alt-name', 'alice', 'a2', ...base, '--json'], dir)).toMatchObject({ changed: true, key: { keyAltNames: ['alice', 'a2'] } });
    const removed = await fleAsync(['datakey', 'alt-name', 'remove', '--id', alice.id, 'a2', ...base, '--json'], { cwd: dir });
    if (external && removed.status === 6) {
      // FerretDB 1.x refuses the spec's pipeline update (removeKeyAltName.json): a server limit, named as such.
      expect(removed.stderr).toMatch(/^fle: removeKeyAltName\('a2'\) failed in the key vault collection: .*pipeline.* \[STORE_WRITE_FAILED\]\n$/i);
      console.log(`MONGODB_URI refuses removeKeyAltName's pipeline update: ${removed.stderr.trim()}`);
    } else {
      expect(removed.status, removed.stderr).toBe(0);
      expect(JSON.parse(removed.stdout)).toMatchObject({ changed: true, key: { keyAltNames: ['alice'] } });
    }

    // A value encrypted through the driver-side key vault before the rewrap decrypts after it with the new master key only.
    const { readFileSync } = await import('node:fs');
    const vault = new MongoKeyVault(client.db(db).collection('__keyVault'));
    const before = new ClientEncryption({ keyVault: vault, kmsProviders: { local: { key: readFileSync(join(dir, 'old.key')) } } });
    const blob = await before.encrypt('123-45-6789', { keyAltName: 'alice', algorithm: DET });
    expect(await json(['datakey', 'rewrap', ...base, '--master-key', 'old.key', '--new-master-key', 'new.key', '--json'], dir)).toMatchObject({ rewrapped: 2 });
    const after = new ClientEncryption({ keyVault: vault, kmsProviders: { local: { key: readFileSync(join(dir, 'new.key')) } } });
    expect(await after.decrypt(blob)).toBe('123-45-6789');
    const stale = new ClientEncryption({ keyVault: vault, kmsProviders: { local: { key: readFileSync(join(dir, 'old.key')) } } });
    await expect(stale.decrypt(blob)).rejects.toMatchObject({ code: 'UNWRAP_FAILED' });

    // A wrong master key changes nothing and exits 4.
    const wrong = await fleAsync(['datakey', 'rewrap', ...base, '--master-key', 'old.key', '--new-master-key', 'new.key'], { cwd: dir });
    expect(wrong.status).toBe(4);
    expect(wrong.stderr).toMatch(/\[UNWRAP_FAILED\]\n$/);

    expect(await json(['datakey', 'delete', '--key-alt-name', 'bob', '--yes', ...base, '--json'], dir)).toMatchObject({ id: bob.id });
    expect((await json<KeySummary[]>(['datakey', 'list', ...base, '--json'], dir)).map((k) => k.id)).toEqual([alice.id]);
    const none = await fleAsync(['datakey', 'delete', '--key-alt-name', 'bob', '--yes', ...base], { cwd: dir });
    expect(none.status).toBe(4);
    expect(none.stderr).toMatch(/no data key with key alt name 'bob'.*\[KEY_NOT_FOUND\]/);
  });

  it.skipIf(external)('without --key-vault-ns the key vault is encryption.__keyVault (the drivers\' default)', async () => {
    const k = await json<KeySummary>(['datakey', 'create', '--uri', uri, '--master-key', 'old.key', '--json'], dir);
    expect(wire.collection('encryption.__keyVault').map((d) => (d._id as unknown as Binary).toUUID().toString())).toContain(k.id);
  });

  it('encrypt / decrypt with the key vault collection, and inspect of a collection with its validator (automatic vs explicit fields)', async () => {
    const base = ['--uri', uri, '--key-vault-ns', kvNs];
    const carol = await json<KeySummary>(['datakey', 'create', ...base, '--master-key', 'new.key', '--key-alt-name', 'carol', '--json'], dir);
    const plain = [0, 1, 2].map((i) => EJSON.stringify({ _id: i, name: `n${i}`, ssn: `ssn-${i}`, notes: { text: `note ${i}` } }, { relaxed: false })).join('\n');
    writeFileSync(join(dir, 'plain.ndjson'), `${plain}\n`);
    const enc = await fleAsync(['encrypt', 'plain.ndjson', '-o', 'ssn.ndjson', ...base, '--master-key', 'new.key', '--field', 'ssn', '--algorithm', DET, '--key-alt-name', 'carol'], { cwd: dir });
    expect(enc.status, enc.stderr).toBe(0);
    const enc2 = await fleAsync(['encrypt', 'ssn.ndjson', '-o', 'both.ndjson', ...base, '--master-key', 'new.key', '--field', 'notes', '--algorithm', RND, '--key-alt-name', 'carol'], { cwd: dir });
    expect(enc2.status, enc2.stderr).toBe(0);
    const dec = await fleAsync(['decrypt', 'both.ndjson', ...base, '--master-key', 'new.key'], { cwd: dir });
    expect(dec.status, dec.stderr).toBe(0);
    expect(dec.stdout).toBe(`${plain}\n`);

    // The encrypted documents go into a collection whose validator declares ssn (not notes).
    const { readFileSync } = await import('node:fs');
    const docs = readFileSync(join(dir, 'both.ndjson'), 'utf8').trim().split('\n').map((l) => EJSON.parse(l, { relaxed: false }) as Record<string, unknown>);
    const validator = { $jsonSchema: { bsonType: 'object', required: ['name'], properties: { ssn: { encrypt: { keyId: [uuidOf(carol.id)], bsonType: 'string', algorithm: DET } } } } };
    let serverValidator = true;
    try {
      await client.db(db).createCollection('people', { validator });
    } catch (e) {
      // FerretDB 1.24 refuses validators (see the drop-in README): the collection is made without one.
      if (!external) throw e;
      console.log(`MONGODB_URI refuses a validator (${(e as Error).message}); the validator is given by --validator there`);
      serverValidator = false;
      await client.db(db).createCollection('people');
    }
    await client.db(db).collection('people').insertMany(docs);
    writeFileSync(join(dir, 'validator.json'), EJSON.stringify(validator, { relaxed: false }));
    const source = serverValidator ? [] : ['--validator', 'validator.json'];
    const r = await json<{ documents: number; fields: { path: string; count: number; validator: unknown; sample: unknown }[] }>(
      ['inspect', '--ns', `${db}.people`, ...base, ...source, '--master-key', 'new.key', '--json'], dir);
    expect(r.documents).toBe(3);
    expect(r.fields.map((f) => [f.path, f.count, f.validator, f.sample])).toEqual([
      ['ssn', 3, { mode: 'automatic', by: '$jsonSchema', algorithm: DET }, { decrypted: 3, types: [{ type: 'string', count: 3 }], failed: [] }],
      ['notes', 3, { mode: 'explicit' }, { decrypted: 3, types: [{ type: 'object', count: 3 }], failed: [] }],
    ]);
    // --limit reads a sample of the collection.
    expect((await json<{ documents: number }>(['inspect', '--ns', `${db}.people`, '--uri', uri, '--limit', '2', '--json'], dir)).documents).toBe(2);
    // The same from the dump with --validator, as text.
    const text = await fleAsync(['inspect', 'both.ndjson', '--validator', 'validator.json'], { cwd: dir });
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain(`ssn: 3 values\n  kind      FLE1DeterministicEncryptedValue (${DET}) ×3\n  type      string ×3\n  key       ${carol.id} ×3\n  validator automatic (declared in $jsonSchema: ${DET})\n`);
    expect(text.stdout).toContain('  validator explicit (not declared: the application encrypted it)\n');
    expect(filesIn(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('fle with --uri: errors', () => {
  it('an unreachable server: exit 6 SERVER_FAILED, the password never printed, nothing written', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'k.key'), randomBytes(96));
    const r = await fleAsync(['datakey', 'list', '--uri', 'mongodb://fleuser:s3cr3tpw@127.0.0.1:1/?serverSelectionTimeoutMS=300'], { cwd: dir });
    expect(r.status).toBe(6);
    expect(r.stderr).toMatch(/^fle: connecting to mongodb:\/\/\*\*\*@127\.0\.0\.1:1\/.* failed: .*\[SERVER_FAILED\]\n$/);
    expect(r.stderr).not.toContain('s3cr3tpw');
    expect(r.stdout).toBe('');
  });

  it('without the optional driver: --uri fails with DRIVER_MISSING (exit 3) saying what to install; file vaults still work', () => {
    const dir = tempDir();
    // A module hook that makes 'mongodb' unresolvable, as on an install without the optional peer.
    const hook = `export async function resolve(s, c, next) { if (s === 'mongodb') { const e = new Error("Cannot find package 'mongodb'"); e.code = 'ERR_MODULE_NOT_FOUND'; throw e; } return next(s, c); }`;
    const register = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;
    const nodeArgs = ['--import', `data:text/javascript,${encodeURIComponent(register)}`];
    const r = fle(['datakey', 'list', '--uri', 'mongodb://127.0.0.1:1'], { cwd: dir, nodeArgs });
    expect(r.status).toBe(3);
    expect(r.stderr).toBe("fle: --uri needs the official MongoDB driver, an optional dependency of @fle-ts/cli: install it beside fle ('npm install mongodb', version 6 or 7) [DRIVER_MISSING]\n");
    writeFileSync(join(dir, 'k.key'), randomBytes(96));
    expect(fle(['datakey', 'create', '--key-vault', 'kv.json', '--master-key', 'k.key'], { cwd: dir, nodeArgs }).status).toBe(0);
  });

  it('usage: no key vault named, --key-vault with --key-vault-ns, a malformed namespace, --ns without --uri', async () => {
    const dir = tempDir();
    for (const [args, what] of [
      [['datakey', 'list'], /name the key vault: --key-vault <file>, or --uri/],
      [['datakey', 'list', '--key-vault', 'kv.json', '--key-vault-ns', 'a.b'], /not both/],
      [['datakey', 'list', '--uri', 'mongodb://127.0.0.1:1', '--key-vault-ns', 'nodot'], /--key-vault-ns must be a namespace <database>.<collection>, got 'nodot'/],
      [['inspect', '--ns', 'a.b'], /--ns reads a collection: give --uri/],
      [['inspect', '--uri', 'mongodb://127.0.0.1:1'], /--uri reads a collection: give --ns <db.collection>/],
    ] as const) {
      const r = await fleAsync([...args], { cwd: dir });
      expect(r.status, r.stderr).toBe(2);
      expect(r.stderr).toMatch(what);
    }
  });
});
