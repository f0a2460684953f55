export { KmsError, type KmsErrorCode } from './errors.js';
export { sha256, hmacSha256 } from './hash.js';
export { signSigV4, normalizePath, amzDateTime, type SigV4Request, type SigV4Signed } from './sigv4.js';
export { parseEndpoint, type KmsEndpoint } from './endpoint.js';
export {
  HttpResponseParser,
  parseHttpResponse,
  MAX_RESPONSE_LENGTH,
  type KmsHttpRequest,
  type KmsHttpResponse,
  type ParsedHttpResponse,
} from './http.js';
export {
  awsEncryptRequest,
  awsDecryptRequest,
  parseAwsEncryptResponse,
  parseAwsDecryptResponse,
  type AwsCredentials,
  type AwsMasterKey,
  type AwsRequestOptions,
} from './aws.js';
export { parseRsaPrivateKey, rsaSignPkcs1Sha256, type RsaPrivateKey } from './rsa.js';
export { parseOAuthResponse, type OAuthToken } from './oauth.js';
export {
  gcpJwtAssertion,
  gcpOAuthRequest,
  gcpEncryptRequest,
  gcpDecryptRequest,
  parseGcpEncryptResponse,
  parseGcpDecryptResponse,
  type GcpCredentials,
  type GcpMasterKey,
  type GcpOAuthOptions,
  type GcpRequestOptions,
} from './gcp.js';
export {
  azureOAuthRequest,
  azureWrapKeyRequest,
  azureUnwrapKeyRequest,
  parseAzureKeyResponse,
  type AzureCredentials,
  type AzureMasterKey,
  type AzureOAuthOptions,
  type AzureRequestOptions,
} from './azure.js';
export { sendKmsRequest, isRetryableStatus, defaultBackoffMs, type FetchLike, type KmsTransportOptions } from './transport.js';
export {
  createAwsKmsProvider,
  createAzureKmsProvider,
  createGcpKmsProvider,
  type RemoteKmsProvider,
  type RemoteKmsOptions,
  type MasterKeyLike,
  type CredentialSource,
  type AccessTokenCredentials,
} from './providers.js';
export { encodeTtlv, decodeTtlv, ttlv, TtlvType, KmipTag, type TtlvItem } from './ttlv.js';
export {
  KMIP_SECRET_DATA_LENGTH,
  kmipRegisterSecretDataRequest,
  kmipActivateRequest,
  kmipGetRequest,
  kmipCreateRequest,
  kmipEncryptRequest,
  kmipDecryptRequest,
  parseKmipUniqueIdentifier,
  parseKmipSecretData,
  parseKmipCryptResponse,
  checkKmipResponse,
  KmipResponseParser,
} from './kmip.js';
export {
  KMIP_DEFAULT_PORT,
  kmipEndpoint,
  kmipSecretOfGet,
  kmipWrapWithSecret,
  kmipUnwrapWithSecret,
  kmipDelegatedKeyMaterial,
  kmipDelegatedDecryptRequest,
  kmipDelegatedDataKey,
} from './kmip-wrap.js';
export { createKmipKmsProvider, type KmipExchange, type KmipKmsProvider, type KmipProviderOptions } from './kmip-provider.js';
export {
  azureImdsToken,
  gcpMetadataToken,
  azureImdsCredentials,
  gcpMetadataCredentials,
  awsOnDemandCredentials,
  awsCredentialChain,
  type AwsOnDemandOptions,
  type MetadataTokenOptions,
} from './on-demand.js';
export { remoteKmsProviders, type RemoteProvidersOptions } from './from-options.js';
