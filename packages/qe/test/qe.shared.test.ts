// Every QE v2 equality / unindexed known answer in ../shared/test-vectors/qe (its README "Index"),
// byte for byte. Counts per kind are asserted, so a dropped case fails the run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Int32 } from 'bson';
import { expect, it } from 'vitest';
import { describeShared, SHARED_VECTORS } from '../../../scripts/test-support/shared.js';
import {
  autoEqualityCases,
  COMPACTION_DIRS,
  runCompactionCase,
  explicitEqualityCases,
  runAutoCase,
  runDecryptCase,
  runExplicitCase,
  runIevCase,
  runKeyDocuments,
  runKnownAnswers,
  testKeys,
  tokenTests,
  type Reader,
} from './suite.js';

const read: Reader = (rel) => readFileSync(join(SHARED_VECTORS, 'qe', rel), 'utf8');

describeShared('QE v2 tokens: data/tokens/mc.json and server.json (54 tokens each)', () => {
  tokenTests(read, ['data/tokens/mc.json', 'data/tokens/server.json']);
});

describeShared('QE v2 explicit encryption: cases/explicit-encrypt.json, Indexed and Unindexed', () => {
  it('7 payloads byte-equal to libmongocrypt (same RNG queue, same bytes consumed) and 2 contention errors', () => {
    const keys = testKeys(read);
    const cases = explicitEqualityCases(read);
    const results = cases.map((c) => runExplicitCase(read, c, keys));
    expect(results.filter((r) => r === 'bytes').length).toBe(7);
    expect(results.filter((r) => r === 'error').length).toBe(2);
  });
});

describeShared('QE v2 automatic encryption of markings: cases/auto-encrypt.json (equality, unindexed)', () => {
  it('fle2-insert-v2, fle2-insert-unindexed-v2, fle2-find-equality-v2: each marking byte-equal', () => {
    const keys = testKeys(read);
    const cases = autoEqualityCases(read);
    expect(cases.map((c) => c.name).sort()).toEqual(['fle2-find-equality-v2', 'fle2-insert-unindexed-v2', 'fle2-insert-v2']);
    expect(cases.map((c) => runAutoCase(read, c, keys))).toEqual([1, 1, 1]);
  });
});

describeShared('QE v2 decryption: cases/explicit-decrypt.json, iev-v2, inline known answers', () => {
  it('explicit-decrypt: 11 (equality, range v1, range v2), 14, 15 and 16 decrypt to the expected value; 12 is left alone', () => {
    const keys = testKeys(read);
    const { cases } = JSON.parse(read('cases/explicit-decrypt.json')) as { cases: Parameters<typeof runDecryptCase>[1][] };
    const results = cases.map((c) => runDecryptCase(read, c, keys));
    expect(results.filter((r) => r === 'decrypted').length).toBe(6);
    expect(results.filter((r) => r === 'ignored').length).toBe(1);
  });
  it('iev-v2/FLECrudTest-insertOneV2.json (14: value "secret") and -insertOneRangeV2.json (15: 5 edges, Int32(5))', () => {
    expect(runIevCase(read, 'data/iev-v2/FLECrudTest-insertOneV2.json')).toBe('secret');
    expect(runIevCase(read, 'data/iev-v2/FLECrudTest-insertOneRangeV2.json')).toEqual(new Int32(5));
  });
  it('inline/payload-known-answers.json: UEV decrypt (+ CTR ciphertext refused), IUP parse, IUP decrypt, FindEquality parse/serialize', () => {
    expect(runKnownAnswers(read)).toBe(4);
  });
  it('the three key documents unwrap with the 96-zero-byte local KEK to their key material', () => {
    runKeyDocuments(read);
  });
});

describeShared('compactionTokens / cleanupTokens: data/compact/*, data/cleanup/*', () => {
  it('8 token documents byte-equal (equality, unindexed, range and text fields) and 2 missing-keyId errors', () => {
    const keys = testKeys(read);
    const results = COMPACTION_DIRS.map((d) => runCompactionCase(read, d, keys));
    expect(results.filter((r) => r === 'bytes').length).toBe(8);
    expect(results.filter((r) => r === 'error').length).toBe(2);
  });
});
