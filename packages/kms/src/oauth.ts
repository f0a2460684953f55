// OAuth 2.0 token answers (RFC 6749 §5.1) of Azure's identity platform and Google's token endpoint,
// read as libmongocrypt reads them (LMC `_ctx_done_oauth`: HTTP 200 and a string `access_token`).
import { KmsError } from './errors.js';
import type { KmsHttpResponse } from './http.js';
import { httpStatusError, jsonObject } from './json-response.js';

/** A bearer token and how long it is valid. */
export interface OAuthToken {
  readonly accessToken: string;
  /** Seconds from the answer, when the server says (`expires_in`); Azure sends it as a string. */
  readonly expiresInSeconds: number | undefined;
}

/**
 * The token of an OAuth answer (also IMDS's and the GCP metadata server's). Throws KMS_HTTP_ERROR /
 * KMS_BAD_RESPONSE naming `provider` and `what` answered; `fix` says what to check.
 */
export function parseOAuthResponse(res: KmsHttpResponse, provider: string, what = 'the OAuth token endpoint', fix = 'check the credentials and the identity endpoint'): OAuthToken {
  if (res.status !== 200) throw httpStatusError(res, provider, what, fix);
  const json = jsonObject(res, provider, what);
  if (typeof json.access_token !== 'string' || json.access_token.length === 0) {
    throw new KmsError('KMS_BAD_RESPONSE', provider, `${what} answer does not include the string field 'access_token'`);
  }
  const e = json.expires_in;
  const n = typeof e === 'number' ? e : typeof e === 'string' && /^\d+$/.test(e) ? Number(e) : undefined;
  return { accessToken: json.access_token, expiresInSeconds: n };
}
