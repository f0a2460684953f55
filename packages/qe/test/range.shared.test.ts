// The range maths of ../shared/test-vectors/qe (README "Index": range-encoding, edges, mincover,
// can-use-precision-mode) against libmongocrypt's expected outputs. Counts are asserted, so a
// dropped case fails the run.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeShared, SHARED_VECTORS } from '../../../scripts/test-support/shared.js';
import { runEdgeFile, runEncodingCases, runInlineEdges, runInlineMincover, runMincoverFile, runPrecisionModeCases, type Reader } from './range-suite.js';

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
  it('mc_canUsePrecisionModeDouble/Decimal: 22 cases', () => {
    const c = runPrecisionModeCases(read);
    expect(c.ok + c.error).toBe(22);
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
