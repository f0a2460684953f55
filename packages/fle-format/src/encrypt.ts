import { type AeadKey, ciphertextLength, IV_LENGTH, TAG_LENGTH, wipe } from '@fle-ts/crypto-core';

/** AEAD bytes around the padded plaintext: IV and tag (crypto-core's decryptInto writes the padded plaintext). */
const PADDED_OVERHEAD = IV_LENGTH + TAG_LENGTH;
import { Binary, type DeserializeOptions } from 'bson';
import { normalizeAlgorithm, type Fle1Algorithm } from './algorithm.js';
import { FLE1_HEADER_LENGTH, writeFle1Header } from './associated-data.js';
import { blobBytes, type Fle1Blob, MIN_FLE1_BLOB_LENGTH, parseBlob, unsupportedKind } from './blob.js';
import { EXACT_DESERIALIZE_OPTIONS, RawBsonValue, readBsonValue, serializeBsonValue, writeStringValue } from './bson-value.js';
import { checkBsonValue } from './bson-validate.js';
import { FleFormatError } from './errors.js';
import { keyIdBytes, type KeyIdInput } from './key-id.js';
import { BsonType, checkEncryptable } from './type-rules.js';

/**
 * Scratch for string values in the synchronous {@link encryptValue} and {@link decryptValue}:
 * encryptValue wipes the plaintext after sealing it, decryptInto zeroes the padding after the
 * plaintext and decryptValue the plaintext after decoding, so nothing outlives a call (both are
 * synchronous and never re-entered).
 */
const STRING_SCRATCH = new Uint8Array(1024);

/** Test-only: the string scratch, to check that no plaintext outlives a call. Not re-exported by index.ts. */
export function stringScratchForTest(): Uint8Array {
  return STRING_SCRATCH;
}

/** Throws `BAD_KEY` unless `key` looks like an AeadKey (duck-typed: two copies of crypto-core may be loaded). */
function checkKey(key: unknown): asserts key is AeadKey {
  if (typeof (key as AeadKey | null)?.decrypt !== 'function' || typeof (key as AeadKey).encryptDeterministic !== 'function') {
    throw new FleFormatError('BAD_KEY', 'key must be an AeadKey: new AeadKey(dataKey96) from @fle-ts/crypto-core, built once per data key');
  }
}

/**
 * Encrypts one value as an FLE1 blob (BinData subtype 6), byte-compatible with libmongocrypt
 * explicit encryption (`_mongocrypt_fle1_marking_to_ciphertext`; fle1-spec.md §1-3).
 * `key` is the unwrapped 96-byte data key as an {@link AeadKey}; `keyId` its `_id`.
 * The plaintext is the BSON value bytes (see `serializeBsonValue`); JS numbers follow js-bson
 * (integer in int32 range → int32, else double): pass `Int32`/`Long`/`Double` to be explicit.
 * Type rules: `checkEncryptable`. Deterministic: same key, value and type → same blob.
 *
 * @example
 * const blob = encryptValue(new AeadKey(dataKey), keyId, 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic', 'test');
 */
export function encryptValue(
  key: AeadKey,
  keyId: KeyIdInput,
  algorithm: Fle1Algorithm | 'deterministic' | 'random',
  value: unknown,
): Binary {
  // Synchronous, so a string may be written to the scratch buffer (finishEncryption wipes it).
  const p = prepareEncryption(key, keyId, algorithm, value, STRING_SCRATCH);
  let ciphertext: Uint8Array;
  try {
    ciphertext = p.deterministic ? key.encryptDeterministic(p.plaintext, p.header) : key.encryptRandom(p.plaintext, p.header);
  } catch (e) {
    if (!p.raw) wipe(p.plaintext); // e.g. KEY_DESTROYED: the scratch must not keep the value
    throw e;
  }
  return finishEncryption(p, ciphertext);
}

/**
 * {@link encryptValue} on crypto-core's async AEAD: from 16 KiB of plaintext on
 * (`ASYNC_NATIVE_THRESHOLD`) it runs on WebCrypto's native AES and SHA-512 where the runtime
 * has them. Same bytes, same errors.
 *
 * @example
 * const blob = await encryptValueAsync(key, keyId, 'random', bigDocument);
 */
