// On-demand credentials (SPEC "Automatic credentials"): the Azure VM managed-identity token from
// IMDS ("Obtaining an Access Token for Azure Key Vault"), the GCP token from the metadata server
// ("Obtaining GCP Credentials"), and AWS credentials as the MONGODB-AWS auth spec finds them
// (environment, then ECS container credentials, then EC2 IMDSv2). All are plain-HTTP requests to
// link-local services, so they use `fetch` directly (sendKmsRequest only allows TLS or loopback);
// each has a timeout, and the credential sources cache what they got until shortly before it expires.
import type { AwsCredentials } from './aws.js';
import { KmsError } from './errors.js';
import { jsonObject } from './json-response.js';
import { fromUtf8 } from './text.js';
import type { FetchLike } from './transport.js';
import { parseOAuthResponse, type OAuthToken } from './oauth.js';
import type { AccessTokenCredentials } from './providers.js';
import { TokenCache } from './token-cache.js';

const FIX = 'is a managed identity / service account attached to this machine?';

/** Options of the metadata-service token functions. */
export interface MetadataTokenOptions {
  /** Default: the global fetch. */
  readonly fetch?: FetchLike;
  /** Milliseconds for the whole answer (default 10,000, the spec's IMDS timeout). */
  readonly timeoutMs?: number;
  /** `host[:port]` of the service (default `169.254.169.254` for Azure, `metadata.google.internal` for GCP). */
  readonly host?: string;
  /** Extra request headers (e.g. `X-MongoDB-HTTP-TestParams` for the spec's fake IMDS). */
  readonly headers?: Readonly<Record<string, string>>;
  /** The clock for the cache (default `() => new Date()`). */
  readonly now?: () => Date;
}

async function get(provider: string, what: string, url: string, headers: Record<string, string>, o: MetadataTokenOptions, method: 'GET' | 'PUT' = 'GET'): Promise<{ status: number; body: Uint8Array }> {
  const fetchFn = o.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (typeof fetchFn !== 'function') throw new KmsError('KMS_BAD_OPTIONS', provider, 'no fetch: pass the fetch option');
  const timeoutMs = o.timeoutMs ?? 10_000;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await fetchFn(url, { method, headers: { ...headers, ...o.headers }, signal: controller.signal });
    return { status: res.status, body: new Uint8Array(await res.arrayBuffer()) };
  } catch (cause) {
    if (timedOut) throw new KmsError('KMS_TIMEOUT', provider, `${what} did not answer within ${timeoutMs} ms`, { cause });
    throw new KmsError('KMS_NETWORK', provider, `cannot reach ${what}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The Azure VM managed-identity token for Key Vault from IMDS: `GET http://169.254.169.254/metadata/identity/oauth2/token
 * ?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net%2F` with `Metadata: true`. Throws KMS_HTTP_ERROR,
 * KMS_BAD_RESPONSE (bad or empty JSON), KMS_TIMEOUT or KMS_NETWORK naming `azure`.
 */
export async function azureImdsToken(o: MetadataTokenOptions = {}, provider = 'azure'): Promise<OAuthToken> {
  const url = `http://${o.host ?? '169.254.169.254'}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=${encodeURIComponent('https://vault.azure.net/')}`;
  return parseOAuthResponse(await get(provider, 'Azure IMDS', url, { Metadata: 'true', Accept: 'application/json' }, o), provider, 'Azure IMDS', FIX);
}

/** The GCP service-account token from the metadata server (`Metadata-Flavor: Google`). */
export async function gcpMetadataToken(o: MetadataTokenOptions = {}, provider = 'gcp'): Promise<OAuthToken> {
  const url = `http://${o.host ?? 'metadata.google.internal'}/computeMetadata/v1/instance/service-accounts/default/token`;
  return parseOAuthResponse(await get(provider, 'the GCP metadata server', url, { 'Metadata-Flavor': 'Google' }, o), provider, 'the GCP metadata server', FIX);
}

function cached(fetchToken: () => Promise<OAuthToken>, now: () => Date): () => Promise<AccessTokenCredentials> {
  const cache = new TokenCache(now);
  return async () => ({ accessToken: await cache.get(fetchToken) });
}

/**
 * A credential source for `createAzureKmsProvider` that takes the token from IMDS and keeps it
 * until a minute before it expires (SPEC `cachedAzureAccessToken`).
 */
export function azureImdsCredentials(o: MetadataTokenOptions = {}, provider = 'azure'): () => Promise<AccessTokenCredentials> {
  return cached(() => azureImdsToken(o, provider), o.now ?? (() => new Date()));
}

/** A credential source for `createGcpKmsProvider` that takes the token from the GCP metadata server, cached likewise. */
export function gcpMetadataCredentials(o: MetadataTokenOptions = {}, provider = 'gcp'): () => Promise<AccessTokenCredentials> {
  return cached(() => gcpMetadataToken(o, provider), o.now ?? (() => new Date()));
}

/** Options of {@link awsCredentialChain}: the metadata-service options plus where the chain looks. */
export interface AwsOnDemandOptions extends MetadataTokenOptions {
  /**
   * The environment (`process.env` in Node, `Deno.env.toObject()`, a Worker's bindings): reads
   * `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
   * `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
   * `AWS_CONTAINER_AUTHORIZATION_TOKEN`. Default: none (the chain goes to EC2 IMDS).
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** `host[:port]` of the ECS credentials endpoint for a relative URI (default `169.254.170.2`). */
  readonly ecsHost?: string;
  /** `host[:port]` of EC2 IMDS (default `169.254.169.254`). */
  readonly imdsHost?: string;
  /** Skip EC2 IMDS (e.g. in a browser, where 169.254.169.254 only times out). */
  readonly noImds?: boolean;
}

const AWS_FIX = 'set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, run in ECS with a task role or on EC2 with an instance profile, or pass credentialProviders.aws';
// FULL_URI hosts the AWS SDKs accept over plain HTTP (loopback and the ECS/EKS agents); others need https.
const FULL_URI_HTTP_HOSTS = ['127.0.0.1', 'localhost', '[::1]', '169.254.170.2', '169.254.170.23', '[fd00:ec2::23]'];

/** AWS credentials from the environment variables, or undefined when either key is missing. */
function fromEnv(env: Readonly<Record<string, string | undefined>>): AwsCredentials | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env.AWS_SESSION_TOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}

