import { FleError } from '@fle-ts/crypto-core';

/** Error codes of the key-vault layer. Stable: match on `code`, not on `message`. */
export type KeyVaultErrorCode =
  | 'KEY_NOT_FOUND'
  | 'DUPLICATE_KEY_ALT_NAME'
  | 'DUPLICATE_KEY_ID'
  | 'INVALID_KEY_DOCUMENT'
  | 'INVALID_MASTER_KEY'
  | 'INVALID_KEY_MATERIAL'
  | 'INVALID_ARGUMENT'
  | 'BAD_MASTER_KEY'
  | 'UNKNOWN_KMS_PROVIDER'
  | 'KMS_PROVIDER_NOT_CONFIGURED'
  | 'KMS_PROVIDER_NOT_SUPPORTED'
  | 'UNWRAP_FAILED'
  | 'STORE_WRITE_FAILED'
  | 'STORE_READ_FAILED'
  | 'NESTING_TOO_DEEP'
  | 'CLOSED';

/** Thrown by @fle-ts/keyvault. `cause` keeps the underlying error (e.g. the AEAD's HMAC_MISMATCH). */
export class KeyVaultError extends FleError {
  declare readonly code: KeyVaultErrorCode;
  constructor(code: KeyVaultErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  override get name(): 'KeyVaultError' {
    return 'KeyVaultError';
  }
}
