import { compress, compressHmacOuter, compressWords, feedWords, finishWords, SHA512_IV, Sha512, writeDigest } from './sha512.js';

/**
 * HMAC-SHA-512 (RFC 2104, FIPS 198-1) keyed once: the chaining values after the ipad and
 * opad blocks are computed in the constructor, so each MAC costs only the message blocks
 * plus one outer block, and allocates nothing.
 *
 * Use: `begin()`, any number of `update()`, then `finish()`. Synchronous and not reentrant
 * (one running MAC per object), which the AEAD guarantees by never yielding mid-MAC.
 */
export class HmacSha512 {
  readonly #inner = new Int32Array(16);
  readonly #outer = new Int32Array(16);
  readonly #hash = new Sha512();
  /**
   * The outer hash's only block as 32 int32 halves: the inner digest's 8 words, then the
   * fixed padding for 128 + 64 bytes (0x80, zeros, bit length 1536).
   */
  readonly #outerWords = new Int32Array(32);
  readonly #outerState = new Int32Array(16);
  /** Inner chaining value of {@link HmacSha512.tag3}/{@link HmacSha512.verify3}. */
  readonly #innerState = new Int32Array(16);

  constructor(key: Uint8Array) {
    const block = new Uint8Array(128);
    // Keys longer than the block are hashed first (RFC 2104 section 2).
    if (key.length > 128) this.#hash.update(key).finish(block);
    else block.set(key);
    for (let i = 0; i < 128; i++) block[i]! ^= 0x36;
    this.#inner.set(SHA512_IV);
    compress(this.#inner, block, 0, 1);
    for (let i = 0; i < 128; i++) block[i]! ^= 0x36 ^ 0x5c;
    this.#outer.set(SHA512_IV);
    compress(this.#outer, block, 0, 1);
    block.fill(0);
    this.#hash.reset(this.#inner, 128);
    this.#outerWords[16] = 0x80 << 24;
    // (128 + 64) * 8 = 1536 bits, the low half of the last word.
    this.#outerWords[31] = 1536;
  }

  /** Starts a new MAC from the keyed inner state. */
  begin(): this {
    this.#hash.reset(this.#inner, 128);
    return this;
  }

  /** Feeds `data[offset..offset+length)`. */
  update(data: Uint8Array, offset = 0, length = data.length - offset): this {
    this.#hash.update(data, offset, length);
    return this;
  }

  /** Writes the first `length` bytes (default 64) of the MAC to `out[outOffset..]`. */
  finish(out: Uint8Array, outOffset = 0, length = 64): void {
    const h = this.#hash;
    h.finalize();
    // The inner digest's words go straight into the outer block, compressed once from the
    // precomputed outer state: no bytes round trip, no buffering, no second padding pass.
    const words = this.#outerWords;
    words.set(h.state, 0);
    const st = this.#outerState;
    st.set(this.#outer);
    compressWords(st, words);
    writeDigest(st, out, outOffset, length);
    words.fill(0, 0, 16);
    st.fill(0);
  }

  /**
   * MAC of `a[aOffset..aOffset+aLength) || b[bOffset..bOffset+bLength) || c` in one synchronous call, its first
   * `length` bytes (at most 64) to `out[outOffset..]`. Same bytes as begin/update/finish;
   * the message goes straight into the hash's words (no byte buffer), which is most of an
   * FLE1 call's HMAC cost besides the compressions (../shared/docs/perf-sha512.md).
   */
  tag3(
    a: Uint8Array,
    aOffset: number,
    aLength: number,
    b: Uint8Array,
    bOffset: number,
    bLength: number,
    c: Uint8Array,
    out: Uint8Array,
    outOffset: number,
    length: number,
  ): void {
    const st = this.#run3(a, aOffset, aLength, b, bOffset, bLength, c);
    writeDigest(st, out, outOffset, length);
    st.fill(0);
  }

  /**
   * Whether the first `length` bytes (a multiple of 4, at most 64) of the MAC of
   * `a[aOffset..+aLength) || b[bOffset..+bLength) || c` equal `expected[expectedOffset..]`, compared in
   * constant time as words (LMC `_mongocrypt_memequal` compares every byte too).
   */
  verify3(
    a: Uint8Array,
    aOffset: number,
    aLength: number,
    b: Uint8Array,
    bOffset: number,
    bLength: number,
    c: Uint8Array,
    expected: Uint8Array,
    expectedOffset: number,
    length: number,
  ): boolean {
    const st = this.#run3(a, aOffset, aLength, b, bOffset, bLength, c);
    let diff = 0;
    for (let i = 0, o = expectedOffset; i < length >> 2; i++, o += 4) {
      diff |= st[i]! ^ ((expected[o]! << 24) | (expected[o + 1]! << 16) | (expected[o + 2]! << 8) | expected[o + 3]!);
    }
    st.fill(0);
    return diff === 0;
  }

  /** Inner hash from the keyed inner state over the three parts, then the outer block; the MAC is in the returned (scratch) state. */
  #run3(a: Uint8Array, aOffset: number, aLength: number, b: Uint8Array, bOffset: number, bLength: number, c: Uint8Array): Int32Array {
    const inner = this.#innerState;
    inner.set(this.#inner);
    let n = feedWords(inner, a, aOffset, aLength, 0);
    n = feedWords(inner, b, bOffset, bLength, n);
    n = feedWords(inner, c, 0, c.length, n);
    finishWords(inner, n, 128 + aLength + bLength + c.length);
    const st = this.#outerState;
    st.set(this.#outer);
    compressHmacOuter(st, inner);
    inner.fill(0);
    return st;
  }

  /** Overwrites the keyed states. */
  destroy(): void {
    this.#inner.fill(0);
    this.#outer.fill(0);
    this.#hash.destroy();
    this.#outerWords.fill(0, 0, 16);
  }
}

/** HMAC-SHA-512 of `data` under `key` in one call. */
export function hmacSha512(key: Uint8Array, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  const mac = new HmacSha512(key);
  mac.update(data).finish(out);
  mac.destroy();
  return out;
}
