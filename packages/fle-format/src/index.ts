export { FleFormatError, type FleFormatErrorCode } from './errors.js';
export { normalizeAlgorithm, DETERMINISTIC, RANDOM, type Fle1Algorithm } from './algorithm.js';
export {
  BsonType,
  BSON_TYPE_BY_ALIAS,
  BSON_ALIAS_BY_TYPE,
  BINARY_SUBTYPE_ENCRYPTED,
  bsonTypeName,
  checkEncryptable,
  type BsonTypeAlias,
} from './type-rules.js';
export { fle1AssociatedData, FLE1_HEADER_LENGTH } from './associated-data.js';
export { RawBsonValue, serializeBsonValue, deserializeBsonValue, EXACT_DESERIALIZE_OPTIONS } from './bson-value.js';
export {
  BLOB_KIND_NAMES,
  MIN_FLE1_BLOB_LENGTH,
  blobKindName,
  parseBlob,
  parseFle1Blob,
  serializeFle1Blob,
  type BlobKindName,
  type ParsedBlob,
  type Fle1Blob,
  type UnindexedBlob,
  type IndexedBlob,
  type BsonPayloadBlob,
  type TransientBlob,
  type Fle1BlobFields,
} from './blob.js';
export {
  encryptValue,
  encryptValueAsync,
  decryptValue,
  decryptValueAsync,
  blobKeyId,
  type DecryptValueOptions,
} from './encrypt.js';
export { keyIdBytes, type KeyIdInput } from './key-id.js';
export { decryptBsonDocument, FLE1_PARSE_MIN_LENGTH, fle1KeyIdsInBson, type AeadKeyLookup, type OtherBlobDecryptor } from './bson-document.js';
// Issue 11 item 17: the one algorithm parser and type table the client imports.
export { parseFle1Algorithm, parseExplicitAlgorithm, type ExplicitAlgorithm, type QeExplicitAlgorithm } from './algorithm.js';
export { encryptionRefusal } from './type-rules.js';
export { bsonTypeOfValue } from './value-type.js';
