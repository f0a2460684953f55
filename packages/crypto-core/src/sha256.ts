/**
 * SHA-256 (FIPS 180-4 6.2) as a resumable state, for HMAC-SHA-256 (hmac-sha256.ts), which
 * Queryable Encryption uses for its token chain and its AEAD tag (LMC `mc-tokens.c`,
 * `mongocrypt-crypto.c` `_hmac_step`). Inputs there are 8 to a few hundred bytes, so the
 * code favours simplicity over throughput.
 */

/**
 * FIPS 180-4 4.2.2 constants (first 32 bits of the fractional parts of the cube roots of the first
 * 64 primes) and 5.3.3 initial value (square roots of the first 8), as literals: no work at import
 * (STYLE.md "Constants without work at import"). The FIPS known answers in the tests prove them.
 */
const K = /* @__PURE__ */ Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);
/** Initial hash value H(0). */
export const SHA256_IV = /* @__PURE__ */ Int32Array.from([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

/** Message schedule scratch; compression is synchronous, so one per module is enough. */
const W = new Int32Array(64);

/** Processes one 64-byte block of `data` at `offset` into `state` (FIPS 180-4 6.2.2). */
function compress(state: Int32Array, data: Uint8Array, offset: number): void {
  for (let i = 0; i < 16; i++) {
    const o = offset + 4 * i;
    W[i] = (data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!;
  }
  compressW(state);
}

/**
 * Compresses one block given as 16 big-endian words (`words[0..16)`) into `state`: the
 * word-level HMAC (hmac-sha256.ts) writes its padded blocks as words and skips the byte buffer.
 */
export function sha256CompressWords(state: Int32Array, words: Int32Array): void {
  for (let i = 0; i < 16; i++) W[i] = words[i]!;
  compressW(state);
}

/** The compression function on the block already loaded in W[0..16). */
function compressW(state: Int32Array): void {
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
  // The schedule holds words of the block (an HMAC key block, a plaintext): clear it (STYLE.md
  // "Wipe what held a secret, including scratch space").
  W.fill(0);
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
