// Range maths properties: for random domains, query ranges and values, v lies in the query range
// exactly when one of v's edges is in the range's mincover (same sparsity and trimFactor). This is
// what makes a server-side range query correct; the vectors fix the exact strings.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dec128Compare, type Dec128 } from '../src/range-decimal.js';
import { rangeEdges } from '../src/range-edges.js';
import { encodeRange, type RangeDomain, type RangeValue } from '../src/range-encoding.js';
import { rangeMincover, trimFactorFor } from '../src/range-mincover.js';

const RUNS = 150;

function cmp(a: RangeValue, b: RangeValue): number {
  if (a.type === 'decimal128' && b.type === 'decimal128') return dec128Compare(a.value, b.value)!;
  const x = a.value as number | bigint;
  const y = b.value as number | bigint;
  return x < y ? -1 : x > y ? 1 : 0;
}

interface Case {
  domain: RangeDomain;
  v: RangeValue;
  lo: RangeValue;
  hi: RangeValue;
  incLo: boolean;
  incHi: boolean;
  sparsity: number;
  trim: number | undefined;
}

/** Checks the property for one case; returns whether v was inside (to show both sides are hit). */
function check(c: Case): boolean {
  const [lo, hi] = cmp(c.lo, c.hi) <= 0 ? [c.lo, c.hi] : [c.hi, c.lo];
  const inside = (c.incLo ? cmp(c.v, lo) >= 0 : cmp(c.v, lo) > 0) && (c.incHi ? cmp(c.v, hi) <= 0 : cmp(c.v, hi) < 0);
  const enc = encodeRange(c.v, c.domain);
  const maxlen = enc.max.toString(2).length;
  const trim = c.trim === undefined ? trimFactorFor(maxlen, undefined) : Math.min(c.trim, maxlen - 1);
  const edges = rangeEdges(enc, c.sparsity, trim).edges;
  let cover: string[];
  try {
    cover = rangeMincover({ lower: lo, includeLower: c.incLo, upper: hi, includeUpper: c.incHi }, c.domain, c.sparsity, trim);
  } catch (e) {
    // Only an empty query range (an excluded bound at the domain's edge, or lo == hi excluded) may fail.
    expect(inside, String(e)).toBe(false);
    return false;
  }
  const hit = edges.some((e) => cover.includes(e));
  expect(hit, JSON.stringify({ edges, cover, inside }, (_k, x) => (typeof x === 'bigint' ? String(x) : x))).toBe(inside);
  return inside;
}

const common = {
  incLo: fc.boolean(),
  incHi: fc.boolean(),
  sparsity: fc.integer({ min: 1, max: 4 }),
  trim: fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
};

function intCase(type: 'int32' | 'int64' | 'date', lim: bigint, bounded: boolean): fc.Arbitrary<Case> {
  const n = fc.bigInt({ min: -lim, max: lim - 1n });
  return fc.record({ a: n, b: n, x: n, y: n, z: n, ...common }).filter((r) => r.a !== r.b).map((r) => {
    const [min, max] = r.a < r.b ? [r.a, r.b] : [r.b, r.a];
    const clamp = (x: bigint): bigint => (bounded ? min + (((x - min) % (max - min + 1n)) + (max - min + 1n)) % (max - min + 1n) : x);
    const val = (x: bigint): RangeValue => ({ type, value: clamp(x) });
    return {
      domain: bounded ? { min: { type, value: min }, max: { type, value: max } } : {},
      v: val(r.x),
      lo: val(r.y),
      hi: val(r.z),
      incLo: r.incLo,
      incHi: r.incHi,
      sparsity: r.sparsity,
      trim: r.trim,
    };
  });
}

