import { QeError } from './errors.js';
import {
  dec128Compare,
  dec128FromIntegerString,
  dec128Scale,
  dec128Sub,
  dec128ToBigInt,
  dec128ToString,
  dec128Trunc,
  DEC128_EXPONENT_BIAS,
  DEC128_MAX_COEFF,
  type Dec128,
} from './range-decimal.js';

/**
 * The range encodings of libmongocrypt `src/mc-range-encoding.c` (range v2): a value becomes an
 * unsigned integer in [0, max] (the "OST" type info); `max` fixes the bit length of edges.
 * Integers of every width are BigInt here, so one code path serves 32, 64 and 128 bits.
 */
export interface RangeEncoded {
  /** The encoded value, 0 <= value <= max. */
  value: bigint;
  /** Always 0 (kept for libmongocrypt's shape). */
  min: bigint;
  /** The top of the domain: 2^32-1, 2^64-1, 2^128-1, or the trimmed maximum. */
  max: bigint;
  /** Width of the C integer type (32, 64 or 128): the bitstrings are cut from that many bits. */
  bits: number;
}

const U32_MAX = (1n << 32n) - 1n;
const U64_MAX = (1n << 64n) - 1n;
const U128_MAX = (1n << 128n) - 1n;

function bad(message: string): QeError {
  return new QeError('BAD_RANGE_OPTIONS', message);
}
function outOfBounds(min: string, max: string): QeError {
  // libmongocrypt also prints the value; this message leaves the plaintext out.
  return new QeError(
    'BAD_RANGE_VALUE',
    `Value must be greater than or equal to the minimum value and less than or equal to the maximum value, got min: ${min}, max: ${max}`,
  );
}

/** Integer bounds: both or neither (`mc_getTypeInfo32/64`). */
export interface IntRangeArgs {
  value: bigint;
  min?: bigint;
  max?: bigint;
}

/** int32 / int64 / date: shift by 2^(bits-1), then subtract the encoded min (`mc_getTypeInfo32`, `mc_getTypeInfo64`). */
export function encodeIntRange(args: IntRangeArgs, bits: 32 | 64): RangeEncoded {
  const half = 1n << BigInt(bits - 1);
  const umax = bits === 32 ? U32_MAX : U64_MAX;
  if (args.value < -half || args.value >= half) throw new QeError('BAD_RANGE_VALUE', `value is not an int${bits}`);
  if ((args.min === undefined) !== (args.max === undefined)) throw bad('Must specify both a lower and upper bound or no bounds.');
  if (args.min === undefined || args.max === undefined) return { value: args.value + half, min: 0n, max: umax, bits };
  if (args.min >= args.max) throw bad(`The minimum value must be less than the maximum value, got min: ${args.min}, max: ${args.max}`);
  if (args.value > args.max || args.value < args.min) throw outOfBounds(String(args.min), String(args.max));
  return { value: args.value - args.min, min: 0n, max: args.max - args.min, bits };
}

/** 10^p as the correctly rounded double (glibc's `pow(10, p)` is correctly rounded). */
export function exp10Double(p: number): number {
  return p >= 0 ? Number(10n ** BigInt(p)) : 1 / Number(10n ** BigInt(-p));
}

/** The bit pattern of a double as an unsigned 64-bit BigInt. */
function doubleBits(x: number): bigint {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return view.getBigUint64(0);
}

/** ceil(log2(i)) for i > 0 (`ceil_log2_double` / `ceil_log2_int128`). */
function ceilLog2(i: bigint): number {
  const len = i.toString(2).length;
  return (i & (i - 1n)) === 0n ? len - 1 : len;
}

/** The result of a precision-mode check: usable with `bits`, or not (no error, too wide). */
export type PrecisionMode = { ok: true; bits: number } | { ok: false };

/**
 * `mc_canUsePrecisionModeDouble`: may [min, max] with `precision` digits be encoded as an integer
 * below 2^53? Throws libmongocrypt's errors for fractional or too large bounds.
 */
