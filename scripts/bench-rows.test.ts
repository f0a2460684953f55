// The benchmark row modules (benchmarks/native-driver.ts, qe-range.ts, dynamodb.ts) each run one
// tiny round here: the rows have the expected shape, every contender gave a number, and what
// fle-ts produced decrypts (on its side and on the peer's, when the peer is here). No timing
// assertions: the numbers of a tiny round on a shared machine mean nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Int32 } from 'bson';
import { describe, expect, it } from 'vitest';
import {
  AttributeActions,
  decryptDynamodbItem,
  encryptDynamodbItem,
} from '@fle-ts/dynamodb';
import type { BenchHarness, Contender } from '../benchmarks/harness.js';
import { benchItem, benchProviders, canonicalItem, dynamodbMarkdown, dynamodbRows } from '../benchmarks/dynamodb.js';
import { fleTsSide, nativeDriverMarkdown, nativeDriverRows, nativeDriverTargets } from '../benchmarks/native-driver.js';
import { qeRangeMarkdown, qeRangeRows, RANGE_CASES } from '../benchmarks/qe-range.js';
import { buildNativeAddon } from './build-native-addon.mjs';
import { QEORACLE } from './test-support/qeoracle.js';
import { REPO_ROOT } from './test-support/shared.js';

/** A stand-in for run.ts's helpers: one round, each contender's `fn` called three times. */
const tiny: BenchHarness = {
  rounds: 1,
  roundSeconds: 0.02,
  async alternate(n: number, contenders: Contender[]) {
    const out: Record<string, number[]> = {};
    for (let r = 0; r < n; r++) {
      for (const [name, run] of contenders) {
        const v = await run();
        if (v !== undefined) (out[name] ??= []).push(v);
      }
    }
    return out;
  },
  async oneRound(fn: () => unknown) {
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) await fn();
    return 3000 / Math.max(performance.now() - t0, 1e-3);
  },
  roundRatio: (a, b) => (a?.[0] !== undefined && b?.[0] !== undefined ? `${(a[0] / b[0]).toFixed(2)}x` : '—'),
  fmt: (x) => (x === undefined ? '—' : String(Math.round(x))),
  median: (xs) => [...xs].sort((a, b) => a - b)[(xs.length - 1) >> 1]!,
  log: () => {},
};

const positive = (xs: number[] | undefined) => xs !== undefined && xs.length === 1 && xs.every((x) => Number.isFinite(x) && x > 0);
const tableRows = (lines: string[]) => lines.filter((l) => l.startsWith('| ') && !l.startsWith('| ---'));

describe('benchmarks/dynamodb.ts', () => {
  it('the bench item (10 attributes) encrypts and decrypts with every provider, and a changed key attribute is refused', async () => {
    const item = benchItem();
    expect(Object.keys(item)).toHaveLength(10);
    const encryptionContext = { tableName: 'BenchTable', partitionKeyName: 'id', sortKeyName: 'sk' };
    const attributeActions = new AttributeActions({ defaultAction: 'ENCRYPT_AND_SIGN' });
    for (const p of benchProviders()) {
      const stored = await encryptDynamodbItem(item, { materialsProvider: p.writer, encryptionContext, attributeActions });
      expect('B' in stored.email!, p.name).toBe(true);
      const back = await decryptDynamodbItem(stored, { materialsProvider: p.reader, encryptionContext, attributeActions });
      expect(canonicalItem(back), p.name).toBe(canonicalItem(item));
      await expect(decryptDynamodbItem({ ...stored, id: { S: 'someone else' } }, { materialsProvider: p.reader, encryptionContext, attributeActions }), p.name).rejects.toThrow();
    }
  });

  it('canonicalItem ignores set order and nothing else', () => {
    expect(canonicalItem({ a: { SS: ['b', 'a'] } })).toBe(canonicalItem({ a: { SS: ['a', 'b'] } }));
    expect(canonicalItem({ a: { L: [{ S: 'b' }, { S: 'a' }] } })).not.toBe(canonicalItem({ a: { L: [{ S: 'a' }, { S: 'b' }] } }));
  });

  it('one tiny round: a row per provider (HMAC, HMAC, RSA), every contender timed, the Python column when installed', async () => {
    const r = await dynamodbRows(tiny);
    expect(r.rows.map((x) => x.signing)).toEqual(['HMAC', 'HMAC', 'RSA']);
    for (const x of r.rows) {
      expect(positive(x.rounds.encrypt) && positive(x.rounds.decrypt), x.provider).toBe(true);
      // The Python peer decrypted fle-ts's item before it was timed (dynamodbRows throws otherwise).
      if (r.python) expect(positive(x.rounds.pythonEncrypt) && positive(x.rounds.pythonDecrypt), x.provider).toBe(true);
      else expect(x.rounds.pythonEncrypt).toBeUndefined();
    }
    if (!r.python) console.warn(`[fle-ts] DynamoDB bench row without its Python column: ${r.notes.join('; ')}`);
    expect(tableRows(dynamodbMarkdown(tiny, r))).toHaveLength(1 + 3);
  }, 120_000);
});

