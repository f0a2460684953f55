// QE v2 known answers through ClientEncryption / AutoEncrypter (qe-suite.ts), on the repository's
// copy test-vectors/qe (made by scripts/copy-qe-vectors.mjs), so a clone alone proves them, and
// on ../shared/test-vectors/qe when present. Counts are asserted: a dropped case fails the run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex } from '@fle-ts/crypto-core';
import { Int32, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { describeShared, OWN_VECTORS, SHARED_VECTORS } from '../../../scripts/test-support/shared.js';
import { autoCases, decryptCases, explicitCases, explicitRangeCases, runAutoCase, runDecryptCase, runExplicitCase, runExplicitRangeCase, runIevCase, type RangeResult, type Reader } from './qe-suite.js';

/** Expected Range counts: [with indexKeyId, as the Node driver spells it]. */
interface RangeCounts {
  readonly full: Record<RangeResult, number>;
  readonly driver: Record<RangeResult, number>;
}

function count(results: RangeResult[]): Record<RangeResult, number> {
  const out: Record<RangeResult, number> = { insert: 0, expression: 0, error: 0, 'n/a': 0 };
  for (const r of results) out[r]++;
  return out;
}

function suite(read: Reader, range: RangeCounts): void {
  it(`cases/explicit-encrypt.json Range rows through ClientEncryption.encrypt / encryptExpression: ${range.full.insert} inserts and ${range.full.expression} expressions byte-equal (same RNG bytes), ${range.full.error} refusals with libmongocrypt's message; inserts decrypt back`, async () => {
    const results: RangeResult[] = [];
    for (const c of explicitRangeCases(read)) results.push(await runExplicitRangeCase(read, c, false));
    expect(count(results)).toEqual(range.full);
  });
  it(`the Range rows with options as the Node driver spells them (no indexKeyId): ${range.driver.insert} inserts, ${range.driver.expression} expressions, ${range.driver.error} refusals; ${range.driver['n/a']} inserts need index_key_id`, async () => {
    const results: RangeResult[] = [];
    for (const c of explicitRangeCases(read)) results.push(await runExplicitRangeCase(read, c, true));
    expect(count(results)).toEqual(range.driver);
  });
  it('iev-v2/FLECrudTest-insertOneRangeV2.json (15, index key ≠ user key) through ClientEncryption.decrypt and AutoEncrypter: Int32(5), keys fetched in two rounds', async () => {
    const { value, finds } = await runIevCase(read, 'FLECrudTest-insertOneRangeV2.json');
    expect(bytesToHex(serialize({ v: value }))).toBe(bytesToHex(serialize({ v: new Int32(5) })));
    expect(finds).toBe(2);
  });
  it('cases/explicit-encrypt.json through ClientEncryption.encrypt: 7 payloads byte-equal (same RNG queue, same bytes used), 2 contention errors', async () => {
    const results = [];
    for (const c of explicitCases(read)) results.push(await runExplicitCase(read, c, false));
    expect(results.filter((r) => r === 'bytes')).toHaveLength(7);
    expect(results.filter((r) => r === 'error')).toHaveLength(2);
  });
  it('the same with options as the Node driver spells them (no indexKeyId): 4 payloads byte-equal, 2 errors, 3 need libmongocrypt\'s index_key_id', async () => {
    const results = [];
    for (const c of explicitCases(read)) results.push(await runExplicitCase(read, c, true));
    expect(results.filter((r) => r === 'bytes')).toHaveLength(4);
    expect(results.filter((r) => r === 'error')).toHaveLength(2);
    expect(results.filter((r) => r === 'n/a')).toHaveLength(3);
  });
  it('cases/explicit-decrypt.json through ClientEncryption.decrypt, AutoEncrypter.decryptDocument and decryptBson: 11 (x3), 14, 15, 16 decrypt; 12 is left alone', async () => {
    const results = [];
    for (const c of decryptCases(read)) results.push(await runDecryptCase(read, c));
    expect(results.filter((r) => r === 'decrypted')).toHaveLength(6);
    expect(results.filter((r) => r === 'ignored')).toHaveLength(1);
  });
  it('iev-v2/FLECrudTest-insertOneV2.json (14, index key ≠ user key): "secret", keys fetched in two rounds', async () => {
    const { value, finds } = await runIevCase(read);
    expect(value).toBe('secret');
    expect(finds).toBe(2);
  });
  it('cases/auto-encrypt.json (fle2-insert-v2, fle2-insert-unindexed-v2, fle2-find-equality-v2) through AutoEncrypter: 3 commands byte-equal from the markings, our analysis gives the same markings, the find through encryptCommand byte-equal', async () => {
    const cases = autoCases(read);
    expect(cases.map((c) => c.name).sort()).toEqual(['fle2-find-equality-v2', 'fle2-insert-unindexed-v2', 'fle2-insert-v2']);
    const proven = [];
    for (const c of cases) proven.push(await runAutoCase(read, c));
    expect(proven).toEqual([2, 2, 3]);
  });
}

describe('QE v2 vectors through the client (repository copy test-vectors/qe)', () => {
  suite((rel) => readFileSync(join(OWN_VECTORS, 'qe', rel), 'utf8'), {
    full: { insert: 2, expression: 2, error: 8, 'n/a': 0 },
    driver: { insert: 1, expression: 2, error: 8, 'n/a': 1 },
  });
});

describeShared('QE v2 vectors through the client (../shared/test-vectors/qe)', () => {
  suite((rel) => readFileSync(join(SHARED_VECTORS, 'qe', rel), 'utf8'), {
    full: { insert: 7, expression: 6, error: 8, 'n/a': 0 },
    driver: { insert: 3, expression: 6, error: 8, 'n/a': 4 },
  });
});