export async function encryptValueAsync(
  key: AeadKey,
  keyId: KeyIdInput,
  algorithm: Fle1Algorithm | 'deterministic' | 'random',
  value: unknown,
): Promise<Binary> {
  const p = prepareEncryption(key, keyId, algorithm, value);
  const ciphertext = await key.encryptAsync(p.plaintext, p.header, p.deterministic ? 'deterministic' : 'random');
  return finishEncryption(p, ciphertext);
}

interface PreparedEncryption {
  deterministic: boolean;
  plaintext: Uint8Array;
  /** The whole blob buffer; `header` is its first 18 bytes. */
  out: Uint8Array;
  header: Uint8Array;
  raw: boolean;
}

/**
 * `scratch`, for synchronous callers only: a string value's bytes are written there instead of
 * serializing a `{"": value}` document (same bytes: writeStringValue); finishEncryption wipes them.
 */
function prepareEncryption(key: AeadKey, keyId: KeyIdInput, algorithm: string, value: unknown, scratch?: Uint8Array): PreparedEncryption {
  checkKey(key);
  const algo = normalizeAlgorithm(algorithm);
  const id = keyIdBytes(keyId);
  const raw = value instanceof RawBsonValue;
  if (typeof value === 'string') checkEncryptable(BsonType.string, algo, undefined); // before the scratch holds it
  const written = scratch !== undefined && typeof value === 'string' ? writeStringValue(value, scratch) : undefined;
  const { type, bytes } = written !== undefined ? { type: BsonType.string, bytes: scratch!.subarray(0, written) } : serializeBsonValue(value);
  // BinData value bytes: int32 length, then the subtype byte (bsonspec.org).
  checkEncryptable(type, algo, type === BsonType.binData ? bytes[4] : undefined);
  if (raw) {
    // Caller-made bytes: make sure they are one valid value of that type before sealing them.
    checkBsonValue(type, bytes);
  }
  // One allocation for the blob: its header doubles as the AAD (a view), the AEAD output is copied in.
  const out = new Uint8Array(FLE1_HEADER_LENGTH + ciphertextLength(bytes.length));
  writeFle1Header(out, algo === 'deterministic' ? 1 : 2, id, type);
  return { deterministic: algo === 'deterministic', plaintext: bytes, out, header: out.subarray(0, FLE1_HEADER_LENGTH), raw };
}

function finishEncryption(p: PreparedEncryption, ciphertext: Uint8Array): Binary {
  p.out.set(ciphertext, FLE1_HEADER_LENGTH);
  if (!p.raw) wipe(p.plaintext);
  return new Binary(p.out, Binary.SUBTYPE_ENCRYPTED);
}

/** Options of {@link decryptValue}. */
export interface DecryptValueOptions {
  /** Return a {@link RawBsonValue} (type byte + value bytes) instead of a bson value. */
  raw?: boolean;
  /** js-bson read options; default {@link EXACT_DESERIALIZE_OPTIONS} (every BSON type kept distinct). */
  deserializeOptions?: DeserializeOptions;
}

/**
 * Decrypts an FLE1 blob back to its value. Checks in libmongocrypt's order: blob shape,
 * then the AEAD (tag before any AES work), then the plaintext as BSON of the stated type.
 * By default values keep their BSON type, so re-encrypting gives the same deterministic blob:
 * int32 → `Int32`, double → `Double`, int64 → `Long`, symbol → `BSONSymbol`, binData →
 * `Binary` (subtype kept), regex → `BSONRegExp`. Strings, booleans, dates, documents and
 * arrays come back as JS values (numbers inside them as Int32/Double/Long too).
 *
 * A value that js-bson would not read back as the same bytes comes back whole as a
 * {@link RawBsonValue} (type byte + exact value bytes; re-encrypting it seals the same
 * plaintext): a dbPointer (js-bson reads it as a DBRef), a date beyond ±8.64e15 ms (js-bson
 * makes Invalid Date; libmongocrypt keeps the int64: read it from `bytes` as little-endian
 * int64 ms), and a document or array holding such a value, an array whose keys are not
 * "0", "1", ... (js-bson renumbers), or a key that is not valid UTF-8. Faithful beats familiar:
 * a caller that gets a Date or an array gets exactly what was encrypted.
 *
 * The plaintext must be exactly one valid value of the blob's type, nothing after it
 * (`MALFORMED_BSON`; see bson-validate.ts for why trailing bytes are refused), nested at most
 * MAX_NESTING_DEPTH levels (`NESTING_TOO_DEEP`).
 * Crypto failures throw crypto-core's `FleCryptoError` (`HMAC_MISMATCH`, ...).
 *
 * @example
 * decryptValue(key, blob); // 'test'
 */
