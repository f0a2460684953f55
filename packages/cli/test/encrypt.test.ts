import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Binary, Double, EJSON, Int32, Long } from 'bson';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoEncrypter, ClientEncryption } from '@fle-ts/client';
import { FileKeyVault } from '@fle-ts/client/node';
import { filesIn, fle, fleJson, tempDir } from './run-fle.js';

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';

let dir: string;
let ce: ClientEncryption;
let keyId: Binary;
let keyIdText: string;
let plainLines: string[];

const canonical = (d: unknown): string => EJSON.stringify(d, { relaxed: false });
const parseLines = (text: string): Record<string, unknown>[] => text.trimEnd().split('\n').map((l) => EJSON.parse(l, { relaxed: false }) as Record<string, unknown>);
const bytesOf = (b: unknown): string => Buffer.from((b as Binary).buffer.subarray(0, (b as Binary).position)).toString('hex');

// Six documents of typed values (canonical Extended JSON keeps int / double / long apart).
beforeAll(async () => {
  dir = tempDir(true);
  const masterKey = new Uint8Array(96).map((_, i) => (i * 13 + 1) & 0xff);
  writeFileSync(join(dir, 'master.key'), masterKey);
  writeFileSync(join(dir, 'wrong.key'), new Uint8Array(96).fill(1));
  ce = new ClientEncryption({ keyVault: new FileKeyVault(join(dir, 'kv.json')), kmsProviders: { local: { key: masterKey } } });
  keyId = await ce.createDataKey('local', { keyAltNames: ['alice'] });
  const h = Buffer.from(keyId.buffer.subarray(0, 16)).toString('hex');
  keyIdText = `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  plainLines = [];
  for (let i = 0; i < 6; i++) {
    plainLines.push(canonical({
      _id: new Int32(i),
      ssn: `ssn-${i}`,
      age: new Int32(30 + i),
      balance: new Double(1.5 * i),
      big: Long.fromNumber(i * 1e12),
      profile: { email: `e${i}@example.com`, tags: ['a', 'b'] },
    }));
  }
  writeFileSync(join(dir, 'plain.ndjson'), `${plainLines.join('\n')}\n`);
});

function common(key = 'master.key'): string[] {
  return ['--key-vault', 'kv.json', '--master-key', key];
}

describe('fle encrypt / decrypt (explicit)', () => {
  it('deterministic --field by --key-alt-name: exactly ClientEncryption.encrypt bytes, other fields untouched, output file mode 0600', async () => {
    const work = tempDir();
    const r = fle(['encrypt', join(dir, 'plain.ndjson'), '-o', join(work, 'enc.ndjson'), ...common(join(dir, 'master.key')).map((a) => (a === 'kv.json' ? join(dir, 'kv.json') : a)), '--field', 'ssn', '--field', 'profile.email', '--algorithm', DET, '--key-alt-name', 'alice']);
    expect([r.status, r.stdout, r.stderr]).toEqual([0, '', `encrypted 6 documents into ${join(work, 'enc.ndjson')}\n`]);
    expect(statSync(join(work, 'enc.ndjson')).mode & 0o777).toBe(0o600);
    expect(filesIn(work)).toEqual(['enc.ndjson']);
    const out = parseLines(readFileSync(join(work, 'enc.ndjson'), 'utf8'));
    const plain = plainLines.map((l) => EJSON.parse(l, { relaxed: false }) as Record<string, any>);
    expect(out).toHaveLength(6);
    for (const [i, doc] of out.entries()) {
      expect(bytesOf(doc.ssn)).toBe(bytesOf(await ce.encrypt(plain[i]!.ssn, { keyId, algorithm: DET })));
      const profile = doc.profile as Record<string, unknown>;
      expect(bytesOf(profile.email)).toBe(bytesOf(await ce.encrypt(plain[i]!.profile.email, { keyId, algorithm: DET })));
      expect(canonical({ ...doc, ssn: null, profile: { ...profile, email: null } })).toBe(canonical({ ...plain[i], ssn: null, profile: { ...plain[i]!.profile, email: null } }));
    }
  });

  it('decrypt gives back the input line for line (types kept); random whole-object + int by --id round-trip too', () => {
    const work = tempDir();
    const kv = join(dir, 'kv.json');
    const mk = join(dir, 'master.key');
    const enc = fle(['encrypt', join(dir, 'plain.ndjson'), '--key-vault', kv, '--master-key', mk, '--field', 'profile', '--field', 'age', '--field', 'big', '--algorithm', RND, '--id', keyIdText]);
    expect(enc.status).toBe(0);
    writeFileSync(join(work, 'enc.ndjson'), enc.stdout);
    const report = fleJson<{ fields: { path: string; kinds: { kind: string }[]; bsonTypes: { type: string }[]; keyIds: { id: string }[] }[] }>(['inspect', join(work, 'enc.ndjson'), '--json']);
    expect(report.fields.map((f) => [f.path, f.kinds.map((k) => k.kind), f.bsonTypes.map((t) => t.type), f.keyIds.map((k) => k.id)])).toEqual([
      ['age', ['FLE1RandomEncryptedValue'], ['int'], [keyIdText]],
      ['big', ['FLE1RandomEncryptedValue'], ['long'], [keyIdText]],
      ['profile', ['FLE1RandomEncryptedValue'], ['object'], [keyIdText]],
    ]);
    const dec = fle(['decrypt', '-', '--key-vault', kv, '--master-key', mk], { input: enc.stdout });
    expect(dec.status).toBe(0);
    expect(dec.stdout).toBe(`${plainLines.join('\n')}\n`);
  });

  it('encrypting an encrypted dump again changes nothing (fields already subtype 6 are kept)', () => {
    const kv = join(dir, 'kv.json');
    const mk = join(dir, 'master.key');
    const args = ['--key-vault', kv, '--master-key', mk, '--field', 'ssn', '--algorithm', RND, '--key-alt-name', 'alice'];
    const once = fle(['encrypt', join(dir, 'plain.ndjson'), ...args]);
    const twice = fle(['encrypt', '-', ...args], { input: once.stdout });
    expect([once.status, twice.status]).toEqual([0, 0]);
    expect(twice.stdout).toBe(once.stdout);
  });

  it('--progress: a bar with share, documents, rate and ETA on stderr, ending at 100%', () => {
    const r = fle(['encrypt', 'plain.ndjson', '-o', 'p.ndjson', ...common(), '--field', 'ssn', '--algorithm', DET, '--key-alt-name', 'alice', '--progress'], { cwd: dir });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/\r\[#{20}\] 100% 6 documents, \d+ docs\/s, ETA 0s\nencrypted 6 documents into p\.ndjson\n$/);
  });
});

describe('fle encrypt --schema-map (automatic)', () => {
  it('the fields the schema marks are encrypted as AutoEncrypter does; decrypt round-trips', async () => {
    const work = tempDir();
    const schemaMap = {
      'shop.people': {
        bsonType: 'object',
        encryptMetadata: { keyId: [{ $uuid: keyIdText }] },
        properties: {
          ssn: { encrypt: { bsonType: 'string', algorithm: DET } },
          balance: { encrypt: { bsonType: 'double', algorithm: RND } },
          profile: { bsonType: 'object', properties: { email: { encrypt: { bsonType: 'string', algorithm: DET } } } },
        },
      },
    };
    writeFileSync(join(work, 'map.json'), JSON.stringify(schemaMap));
    const kv = join(dir, 'kv.json');
    const mk = join(dir, 'master.key');
    const r = fle(['encrypt', join(dir, 'plain.ndjson'), '--key-vault', kv, '--master-key', mk, '--schema-map', join(work, 'map.json'), '--ns', 'shop.people']);
    expect(r.status).toBe(0);
    const auto = new AutoEncrypter({ keyVault: new FileKeyVault(kv), kmsProviders: { local: { key: readFileSync(mk) } }, schemaMap: EJSON.parse(JSON.stringify(schemaMap)) as Record<string, unknown> });
    for (const [i, doc] of parseLines(r.stdout).entries()) {
      const expected = await auto.encryptDocument('shop.people', EJSON.parse(plainLines[i]!, { relaxed: false }) as Record<string, unknown>);
      expect(bytesOf(doc.ssn)).toBe(bytesOf(expected.ssn));
      expect(bytesOf((doc.profile as Record<string, unknown>).email)).toBe(bytesOf((expected.profile as Record<string, unknown>).email));
      expect((doc.balance as Binary).sub_type).toBe(6);
      expect((doc.balance as Binary).buffer[0]).toBe(2);
      expect(canonical(await auto.decryptDocument(doc))).toBe(plainLines[i]);
    }
    const unknownNs = fle(['encrypt', join(dir, 'plain.ndjson'), '--key-vault', kv, '--master-key', mk, '--schema-map', join(work, 'map.json'), '--ns', 'shop.other']);
    expect([unknownNs.status, unknownNs.stderr]).toEqual([2, `fle: the schema map ${join(work, 'map.json')} has no schema for 'shop.other'; run 'fle encrypt --help' [USAGE]\n`]);
  });
});

describe('fle encrypt / decrypt failures leave no output behind', () => {
  it('a malformed line stops the run (exit 3, line number, no file); --skip-bad leaves it out (exit 1)', () => {
    const work = tempDir();
    const lines = [...plainLines];
    lines.splice(3, 0, '{"_id": 99, "ssn": ');
    writeFileSync(join(work, 'in.ndjson'), lines.join('\n'));
    const args = ['--key-vault', join(dir, 'kv.json'), '--master-key', join(dir, 'master.key'), '--field', 'ssn', '--algorithm', DET, '--key-alt-name', 'alice'];
    const stop = fle(['encrypt', 'in.ndjson', '-o', 'out.ndjson', ...args], { cwd: work });
    expect([stop.status, stop.stderr]).toEqual([3, 'fle: in.ndjson line 4: it is not valid JSON; fix the line or pass --skip-bad to skip such lines [BAD_INPUT]\n']);
    expect(filesIn(work)).toEqual(['in.ndjson']);
    const skip = fle(['encrypt', 'in.ndjson', '-o', 'out.ndjson', '--skip-bad', ...args], { cwd: work });
    expect([skip.status, skip.stderr]).toEqual([1, 'fle: in.ndjson line 4 skipped: it is not valid JSON\nencrypted 6 documents into out.ndjson; 1 skipped\n']);
    expect(parseLines(readFileSync(join(work, 'out.ndjson'), 'utf8')).map((d) => (d._id as Int32).value)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('a value the algorithm refuses (deterministic double): exit 3 naming the line, no file', () => {
    const work = tempDir();
    const r = fle(['encrypt', join(dir, 'plain.ndjson'), '-o', 'out.ndjson', '--key-vault', join(dir, 'kv.json'), '--master-key', join(dir, 'master.key'), '--field', 'balance', '--algorithm', DET, '--key-alt-name', 'alice'], { cwd: work });
    expect(r.status).toBe(3);
    expect(r.stderr).toMatch(/^fle: .*plain\.ndjson line 1: .*double.*\[FORBIDDEN_BSON_TYPE\]\n$/);
    expect(filesIn(work)).toEqual([]);
  });

  it('decrypt with the wrong master key: exit 4, no file; an existing output file: exit 5, unchanged', () => {
    const work = tempDir();
    const enc = fle(['encrypt', join(dir, 'plain.ndjson'), '-o', join(work, 'enc.ndjson'), '--key-vault', join(dir, 'kv.json'), '--master-key', join(dir, 'master.key'), '--field', 'ssn', '--algorithm', DET, '--key-alt-name', 'alice']);
    expect(enc.status).toBe(0);
    const wrong = fle(['decrypt', 'enc.ndjson', '-o', 'dec.ndjson', '--key-vault', join(dir, 'kv.json'), '--master-key', join(dir, 'wrong.key')], { cwd: work });
    expect(wrong.status).toBe(4);
    expect(wrong.stderr).toMatch(/^fle: enc\.ndjson line 1: cannot unwrap data key .*\[UNWRAP_FAILED\]\n$/);
    expect(filesIn(work)).toEqual(['enc.ndjson']);
    const before = readFileSync(join(work, 'enc.ndjson'), 'utf8');
    const exists = fle(['decrypt', join(dir, 'plain.ndjson'), '-o', 'enc.ndjson', '--key-vault', join(dir, 'kv.json'), '--master-key', join(dir, 'master.key')], { cwd: work });
    expect([exists.status, exists.stderr]).toEqual([5, 'fle: enc.ndjson exists: fle never overwrites an output file; choose another name or remove it yourself [FILE_EXISTS]\n']);
    expect(readFileSync(join(work, 'enc.ndjson'), 'utf8')).toBe(before);
  });

  it('usage: neither --field nor --schema-map, both, no key (exit 2)', () => {
    const base = ['encrypt', 'plain.ndjson', ...common()];
    const cases: [string[], string][] = [
      [base, "fle: give --field <path> (repeatable) with --algorithm, or --schema-map with --ns; run 'fle encrypt --help' [USAGE]\n"],
      [[...base, '--field', 'ssn', '--algorithm', DET, '--schema-map', 'x.json', '--ns', 'a.b'], "fle: give either --schema-map with --ns (automatic) or --field with --algorithm (explicit), not both; run 'fle encrypt --help' [USAGE]\n"],
      [[...base, '--field', 'ssn', '--algorithm', DET], "fle: name the key with --id <uuid> or --key-alt-name <name>; run 'fle encrypt --help' [USAGE]\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = fle(args, { cwd: dir });
      expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status: 2, stderr });
    }
  });
});
