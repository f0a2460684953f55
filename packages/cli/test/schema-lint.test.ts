import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lintSchema } from '@fle-ts/cli';
import { describeShared, readSharedJson } from '../../../scripts/test-support/shared.js';
import { fle, fleJson, tempDir } from './run-fle.js';

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
const KEY = { $binary: { base64: 'AAAAAAAAAAAAAAAAAAAAAA==', subType: '04' } };
const KEY2 = { $uuid: '400e1af4-f8a9-4549-86b6-c6a570d48659' };

const GOOD = {
  bsonType: 'object',
  encryptMetadata: { keyId: [KEY] },
  properties: {
    ssn: { encrypt: { bsonType: 'string', algorithm: DET } },
    owner: { bsonType: 'string' },
    billing: { encrypt: { algorithm: RND, keyId: '/owner' } },
    medical: { bsonType: 'object', encryptMetadata: { algorithm: RND, keyId: [KEY2] }, properties: { notes: { encrypt: { bsonType: 'string' } } } },
  },
  patternProperties: { '^x_': { encrypt: { bsonType: 'number', algorithm: RND } } },
};

// One schema that breaks each rule of client's compiler once (packages/client/README.md "Schema rules").
const BAD = {
  bsonType: 'object',
  encryptMetadata: { keyId: [KEY] },
  properties: {
    _id: { encrypt: { bsonType: 'string', algorithm: RND } },
    ssn: { encrypt: { bsonType: ['string', 'int'], algorithm: DET } },
    score: { encrypt: { bsonType: 'double', algorithm: DET } },
    name: { bsonType: 'string', encrypt: { algorithm: RND } },
    tags: { bsonType: 'array', items: { encrypt: { algorithm: RND } } },
    either: { anyOf: [{ bsonType: 'object', properties: { x: { encrypt: { bsonType: 'int', algorithm: DET } } } }] },
    noalg: { encrypt: { bsonType: 'string' } },
    badkey: { encrypt: { keyId: 'owner', algorithm: RND } },
    twokeys: { encrypt: { keyId: [KEY, KEY], algorithm: RND } },
    age: { bsonType: 'int', minimum: 0 },
    addr: { bsonType: 'object', properties: { zip: { encrypt: { bsonType: 'null', algorithm: RND } } } },
    list: { bsonType: 'array', properties: { a: { encrypt: { algorithm: RND } } } },
    'a.b': { encrypt: { bsonType: 'string', algorithm: DET } },
    meta: { bsonType: 'object', encryptMetadata: { algorithm: RND, extra: 1 }, properties: { m: { encrypt: { bsonType: 'string' } } } },
    weird: { encrypt: { bsonType: 'text', algorithm: RND } },
    ok: { encrypt: { bsonType: 'string', algorithm: DET } },
  },
};

const BAD_FINDINGS: [string, string][] = [
  ['/properties/_id', "top-level '_id' cannot use random encryption"],
  ['/properties/ssn/encrypt', 'deterministic encryption needs exactly one bsonType'],
  ['/properties/score/encrypt', "BSON type 'double' cannot be encrypted with deterministic encryption: use Random for doubles"],
  ['/properties/name', "'encrypt' cannot be used together with 'bsonType'"],
  ['/properties/tags/items/encrypt', "'encrypt' is not allowed here (not inside items, additionalItems, allOf, anyOf, oneOf or not)"],
  ['/properties/either/anyOf/0/properties/x/encrypt', "'encrypt' is not allowed here (not inside items, additionalItems, allOf, anyOf, oneOf or not)"],
  ['/properties/noalg/encrypt', 'no algorithm (set it in encrypt or an enclosing encryptMetadata)'],
  ['/properties/badkey/encrypt/keyId', `keyId string must be a JSON pointer such as "/fieldName", got 'owner'`],
  ['/properties/twokeys/encrypt/keyId', 'keyId must be an array of exactly one UUID (BinData subtype 4) or a JSON pointer string'],
  ['/properties/age/minimum', "keyword 'minimum' is not supported in a local encryption schema (allowed: additionalItems, additionalProperties, allOf, anyOf, bsonType, description, encrypt, encryptMetadata, items, not, oneOf, patternProperties, properties, title, type)"],
  ['/properties/addr/properties/zip/encrypt/bsonType', "BSON type 'null' cannot be encrypted with any algorithm: store the field unencrypted or leave it out"],
  ['/properties/list', `properties need bsonType 'object', got "array"`],
  ['/properties/a.b', 'a dotted property name cannot hold encrypted fields'],
  ['/properties/meta/encryptMetadata', "unknown field 'extra' (allowed: keyId, algorithm)"],
  // A follow-on: the linter removed the broken encryptMetadata above, so `m` inherits no algorithm.
  ['/properties/meta/properties/m/encrypt', 'no algorithm (set it in encrypt or an enclosing encryptMetadata)'],
  ['/properties/weird/encrypt/bsonType', "unknown bsonType 'text'"],
];

