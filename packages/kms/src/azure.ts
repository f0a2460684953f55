// Azure Key Vault: the OAuth 2.0 client-credentials token request (Microsoft identity platform) and
// the wrapkey/unwrapkey requests (RSA-OAEP-256) and their answers, byte for byte as libmongocrypt
// 1.7.2 makes them (KMSG `src/kms_azure_request.c`; LMC `_mongocrypt_kms_ctx_init_azure_*`;
// qe-kms-vectors.md §B.2).
import { parseEndpoint, type KmsEndpoint } from './endpoint.js';
import { KmsError } from './errors.js';
import type { KmsHttpRequest, KmsHttpResponse } from './http.js';
import { httpStatusError, jsonObject } from './json-response.js';
import { base64UrlToBytes, bytesToBase64UrlPadded } from './text.js';
import { unsignedRequest } from './wire.js';

/** Azure client credentials (SPEC "kmsProviders" `azure`). */
export interface AzureCredentials {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The identity platform host instead of `login.microsoftonline.com`. */
  readonly identityPlatformEndpoint?: string;
}

/** The Azure masterKey (SPEC "masterKey contents"). */
export interface AzureMasterKey {
  /** The vault host, e.g. `my-vault.vault.azure.net`. */
  readonly keyVaultEndpoint: string;
  readonly keyName: string;
  readonly keyVersion?: string;
}

function str(value: unknown, provider: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} must be a non-empty string`);
  return value;
}

// Path segments may only hold RFC 3986 unreserved characters, so a name cannot change the path.
const SEGMENT = /^[A-Za-z0-9._~-]+$/;

function segment(value: unknown, provider: string, field: string): string {
  if (!SEGMENT.test(str(value, provider, field))) throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} may only hold letters, digits and - . _ ~`);
  return value as string;
}

function vault(mk: AzureMasterKey, provider: string): KmsEndpoint {
  if (mk === null || typeof mk !== 'object') throw new KmsError('KMS_BAD_OPTIONS', provider, 'masterKey must be {keyVaultEndpoint, keyName, keyVersion?}');
  return parseEndpoint(mk.keyVaultEndpoint, provider, 'masterKey.keyVaultEndpoint');
}

