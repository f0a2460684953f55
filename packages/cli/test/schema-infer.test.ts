// `fle schema infer`: a validator from a sample and --encrypt choices, checked by the same compiler
// automatic encryption runs, then used as written: by `fle encrypt --schema-map` and `fle inspect --validator`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EJSON } from 'bson';
import { describe, expect, it } from 'vitest';
import { fle, fleJson, filesIn, tempDir } from './run-fle.js';

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
const SAMPLE = [
  '{"_id":1,"name":"Ann","ssn":"555-01","age":{"$numberInt":"40"},"address":{"city":"X","zip":"123"},"tags":["a"]}',
  '{"_id":2,"name":"Bo","ssn":"555-02","age":{"$numberLong":"41"},"address":{"city":"Y","zip":{"$numberInt":"9"}},"tags":[]}',
].join('\n');

function sampleDir(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'sample.ndjson'), `${SAMPLE}\n`);
  return dir;
}

describe('fle schema infer', () => {
  it('writes the validator: bsonType per field, encrypt with the types seen under one encryptMetadata keyId; schema lint accepts it', () => {
    const dir = sampleDir();
    const r = fle(['schema', 'infer', 'sample.ndjson', '--encrypt', 'ssn=Deterministic', '--encrypt', 'address.zip=random', '--id', '01234567-89ab-cdef-0123-456789abcdef', '-o', 'validator.json'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toBe('wrote a validator from 2 documents to validator.json\n');
    expect(r.stdout).toBe('');
    expect(JSON.parse(readFileSync(join(dir, 'validator.json'), 'utf8'))).toEqual({
      $jsonSchema: {
        bsonType: 'object',
        encryptMetadata: { keyId: [{ $binary: { base64: 'ASNFZ4mrze8BI0VniavN7w==', subType: '04' } }] },
        properties: {
          _id: { bsonType: 'int' },
          name: { bsonType: 'string' },
          ssn: { encrypt: { bsonType: 'string', algorithm: DET } },
          age: { bsonType: ['int', 'long'] },
          address: { bsonType: 'object', properties: { city: { bsonType: 'string' }, zip: { encrypt: { bsonType: ['string', 'int'], algorithm: RND } } } },
          tags: { bsonType: 'array' },
        },
      },
    });
    expect(fle(['schema', 'lint', 'validator.json'], { cwd: dir })).toMatchObject({ status: 0, stdout: 'validator.json: ok, no problems\n' });
    // --progress: the bar on stderr, the same validator on stdout.
    const shown = fle(['schema', 'infer', 'sample.ndjson', '--encrypt', 'ssn=Deterministic', '--encrypt', 'address.zip=random', '--id', '01234567-89ab-cdef-0123-456789abcdef', '--progress'], { cwd: dir });
    expect(shown.stderr).toMatch(/\r\[#{20}\] 100% 2 documents, \d+ docs\/s, ETA 0s\n$/);
    expect(JSON.parse(shown.stdout)).toEqual(JSON.parse(readFileSync(join(dir, 'validator.json'), 'utf8')));
  });

  it('--ns writes a schema map that fle encrypt uses as written; inspect --validator then calls both fields automatic; a key alt name is resolved to its UUID', () => {
    const dir = sampleDir();
    expect(fle(['keygen', 'm.key'], { cwd: dir }).status).toBe(0);
    const key = fleJson<{ id: string }>(['datakey', 'create', '--key-vault', 'kv.json', '--master-key', 'm.key', '--key-alt-name', 'pii', '--json'], { cwd: dir });
    const inferred = fle(['schema', 'infer', 'sample.ndjson', '--encrypt', 'ssn=Deterministic', '--encrypt', `address.zip=${RND}`, '--key-alt-name', 'pii', '--key-vault', 'kv.json', '--ns', 'hr.people'], { cwd: dir });
    expect(inferred.status, inferred.stderr).toBe(0);
    const map = EJSON.parse(inferred.stdout, { relaxed: false }) as Record<string, { encryptMetadata: { keyId: { toUUID(): { toString(): string } }[] } }>;
    expect(Object.keys(map)).toEqual(['hr.people']);
    expect(map['hr.people']!.encryptMetadata.keyId[0]!.toUUID().toString()).toBe(key.id);
    writeFileSync(join(dir, 'map.json'), inferred.stdout);
    const enc = fle(['encrypt', 'sample.ndjson', '-o', 'enc.ndjson', '--key-vault', 'kv.json', '--master-key', 'm.key', '--schema-map', 'map.json', '--ns', 'hr.people'], { cwd: dir });
    expect(enc.status, enc.stderr).toBe(0);
    writeFileSync(join(dir, 'validator.json'), EJSON.stringify({ $jsonSchema: map['hr.people'] }, { relaxed: false }));
    const report = fleJson<{ fields: { path: string; bsonTypes: unknown; validator: unknown }[] }>(['inspect', 'enc.ndjson', '--validator', 'validator.json', '--json'], { cwd: dir });
    expect(report.fields.map((f) => [f.path, f.bsonTypes, f.validator])).toEqual([
      ['ssn', [{ type: 'string', count: 2 }], { mode: 'automatic', by: '$jsonSchema', algorithm: DET }],
      ['address.zip', [{ type: 'string', count: 1 }, { type: 'int', count: 1 }], { mode: 'automatic', by: '$jsonSchema', algorithm: RND }],
    ]);
    // Inferring again from the encrypted dump reads the original types from the ciphertext headers: the same schema.
    const again = fle(['schema', 'infer', 'enc.ndjson', '--encrypt', 'ssn=Deterministic', '--encrypt', `address.zip=${RND}`, '--key-alt-name', 'pii', '--key-vault', 'kv.json', '--ns', 'hr.people'], { cwd: dir });
    expect(again.stdout).toBe(inferred.stdout);
  });

  it('what automatic encryption would refuse: typed error, exit 3, nothing written', () => {
    const dir = sampleDir();
    const id = ['--id', '0123456789abcdef0123456789abcdef'];
    for (const [choice, message] of [
      ['age=Deterministic', /--encrypt age=Deterministic: the sample holds int, long at age, and deterministic encryption takes one bsonType; choose Random.*\[SCHEMA_INVALID\]\n$/],
      ['tags.x=Random', /--encrypt tags\.x: tags is an array \(automatic encryption encrypts a whole array, never into one\).*\[BAD_INPUT\]\n$/],
      ['missing=Deterministic', /the sample has no value at missing.*\[BAD_INPUT\]\n$/],
      // The compiler's own refusal, with its pointer into the inferred validator.
      ['_id=Random', /^fle: the inferred validator \/\$jsonSchema\/properties\/_id: top-level '_id' cannot use random encryption\nfle: no validator written: .*\[SCHEMA_INVALID\]\n$/],
    ] as const) {
      const r = fle(['schema', 'infer', 'sample.ndjson', '--encrypt', choice, ...id, '-o', 'out.json'], { cwd: dir });
      expect(r.status, `${choice}: ${r.stderr}`).toBe(3);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    expect(filesIn(dir)).toEqual(['sample.ndjson']);
  });

  it('usage: no --encrypt, a bad choice, no key or two, an existing output (never overwritten)', () => {
    const dir = sampleDir();
    const id = ['--id', '0123456789abcdef0123456789abcdef'];
    expect(fle(['schema', 'infer', 'sample.ndjson', ...id], { cwd: dir })).toMatchObject({ status: 2, stderr: expect.stringMatching(/choose the fields to encrypt/) });
    expect(fle(['schema', 'infer', 'sample.ndjson', '--encrypt', 'ssn=Fast', ...id], { cwd: dir })).toMatchObject({ status: 2, stderr: expect.stringMatching(/--encrypt 'ssn=Fast': expected <dotted.path>=Deterministic\|Random/) });
    expect(fle(['schema', 'infer', 'sample.ndjson', '--encrypt', 'ssn=Random'], { cwd: dir })).toMatchObject({ status: 2, stderr: expect.stringMatching(/name the data key once/) });
    expect(fle(['schema', 'infer', 'sample.ndjson', '--encrypt', 'ssn=Random', ...id, '--key-id-pointer', '/name'], { cwd: dir }).status).toBe(2);
    writeFileSync(join(dir, 'v.json'), 'mine');
    expect(fle(['schema', 'infer', 'sample.ndjson', '--encrypt', 'ssn=Random', ...id, '-o', 'v.json'], { cwd: dir })).toMatchObject({ status: 5, stderr: expect.stringMatching(/\[FILE_EXISTS\]/) });
    expect(readFileSync(join(dir, 'v.json'), 'utf8')).toBe('mine');
    expect(existsSync(join(dir, 'out.json'))).toBe(false);
  });
});
