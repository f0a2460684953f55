import { cbc } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { assertBytes, constantTimeEqual, randomBytes, wipe } from './bytes.js';
import { FleCryptoError } from './errors.js';

/** Length of a MongoDB FLE1 data key: MAC key || encryption key || IV key (LMC `MONGOCRYPT_KEY_LEN`). */
export const KEY_LENGTH = 96;
/** AES block and IV length. */
export const IV_LENGTH = 16;
/** HMAC-SHA-512 truncated to 256 bits ([MCGREW 2.7] T_LEN = 32). */
export const TAG_LENGTH = 32;
/** Smallest valid AEAD output: IV + one padded block + tag (LMC `_mongocrypt_do_decryption`). */
export const MIN_CIPHERTEXT_LENGTH = IV_LENGTH + 16 + TAG_LENGTH;

type Hmac = ReturnType<typeof hmac.create>;
const EMPTY = new Uint8Array(0);

/** Length of the AEAD output for a plaintext of `plaintextLength` bytes (LMC `_mongocrypt_calculate_ciphertext_len`). */
export function ciphertextLength(plaintextLength: number): number {
  return IV_LENGTH + 16 * (Math.floor(plaintextLength / 16) + 1) + TAG_LENGTH;
}

/** AL of [MCGREW 2.1]: the bit length of the AAD as a 64-bit big-endian integer. */
function aadBitLength(aad: Uint8Array): Uint8Array {
  const al = new Uint8Array(8);
  const bits = aad.length * 8;
  const view = new DataView(al.buffer);
  view.setUint32(0, Math.floor(bits / 0x1_0000_0000));
  view.setUint32(4, bits >>> 0);
  return al;
}

/** PKCS#7 padding to a whole number of blocks, a full block when already aligned ([MCGREW 2.1]). */
function pad(plaintext: Uint8Array): Uint8Array {
  const padLength = 16 - (plaintext.length % 16);
  const out = new Uint8Array(plaintext.length + padLength);
  out.set(plaintext);
  out.fill(padLength, plaintext.length);
  return out;
}

function checkKey(key: unknown, what: string): asserts key is Uint8Array {
  assertBytes(key, what);
  if (key.length !== KEY_LENGTH) {
    throw new FleCryptoError('BAD_KEY_LENGTH', `${what} must be ${KEY_LENGTH} bytes, got ${key.length}`);
  }
}

/**
 * A 96-byte MongoDB data key, ready for AEAD_AES_256_CBC_HMAC_SHA_512.
 * Create one per key and reuse it: the keyed HMAC states are computed once.
 *
 * @example
 * const k = new AeadKey(key96);
 * const c = k.encryptDeterministic(plaintext, aad);
 * k.decrypt(c, aad); // plaintext
 */
export class AeadKey {
  readonly #mac: Hmac;
  readonly #ivMac: Hmac;
  readonly #encKey: Uint8Array;

  constructor(key: Uint8Array) {
    checkKey(key, 'AEAD key');
    // Key split, LMC `KEY_FORMAT_FLE1`: Km = key[0..32), Ke = key[32..64), IV key = key[64..96).
    this.#mac = hmac.create(sha512, key.subarray(0, 32));
    this.#encKey = key.slice(32, 64);
    this.#ivMac = hmac.create(sha512, key.subarray(64, 96));
  }

