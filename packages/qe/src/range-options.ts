import { serializeBsonValue } from '@fle-ts/fle-format';
import { type RawElement } from './bson-elements.js';
import { QeError } from './errors.js';
import { bsonTypeName } from './range-bson.js';

/**
 * `rangeOptions` of explicit Range encryption, as the Node driver spells them (spec
 * `RangeOpts`): `min`/`max` bound the index (same BSON type as the values), `sparsity` (default
 * 2) and `trimFactor` (default min(6, bits - 1)) trade index size for query cost, `precision`
 * (double and decimal128 only, with min and max) keeps that many fractional digits.
 */
export interface QeRangeOptions {
  min?: unknown;
  max?: unknown;
  sparsity?: number | bigint | { toString(): string };
  trimFactor?: number | { valueOf(): number };
  precision?: number | { valueOf(): number };
}

/** Parsed range options (`mc_RangeOpts_t`): bounds as BSON elements, numbers checked. */
export interface RangeOptions {
  min?: RawElement;
  max?: RawElement;
  sparsity: bigint;
  trimFactor?: number;
  precision?: number;
}

/** `mc_FLERangeSparsityDefault`. */
export const RANGE_SPARSITY_DEFAULT = 2n;

const KNOWN = new Set(['min', 'max', 'sparsity', 'trimFactor', 'precision']);
const INT32 = (1n << 31n) - 1n;

function bad(message: string): QeError {
  return new QeError('BAD_RANGE_OPTIONS', message);
}

function integer(x: unknown, name: string): bigint {
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number') {
    if (!Number.isInteger(x)) throw bad(`Error parsing RangeOpts: '${name}' must be an integer, got ${x}`);
    return BigInt(x);
  }
  if (x !== null && typeof x === 'object') {
    const b = x as { _bsontype?: string; toString(): string; valueOf(): unknown };
    if (b._bsontype === 'Long') return BigInt(b.toString());
    if (b._bsontype === 'Int32') return BigInt(b.valueOf() as number);
  }
  throw bad(`Error parsing RangeOpts: '${name}' must be an integer (number, bigint, Long or Int32), got ${typeof x}`);
}

function int32Option(x: unknown, name: string): number {
  const n = integer(x, name);
  if (n < 0n) throw bad(`Error parsing RangeOpts: '${name}' must be non-negative`);
  if (n > INT32) throw bad(`Error parsing RangeOpts: '${name}' must fit in an int32`);
  return Number(n);
}

/**
 * Validates and parses `rangeOptions` as libmongocrypt does (`mc_RangeOpts_parse`, range v2):
 * unknown fields, negative sparsity / trimFactor / precision, precision with integer bounds or
 * without both bounds, double/decimal128 bounds without precision, and min/max of different
 * types are refused with `BAD_RANGE_OPTIONS` naming the option.
 *
 * @example
 * parseRangeOptions({ min: 0, max: 200, sparsity: 1n }); // { sparsity: 1n, min: {type: 0x10, ...}, ... }
 */
export function parseRangeOptions(options: QeRangeOptions | undefined): RangeOptions {
  if (options === null || typeof options !== 'object') throw bad("algorithm 'Range' needs rangeOptions (an object with min, max, sparsity, trimFactor, precision)");
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw bad(`Error parsing RangeOpts: Unrecognized field: '${key}'`);
  }
  const o = options as Record<string, unknown>;
  const element = (x: unknown): RawElement => {
    const { type, bytes } = serializeBsonValue(x);
    return { type, value: bytes };
  };
  const min = o['min'] === undefined ? undefined : element(o['min']);
  const max = o['max'] === undefined ? undefined : element(o['max']);
  let sparsity = RANGE_SPARSITY_DEFAULT;
  if (o['sparsity'] !== undefined) {
    sparsity = integer(o['sparsity'], 'sparsity');
    if (sparsity < 0n) throw bad('Error parsing RangeOpts: sparsity must be non-negative');
    // libmongocrypt refuses 0 later, when making edges ("sparsity must be 1 or larger").
    if (sparsity === 0n) throw bad('sparsity must be 1 or larger');
  }
  const trimFactor = o['trimFactor'] === undefined ? undefined : int32Option(o['trimFactor'], 'trimFactor');
  const precision = o['precision'] === undefined ? undefined : int32Option(o['precision'], 'precision');
  const floating = (e: RawElement): boolean => e.type === 0x01 || e.type === 0x13;
  if (precision !== undefined) {
    if (!min) throw bad('setting precision requires min');
    if (!floating(min)) throw bad(`expected 'precision' to be set with double or decimal128 index, but got: ${bsonTypeName(min.type)} min`);
    if (!max) throw bad('setting precision requires max');
    if (!floating(max)) throw bad(`expected 'precision' to be set with double or decimal128 index, but got: ${bsonTypeName(max.type)} max`);
  }
  if (min && max && min.type !== max.type) {
    throw bad(`expected 'min' and 'max' to be same type, but got: ${bsonTypeName(min.type)} min and ${bsonTypeName(max.type)} max`);
  }
  for (const [name, e] of [['min', min], ['max', max]] as const) {
    if (e && floating(e) && precision === undefined) throw bad(`expected 'precision' to be set with '${name}' for ${bsonTypeName(e.type)}`);
  }
  return {
    sparsity,
    ...(min && { min }),
    ...(max && { max }),
    ...(trimFactor !== undefined && { trimFactor }),
    ...(precision !== undefined && { precision }),
  };
}

/** -DBL_MAX / DBL_MAX and ±(10^34 - 1)E6111 as BSON values: the defaults for unbounded double / decimal128 indexes. */
function defaultBound(type: number, which: 'min' | 'max'): RawElement {
  if (type === 0x01) {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, which === 'min' ? -Number.MAX_VALUE : Number.MAX_VALUE, true);
    return { type, value: b };
  }
  if (type === 0x13) {
    // MC_DEC128_LARGEST_POSITIVE / NEGATIVE: coefficient 10^34 - 1, biased exponent 12287.
    const coeff = 10n ** 34n - 1n;
    const hi = ((which === 'min' ? 1n : 0n) << 63n) | (12287n << 49n) | (coeff >> 64n);
    const lo = coeff & ((1n << 64n) - 1n);
    const b = new Uint8Array(16);
    const dv = new DataView(b.buffer);
    dv.setBigUint64(0, lo, true);
    dv.setBigUint64(8, hi, true);
    return { type, value: b };
  }
  if (type === 0x10 || type === 0x12 || type === 0x09) {
    throw bad(`Range option '${which}' is required for type: ${bsonTypeName(type)}`);
  }
  throw new QeError('UNSUPPORTED_BSON_TYPE', `unsupported BSON type: ${bsonTypeName(type)} for range`);
}

/**
 * The index bound for a value of BSON `type` (`mc_RangeOpts_appendMin/Max`): the option when set
 * (and of the value's type), else the widest double / decimal128; integers and dates need it.
 */
export function rangeBound(opts: RangeOptions, type: number, which: 'min' | 'max'): RawElement {
  const e = opts[which];
  if (e) {
    if (e.type !== type) {
      throw bad(`expected matching '${which}' and value type. Got range option '${which}' of type ${bsonTypeName(e.type)} and value of type ${bsonTypeName(type)}`);
    }
    return e;
  }
  return defaultBound(type, which);
}
