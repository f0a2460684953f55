// AWS KMS Encrypt and Decrypt: request builders and response parsers, byte for byte as
// libmongocrypt 1.7.2 sends them (LMC `src/mongocrypt-kms-ctx.c` `_mongocrypt_kms_ctx_init_aws_*`,
// KMSG `src/kms_encrypt_request.c`, `kms_decrypt_request.c`; qe-kms-vectors.md §B.2).
import { parseEndpoint } from './endpoint.js';
import { KmsError } from './errors.js';
import type { KmsHttpRequest, KmsHttpResponse } from './http.js';
import { signSigV4 } from './sigv4.js';
import { httpStatusError, jsonObject } from './json-response.js';
import { base64ToBytes, bytesToBase64 } from './text.js';

/** AWS credentials (SPEC "kmsProviders" `aws`). */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** For temporary credentials: sent as `X-Amz-Security-Token` and signed. */
  readonly sessionToken?: string;
}

/** The AWS masterKey (SPEC "masterKey contents"): `key` is the CMK ARN or alias. */
export interface AwsMasterKey {
  readonly region: string;
  readonly key: string;
  /** `host[:port]` instead of `kms.<region>.amazonaws.com`. */
  readonly endpoint?: string;
}

/** What both AWS builders take. */
export interface AwsRequestOptions {
  readonly credentials: AwsCredentials;
  readonly masterKey: AwsMasterKey;
  /** The signing time (libmongocrypt uses `time()`; pass a fixed Date in tests). */
  readonly date: Date;
  /** Provider id for error messages: `aws` (default) or `aws:<name>`. */
  readonly provider?: string;
  /**
   * The Host header for a custom endpoint. `'libmongocrypt'` (default) sends what libmongocrypt
   * 1.7.2 sends (host without port on Encrypt, host:port on Decrypt); `'authority'` sends what
   * `fetch` sends for the URL (host, plus `:port` unless 443), which the signature must cover when
   * fetch does the I/O.
   */
  readonly hostHeader?: 'libmongocrypt' | 'authority';
}

// The SigV4 service name of AWS KMS (LMC `kms_request_set_service(kms->req, "kms")`).
const SERVICE = 'kms';
const CONTENT_TYPE = 'application/x-amz-json-1.1';

