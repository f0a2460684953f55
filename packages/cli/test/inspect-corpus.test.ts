// `fle inspect` over the spec corpus (issue 16: "inspect on the spec corpus reporting every field's
// kind/algorithm/type correctly"): the expected report is computed from each case's own metadata.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeShared, SHARED_VECTORS } from '../../../scripts/test-support/shared.js';
import { SPEC_MASTER_KEY_B64 } from '../../keyvault/test/helpers.js';
import { fleJson, tempDir } from './run-fle.js';

const ALGORITHM = { det: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic', rand: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random' } as const;
const KIND = { det: 'FLE1DeterministicEncryptedValue', rand: 'FLE1RandomEncryptedValue' } as const;

interface CorpusCase {
  kms: string;
  type: string;
  algo: 'det' | 'rand';
  allowed: boolean;
}

interface Field {
  path: string;
  count: number;
  kinds: unknown[];
  keyIds: unknown[];
  indexKeyIds: unknown[];
  bsonTypes: unknown[];
  invalid: unknown[];
  sample?: unknown;
}

const CORPUS = join(SHARED_VECTORS, 'spec-corpus');

function corpusKeyId(kms: string): string {
  const doc = JSON.parse(readFileSync(join(CORPUS, `corpus-key-${kms}.json`), 'utf8')) as { _id: { $binary: { base64: string } } };
  const h = Buffer.from(doc._id.$binary.base64, 'base64').toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

describeShared('fle inspect on the spec corpus (spec-corpus/corpus-encrypted.json)', () => {
  const corpus = (): Record<string, unknown> => JSON.parse(readFileSync(join(CORPUS, 'corpus-encrypted.json'), 'utf8')) as Record<string, unknown>;
  const cases = (): [string, CorpusCase][] =>
    Object.entries(corpus()).filter((e): e is [string, CorpusCase] => typeof e[1] === 'object' && e[1] !== null && 'kms' in e[1]);

  function expectedField(name: string, c: CorpusCase): Field {
    return {
      path: `${name}.value`,
      count: 1,
      kinds: [{ kind: KIND[c.algo], algorithm: ALGORITHM[c.algo], count: 1 }],
      keyIds: [{ id: corpusKeyId(c.kms), count: 1 }],
      indexKeyIds: [],
      // 'binData=04' in the corpus names a binData of subtype 4: the $type alias is binData.
      bsonTypes: [{ type: c.type.split('=')[0], count: 1 }],
      invalid: [],
    };
  }

  it('every allowed case is one field with its kind, algorithm, key id and BSON type; refused cases hold no ciphertext', () => {
    const report = fleJson<{ documents: number; encryptedValues: number; fields: Field[] }>(['inspect', join(CORPUS, 'corpus-encrypted.json'), '--json']);
    const allowed = cases().filter(([, c]) => c.allowed);
    expect(allowed.length).toBe(574);
    expect(report).toEqual({ documents: 1, encryptedValues: 574, fields: allowed.map(([n, c]) => expectedField(n, c)) });
  });

  it('with the local corpus key: every local case decrypts to its type, every other provider is KEY_NOT_FOUND', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'kv.json'), `[${readFileSync(join(CORPUS, 'corpus-key-local.json'), 'utf8')}]`);
    writeFileSync(join(dir, 'master.key'), SPEC_MASTER_KEY_B64);
    const report = fleJson<{ fields: Field[] }>(['inspect', join(CORPUS, 'corpus-encrypted.json'), '--json', '--key-vault', 'kv.json', '--master-key', 'master.key'], { cwd: dir, expectStatus: 1 });
    const allowed = cases().filter(([, c]) => c.allowed);
    expect(report.fields.map((f) => [f.path, f.sample])).toEqual(
      allowed.map(([n, c]) => [
        `${n}.value`,
        c.kms === 'local'
          ? { decrypted: 1, types: [{ type: c.type.split('=')[0], count: 1 }], failed: [] }
          : { decrypted: 0, types: [], failed: [{ code: 'KEY_NOT_FOUND', count: 1 }] },
      ]),
    );
  });
});

