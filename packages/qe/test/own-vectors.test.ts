// The repository's copy of the QE v2 vectors (test-vectors/qe/, made by scripts/copy-qe-vectors.mjs):
// the same checks as qe.shared.test.ts, so a clone without ../shared still proves byte equality.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Int32 } from 'bson';
import { describe, expect, it } from 'vitest';
import { OWN_VECTORS } from '../../../scripts/test-support/shared.js';
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

const read: Reader = (rel) => readFileSync(join(OWN_VECTORS, 'qe', rel), 'utf8');

describe('test-vectors/qe (repository copy): tokens', () => {
  tokenTests(read, ['data/tokens/mc.json', 'data/tokens/server.json']);
});

describe('test-vectors/qe (repository copy): payloads and decryption', () => {
  it('explicit: 7 payloads byte-equal, 2 contention errors', () => {
    const keys = testKeys(read);
    const results = explicitEqualityCases(read).map((c) => runExplicitCase(read, c, keys));
    expect(results).toEqual(['bytes', 'bytes', 'bytes', 'bytes', 'bytes', 'bytes', 'bytes', 'error', 'error']);
  });
  it('auto: 3 markings byte-equal', () => {
    const keys = testKeys(read);
    expect(autoEqualityCases(read).map((c) => runAutoCase(read, c, keys))).toEqual([1, 1, 1]);
  });
  it('explicit-decrypt: 6 decrypted (11 x3, 14, 15, 16), 1 left alone (find payload)', () => {
    const keys = testKeys(read);
    const { cases } = JSON.parse(read('cases/explicit-decrypt.json')) as { cases: Parameters<typeof runDecryptCase>[1][] };
    const results = cases.map((c) => runDecryptCase(read, c, keys)).sort();
    expect(results).toEqual(['decrypted', 'decrypted', 'decrypted', 'decrypted', 'decrypted', 'decrypted', 'ignored']);
  });
  it('iev-v2 (14 and 15) and the 4 inline known answers', () => {
    expect(runIevCase(read, 'data/iev-v2/FLECrudTest-insertOneV2.json')).toBe('secret');
    expect(runIevCase(read, 'data/iev-v2/FLECrudTest-insertOneRangeV2.json')).toEqual(new Int32(5));
    expect(runKnownAnswers(read)).toBe(4);
  });
  it('compactionTokens / cleanupTokens: 8 byte-equal, 2 errors', () => {
    const keys = testKeys(read);
    const results = COMPACTION_DIRS.map((d) => runCompactionCase(read, d, keys));
    expect(results.filter((r) => r === 'bytes').length).toBe(8);
    expect(results.filter((r) => r === 'error').length).toBe(2);
  });
  it('key documents unwrap to their key material', () => {
    runKeyDocuments(read);
  });
});
