import { Aes256Key, cbcDecrypt, cbcEncrypt } from './aes.js';
import { assertBytes, wipe } from './bytes.js';
import { FleCryptoError } from './errors.js';
import { HmacSha512 } from './hmac-sha512.js';
import { randomInto } from './random-pool.js';
import { SubtleAead } from './subtle-aead.js';

/** Length of a MongoDB FLE1 data key: MAC key || encryption key || IV key (LMC `MONGOCRYPT_KEY_LEN`). */
export const KEY_LENGTH = 96;
/** AES block and IV length. */
export const IV_LENGTH = 16;
/** HMAC-SHA-512 truncated to 256 bits ([MCGREW 2.7] T_LEN = 32). */
export const TAG_LENGTH = 32;
/** Smallest valid AEAD output: IV + one padded block + tag (LMC `_mongocrypt_do_decryption`). */
export const MIN_CIPHERTEXT_LENGTH = IV_LENGTH + 16 + TAG_LENGTH;
/**
 * From this plaintext/ciphertext size on, the async methods hand the work to WebCrypto
 * (native AES and SHA-512); below it the promise round trip costs more than the pure-TS path.
 */
export const ASYNC_NATIVE_THRESHOLD = 16384;

const EMPTY = new Uint8Array(0);
// Scratch for the synchronous path: nothing here survives a call (each is wiped or
// overwritten before return), and a sync call cannot be interleaved with another.
const AL = new Uint8Array(8);

/** Length of the AEAD output for a plaintext of `plaintextLength` bytes (LMC `_mongocrypt_calculate_ciphertext_len`). */
export function ciphertextLength(plaintextLength: number): number {
  return IV_LENGTH + 16 * (Math.floor(plaintextLength / 16) + 1) + TAG_LENGTH;
}

/** AL of [MCGREW 2.1]: the bit length of the AAD as a 64-bit big-endian integer, into `out`. */
function aadBitLength(aad: Uint8Array, out: Uint8Array = new Uint8Array(8)): Uint8Array {
  return bitLengthInto(aad.length, out);
}

/** AL for an AAD of `aadLength` bytes, into `out`. */
function bitLengthInto(aadLength: number, out: Uint8Array): Uint8Array {
  const bits = aadLength * 8;
  const hi = Math.floor(bits / 0x1_0000_0000);
  out[0] = hi >>> 24;
  out[1] = hi >>> 16;
  out[2] = hi >>> 8;
  out[3] = hi;
  out[4] = bits >>> 24;
  out[5] = bits >>> 16;
  out[6] = bits >>> 8;
  out[7] = bits;
  return out;
}

function checkKey(key: unknown, what: string): asserts key is Uint8Array {
  assertBytes(key, what);
  if (key.length !== KEY_LENGTH) {
    throw new FleCryptoError('BAD_KEY_LENGTH', `${what} must be ${KEY_LENGTH} bytes, got ${key.length}`);
  }
}

function checkIv(iv: unknown): asserts iv is Uint8Array {
  assertBytes(iv, 'IV');
  if (iv.length !== IV_LENGTH) {
    throw new FleCryptoError('BAD_IV_LENGTH', `IV must be ${IV_LENGTH} bytes, got ${iv.length}`);
  }
}

function checkCiphertextLength(ciphertext: Uint8Array): void {
  if (ciphertext.length < MIN_CIPHERTEXT_LENGTH) {
    throw new FleCryptoError(
      'CIPHERTEXT_TOO_SHORT',
      `ciphertext must be at least ${MIN_CIPHERTEXT_LENGTH} bytes, got ${ciphertext.length}`,
    );
  }
}

function hmacMismatch(): FleCryptoError {
  return new FleCryptoError('HMAC_MISMATCH', 'HMAC validation failure: wrong key, wrong associated data, or tampered ciphertext');
}

