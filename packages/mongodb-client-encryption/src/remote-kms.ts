// Remote KMS in the driver's loop (driver-dropin.md, "KMS request" row and states NEED_KMS 4 and
// NEED_KMS_CREDENTIALS 7): the request bytes come from @fle-ts/kms's pure builders, synchronously,
// and the answer is read back by its HttpResponseParser as the driver feeds it (`bytesNeeded`,
// `addResponse`); the driver owns the sockets (TLS, its `tlsOptions`, proxies). Azure and GCP first
// get an OAuth token in a NEED_KMS round of its own, as libmongocrypt does (LMC `mc_kms_ctx` oauth
// requests, `_mongocrypt_opts_kms_providers` token caches): the token is kept per provider name in
// the MongoCrypt; `accessToken` mode skips that round. KMIP (several round trips) is refused.
import { KeyVaultError, parseProviderId, type MasterKey } from '@fle-ts/keyvault';
import {
  awsDecryptRequest, awsEncryptRequest, azureOAuthRequest, azureUnwrapKeyRequest, azureWrapKeyRequest, gcpDecryptRequest,
  gcpEncryptRequest, gcpOAuthRequest, HttpResponseParser, KmsError, parseAwsDecryptResponse, parseAwsEncryptResponse,
  parseAzureKeyResponse, parseGcpDecryptResponse, parseGcpEncryptResponse, parseOAuthResponse,
  type AwsCredentials, type AzureCredentials, type GcpCredentials, type KmsHttpRequest, type KmsHttpResponse, type OAuthToken,
} from '@fle-ts/kms';
import { readDocument } from './bson-io.js';
import type { Step } from './context.js';
import { MongoCryptBindingError } from './errors.js';
import { MONGOCRYPT_CTX_NEED_KMS, MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS } from './states.js';

/** NEED_KMS: the requests the driver sends (`nextKMSRequest`), then `finish` (`finishKMSRequests`). */
export interface KmsStep {
  readonly state: 4;
  readonly requests: readonly DriverKmsRequest<unknown>[];
  finish(): Step;
}

/** NEED_KMS_CREDENTIALS: the driver hands the refreshed kmsProviders (`provideKMSProviders`). */
export interface CredentialsStep {
  readonly state: 7;
  provide(kmsProviders: Uint8Array): Step;
}

/**
 * One KMS request as the driver reads it: `endpoint` (`host:port`), `message` (the raw HTTP
 * request), `kmsProvider` (its key in the driver's `tlsOptions`), `bytesNeeded` and `addResponse`.
 * A malformed answer is kept, not thrown (the driver calls addResponse from a socket 'data'
 * handler, where a throw would be uncaught), and surfaces from `finishKMSRequests`.
 */
export class DriverKmsRequest<T = Uint8Array> {
  readonly endpoint: string;
  readonly message: Uint8Array;
  readonly kmsProvider: string;
  readonly #parser: HttpResponseParser;
  readonly #parse: (res: KmsHttpResponse) => T;
  #error: unknown;

  constructor(request: KmsHttpRequest, parse: (res: KmsHttpResponse, provider: string) => T) {
    this.endpoint = `${request.host}:${request.port}`;
    this.message = request.bytes;
    this.kmsProvider = request.provider;
    this.#parser = new HttpResponseParser(request.provider);
    this.#parse = (res) => parse(res, request.provider);
  }

  /** How many more bytes the answer needs (0 when complete or failed). */
  get bytesNeeded(): number {
    return this.#error === undefined ? this.#parser.bytesNeeded(1024) : 0;
  }

