/**
 * SHA-256 (FIPS 180-4 6.2) as a resumable state, for HMAC-SHA-256 (hmac-sha256.ts), which
 * Queryable Encryption uses for its token chain and its AEAD tag (LMC `mc-tokens.c`,
 * `mongocrypt-crypto.c` `_hmac_step`). Inputs there are 8 to a few hundred bytes, so the
 * code favours simplicity over throughput.
 */

/** FIPS 180-4 4.2.2 constants and 5.3.3 initial value, from their definitions (cube / square roots of primes). */
const K = new Int32Array(64);
/** Initial hash value H(0). */
export const SHA256_IV = new Int32Array(8);

(function buildConstants() {
  const primes: number[] = [];
  for (let n = 2; primes.length < 64; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
  // The first 32 bits of the fractional part of root(p): floor(root(p * 2^(32*deg))) mod 2^32.
  const iroot = (x: bigint, deg: bigint): bigint => {
    let r = 1n << ((BigInt(x.toString(2).length) + deg - 1n) / deg);
    for (;;) {
      const next = ((deg - 1n) * r + x / r ** (deg - 1n)) / deg;
      if (next >= r) return r;
      r = next;
    }
  };
  const mask = (1n << 32n) - 1n;
  for (let i = 0; i < 64; i++) K[i] = Number(iroot(BigInt(primes[i]!) << 96n, 3n) & mask) | 0;
  for (let i = 0; i < 8; i++) SHA256_IV[i] = Number(iroot(BigInt(primes[i]!) << 64n, 2n) & mask) | 0;
})();

/** Message schedule scratch; compression is synchronous, so one per module is enough. */
const W = new Int32Array(64);

/** Processes one 64-byte block of `data` at `offset` into `state` (FIPS 180-4 6.2.2). */
function compress(state: Int32Array, data: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const o = offset + 4 * i;
    W[i] = (data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!;
  }
  for (let i = 16; i < 64; i++) {
    const x = W[i - 2]!;
    const y = W[i - 15]!;
    const s1 = ((x >>> 17) | (x << 15)) ^ ((x >>> 19) | (x << 13)) ^ (x >>> 10);
    const s0 = ((y >>> 7) | (y << 25)) ^ ((y >>> 18) | (y << 14)) ^ (y >>> 3);
    W[i] = (s1 + W[i - 7]! + s0 + W[i - 16]!) | 0;
  }
  let a = state[0]!, b = state[1]!, c = state[2]!, d = state[3]!;
  let e = state[4]!, f = state[5]!, g = state[6]!, h = state[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    const t2 = (S0 + maj) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  state[0] = (state[0]! + a) | 0;
  state[1] = (state[1]! + b) | 0;
  state[2] = (state[2]! + c) | 0;
  state[3] = (state[3]! + d) | 0;
  state[4] = (state[4]! + e) | 0;
  state[5] = (state[5]! + f) | 0;
  state[6] = (state[6]! + g) | 0;
  state[7] = (state[7]! + h) | 0;
}

/**
 * A running SHA-256 computation. {@link Sha256.reset} restarts it from a saved chaining value
 * (HMAC's keyed inner/outer states) and the number of bytes already hashed into it.
 */
export class Sha256 {
  readonly state = new Int32Array(8);
  readonly #block = new Uint8Array(64);
  #buffered = 0;
  #length = 0;

  constructor() {
    this.reset(SHA256_IV, 0);
  }

  /** Restarts from chaining value `from` after `length` bytes (a multiple of 64). */
  reset(from: Int32Array, length: number): this {
    this.state.set(from);
    this.#buffered = 0;
    this.#length = length;
    return this;
  }

  /** Feeds `data[offset..offset+length)`. */
  update(data: Uint8Array, offset = 0, length = data.length - offset): this {
    const block = this.#block;
    const end = offset + length;
    this.#length += length;
    if (this.#buffered > 0) {
      const take = Math.min(64 - this.#buffered, length);
      block.set(data.subarray(offset, offset + take), this.#buffered);
      this.#buffered += take;
      offset += take;
      if (this.#buffered < 64) return this;
      compress(this.state, block, 0);
      this.#buffered = 0;
    }
    for (; offset + 64 <= end; offset += 64) compress(this.state, data, offset);
    if (offset < end) {
      block.set(data.subarray(offset, end), 0);
      this.#buffered = end - offset;
    }
    return this;
  }

  /** Pads (FIPS 180-4 5.1.1), writes the 32-byte digest to `out[outOffset..]` and wipes the buffer. */
  finish(out: Uint8Array, outOffset = 0): void {
    const block = this.#block;
    const bits = this.#length * 8;
    block[this.#buffered] = 0x80;
    block.fill(0, this.#buffered + 1);
    if (this.#buffered >= 56) {
      compress(this.state, block, 0);
      block.fill(0);
    }
    const hi = Math.floor(bits / 0x1_0000_0000);
    block[56] = hi >>> 24;
    block[57] = hi >>> 16;
    block[58] = hi >>> 8;
    block[59] = hi;
    block[60] = bits >>> 24;
    block[61] = bits >>> 16;
    block[62] = bits >>> 8;
    block[63] = bits;
    compress(this.state, block, 0);
    block.fill(0);
    this.#buffered = 0;
    for (let i = 0; i < 8; i++) {
      const w = this.state[i]!;
      out[outOffset + 4 * i] = w >>> 24;
      out[outOffset + 4 * i + 1] = w >>> 16;
      out[outOffset + 4 * i + 2] = w >>> 8;
      out[outOffset + 4 * i + 3] = w;
    }
  }

  /** Overwrites the state and buffer. */
  destroy(): void {
    this.state.fill(0);
    this.#block.fill(0);
  }
}

/**
 * SHA-256 digest of `data` (32 bytes).
 *
 * @example
 * bytesToHex(sha256(new TextEncoder().encode('abc'))); // 'ba7816bf...f20015ad'
 */
export function sha256(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(32);
  const h = new Sha256();
  h.update(data).finish(out);
  h.destroy();
  return out;
}

/** Compresses one 64-byte block into `state`: HMAC precomputes its keyed states with it. */
export function sha256Compress(state: Int32Array, block: Uint8Array): void {
  compress(state, block, 0);
}
