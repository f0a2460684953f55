// Remote KMS in the driver's loop (driver-dropin.md, "KMS request" row and states NEED_KMS 4 and
// NEED_KMS_CREDENTIALS 7): the request bytes come from @fle-ts/kms's pure builders, synchronously,
// and the answer is read back by its HttpResponseParser as the driver feeds it (`bytesNeeded`,
// `addResponse`); the driver owns the sockets (TLS, its `tlsOptions`, proxies). Azure and GCP first
// get an OAuth token in a NEED_KMS round of its own, as libmongocrypt does (LMC `mc_kms_ctx` oauth
// requests, `_mongocrypt_opts_kms_providers` token caches): the token is kept per provider name in
// the MongoCrypt; `accessToken` mode skips that round. KMIP requests are TTLV bytes the driver sends
// over its TLS socket (its `tlsOptions.kmip` holds the client certificate), one NEED_KMS round per
// KMIP operation as LMC `mongocrypt-ctx-datakey.c` `_kms_kmip_start`: a new key without keyId is
// Registered (delegated: Created), Activated, then Got (delegated: Encrypt) in three rounds.
import { randomBytes, wipe } from '@fle-ts/crypto-core';
import { KeyVaultError, parseProviderId, type MasterKey } from '@fle-ts/keyvault';
import {
  awsDecryptRequest, awsEncryptRequest, azureOAuthRequest, azureUnwrapKeyRequest, azureWrapKeyRequest, checkKmipResponse, gcpDecryptRequest,
  gcpEncryptRequest, gcpOAuthRequest, HttpResponseParser, KMIP_SECRET_DATA_LENGTH, kmipActivateRequest, kmipCreateRequest,
  kmipDelegatedDataKey, kmipDelegatedDecryptRequest, kmipDelegatedKeyMaterial, kmipEncryptRequest, kmipEndpoint, kmipGetRequest,
  kmipRegisterSecretDataRequest, KmipResponseParser, kmipSecretOfGet, kmipUnwrapWithSecret, kmipWrapWithSecret, KmsError,
  parseAwsDecryptResponse, parseAwsEncryptResponse, parseAzureKeyResponse, parseEndpoint, parseGcpDecryptResponse,
  parseGcpEncryptResponse, parseKmipUniqueIdentifier, parseOAuthResponse,
  type AwsCredentials, type AzureCredentials, type GcpCredentials, type KmsHttpRequest, type KmsHttpResponse, type OAuthToken,
} from '@fle-ts/kms';
import { readDocument } from './bson-io.js';
import type { Step } from './context.js';
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
  readonly #reader: Reader;
  readonly #parse: () => T;
  #error: unknown;
  #result: { readonly value: T } | undefined;

  /** An HTTP request (aws, azure, gcp, OAuth) whose answer `parse` reads. */
  constructor(request: KmsHttpRequest, parse: (res: KmsHttpResponse, provider: string) => T);
  /** A KMIP request (TTLV) whose whole answer message `parse` reads. */
  constructor(request: KmipWireRequest, parse: (res: Uint8Array, provider: string) => T);
  constructor(request: KmsHttpRequest | KmipWireRequest, parse: (res: never, provider: string) => T) {
    this.endpoint = `${request.host}:${request.port}`;
    this.message = request.bytes;
    this.kmsProvider = request.provider;
    this.#reader = 'kmip' in request ? kmipReader(request.provider) : httpReader(request.provider);
    const reader = this.#reader;
    this.#parse = () => {
      const res = reader.response();
      try {
        return parse(res as never, request.provider);
      } finally {
        // The raw answer can hold key bytes (a KMIP Get's SecretData, AWS Decrypt's Plaintext):
        // parsers return copies, so it is wiped once read.
        wipe(res instanceof Uint8Array ? res : res.body);
      }
    };
  }

  /** How many more bytes the answer needs (0 when complete or failed). */
  get bytesNeeded(): number {
    return this.#error === undefined ? this.#reader.needed() : 0;
  }

  /** The next bytes of the KMS's answer. */
  addResponse(bytes: Uint8Array): void {
    if (this.#error !== undefined) return;
    try {
      this.#reader.feed(bytes);
    } catch (error) {
      this.#error = error;
    }
  }

  /** The answer's payload (the wrapped or unwrapped key, or a token); throws the KMS's or the parser's error. */
  result(): T {
    if (this.#error !== undefined) throw this.#error;
    if (this.#result !== undefined) return this.#result.value;
    if (!this.#reader.done()) throw new KmsError('KMS_NETWORK', this.kmsProvider, `the KMS answer from ${this.endpoint} ended early: the connection closed before the whole response arrived`);
    try {
      this.#result = { value: this.#parse() };
    } catch (error) {
      this.#error = error;
      throw error;
    }
    return this.#result.value;
  }
}

/** A KMIP message for the driver's socket (`kmip: true` tells it from an HTTP request). */
interface KmipWireRequest {
  readonly kmip: true;
  readonly provider: string;
  readonly host: string;
  readonly port: number;
  readonly bytes: Uint8Array;
}

/** How a DriverKmsRequest reads its answer: HTTP (kms-message's response parser) or KMIP framing. */
interface Reader {
  needed(): number;
  feed(bytes: Uint8Array): void;
  done(): boolean;
  response(): KmsHttpResponse | Uint8Array;
}

function httpReader(provider: string): Reader {
  const p = new HttpResponseParser(provider);
  // At most 1024 bytes at a time while reading lines, as LMC's `mongocrypt_kms_ctx_bytes_needed`.
  return { needed: () => p.bytesNeeded(1024), feed: (b) => p.feed(b), done: () => p.done, response: () => p.response() };
}

function kmipReader(provider: string): Reader {
  const p = new KmipResponseParser(provider);
  // The 8-byte TTLV header first, then the length it gives, at most 1024 at a time as LMC asks
  // (KMSG `kms_kmip_response_parser_wants_bytes` with `mongocrypt_kms_ctx_bytes_needed`'s maximum).
  return { needed: () => p.bytesNeeded(1024), feed: (b) => p.feed(b), done: () => p.bytesNeeded() === 0, response: () => p.response() };
}

/** What a finished job gives: the bytes (wrapped keyMaterial, or an unwrapped data key) and the masterKey to store. */
export interface KmsJobResult {
  readonly bytes: Uint8Array;
  /** The masterKey as stored with the keyMaterial: a KMIP key registered on the way has its new keyId. */
  readonly masterKey: MasterKey;
}

type JobBody = Generator<DriverKmsRequest<unknown>, KmsJobResult, unknown>;

/**
 * One wrap or unwrap through the driver's loop: one request per NEED_KMS round until it has its
 * result (aws, azure, gcp and a KMIP key with a keyId: one round; a new KMIP key: three). The
 * first request is built when the job is made.
 */
export class KmsJob {
  readonly #body: JobBody;
  #step: IteratorResult<DriverKmsRequest<unknown>, KmsJobResult>;

  constructor(body: JobBody) {
    this.#body = body;
    this.#step = body.next();
  }

  /** The request of this round; undefined once done. */
  get request(): DriverKmsRequest<unknown> | undefined {
    return this.#step.done === true ? undefined : this.#step.value;
  }

  /** Reads this round's answer and builds the next request (or the result). Throws the answer's error. */
  advance(): void {
    if (this.#step.done === true) return;
    let answer: unknown;
    try {
      answer = this.#step.value.result();
    } catch (e) {
      this.abandon(); // runs the body's `finally` (wipes its copy of the data key)
      throw e;
    }
    this.#step = this.#body.next(answer);
  }

  /** Ends the job early (another job of the round failed): runs the body's `finally`. */
  abandon(): void {
    if (this.#step.done !== true) this.#body.return(undefined as never);
  }

  /** The result; throws when the job is not done. */
  get result(): KmsJobResult {
    if (this.#step.done !== true) throw new KmsError('KMS_NETWORK', '', 'a KMS job was read before its last answer arrived');
    return this.#step.value;
  }
}

/** A job of a single request: its parsed answer is the result. */
function oneRound(masterKey: MasterKey, request: DriverKmsRequest): KmsJob {
  return new KmsJob((function* () {
    return { bytes: (yield request) as Uint8Array, masterKey };
  })());
}

/** An application's own token (SPEC "accessToken" mode for azure and gcp): no OAuth round. */
interface AccessToken {
  readonly accessToken: string;
}

type Credentials =
  | { readonly type: 'aws'; readonly aws: AwsCredentials }
  | { readonly type: 'azure'; readonly azure: AzureCredentials | AccessToken }
  | { readonly type: 'gcp'; readonly gcp: GcpCredentials | AccessToken }
  | { readonly type: 'kmip'; readonly kmip: { readonly endpoint: string } };

type RemoteType = Credentials['type'];
const REMOTE_TYPES: readonly string[] = ['aws', 'azure', 'gcp', 'kmip'];
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
  if (type === 'kmip') return { type, kmip: kmipOptions(id, doc) };
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

/**
 * `kmsProviders.kmip` is `{endpoint}` (SPEC "kmsProviders": required; LMC parses only that field).
 * The client certificate is not here: the driver presents it from `tlsOptions.kmip`.
 */
function kmipOptions(id: string, doc: Record<string, unknown>): { endpoint: string } {
  const extra = Object.keys(doc).find((k) => doc[k] !== undefined && k !== 'endpoint');
  if (extra !== undefined) {
    throw bad(id, `Unexpected field: '${extra}': a kmip provider takes only {endpoint: 'host[:port]'}; the client certificate goes in the driver's tlsOptions['${id}']`);
  }
  if (doc.endpoint === undefined) throw bad(id, "needs {endpoint: 'host[:port]'} (the KMIP server; on-demand credentials are for aws, azure and gcp only)");
  const endpoint = str(id, doc, 'endpoint', true) as string;
  parseEndpoint(endpoint, id, `kmsProviders['${id}'].endpoint`, { allowNoDot: true });
  return { endpoint };
}

function hasAccessToken(c: object): c is AccessToken {
  return 'accessToken' in c;
}

const ON_DEMAND_HINT: Record<RemoteType, string> = {
  // The Node driver fetches aws credentials only through the optional '@aws-sdk/credential-providers'
  // and gcp tokens only through the optional 'gcp-metadata' (its refreshKMSCredentials).
  aws: "the driver needs the optional '@aws-sdk/credential-providers' package for aws: {} (then the environment, ECS or EC2 credentials, or credentialProviders.aws)",
  azure: 'run on an Azure VM with a managed identity (IMDS) or give {tenantId, clientId, clientSecret} or {accessToken}',
  gcp: "the driver asks the GCP metadata server only with the optional 'gcp-metadata' package installed, on GCP with a service account; or give {email, privateKey} or {accessToken}",
  kmip: "give {endpoint: 'host[:port]'}",
};

/** The credentials the driver provided for one context's `{}` entries, by provider name. */
export type ContextCredentials = ReadonlyMap<string, Credentials>;

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
  // The provided credentials of the context whose requests are being built (see withCredentials).
  #scoped: ContextCredentials | undefined;

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
    if (!this.#creds.has(provider)) throw new KeyVaultError('KMS_PROVIDER_NOT_CONFIGURED', `KMS provider '${provider}' is not configured: add it to kmsProviders`);
  }

  /** True when `providers` include one whose credentials are `{}` and not yet provided. */
  needsCredentials(providers: readonly string[]): boolean {
    return providers.some((p) => this.#creds.has(p) && this.#creds.get(p) === undefined);
  }

  /**
   * The credentials the driver hands for this context's `{}` entries (BSON kmsProviders); an entry
   * still `{}` is an error naming it. They serve one context only, as libmongocrypt keeps them in
   * the context (LMC `mongocrypt_ctx_provide_kms_providers`: `ctx->per_ctx_kms_providers`): the next
   * context asks the driver again, which renews expiring tokens and temporary AWS keys itself.
   */
  provide(kmsProvidersBson: Uint8Array): ContextCredentials {
    const doc = readDocument(kmsProvidersBson, 'kmsProviders', false);
    const scoped = new Map<string, Credentials>();
    for (const [id, type] of this.#types) {
      if (this.#creds.get(id) !== undefined) continue;
      const fresh = doc[id];
      const creds = fresh !== null && typeof fresh === 'object' ? credentialsOf(id, type, fresh as Record<string, unknown>) : undefined;
      if (creds === undefined) throw new KmsError('KMS_BAD_OPTIONS', id, `kmsProviders['${id}'] is {} and the driver provided no credentials for it: ${ON_DEMAND_HINT[type]}`);
      scoped.set(id, creds);
    }
    return scoped;
  }

  /** Runs `fn` (building requests, synchronously) with a context's provided credentials in force. */
  withCredentials<T>(scoped: ContextCredentials | undefined, fn: () => T): T {
    const prev = this.#scoped;
    this.#scoped = scoped;
    try {
      return fn();
    } finally {
      this.#scoped = prev;
    }
  }

  #credentials(provider: string): Credentials {
    this.#check(provider);
    const c = this.#scoped?.get(provider) ?? this.#creds.get(provider);
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
      if (c.type === 'aws' || c.type === 'kmip' || seen.has(provider)) continue;
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

  /**
   * The job that wraps `dataKey` under `masterKey` (AWS Encrypt, Azure wrapkey, GCP encrypt, KMIP
   * Get + local wrap or delegated Encrypt, after Register/Create + Activate for a key without keyId).
   * The first request is built now; the caller may wipe `dataKey` afterwards.
   */
  encrypt(masterKey: MasterKey, dataKey: Uint8Array): KmsJob {
    const { provider, ...fields } = masterKey;
    const c = this.#credentials(provider);
    if (c.type === 'aws') return oneRound(masterKey, new DriverKmsRequest(awsEncryptRequest({ credentials: c.aws, masterKey: fields as never, plaintext: dataKey, date: new Date(this.#now()), provider }), parseAwsEncryptResponse));
    if (c.type === 'azure') return oneRound(masterKey, new DriverKmsRequest(azureWrapKeyRequest({ accessToken: this.#token(provider, c.azure), masterKey: fields as never, plaintext: dataKey, provider }), parseAzureKeyResponse));
    if (c.type === 'gcp') return oneRound(masterKey, new DriverKmsRequest(gcpEncryptRequest({ accessToken: this.#token(provider, c.gcp), masterKey: fields as never, plaintext: dataKey, provider }), parseGcpEncryptResponse));
    return new KmsJob(kmipWrap(masterKey, new Uint8Array(dataKey), kmipEndpoint(masterKey.endpoint, c.kmip.endpoint, provider)));
  }

  /** The job that unwraps `keyMaterial` (AWS Decrypt, Azure unwrapkey, GCP decrypt, KMIP Get + local unwrap or delegated Decrypt): one round. */
  decrypt(masterKey: MasterKey, keyMaterial: Uint8Array): KmsJob {
    const { provider, ...fields } = masterKey;
    const c = this.#credentials(provider);
    let request: DriverKmsRequest;
    if (c.type === 'aws') request = new DriverKmsRequest(awsDecryptRequest({ credentials: c.aws, masterKey: fields as never, ciphertext: keyMaterial, date: new Date(this.#now()), provider }), parseAwsDecryptResponse);
    else if (c.type === 'azure') request = new DriverKmsRequest(azureUnwrapKeyRequest({ accessToken: this.#token(provider, c.azure), masterKey: fields as never, ciphertext: keyMaterial, provider }), parseAzureKeyResponse);
    else if (c.type === 'gcp') request = new DriverKmsRequest(gcpDecryptRequest({ accessToken: this.#token(provider, c.gcp), masterKey: fields as never, ciphertext: keyMaterial, provider }), parseGcpDecryptResponse);
    else {
      const at = kmipEndpoint(masterKey.endpoint, c.kmip.endpoint, provider);
      const keyId = storedKmipKeyId(masterKey);
      const material = new Uint8Array(keyMaterial);
      request = masterKey.delegated === true
        ? kmipRequest(at, provider, kmipDelegatedDecryptRequest(keyId, material, provider), kmipDelegatedDataKey)
        : kmipRequest(at, provider, kmipGetRequest(keyId, provider), (res, p) => kmipUnwrapWithSecret(kmipSecretOfGet(res, p), material, p));
    }
    return oneRound(masterKey, request);
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

/** A KMIP request to `at` whose answer message `parse` reads. */
function kmipRequest<T>(at: { host: string; port: number }, provider: string, bytes: Uint8Array, parse: (res: Uint8Array, provider: string) => T): DriverKmsRequest<T> {
  return new DriverKmsRequest<T>({ kmip: true, provider, host: at.host, port: at.port, bytes }, parse);
}

/** A stored KMIP masterKey's keyId (parseMasterKey's `stored` rule already asks for it). */
function storedKmipKeyId(masterKey: MasterKey): string {
  const id = masterKey.keyId;
  if (typeof id !== 'string' || id.length === 0) throw new KmsError('KMS_BAD_OPTIONS', masterKey.provider, 'the key document\'s masterKey has no keyId: a stored KMIP key needs the keyId its server assigned');
  return id;
}

/**
 * LMC `_kms_kmip_start` for a new data key: without keyId, Register a fresh 96-byte SecretData
 * (delegated: Create an AES key) and Activate it; then Get it and wrap locally (delegated: the
 * server Encrypts). `dataKey` is this job's copy, wiped at the end whatever happens.
 */
function* kmipWrap(masterKey: MasterKey, dataKey: Uint8Array, at: { host: string; port: number }): JobBody {
  const provider = masterKey.provider;
  const delegated = masterKey.delegated === true;
  try {
    let stored = masterKey;
    if (typeof masterKey.keyId !== 'string' || masterKey.keyId.length === 0) {
      let register: Uint8Array;
      if (delegated) register = kmipCreateRequest();
      else {
        const secret = randomBytes(KMIP_SECRET_DATA_LENGTH);
        try {
          register = kmipRegisterSecretDataRequest(secret, provider);
        } finally {
          wipe(secret); // the server keeps it; Get fetches it back as the other drivers do
        }
      }
      const keyId = (yield kmipRequest(at, provider, register, parseKmipUniqueIdentifier)) as string;
      yield kmipRequest(at, provider, kmipActivateRequest(keyId, provider), checkKmipResponse);
      stored = { ...masterKey, keyId };
    }
    const keyId = stored.keyId as string;
    const bytes = delegated
      ? (yield kmipRequest(at, provider, kmipEncryptRequest(keyId, dataKey, provider), kmipDelegatedKeyMaterial)) as Uint8Array
      : (yield kmipRequest(at, provider, kmipGetRequest(keyId, provider), (res, p) => kmipWrapWithSecret(kmipSecretOfGet(res, p), dataKey, p))) as Uint8Array;
    return { bytes, masterKey: stored };
  } finally {
    wipe(dataKey);
  }
}

/**
 * NEED_KMS_CREDENTIALS when a provider of `keys` is `{}`, then a NEED_KMS round of OAuth token
 * requests when an azure or gcp key needs a token, then NEED_KMS rounds with the jobs `make` builds
 * (built only once the credentials and tokens are there) until each has its result, then `then` with
 * their bytes and the masterKeys to store (a new KMIP key's has its keyId).
 */
export function kmsThen(kms: RemoteKms, keys: readonly MasterKey[], make: () => KmsJob[], then: (results: Uint8Array[], masterKeys: MasterKey[]) => Step, provided?: ContextCredentials): Step {
  if (keys.length === 0) return then([], []); // only local keys: no NEED_KMS, as libmongocrypt
  const providers = keys.map((k) => k.provider);
  for (const p of providers) kms.check(p);
  if (provided === undefined && kms.needsCredentials(providers)) {
    return {
      state: MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS,
      provide: (bson) => kmsThen(kms, keys, make, then, kms.provide(bson)),
    };
  }
  const tokenRequests = kms.withCredentials(provided, () => kms.tokenRequests(keys));
  if (tokenRequests.length > 0) {
    const sentAt = kms.now();
    return {
      state: MONGOCRYPT_CTX_NEED_KMS,
      requests: tokenRequests,
      finish: () => {
        kms.keepTokens(tokenRequests, sentAt);
        return roundsThen(kms.withCredentials(provided, make), then);
      },
    };
  }
  return roundsThen(kms.withCredentials(provided, make), then);
}

/** One NEED_KMS round with the pending request of every unfinished job; READY's step once all are done. */
function roundsThen(jobs: KmsJob[], then: (results: Uint8Array[], masterKeys: MasterKey[]) => Step): Step {
  const requests = jobs.map((j) => j.request).filter((r): r is DriverKmsRequest<unknown> => r !== undefined);
  // Unwrapped keys are wiped by `then`'s callers once they hold an AeadKey.
  if (requests.length === 0) return then(jobs.map((j) => j.result.bytes), jobs.map((j) => j.result.masterKey));
  return {
    state: MONGOCRYPT_CTX_NEED_KMS,
    requests,
    finish: () => {
      try {
        for (const j of jobs) j.advance();
      } catch (e) {
        for (const j of jobs) j.abandon();
        throw e;
      }
      return roundsThen(jobs, then);
    },
  };
}
