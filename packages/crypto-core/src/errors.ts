// One brand for every copy of fle-ts loaded in a process (two bundles, CJS + ESM):
// `instanceof` fails across copies, a registered symbol does not (js-bson's isBSONError does the same).
const FLE_ERROR_BRAND = Symbol.for('@fle-ts/error');

/**
 * Base class of every error fle-ts throws. `code` is stable across releases;
 * match on it, not on `message`. Messages never hold key or plaintext bytes.
 * `name` is a literal per class (a getter), so it survives minification.
 */
export class FleError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message);
    this.code = code;
    if (options && 'cause' in options) {
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, writable: true, configurable: true });
    }
    Object.defineProperty(this, FLE_ERROR_BRAND, { value: true, enumerable: false });
  }

  override get name(): string {
    return 'FleError';
  }

  /**
   * True for an error thrown by any loaded copy of fle-ts (works where `instanceof` cannot).
   *
   * @example
   * try { hexToBytes('zz'); } catch (e) { if (FleError.isFleError(e)) console.log(e.code); }
   */
  static isFleError(value: unknown): value is FleError {
    return (
      value != null &&
      typeof value === 'object' &&
      (value as Record<symbol, unknown>)[FLE_ERROR_BRAND] === true &&
      typeof (value as { code?: unknown }).code === 'string'
    );
  }
}

/** True for an error thrown by any loaded copy of fle-ts; same as `FleError.isFleError`. */
export function isFleError(value: unknown): value is FleError {
  return FleError.isFleError(value);
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
  | 'KEY_DESTROYED'
  /** AeadKey.decryptInto: an offset/length pair outside its array. */
  | 'BAD_RANGE'
  /** QE ciphers (AES-CTR, AEAD_AES_256_CBC_HMAC_SHA256) refuse an empty plaintext, as libmongocrypt does. */
  | 'EMPTY_PLAINTEXT';

/** Thrown by crypto-core for bad inputs and failed authentication. */
export class FleCryptoError extends FleError {
  declare readonly code: FleCryptoErrorCode;
  constructor(code: FleCryptoErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  override get name(): 'FleCryptoError' {
    return 'FleCryptoError';
  }
}
