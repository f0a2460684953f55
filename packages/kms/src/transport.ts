// The asynchronous transport: sends a KmsHttpRequest with `fetch` (injectable), a timeout per
// attempt, and libmongocrypt's retry rules (SPEC tests/README.md prose test 24; LMC
// `should_retry_http`, `backoff_time_usec`, `kms_max_attempts` = 3): network errors, timeouts and
// the provider's transient HTTP statuses are retried with exponential backoff and full jitter.
import { KmsError } from './errors.js';
import type { KmsHttpRequest, KmsHttpResponse } from './http.js';
import { MAX_RESPONSE_LENGTH } from './http.js';

/** The part of `fetch` the transport uses (the global one fits; tests and proxies inject their own). */
export type FetchLike = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: Uint8Array<ArrayBuffer>; signal: AbortSignal },
) => Promise<{ status: number; arrayBuffer(): Promise<ArrayBuffer> }>;

/** Options of {@link sendKmsRequest}. */
export interface KmsTransportOptions {
  /** Default: `globalThis.fetch`. */
  readonly fetch?: FetchLike;
  /** Milliseconds per attempt before it is aborted (default 10,000). */
  readonly timeoutMs?: number;
  /** Attempts in all, including the first (default 3, libmongocrypt's `kms_max_attempts`). */
  readonly maxAttempts?: number;
  /** Delay before attempt `n + 1` after `n` failed (default: random in [0, min(200 ms * 2^(n-1), 20 s)]). */
  readonly backoffMs?: (failedAttempts: number) => number;
  /** Default: `setTimeout`. Tests inject an instant one. */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * `'http:'` sends plain HTTP, for mock servers and proxies on the loopback interface only
   * (127.0.0.1, ::1, localhost); anything else must use TLS (SPEC "TLS is required").
   */
  readonly protocol?: 'https:' | 'http:';
}

// Transient HTTP statuses per provider type (LMC `should_retry_http`).
const RETRYABLE: Record<string, (status: number) => boolean> = {
  aws: (s) => [408, 429, 500, 502, 503, 509].includes(s),
  azure: (s) => [408, 429, 500, 502, 503, 504].includes(s),
  gcp: (s) => s === 408 || s === 429 || (s >= 500 && s < 600),
};

// Headers that fetch owns (forbidden request headers in browsers): it sends its own Host (the URL's
// authority), Content-Length (the body's) and Connection.
const FETCH_OWNED = new Set(['host', 'content-length', 'connection']);

/** True when an HTTP status is transient for the provider of `provider` (`aws`, `azure:name`, ...). */
export function isRetryableStatus(provider: string, status: number): boolean {
  return RETRYABLE[provider.split(':')[0]!]?.(status) ?? false;
}

/** libmongocrypt's backoff: exponential from 200 ms, capped at 20 s, full jitter. */
export function defaultBackoffMs(failedAttempts: number): number {
  return Math.random() * Math.min(200 * 2 ** (failedAttempts - 1), 20_000);
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Sends `req` and returns the final answer (status and body). A network error or timeout is retried,
 * and so is a transient status while attempts remain; the last answer is returned whatever its status,
 * for the provider's parser to judge. Throws KMS_NETWORK or KMS_TIMEOUT when no attempt got an
 * answer, KMS_BAD_OPTIONS for bad options, KMS_BAD_HTTP for an answer over 16 MiB.
 */
export async function sendKmsRequest(req: KmsHttpRequest, options: KmsTransportOptions = {}): Promise<KmsHttpResponse> {
  const provider = req.provider;
  const fetchFn = options.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined);
  if (typeof fetchFn !== 'function') throw new KmsError('KMS_BAD_OPTIONS', provider, 'no fetch: this runtime has no global fetch, pass the fetch option');
  const protocol = options.protocol ?? 'https:';
  if (protocol === 'http:' && !LOOPBACK.has(req.host)) {
    throw new KmsError('KMS_BAD_OPTIONS', provider, `plain http is only allowed to a loopback host, not ${req.host}: KMS requests need TLS`);
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = options.maxAttempts ?? 3;
  if (!(Number.isInteger(maxAttempts) && maxAttempts >= 1)) throw new KmsError('KMS_BAD_OPTIONS', provider, 'maxAttempts must be an integer >= 1');
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const backoff = options.backoffMs ?? defaultBackoffMs;
  const headers: Record<string, string> = {};
  for (const [n, v] of req.headers) if (!FETCH_OWNED.has(n.toLowerCase())) headers[n] = v;
  const host = req.host.includes(':') && !req.host.startsWith('[') ? `[${req.host}]` : req.host;
  const url = `${protocol}//${host}${req.port === 443 && protocol === 'https:' ? '' : `:${req.port}`}${req.path}`;

  let lastError: KmsError | undefined;
  for (let attempt = 1; ; attempt++) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    try {
      const res = await fetchFn(url, { method: req.method, headers, body: new Uint8Array(req.body), signal: controller.signal });
      const body = new Uint8Array(await res.arrayBuffer());
      if (body.length > MAX_RESPONSE_LENGTH) throw new KmsError('KMS_BAD_HTTP', provider, `the KMS answer is larger than ${MAX_RESPONSE_LENGTH} bytes`);
      if (attempt < maxAttempts && isRetryableStatus(provider, res.status)) {
        lastError = undefined;
      } else {
        return { status: res.status, body };
      }
    } catch (cause) {
      if (cause instanceof KmsError) throw cause;
      lastError = timedOut
        ? new KmsError('KMS_TIMEOUT', provider, `no answer from ${req.host}:${req.port} within ${timeoutMs} ms (attempt ${attempt} of ${maxAttempts})`, { cause })
        : new KmsError('KMS_NETWORK', provider, `cannot reach ${req.host}:${req.port} (attempt ${attempt} of ${maxAttempts}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
      if (attempt >= maxAttempts) throw lastError;
    } finally {
      clearTimeout(timer);
    }
    await sleep(backoff(attempt));
  }
}