interface TimedAwsCredentials { readonly credentials: AwsCredentials; readonly expiresAt: number | undefined }

/** `{AccessKeyId, SecretAccessKey, Token, Expiration}` of an ECS or IMDS answer; the body is never echoed. */
function parseAwsCredentialsJson(res: { status: number; body: Uint8Array }, what: string): TimedAwsCredentials {
  if (res.status !== 200) throw new KmsError('KMS_HTTP_ERROR', 'aws', `${what} answered with HTTP ${res.status}; ${AWS_FIX}`, { httpStatus: res.status });
  const json = jsonObject(res, 'aws', what);
  const field = (name: string): string => {
    const v = json[name];
    if (typeof v !== 'string' || v.length === 0) throw new KmsError('KMS_BAD_RESPONSE', 'aws', `${what} answer does not include the string field '${name}'`);
    return v;
  };
  const credentials = { accessKeyId: field('AccessKeyId'), secretAccessKey: field('SecretAccessKey'), ...(typeof json.Token === 'string' && json.Token ? { sessionToken: json.Token } : {}) };
  const exp = typeof json.Expiration === 'string' ? Date.parse(json.Expiration) : NaN;
  return { credentials, expiresAt: Number.isNaN(exp) ? undefined : exp };
}

/** ECS container credentials: RELATIVE_URI on 169.254.170.2, or FULL_URI (with its authorization token). */
async function fromEcs(env: Readonly<Record<string, string | undefined>>, o: AwsOnDemandOptions): Promise<TimedAwsCredentials | undefined> {
  const relative = env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
  const full = env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
  if (relative) {
    const path = relative.startsWith('/') ? relative : `/${relative}`;
    return parseAwsCredentialsJson(await get('aws', 'the ECS credentials endpoint', `http://${o.ecsHost ?? '169.254.170.2'}${path}`, {}, o), 'the ECS credentials endpoint');
  }
  if (!full) return undefined;
  let url: URL;
  try {
    url = new URL(full);
  } catch (cause) {
    throw new KmsError('KMS_BAD_OPTIONS', 'aws', 'AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL', { cause });
  }
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && FULL_URI_HTTP_HOSTS.includes(url.hostname)))) {
    throw new KmsError('KMS_BAD_OPTIONS', 'aws', `AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to a loopback or ECS/EKS agent address (got ${url.protocol}//${url.hostname})`);
  }
  const token = env.AWS_CONTAINER_AUTHORIZATION_TOKEN;
  return parseAwsCredentialsJson(await get('aws', 'the container credentials endpoint', url.href, token ? { Authorization: token } : {}, o), 'the container credentials endpoint');
}