describe('range: v in [a, b] exactly when an edge of v is in mincover([a, b])', () => {
  const cases: [string, fc.Arbitrary<Case>][] = [
    ['int32, small bounded domains', intCase('int32', 200n, true)],
    ['int32, full domain', intCase('int32', 1n << 31n, false)],
    ['int64, bounded domains', intCase('int64', 1n << 40n, true)],
    ['date (int64), full domain', intCase('date', 1n << 63n, false)],
    [
      'double, full domain (no precision)',
      fc
        .record({ x: fc.double({ noNaN: true, noDefaultInfinity: true }), y: fc.double({ noNaN: true, noDefaultInfinity: true }), z: fc.double({ noNaN: true, noDefaultInfinity: true }), ...common })
        .map((r) => ({ domain: {}, v: { type: 'double', value: r.x }, lo: { type: 'double', value: r.y }, hi: { type: 'double', value: r.z }, ...r }) as Case),
    ],
    [
      'double with precision 0..2 (integers, exact when scaled)',
      fc
        .record({ a: fc.integer({ min: -500, max: 500 }), w: fc.integer({ min: 1, max: 600 }), x: fc.nat(), y: fc.nat(), z: fc.nat(), p: fc.integer({ min: 0, max: 2 }), ...common })
        .map((r) => {
          const pick = (k: number): RangeValue => ({ type: 'double', value: r.a + (k % (r.w + 1)) });
          return { domain: { min: { type: 'double', value: r.a }, max: { type: 'double', value: r.a + r.w }, precision: r.p }, v: pick(r.x), lo: pick(r.y), hi: pick(r.z), ...r } as Case;
        }),
    ],
    [
      'decimal128, full domain (no precision)',
      fc
        .record({ x: decArb(), y: decArb(), z: decArb(), ...common })
        .map((r) => ({ domain: {}, v: { type: 'decimal128', value: r.x }, lo: { type: 'decimal128', value: r.y }, hi: { type: 'decimal128', value: r.z }, ...r }) as Case),
    ],
    [
      'decimal128 with precision 0..4 (k × 10^-p, exact in decimal)',
      fc
        .record({ a: fc.bigInt({ min: -100000n, max: 100000n }), w: fc.bigInt({ min: 1n, max: 100000n }), x: fc.bigInt({ min: 0n, max: 1n << 40n }), y: fc.bigInt({ min: 0n, max: 1n << 40n }), z: fc.bigInt({ min: 0n, max: 1n << 40n }), p: fc.integer({ min: 0, max: 4 }), ...common })
        .map((r) => {
          const d = (n: bigint): Dec128 => ({ kind: 'finite', negative: n < 0n, coeff: n < 0n ? -n : n, exp: -r.p });
          const pick = (k: bigint): RangeValue => ({ type: 'decimal128', value: d(r.a + (k % (r.w + 1n))) });
          return { domain: { min: { type: 'decimal128', value: d(r.a) }, max: { type: 'decimal128', value: d(r.a + r.w) }, precision: r.p }, v: pick(r.x), lo: pick(r.y), hi: pick(r.z), ...r } as Case;
        }),
    ],
  ];
  for (const [name, arb] of cases) {
    it(name, () => {
      let inside = 0;
      let outside = 0;
      fc.assert(
        fc.property(arb, (c) => {
          if (check(c)) inside++;
          else outside++;
        }),
        { numRuns: RUNS },
      );
      // Both outcomes must occur, or the property would hold vacuously.
      expect(inside).toBeGreaterThan(0);
      expect(outside).toBeGreaterThan(0);
    });
  }
});

function decArb(): fc.Arbitrary<Dec128> {
  return fc
    .record({ neg: fc.boolean(), coeff: fc.bigInt({ min: 0n, max: 10n ** 34n - 1n }), digits: fc.integer({ min: 1, max: 34 }), exp: fc.integer({ min: -30, max: 30 }) })
    .map(({ neg, coeff, digits, exp }) => ({ kind: 'finite', negative: neg, coeff: coeff % 10n ** BigInt(digits), exp }) as Dec128);
}
