// KMS providers over the async transport: objects with `name`, `wrap` and `unwrap` that match
// @fle-ts/keyvault's `KmsProvider` interface (keyvault/src/kms.ts) structurally, so
// `new KmsProviders(options, [createAwsKmsProvider(...)])` or `kmsProviders.register(...)` uses them
// without this package importing keyvault (kms sits below keyvault, architecture.md).
import { awsDecryptRequest, awsEncryptRequest, parseAwsDecryptResponse, parseAwsEncryptResponse, type AwsCredentials } from './aws.js';
import { azureOAuthRequest, azureUnwrapKeyRequest, azureWrapKeyRequest, parseAzureKeyResponse, type AzureCredentials } from './azure.js';
import { KmsError } from './errors.js';
import { gcpDecryptRequest, gcpEncryptRequest, gcpOAuthRequest, parseGcpDecryptResponse, parseGcpEncryptResponse, type GcpCredentials } from './gcp.js';
import { parseOAuthResponse } from './oauth.js';
import { TokenCaches } from './token-cache.js';
import { sendKmsRequest, type KmsTransportOptions } from './transport.js';

/** A key document's masterKey: `provider` plus the provider's fields. */
export interface MasterKeyLike {
  readonly provider: string;
  readonly [field: string]: unknown;
}

/** What keyvault's `KmsProvider` requires. */
export interface RemoteKmsProvider {
  readonly name: string;
  /** Wraps the 96-byte data key; returns the keyMaterial bytes the KMS made. */
  wrap(dataKey: Uint8Array, masterKey: MasterKeyLike): Promise<Uint8Array>;
  /** Unwraps keyMaterial; returns the 96-byte data key (the caller wipes it). */
  unwrap(keyMaterial: Uint8Array, masterKey: MasterKeyLike): Promise<Uint8Array>;
}

/** Transport options plus the clock. */
export interface RemoteKmsOptions extends KmsTransportOptions {
  /** The clock for SigV4 dates, JWT times and token expiry (default `() => new Date()`). */
  readonly now?: () => Date;
}

/** Credentials given directly, or asked for on each use (SPEC on-demand credentials); the callback may cache. */
export type CredentialSource<T> = T | (() => Promise<T>);

const DATA_KEY_LENGTH = 96;

function checkName(name: string, type: string): void {
  if (typeof name !== 'string' || !(name === type || (name.startsWith(`${type}:`) && /^[a-zA-Z0-9_]+$/.test(name.slice(type.length + 1))))) {
    throw new KmsError('KMS_BAD_OPTIONS', String(name), `a ${type} provider must be named '${type}' or '${type}:<name>' with a name of [a-zA-Z0-9_]+`);
  }
}

function checkMasterKey(masterKey: MasterKeyLike, name: string): void {
  if (masterKey === null || typeof masterKey !== 'object' || masterKey.provider !== name) {
    const got = masterKey !== null && typeof masterKey === 'object' ? String(masterKey.provider) : typeof masterKey;
    throw new KmsError('KMS_BAD_OPTIONS', name, `masterKey is for provider '${got}', not '${name}'`);
  }
}

function checkDataKey(key: Uint8Array, name: string, what: string): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== DATA_KEY_LENGTH) {
    const n = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new KmsError(what === 'unwrap' ? 'KMS_BAD_RESPONSE' : 'KMS_BAD_OPTIONS', name, `${what === 'unwrap' ? 'the KMS returned' : 'wrap got'} a data key of ${n}, expected ${DATA_KEY_LENGTH}`);
  }
  return key;
}

async function resolve<T>(source: CredentialSource<T>): Promise<T> {
  return typeof source === 'function' ? (source as () => Promise<T>)() : source;
}

function fields<T>(mk: MasterKeyLike): T {
  const { provider: _provider, ...rest } = mk;
  return rest as T;
}

/** An AWS KMS provider (`aws` or `aws:<name>`) using SigV4 over fetch. */
export function createAwsKmsProvider(name: string, credentials: CredentialSource<AwsCredentials>, options: RemoteKmsOptions = {}): RemoteKmsProvider {
  checkName(name, 'aws');
  const now = options.now ?? (() => new Date());
  return {
    name,
    async wrap(dataKey, masterKey) {
      checkMasterKey(masterKey, name);
      checkDataKey(dataKey, name, 'wrap');
      const req = awsEncryptRequest({ credentials: await resolve(credentials), masterKey: fields(masterKey), plaintext: dataKey, date: now(), provider: name, hostHeader: 'authority' });
      return parseAwsEncryptResponse(await sendKmsRequest(req, options), name);
    },
    async unwrap(keyMaterial, masterKey) {
      checkMasterKey(masterKey, name);
      const req = awsDecryptRequest({ credentials: await resolve(credentials), masterKey: fields(masterKey), ciphertext: keyMaterial, date: now(), provider: name, hostHeader: 'authority' });
      return checkDataKey(parseAwsDecryptResponse(await sendKmsRequest(req, options), name), name, 'unwrap');
    },
  };
}

