import { assertBytes } from './bytes.js';
import { SHA256_IV, Sha256, sha256Compress, sha256CompressWords } from './sha256.js';

/**
 * HMAC-SHA-256 (RFC 2104, FIPS 198-1) keyed once: the chaining values after the ipad and opad
 * blocks are computed in the constructor, so a token chain that MACs many small inputs under
 * one key (LMC `mc-tokens.c`) hashes only the message each time.
 *
 * Use: `begin()`, any number of `update()`, then `finish()`. Synchronous, one MAC at a time.
 */
export class HmacSha256 {
  readonly #inner = new Int32Array(8);
  readonly #outer = new Int32Array(8);
  readonly #hash = new Sha256();
  readonly #digest = new Uint8Array(32);

  constructor(key: Uint8Array) {
    assertBytes(key, 'HMAC-SHA-256 key');
    const block = new Uint8Array(64);
    // Keys longer than the block are hashed first (RFC 2104 section 2).
    if (key.length > 64) this.#hash.update(key).finish(block);
    else block.set(key);
    for (let i = 0; i < 64; i++) block[i]! ^= 0x36;
    this.#inner.set(SHA256_IV);
    sha256Compress(this.#inner, block);
    for (let i = 0; i < 64; i++) block[i]! ^= 0x36 ^ 0x5c;
    this.#outer.set(SHA256_IV);
    sha256Compress(this.#outer, block);
    block.fill(0);
    this.#hash.reset(this.#inner, 64);
  }

  /** Starts a new MAC from the keyed inner state. */
  begin(): this {
    this.#hash.reset(this.#inner, 64);
    return this;
  }

  /** Feeds `data[offset..offset+length)`. */
  update(data: Uint8Array, offset = 0, length = data.length - offset): this {
    this.#hash.update(data, offset, length);
    return this;
  }

  /** Writes the 32-byte MAC to `out[outOffset..]`. */
  finish(out: Uint8Array, outOffset = 0): void {
    const d = this.#digest;
    this.#hash.finish(d);
    this.#hash.reset(this.#outer, 64).update(d).finish(out, outOffset);
    d.fill(0);
  }

  /** Overwrites the keyed states. */
  destroy(): void {
    this.#inner.fill(0);
    this.#outer.fill(0);
    this.#hash.destroy();
  }
}

/** Scratch: the running state and one padded block as words (MACs are synchronous). */
const S = new Int32Array(8);
const B = new Int32Array(16);
/** Keyed states of a one-shot {@link hmacSha256}, wiped after each call. */
const ONE_INNER = new Int32Array(8);
const ONE_OUTER = new Int32Array(8);

/** The chaining values after the ipad and opad blocks of `key` (RFC 2104 section 2). */
function keyStates(key: Uint8Array, inner: Int32Array, outer: Int32Array): void {
  assertBytes(key, 'HMAC-SHA-256 key');
  let k = key;
  // Keys longer than the block are hashed first (RFC 2104 section 2).
  if (key.length > 64) {
    k = new Uint8Array(32);
    const h = new Sha256();
    h.update(key).finish(k);
    h.destroy();
  }
  B.fill(0);
  for (let i = 0; i < k.length; i++) B[i >> 2]! |= k[i]! << (24 - 8 * (i & 3));
  for (let i = 0; i < 16; i++) B[i]! ^= 0x36363636;
  inner.set(SHA256_IV);
  sha256CompressWords(inner, B);
  for (let i = 0; i < 16; i++) B[i]! ^= 0x36363636 ^ 0x5c5c5c5c;
  outer.set(SHA256_IV);
  sha256CompressWords(outer, B);
  B.fill(0);
  if (k !== key) k.fill(0);
}

/** The MAC of `data[offset..offset+length)` from keyed states, written to `out[outOffset..outOffset+32)`. */
function macWords(inner: Int32Array, outer: Int32Array, data: Uint8Array, offset: number, length: number, out: Uint8Array, outOffset: number): void {
  S.set(inner);
  const end = offset + length;
  let p = offset;
  for (; end - p >= 64; p += 64) {
    for (let i = 0; i < 16; i++) {
      const o = p + 4 * i;
      B[i] = (data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!;
    }
    sha256CompressWords(S, B);
  }
  // FIPS 180-4 5.1.1: the rest, 0x80, zeros, then the bit length of ipad block + message.
  const rest = end - p;
  B.fill(0);
  for (let i = 0; i < rest; i++) B[i >> 2]! |= data[p + i]! << (24 - 8 * (i & 3));
  B[rest >> 2]! |= 0x80 << (24 - 8 * (rest & 3));
  if (rest >= 56) {
    sha256CompressWords(S, B);
    B.fill(0);
  }
  const bits = (64 + length) * 8;
  B[14] = Math.floor(bits / 0x1_0000_0000);
  B[15] = bits | 0;
  sha256CompressWords(S, B);
  // Outer hash: opad block (precomputed) + the 32-byte inner digest, 768 bits in all.
  for (let i = 0; i < 8; i++) B[i] = S[i]!;
  B[8] = 0x80000000 | 0;
  B.fill(0, 9, 15);
  B[15] = 768;
  S.set(outer);
  sha256CompressWords(S, B);
  for (let i = 0; i < 8; i++) {
    const w = S[i]!;
    const o = outOffset + 4 * i;
    out[o] = w >>> 24;
    out[o + 1] = w >>> 16;
    out[o + 2] = w >>> 8;
    out[o + 3] = w;
  }
  S.fill(0);
  B.fill(0);
}

/**
 * HMAC-SHA-256 under one key for whole messages, at word level: the keyed inner/outer chaining
 * values are computed once, and each MAC writes its padded block(s) as 32-bit words and runs the
 * compression on them, with no byte buffer and no allocation. A message of up to 55 bytes (QE's
 * u64le constants, 32-byte tokens, most range edges) costs two compressions. Same bytes as
 * {@link HmacSha256}; the token chain of a range payload (LMC `mc-tokens.c`, one MAC per token per
 * edge) is what it is for.
 *
 * @example
 * const k = new HmacSha256Key(key32);
 * const tag = k.mac(new TextEncoder().encode('0101')); // = hmacSha256(key32, ...)
 * k.destroy();
 */
export class HmacSha256Key {
  readonly #inner = new Int32Array(8);
  readonly #outer = new Int32Array(8);

  constructor(key: Uint8Array) {
    keyStates(key, this.#inner, this.#outer);
  }

  /** Writes the MAC of `data[offset..offset+length)` to `out[outOffset..outOffset+32)`. */
  macInto(data: Uint8Array, out: Uint8Array, outOffset = 0, offset = 0, length = data.length - offset): void {
    macWords(this.#inner, this.#outer, data, offset, length, out, outOffset);
  }

  /** The 32-byte MAC of `data`. */
  mac(data: Uint8Array): Uint8Array {
    assertBytes(data, 'HMAC-SHA-256 data');
    const out = new Uint8Array(32);
    macWords(this.#inner, this.#outer, data, 0, data.length, out, 0);
    return out;
  }

  /** Overwrites the keyed states. */
  destroy(): void {
    this.#inner.fill(0);
    this.#outer.fill(0);
  }
}

/**
 * HMAC-SHA-256 of `data` under `key` in one call (32 bytes), with no allocation but the output:
 * QE hashes each edge's tokens under a fresh key (the contention factor step).
 *
 * @example
 * hmacSha256(key32, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0])); // QE's CollectionsLevel1Token of TokenKey `key32`
 */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  assertBytes(data, 'HMAC-SHA-256 data');
  const out = new Uint8Array(32);
  keyStates(key, ONE_INNER, ONE_OUTER);
  macWords(ONE_INNER, ONE_OUTER, data, 0, data.length, out, 0);
  ONE_INNER.fill(0);
  ONE_OUTER.fill(0);
  return out;
}