function notBlockAligned(): FleCryptoError {
  return new FleCryptoError('BAD_CIPHERTEXT_LENGTH', 'ciphertext length is not a multiple of the AES block size');
}

/** How {@link AeadKey.encryptAsync} picks the IV: a fixed 16-byte IV, fresh random, or derived. */
export type AeadIvChoice = Uint8Array | 'random' | 'deterministic';

/**
 * A 96-byte MongoDB data key, ready for AEAD_AES_256_CBC_HMAC_SHA_512.
 * Create one per key and reuse it: the AES key schedules and the keyed HMAC states
 * are computed once, in the constructor, and each call only does the per-value work.
 *
 * @example
 * const k = new AeadKey(key96);
 * const c = k.encryptDeterministic(plaintext, aad);
 * k.decrypt(c, aad); // plaintext
 */
export class AeadKey {
  readonly #aes: Aes256Key;
  readonly #mac: HmacSha512;
  readonly #ivMac: HmacSha512;
  /** Raw key copy for WebCrypto, imported lazily on the first large async call. */
  readonly #raw: Uint8Array;
  #subtle: SubtleAead | undefined;
  #destroyed = false;

  constructor(key: Uint8Array) {
    checkKey(key, 'AEAD key');
    // Key split, LMC `KEY_FORMAT_FLE1`: Km = key[0..32), Ke = key[32..64), IV key = key[64..96).
    this.#mac = new HmacSha512(key.subarray(0, 32));
    this.#aes = new Aes256Key(key.subarray(32, 64));
    this.#ivMac = new HmacSha512(key.subarray(64, 96));
    this.#raw = key.slice();
  }

  /** Encrypts with a caller-chosen 16-byte IV; output IV || S || T. */
  encrypt(plaintext: Uint8Array, aad: Uint8Array, iv: Uint8Array): Uint8Array {
    this.#checkLive();
    assertBytes(plaintext, 'plaintext');
    assertBytes(aad, 'associated data');
    checkIv(iv);
    const out = new Uint8Array(ciphertextLength(plaintext.length));
    out.set(iv, 0);
    this.#encryptInto(plaintext, aad, out);
    return out;
  }

  /** Encrypts with a fresh random IV (FLE1 "Random", key wrapping). */
  encryptRandom(plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
    this.#checkLive();
    assertBytes(plaintext, 'plaintext');
    assertBytes(aad, 'associated data');
    const out = new Uint8Array(ciphertextLength(plaintext.length));
    randomInto(out, 0, IV_LENGTH);
    this.#encryptInto(plaintext, aad, out);
    return out;
  }

  /** Encrypts with the IV derived from key, AAD and plaintext (FLE1 "Deterministic"). */
  encryptDeterministic(plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
    this.#checkLive();
    assertBytes(plaintext, 'plaintext');
    assertBytes(aad, 'associated data');
    const out = new Uint8Array(ciphertextLength(plaintext.length));
    this.#deriveIvInto(plaintext, aad, out);
    this.#encryptInto(plaintext, aad, out);
    return out;
  }

  /**
   * Deterministic IV: first 16 bytes of HMAC-SHA-512(IV key, AAD || AL || P)
   * (LMC `_mongocrypt_calculate_deterministic_iv`; AL sits before P here, after C in the tag).
   */
  deriveIv(plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
    this.#checkLive();
    assertBytes(plaintext, 'plaintext');
    assertBytes(aad, 'associated data');
    const iv = new Uint8Array(IV_LENGTH);
    this.#deriveIvInto(plaintext, aad, iv);
    return iv;
  }

