import { randomBytes } from '@fle-ts/crypto-core';
import { QeError } from './errors.js';

/**
 * Where QE takes its random bytes (IVs, the contention factor): `(n) => n fresh bytes`.
 * The default is `globalThis.crypto.getRandomValues` (crypto-core `randomBytes`). Tests inject a
 * fixed queue ({@link fixedRandomSource}) to reproduce libmongocrypt's known answers, which its
 * own tests make the same way (LMC `test/test-mongocrypt-ctx-encrypt.c`, `_test_rng_source`).
 */
export type RandomSource = (n: number) => Uint8Array;

/** The default: fresh bytes from the runtime's CSPRNG. */
export const defaultRandomSource: RandomSource = randomBytes;

/**
 * FOR TESTS ONLY: a source that hands out `bytes` front to back and fails with
 * `RANDOM_SOURCE_FAILED` when asked for more than is left ("Out of random data" in libmongocrypt).
 * Encrypting real data with it would repeat IVs. `remaining()` says how many bytes are unused.
 *
 * @example
 * const rng = fixedRandomSource(hexToBytes('4d069564f5a05e9e3523b98f575acb15'));
 */
export function fixedRandomSource(bytes: Uint8Array): RandomSource & { remaining(): number } {
  const queue = new Uint8Array(bytes);
  let position = 0;
  const source = (n: number): Uint8Array => {
    if (position + n > queue.length) {
      throw new QeError('RANDOM_SOURCE_FAILED', `fixed random source: asked for ${n} bytes, ${queue.length - position} left (out of random data)`);
    }
    const out = queue.slice(position, position + n);
    position += n;
    return out;
  };
  return Object.assign(source, { remaining: () => queue.length - position });
}

/** Calls `random(n)` and checks it returned exactly `n` bytes. */
export function takeRandom(random: RandomSource, n: number): Uint8Array {
  const out = random(n);
  if (!(out instanceof Uint8Array) || out.length !== n) {
    throw new QeError('RANDOM_SOURCE_FAILED', `random source returned ${out instanceof Uint8Array ? out.length : typeof out} instead of ${n} bytes`);
  }
  return out;
}
