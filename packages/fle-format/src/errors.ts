import { FleError } from '@fle-ts/crypto-core';

/** Error codes of the blob/value layer. Crypto failures keep crypto-core's `FleCryptoError` codes. */
export type FleFormatErrorCode =
  | 'EMPTY_BLOB'
  | 'BLOB_TOO_SHORT'
  | 'UNKNOWN_BLOB_KIND'
  | 'UNSUPPORTED_BLOB_KIND'
  | 'NOT_ENCRYPTED_BINARY'
  | 'FORBIDDEN_BSON_TYPE'
  | 'BAD_ALGORITHM'
  | 'BAD_KEY_ID'
  | 'BAD_KEY'
  | 'BAD_BLOB_FIELD'
  | 'MALFORMED_BSON'
  | 'UNSERIALIZABLE_VALUE'
  /**
   * A value or document nests documents/arrays deeper than crypto-core's MAX_NESTING_DEPTH
   * (200, the server's bound): refused before any walker could overflow the call stack.
   */
  | 'NESTING_TOO_DEEP';

/** Thrown by `@fle-ts/fle-format` for malformed blobs, forbidden types and bad arguments. */
export class FleFormatError extends FleError {
  declare readonly code: FleFormatErrorCode;
  constructor(code: FleFormatErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  override get name(): 'FleFormatError' {
    return 'FleFormatError';
  }
}
