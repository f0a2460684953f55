// JSON answers of the cloud KMS endpoints: the body as an object, and the typed error of a non-200
// answer (AWS `{__type, message}`, OAuth `{error, error_description}`, Google and Azure
// `{error: {code, message, status}}`). Error messages never copy the raw body (a proxy may echo
// request headers) and never hold credentials.
import { KmsError } from './errors.js';
import type { KmsHttpResponse } from './http.js';
import { fromUtf8 } from './text.js';

/** Parses a JSON body; throws KMS_BAD_RESPONSE for non-JSON or non-objects. */
export function jsonObject(res: KmsHttpResponse, provider: string, what: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(fromUtf8(res.body));
  } catch (cause) {
    throw new KmsError('KMS_BAD_RESPONSE', provider, `${what} answered ${res.status} with a body that is not JSON (${res.body.length} bytes)`, { cause });
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new KmsError('KMS_BAD_RESPONSE', provider, `${what} answered ${res.status} with JSON that is not an object`);
  }
  return json as Record<string, unknown>;
}

/**
 * The error of a non-200 answer from `what`, with the error code and description when the body is
 * OAuth, Azure or Google error JSON. The raw body is never copied into the message.
 */
export function httpStatusError(res: KmsHttpResponse, provider: string, what: string, fix: string): KmsError {
  let detail = res.body.length === 0 ? 'empty body' : `a body of ${res.body.length} bytes without a recognised error`;
  try {
    const json = JSON.parse(fromUtf8(res.body)) as Record<string, unknown>;
    const err = json.error;
    const pick = (...xs: unknown[]): string | undefined => xs.find((x): x is string => typeof x === 'string');
    const code = pick(typeof err === 'object' && err !== null ? (err as Record<string, unknown>).code : err, (err as Record<string, unknown> | undefined)?.status, json.__type);
    const message = pick(json.error_description, typeof err === 'object' && err !== null ? (err as Record<string, unknown>).message : undefined, json.message, json.Message);
    if (code !== undefined || message !== undefined) detail = `${code ?? 'error'}: ${(message ?? '').slice(0, 300)}`;
  } catch {
    // not JSON: keep the size-only detail
  }
  const kind = res.status < 400 ? 'unsupported HTTP status' : 'error';
  return new KmsError('KMS_HTTP_ERROR', provider, `${what} answered with ${kind} ${res.status} (${detail}); ${fix}`, { httpStatus: res.status });
}