/** EC2 IMDSv2: a session token (PUT), the instance profile's role name, then its credentials. */
async function fromImds(o: AwsOnDemandOptions): Promise<TimedAwsCredentials> {
  const base = `http://${o.imdsHost ?? '169.254.169.254'}`;
  const tokenRes = await get('aws', 'EC2 IMDS', `${base}/latest/api/token`, { 'X-aws-ec2-metadata-token-ttl-seconds': '30' }, o, 'PUT');
  if (tokenRes.status !== 200) throw new KmsError('KMS_HTTP_ERROR', 'aws', `EC2 IMDS answered the session-token PUT with HTTP ${tokenRes.status}; ${AWS_FIX}`, { httpStatus: tokenRes.status });
  const session = { 'X-aws-ec2-metadata-token': fromUtf8(tokenRes.body).trim() };
  const roleRes = await get('aws', 'EC2 IMDS', `${base}/latest/meta-data/iam/security-credentials/`, session, o);
  if (roleRes.status !== 200) throw new KmsError('KMS_HTTP_ERROR', 'aws', `EC2 IMDS has no instance profile role (HTTP ${roleRes.status}); ${AWS_FIX}`, { httpStatus: roleRes.status });
  const role = fromUtf8(roleRes.body).split('\n')[0]?.trim() ?? '';
  if (!/^[\w+=,.@-]+$/.test(role)) throw new KmsError('KMS_BAD_RESPONSE', 'aws', 'EC2 IMDS gave no usable role name');
  return parseAwsCredentialsJson(await get('aws', 'EC2 IMDS', `${base}/latest/meta-data/iam/security-credentials/${encodeURIComponent(role)}`, session, o), 'EC2 IMDS');
}

/**
 * AWS credentials as the MONGODB-AWS auth spec's chain finds them: the environment variables, then
 * ECS container credentials (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` / `_FULL_URI`), then EC2 IMDSv2
 * (a PUT for a session token, then the instance profile's credentials). Throws KMS_HTTP_ERROR,
 * KMS_BAD_RESPONSE, KMS_TIMEOUT or KMS_NETWORK naming `aws`; never a credential in a message.
 */
export async function awsOnDemandCredentials(o: AwsOnDemandOptions = {}): Promise<AwsCredentials> {
  return (await awsTimedCredentials(o)).credentials;
}

async function awsTimedCredentials(o: AwsOnDemandOptions): Promise<TimedAwsCredentials> {
  const env = o.env ?? {};
  const fromVars = fromEnv(env);
  if (fromVars) return { credentials: fromVars, expiresAt: undefined };
  const ecs = await fromEcs(env, o);
  if (ecs) return ecs;
  if (o.noImds === true) throw new KmsError('KMS_BAD_OPTIONS', 'aws', `no AWS credentials in the environment or from ECS, and EC2 IMDS is off; ${AWS_FIX}`);
  return fromImds(o);
}

// Temporary credentials are renewed 5 minutes before they expire (MONGODB-AWS auth spec, caching).
const AWS_EXPIRY_MARGIN_MS = 5 * 60_000;

/**
 * A credential source for `createAwsKmsProvider` / `credentialProviders.aws` over
 * {@link awsOnDemandCredentials}: ECS and IMDS credentials are kept until 5 minutes before their
 * Expiration (one request in flight); environment credentials are read on every call.
 */
export function awsCredentialChain(o: AwsOnDemandOptions = {}): () => Promise<AwsCredentials> {
  const now = o.now ?? (() => new Date());
  let kept: TimedAwsCredentials | undefined;
  let pending: Promise<TimedAwsCredentials> | undefined;
  return async () => {
    if (kept?.expiresAt !== undefined && kept.expiresAt - now().getTime() > AWS_EXPIRY_MARGIN_MS) return kept.credentials;
    pending ??= awsTimedCredentials(o).finally(() => {
      pending = undefined;
    });
    const got = await pending;
    kept = got.expiresAt === undefined ? undefined : got;
    return got.credentials;
  };
}