export function canUsePrecisionModeDouble(min: number, max: number, precision: number): PrecisionMode {
  if (min >= max) throw bad(`Invalid bounds for double range precision, min must be less than max. min: ${min}, max: ${max}`);
  const scaledPrc = exp10Double(precision);
  const scaledMax = max * scaledPrc;
  const scaledMin = min * scaledPrc;
  if (scaledMax !== Math.trunc(scaledMax)) {
    throw bad(`Invalid upper bound for double precision. Fractional digits must be less than the specified precision value. max: ${max}`);
  }
  if (scaledMin !== Math.trunc(scaledMin)) {
    throw bad(`Invalid lower bound for double precision. Fractional digits must be less than the specified precision value. min: ${min}`);
  }
  const bound = 9007199254740992; // 2^53
  if (Math.abs(scaledMax) >= bound) throw bad(`Invalid upper bound for double precision. Absolute scaled value of max must be less than ${bound}. max: ${max}`);
  if (Math.abs(scaledMin) >= bound) throw bad(`Invalid lower bound for double precision. Absolute scaled value of min must be less than ${bound}. min: ${min}`);
  const t1 = scaledMax - scaledMin;
  const t4 = 18446744073709551615 - t1; // (double)UINT64_MAX - t_1
  const t5 = Math.floor(Math.log10(t4)) - 1;
  if (precision > t5) throw bad(`Invalid value for precision. precision: ${precision}`);
  const range = (BigInt(scaledMax) - BigInt(scaledMin)) & U64_MAX;
  const prc = BigInt(Math.trunc(scaledPrc)) & U64_MAX;
  if (prc > U64_MAX - range) {
    throw bad(`Invalid value for min, max, and precision. The calculated domain size is too large. min: ${min}, max: ${max}, precision: ${precision}`);
  }
  const bits = ceilLog2(range + prc);
  return bits >= 53 ? { ok: false } : { ok: true, bits };
}

/** Double args: min, max and precision all set or all unset (`mc_getTypeInfoDouble_args_t`). */
export interface DoubleRangeArgs {
  value: number;
  min?: number;
  max?: number;
  precision?: number;
}

/** `mc_getTypeInfoDouble` (range v2). */
export function encodeDoubleRange(args: DoubleRangeArgs): RangeEncoded {
  const { min, max, precision } = args;
  let value = args.value;
  if ((min === undefined) !== (max === undefined) || (min === undefined) !== (precision === undefined)) {
    throw bad('min, max, and precision must all be set or must all be unset');
  }
  if (!Number.isFinite(value)) throw new QeError('BAD_RANGE_VALUE', 'Infinity and NaN double values are not supported.');
  if (min !== undefined && max !== undefined) {
    if (min >= max) throw bad(`The minimum value must be less than the maximum value, got min: ${min}, max: ${max}`);
    if (value > max || value < min) throw outOfBounds(String(min), String(max));
  }
  if (precision !== undefined) {
    if (precision < 0) throw bad(`Precision must be non-negative, but got ${precision}`);
    if (!Number.isFinite(exp10Double(precision))) throw bad('Precision is too large and cannot be used to calculate the scaled range bounds');
  }
  const isNeg = value < 0;
  if (value === 0) value = 0; // -0 -> +0
  if (precision !== undefined && min !== undefined && max !== undefined) {
    const mode = canUsePrecisionModeDouble(min, max, precision);
    if (!mode.ok) {
      throw bad(
        `The domain of double values specified by the min, max, and precision cannot be represented in fewer than 53 bits. min: ${min}, max: ${max}, precision: ${precision}`,
      );
    }
    const scale = exp10Double(precision);
    const vPrime = BigInt(Math.trunc(value * scale));
    const scaledMin = BigInt(Math.trunc(min * scale));
    const ret = vPrime - scaledMin;
    return { value: ret, min: 0n, max: (1n << BigInt(mode.bits)) - 1n, bits: 64 };
  }
  // Flip the sign so negatives sort below positives, then mirror negatives (mc-range-encoding.c).
  let uv = doubleBits(value * -1);
  if (isNeg) uv = (1n << 63n) - uv;
  return { value: uv, min: 0n, max: U64_MAX, bits: 64 };
}

const INT128_MAX_AS_DECIMAL = dec128FromIntegerString('170141183460469231731687303715884105727');
const UINT128_MAX_AS_DECIMAL = dec128FromIntegerString('340282366920938463463374607431768211455');

/** floor(log10(x)) for a finite decimal x >= 1 that is an integer; -Infinity for 0, NaN below. */
function floorLog10(x: Dec128): number {
  const n = dec128ToBigInt(x);
  if (n < 0n) return Number.NaN;
  if (n === 0n) return Number.NEGATIVE_INFINITY;
  return n.toString().length - 1;
}

/**
 * `mc_canUsePrecisionModeDecimal`: may [min, max] with `precision` digits be encoded as an
 * integer below 2^128? Throws libmongocrypt's errors for fractional or too large bounds.
 */