  /**
   * Verifies the tag in constant time, then decrypts. Checks in LMC's order:
   * length, tag, block alignment, padding.
   */
  decrypt(ciphertext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
    this.#checkLive();
    assertBytes(ciphertext, 'ciphertext');
    assertBytes(aad, 'associated data');
    checkCiphertextLength(ciphertext);
    const macEnd = ciphertext.length - TAG_LENGTH;
    // Constant-time compare of the 32-byte tag (LMC `_mongocrypt_memequal`).
    if (!this.#tagMatches(aad, 0, aad.length, ciphertext, 0, macEnd)) throw hmacMismatch();
    const sLength = macEnd - IV_LENGTH;
    if (sLength % 16 !== 0) throw notBlockAligned();
    const padded = new Uint8Array(sLength);
    cbcDecrypt(this.#aes, ciphertext, 0, ciphertext, IV_LENGTH, sLength, padded, 0);
    return unpad(padded);
  }

  /**
   * {@link AeadKey.decrypt} without allocating, for bulk decryption (a whole BSON reply):
   * the ciphertext is `ciphertext[offset..offset+length)`, the associated data
   * `aad[aadOffset..aadOffset+aadLength)`, and the plaintext is written to `out[outOffset..]`,
   * which must have room for `length - 48` bytes (the padded plaintext: the bytes after the
   * returned length are padding, overwritten with zeros). Returns the plaintext length.
   * Same checks in the same order and the same errors as `decrypt`; `BAD_RANGE` for a range
   * outside its array. Nothing is written to `out` unless the tag matches.
   *
   * @example
   * const n = k.decryptInto(blob, 18, blob.length - 18, blob, 0, 18, out, 0);
   */
  decryptInto(
    ciphertext: Uint8Array,
    offset: number,
    length: number,
    aad: Uint8Array,
    aadOffset: number,
    aadLength: number,
    out: Uint8Array,
    outOffset: number,
  ): number {
    this.#checkLive();
    assertBytes(ciphertext, 'ciphertext');
    assertBytes(aad, 'associated data');
    assertBytes(out, 'output');
    checkRange(ciphertext, offset, length, 'ciphertext');
    checkRange(aad, aadOffset, aadLength, 'associated data');
    if (length < MIN_CIPHERTEXT_LENGTH) {
      throw new FleCryptoError('CIPHERTEXT_TOO_SHORT', `ciphertext must be at least ${MIN_CIPHERTEXT_LENGTH} bytes, got ${length}`);
    }
    const macEnd = offset + length - TAG_LENGTH;
    if (!this.#tagMatches(aad, aadOffset, aadLength, ciphertext, offset, macEnd)) throw hmacMismatch();
    const sLength = macEnd - offset - IV_LENGTH;
    if (sLength % 16 !== 0) throw notBlockAligned();
    checkRange(out, outOffset, sLength, 'output');
    cbcDecrypt(this.#aes, ciphertext, offset, ciphertext, offset + IV_LENGTH, sLength, out, outOffset);
    const n = unpaddedLength(out, outOffset, sLength);
    if (n < 0) {
      out.fill(0, outOffset, outOffset + sLength);
      throw badPadding();
    }
    out.fill(0, outOffset + n, outOffset + sLength);
    return n;
  }

  /**
   * Asynchronous {@link AeadKey.encrypt} / `encryptRandom` / `encryptDeterministic` in one
   * method. From {@link ASYNC_NATIVE_THRESHOLD} bytes on it runs on WebCrypto
   * (`crypto.subtle`) when the runtime has it, with the CryptoKeys imported once per
   * AeadKey; otherwise, and for small values, it runs the synchronous path. Same bytes out
   * (on the WebCrypto path a view into a slightly larger buffer, saving a copy of the value).
   *
   * @example
   * const c = await k.encryptAsync(bigPlaintext, aad, 'deterministic');
   */
  async encryptAsync(plaintext: Uint8Array, aad: Uint8Array = EMPTY, iv: AeadIvChoice = 'random'): Promise<Uint8Array> {
    this.#checkLive();
    assertBytes(plaintext, 'plaintext');
    assertBytes(aad, 'associated data');
    if (iv !== 'random' && iv !== 'deterministic') checkIv(iv);
    const subtle = plaintext.length >= ASYNC_NATIVE_THRESHOLD ? await this.#subtleAead() : undefined;
    if (!subtle) {
      if (iv === 'random') return this.encryptRandom(plaintext, aad);
      if (iv === 'deterministic') return this.encryptDeterministic(plaintext, aad);
      return this.encrypt(plaintext, aad, iv);
    }
    let ivChoice: Uint8Array | 'derive';
    if (iv === 'random') randomInto((ivChoice = new Uint8Array(IV_LENGTH)), 0, IV_LENGTH);
    else if (iv === 'deterministic') ivChoice = 'derive';
    else ivChoice = iv;
    return subtle.encrypt(plaintext, aad, aadBitLength(aad), ivChoice);
  }

  /**
   * Asynchronous {@link AeadKey.decrypt}: same checks in the same order, same error codes;
   * on WebCrypto from {@link ASYNC_NATIVE_THRESHOLD} bytes on when the runtime has it.
   *
   * @example
   * const p = await k.decryptAsync(c, aad);
   */
  async decryptAsync(ciphertext: Uint8Array, aad: Uint8Array = EMPTY): Promise<Uint8Array> {
    this.#checkLive();
    assertBytes(ciphertext, 'ciphertext');
    assertBytes(aad, 'associated data');
    checkCiphertextLength(ciphertext);
    const subtle = ciphertext.length >= ASYNC_NATIVE_THRESHOLD ? await this.#subtleAead() : undefined;
    if (!subtle) return this.decrypt(ciphertext, aad);
    const result = await subtle.decrypt(ciphertext, aad, aadBitLength(aad));
    if (result === 'HMAC_MISMATCH') throw hmacMismatch();
    if (result === 'BAD_CIPHERTEXT_LENGTH') throw notBlockAligned();
    if (result === 'BAD_PADDING') throw badPadding();
    return result;
  }

  /**
   * A fresh copy of the 96 key bytes. Queryable Encryption reads a data key as `[Ke][Km][TokenKey]`
   * and derives its tokens from bytes 64..95, which an AeadKey does not expose otherwise
   * (queryable-encryption.md §1). The caller owns the copy: wipe it after use. `KEY_DESTROYED` after destroy().
   */
  exportKeyMaterial(): Uint8Array {
    this.#checkLive();
    return this.#raw.slice();
  }

  /** Overwrites the cached key schedules, HMAC states and raw key; every later call throws `KEY_DESTROYED`. */
  destroy(): void {
    this.#destroyed = true;
    this.#aes.destroy();
    this.#mac.destroy();
    this.#ivMac.destroy();
    wipe(this.#raw);
    this.#subtle = undefined;
  }

  /** After destroy() the schedules are zeros: refuse rather than encrypt under an all-zero key. */
  #checkLive(): void {
    if (this.#destroyed) throw new FleCryptoError('KEY_DESTROYED', 'this AeadKey was destroyed; create a new one from the key material');
  }

  /** The WebCrypto half, or undefined when the runtime has no usable `crypto.subtle`. */
  async #subtleAead(): Promise<SubtleAead | undefined> {
    this.#subtle ??= new SubtleAead(this.#raw);
    return (await this.#subtle.ready()) ? this.#subtle : undefined;
  }

  /** Pads P into `out` after the IV already at out[0..16), CBC-encrypts in place, appends T. */
  #encryptInto(plaintext: Uint8Array, aad: Uint8Array, out: Uint8Array): void {
    const macEnd = out.length - TAG_LENGTH;
    const sLength = macEnd - IV_LENGTH;
    out.set(plaintext, IV_LENGTH);
    // PKCS#7, a full block when already aligned ([MCGREW 2.1]).
    out.fill(sLength - plaintext.length, IV_LENGTH + plaintext.length, macEnd);
    cbcEncrypt(this.#aes, out, 0, out, IV_LENGTH, sLength, out, IV_LENGTH);
    this.#mac.tag3(aad, 0, aad.length, out, 0, macEnd, aadBitLength(aad, AL), out, macEnd, TAG_LENGTH);
  }

  /**
   * Whether data[macEnd..macEnd+32) is T = HMAC-SHA-512(Km, AAD || IV || S || AL)[0..32),
   * IV || S = data[0..macEnd) (LMC `MAC_FORMAT_FLE1`), compared in constant time.
   */
  #tagMatches(aad: Uint8Array, aadOffset: number, aadLength: number, data: Uint8Array, start: number, macEnd: number): boolean {
    return this.#mac.verify3(aad, aadOffset, aadLength, data, start, macEnd - start, bitLengthInto(aadLength, AL), data, macEnd, TAG_LENGTH);
  }

  #deriveIvInto(plaintext: Uint8Array, aad: Uint8Array, out: Uint8Array): void {
    this.#ivMac.tag3(aad, 0, aad.length, aadBitLength(aad, AL), 0, 8, plaintext, out, 0, IV_LENGTH);
  }
}

function badPadding(): FleCryptoError {
  return new FleCryptoError('BAD_PADDING', 'ciphertext malformed padding');
}

/**
 * Strict PKCS#7 unpadding. libmongocrypt only checks the last byte (<= 16) and accepts 0;
 * a valid tag means a key holder made it, and every real encryptor pads correctly.
 * WebCrypto's AES-CBC decrypt applies the same strict rule, so both paths agree.
 */
function unpad(padded: Uint8Array): Uint8Array {
  const n = unpaddedLength(padded, 0, padded.length);
  if (n < 0) {
    wipe(padded);
    throw badPadding();
  }
  return padded.subarray(0, n);
}

/** Length of `b[offset..offset+length)` without its strict PKCS#7 padding, or -1 when the padding is bad. */
function unpaddedLength(b: Uint8Array, offset: number, length: number): number {
  const end = offset + length;
  const p = b[end - 1]!;
  if (p === 0 || p > 16) return -1;
  for (let i = end - p; i < end; i++) if (b[i] !== p) return -1;
  return length - p;
}

/** `BAD_RANGE` unless `[offset, offset+length)` is a range of whole indexes inside `b`. */
function checkRange(b: Uint8Array, offset: number, length: number, what: string): void {
  if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > b.length) {
    throw new FleCryptoError('BAD_RANGE', `${what} range [${String(offset)}, +${String(length)}) is outside its ${b.length}-byte array`);
  }
}

/** Options of the one-shot {@link aeadEncrypt}. */
export interface AeadEncryptOptions {
  /** Associated data; empty when omitted (key wrapping). */
  aad?: Uint8Array;
  /** A fixed 16-byte IV; otherwise random, or derived when `deterministic`. */
  iv?: Uint8Array;
  /** Derive the IV from key, AAD and plaintext. */
  deterministic?: boolean;
}

/**
 * One-shot AEAD encryption with a 96-byte key. Prefer {@link AeadKey} when a key is used more than once.
 *
 * @example
 * const c = aeadEncrypt(key96, plaintext, { aad, deterministic: true });
 */
export function aeadEncrypt(key: Uint8Array, plaintext: Uint8Array, options: AeadEncryptOptions = {}): Uint8Array {
  const k = new AeadKey(key);
  try {
    const aad = options.aad ?? EMPTY;
    if (options.iv !== undefined) return k.encrypt(plaintext, aad, options.iv);
    return options.deterministic ? k.encryptDeterministic(plaintext, aad) : k.encryptRandom(plaintext, aad);
  } finally {
    k.destroy();
  }
}

/**
 * One-shot AEAD decryption with a 96-byte key.
 *
 * @example
 * const p = aeadDecrypt(key96, c, aad);
 */
export function aeadDecrypt(key: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
  const k = new AeadKey(key);
  try {
    return k.decrypt(ciphertext, aad);
  } finally {
    k.destroy();
  }
}
