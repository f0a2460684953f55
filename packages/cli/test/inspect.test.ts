import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Binary, EJSON, Long, UUID } from 'bson';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientEncryption } from '@fle-ts/client';
import { FileKeyVault } from '@fle-ts/client/node';
import { fle, fleJson, tempDir } from './run-fle.js';

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';

interface Fixture {
  dir: string;
  keyA: string;
  keyB: string;
}

function uuidText(id: Binary): string {
  const h = Buffer.from(id.buffer.subarray(0, 16)).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A blob with a QE header (first byte, 16-byte key id, type byte) and filler: the parser reads only the header. */
function qeBlob(first: number, keyId: Binary, type: number, rest: number): Binary {
  return new Binary(Buffer.concat([Buffer.from([first]), Buffer.from(keyId.buffer.subarray(0, 16)), Buffer.from([type]), Buffer.alloc(rest, 0xab)]), 6);
}

let fx: Fixture;

// Four documents encrypted by fle-ts's own ClientEncryption (the "good" dump), then a fifth with an
// invalid subtype 6 value and two Queryable Encryption headers (the "all" dump).
beforeAll(async () => {
  const dir = tempDir(true);
  const masterKey = new Uint8Array(96).map((_, i) => (i * 7 + 3) & 0xff);
  writeFileSync(join(dir, 'master.key'), masterKey);
  writeFileSync(join(dir, 'other.key'), new Uint8Array(96).fill(9));
  const ce = new ClientEncryption({ keyVault: new FileKeyVault(join(dir, 'kv.json')), kmsProviders: { local: { key: masterKey } } });
  const a = await ce.createDataKey('local', { keyAltNames: ['a'] });
  const b = await ce.createDataKey('local', { keyAltNames: ['b'] });
  const docs: Record<string, unknown>[] = [];
  for (let i = 0; i < 4; i++) {
    docs.push({
      _id: i,
      name: `n${i}`,
      ssn: await ce.encrypt(`ssn-${i}`, { keyId: a, algorithm: DET }),
      dob: await ce.encrypt(new Date(86_400_000 * i), { keyId: b, algorithm: DET }),
      billing: { card: await ce.encrypt({ number: `4111-${i}` }, { keyId: a, algorithm: RND }), note: 'clear' },
      meds: [await ce.encrypt(Long.fromNumber(i), { keyId: b, algorithm: RND }), await ce.encrypt(Long.fromNumber(-i), { keyId: b, algorithm: RND })],
      uuid: new UUID(), // subtype 4: not encrypted, not reported
      raw: new Binary(Buffer.from('plain'), 0),
      ...(i < 2 ? { extra: { deep: { score: await ce.encrypt(0.5 + i, { keyId: a, algorithm: RND }) } } } : {}),
    });
  }
  const bad = {
    _id: 4,
    bad: new Binary(Buffer.from([1, 0, 0, 0, 0]), 6), // FLE1 deterministic header cut short
    qeU: qeBlob(16, a, 0x02, 40), // FLE2UnindexedEncryptedValueV2: key id + type in clear
    qeI: qeBlob(14, b, 0x10, 120), // FLE2IndexedEqualityEncryptedValueV2: S_KeyId + type
  };
  const canonical = (d: unknown) => EJSON.stringify(d, { relaxed: false });
  writeFileSync(join(dir, 'good.ndjson'), `${docs.map(canonical).join('\n')}\n`);
  writeFileSync(join(dir, 'all.ndjson'), `${[...docs, bad].map(canonical).join('\n')}\n`);
  writeFileSync(join(dir, 'good.json'), EJSON.stringify(docs, { relaxed: true }, 2)); // mongoexport --jsonArray, relaxed
  fx = { dir, keyA: uuidText(a), keyB: uuidText(b) };
});

function field(path: string, count: number, kind: string | null, algorithm: string | null, keyIds: [string, number][], type: string | null, extra: Record<string, unknown> = {}) {
  return {
    path,
    count,
    kinds: kind ? [{ kind, algorithm, count }] : [],
    keyIds: keyIds.map(([id, n]) => ({ id, count: n })),
    indexKeyIds: [],
    bsonTypes: type ? [{ type, count }] : [],
    invalid: [],
    ...extra,
  };
}

function goodFields() {
  const { keyA, keyB } = fx;
  return [
    field('ssn', 4, 'FLE1DeterministicEncryptedValue', DET, [[keyA, 4]], 'string'),
    field('dob', 4, 'FLE1DeterministicEncryptedValue', DET, [[keyB, 4]], 'date'),
    field('billing.card', 4, 'FLE1RandomEncryptedValue', RND, [[keyA, 4]], 'object'),
    field('meds[]', 8, 'FLE1RandomEncryptedValue', RND, [[keyB, 8]], 'long'),
    field('extra.deep.score', 2, 'FLE1RandomEncryptedValue', RND, [[keyA, 2]], 'double'),
  ];
}

describe('fle inspect', () => {
  it('--json: every encrypted field of a canonical NDJSON dump with exact counts, kinds, algorithms, key ids and types', () => {
    const report = fleJson(['inspect', 'all.ndjson', '--json'], { cwd: fx.dir, expectStatus: 1 });
    expect(report).toEqual({
      documents: 5,
      encryptedValues: 25,
      fields: [
        ...goodFields(),
        { ...field('bad', 1, null, null, [], null), invalid: [{ code: 'BLOB_TOO_SHORT', count: 1 }] },
        field('qeU', 1, 'FLE2UnindexedEncryptedValueV2', 'Unindexed', [[fx.keyA, 1]], 'string'),
        { ...field('qeI', 1, 'FLE2IndexedEqualityEncryptedValueV2', 'Indexed', [], 'int'), indexKeyIds: [{ id: fx.keyB, count: 1 }] },
      ],
    });
  });

  it('a relaxed Extended JSON array on stdin gives the same report; no findings → exit 0', () => {
    const fromFile = fleJson(['inspect', 'good.ndjson', '--json'], { cwd: fx.dir });
    const fromStdin = fleJson(['inspect', '--json'], { cwd: fx.dir, input: readFileSync(join(fx.dir, 'good.json'), 'utf8') });
    expect(fromFile).toEqual({ documents: 4, encryptedValues: 22, fields: goodFields() });
    expect(fromStdin).toEqual(fromFile);
  });

  it('CRLF line ends, a 3 MB line spanning many read chunks, no final newline: the same fields', () => {
    const lines = readFileSync(join(fx.dir, 'good.ndjson'), 'utf8').trimEnd().split('\n');
    writeFileSync(join(fx.dir, 'crlf.ndjson'), `${lines.join('\r\n')}\r\n{"_id": 9, "notes": "${'n'.repeat(3 * 2 ** 20)}"}`);
    expect(fleJson(['inspect', 'crlf.ndjson', '--json'], { cwd: fx.dir })).toEqual({ documents: 5, encryptedValues: 22, fields: goodFields() });
  });

  it('text output: a summary line and a block per field', () => {
    const r = fle(['inspect', 'good.ndjson'], { cwd: fx.dir });
    expect(r.status).toBe(0);
    expect(r.stdout.split('\n').slice(0, 6)).toEqual([
      '4 documents, 22 encrypted values in 5 fields',
      '',
      'ssn: 4 values',
      `  kind      FLE1DeterministicEncryptedValue (${DET}) ×4`,
      '  type      string ×4',
      `  key       ${fx.keyA} ×4`,
    ]);
  });

  it('with --key-vault and --master-key it decrypts a sample per field and reports the plaintext types', () => {
    const report = fleJson<{ fields: { path: string; sample: unknown }[] }>(['inspect', 'good.ndjson', '--json', '--key-vault', 'kv.json', '--master-key', 'master.key', '--sample', '3'], { cwd: fx.dir });
    expect(report.fields.map((f) => [f.path, f.sample])).toEqual([
      ['ssn', { decrypted: 3, types: [{ type: 'string', count: 3 }], failed: [] }],
      ['dob', { decrypted: 3, types: [{ type: 'date', count: 3 }], failed: [] }],
      ['billing.card', { decrypted: 3, types: [{ type: 'object', count: 3 }], failed: [] }],
      ['meds[]', { decrypted: 3, types: [{ type: 'long', count: 3 }], failed: [] }],
      ['extra.deep.score', { decrypted: 2, types: [{ type: 'double', count: 2 }], failed: [] }],
    ]);
  });

  it('a wrong master key or a key missing from the vault: failures by code per field, exit 1', () => {
    const wrong = fleJson<{ fields: { path: string; sample: unknown }[] }>(['inspect', 'good.ndjson', '--json', '--key-vault', 'kv.json', '--master-key', 'other.key', '--sample', '1'], { cwd: fx.dir, expectStatus: 1 });
    expect(wrong.fields.map((f) => f.sample)).toEqual(Array(5).fill({ decrypted: 0, types: [], failed: [{ code: 'UNWRAP_FAILED', count: 1 }] }));
    // A vault holding only key a: fields under key b are reported as KEY_NOT_FOUND.
    const vault = JSON.parse(readFileSync(join(fx.dir, 'kv.json'), 'utf8')) as unknown[];
    writeFileSync(join(fx.dir, 'only-a.json'), JSON.stringify([vault[0]]));
    const partial = fleJson<{ fields: { path: string; sample: unknown }[] }>(['inspect', 'good.ndjson', '--json', '--key-vault', 'only-a.json', '--master-key', 'master.key', '--sample', '2'], { cwd: fx.dir, expectStatus: 1 });
    expect(partial.fields.map((f) => [f.path, f.sample])).toEqual([
      ['ssn', { decrypted: 2, types: [{ type: 'string', count: 2 }], failed: [] }],
      ['dob', { decrypted: 0, types: [], failed: [{ code: 'KEY_NOT_FOUND', count: 2 }] }],
      ['billing.card', { decrypted: 2, types: [{ type: 'object', count: 2 }], failed: [] }],
      ['meds[]', { decrypted: 0, types: [], failed: [{ code: 'KEY_NOT_FOUND', count: 2 }] }],
      ['extra.deep.score', { decrypted: 2, types: [{ type: 'double', count: 2 }], failed: [] }],
    ]);
  });

  it('a malformed NDJSON line stops with its line number (exit 3); --skip-bad reports it, goes on and exits 1', () => {
    const lines = readFileSync(join(fx.dir, 'good.ndjson'), 'utf8').trimEnd().split('\n');
    const broken = [lines[0], lines[1], '{"ssn": {"$binary": ', lines[2], '[1, 2]', lines[3]].join('\n');
    writeFileSync(join(fx.dir, 'broken.ndjson'), broken);
    const stop = fle(['inspect', 'broken.ndjson'], { cwd: fx.dir });
    expect(stop.status).toBe(3);
    expect(stop.stdout).toBe('');
    expect(stop.stderr).toBe('fle: broken.ndjson line 3: it is not valid JSON; fix the line or pass --skip-bad to skip such lines [BAD_INPUT]\n');
    const skip = fle(['inspect', 'broken.ndjson', '--skip-bad', '--json'], { cwd: fx.dir });
    expect(skip.status).toBe(1);
    expect(skip.stderr).toBe('fle: broken.ndjson line 3 skipped: it is not valid JSON\nfle: broken.ndjson line 5 skipped: it is not a JSON object\n');
    expect(JSON.parse(skip.stdout)).toEqual({ documents: 4, encryptedValues: 22, fields: goodFields(), skippedLines: 2 });
  });

  it('usage and input errors: missing dump (3), --key-vault without --master-key (2), bad --sample (2)', () => {
    const cases: [string[], number, string][] = [
      [['inspect', 'nope.ndjson'], 3, 'fle: cannot read dump nope.ndjson: no such file [READ_FAILED]\n'],
      [['inspect', 'good.ndjson', '--key-vault', 'kv.json'], 2, "fle: --key-vault and --master-key go together; run 'fle inspect --help' [USAGE]\n"],
      [['inspect', 'good.ndjson', '--key-vault', 'kv.json', '--master-key', 'master.key', '--sample', 'x'], 2, "fle: --sample must be a whole number, got 'x'; run 'fle inspect --help' [USAGE]\n"],
    ];
    for (const [args, status, stderr] of cases) {
      const r = fle(args, { cwd: fx.dir });
      expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status, stderr });
    }
  });
  it('--validator: a $jsonSchema validator (validation keywords kept) and QE encryptedFields say per field automatic or explicit', () => {
    const keyA = { $binary: { base64: Buffer.from(fx.keyA.replace(/-/g, ''), 'hex').toString('base64'), subType: '04' } };
    writeFileSync(join(fx.dir, 'options.json'), JSON.stringify({
      validator: { $jsonSchema: {
        bsonType: 'object', required: ['name'], encryptMetadata: { keyId: [keyA] },
        properties: {
          required: { bsonType: 'string', minLength: 1 }, // a field named like a keyword stays a field
          ssn: { encrypt: { bsonType: 'string', algorithm: DET } },
          billing: { bsonType: 'object', properties: { card: { encrypt: { algorithm: RND } } } },
        },
      } },
      encryptedFields: { fields: [{ path: 'qeU', keyId: keyA, bsonType: 'string' }, { path: 'qeI', keyId: keyA, bsonType: 'int', queries: { queryType: 'equality' } }] },
    }));
    const r = fleJson<{ fields: { path: string; validator: unknown }[] }>(['inspect', 'all.ndjson', '--validator', 'options.json', '--json'], { cwd: fx.dir, expectStatus: 1 });
    expect(r.fields.map((f) => [f.path, f.validator])).toEqual([
      ['ssn', { mode: 'automatic', by: '$jsonSchema', algorithm: DET }],
      ['dob', { mode: 'explicit' }],
      ['billing.card', { mode: 'automatic', by: '$jsonSchema', algorithm: RND }],
      ['meds[]', { mode: 'explicit' }],
      ['extra.deep.score', { mode: 'explicit' }],
      ['bad', { mode: 'explicit' }],
      ['qeU', { mode: 'automatic', by: 'encryptedFields', algorithm: 'Unindexed' }],
      ['qeI', { mode: 'automatic', by: 'encryptedFields', algorithm: 'Indexed' }],
    ]);
    // A validator automatic encryption would refuse is an error naming the problem (exit 3), not a guess.
    writeFileSync(join(fx.dir, 'broken.json'), JSON.stringify({ $jsonSchema: { bsonType: 'object', properties: { ssn: { encrypt: { bsonType: 'double', algorithm: DET } } } } }));
    const broken = fle(['inspect', 'good.ndjson', '--validator', 'broken.json'], { cwd: fx.dir });
    expect(broken.status).toBe(3);
    expect(broken.stderr).toMatch(/^fle: .*properties\.ssn\.encrypt.*\[SCHEMA_INVALID\]\n$/);
    expect(broken.stdout).toBe('');
  });

  it('--progress: a bar with share read, documents, rate and ETA on stderr; stdout is the same report', () => {
    const withBar = fle(['inspect', 'good.ndjson', '--json', '--progress'], { cwd: fx.dir });
    expect(withBar.status).toBe(0);
    // Redrawn in place (\r), at most 5 times a second, the last line complete.
    expect(withBar.stderr).toMatch(/^(\r\[[#.]{20}\] +\d+% \d documents, \d+ docs\/s, ETA \d+s)*\r\[#{20}\] 100% 4 documents, \d+ docs\/s, ETA 0s\n$/);
    expect(withBar.stdout).toBe(fle(['inspect', 'good.ndjson', '--json'], { cwd: fx.dir }).stdout);
    // Not a terminal and no --progress: nothing on stderr.
    expect(fle(['inspect', 'good.ndjson'], { cwd: fx.dir }).stderr).toBe('');
  });
});
