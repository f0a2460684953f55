// Unsigned HTTP requests as kms-message writes them for Azure and GCP (KMSG `kms_request_to_string`):
// `Connection: close` first (libmongocrypt sets `connection_close`), the provider's headers,
// Content-Length for a body, all sorted stably by name; `Name:value` lines, a blank line, the body.
import type { KmsEndpoint } from './endpoint.js';
import { sortHeaders } from './headers.js';
import type { KmsHttpRequest } from './http.js';
import { utf8 } from './text.js';

/** Builds the request bytes for `endpoint` (`Host` is `endpoint.host`, without port, as in LMC). */
export function unsignedRequest(
  provider: string,
  endpoint: KmsEndpoint,
  path: string,
  headers: ReadonlyArray<readonly [string, string]>,
  body: string,
): KmsHttpRequest {
  const bodyBytes = utf8(body);
  const all: Array<readonly [string, string]> = [['Connection', 'close'], ...headers];
  if (bodyBytes.length > 0) all.push(['Content-Length', String(bodyBytes.length)]);
  const sorted = sortHeaders(all);
  let head = `POST ${path} HTTP/1.1\r\n`;
  for (const [n, v] of sorted) head += `${n}:${v}\r\n`;
  head += '\r\n';
  const headBytes = utf8(head);
  const bytes = new Uint8Array(headBytes.length + bodyBytes.length);
  bytes.set(headBytes);
  bytes.set(bodyBytes, headBytes.length);
  return { provider, host: endpoint.host, port: endpoint.port, method: 'POST', path, headers: sorted, body: bodyBytes, bytes };
}