  /** The next bytes of the KMS's answer. */
  addResponse(bytes: Uint8Array): void {
    if (this.#error !== undefined) return;
    try {
      this.#parser.feed(bytes);
    } catch (error) {
      this.#error = error;
    }
  }

  /** The answer's payload (the wrapped or unwrapped key, or a token); throws the KMS's or the parser's error. */
  result(): T {
    if (this.#error !== undefined) throw this.#error;
    if (!this.#parser.done) throw new KmsError('KMS_NETWORK', this.kmsProvider, `the KMS answer from ${this.endpoint} ended early: the connection closed before the whole response arrived`);
    return this.#parse(this.#parser.response());
  }
}

/** An application's own token (SPEC "accessToken" mode for azure and gcp): no OAuth round. */
interface AccessToken {
  readonly accessToken: string;
}

type Credentials =
  | { readonly type: 'aws'; readonly aws: AwsCredentials }
  | { readonly type: 'azure'; readonly azure: AzureCredentials | AccessToken }
  | { readonly type: 'gcp'; readonly gcp: GcpCredentials | AccessToken };

type RemoteType = Credentials['type'];
const REMOTE_TYPES: readonly string[] = ['aws', 'azure', 'gcp'];
// Renewed when less than a minute is left (SPEC "Automatic Credentials"; LMC's cached tokens).
const TOKEN_MARGIN_MS = 60_000;

function bad(id: string, message: string): KmsError {
  return new KmsError('KMS_BAD_OPTIONS', id, `kmsProviders['${id}']: ${message}`);
}

function str(id: string, doc: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const v = doc[field];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw bad(id, `'${field}' must be a non-empty string`);
  return v;
}

/** A gcp privateKey as the driver sends it: a base64 string, or bytes (a BSON Binary once deserialized). */
function privateKey(id: string, v: unknown): Uint8Array | string {
  if (typeof v === 'string' || v instanceof Uint8Array) return v;
  const b = v as { buffer?: unknown; position?: unknown } | null;
  if (b !== null && typeof b === 'object' && b.buffer instanceof Uint8Array && typeof b.position === 'number') return new Uint8Array(b.buffer.subarray(0, b.position));
  throw bad(id, "'privateKey' must be a base64 string or bytes (the PKCS#8 DER key)");
}

/** One provider's credentials from its kmsProviders entry; undefined for `{}` (asked on demand). */
function credentialsOf(id: string, type: RemoteType, doc: Record<string, unknown>): Credentials | undefined {
  if (Object.values(doc).every((v) => v === undefined)) return undefined;
  if (type === 'aws') {
    const sessionToken = str(id, doc, 'sessionToken', false);
    if (typeof doc.accessKeyId !== 'string' || typeof doc.secretAccessKey !== 'string') throw bad(id, 'needs accessKeyId and secretAccessKey strings');
    return { type, aws: { accessKeyId: doc.accessKeyId, secretAccessKey: doc.secretAccessKey, ...(sessionToken ? { sessionToken } : {}) } };
  }
  if ('accessToken' in doc) {
    const accessToken = str(id, doc, 'accessToken', true) as string;
    return type === 'azure' ? { type, azure: { accessToken } } : { type, gcp: { accessToken } };
  }
  if (type === 'azure') {
    const ep = str(id, doc, 'identityPlatformEndpoint', false);
    return {
      type,
      azure: {
        tenantId: str(id, doc, 'tenantId', true) as string, clientId: str(id, doc, 'clientId', true) as string,
        clientSecret: str(id, doc, 'clientSecret', true) as string, ...(ep ? { identityPlatformEndpoint: ep } : {}),
      },
    };
  }
  if (doc.privateKey === undefined) throw bad(id, "needs 'email' and 'privateKey' (or 'accessToken')");
  const ep = str(id, doc, 'endpoint', false);
  return { type, gcp: { email: str(id, doc, 'email', true) as string, privateKey: privateKey(id, doc.privateKey), ...(ep ? { endpoint: ep } : {}) } };
}

function hasAccessToken(c: object): c is AccessToken {
  return 'accessToken' in c;
}

const ON_DEMAND_HINT: Record<RemoteType, string> = {
  aws: "set AWS credentials in the environment or the driver's credentialProviders.aws",
  azure: 'run on an Azure VM with a managed identity (IMDS) or give {tenantId, clientId, clientSecret} or {accessToken}',
  gcp: 'run on GCP with a service account (metadata server) or give {email, privateKey} or {accessToken}',
};

interface CachedToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** The remote providers of one MongoCrypt: credentials, bearer tokens, and the requests for wrap and unwrap. */
export class RemoteKms {
  readonly #creds = new Map<string, Credentials | undefined>();
  readonly #types = new Map<string, RemoteType>();
  // Per provider name, as libmongocrypt keeps one token per provider in the mongocrypt_t.
  readonly #tokens = new Map<string, CachedToken>();
  readonly #now: () => number;

  /** `kmsProviders` is already validated (keyvault's KmsProviders); aws, azure and gcp entries are kept here. */
  constructor(kmsProviders: Record<string, unknown>, now: () => number = () => Date.now()) {
    this.#now = now;
    for (const [id, doc] of Object.entries(kmsProviders)) {
      const { type } = parseProviderId(id);
      if (doc === undefined || !REMOTE_TYPES.includes(type)) continue;
      if (doc === null || typeof doc !== 'object') throw bad(id, 'must be a document');
      this.#types.set(id, type as RemoteType);
      this.#creds.set(id, credentialsOf(id, type as RemoteType, doc as Record<string, unknown>));
    }
  }

  #check(provider: string): void {
    const { type } = parseProviderId(provider);
    if (!REMOTE_TYPES.includes(type)) {
      throw new MongoCryptBindingError('NOT_SUPPORTED', `KMS provider '${provider}': the driver drop-in runs local, aws, azure and gcp keys (${type} needs a KMIP session over TLS); use @fle-ts/client's ClientEncryption for ${type}`);
    }
    if (!this.#creds.has(provider)) throw new KeyVaultError('KMS_PROVIDER_NOT_CONFIGURED', `KMS provider '${provider}' is not configured: add it to kmsProviders`);
  }

  /** True when `providers` include one whose credentials are `{}` and not yet provided. */
  needsCredentials(providers: readonly string[]): boolean {
    return providers.some((p) => this.#creds.has(p) && this.#creds.get(p) === undefined);
  }

  /** Takes the driver's refreshed kmsProviders (BSON); an entry still `{}` is an error naming it. */
  provide(kmsProvidersBson: Uint8Array): void {
    const doc = readDocument(kmsProvidersBson, 'kmsProviders', false);
    for (const [id, type] of this.#types) {
      if (this.#creds.get(id) !== undefined) continue;
      const fresh = doc[id];
      const creds = fresh !== null && typeof fresh === 'object' ? credentialsOf(id, type, fresh as Record<string, unknown>) : undefined;
      if (creds === undefined) throw new KmsError('KMS_BAD_OPTIONS', id, `kmsProviders['${id}'] is {} and the driver provided no credentials for it: ${ON_DEMAND_HINT[type]}`);
      this.#creds.set(id, creds);
    }
  }

  #credentials(provider: string): Credentials {
    this.#check(provider);
    const c = this.#creds.get(provider);
    if (c === undefined) throw new KmsError('KMS_BAD_OPTIONS', provider, `no credentials for '${provider}' yet`);
    return c;
  }

  /**
   * The OAuth token requests (one per provider) that `keys` need before their wrap/unwrap requests:
   * azure and gcp client credentials without a token that has more than a minute left.
   */
  tokenRequests(keys: readonly MasterKey[]): DriverKmsRequest<OAuthToken>[] {
    const out: DriverKmsRequest<OAuthToken>[] = [];
    const seen = new Set<string>();
    for (const key of keys) {
      const provider = key.provider;
      const c = this.#credentials(provider);
      if (c.type === 'aws' || seen.has(provider)) continue;
      const cached = this.#tokens.get(provider);
      if (cached !== undefined && cached.expiresAt - this.#now() > TOKEN_MARGIN_MS) continue;
      const k = key as MasterKey & Record<string, unknown>;
      if (c.type === 'azure') {
        if (hasAccessToken(c.azure)) continue;
        const req = azureOAuthRequest({ credentials: c.azure, ...(typeof k.keyVaultEndpoint === 'string' ? { keyVaultEndpoint: k.keyVaultEndpoint } : {}), provider });
        out.push(new DriverKmsRequest(req, (res, p) => parseOAuthResponse(res, p, 'the Microsoft identity platform', 'check tenantId, clientId, clientSecret and identityPlatformEndpoint')));
      } else {
        if (hasAccessToken(c.gcp)) continue;
        const req = gcpOAuthRequest({ credentials: c.gcp, ...(typeof k.endpoint === 'string' ? { masterKeyEndpoint: k.endpoint } : {}), date: new Date(this.#now()), provider });
        out.push(new DriverKmsRequest(req, (res, p) => parseOAuthResponse(res, p, 'the Google OAuth endpoint', 'check email, privateKey and endpoint')));
      }
      seen.add(provider);
    }
    return out;
  }

  /** Keeps the tokens of answered token requests; the lifetime counts from `sentAt` (SPEC: t0 + d_exp). */
  keepTokens(requests: readonly DriverKmsRequest<OAuthToken>[], sentAt: number): void {
    for (const r of requests) {
      const t = r.result();
      // Without expires_in the token serves this context's requests only (expiresAt = sentAt).
      this.#tokens.set(r.kmsProvider, { token: t.accessToken, expiresAt: sentAt + (t.expiresInSeconds ?? 0) * 1000 });
    }
  }

  #token(provider: string, c: AzureCredentials | GcpCredentials | AccessToken): string {
    if (hasAccessToken(c)) return c.accessToken;
    const t = this.#tokens.get(provider);
    if (t === undefined) throw new KmsError('KMS_BAD_OPTIONS', provider, `no OAuth token for '${provider}' yet: the token request must come first`);
    return t.token;
  }

  /** The request that wraps `dataKey` under `masterKey` (AWS Encrypt, Azure wrapkey, GCP encrypt). */
  encrypt(masterKey: MasterKey, dataKey: Uint8Array): DriverKmsRequest {
    const { provider, ...fields } = masterKey;
    const c = this.#credentials(provider);
    if (c.type === 'aws') return new DriverKmsRequest(awsEncryptRequest({ credentials: c.aws, masterKey: fields as never, plaintext: dataKey, date: new Date(this.#now()), provider }), parseAwsEncryptResponse);
    if (c.type === 'azure') return new DriverKmsRequest(azureWrapKeyRequest({ accessToken: this.#token(provider, c.azure), masterKey: fields as never, plaintext: dataKey, provider }), parseAzureKeyResponse);
    return new DriverKmsRequest(gcpEncryptRequest({ accessToken: this.#token(provider, c.gcp), masterKey: fields as never, plaintext: dataKey, provider }), parseGcpEncryptResponse);
  }

  /** The request that unwraps `keyMaterial` (AWS Decrypt, Azure unwrapkey, GCP decrypt). */
  decrypt(masterKey: MasterKey, keyMaterial: Uint8Array): DriverKmsRequest {
    const { provider, ...fields } = masterKey;
    const c = this.#credentials(provider);
    if (c.type === 'aws') return new DriverKmsRequest(awsDecryptRequest({ credentials: c.aws, masterKey: fields as never, ciphertext: keyMaterial, date: new Date(this.#now()), provider }), parseAwsDecryptResponse);
    if (c.type === 'azure') return new DriverKmsRequest(azureUnwrapKeyRequest({ accessToken: this.#token(provider, c.azure), masterKey: fields as never, ciphertext: keyMaterial, provider }), parseAzureKeyResponse);
    return new DriverKmsRequest(gcpDecryptRequest({ accessToken: this.#token(provider, c.gcp), masterKey: fields as never, ciphertext: keyMaterial, provider }), parseGcpDecryptResponse);
  }

  /** Fails early (before any request) for a provider this loop cannot serve. */
  check(provider: string): void {
    this.#check(provider);
  }

  /** Now, in milliseconds (the MongoCrypt's clock). */
  now(): number {
    return this.#now();
  }
}

/**
 * NEED_KMS_CREDENTIALS when a provider of `keys` is `{}`, then a NEED_KMS round of OAuth token
 * requests when an azure or gcp key needs a token, then NEED_KMS with the requests `make` builds
 * (built only once the credentials and tokens are there), then `then` with their payloads.
 */
export function kmsThen(kms: RemoteKms, keys: readonly MasterKey[], make: () => DriverKmsRequest[], then: (results: Uint8Array[]) => Step): Step {
  if (keys.length === 0) return then([]); // only local keys: no NEED_KMS, as libmongocrypt
  const providers = keys.map((k) => k.provider);
  for (const p of providers) kms.check(p);
  if (kms.needsCredentials(providers)) {
    return {
      state: MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS,
      provide: (bson) => {
        kms.provide(bson);
        return kmsThen(kms, keys, make, then);
      },
    };
  }
  const tokenRequests = kms.tokenRequests(keys);
  if (tokenRequests.length > 0) {
    const sentAt = kms.now();
    return {
      state: MONGOCRYPT_CTX_NEED_KMS,
      requests: tokenRequests,
      finish: () => {
        kms.keepTokens(tokenRequests, sentAt);
        return requestsThen(make(), then);
      },
    };
  }
  return requestsThen(make(), then);
}

function requestsThen(requests: DriverKmsRequest[], then: (results: Uint8Array[]) => Step): KmsStep {
  return {
    state: MONGOCRYPT_CTX_NEED_KMS,
    requests,
    // Unwrapped keys are wiped by `then`'s callers once they hold an AeadKey.
    finish: () => then(requests.map((r) => r.result())),
  };
}