/** The cache key of a token: the endpoint's host after its first label ('' for the default). */
function domainOrDefault(endpoint: unknown): string {
  if (typeof endpoint !== 'string') return '';
  const host = endpoint.replace(/^[a-z]+:\/\//i, '').split(/[:/?]/)[0]!;
  return host.slice(host.indexOf('.') + 1);
}

/** `{accessToken}` (SPEC "accessToken" mode: the application fetched the token itself). */
export interface AccessTokenCredentials {
  readonly accessToken: string;
}

function isAccessToken(c: object): c is AccessTokenCredentials {
  return 'accessToken' in c;
}


/** An Azure Key Vault provider (`azure` or `azure:<name>`): client credentials with a token cache, or a fixed accessToken. */
export function createAzureKmsProvider(name: string, credentials: CredentialSource<AzureCredentials | AccessTokenCredentials>, options: RemoteKmsOptions = {}): RemoteKmsProvider {
  checkName(name, 'azure');
  const caches = new TokenCaches(options.now ?? (() => new Date()));
  const token = async (keyVaultEndpoint: unknown): Promise<string> => {
    const c = await resolve(credentials);
    if (c !== null && typeof c === 'object' && isAccessToken(c)) return c.accessToken;
    return caches.for(domainOrDefault(keyVaultEndpoint)).get(async () => parseOAuthResponse(await sendKmsRequest(azureOAuthRequest({ credentials: c, keyVaultEndpoint: keyVaultEndpoint as string, provider: name }), options), name, 'the Microsoft identity platform'));
  };
  return {
    name,
    async wrap(dataKey, masterKey) {
      checkMasterKey(masterKey, name);
      checkDataKey(dataKey, name, 'wrap');
      const req = azureWrapKeyRequest({ accessToken: await token(masterKey.keyVaultEndpoint), masterKey: fields(masterKey), plaintext: dataKey, provider: name });
      return parseAzureKeyResponse(await sendKmsRequest(req, options), name);
    },
    async unwrap(keyMaterial, masterKey) {
      checkMasterKey(masterKey, name);
      const req = azureUnwrapKeyRequest({ accessToken: await token(masterKey.keyVaultEndpoint), masterKey: fields(masterKey), ciphertext: keyMaterial, provider: name });
      return checkDataKey(parseAzureKeyResponse(await sendKmsRequest(req, options), name), name, 'unwrap');
    },
  };
}

/** A Google Cloud KMS provider (`gcp` or `gcp:<name>`): service-account JWT with a token cache, or a fixed accessToken. */
export function createGcpKmsProvider(name: string, credentials: CredentialSource<GcpCredentials | AccessTokenCredentials>, options: RemoteKmsOptions = {}): RemoteKmsProvider {
  checkName(name, 'gcp');
  const now = options.now ?? (() => new Date());
  const caches = new TokenCaches(now);
  const token = async (masterKeyEndpoint: unknown): Promise<string> => {
    const c = await resolve(credentials);
    if (c !== null && typeof c === 'object' && isAccessToken(c)) return c.accessToken;
    return caches.for(domainOrDefault(masterKeyEndpoint)).get(async () => parseOAuthResponse(await sendKmsRequest(gcpOAuthRequest({ credentials: c, masterKeyEndpoint: masterKeyEndpoint as string | undefined, date: now(), provider: name }), options), name, 'the Google OAuth endpoint'));
  };
  return {
    name,
    async wrap(dataKey, masterKey) {
      checkMasterKey(masterKey, name);
      checkDataKey(dataKey, name, 'wrap');
      const req = gcpEncryptRequest({ accessToken: await token(masterKey.endpoint), masterKey: fields(masterKey), plaintext: dataKey, provider: name });
      return parseGcpEncryptResponse(await sendKmsRequest(req, options), name);
    },
    async unwrap(keyMaterial, masterKey) {
      checkMasterKey(masterKey, name);
      const req = gcpDecryptRequest({ accessToken: await token(masterKey.endpoint), masterKey: fields(masterKey), ciphertext: keyMaterial, provider: name });
      return checkDataKey(parseGcpDecryptResponse(await sendKmsRequest(req, options), name), name, 'unwrap');
    },
  };
}
