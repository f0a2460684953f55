import { Aes256Key, cbcEncrypt } from './aes.js';
import { assertBytes } from './bytes.js';
import { FleCryptoError } from './errors.js';

/**
 * AES-256-CTR (NIST SP 800-38A 6.5) over crypto-core's AES-256 (aes.ts), and the IV-prefixed form
 * libmongocrypt calls "FLE2" / "AES-256-CTR/NONE" (`mongocrypt-crypto.c`, `DECLARE_ALGORITHM(FLE2,
 * CTR, NONE)`): output = IV || CTR(key, IV, plaintext), no MAC. Queryable Encryption uses it for
 * the `p` field of an insert payload and for the server's outer layer of an indexed value.
 *
 * The counter block is the whole 16-byte IV incremented as one 128-bit big-endian integer, as
 * OpenSSL's and CommonCrypto's CTR do (the engines libmongocrypt calls).
 */

const ZERO_IV = new Uint8Array(16);

/** Adds one to the 128-bit big-endian counter in `block`. */
function increment(block: Uint8Array): void {
  for (let i = 15; i >= 0; i--) {
    block[i] = (block[i]! + 1) & 0xff;
    if (block[i] !== 0) return;
  }
}

function checkKey32(key: unknown): void {
  assertBytes(key, 'AES-256-CTR key');
  if (key.length !== 32) throw new FleCryptoError('BAD_KEY_LENGTH', `AES-256-CTR key must be 32 bytes, got ${key.length}`);
}

function checkIv(iv: unknown): asserts iv is Uint8Array {
  assertBytes(iv, 'AES-256-CTR IV');
  if (iv.length !== 16) throw new FleCryptoError('BAD_IV_LENGTH', `AES-256-CTR IV must be 16 bytes, got ${iv.length}`);
}

/**
 * XORs `input` with the AES-256-CTR keystream that starts at counter block `iv`; returns a new
 * array (encryption and decryption are the same operation).
 *
 * @example
 * const c = aes256CtrXor(key32, iv16, plaintext);
 * aes256CtrXor(key32, iv16, c); // plaintext again
 */
export function aes256CtrXor(key: Uint8Array | Aes256Key, iv: Uint8Array, input: Uint8Array): Uint8Array {
  checkIv(iv);
  assertBytes(input, 'AES-256-CTR input');
  let schedule: Aes256Key;
  if (key instanceof Aes256Key) schedule = key;
  else {
    checkKey32(key);
    schedule = new Aes256Key(key);
  }
  const out = new Uint8Array(input.length);
  const counter = new Uint8Array(iv);
  const stream = new Uint8Array(16);
  for (let p = 0; p < input.length; p += 16) {
    // CBC over one block with a zero IV is the bare block cipher (FIPS-197): E(key, counter).
    cbcEncrypt(schedule, ZERO_IV, 0, counter, 0, 16, stream, 0);
    const n = Math.min(16, input.length - p);
    for (let i = 0; i < n; i++) out[p + i] = input[p + i]! ^ stream[i]!;
    increment(counter);
  }
  stream.fill(0);
  counter.fill(0);
  if (!(key instanceof Aes256Key)) schedule.destroy();
  return out;
}

function emptyPlaintext(): FleCryptoError {
  // libmongocrypt refuses empty plaintexts in every cipher ("input plaintext too small").
  return new FleCryptoError('EMPTY_PLAINTEXT', 'input plaintext too small: it must be more than zero bytes');
}

/**
 * libmongocrypt's "FLE2" cipher (AES-256-CTR, no MAC): returns IV || CTR(key32, IV, plaintext).
 * `iv` is 16 bytes, random for every call (QE has no deterministic IV). `key` may be an expanded
 * {@link Aes256Key} when many values go under one key. Empty plaintext is refused
 * with code `EMPTY_PLAINTEXT`, as libmongocrypt does.
 *
 * @example
 * const c = aes256CtrEncrypt(key32, randomBytes(16), plaintext); // 16 + plaintext.length bytes
 */
export function aes256CtrEncrypt(key: Uint8Array | Aes256Key, iv: Uint8Array, plaintext: Uint8Array): Uint8Array {
  // An expanded key (Aes256Key) is taken as is: a range payload encrypts one `p` per edge under one key.
  if (!(key instanceof Aes256Key)) checkKey32(key);
  checkIv(iv);
  assertBytes(plaintext, 'plaintext');
  if (plaintext.length === 0) throw emptyPlaintext();
  const out = new Uint8Array(16 + plaintext.length);
  out.set(iv, 0);
  out.set(aes256CtrXor(key, iv, plaintext), 16);
  return out;
}

/**
 * Inverse of {@link aes256CtrEncrypt}: `ciphertext` = IV (16) || C, returns the plaintext.
 * Fewer than 17 bytes → `CIPHERTEXT_TOO_SHORT` (libmongocrypt: "input ciphertext too small").
 * There is no MAC: a wrong key gives garbage, not an error; callers authenticate elsewhere.
 */
export function aes256CtrDecrypt(key: Uint8Array, ciphertext: Uint8Array): Uint8Array {
  checkKey32(key);
  assertBytes(ciphertext, 'ciphertext');
  if (ciphertext.length < 17) {
    throw new FleCryptoError('CIPHERTEXT_TOO_SHORT', `AES-256-CTR ciphertext must be at least 17 bytes (IV + 1), got ${ciphertext.length}`);
  }
  return aes256CtrXor(key, ciphertext.subarray(0, 16), ciphertext.subarray(16));
}
