// On-demand credentials (SPEC "Automatic credentials"): the Azure VM managed-identity token from
// IMDS ("Obtaining an Access Token for Azure Key Vault") and the GCP token from the metadata server
// ("Obtaining GCP Credentials"). Both are plain-HTTP GETs to link-local services, so they use
// `fetch` directly (sendKmsRequest only allows TLS or loopback); each has a timeout, and the
// credential sources cache the token until a minute before it expires.
import { KmsError } from './errors.js';
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

async function get(provider: string, what: string, url: string, headers: Record<string, string>, o: MetadataTokenOptions): Promise<{ status: number; body: Uint8Array }> {
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
    const res = await fetchFn(url, { method: 'GET', headers: { ...headers, ...o.headers }, signal: controller.signal });
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