function write(dir: string, name: string, value: unknown): void {
  writeFileSync(join(dir, name), JSON.stringify(value, null, 2));
}

interface LintJson {
  file: string;
  ok: boolean;
  problems: { pointer: string; schemaPath: string; message: string; code: string }[];
}

describe('fle schema lint', () => {
  it('a valid schema (Extended JSON keyIds, pointer keyId, inherited metadata, patternProperties): ok, exit 0', () => {
    const dir = tempDir();
    write(dir, 'good.json', GOOD);
    const r = fle(['schema', 'lint', 'good.json'], { cwd: dir });
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'good.json: ok, no problems\n', '']);
    expect(fleJson(['schema', 'lint', 'good.json', '--json'], { cwd: dir })).toEqual({ file: 'good.json', ok: true, problems: [] });
  });

  it('a schema breaking every rule: each problem once, with its JSON pointer, in order; exit 1', () => {
    const dir = tempDir();
    write(dir, 'bad.json', BAD);
    const out = fleJson<LintJson>(['schema', 'lint', 'bad.json', '--json'], { cwd: dir, expectStatus: 1 });
    expect(out.ok).toBe(false);
    expect(out.problems.map((p) => [p.pointer, p.message])).toEqual(BAD_FINDINGS);
    expect(new Set(out.problems.map((p) => p.code))).toEqual(new Set(['SCHEMA_INVALID']));
    expect(out.problems[1]).toEqual({ pointer: '/properties/ssn/encrypt', schemaPath: 'properties.ssn.encrypt', message: BAD_FINDINGS[1]![1], code: 'SCHEMA_INVALID' });
    const text = fle(['schema', 'lint', 'bad.json'], { cwd: dir });
    expect(text.status).toBe(1);
    expect(text.stdout).toBe(`${BAD_FINDINGS.map(([p, m]) => `bad.json:${p}: ${m}`).join('\n')}\n${BAD_FINDINGS.length} problems\n`);
  });

  it('the linter does not change the schema it is given (it works on a copy)', () => {
    const schema = JSON.parse(JSON.stringify(BAD)) as typeof BAD;
    lintSchema(schema);
    expect(schema).toEqual(BAD);
  });

  it('a validator {$jsonSchema} is a remote schema: validation keywords pass unless --local', () => {
    const dir = tempDir();
    const inner = { bsonType: 'object', required: ['ssn'], properties: { ssn: { encrypt: { keyId: [KEY], bsonType: 'string', algorithm: DET } }, age: { bsonType: 'int', minimum: 0 } } };
    write(dir, 'validator.json', { $jsonSchema: inner });
    expect(fle(['schema', 'lint', 'validator.json'], { cwd: dir }).stdout).toBe('validator.json: ok, no problems\n');
    const local = fleJson<LintJson>(['schema', 'lint', 'validator.json', '--local', '--json'], { cwd: dir, expectStatus: 1 });
    expect(local.problems.map((p) => p.pointer)).toEqual(['/$jsonSchema/required', '/$jsonSchema/properties/age/minimum']);
    // The same schema given bare is a schemaMap entry (local) unless --remote.
    write(dir, 'bare.json', inner);
    expect(fle(['schema', 'lint', 'bare.json'], { cwd: dir }).status).toBe(1);
    expect(fle(['schema', 'lint', 'bare.json', '--remote'], { cwd: dir }).status).toBe(0);
  });

  it('--schema-map lints each namespace, pointers start with the namespace (~1 for /)', () => {
    const dir = tempDir();
    write(dir, 'map.json', { 'db.good': GOOD, 'db.a/b': { bsonType: 'object', properties: { s: { encrypt: { keyId: [KEY], algorithm: DET } } } } });
    const out = fleJson<LintJson>(['schema', 'lint', '--schema-map', 'map.json', '--json'], { cwd: dir, expectStatus: 1 });
    expect(out.problems.map((p) => [p.pointer, p.message])).toEqual([['/db.a~1b/properties/s/encrypt', 'deterministic encryption needs exactly one bsonType']]);
  });

  it('bad files: not JSON (3), missing (3), no file argument (2)', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'broken.json'), '{"bsonType": ');
    const cases: [string[], number, string][] = [
      [['schema', 'lint', 'broken.json'], 3, 'fle: broken.json is not valid JSON / Extended JSON [BAD_INPUT]\n'],
      [['schema', 'lint', 'nope.json'], 3, 'fle: cannot read schema file nope.json: no such file [READ_FAILED]\n'],
      [['schema', 'lint'], 2, "fle: give the schema file: fle schema lint <schema.json>; run 'fle schema lint --help' [USAGE]\n"],
      [['schema', 'check'], 2, "fle: unknown schema command 'check'; run 'fle schema --help' [USAGE]\n"],
    ];
    for (const [args, status, stderr] of cases) {
      const r = fle(args, { cwd: dir });
      expect({ args, status: r.status, stderr: r.stderr }).toEqual({ args, status, stderr });
    }
  });
});

