// Google Cloud KMS: the service-account OAuth request (a JWT signed RS256, RFC 7523 jwt-bearer
// grant), encrypt/decrypt requests and their answers, byte for byte as libmongocrypt 1.7.2 makes
// them (KMSG `src/kms_gcp_request.c`; LMC `_mongocrypt_kms_ctx_init_gcp_*`; qe-kms-vectors.md §B.2).
import { parseEndpoint, type KmsEndpoint } from './endpoint.js';
import { KmsError } from './errors.js';
import type { KmsHttpRequest, KmsHttpResponse } from './http.js';
import { httpStatusError, jsonObject } from './json-response.js';
import { parseRsaPrivateKey, rsaSignPkcs1Sha256 } from './rsa.js';
import { base64ToBytes, bytesToBase64, bytesToBase64UrlPadded, utf8 } from './text.js';
import { unsignedRequest } from './wire.js';

/** GCP service-account credentials (SPEC "kmsProviders" `gcp`). */
export interface GcpCredentials {
  /** The service account's email (the JWT `iss`). */
  readonly email: string;
  /** RSA private key: PKCS#8 (or PKCS#1) DER bytes, or their standard base64. */
  readonly privateKey: Uint8Array | string;
  /** The OAuth host instead of `oauth2.googleapis.com`. */
  readonly endpoint?: string;
}

/** The GCP masterKey (SPEC "masterKey contents"). */
export interface GcpMasterKey {
  readonly projectId: string;
  readonly location: string;
  readonly keyRing: string;
  readonly keyName: string;
  readonly keyVersion?: string;
  /** The Cloud KMS host instead of `cloudkms.googleapis.com`. */
  readonly endpoint?: string;
}

// The JWT lifetime of kms-message (JWT_EXPIRATION_SECS), and the header
// base64url('{"alg":"RS256","typ":"JWT"}') it writes as a constant.
const JWT_LIFETIME_SECONDS = 300;
const JWT_HEADER = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9';
// A key identifier may only hold RFC 3986 unreserved characters (KMSG `_check_key_identifier`), so
// it cannot change the request path.
const KEY_IDENTIFIER = /^[A-Za-z0-9._~-]+$/;

