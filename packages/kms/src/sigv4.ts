// AWS Signature Version 4, byte for byte as libmongocrypt's kms-message signs (KMSG
// `src/kms_request.c`, `kms_request_str.c`): the canonical request, the string to sign, the
// Authorization value and the signed HTTP/1.1 request. Pure and synchronous. Work is done on byte
// strings (one char per byte), as kms-message works on C strings, so escaping, ASCII lowercasing
// and sorting match it for any UTF-8 input (KMSG `test/multibyte`).
import { KmsError } from './errors.js';
import { compareNames as caseCompare, lowerAscii as lower, sortHeaders } from './headers.js';
import { hmacSha256, sha256 } from './hash.js';
import { bytesToHex as hex } from '@fle-ts/crypto-core';
import { byteStringToBytes, bytesToByteString, toByteString } from './text.js';

/** One request to sign. Strings are UTF-8 text; `body` is bytes or UTF-8 text. */
export interface SigV4Request {
  readonly method: string;
  /** The path and optional `?query`, exactly as on the request line (the query must be `k=v&...`). */
  readonly pathAndQuery: string;
  /**
   * Header fields in the order added. An `X-Amz-Date` given here is replaced by one made from `date`
   * (KMSG `kms_request_set_date`). Without `Host`, `Host: <service>.<region>.amazonaws.com` is added.
   */
  readonly headers?: ReadonlyArray<readonly [name: string, value: string]>;
  readonly body?: Uint8Array | string;
  readonly region: string;
  readonly service: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The signing time (only whole seconds count, UTC). */
  readonly date: Date;
  /** Add `Content-Length` for a non-empty body when none is given (default true, as KMSG does). */
  readonly autoContentLength?: boolean;
}

