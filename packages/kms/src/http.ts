// The HTTP shapes shared by every provider, and a raw HTTP/1.1 response parser for callers that own
// the socket (the driver drop-in feeds bytes and asks how many more it needs), following KMSG
// `src/kms_response_parser.c`: Content-Length or chunked bodies, 16 MiB at most.
import { KmsError } from './errors.js';
import { bytesToByteString } from './text.js';

/** One KMS request, ready to send over TLS to `host:port` (or to hand to `fetch`). */
export interface KmsHttpRequest {
  /** The provider id the request is for (`aws`, `aws:name`, ...). */
  readonly provider: string;
  /** Host name to connect to (TLS server name). */
  readonly host: string;
  /** TCP port (443 unless the endpoint names one). */
  readonly port: number;
  readonly method: 'POST';
  /** Path and query of the request line. */
  readonly path: string;
  /** Header fields in the order written, including Host, Content-Length and Authorization. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Uint8Array;
  /** The whole HTTP/1.1 request exactly as libmongocrypt writes it (request line, headers, body). */
  readonly bytes: Uint8Array;
}

/** A KMS answer: the HTTP status and the body bytes (headers are not needed by any parser). */
export interface KmsHttpResponse {
  readonly status: number;
  readonly body: Uint8Array;
}

/** A parsed raw HTTP response. */
export interface ParsedHttpResponse extends KmsHttpResponse {
  /** Header fields in order, values trimmed of spaces and tabs. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
}

/** The largest response accepted (KMSG `KMS_PARSER_MAX_RESPONSE_LEN`). */
export const MAX_RESPONSE_LENGTH = 16 * 1024 * 1024;

type State = 'status' | 'header' | 'chunk-length' | 'chunk' | 'body' | 'done';

/**
 * Incremental HTTP/1.1 response parser: `feed` bytes as they arrive until `done`, asking
 * `bytesNeeded()` how many to read next. Throws KMS_BAD_HTTP for a malformed status line, header,
 * Content-Length or chunk size, for bytes past the end of the response, and past 16 MiB. A response
 * with neither Content-Length nor chunked encoding has an empty body, as in kms-message.
 */
export class HttpResponseParser {
  readonly #provider: string;
  #buf = new Uint8Array(1024);
  #len = 0;
  #pos = 0; // next unparsed byte
  #state: State = 'status';
  #status = 0;
  #headers: Array<[string, string]> = [];
  #contentLength = -1;
  #chunked = false;
  #chunkSize = 0;
  #body: Uint8Array[] = [];

  /** `provider` names the KMS provider in errors. */
  constructor(provider = '') {
    this.#provider = provider;
  }

  /** True once the whole response has been fed. */
  get done(): boolean {
    return this.#state === 'done';
  }

  /**
   * How many bytes to read next: at most `max` while reading lines, exactly what is left of a
   * body or chunk, 0 when done (KMSG `kms_response_parser_wants_bytes`).
   */
  bytesNeeded(max = 1024): number {
    switch (this.#state) {
      case 'done':
        return 0;
      case 'body':
        return this.#contentLength - (this.#len - this.#pos);
      case 'chunk':
        return this.#chunkSize + 2 - (this.#len - this.#pos);
      default:
        return max;
    }
  }

  #fail(message: string): never {
    throw new KmsError('KMS_BAD_HTTP', this.#provider, `malformed HTTP response from the KMS: ${message}`);
  }