function str(value: unknown, provider: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} must be a non-empty string`);
  return value;
}

function privateKeyBytes(key: unknown, provider: string): Uint8Array {
  const field = `kmsProviders['${provider}'].privateKey`;
  if (key instanceof Uint8Array) return key;
  if (typeof key === 'string') {
    try {
      return base64ToBytes(key, provider, field);
    } catch (cause) {
      throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} must be the base64 of the PKCS#8 DER key (the PEM body without its BEGIN/END lines and newlines) or its bytes`, { cause });
    }
  }
  throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} must be a Uint8Array or a base64 string`);
}

/** What the OAuth request needs. */
export interface GcpOAuthOptions {
  readonly credentials: GcpCredentials;
  /** The masterKey's `endpoint` (its domain chooses the scope, as in libmongocrypt); optional. */
  readonly masterKeyEndpoint?: string;
  /** The JWT issue time (`iat`, whole seconds). */
  readonly date: Date;
  /** Provider id for errors: `gcp` (default) or `gcp:<name>`. */
  readonly provider?: string;
}

/**
 * The JWT assertion (header.claims.signature, base64url with padding as kms-message writes it):
 * claims `{"iss", "aud": "https://<oauth host>/token", "scope", "iat", "exp": iat + 300}`.
 */
export function gcpJwtAssertion(o: GcpOAuthOptions): string {
  const provider = o.provider ?? 'gcp';
  const c = o.credentials;
  if (c === null || typeof c !== 'object') throw new KmsError('KMS_BAD_OPTIONS', provider, 'credentials must be {email, privateKey, endpoint?}');
  const email = str(c.email, provider, `kmsProviders['${provider}'].email`);
  const oauthHost = c.endpoint === undefined ? 'oauth2.googleapis.com' : parseEndpoint(c.endpoint, provider, `kmsProviders['${provider}'].endpoint`).host;
  const scopeDomain = o.masterKeyEndpoint === undefined ? 'googleapis.com' : domainOf(parseEndpoint(o.masterKeyEndpoint, provider, 'masterKey.endpoint'));
  if (!(o.date instanceof Date) || Number.isNaN(o.date.getTime())) throw new KmsError('KMS_BAD_OPTIONS', provider, 'date must be a valid Date');
  const iat = Math.floor(o.date.getTime() / 1000);
  // LMC writes the claims with "%s"; JSON.stringify equals that for every email and host (no quote,
  // backslash or control character) and stays valid JSON otherwise.
  const claims = `{"iss": ${JSON.stringify(email)}, "aud": ${JSON.stringify(`https://${oauthHost}/token`)}, "scope": ${JSON.stringify(`https://www.${scopeDomain}/auth/cloudkms`)}, "iat": ${iat}, "exp": ${iat + JWT_LIFETIME_SECONDS}}`;
  const signingInput = `${JWT_HEADER}.${bytesToBase64UrlPadded(utf8(claims))}`;
  const der = privateKeyBytes(c.privateKey, provider);
  const key = parseRsaPrivateKey(der, provider, `kmsProviders['${provider}'].privateKey`);
  const signature = rsaSignPkcs1Sha256(key, utf8(signingInput), provider);
  return `${signingInput}.${bytesToBase64UrlPadded(signature)}`;
}

/** The domain of an endpoint: the host after its first label (LMC `_mongocrypt_endpoint_t.domain`). */
function domainOf(e: KmsEndpoint): string {
  return e.host.slice(e.host.indexOf('.') + 1);
}

/** The OAuth token request: `POST /token` with the jwt-bearer grant. Throws KMS_BAD_OPTIONS for bad credentials. */
export function gcpOAuthRequest(o: GcpOAuthOptions): KmsHttpRequest {
  const provider = o.provider ?? 'gcp';
  const assertion = gcpJwtAssertion(o);
  const endpoint = parseEndpoint(o.credentials.endpoint ?? 'oauth2.googleapis.com', provider, `kmsProviders['${provider}'].endpoint`);
  return unsignedRequest(provider, endpoint, '/token', [
    ['Content-Type', 'application/x-www-form-urlencoded'],
    ['Host', endpoint.host],
    ['Accept', 'application/json'],
  ], `grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=${assertion}`);
}

/** What the encrypt/decrypt requests need. */
export interface GcpRequestOptions {
  /** The bearer token (from the OAuth answer, or the `accessToken` provider option). */
  readonly accessToken: string;
  readonly masterKey: GcpMasterKey;
  readonly provider?: string;
}

function cryptRequest(o: GcpRequestOptions, op: 'encrypt' | 'decrypt', field: 'plaintext' | 'ciphertext', value: Uint8Array): KmsHttpRequest {
  const provider = o.provider ?? 'gcp';
  const mk = o.masterKey;
  if (mk === null || typeof mk !== 'object') throw new KmsError('KMS_BAD_OPTIONS', provider, 'masterKey must be {projectId, location, keyRing, keyName, keyVersion?, endpoint?}');
  const token = str(o.accessToken, provider, 'accessToken');
  const ids: Array<[string, unknown]> = [['projectId', mk.projectId], ['location', mk.location], ['keyRing', mk.keyRing], ['keyName', mk.keyName]];
  // LMC sends no key version on decrypt: Cloud KMS finds it in the ciphertext.
  if (op === 'encrypt' && mk.keyVersion !== undefined) ids.push(['keyVersion', mk.keyVersion]);
  for (const [name, v] of ids) {
    if (!KEY_IDENTIFIER.test(str(v, provider, `masterKey.${name}`))) {
      throw new KmsError('KMS_BAD_OPTIONS', provider, `masterKey.${name} may only hold letters, digits and - . _ ~`);
    }
  }
  if (/[\r\n]/.test(token)) throw new KmsError('KMS_BAD_OPTIONS', provider, 'accessToken must not contain line breaks');
  if (!(value instanceof Uint8Array)) throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} must be a Uint8Array`);
  const endpoint = parseEndpoint(mk.endpoint ?? 'cloudkms.googleapis.com', provider, 'masterKey.endpoint');
  let path = `/v1/projects/${mk.projectId}/locations/${mk.location}/keyRings/${mk.keyRing}/cryptoKeys/${mk.keyName}`;
  if (op === 'encrypt' && mk.keyVersion !== undefined) path += `/cryptoKeyVersions/${mk.keyVersion}`;
  path += `:${op}`;
  return unsignedRequest(provider, endpoint, path, [
    ['Authorization', `Bearer ${token}`],
    ['Content-Type', 'application/json'],
    ['Host', endpoint.host],
    ['Accept', 'application/json'],
  ], `{"${field}": "${bytesToBase64(value)}"}`);
}

/** The Cloud KMS encrypt request that wraps `plaintext` (the data key). */
export function gcpEncryptRequest(o: GcpRequestOptions & { readonly plaintext: Uint8Array }): KmsHttpRequest {
  return cryptRequest(o, 'encrypt', 'plaintext', o.plaintext);
}

/** The Cloud KMS decrypt request for `ciphertext` (a key document's keyMaterial). */
export function gcpDecryptRequest(o: GcpRequestOptions & { readonly ciphertext: Uint8Array }): KmsHttpRequest {
  return cryptRequest(o, 'decrypt', 'ciphertext', o.ciphertext);
}

function parse(res: KmsHttpResponse, provider: string, field: 'ciphertext' | 'plaintext'): Uint8Array {
  if (res.status !== 200) throw httpStatusError(res, provider, 'Google Cloud KMS', 'check the access token, the key names and the endpoint');
  const value = jsonObject(res, provider, 'Google Cloud KMS')[field];
  if (typeof value !== 'string') throw new KmsError('KMS_BAD_RESPONSE', provider, `Google Cloud KMS response JSON does not include the string field '${field}'`);
  return base64ToBytes(value, provider, `Google Cloud KMS response field '${field}'`);
}

/** The `ciphertext` bytes of an encrypt answer. Throws KMS_HTTP_ERROR / KMS_BAD_RESPONSE. */
export function parseGcpEncryptResponse(res: KmsHttpResponse, provider = 'gcp'): Uint8Array {
  return parse(res, provider, 'ciphertext');
}

/** The `plaintext` bytes of a decrypt answer. Throws KMS_HTTP_ERROR / KMS_BAD_RESPONSE. */
export function parseGcpDecryptResponse(res: KmsHttpResponse, provider = 'gcp'): Uint8Array {
  return parse(res, provider, 'plaintext');
}
