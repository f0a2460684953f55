import { FleError } from '@fle-ts/crypto-core';

/**
 * Error codes of `@fle-ts/qe`. Stable: match on them, not on messages. AEAD failures (wrong key,
 * tampering) keep crypto-core's `FleCryptoError` codes (`HMAC_MISMATCH`, ...), a value that
 * is not valid BSON of its stated type keeps fle-format's `MALFORMED_BSON`, and a key id that is
 * not a UUID fle-format's `BAD_KEY_ID`, as in FLE1.
 */
export type QeErrorCode =
  /** A key lookup gave nothing for the id a payload or option names. */
  | 'KEY_NOT_FOUND'
  /** A key is not 96 bytes ([Ke 32][Km 32][TokenKey 32]). */
  | 'BAD_KEY'
  /** Contention factor negative, INT64_MAX or more, not an integer, or given where it does not apply. */
  | 'BAD_CONTENTION_FACTOR'
  /** Options that do not fit together (algorithm, queryType, contentionFactor). */
  | 'BAD_OPTIONS'
  /** A BSON type Queryable Encryption refuses for this algorithm. */
  | 'UNSUPPORTED_BSON_TYPE'
  /** First byte is not a subtype-6 kind MongoDB defines. */
  | 'UNKNOWN_PAYLOAD_KIND'
  /** A defined kind this package does not handle here (range, text, QE v1, FLE1, or a find payload to decrypt). */
  | 'UNSUPPORTED_PAYLOAD_KIND'
  /** Truncated or malformed payload bytes (lengths, BSON body, field types). */
  | 'MALFORMED_PAYLOAD'
  /** An FLE2EncryptionPlaceholder (marking) with missing or ill-typed fields. */
  | 'BAD_PLACEHOLDER'
  /** The injected random source ran dry or returned the wrong number of bytes. */
  | 'RANDOM_SOURCE_FAILED'
  /** An `encryptedFields` document that libmongocrypt would refuse (field without keyId or path, unknown queryType). */
  | 'BAD_ENCRYPTED_FIELDS'
  /** Range options libmongocrypt refuses: min > max, one bound only, precision on an int field, sparsity or trimFactor out of range, 'rangePreview'. */
  | 'BAD_RANGE_OPTIONS'
  /** A range value or query bound outside [min, max], or NaN / Infinity. */
  | 'BAD_RANGE_VALUE';

/** Thrown by `@fle-ts/qe` for bad inputs, unknown payloads and missing keys. Never holds key or plaintext bytes. */
export class QeError extends FleError {
  declare readonly code: QeErrorCode;
  constructor(code: QeErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  override get name(): 'QeError' {
    return 'QeError';
  }
}
