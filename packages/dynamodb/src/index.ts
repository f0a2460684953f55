export { DynamoDbEncryptionError, type DynamoDbEncryptionErrorCode } from './errors.js';
export type { AttributeValue, AttributeType, DynamoDbItem } from './attribute-value.js';
export { serializeAttribute, deserializeAttribute } from './serialize.js';
export { normalizeNumber } from './number.js';
export {
  serializeMaterialDescription,
  deserializeMaterialDescription,
  MaterialDescriptionKeys,
  CBC_PKCS5_MODE,
  type MaterialDescription,
} from './material-description.js';
export { stringToSign } from './signature.js';
export { CryptoAction, AttributeActions, type AttributeActionsOptions } from './actions.js';
export { JceNameLocalDelegatedKey, WrappingAlgorithms, type EncryptionKeyType } from './delegated-key.js';
export {
  RawEncryptionMaterials,
  RawDecryptionMaterials,
  type EncryptionContext,
  type EncryptionMaterials,
  type DecryptionMaterials,
  type CryptographicMaterialsProvider,
} from './materials.js';
export { encryptDynamodbItem, decryptDynamodbItem, ReservedAttributes, type CryptoConfig } from './item-encryptor.js';
export { StaticCryptographicMaterialsProvider } from './static-provider.js';
export { WrappedCryptographicMaterialsProvider, type WrappedProviderOptions } from './wrapped-provider.js';
export { itemFromDynamodbJson, itemToDynamodbJson } from './dynamodb-json.js';
export { aesKeyWrap, aesKeyUnwrap } from './aes-key-wrap.js';
export { AwsKmsCryptographicMaterialsProvider, type AwsKmsProviderOptions } from './aws-kms-provider.js';
export { hkdfSha256 } from './hkdf.js';
export { MetaStore, MemoryMetaStoreTable, type MetaStoreTable } from './meta-store.js';
export { MostRecentProvider, type MostRecentProviderOptions } from './most-recent-provider.js';
export { TableInfoCache, tableInfoFromDescription, type TableInfo, type DescribeTableClient, type DescribeTableOutputLike, type KeySchemaElementLike } from './table-info.js';
export {
  EncryptedClient,
  type EncryptedClientOptions,
  type DynamoDbClientLike,
  type RequestOptions,
  type PutItemInput,
  type GetItemInput,
  type DeleteItemInput,
  type UpdateItemInput,
  type QueryInput,
  type ScanInput,
  type TablePutItemInput,
  type TableGetItemInput,
  type TableDeleteItemInput,
  type TableUpdateItemInput,
  type TableQueryInput,
  type WriteRequest,
  type BatchWriteItemInput,
  type BatchGetItemInput,
  type TransactWriteItem,
  type TransactWriteItemsInput,
  type TransactGetItemsInput,
  type ItemOutput,
  type ItemsOutput,
  type BatchWriteItemOutput,
  type BatchGetItemOutput,
  type TransactGetItemsOutput,
} from './encrypted-client.js';
export { EncryptedTable, type EncryptedTableOptions } from './encrypted-table.js';
export { checkConditionExpression, checkUpdateExpression, type ExpressionAttributeNames } from './expressions.js';