function checkString(value: unknown, provider: string, field: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} must be a non-empty string`);
  }
  return value;
}

function checkOptions(o: AwsRequestOptions): { provider: string; region: string; key: string } {
  const provider = o.provider ?? 'aws';
  if (o.credentials === null || typeof o.credentials !== 'object') {
    throw new KmsError('KMS_BAD_OPTIONS', provider, `credentials must be {accessKeyId, secretAccessKey, sessionToken?}`);
  }
  checkString(o.credentials.accessKeyId, provider, `kmsProviders['${provider}'].accessKeyId`);
  checkString(o.credentials.secretAccessKey, provider, `kmsProviders['${provider}'].secretAccessKey`);
  if (o.credentials.sessionToken !== undefined) checkString(o.credentials.sessionToken, provider, `kmsProviders['${provider}'].sessionToken`);
  if (o.masterKey === null || typeof o.masterKey !== 'object') {
    throw new KmsError('KMS_BAD_OPTIONS', provider, 'masterKey must be {region, key, endpoint?}');
  }
  return {
    provider,
    region: checkString(o.masterKey.region, provider, 'masterKey.region'),
    key: checkString(o.masterKey.key, provider, 'masterKey.key'),
  };
}

function build(o: AwsRequestOptions, target: 'Encrypt' | 'Decrypt', body: string): KmsHttpRequest {
  const { provider, region } = checkOptions(o);
  const endpoint = o.masterKey.endpoint === undefined
    ? parseEndpoint(`kms.${region}.amazonaws.com`, provider, 'masterKey.region')
    : parseEndpoint(o.masterKey.endpoint, provider, 'masterKey.endpoint');
  // Header insertion order of LMC (the signer sorts them): Connection, Content-Type, X-Amz-Target,
  // X-Amz-Security-Token, then Host when an endpoint is given. LMC 1.7.2 sends the endpoint's host
  // *without* port on Encrypt but host:port on Decrypt (mcoracle README "Quirks"); both are signed
  // as sent and AWS accepts either, so fle-ts keeps the difference for byte equality.
  const headers: Array<[string, string]> = [
    ['Connection', 'close'],
    ['Content-Type', CONTENT_TYPE],
    ['X-Amz-Target', `TrentService.${target}`],
  ];
  if (o.credentials.sessionToken !== undefined) headers.push(['X-Amz-Security-Token', o.credentials.sessionToken]);
  if (o.hostHeader === 'authority') headers.push(['Host', endpoint.port === 443 ? endpoint.host : `${endpoint.host}:${endpoint.port}`]);
  else if (o.masterKey.endpoint !== undefined) headers.push(['Host', target === 'Encrypt' ? endpoint.host : endpoint.hostAndPort]);
  const signed = signSigV4({
    method: 'POST',
    pathAndQuery: '/',
    headers,
    body,
    region,
    service: SERVICE,
    accessKeyId: o.credentials.accessKeyId,
    secretAccessKey: o.credentials.secretAccessKey,
    date: o.date,
  });
  return {
    provider,
    host: endpoint.host,
    port: endpoint.port,
    method: 'POST',
    path: '/',
    headers: signed.headers,
    body: new TextEncoder().encode(body),
    bytes: signed.request,
  };
}

/**
 * The AWS KMS Encrypt request that wraps `plaintext` (the 96-byte data key) under `masterKey.key`:
 * body `{"Plaintext": "<base64>", "KeyId": "<key>"}`. Throws KMS_BAD_OPTIONS for bad options.
 */
export function awsEncryptRequest(o: AwsRequestOptions & { readonly plaintext: Uint8Array }): KmsHttpRequest {
  const { provider, key } = checkOptions(o);
  if (!(o.plaintext instanceof Uint8Array)) throw new KmsError('KMS_BAD_OPTIONS', provider, 'plaintext must be a Uint8Array');
  // LMC formats the key id with "%s" (no JSON escaping); JSON.stringify equals that for every
  // ARN or alias (no quote, backslash or control character) and stays valid JSON otherwise.
  return build(o, 'Encrypt', `{"Plaintext": "${bytesToBase64(o.plaintext)}", "KeyId": ${JSON.stringify(key)}}`);
}

/** The AWS KMS Decrypt request for `ciphertext` (a key document's keyMaterial): `{"CiphertextBlob": "<base64>"}`. */
export function awsDecryptRequest(o: AwsRequestOptions & { readonly ciphertext: Uint8Array }): KmsHttpRequest {
  const { provider } = checkOptions(o);
  if (!(o.ciphertext instanceof Uint8Array)) throw new KmsError('KMS_BAD_OPTIONS', provider, 'ciphertext must be a Uint8Array');
  return build(o, 'Decrypt', `{"CiphertextBlob": "${bytesToBase64(o.ciphertext)}"}`);
}

function parse(res: KmsHttpResponse, provider: string, field: 'CiphertextBlob' | 'Plaintext'): Uint8Array {
  if (res.status !== 200) throw httpStatusError(res, provider, 'AWS KMS', 'check the credentials, region, key and endpoint');
  const value = jsonObject(res, provider, 'AWS KMS')[field];
  if (typeof value !== 'string') {
    throw new KmsError('KMS_BAD_RESPONSE', provider, `AWS KMS response JSON does not include the string field '${field}'`);
  }
  return base64ToBytes(value, provider, `AWS KMS response field '${field}'`);
}

/** The `CiphertextBlob` bytes of an Encrypt answer. Throws KMS_HTTP_ERROR / KMS_BAD_RESPONSE. */
export function parseAwsEncryptResponse(res: KmsHttpResponse, provider = 'aws'): Uint8Array {
  return parse(res, provider, 'CiphertextBlob');
}

/** The `Plaintext` bytes of a Decrypt answer. Throws KMS_HTTP_ERROR / KMS_BAD_RESPONSE. */
export function parseAwsDecryptResponse(res: KmsHttpResponse, provider = 'aws'): Uint8Array {
  return parse(res, provider, 'Plaintext');
}
