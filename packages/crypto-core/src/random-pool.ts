import { randomBytes } from './bytes.js';

/**
 * Random IVs from a pool refilled 4 KiB at a time. `getRandomValues` costs about a
 * microsecond per call whatever the size, more than the whole AEAD of a small value;
 * one call per 256 IVs makes it negligible. Bytes are zeroed as they are handed out,
 * so no IV is ever handed out twice and none lingers after use.
 */
const POOL_SIZE = 4096;
let pool: Uint8Array = new Uint8Array(0);
let position = 0;

/** Copies `n` (at most 4096) fresh random bytes to `out[offset..]`. */
export function randomInto(out: Uint8Array, offset: number, n: number): void {
  if (position + n > pool.length) {
    pool = randomBytes(POOL_SIZE);
    position = 0;
  }
  for (let i = 0; i < n; i++) out[offset + i] = pool[position + i]!;
  pool.fill(0, position, position + n);
  position += n;
}
