// Bearer-token caches of the Azure and GCP providers and the on-demand credential sources: one
// request in flight at a time, the token kept until less than a minute of it is left (SPEC
// "Automatic Credentials": `cachedAzureAccessToken`, renewed when under one minute remains).
import type { OAuthToken } from './oauth.js';

const TOKEN_MARGIN_MS = 60_000;

/**
 * Bearer tokens per scope (the scope follows the masterKey's endpoint domain, so one provider can
 * hold tokens for two clouds): one request in flight per scope, renewed a minute before expiry.
 */
export class TokenCaches {
  readonly #caches = new Map<string, TokenCache>();
  constructor(private readonly now: () => Date) {}

  /** The cache of one scope (created empty on first use). */
  for(scope: string): TokenCache {
    let c = this.#caches.get(scope);
    if (!c) this.#caches.set(scope, (c = new TokenCache(this.now)));
    return c;
  }
}

/** A bearer token cache: one request in flight at a time, renewed a minute before it expires. */
export class TokenCache {
  #token: string | undefined;
  #expiresAt = 0;
  #pending: Promise<string> | undefined;
  constructor(private readonly now: () => Date) {}

  /** The cached token, or a new one from `fetchToken` (shared by concurrent callers). */
  get(fetchToken: () => Promise<OAuthToken>): Promise<string> {
    if (this.#token !== undefined && this.#expiresAt - this.now().getTime() > TOKEN_MARGIN_MS) return Promise.resolve(this.#token);
    // The lifetime counts from before the request (SPEC: t0 + d_exp), never longer than the server meant.
    const t0 = this.now().getTime();
    this.#pending ??= fetchToken().then(
      (t) => {
        this.#pending = undefined;
        // Without expires_in the token is used once and not kept.
        this.#token = t.expiresInSeconds === undefined ? undefined : t.accessToken;
        this.#expiresAt = t0 + (t.expiresInSeconds ?? 0) * 1000;
        return t.accessToken;
      },
      (e: unknown) => {
        this.#pending = undefined;
        throw e;
      },
    );
    return this.#pending;
  }
}

