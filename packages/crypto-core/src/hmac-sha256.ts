import { assertBytes } from './bytes.js';
import { SHA256_IV, Sha256, sha256Compress } from './sha256.js';

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

/**
 * HMAC-SHA-256 of `data` under `key` in one call (32 bytes).
 *
 * @example
 * hmacSha256(key32, new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0])); // QE's CollectionsLevel1Token of TokenKey `key32`
 */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  assertBytes(data, 'HMAC-SHA-256 data');
  const out = new Uint8Array(32);
  const mac = new HmacSha256(key);
  mac.update(data).finish(out);
  mac.destroy();
  return out;
}
