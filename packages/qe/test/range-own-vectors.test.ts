// The repository's range sample (test-vectors/qe/, made by scripts/copy-qe-vectors.mjs): the same
// checks as range.shared.test.ts on a subset, so a clone without ../shared still proves the range
// maths and the int32 / decimal128-with-precision payloads byte for byte.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OWN_VECTORS } from '../../../scripts/test-support/shared.js';
import {
  autoRangeCases,
  explicitRangeCases,
  runAutoRangeCase,
  runEncodingCases,
  runExplicitRangeCase,
  runInlineEdges,
  runInlineMincover,
  runMincoverFile,
  runPrecisionModeCases,
  runRangeOptsParseCases,
  type Reader,
} from './range-suite.js';
import { testKeys } from './suite.js';

const read: Reader = (rel) => readFileSync(join(OWN_VECTORS, 'qe', rel), 'utf8');

describe('test-vectors/qe (repository copy): range maths', () => {
  it('encoding: all 234 inline cases', () => {
    expect(runEncodingCases(read)).toEqual({
      int32: { ok: 19, error: 6 },
      int64: { ok: 19, error: 6 },
      double: { ok: 50, error: 17 },
      decimal128: { ok: 103, error: 14 },
    });
  });
  it('precision mode (22), rangeOptions parsing (12), inline edges (16) and mincover (16)', () => {
    expect(runPrecisionModeCases(read)).toEqual({ ok: 8, error: 14 });
    expect(runRangeOptsParseCases(read)).toEqual({ ok: 4, error: 8 });
    expect(runInlineEdges(read)).toEqual({ int32: { ok: 7, error: 3 }, int64: { ok: 4, error: 2 } });
    expect(runInlineMincover(read)).toEqual({ int32: { ok: 7, error: 3 }, int64: { ok: 4, error: 2 } });
  });
  it('mincover files: int32 (299), double with precision (14, 3 refused), decimal128 with precision (6, 2 refused)', () => {
    expect(runMincoverFile(read, 'data/range-min-cover/mincover_int32.json', 'int32')).toEqual({ ok: 299, error: 0, refusedPrecision: 0 });
    expect(runMincoverFile(read, 'data/range-min-cover/mincover_double_precision.json', 'double')).toEqual({ ok: 11, error: 0, refusedPrecision: 3 });
    expect(runMincoverFile(read, 'data/range-min-cover/mincover_decimal128_precision.json', 'decimal128')).toEqual({ ok: 4, error: 0, refusedPrecision: 2 });
  });
});

describe('test-vectors/qe (repository copy): range payloads', () => {
  it('from markings: int32 and decimal128-with-precision insert and find, byte-equal, same RNG bytes', () => {
    const keys = testKeys(read);
    const cases = autoRangeCases(read);
    expect(cases.map((c) => [c.name, runAutoRangeCase(read, c, keys)])).toEqual([
      ['fle2-insert-range/int32-v2', 1],
      ['fle2-insert-range/decimal128-precision-v2', 1],
      ['fle2-find-range/int32-v2', 1],
      ['fle2-find-range/decimal128-precision-v2', 1],
    ]);
  });
  it('explicit: 4 payloads byte-equal (insert, encryptExpression, sparsity 3 / trimFactor 4 both ways), 8 errors', () => {
    const keys = testKeys(read);
    const results = explicitRangeCases(read).map((c) => runExplicitRangeCase(read, c, keys));
    expect(results.filter((r) => r === 'bytes').length).toBe(4);
    expect(results.filter((r) => r === 'error').length).toBe(8);
  });
});
