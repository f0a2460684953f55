// Remote KMS in the driver's loop (driver-dropin.md, "KMS request" row and states NEED_KMS 4 and
// NEED_KMS_CREDENTIALS 7): the request bytes come from @fle-ts/kms's pure builders, synchronously,
// and the answer is read back by its HttpResponseParser as the driver feeds it (`bytesNeeded`,
// `addResponse`); the driver owns the sockets (TLS, its `tlsOptions`, proxies). AWS only so far:
// Azure and GCP need a token request first, KMIP several round trips; they are refused clearly.
import { KeyVaultError, parseProviderId, type MasterKey } from '@fle-ts/keyvault';
import {
  awsDecryptRequest, awsEncryptRequest, HttpResponseParser, KmsError, parseAwsDecryptResponse, parseAwsEncryptResponse,
  type AwsCredentials, type KmsHttpRequest, type KmsHttpResponse,
} from '@fle-ts/kms';
import { readDocument } from './bson-io.js';
import type { Step } from './context.js';
import { MongoCryptBindingError } from './errors.js';
import { MONGOCRYPT_CTX_NEED_KMS, MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS } from './states.js';

/** NEED_KMS: the requests the driver sends (`nextKMSRequest`), then `finish` (`finishKMSRequests`). */
export interface KmsStep {
  readonly state: 4;
  readonly requests: readonly DriverKmsRequest[];
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
export class DriverKmsRequest {
  readonly endpoint: string;
  readonly message: Uint8Array;
  readonly kmsProvider: string;
  readonly #parser: HttpResponseParser;
  readonly #parse: (res: KmsHttpResponse) => Uint8Array;
  #error: unknown;

  constructor(request: KmsHttpRequest, parse: (res: KmsHttpResponse, provider: string) => Uint8Array) {
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

  /** The answer's payload (the wrapped or unwrapped key); throws the KMS's or the parser's error. */
  result(): Uint8Array {
    if (this.#error !== undefined) throw this.#error;
    if (!this.#parser.done) throw new KmsError('KMS_NETWORK', this.kmsProvider, `the KMS answer from ${this.endpoint} ended early: the connection closed before the whole response arrived`);
    return this.#parse(this.#parser.response());
  }
}

function awsCredentials(id: string, doc: Record<string, unknown>): AwsCredentials | undefined {
  if (Object.values(doc).every((v) => v === undefined)) return undefined; // {}: on demand
  const { accessKeyId, secretAccessKey, sessionToken } = doc as Record<string, string | undefined>;
  if (typeof accessKeyId !== 'string' || typeof secretAccessKey !== 'string') {
    throw new KmsError('KMS_BAD_OPTIONS', id, `kmsProviders['${id}'] needs accessKeyId and secretAccessKey strings`);
  }
  return { accessKeyId, secretAccessKey, ...(typeof sessionToken === 'string' ? { sessionToken } : {}) };
}

/** The remote providers of one MongoCrypt: credentials, and the requests for wrap and unwrap. */
export class RemoteKms {
  readonly #aws = new Map<string, AwsCredentials | undefined>();

  /** `kmsProviders` is already validated (keyvault's KmsProviders); only aws entries are kept here. */
  constructor(kmsProviders: Record<string, unknown>) {
    for (const [id, doc] of Object.entries(kmsProviders)) {
      if (doc === undefined || parseProviderId(id).type !== 'aws') continue;
      this.#aws.set(id, awsCredentials(id, doc as Record<string, unknown>));
    }
  }

  #check(provider: string): void {
    const { type } = parseProviderId(provider);
    if (type !== 'aws') {
      throw new MongoCryptBindingError('NOT_SUPPORTED', `KMS provider '${provider}': the driver drop-in runs local and aws keys so far (${type} needs more than one KMS round trip); use @fle-ts/client's ClientEncryption for ${type}`);
    }
    if (!this.#aws.has(provider)) throw new KeyVaultError('KMS_PROVIDER_NOT_CONFIGURED', `KMS provider '${provider}' is not configured: add it to kmsProviders`);
  }

  /** True when `providers` include one whose credentials are `{}` and not yet provided. */
  needsCredentials(providers: readonly string[]): boolean {
    return providers.some((p) => this.#aws.has(p) && this.#aws.get(p) === undefined);
  }

  /** Takes the driver's refreshed kmsProviders (BSON); an aws entry still `{}` is an error naming it. */
  provide(kmsProvidersBson: Uint8Array): void {
    const doc = readDocument(kmsProvidersBson, 'kmsProviders', false);
    for (const id of this.#aws.keys()) {
      if (this.#aws.get(id) !== undefined) continue;
      const fresh = doc[id];
      const creds = fresh !== null && typeof fresh === 'object' ? awsCredentials(id, fresh as Record<string, unknown>) : undefined;
      if (creds === undefined) throw new KmsError('KMS_BAD_OPTIONS', id, `kmsProviders['${id}'] is {} and the driver provided no credentials for it: set AWS credentials in the environment or the driver's credentialProviders.aws`);
      this.#aws.set(id, creds);
    }
  }

  #creds(provider: string): AwsCredentials {
    this.#check(provider);
    const c = this.#aws.get(provider);
    if (c === undefined) throw new KmsError('KMS_BAD_OPTIONS', provider, `no credentials for '${provider}' yet`);
    return c;
  }

  /** The request that wraps `dataKey` under `masterKey` (AWS Encrypt). */
  encrypt(masterKey: MasterKey, dataKey: Uint8Array): DriverKmsRequest {
    const { provider, ...fields } = masterKey;
    const req = awsEncryptRequest({ credentials: this.#creds(provider), masterKey: fields as never, plaintext: dataKey, date: new Date(), provider });
    return new DriverKmsRequest(req, parseAwsEncryptResponse);
  }

  /** The request that unwraps `keyMaterial` (AWS Decrypt). */
  decrypt(masterKey: MasterKey, keyMaterial: Uint8Array): DriverKmsRequest {
    const { provider, ...fields } = masterKey;
    const req = awsDecryptRequest({ credentials: this.#creds(provider), masterKey: fields as never, ciphertext: keyMaterial, date: new Date(), provider });
    return new DriverKmsRequest(req, parseAwsDecryptResponse);
  }

  /** Fails early (before any request) for a provider this loop cannot serve. */
  check(provider: string): void {
    this.#check(provider);
  }
}

/**
 * NEED_KMS_CREDENTIALS when a provider of `providers` is `{}`, then NEED_KMS with the requests
 * `make` builds (built only once the credentials are there), then `then` with their payloads.
 */
export function kmsThen(kms: RemoteKms, providers: readonly string[], make: () => DriverKmsRequest[], then: (results: Uint8Array[]) => Step): Step {
  if (providers.length === 0) return then([]); // only local keys: no NEED_KMS, as libmongocrypt
  for (const p of providers) kms.check(p);
  if (kms.needsCredentials(providers)) {
    return {
      state: MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS,
      provide: (bson) => {
        kms.provide(bson);
        return kmsThen(kms, providers, make, then);
      },
    };
  }
  const requests = make();
  return {
    state: MONGOCRYPT_CTX_NEED_KMS,
    requests,
    finish: () => {
      // Unwrapped keys are wiped by `then`'s callers once they hold an AeadKey.
      return then(requests.map((r) => r.result()));
    },
  };
}