export function canUsePrecisionModeDecimal(min: Dec128, max: Dec128, precision: number): PrecisionMode {
  if (max.kind !== 'finite') throw bad('Invalid upper bound for Decimal128 precision. Max is infinite.');
  if (min.kind !== 'finite') throw bad('Invalid lower bound for Decimal128 precision. Min is infinite.');
  if (dec128Compare(min, max)! >= 0) {
    throw bad(`Invalid upper and lower bounds for Decimal128 precision. Min must be strictly less than max. min: ${dec128ToString(min)}, max: ${dec128ToString(max)}`);
  }
  const scaledMax = dec128Scale(max, precision);
  const scaledMin = dec128Scale(min, precision);
  // libmongocrypt's vector (MC_DEC128_LARGEST_POSITIVE, precision 3) reports a bound that
  // overflows when scaled as infinite.
  if (scaledMax.kind !== 'finite') throw bad('Invalid upper bound for Decimal128 precision. Max is infinite.');
  if (scaledMin.kind !== 'finite') throw bad('Invalid lower bound for Decimal128 precision. Min is infinite.');
  if (dec128Compare(scaledMax, dec128Trunc(scaledMax)) !== 0) {
    throw bad(`Invalid upper bound for Decimal128 precision. Fractional digits must be less than the specified precision value. max: ${dec128ToString(max)}, precision: ${precision}`);
  }
  if (dec128Compare(scaledMin, dec128Trunc(scaledMin)) !== 0) {
    throw bad(`Invalid lower bound for Decimal128 precision. Fractional digits must be less than the specified precision value. min: ${dec128ToString(min)}, precision: ${precision}`);
  }
  const abs = (d: Dec128): Dec128 => (d.kind === 'finite' ? { ...d, negative: false } : d);
  if (dec128Compare(abs(scaledMax), INT128_MAX_AS_DECIMAL) === 1) {
    throw bad(`Invalid upper bound for Decimal128 precision. Absolute scaled value must be less than or equal to ${dec128ToString(INT128_MAX_AS_DECIMAL)}. max: ${dec128ToString(max)}`);
  }
  if (dec128Compare(abs(scaledMin), INT128_MAX_AS_DECIMAL) === 1) {
    throw bad(`Invalid lower bound for Decimal128 precision. Absolute scaled value must be less than or equal to ${dec128ToString(INT128_MAX_AS_DECIMAL)}. min: ${dec128ToString(min)}`);
  }
  const t1 = dec128Sub(scaledMax, scaledMin);
  const t4 = dec128Sub(UINT128_MAX_AS_DECIMAL, t1);
  const t5 = floorLog10(t4) - 1;
  if (t5 < precision) throw bad(`Invalid value for precision. precision: ${precision}`);
  const range = (dec128ToBigInt(scaledMax) - dec128ToBigInt(scaledMin)) & U128_MAX;
  if (precision > 255) throw bad(`Invalid value for precision. Must be less than 255. precision: ${precision}`);
  const i3 = (range + 10n ** BigInt(precision)) & U128_MAX;
  if (i3 === 0n) throw bad('Invalid input to ceil_log2_int128 function. Input cannot be 0.');
  const bits = ceilLog2(i3);
  return bits >= 128 ? { ok: false } : { ok: true, bits };
}

/** Decimal128 args: min, max and precision all set or all unset. */
export interface Decimal128RangeArgs {
  value: Dec128;
  min?: Dec128;
  max?: Dec128;
  precision?: number;
}