/** The signature and the request it signs. Byte strings are exposed as UTF-8 decoded text. */
export interface SigV4Signed {
  /** The canonical request (KMSG `kms_request_get_canonical`; the suite's `.creq`). */
  readonly canonicalRequest: Uint8Array;
  /** The string to sign (`.sts`). */
  readonly stringToSign: Uint8Array;
  /** The Authorization header value (`.authz`). */
  readonly authorization: string;
  /** The whole signed HTTP/1.1 request (`.sreq`): request line, sorted headers, Authorization, body. */
  readonly request: Uint8Array;
  /** The header fields as sent, in order, Authorization last. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

// RFC 3986 unreserved characters stay, everything else becomes %XX (KMSG `tables_init`).
function isUnreserved(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) ||
    c === 0x7e || c === 0x2d || c === 0x2e || c === 0x5f;
}

/** KMSG `kms_request_str_append_escaped`: percent-encodes a byte string, keeping `/` unless escapeSlash. */
function escape(s: string, escapeSlash: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += isUnreserved(c) || (c === 0x2f && !escapeSlash) ? s[i]! : `%${c.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

// C `isspace` in the C locale; bytes >= 0x80 are never space (KMSG checks `*src >= 0`).
function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** KMSG `kms_request_str_append_stripped`: trim, fold runs of spaces to one, newlines to commas. */
function stripped(v: string): string {
  let i = 0;
  while (i < v.length && isSpace(v.charCodeAt(i))) i++;
  let out = '';
  let space = false;
  let comma = false;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x0a) {
      comma = true;
      space = false;
    } else if (isSpace(c)) {
      space = true;
    } else {
      if (comma) {
        out += ',';
        comma = false;
        space = false;
      }
      if (space) {
        out += ' ';
        space = false;
      }
      out += v[i];
    }
  }
  return out;
}

/** Byte-wise `strcmp` order. */
function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** KMSG `delete_last_segment`. */
function deleteLastSegment(out: string, isAbsolute: boolean): string {
  const i = out.lastIndexOf('/');
  if (i < 0) return '';
  return i === 0 && isAbsolute ? '/' : out.slice(0, i);
}

/** KMSG `kms_request_str_path_normalized`: RFC 3986 §5.2.4 dot removal plus folding of `//`. */
export function normalizePath(path: string): string {
  if (path === '/') return '/';
  const isAbsolute = path.startsWith('/');
  let out = '';
  let p = 0;
  while (p < path.length) {
    const rest = path.slice(p);
    if (rest.startsWith('../')) p += 3;
    else if (rest.startsWith('./')) p += 2;
    else if (rest.startsWith('/./')) p += 2;
    else if (rest === '/.') break;
    else if (rest.startsWith('/../')) {
      p += 3;
      out = deleteLastSegment(out, isAbsolute);
    } else if (rest === '/..') {
      out = deleteLastSegment(out, isAbsolute);
      break;
    } else if (rest === '.' || rest === '..') break;
    else {
      let next = path.indexOf('/', p + 1);
      if (next < 0) next = path.length;
      if (out.endsWith('/') && path[p] === '/') p++; // fold repeated slashes
      if (out.length === 0 && !isAbsolute && path[p] === '/') p++; // "a/../b" is "b", not "/b"
      out += path.slice(p, next);
      p = next;
    }
  }
  return out.length > 0 ? out : '/';
}

/** KMSG `parse_query_params`: `k=v` pairs split at `&`; a pair without `=` is an error. */
function parseQuery(query: string): Array<[string, string]> {
  const params: Array<[string, string]> = [];
  let p = 0;
  do {
    const eq = query.indexOf('=', p);
    if (eq < 0) throw new KmsError('KMS_BAD_OPTIONS', 'aws', 'cannot sign the request: its query is not k=v pairs joined by &');
    let amp = query.indexOf('&', eq);
    if (amp < 0) amp = query.length;
    params.push([query.slice(p, eq), query.slice(eq + 1, amp)]);
    p = amp + 1;
  } while (p < query.length);
  return params;
}

/** `YYYYmmDDTHHMMSSZ` (UTC) of `date`. */
export function amzDateTime(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new KmsError('KMS_BAD_OPTIONS', 'aws', 'the signing date is not a valid Date: pass a Date or a clock returning one');
  }
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

/**
 * Signs `req` with SigV4 as kms-message does and returns every intermediate (for tests against the
 * AWS suite) and the signed HTTP/1.1 request bytes. Throws KMS_BAD_OPTIONS for an unparsable query,
 * a bad date or an empty region/service/access key id/secret/method/path (KMSG `kms_request_validate`).
 */
export function signSigV4(req: SigV4Request): SigV4Signed {
  const missing = (
    [
      ['region', req.region],
      ['service', req.service],
      ['accessKeyId', req.accessKeyId],
      ['method', req.method],
      ['path', req.pathAndQuery],
      ['secretAccessKey', req.secretAccessKey],
    ] as const
  ).find(([, v]) => typeof v !== 'string' || v.length === 0);
  if (missing) throw new KmsError('KMS_BAD_OPTIONS', 'aws', `cannot sign the request: ${missing[0]} must be a non-empty string`);

  const datetime = amzDateTime(req.date);
  const date = datetime.slice(0, 8);
  const body = typeof req.body === 'string' ? toByteString(req.body) : bytesToByteString(req.body ?? new Uint8Array(0));
  const method = toByteString(req.method);
  const region = toByteString(req.region);
  const service = toByteString(req.service);
  const whole = toByteString(req.pathAndQuery);
  const q = whole.indexOf('?');
  const path = q < 0 ? whole : whole.slice(0, q);
  const query = q < 0 ? '' : whole.slice(q + 1);
  const params = q < 0 ? [] : parseQuery(query);

  // Header list as kms-message builds it: the given fields, X-Amz-Date re-added last from `date`,
  // then (finalize) Host from service + region and Content-Length when missing.
  const headers: Array<[string, string]> = [];
  for (const [n, v] of req.headers ?? []) {
    const name = toByteString(n);
    if (name === 'X-Amz-Date') continue;
    headers.push([name, toByteString(v)]);
  }
  headers.push(['X-Amz-Date', datetime]);
  const has = (name: string): boolean => headers.some(([n]) => caseCompare(n, name) === 0);
  if (!has('Host')) headers.push(['Host', `${service}.${region}.amazonaws.com`]);
  if (!has('Content-Length') && body.length > 0 && req.autoContentLength !== false) {
    headers.push(['Content-Length', String(body.length)]);
  }
  const sorted = sortHeaders(headers);
  const canonicalHeaders = sorted.filter(([n]) => n !== 'Connection');

  // Canonical headers: duplicates (adjacent after the sort) join with ','; Connection is not signed.
  const lines: string[] = [];
  const names: string[] = [];
  let previous: string | undefined;
  for (const [n, v] of canonicalHeaders) {
    if (previous !== undefined && caseCompare(previous, n) === 0) {
      lines[lines.length - 1] += `,${stripped(v)}`;
      continue;
    }
    lines.push(`${lower(n)}:${stripped(v)}`);
    if (caseCompare(n, 'connection') !== 0) names.push(lower(n));
    previous = n;
  }
  const signedHeaders = names.join(';');
  const canonicalQuery = params
    .slice()
    .sort(([ka, va], [kb, vb]) => byteCompare(ka, kb) || byteCompare(va, vb))
    .map(([k, v]) => `${escape(k, true)}=${escape(v, true)}`)
    .join('&');
  const canonical = [
    method,
    escape(normalizePath(path), false),
    canonicalQuery,
    `${lines.join('\n')}\n`,
    signedHeaders,
    hex(sha256(byteStringToBytes(body))),
  ].join('\n');

  const scope = `${date}/${region}/${service}/aws4_request`;
  const sts = `AWS4-HMAC-SHA256\n${datetime}\n${scope}\n${hex(sha256(byteStringToBytes(canonical)))}`;
  let key = hmacSha256(byteStringToBytes(`AWS4${toByteString(req.secretAccessKey)}`), byteStringToBytes(date));
  for (const part of [region, service, 'aws4_request']) key = hmacSha256(key, byteStringToBytes(part));
  const signature = hex(hmacSha256(key, byteStringToBytes(sts)));
  key.fill(0);
  const authorization =
    `AWS4-HMAC-SHA256 Credential=${toByteString(req.accessKeyId)}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;

  // The signed request (KMSG `kms_request_get_signed`): headers sorted as above (Connection
  // included), `Name:value` without a space, then `Authorization: ` with one, then the body.
  let out = `${method} ${path}${query.length > 0 ? `?${query}` : ''} HTTP/1.1\r\n`;
  for (const [n, v] of sorted) out += `${n}:${v}\r\n`;
  out += `Authorization: ${authorization}`;
  if (body.length > 0) out += `\r\n\r\n${body}`;

  const decode = (s: string): string => new TextDecoder().decode(byteStringToBytes(s));
  return {
    canonicalRequest: byteStringToBytes(canonical),
    stringToSign: byteStringToBytes(sts),
    authorization: decode(authorization),
    request: byteStringToBytes(out),
    headers: [...sorted.map(([n, v]) => [decode(n), decode(v)] as const), ['Authorization', decode(authorization)] as const],
  };
}
