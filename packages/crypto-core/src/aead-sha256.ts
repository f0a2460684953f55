import { Aes256Key, cbcDecrypt, cbcEncrypt } from './aes.js';
import { aes256CtrXor } from './aes-ctr.js';
import { assertBytes, constantTimeEqual } from './bytes.js';
import { FleCryptoError } from './errors.js';
import { HmacSha256 } from './hmac-sha256.js';

/**
 * The two HMAC-SHA-256 AEADs of Queryable Encryption (LMC `mongocrypt-crypto.c`,
 * `DECLARE_ALGORITHM`; shared/docs/queryable-encryption.md §3):
 *
 * - **FLE2v2AEAD** = AEAD_AES_256_CBC_HMAC_SHA256 (QE v2, MongoDB 7.0+): AES-256-CBC with PKCS#7.
 * - **FLE2AEAD** (QE v1, MongoDB 6.x, decrypt-side only in practice): AES-256-CTR.
 *
 * Both: 96-byte key read as Ke (0-31, AES) || Km (32-63, HMAC) (the reverse of FLE1's order;
 * bytes 64-95, the token key, are unused here). Output = IV || S || T with
 * T = HMAC-SHA-256(Km, AAD || IV || S), 32 bytes, and no AAD-length block (unlike FLE1).
 * Decryption checks the length, then the tag in constant time, then the block size and the
 * padding, in libmongocrypt's order (`_mongocrypt_do_decryption`), so errors match it.
 */
export type QeAeadMode = 'cbc' | 'ctr';

const KEY_LENGTH = 96;
const IV_LENGTH = 16;
const TAG_LENGTH = 32;

function checkKey(key: unknown): asserts key is Uint8Array {
  assertBytes(key, 'AEAD key');
  if (key.length !== KEY_LENGTH) throw new FleCryptoError('BAD_KEY_LENGTH', `AEAD key must be ${KEY_LENGTH} bytes, got ${key.length}`);
}

function tag(key: Uint8Array, aad: Uint8Array, ivAndS: Uint8Array): Uint8Array {
  const mac = new HmacSha256(key.subarray(32, 64));
  const out = new Uint8Array(TAG_LENGTH);
  mac.update(aad).update(ivAndS).finish(out);
  mac.destroy();
  return out;
}

/** Output length for a plaintext of `n` bytes: CBC pads to the next whole block (PKCS#7 always adds 1-16 bytes). */
export function qeAeadCiphertextLength(mode: QeAeadMode, n: number): number {
  return IV_LENGTH + (mode === 'cbc' ? 16 * (Math.floor(n / 16) + 1) : n) + TAG_LENGTH;
}

/**
 * Encrypts `plaintext` (at least one byte) under the 96-byte `key` with the caller's 16-byte
 * `iv` (fresh random per call) and associated data `aad`. Returns IV || S || T.
 *
 * @example
 * const c = qeAeadEncrypt('cbc', key96, randomBytes(16), aad, plaintext); // FLE2v2AEAD
 */
export function qeAeadEncrypt(mode: QeAeadMode, key: Uint8Array, iv: Uint8Array, aad: Uint8Array, plaintext: Uint8Array): Uint8Array {
  checkKey(key);
  assertBytes(iv, 'IV');
  if (iv.length !== IV_LENGTH) throw new FleCryptoError('BAD_IV_LENGTH', `IV must be ${IV_LENGTH} bytes, got ${iv.length}`);
  assertBytes(aad, 'associated data');
  assertBytes(plaintext, 'plaintext');
  if (plaintext.length === 0) {
    // libmongocrypt: "input plaintext too small. Must be more than zero bytes." (roundtrip/fle2v2-aead-fixed.json)
    throw new FleCryptoError('EMPTY_PLAINTEXT', 'input plaintext too small: it must be more than zero bytes');
  }
  const out = new Uint8Array(qeAeadCiphertextLength(mode, plaintext.length));
  out.set(iv, 0);
  const sLength = out.length - IV_LENGTH - TAG_LENGTH;
  if (mode === 'cbc') {
    const pad = sLength - plaintext.length;
    out.set(plaintext, IV_LENGTH);
    out.fill(pad, IV_LENGTH + plaintext.length, IV_LENGTH + sLength);
    const aes = new Aes256Key(key.subarray(0, 32));
    cbcEncrypt(aes, iv, 0, out, IV_LENGTH, sLength, out, IV_LENGTH);
    aes.destroy();
  } else {
    out.set(aes256CtrXor(key.subarray(0, 32), iv, plaintext), IV_LENGTH);
  }
  out.set(tag(key, aad, out.subarray(0, IV_LENGTH + sLength)), IV_LENGTH + sLength);
  return out;
}

/**
 * Decrypts IV || S || T made by {@link qeAeadEncrypt} (or libmongocrypt). Errors (`FleCryptoError`):
 * `CIPHERTEXT_TOO_SHORT`, `HMAC_MISMATCH` (wrong key, wrong AAD or tampered bytes), then for CBC
 * `BAD_CIPHERTEXT_LENGTH` (not whole blocks) and `BAD_PADDING` (last byte > 16, the one check
 * libmongocrypt makes). Nothing is returned unless the tag matched.
 *
 * @example
 * qeAeadDecrypt('cbc', key96, aad, c); // -> plaintext
 */
export function qeAeadDecrypt(mode: QeAeadMode, key: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  checkKey(key);
  assertBytes(aad, 'associated data');
  assertBytes(ciphertext, 'ciphertext');
  const min = IV_LENGTH + (mode === 'cbc' ? 16 : 1) + TAG_LENGTH;
  if (ciphertext.length < min) {
    throw new FleCryptoError('CIPHERTEXT_TOO_SHORT', `input ciphertext too small: must be at least ${min} bytes, got ${ciphertext.length}`);
  }
  const sEnd = ciphertext.length - TAG_LENGTH;
  const expected = tag(key, aad, ciphertext.subarray(0, sEnd));
  const ok = constantTimeEqual(expected, ciphertext.subarray(sEnd));
  expected.fill(0);
  if (!ok) {
    throw new FleCryptoError('HMAC_MISMATCH', 'HMAC validation failure: wrong key, wrong associated data, or tampered ciphertext');
  }
  const iv = ciphertext.subarray(0, IV_LENGTH);
  const s = ciphertext.subarray(IV_LENGTH, sEnd);
  if (mode === 'ctr') return aes256CtrXor(key.subarray(0, 32), iv, s);
  if (s.length % 16 !== 0) {
    throw new FleCryptoError('BAD_CIPHERTEXT_LENGTH', 'ciphertext length is not a multiple of block size');
  }
  const out = new Uint8Array(s.length);
  const aes = new Aes256Key(key.subarray(0, 32));
  cbcDecrypt(aes, iv, 0, s, 0, s.length, out, 0);
  aes.destroy();
  const pad = out[out.length - 1]!;
  if (pad > 16) {
    out.fill(0);
    throw new FleCryptoError('BAD_PADDING', 'ciphertext malformed padding');
  }
  const plaintext = out.slice(0, out.length - pad);
  out.fill(0);
  return plaintext;
}
