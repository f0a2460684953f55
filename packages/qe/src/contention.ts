import { QeError } from './errors.js';
import { takeRandom, type RandomSource } from './random.js';

const INT64_MAX = 2n ** 63n - 1n;

/**
 * A contention factor (maximum contention `cm` of a marking or `contentionFactor` of explicit
 * encryption) as a bigint: an integer 0 <= x < INT64_MAX (LMC `mc_validate_contention`:
 * "contention must be non-negative", "contention must be < INT64_MAX"). Accepts a safe-integer
 * number, a bigint or a bson `Long`.
 *
 * @example
 * contentionFactor(8); // 8n
 */
export function contentionFactor(value: unknown): bigint {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  else if (isLong(value)) v = BigInt(value.toString());
  else throw new QeError('BAD_CONTENTION_FACTOR', `contention factor must be an integer (number, bigint or Long), got ${describe(value)}`);
  if (v < 0n) throw new QeError('BAD_CONTENTION_FACTOR', `contention must be non-negative, got ${v}`);
  if (v >= INT64_MAX) throw new QeError('BAD_CONTENTION_FACTOR', `contention must be < INT64_MAX, got ${v}`);
  return v;
}

/**
 * Picks the contention factor k of an insert uniformly in [0, cm], exactly as libmongocrypt does
 * (LMC `mongocrypt-crypto.c` `_mongocrypt_random_uint64`, via `_fle2_choose_contention_factor`):
 * cm = 0 reads no bytes; otherwise 8 bytes as a little-endian u64, redrawn while below
 * 2^64 mod (cm + 1) (rejection sampling: no modulo bias), then k = value mod (cm + 1).
 *
 * @example
 * chooseContentionFactor(1n, fixedRandomSource(new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]))); // 1n
 */
export function chooseContentionFactor(maxContention: bigint, random: RandomSource): bigint {
  if (maxContention === 0n) return 0n;
  const bound = maxContention + 1n;
  const min = (2n ** 64n - bound) % bound;
  for (;;) {
    const b = takeRandom(random, 8);
    let u = 0n;
    for (let i = 7; i >= 0; i--) u = (u << 8n) | BigInt(b[i]!);
    if (u >= min) return u % bound;
  }
}

function isLong(value: unknown): value is { toString(): string } {
  return typeof value === 'object' && value !== null && (value as { _bsontype?: unknown })._bsontype === 'Long';
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return value === null ? 'null' : typeof value;
}
