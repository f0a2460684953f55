import { QeError } from './errors.js';
import { bitstring, countLeadingZeros } from './range-edges.js';
import { encodeRange, rangeValueLess, rangeValueText, type RangeDomain, type RangeEncoded, type RangeValue } from './range-encoding.js';

/**
 * The minimum cover of a query range (libmongocrypt `src/mc-range-mincover.c` and
 * `mc-range-mincover-generator.template.h`, the server's SERVER-68600 MinCoverGenerator): the
 * fewest edges whose subtrees are exactly [lower, upper], only at levels an insert stores
 * (multiples of sparsity, at or below trimFactor, or leaves).
 */

/** `trimFactorDefault` (range v2): the given value, else min(6, maxlen - 1). */
export function trimFactorFor(maxlen: number, trimFactor: number | undefined): number {
  if (trimFactor !== undefined) return trimFactor;
  return Math.min(6, Math.max(maxlen - 1, 0));
}

/**
 * `adjustBounds`: an excluded lower bound moves up one, an excluded upper bound down one
 * (on the encoded integers), refusing to leave the domain.
 */
export function adjustBounds(lower: RangeEncoded, includeLower: boolean, upper: RangeEncoded, includeUpper: boolean): [bigint, bigint] {
  let lo = lower.value;
  let hi = upper.value;
  if (!includeLower) {
    if (lo >= lower.max) throw new QeError('BAD_RANGE_VALUE', 'Lower bound must be less than the range maximum if lower bound is excluded from range.');
    lo += 1n;
  }
  if (!includeUpper) {
    if (hi <= upper.min) throw new QeError('BAD_RANGE_VALUE', 'Upper bound must be greater than the range minimum if upper bound is excluded from range.');
    hi -= 1n;
  }
  return [lo, hi];
}

/**
 * `MinCoverGenerator_minCover`: the mincover strings of [rangeMin, rangeMax] in a domain of
 * [0, max] held in a `bits`-wide integer. `trimFactor` undefined takes the v2 default.
 */
export function minCover(rangeMin: bigint, rangeMax: bigint, max: bigint, bits: number, sparsity: number, trimFactor?: number): string[] {
  if (rangeMin > rangeMax) throw new QeError('BAD_RANGE_VALUE', 'Range min must be less than or equal to range max for range search');
  if (rangeMax > max) throw new QeError('BAD_RANGE_VALUE', 'Range max must be less than or equal to max for range search');
  if (!(sparsity >= 1)) throw new QeError('BAD_RANGE_OPTIONS', 'Sparsity must be > 0');
  const maxlen = bits - countLeadingZeros(max, bits);
  const tf = trimFactorFor(maxlen, trimFactor);
  if (tf < 0) throw new QeError('BAD_RANGE_OPTIONS', 'trimFactor must be >= 0');
  if (tf !== 0 && tf >= maxlen) {
    throw new QeError('BAD_RANGE_OPTIONS', `Trim factor must be less than the number of bits (${maxlen}) used to represent an element of the domain`);
  }
  const out: string[] = [];
  const isLevelStored = (maskedBits: number): boolean => {
    const level = maxlen - maskedBits;
    return maskedBits === 0 || (level >= tf && level % sparsity === 0);
  };
  const toString = (start: bigint, maskedBits: number): string => {
    if (maskedBits === maxlen) return 'root';
    return bitstring(start >> BigInt(maskedBits), bits).slice(bits - maxlen + maskedBits);
  };
  const rec = (blockStart: bigint, maskedBits: number): void => {
    const blockEnd = blockStart | ((1n << BigInt(maskedBits)) - 1n);
    if (blockEnd < rangeMin || blockStart > rangeMax) return;
    if (blockStart >= rangeMin && blockEnd <= rangeMax && isLevelStored(maskedBits)) {
      out.push(toString(blockStart, maskedBits));
      return;
    }
    const newBits = maskedBits - 1;
    rec(blockStart, newBits);
    rec(blockStart | (1n << BigInt(newBits)), newBits);
  };
  rec(0n, maxlen);
  return out;
}

/** A find's query range: bounds of the field's type, each included or not. */
export interface RangeQuery {
  lower: RangeValue;
  includeLower: boolean;
  upper: RangeValue;
  includeUpper: boolean;
}

/**
 * `mc_getMincoverInt32/Int64/Double/Decimal128`: checks the query bounds against the domain
 * (`CHECK_BOUNDS`), encodes both, adjusts excluded bounds and returns the mincover strings.
 */
export function rangeMincover(q: RangeQuery, domain: RangeDomain, sparsity: number, trimFactor?: number): string[] {
  const { min, max } = domain;
  // Bounds are query operands, which may be secret: messages name the domain only.
  if (min !== undefined) {
    if (rangeValueLess(q.upper, min)) throw new QeError('BAD_RANGE_VALUE', `Upper bound must be greater than or equal to the range minimum (${rangeValueText(min)})`);
    if (!q.includeUpper && !rangeValueLess(min, q.upper)) {
      throw new QeError('BAD_RANGE_VALUE', `Upper bound must be greater than the range minimum (${rangeValueText(min)}) if upper bound is excluded from range`);
    }
  }
  if (max !== undefined) {
    if (rangeValueLess(max, q.lower)) throw new QeError('BAD_RANGE_VALUE', `Lower bound must be less than or equal to the range maximum (${rangeValueText(max)})`);
    if (!q.includeLower && !rangeValueLess(q.lower, max)) {
      throw new QeError('BAD_RANGE_VALUE', `Lower bound must be less than the range maximum (${rangeValueText(max)}) if lower bound is excluded from range`);
    }
  }
  const a = encodeRange(q.lower, domain);
  const b = encodeRange(q.upper, domain);
  const [lo, hi] = adjustBounds(a, q.includeLower, b, q.includeUpper);
  return minCover(lo, hi, a.max, a.bits, sparsity, trimFactor);
}
