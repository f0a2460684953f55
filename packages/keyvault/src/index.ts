export { KeyVaultError, type KeyVaultErrorCode } from './errors.js';
export {
  parseMasterKey,
  masterKeyForProvider,
  type MasterKeyOptions,
  parseProviderId,
  type MasterKey,
  type LocalMasterKey,
  type AwsMasterKey,
  type AzureMasterKey,
  type GcpMasterKey,
  type KmipMasterKey,
  type KmsProviderType,
  type ParsedProviderId,
} from './master-key.js';
export { parseKeyDocument, keyDocumentToEJSON, cloneKeyDocument, keyMaterialBytes, type DataKeyDocument } from './key-document.js';
export {
  KmsProviders,
  LocalKmsProvider,
  DATA_KEY_LENGTH,
  type KmsProvider,
  type KmsProvidersOptions,
  type LocalKmsOptions,
  type KmsTransportOptions,
} from './kms.js';
export { matchesFilter, keyFilterMatcher, type KeyVault, type KeyQuery, type KeyFilter, type KeyWrappingUpdate } from './key-vault.js';
export { MemoryKeyVault } from './memory-key-vault.js';
export { MongoKeyVault, KEY_ALT_NAMES_INDEX, type KeyVaultCollection } from './mongo-key-vault.js';
export { createDataKey, newKeyId, type CreateDataKeyOptions } from './data-key.js';
export { KeyBroker, type KeyBrokerOptions, type CachedDataKey } from './key-broker.js';
export { rewrapManyDataKey, type RewrapManyDataKeyOptions, type RewrapManyDataKeyResult } from './rewrap.js';
export { keyIdHex, uuidBinary } from './bytes.js';
