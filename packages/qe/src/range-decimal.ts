import { QeError } from './errors.js';

/**
 * IEEE 754-2008 decimal128 values as exact BigInt pairs, for range encoding
 * (libmongocrypt `mc-dec128.h`, which wraps Intel's BID library). Only what
 * `mc-range-encoding.c` needs: decode, compare, add/subtract rounded to 34 digits
 * (round half even), scale by 10^n, truncate. Never through doubles.
 */
export type Dec128 =
  | { kind: 'finite'; negative: boolean; coeff: bigint; exp: number }
  | { kind: 'inf'; negative: boolean }
  | { kind: 'nan' };

/** Exponent bias of decimal128 (biased exponent = exp + 6176). */
export const DEC128_EXPONENT_BIAS = 6176;
/** The largest decimal128 coefficient, 10^34 - 1. */
export const DEC128_MAX_COEFF = 10n ** 34n - 1n;
const DIGITS = 34;

/** Decodes the 16 little-endian bytes of a BSON decimal128 (BID encoding). */
export function decodeDec128(bytes: Uint8Array): Dec128 {
  if (bytes.length !== 16) throw new QeError('MALFORMED_PAYLOAD', `a decimal128 is 16 bytes, got ${bytes.length}`);
  let lo = 0n;
  let hi = 0n;
  for (let i = 7; i >= 0; i--) lo = (lo << 8n) | BigInt(bytes[i]!);
  for (let i = 15; i >= 8; i--) hi = (hi << 8n) | BigInt(bytes[i]!);
  const negative = (hi >> 63n) === 1n;
  const comb = (hi >> 58n) & 0x1fn;
  if (comb === 0x1en) return { kind: 'inf', negative };
  if (comb === 0x1fn) return { kind: 'nan' };
  let exp: bigint;
  let coeff: bigint;
  if (((hi >> 61n) & 3n) === 3n) {
    // Large-coefficient form: the coefficient would be >= 2^113 > 10^34 - 1, so it is
    // non-canonical and reads as zero (IEEE 754-2008 3.5.2).
    exp = (hi >> 47n) & 0x3fffn;
    coeff = 0n;
  } else {
    exp = (hi >> 49n) & 0x3fffn;
    coeff = ((hi & 0x1ffffffffffffn) << 64n) | lo;
    if (coeff > DEC128_MAX_COEFF) coeff = 0n;
  }
  return { kind: 'finite', negative, coeff, exp: Number(exp) - DEC128_EXPONENT_BIAS };
}

/** A finite decimal from an integer (exponent 0). */
export function dec128FromBigInt(n: bigint): Dec128 {
  return { kind: 'finite', negative: n < 0n, coeff: n < 0n ? -n : n, exp: 0 };
}

/** The signed numerator for a finite decimal at exponent `exp` (which must be <= its own). */
function signedAt(d: Extract<Dec128, { kind: 'finite' }>, exp: number): bigint {
  const c = d.coeff * 10n ** BigInt(d.exp - exp);
  return d.negative ? -c : c;
}

function finite(d: Dec128, what: string): Extract<Dec128, { kind: 'finite' }> {
  if (d.kind !== 'finite') throw new QeError('BAD_RANGE_VALUE', `${what}: Infinity and NaN Decimal128 values are not supported`);
  return d;
}