export function decryptValue(key: AeadKey, blob: Binary | Uint8Array, options: DecryptValueOptions = {}): unknown {
  checkKey(key);
  const bytes = blobBytes(blob);
  const first = bytes[0];
  if ((first === 1 || first === 2) && bytes.length >= MIN_FLE1_BLOB_LENGTH && typeof key.decryptInto === 'function') {
    // A well-formed FLE1 blob (what parseBlob would accept): decrypt straight from its bytes,
    // no header object and no views of a Node Buffer (issue 18); same checks, same errors.
    const paddedLength = bytes.length - FLE1_HEADER_LENGTH - PADDED_OVERHEAD;
    if (bytes[17] === BsonType.string && paddedLength <= STRING_SCRATCH.length && options.raw !== true && options.deserializeOptions === undefined) {
      // A string only lives on as the decoded JS string: decrypt it into the scratch buffer
      // (no allocation per value; bulk replies are mostly short strings) and wipe it after.
      const n = key.decryptInto(bytes, FLE1_HEADER_LENGTH, bytes.length - FLE1_HEADER_LENGTH, bytes, 0, FLE1_HEADER_LENGTH, STRING_SCRATCH, 0);
      try {
        return readBsonValue(BsonType.string, STRING_SCRATCH.subarray(0, n), EXACT_DESERIALIZE_OPTIONS, true);
      } finally {
        STRING_SCRATCH.fill(0, 0, n);
      }
    }
    const padded = new Uint8Array(paddedLength);
    const n = key.decryptInto(bytes, FLE1_HEADER_LENGTH, bytes.length - FLE1_HEADER_LENGTH, bytes, 0, FLE1_HEADER_LENGTH, padded, 0);
    return finishDecryption(bytes[17]!, padded.subarray(0, n), options);
  }
  const parsed = parseForDecryption(key, blob);
  return finishDecryption(parsed.bsonType, key.decrypt(parsed.ciphertext, parsed.associatedData), options);
}

/**
 * {@link decryptValue} on crypto-core's async AEAD (WebCrypto from 16 KiB on, where present).
 * Same values, same errors.
 *
 * @example
 * const value = await decryptValueAsync(key, blob);
 */
export async function decryptValueAsync(key: AeadKey, blob: Binary | Uint8Array, options: DecryptValueOptions = {}): Promise<unknown> {
  const parsed = parseForDecryption(key, blob);
  return finishDecryption(parsed.bsonType, await key.decryptAsync(parsed.ciphertext, parsed.associatedData), options);
}

function parseForDecryption(key: AeadKey, blob: Binary | Uint8Array): Fle1Blob {
  checkKey(key);
  const parsed = parseBlob(blob);
  if (parsed.subtype !== 1 && parsed.subtype !== 2) throw unsupportedKind(parsed.kind, parsed.subtype);
  return parsed;
}

function finishDecryption(type: number, plaintext: Uint8Array, options: DecryptValueOptions): unknown {
  if (options.raw) {
    checkBsonValue(type, plaintext); // MALFORMED_BSON as libmongocrypt's "malformed encrypted bson"
    return new RawBsonValue(type, plaintext);
  }
  let value: unknown;
  try {
    value = readBsonValue(type, plaintext, options.deserializeOptions ?? EXACT_DESERIALIZE_OPTIONS, true);
  } catch (e) {
    wipe(plaintext);
    throw e;
  }
  // A RawBsonValue holds the plaintext itself: a value js-bson cannot read back as the same bytes.
  if (!(value instanceof RawBsonValue)) wipe(plaintext);
  return value;
}

/**
 * The data key id of an encrypted value (a view into it), to look the key up before
 * decrypting. Only FLE1 and QE unindexed kinds name their key at this position; other kinds
 * → `UNSUPPORTED_BLOB_KIND`.
 *
 * @example
 * const id = blobKeyId(blob); // Uint8Array(16)
 */
export function blobKeyId(blob: Binary | Uint8Array): Uint8Array {
  const parsed = parseBlob(blob);
  if ('keyId' in parsed) return parsed.keyId;
  throw unsupportedKind(parsed.kind, parsed.subtype);
}