interface UnifiedFile {
  tests: { description: string; operations: { object: string; expectError?: { errorContains?: string } }[] }[];
  createEntities: { client?: { id: string; autoEncryptOpts?: { schemaMap?: Record<string, unknown> } }; collection?: { id: string; database: string }; database?: { id: string; client: string } }[];
}

describeShared('fle schema lint on the spec badSchema.json cases (spec-unified)', () => {
  it('finds the problem of each of the 4 schema maps', () => {
    const spec = readSharedJson<UnifiedFile>('spec-unified/badSchema.json');
    const dir = tempDir();
    const maps = spec.createEntities.flatMap((e) => (e.client?.autoEncryptOpts?.schemaMap ? [e.client.autoEncryptOpts.schemaMap] : []));
    expect(maps).toHaveLength(4);
    const results = maps.map((m, i) => {
      write(dir, `map${i}.json`, m);
      return fleJson<LintJson>(['schema', 'lint', '--schema-map', `map${i}.json`, '--json'], { cwd: dir, expectStatus: 1 });
    });
    expect(results.map((r) => r.problems.map((p) => [p.pointer, p.message]))).toEqual([
      [['/default.default', `properties need bsonType 'object', got "array"`]],
      // mongocryptd: "Invalid schema" (`foo` holds an encrypted field but no bsonType 'object'; query-analysis.md §8).
      [['/default.default/properties/foo', "a subschema with encrypted fields below it needs bsonType 'object' (mongocryptd: Invalid schema)"]],
      [['/default.default/properties/encrypted_string', "'encrypt' cannot be used together with 'bsonType'"]],
      [['/default.default/anyOf/0/properties/encrypted_string/encrypt', "'encrypt' is not allowed here (not inside items, additionalItems, allOf, anyOf, oneOf or not)"]],
    ]);
    expect(spec.tests.map((t) => t.description)).toEqual([
      'Schema with an encrypted field in an array',
      'Schema without specifying parent object types',
      'Schema with siblings of encrypt document',
      'Schema with logical keywords',
    ]);
  });
});
