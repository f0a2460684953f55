// The range maths of ../shared/test-vectors/qe (README "Index": range-encoding, edges, mincover,
// can-use-precision-mode) against libmongocrypt's expected outputs. Counts are asserted, so a
// dropped case fails the run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeShared, SHARED_VECTORS } from '../../../scripts/test-support/shared.js';
import { testKeys } from './suite.js';
import { runRangeOptsParseCases, autoRangeCases, explicitRangeCases, runAutoRangeCase, runExplicitRangeCase, runEdgeFile, runEncodingCases, runInlineEdges, runInlineMincover, runMincoverFile, runPrecisionModeCases, type Reader } from './range-suite.js';

const read: Reader = (rel) => readFileSync(join(SHARED_VECTORS, 'qe', rel), 'utf8');

describeShared('QE range encoding: inline/range-encoding.json (mc-range-encoding.c)', () => {
  it('every int32, int64, double and decimal128 case (234) gives libmongocrypt value/min/max or its error', () => {
    const counts = runEncodingCases(read);
    expect(counts).toEqual({
      int32: { ok: 19, error: 6 },
      int64: { ok: 19, error: 6 },
      double: { ok: 50, error: 17 },
      decimal128: { ok: 103, error: 14 },
    });
    const total = Object.values(counts).reduce((n, c) => n + c.ok + c.error, 0);
    expect(total).toBe(234);
  });
  it('rangeOptions parsing and defaults: inline/rangeopts-parse.json, 12 cases (4 parsed, 8 refused)', () => {
    expect(runRangeOptsParseCases(read)).toEqual({ ok: 4, error: 8 });
  });
  it('mc_canUsePrecisionModeDouble/Decimal: 22 cases', () => {
    expect(runPrecisionModeCases(read)).toEqual({ ok: 8, error: 14 });
  });
});

describeShared('QE range edges: data/range-edge-generation + inline/range-edges-inline.json', () => {
  for (const [type, n] of [['int32', 690], ['int64', 630], ['double', 340], ['decimal128', 350]] as const) {
    it(`edges_${type}.json: all ${n} cases`, () => {
      const c = runEdgeFile(read, `data/range-edge-generation/edges_${type}.json`, type);
      expect(c.ok + c.error).toBe(n);
    });
  }
  it('inline trimFactor and error cases: int32 10 (7 edges, 3 errors), int64 6 (4, 2)', () => {
    expect(runInlineEdges(read)).toEqual({ int32: { ok: 7, error: 3 }, int64: { ok: 4, error: 2 } });
  });
});

describeShared('QE range mincover: data/range-min-cover + inline/range-mincover-inline.json', () => {
  // [file, type, cases, of which refused in range v2 because mc_canUsePrecisionMode* says no]
  for (const [file, type, n, refused] of [
    ['mincover_int32', 'int32', 299, 0],
    ['mincover_int64', 'int64', 189, 0],
    ['mincover_double', 'double', 131, 0],
    ['mincover_double_precision', 'double', 14, 3],
    ['mincover_decimal128', 'decimal128', 6, 0],
    ['mincover_decimal128_precision', 'decimal128', 6, 2],
  ] as const) {
    it(`${file}.json: all ${n} cases (${refused} refused precision domains)`, () => {
      const c = runMincoverFile(read, `data/range-min-cover/${file}.json`, type);
      expect(c).toEqual({ ok: n - refused, error: 0, refusedPrecision: refused });
    });
  }
  it('inline trimFactor and error cases: int32 10, int64 6', () => {
    expect(runInlineMincover(read)).toEqual({ int32: { ok: 7, error: 3 }, int64: { ok: 4, error: 2 } });
  });
});

describeShared('QE range payloads from markings: cases/auto-encrypt.json (range rows)', () => {
  it('every auto range case (7 insert + 7 find types, no-trimFactor, range-sends-cryptoParams) byte-equal, same RNG bytes', () => {
    const keys = testKeys(read);
    const cases = autoRangeCases(read);
    for (const c of cases) runAutoRangeCase(read, c, keys);
    expect(cases.map((c) => c.name).sort()).toMatchInlineSnapshot(`
      [
        "fle2-find-range/date-v2",
        "fle2-find-range/decimal128-precision-v2",
        "fle2-find-range/decimal128-v2",
        "fle2-find-range/double-precision-v2",
        "fle2-find-range/double-v2",
        "fle2-find-range/int32-v2",
        "fle2-find-range/int64-v2",
        "fle2-insert-range/date-v2",
        "fle2-insert-range/decimal128-precision-v2",
        "fle2-insert-range/decimal128-v2",
        "fle2-insert-range/double-precision-v2",
        "fle2-insert-range/double-v2",
        "fle2-insert-range/int32-v2",
        "fle2-insert-range/int64-v2",
        "no-trimFactor/find",
        "no-trimFactor/insert",
        "range-sends-cryptoParams/auto-find-int32",
        "range-sends-cryptoParams/auto-insert-int32",
      ]
    `);
  });
});

describeShared('QE explicit Range: cases/explicit-encrypt.json (Range rows)', () => {
  it('every explicit Range case byte-equal or refused with libmongocrypt\'s error', () => {
    const keys = testKeys(read);
    const results = explicitRangeCases(read).map((c) => [c.desc, runExplicitRangeCase(read, c, keys)]);
    expect(results).toMatchInlineSnapshot(`
      [
        [
          "algorithm='Range' with int32 (v2)",
          "bytes",
        ],
        [
          "algorithm='Range' with sparsity=2 with int32 (v2)",
          "bytes",
        ],
        [
          "algorithm='Range' with query_type='range' with int32 (v2)",
          "bytes",
        ],
        [
          "An unsupported range BSON type is an error (v2)",
          "error",
        ],
        [
          "algorithm='Range' with query_type='range' with double with precision (v2)",
          "bytes",
        ],
        [
          "algorithm='Range' with double precision with precision (v2)",
          "bytes",
        ],
        [
          "algorithm='Range' with query_type='range' with double without precision (v2)",
          "bytes",
        ],
        [
          "algorithm='Range' with double without precision (v2)",
          "bytes",
        ],
        [
          "min > max for insert (v2)",
          "error",
        ],
        [
          "min > max for find (v2)",
          "error",
        ],
        [
          "open interval (v2)",
          "bytes",
        ],
        [
          "min is required to insert int for range",
          "error",
        ],
        [
          "max is required to insert int for range",
          "error",
        ],
        [
          "min is required to find int for range",
          "error",
        ],
        [
          "max is required to find int for range",
          "error",
        ],
        [
          "crossed bounds fails",
          "error",
        ],
        [
          "'range' sends crypto params for insert",
          "bytes",
        ],
        [
          "'range' sends crypto params for insert with correct defaults",
          "bytes",
        ],
        [
          "'range' sends crypto params for insert for double",
          "bytes",
        ],
        [
          "'range' sends crypto params for find with correct defaults",
          "bytes",
        ],
        [
          "'range' sends crypto params for find",
          "bytes",
        ],
      ]
    `);
  });
});
