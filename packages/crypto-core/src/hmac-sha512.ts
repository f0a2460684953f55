import { compress, compressWords, SHA512_IV, Sha512, writeDigest } from './sha512.js';

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
