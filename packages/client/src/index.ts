export { ClientEncryption, type ClientEncryptionOptions, type ClientEncryptOptions, type DataKeyOptions, type MasterKeyOptions, type RewrapOptions, type RewrapResult, type RewrapBulkWriteResult } from './client-encryption.js';
export { AutoEncrypter, type AutoEncrypterOptions } from './auto-encrypter.js';
export type { KeySourceOptions } from './broker-cipher.js';
export { FleClientError, type FleClientErrorCode } from './errors.js';
export { compileSchema, DETERMINISTIC, RANDOM, type CompiledSchema, type EncryptRule, type Fle1Algorithm, type SchemaKeyId, type SchemaNode } from './schema.js';
export { resolvePath, type PathResolution } from './schema.js';
// One import for users: the key vaults, KMS providers and the lower layers' errors and value types.
export {
  MemoryKeyVault,
  MongoKeyVault,
  KmsProviders,
  KeyVaultError,
  type KeyVault,
  type KeyQuery,
  type KeyFilter,
  type DataKeyDocument,
  type KmsProvidersOptions,
  type MasterKey,
} from '@fle-ts/keyvault';
export { FleFormatError, RawBsonValue } from '@fle-ts/fle-format';
export { FleError, FleCryptoError, isFleError, MAX_NESTING_DEPTH } from '@fle-ts/crypto-core';
// The query-analysis engine itself (schema walkers and key gathering), for the driver drop-in
// @fle-ts/mongodb-client-encryption: one engine, whose key fetch the driver's state machine drives.
export { walkDocument, type ValueSink } from './encrypt-document.js';
export { walkFilter } from './encrypt-filter.js';
export { walkUpdate } from './encrypt-update.js';
export { KeyNeedsCollector, type KeyNeeds, type FieldEncryptOptions } from './field-cipher.js';
export { isFle1Ciphertext, isPlainDocument } from './bson-types.js';
// Queryable Encryption for the driver drop-in: the encryptedFields analysis (markings as mongocryptd
// writes them) and the marked-command encryption with encryptionInformation, over any key lookup.
export { parseEncryptedFields, markQeCommand, encryptMarkedCommand, encryptedFieldsForServer, collectMarkings, markingKeyIds, qeCommandKeyIds, type QeCollection, type QeField, type QeRangeIndex } from './qe-command.js';
export { checkEncryptOptions, type ExplicitEncryptRequest, type QeEncryptRequest } from './client-encryption.js';
export type { QeRandomOption } from './qe-values.js';