  /** Feeds the next bytes of the response. */
  feed(bytes: Uint8Array): void {
    if (this.#state === 'done') this.#fail('unexpected bytes after the end of the response');
    if (this.#len + bytes.length > MAX_RESPONSE_LENGTH) this.#fail(`larger than ${MAX_RESPONSE_LENGTH} bytes`);
    if (this.#len + bytes.length > this.#buf.length) {
      const bigger = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + bytes.length));
      bigger.set(this.#buf.subarray(0, this.#len));
      this.#buf = bigger;
    }
    this.#buf.set(bytes, this.#len);
    this.#len += bytes.length;
    this.#advance();
  }

  /** The response; throws KMS_BAD_HTTP when it is not complete yet. */
  response(): ParsedHttpResponse {
    if (this.#state !== 'done') this.#fail(`the response is unfinished (${this.#len} bytes so far)`);
    let n = 0;
    for (const b of this.#body) n += b.length;
    const body = new Uint8Array(n);
    n = 0;
    for (const b of this.#body) {
      body.set(b, n);
      n += b.length;
    }
    return { status: this.#status, headers: this.#headers.map(([k, v]) => [k, v] as const), body };
  }

  #line(): string | undefined {
    for (let i = this.#pos; i + 1 < this.#len; i++) {
      if (this.#buf[i] === 0x0d && this.#buf[i + 1] === 0x0a) {
        const line = bytesToByteString(this.#buf.subarray(this.#pos, i));
        this.#pos = i + 2;
        return line;
      }
    }
    return undefined;
  }

  #advance(): void {
    for (;;) {
      const s = this.#state;
      if (s === 'done') {
        if (this.#pos < this.#len) this.#fail('unexpected bytes after the end of the response');
        return;
      }
      if (s === 'body') {
        const have = this.#len - this.#pos;
        if (have > this.#contentLength) this.#fail(`more bytes than its Content-Length of ${this.#contentLength}`);
        if (have < this.#contentLength) return;
        this.#body.push(this.#buf.slice(this.#pos, this.#len));
        this.#pos = this.#len;
        this.#state = 'done';
        continue;
      }
      if (s === 'chunk') {
        if (this.#len - this.#pos < this.#chunkSize + 2) return;
        const end = this.#pos + this.#chunkSize;
        if (this.#buf[end] !== 0x0d || this.#buf[end + 1] !== 0x0a) this.#fail('a chunk does not end with CRLF');
        this.#body.push(this.#buf.slice(this.#pos, end));
        this.#pos = end + 2;
        this.#state = this.#chunkSize === 0 ? 'done' : 'chunk-length';
        continue;
      }
      const line = this.#line();
      if (line === undefined) return;
      if (s === 'status') {
        const m = /^HTTP\/1\.1 (\d{1,9})(?: |$)/.exec(line);
        if (!line.startsWith('HTTP/1.1 ')) this.#fail('the status line does not start with "HTTP/1.1 "');
        if (!m) this.#fail('cannot parse the status code');
        this.#status = Number(m[1]);
        this.#state = 'header';
      } else if (s === 'header') {
        if (line === '') {
          if (this.#chunked) this.#state = 'chunk-length';
          else if (this.#contentLength <= 0) this.#state = 'done';
          else this.#state = 'body';
          continue;
        }
        const colon = line.indexOf(':');
        if (colon < 0) this.#fail('a header line has no colon');
        const name = line.slice(0, colon);
        const value = line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
        this.#headers.push([name, value]);
        const lname = name.toLowerCase();
        if (lname === 'content-length' && this.#contentLength === -1) {
          const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
          if (!(n <= MAX_RESPONSE_LENGTH)) this.#fail('cannot parse the Content-Length header (or it exceeds 16 MiB)');
          this.#contentLength = n;
        } else if (lname === 'transfer-encoding') {
          if (value !== 'chunked') this.#fail(`unsupported Transfer-Encoding "${value.slice(0, 40)}"`);
          this.#chunked = true;
        }
      } else {
        const n = /^[0-9a-fA-F]{1,8}$/.test(line) ? parseInt(line, 16) : NaN;
        if (!(n <= MAX_RESPONSE_LENGTH)) this.#fail('cannot parse a chunk length (or it exceeds 16 MiB)');
        this.#chunkSize = n;
        this.#state = 'chunk';
      }
    }
  }
}

/** Parses one complete raw HTTP response (all bytes at once). Throws KMS_BAD_HTTP when malformed or unfinished. */
export function parseHttpResponse(bytes: Uint8Array, provider = ''): ParsedHttpResponse {
  const p = new HttpResponseParser(provider);
  p.feed(bytes);
  return p.response();
}
