/**
 * Base class of every error fle-ts throws. `code` is stable across releases;
 * match on it, not on `message`. Messages never hold key or plaintext bytes.
 */
export class FleError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Error codes of the AEAD layer. */
export type FleCryptoErrorCode =
  | 'NOT_BYTES'
  | 'BAD_KEY_LENGTH'
  | 'BAD_IV_LENGTH'
  | 'CIPHERTEXT_TOO_SHORT'
  | 'BAD_CIPHERTEXT_LENGTH'
  | 'HMAC_MISMATCH'
  | 'BAD_PADDING'
  | 'NO_RANDOM_SOURCE'
  | 'KEY_DESTROYED';

/** Thrown by crypto-core for bad inputs and failed authentication. */
export class FleCryptoError extends FleError {
  declare readonly code: FleCryptoErrorCode;
  constructor(code: FleCryptoErrorCode, message: string) {
    super(code, message);
  }
}