/** `mc_getTypeInfoDecimal128` (range v2), in exact BigInt arithmetic. */
export function encodeDecimal128Range(args: Decimal128RangeArgs): RangeEncoded {
  const { value, min, max, precision } = args;
  if ((min === undefined) !== (max === undefined) || (min === undefined) !== (precision === undefined)) {
    throw bad('min, max, and precision must all be set or must all be unset');
  }
  if (precision !== undefined) {
    if (precision < 0) throw bad(`Precision must be non-negative, but got ${precision}`);
    // 1 × 10^p is finite while p <= 6111 + 33 (the coefficient can absorb 33 zeros).
    if (precision > 6144) throw bad('Precision is too large and cannot be used to calculate the scaled range bounds');
  }
  if (value.kind !== 'finite') throw new QeError('BAD_RANGE_VALUE', 'Infinity and Nan Decimal128 values are not supported.');
  if (min !== undefined && max !== undefined) {
    // `mc_dec128_greater_equal`: false when either side is NaN, so NaN bounds reach the precision check.
    const order = dec128Compare(min, max);
    if (order === 0 || order === 1) {
      throw bad(`The minimum value must be less than the maximum value, got min: ${dec128ToString(min)}, max: ${dec128ToString(max)}`);
    }
    if (dec128Compare(value, max) === 1 || dec128Compare(value, min) === -1) throw outOfBounds(dec128ToString(min), dec128ToString(max));
  }
  if (precision !== undefined && min !== undefined && max !== undefined) {
    const mode = canUsePrecisionModeDecimal(min, max, precision);
    if (!mode.ok) {
      throw bad(
        `The domain of decimal values specified by the min, max, and precision cannot be represented in fewer than 128 bits. min: ${dec128ToString(min)}, max: ${dec128ToString(max)}, precision: ${precision}`,
      );
    }
    const vPrime = dec128Scale(dec128Trunc(dec128Scale(value, precision)), -precision);
    const vPrime2 = dec128Trunc(dec128Scale(dec128Sub(vPrime, min), precision));
    return { value: dec128ToBigInt(vPrime2) & U128_MAX, min: 0n, max: (1n << BigInt(mode.bits)) - 1n, bits: 128 };
  }
  const half = 1n << 127n;
  if (value.coeff === 0n) return { value: half, min: 0n, max: U128_MAX, bits: 128 };
  // rho: the greatest integer with coeff × 10^rho <= cMax (libmongocrypt's loop, same bounds).
  const cMaxDivTen = DEC128_MAX_COEFF / 10n;
  const expBiased = value.exp + DEC128_EXPONENT_BIAS;
  let rho = 0;
  let scaled = value.coeff;
  while (scaled < cMaxDivTen) {
    rho++;
    scaled *= 10n;
  }
  let result = rho <= expBiased ? scaled + DEC128_MAX_COEFF * BigInt(expBiased - rho) : 10n ** BigInt(expBiased) * value.coeff;
  result = (result + half) & U128_MAX;
  if (value.negative) result = -result & U128_MAX;
  return { value: result, min: 0n, max: U128_MAX, bits: 128 };
}

/** A value of one of the five range types, in the exact form its encoding needs. */
export type RangeValue =
  | { type: 'int32' | 'int64' | 'date'; value: bigint }
  | { type: 'double'; value: number }
  | { type: 'decimal128'; value: Dec128 };

/** The domain of a range index: bounds of the field's type (same `type` as the value) and precision. */
export interface RangeDomain {
  min?: RangeValue;
  max?: RangeValue;
  precision?: number;
}

/** The bound's payload, checked to be of the value's type (libmongocrypt refuses mixed types). */
function boundOf(type: RangeValue['type'], b: RangeValue | undefined, name: string): unknown {
  if (b === undefined) return undefined;
  if (b.type !== type) throw bad(`expected matching '${name}' and value type. Got range option '${name}' of type ${b.type} and value of type ${type}`);
  return b.value;
}

/**
 * Encodes a value of any range type (dispatching to `mc_getTypeInfo32/64/Double/Decimal128`;
 * date uses the int64 encoding). Integer fields refuse `precision`.
 */
export function encodeRange(v: RangeValue, domain: RangeDomain): RangeEncoded {
  switch (v.type) {
    case 'int32':
    case 'int64':
    case 'date': {
      if (domain.precision !== undefined) throw bad("expected 'precision' to be set with double or decimal128 index");
      const bits = v.type === 'int32' ? 32 : 64;
      const min = boundOf(v.type, domain.min, 'min') as bigint | undefined;
      const max = boundOf(v.type, domain.max, 'max') as bigint | undefined;
      return encodeIntRange({ value: v.value, ...(min !== undefined && { min }), ...(max !== undefined && { max }) }, bits);
    }
    case 'double': {
      const min = boundOf('double', domain.min, 'min') as number | undefined;
      const max = boundOf('double', domain.max, 'max') as number | undefined;
      return encodeDoubleRange({
        value: v.value,
        ...(min !== undefined && { min }),
        ...(max !== undefined && { max }),
        ...(domain.precision !== undefined && { precision: domain.precision }),
      });
    }
    case 'decimal128': {
      const min = boundOf('decimal128', domain.min, 'min') as Dec128 | undefined;
      const max = boundOf('decimal128', domain.max, 'max') as Dec128 | undefined;
      return encodeDecimal128Range({
        value: v.value,
        ...(min !== undefined && { min }),
        ...(max !== undefined && { max }),
        ...(domain.precision !== undefined && { precision: domain.precision }),
      });
    }
  }
}

/** a < b for two range values of one type. */
export function rangeValueLess(a: RangeValue, b: RangeValue): boolean {
  if (a.type === 'decimal128' && b.type === 'decimal128') return dec128Compare(a.value, b.value) === -1;
  return (a.value as number | bigint) < (b.value as number | bigint);
}

/** A range value as text for messages (bounds only: never pass a plaintext value here). */
export function rangeValueText(a: RangeValue): string {
  return a.type === 'decimal128' ? dec128ToString(a.value) : String(a.value);
}
