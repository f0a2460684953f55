import { FleError } from '@fle-ts/crypto-core';

/** Error codes of the client layer (ClientEncryption, AutoEncrypter and the automatic-encryption engine). */
export type FleClientErrorCode =
  /** A public function got an argument it cannot use (e.g. both `keyId` and `keyAltName`). */
  | 'INVALID_ARGUMENT'
  /** The `$jsonSchema` breaks a rule of the automatic-encryption subset (fle1-spec.md §7); the message names the path. */
  | 'SCHEMA_INVALID'
  /** A value's BSON type does not match the schema's `bsonType`, or cannot be encrypted with the algorithm. */
  | 'BSON_TYPE_MISMATCH'
  /** A schema `keyId` JSON pointer does not name a string field of the document. */
  | 'KEY_POINTER_INVALID'
  /** An array lies on the path to an encrypted field (mongocryptd: "Cannot encrypt element of type"). */
  | 'ARRAY_IN_ENCRYPTED_PATH'
  /** A query operator that cannot work on an encrypted field (query-analysis.md §3), or `$where`/`$text`/`$jsonSchema`/`$expr`. */
  | 'UNSUPPORTED_QUERY_OPERATOR'
  /** A query that can never match an encrypted field: random algorithm, null, regex, below an encrypted value, pointer keyId. */
  | 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED'
  /** An update operator other than `$set`/`$unset`/`$rename` on an encrypted field, or an update that cannot be analysed. */
  | 'UNSUPPORTED_UPDATE_OPERATOR'
  /** A `$rename` between fields with different encryption metadata (mongocryptd 51160). */
  | 'RENAME_METADATA_MISMATCH'
  /** `decrypt` was given something that is not a FLE1 ciphertext (BinData subtype 6, first byte 1 or 2). */
  | 'NOT_A_CIPHERTEXT'
  /** Documents, filters, updates or schemas nested deeper than MAX_NESTING_DEPTH (200, from crypto-core). */
  | 'NESTING_TOO_DEEP'
  /** An insert without `_id` when the schema encrypts `_id` (query-analysis.md §5): give it an `_id` first. */
  | 'MISSING_ENCRYPTED_ID'
  /** An insert puts Timestamp(0, 0) in an encrypted top-level field: the server would replace it with the current time, which it cannot do inside a ciphertext (query-analysis.md §5). */
  | 'INSERT_TIMESTAMP_ZERO'
  /** The ClientEncryption / AutoEncrypter was closed; make a new one. */
  | 'CLOSED';

/** Thrown by `@fle-ts/client`. Errors of lower layers (fle-format, keyvault, crypto-core) pass through with their own codes. */
export class FleClientError extends FleError {
  declare readonly code: FleClientErrorCode;
  constructor(code: FleClientErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  override get name(): 'FleClientError' {
    return 'FleClientError';
  }
}