/** Form encoding of one value (application/x-www-form-urlencoded, RFC 3986 unreserved kept). */
function formValue(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** What the token request needs. */
export interface AzureOAuthOptions {
  readonly credentials: AzureCredentials;
  /** The masterKey's vault endpoint: its domain chooses the scope (`https://<domain>/.default`). */
  readonly keyVaultEndpoint?: string;
  /** Provider id for errors: `azure` (default) or `azure:<name>`. */
  readonly provider?: string;
}

/**
 * The client-credentials token request: `POST /<tenantId>/oauth2/v2.0/token` with
 * `client_id=…&scope=https%3A%2F%2F<vault domain>%2F.default&client_secret=…&grant_type=client_credentials`.
 * libmongocrypt writes client id and secret unencoded; fle-ts form-encodes them, which is the same
 * bytes for ids and secrets of letters, digits and `-._~` and correct for the others.
 */
export function azureOAuthRequest(o: AzureOAuthOptions): KmsHttpRequest {
  const provider = o.provider ?? 'azure';
  const c = o.credentials;
  if (c === null || typeof c !== 'object') throw new KmsError('KMS_BAD_OPTIONS', provider, 'credentials must be {tenantId, clientId, clientSecret, identityPlatformEndpoint?}');
  const tenant = segment(c.tenantId, provider, `kmsProviders['${provider}'].tenantId`);
  const clientId = str(c.clientId, provider, `kmsProviders['${provider}'].clientId`);
  const secret = str(c.clientSecret, provider, `kmsProviders['${provider}'].clientSecret`);
  const endpoint = parseEndpoint(c.identityPlatformEndpoint ?? 'login.microsoftonline.com', provider, `kmsProviders['${provider}'].identityPlatformEndpoint`);
  const domain = o.keyVaultEndpoint === undefined ? 'vault.azure.net' : domainOf(parseEndpoint(o.keyVaultEndpoint, provider, 'masterKey.keyVaultEndpoint'));
  const scope = `https%3A%2F%2F${formValue(domain)}%2F.default`;
  return unsignedRequest(provider, endpoint, `/${tenant}/oauth2/v2.0/token`, [
    ['Content-Type', 'application/x-www-form-urlencoded'],
    ['Host', endpoint.host],
    ['Accept', 'application/json'],
  ], `client_id=${formValue(clientId)}&scope=${scope}&client_secret=${formValue(secret)}&grant_type=client_credentials`);
}

/** The domain of an endpoint: the host after its first label (LMC `_mongocrypt_endpoint_t.domain`). */
function domainOf(e: KmsEndpoint): string {
  return e.host.slice(e.host.indexOf('.') + 1);
}

/** What wrapkey/unwrapkey need. */
export interface AzureRequestOptions {
  /** The bearer token (from the OAuth answer, or the `accessToken` provider option). */
  readonly accessToken: string;
  readonly masterKey: AzureMasterKey;
  readonly provider?: string;
}

function keyRequest(o: AzureRequestOptions, op: 'wrapkey' | 'unwrapkey', value: Uint8Array): KmsHttpRequest {
  const provider = o.provider ?? 'azure';
  const endpoint = vault(o.masterKey, provider);
  const token = str(o.accessToken, provider, 'accessToken');
  if (/[\r\n]/.test(token)) throw new KmsError('KMS_BAD_OPTIONS', provider, 'accessToken must not contain line breaks');
  const name = segment(o.masterKey.keyName, provider, 'masterKey.keyName');
  // Without a version the path is /keys/<name>//wrapkey (mcoracle README "Quirks"), as in LMC.
  const version = o.masterKey.keyVersion === undefined ? '' : segment(o.masterKey.keyVersion, provider, 'masterKey.keyVersion');
  if (!(value instanceof Uint8Array)) throw new KmsError('KMS_BAD_OPTIONS', provider, 'the key bytes must be a Uint8Array');
  return unsignedRequest(provider, endpoint, `/keys/${name}/${version}/${op}?api-version=7.1`, [
    ['Authorization', `Bearer ${token}`],
    ['Content-Type', 'application/json'],
    ['Host', endpoint.host],
    ['Accept', 'application/json'],
  ], `{"alg": "RSA-OAEP-256", "value": "${bytesToBase64UrlPadded(value)}"}`);
}

/** The wrapkey request that wraps `plaintext` (the data key) with RSA-OAEP-256. */
export function azureWrapKeyRequest(o: AzureRequestOptions & { readonly plaintext: Uint8Array }): KmsHttpRequest {
  return keyRequest(o, 'wrapkey', o.plaintext);
}

/** The unwrapkey request for `ciphertext` (a key document's keyMaterial). */
export function azureUnwrapKeyRequest(o: AzureRequestOptions & { readonly ciphertext: Uint8Array }): KmsHttpRequest {
  return keyRequest(o, 'unwrapkey', o.ciphertext);
}

/** The key bytes (`value`, base64url) of a wrapkey or unwrapkey answer. Throws KMS_HTTP_ERROR / KMS_BAD_RESPONSE. */
export function parseAzureKeyResponse(res: KmsHttpResponse, provider = 'azure'): Uint8Array {
  if (res.status !== 200) throw httpStatusError(res, provider, 'Azure Key Vault', 'check the access token, the vault endpoint and the key name and version');
  const value = jsonObject(res, provider, 'Azure Key Vault').value;
  if (typeof value !== 'string') throw new KmsError('KMS_BAD_RESPONSE', provider, "Azure Key Vault response JSON does not include the string field 'value'");
  return base64UrlToBytes(value, provider, "Azure Key Vault response field 'value'");
}
