// Typed errors of @fle-ts/dynamodb. Messages say what was wrong and what to do; they never hold
// key bytes or plaintext attribute values (helper rules "Errors"; issue 17 "Bad input").
import { FleError } from '@fle-ts/crypto-core';

/** Stable codes of {@link DynamoDbEncryptionError}; match on these, not on the message. */
export type DynamoDbEncryptionErrorCode =
  /** An attribute value is not exactly one DynamoDB type with a well-formed value. */
  | 'DDB_BAD_ATTRIBUTE'
  /** A number attribute is not a DynamoDB number (syntax, more than 38 digits, out of range). */
  | 'DDB_BAD_NUMBER'
  /** Serialized attribute bytes are malformed (unknown tag, truncated, trailing bytes). */
  | 'DDB_BAD_SERIALIZED'
  /** Attributes nest deeper than MAX_NESTING_DEPTH. */
  | 'DDB_TOO_DEEP'
  /** A plaintext item holds `*amzn-ddb-map-desc*` or `*amzn-ddb-map-sig*`. */
  | 'DDB_RESERVED_ATTRIBUTE'
  /** Attribute actions would encrypt a partition or sort key, or are otherwise invalid. */
  | 'DDB_BAD_ACTIONS'
  /** The encryption context lacks something needed (table name, key values). */
  | 'DDB_BAD_CONTEXT'
  /** The item to decrypt has no `*amzn-ddb-map-sig*` attribute. */
  | 'DDB_MISSING_SIGNATURE'
  /** The item's signature does not verify: tampered attribute, wrong key or wrong table. */
  | 'DDB_SIGNATURE_MISMATCH'
  /** `*amzn-ddb-map-desc*` is malformed or names something these materials cannot serve. */
  | 'DDB_BAD_MATERIAL_DESCRIPTION'
  /** An algorithm named in the material description or the key is not supported. */
  | 'DDB_UNSUPPORTED_ALGORITHM'
  /** A key has the wrong length or encoding, or the wrong kind for its use. */
  | 'DDB_BAD_KEY'
  /** A wrapped content key did not unwrap (wrong wrapping key or corrupted). */
  | 'DDB_UNWRAP_FAILED'
  /** An encrypted attribute did not decrypt (bad length or padding) after the signature verified. */
  | 'DDB_DECRYPTION_FAILED'
  /** The materials provider cannot give materials for this operation. */
  | 'DDB_NO_MATERIALS'
  /** AWS KMS could not be reached or refused the request (credentials, key, encryption context). */
  | 'DDB_KMS_FAILED'
  /** EncryptedClient: a request the helpers cannot serve on signed items (projections, Select of some attributes). */
  | 'DDB_UNSUPPORTED_REQUEST'
  /** EncryptedClient: a condition, filter or key condition reads an ENCRYPT_AND_SIGN attribute (only ciphertext is stored). */
  | 'DDB_ENCRYPTED_ATTRIBUTE_IN_EXPRESSION'
  /** EncryptedClient: an update would change a signed attribute (only DO_NOTHING attributes can be updated in place). */
  | 'DDB_SIGNED_ATTRIBUTE_UPDATE'
  /** EncryptedClient: the table's key schema is unknown (DescribeTable failed or returned no key schema). */
  | 'DDB_TABLE_INFO'
  /** EncryptedTable: batch requests stayed unprocessed after every retry. */
  | 'DDB_BATCH_INCOMPLETE';

/** Every error of `@fle-ts/dynamodb`. */
export class DynamoDbEncryptionError extends FleError {
  declare readonly code: DynamoDbEncryptionErrorCode;
  constructor(code: DynamoDbEncryptionErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  override get name(): 'DynamoDbEncryptionError' {
    return 'DynamoDbEncryptionError';
  }
}