  /** Encrypts with a caller-chosen 16-byte IV; output IV || S || T. */
  encrypt(plaintext: Uint8Array, aad: Uint8Array, iv: Uint8Array): Uint8Array {
    assertBytes(plaintext, 'plaintext');
    assertBytes(aad, 'associated data');
    assertBytes(iv, 'IV');
    if (iv.length !== IV_LENGTH) {
      throw new FleCryptoError('BAD_IV_LENGTH', `IV must be ${IV_LENGTH} bytes, got ${iv.length}`);
    }
    const out = new Uint8Array(ciphertextLength(plaintext.length));
    out.set(iv, 0);
    const padded = pad(plaintext);
    const s = cbc(this.#encKey, iv, { disablePadding: true }).encrypt(padded);
    wipe(padded);
    out.set(s, IV_LENGTH);
    out.set(this.#tag(aad, out.subarray(0, out.length - TAG_LENGTH)), out.length - TAG_LENGTH);
    return out;
  }

  /** Encrypts with a fresh random IV (FLE1 "Random", key wrapping). */
  encryptRandom(plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
    return this.encrypt(plaintext, aad, randomBytes(IV_LENGTH));
  }

  /** Encrypts with the IV derived from key, AAD and plaintext (FLE1 "Deterministic"). */
  encryptDeterministic(plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
    return this.encrypt(plaintext, aad, this.deriveIv(plaintext, aad));
  }

  /**
   * Deterministic IV: first 16 bytes of HMAC-SHA-512(IV key, AAD || AL || P)
   * (LMC `_mongocrypt_calculate_deterministic_iv`; AL sits before P here, after C in the tag).
   */
  deriveIv(plaintext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
    assertBytes(plaintext, 'plaintext');
    assertBytes(aad, 'associated data');
    const h = this.#ivMac.clone();
    h.update(aad).update(aadBitLength(aad)).update(plaintext);
    const digest = h.digest();
    const iv = digest.slice(0, IV_LENGTH);
    wipe(digest);
    return iv;
  }

  /**
   * Verifies the tag in constant time, then decrypts. Checks in LMC's order:
   * length, tag, block alignment, padding.
   */
  decrypt(ciphertext: Uint8Array, aad: Uint8Array = EMPTY): Uint8Array {
    assertBytes(ciphertext, 'ciphertext');
    assertBytes(aad, 'associated data');
    if (ciphertext.length < MIN_CIPHERTEXT_LENGTH) {
      throw new FleCryptoError(
        'CIPHERTEXT_TOO_SHORT',
        `ciphertext must be at least ${MIN_CIPHERTEXT_LENGTH} bytes, got ${ciphertext.length}`,
      );
    }
    const macEnd = ciphertext.length - TAG_LENGTH;
    const expected = this.#tag(aad, ciphertext.subarray(0, macEnd));
    if (!constantTimeEqual(expected, ciphertext.subarray(macEnd))) {
      throw new FleCryptoError('HMAC_MISMATCH', 'HMAC validation failure: wrong key, wrong associated data, or tampered ciphertext');
    }
    const s = ciphertext.subarray(IV_LENGTH, macEnd);
    if (s.length % 16 !== 0) {
      throw new FleCryptoError('BAD_CIPHERTEXT_LENGTH', 'ciphertext length is not a multiple of the AES block size');
    }
    const padded = cbc(this.#encKey, ciphertext.subarray(0, IV_LENGTH), { disablePadding: true }).decrypt(s);
    return unpad(padded);
  }

  /** Overwrites the cached encryption key; the object is unusable afterwards. */
  destroy(): void {
    wipe(this.#encKey);
    this.#mac.destroy();
    this.#ivMac.destroy();
  }

  /** T = first 32 bytes of HMAC-SHA-512(Km, AAD || IV || S || AL) (LMC `MAC_FORMAT_FLE1`). */
  #tag(aad: Uint8Array, ivAndS: Uint8Array): Uint8Array {
    const h = this.#mac.clone();
    h.update(aad).update(ivAndS).update(aadBitLength(aad));
    return h.digest().subarray(0, TAG_LENGTH);
  }
}

/**
 * Strict PKCS#7 unpadding. libmongocrypt only checks the last byte (<= 16) and accepts 0;
 * a valid tag means a key holder made it, and every real encryptor pads correctly.
 */
function unpad(padded: Uint8Array): Uint8Array {
  const p = padded[padded.length - 1]!;
  let bad = p === 0 || p > 16 ? 1 : 0;
  for (let i = padded.length - Math.min(p, 16); i < padded.length && !bad; i++) if (padded[i] !== p) bad = 1;
  if (bad) {
    wipe(padded);
    throw new FleCryptoError('BAD_PADDING', 'ciphertext malformed padding');
  }
  return padded.subarray(0, padded.length - p);
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