/** -1, 0 or 1; NaN is unordered (returns undefined), infinities order as usual. */
export function dec128Compare(a: Dec128, b: Dec128): -1 | 0 | 1 | undefined {
  if (a.kind === 'nan' || b.kind === 'nan') return undefined;
  const rank = (d: Dec128): number => (d.kind === 'inf' ? (d.negative ? -1 : 1) : 0);
  if (rank(a) !== rank(b) || rank(a) !== 0) return rank(a) < rank(b) ? -1 : rank(a) > rank(b) ? 1 : 0;
  const fa = a as Extract<Dec128, { kind: 'finite' }>;
  const fb = b as Extract<Dec128, { kind: 'finite' }>;
  const e = Math.min(fa.exp, fb.exp);
  const x = signedAt(fa, e);
  const y = signedAt(fb, e);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Rounds an exact signed numerator × 10^exp to 34 digits, half to even (BID default). */
function round34(n: bigint, exp: number): Dec128 {
  const negative = n < 0n;
  let c = negative ? -n : n;
  let e = exp;
  const digits = c.toString().length;
  if (digits > DIGITS) {
    const drop = digits - DIGITS;
    const p = 10n ** BigInt(drop);
    const q = c / p;
    const r = c % p;
    const half = p / 2n;
    c = r > half || (r === half && (q & 1n) === 1n) ? q + 1n : q;
    e += drop;
    if (c > DEC128_MAX_COEFF) {
      c /= 10n;
      e += 1;
    }
  }
  return { kind: 'finite', negative, coeff: c, exp: e };
}

/** a + b, rounded to 34 digits (finite operands). */
export function dec128Add(a: Dec128, b: Dec128): Dec128 {
  const fa = finite(a, 'add');
  const fb = finite(b, 'add');
  const e = Math.min(fa.exp, fb.exp);
  return round34(signedAt(fa, e) + signedAt(fb, e), e);
}

/** a - b, rounded to 34 digits (finite operands). */
export function dec128Sub(a: Dec128, b: Dec128): Dec128 {
  const fb = finite(b, 'sub');
  return dec128Add(a, { ...fb, negative: !fb.negative });
}

/** The largest unbiased exponent of decimal128. */
const MAX_EXP = 6111;

/**
 * a × 10^n (`mc_dec128_scale`, BID scalbn): exact, only the exponent moves; past the largest
 * exponent the coefficient takes trailing zeros while it has room, else the result overflows to
 * infinity (IEEE 754-2008 overflow, round half even). Below the smallest exponent the result
 * stays exact where BID would round a subnormal: range precisions never get there (<= 255).
 */
export function dec128Scale(a: Dec128, n: number): Dec128 {
  if (a.kind !== 'finite') return a;
  const exp = a.exp + n;
  if (exp <= MAX_EXP || a.coeff === 0n) return { ...a, exp: Math.min(exp, MAX_EXP) };
  const coeff = a.coeff * 10n ** BigInt(exp - MAX_EXP);
  if (coeff > DEC128_MAX_COEFF) return { kind: 'inf', negative: a.negative };
  return { ...a, coeff, exp: MAX_EXP };
}

/** Rounds toward zero to an integer (`mc_dec128_round_integral_ex(…, TOWARD_ZERO)`). */
export function dec128Trunc(a: Dec128): Dec128 {
  if (a.kind !== 'finite' || a.exp >= 0) return a;
  return { ...a, coeff: a.coeff / 10n ** BigInt(-a.exp), exp: 0 };
}

/** The exact integer value of a finite decimal with no fraction (truncates a fraction away). */
export function dec128ToBigInt(a: Dec128): bigint {
  const f = finite(a, 'toBigInt');
  const mag = f.exp >= 0 ? f.coeff * 10n ** BigInt(f.exp) : f.coeff / 10n ** BigInt(-f.exp);
  return f.negative ? -mag : mag;
}

/** True when a finite decimal has no fractional part. */
export function dec128IsInteger(a: Dec128): boolean {
  return a.kind === 'finite' && dec128Compare(a, dec128Trunc(a)) === 0;
}

/** The decimal from a string rounded to 34 digits, as `mc_dec128_from_string` reads a constant. */
export function dec128FromIntegerString(s: string): Dec128 {
  return round34(BigInt(s), 0);
}

/** A short human form for messages (coefficient E exponent). */
export function dec128ToString(a: Dec128): string {
  if (a.kind === 'nan') return 'NaN';
  if (a.kind === 'inf') return a.negative ? '-Infinity' : 'Infinity';
  return `${a.negative ? '-' : ''}${a.coeff}E${a.exp}`;
}
