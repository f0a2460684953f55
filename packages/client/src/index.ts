export { ClientEncryption, type ClientEncryptionOptions, type ClientEncryptOptions, type DataKeyOptions, type MasterKeyOptions, type RewrapOptions, type RewrapResult } from './client-encryption.js';
export { AutoEncrypter, type AutoEncrypterOptions } from './auto-encrypter.js';
export type { KeySourceOptions } from './broker-cipher.js';
export { FleClientError, type FleClientErrorCode } from './errors.js';
export { compileSchema, DETERMINISTIC, RANDOM, type CompiledSchema, type EncryptRule, type Fle1Algorithm, type SchemaKeyId, type SchemaNode } from './schema.js';
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