describe('benchmarks/qe-range.ts', () => {
  it('the cases cover int32, int64, double and decimal128, with and without precision', () => {
    expect(RANGE_CASES.map((c) => c.type)).toEqual(['int32', 'int64', 'double', 'double, precision 2', 'decimal128', 'decimal128, precision 2']);
  });

  it('one tiny round of every case: insert payloads that decrypt on both sides, the same length as libmongocrypt\'s', async () => {
    const r = await qeRangeRows(tiny, RANGE_CASES, { build: false });
    expect(r.rows.map((x) => x.type)).toEqual(RANGE_CASES.map((c) => c.type));
    for (const x of r.rows) {
      expect(positive(x.rounds.clientEncryption) && positive(x.rounds.qe), x.type).toBe(true);
      expect(x.payloadBytes, x.type).toBeGreaterThan(1000); // one token set per edge: kilobytes
      if (QEORACLE) {
        expect(x.libmongocryptPayloadBytes, x.type).toBe(x.payloadBytes);
        expect(x.qeoracleMs!.range > 0 && x.qeoracleMs!.baseline > 0, x.type).toBe(true);
      }
      if (r.driver) expect(positive(x.rounds.driver), x.type).toBe(true);
    }
    if (!QEORACLE || !r.driver) console.warn(`[fle-ts] QE range bench row ran without a libmongocrypt column: ${r.notes.join('; ')}`);
    expect(tableRows(qeRangeMarkdown(tiny, r))).toHaveLength(1 + RANGE_CASES.length);
  }, 120_000);

  it('fle-ts refuses a case whose value is outside its range before anything is timed', async () => {
    const bad = { type: 'int32 out of range', value: new Int32(500), rangeOptions: { min: new Int32(0), max: new Int32(200) } };
    await expect(qeRangeRows(tiny, [bad], { build: false })).rejects.toThrow(/range|max/i);
  });
});

describe('benchmarks/native-driver.ts', () => {
  const built = buildNativeAddon({ build: false });
  if (!built.ok) console.warn(`[fle-ts] skipped the native driver round (${built.why})`);

  it.skipIf(!built.ok)('one tiny round: value rows and the bulk document, blobs identical and cross-decrypted before timing', async () => {
    const r = await nativeDriverRows(tiny, 20, { build: false });
    if (!r.ok) throw new Error(r.why);
    expect(r.values.map((x) => x.what)).toEqual([
      'encrypt 64-byte string, Deterministic',
      'decrypt 64-byte string, Deterministic',
      'encrypt 64-byte string, Random',
      'decrypt 64-byte string, Random',
    ]);
    expect(r.bulk).toHaveLength(2);
    for (const x of [...r.values, ...r.bulk]) expect(positive(x.fleTsRounds) && positive(x.driverRounds), x.what).toBe(true);
    expect(r.versions).toMatch(/libmongocrypt 1\.20\.2/);
    expect(nativeDriverTargets(r).map((t) => t.target)).toHaveLength(2);
    expect(tableRows(nativeDriverMarkdown(tiny, r))).toHaveLength(1 + 6);
  }, 120_000);

  it('without the addon the section and the target say why', () => {
    const r = { ok: false, why: 'libmongocrypt 1.20.2 not found under /nowhere' } as const;
    expect(nativeDriverMarkdown(tiny, r).join('\n')).toContain('Not measured in this run: libmongocrypt 1.20.2 not found under /nowhere');
    expect(nativeDriverTargets(r)).toEqual([expect.objectContaining({ met: false, measured: expect.stringContaining('/nowhere') })]);
  });

  it('fleTsSide gives a key document the fle-ts ClientEncryption decrypts with', async () => {
    const s = await fleTsSide();
    const blob = await s.ce.encrypt('x'.repeat(64), { keyId: s.keyId, algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random' });
    expect(await s.auto.decryptDocument({ v: blob })).toEqual({ v: 'x'.repeat(64) });
    expect(s.material).toHaveLength(96);
  });
});

describe('scripts/build-native-addon.mjs', () => {
  it('exits 1 naming libmongocrypt when it is missing, and builds nothing', () => {
    const empty = mkdtempSync(join(tmpdir(), 'fle-no-lmc-'));
    const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/build-native-addon.mjs')], {
      encoding: 'utf8',
      env: { ...process.env, FLE_LIBMONGOCRYPT_PREFIX: empty, FLE_NATIVE_ADDON_DIR: join(empty, 'addon') },
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`libmongocrypt 1.20.2 not found under ${empty}`);
    expect(r.stdout).toBe('');
  });
});
