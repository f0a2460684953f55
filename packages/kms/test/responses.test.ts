// AWS KMS responses: libmongocrypt's response cases (test-vectors/kms/kms-tests.json, the AWS
// contexts "datakey" = Encrypt and "decrypt" = Decrypt) and its real AWS answers (kms-aws/*.txt),
// through the raw HTTP parser and the AWS parsers; every failure is a typed KmsError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpResponseParser, KmsError, parseAwsDecryptResponse, parseAwsEncryptResponse, parseHttpResponse, type KmsErrorCode } from '@fle-ts/kms';
import { readVector, readVectorBytes } from './vectors.js';
import { catchKms } from './catch-kms.js';

interface Case { description: string; ctx: string[]; http_reply: string[]; expect: string | string[] }
const CASES = (JSON.parse(readVectorBytes('kms-tests.json')) as Case[]).filter((c) => c.ctx.includes('datakey') || c.ctx.includes('decrypt'));

// libmongocrypt's expected message -> fle-ts's code and a phrase of its message.
const OUTCOMES: Record<string, { code: KmsErrorCode; phrase: string; status?: number } | 'ok'> = {
  'Successful encryption response': 'ok',
  'Successful decryption response': 'ok',
  'Error message included in body': { code: 'KMS_HTTP_ERROR', phrase: 'validation error', status: 400 },
  'Empty body': { code: 'KMS_HTTP_ERROR', phrase: 'error 418 (empty body)', status: 418 },
  'Content-Length explicitly 0': { code: 'KMS_HTTP_ERROR', phrase: 'error 418 (empty body)', status: 418 },
  'Non-error non-200 HTTP status': { code: 'KMS_HTTP_ERROR', phrase: 'unsupported HTTP status 100', status: 100 },
  'Bad JSON in response': { code: 'KMS_BAD_RESPONSE', phrase: 'not JSON' },
  'Non-numeric status in response': { code: 'KMS_BAD_HTTP', phrase: 'status code' },
  'Status exceeding int range in response': { code: 'KMS_BAD_HTTP', phrase: 'status code' },
  'JSON in response missing needed field': { code: 'KMS_BAD_RESPONSE', phrase: 'does not include the string field' },
  'Encryption response with invalid base64': { code: 'KMS_BAD_RESPONSE', phrase: 'not valid base64' },
  'Chunked transfer with INT_MAX chunk size (MONGOCRYPT-910)': { code: 'KMS_BAD_HTTP', phrase: 'chunk length' },
};


const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe('libmongocrypt kms-tests.json, AWS contexts', () => {
  it('has the 15 AWS cases', () => expect(CASES).toHaveLength(15));

  for (const c of CASES) {
    for (const ctx of c.ctx.filter((x) => x === 'datakey' || x === 'decrypt')) {
      it(`${c.description} (${ctx})`, () => {
        const raw = bytesOf(c.http_reply.join(''));
        const parseAws = ctx === 'datakey' ? parseAwsEncryptResponse : parseAwsDecryptResponse;
        const run = (): Uint8Array => parseAws(parseHttpResponse(raw, 'aws'), 'aws');
        if (c.description === 'Content-Length too large') {
          if (c.expect === 'KMS response unfinished') {
            const p = new HttpResponseParser('aws');
            p.feed(raw);
            expect(p.done).toBe(false);
            expect(p.bytesNeeded()).toBe(1234 - 3);
            expect(catchKms(() => p.response()).code).toBe('KMS_BAD_HTTP');
          } else {
            const e = catchKms(run);
            expect([e.code, e.message]).toEqual(['KMS_BAD_HTTP', expect.stringContaining('Content-Length')]);
          }
          return;
        }
        if (c.description === 'Content-Length too small') {
          const p = new HttpResponseParser('aws');
          const e = catchKms(() => p.feed(raw));
          expect(e.code).toBe('KMS_BAD_HTTP');
          return;
        }
        const outcome = OUTCOMES[c.description];
        expect(outcome, `an outcome for "${c.description}"`).toBeDefined();
        if (outcome === 'ok') {
          const bytes = run();
          const field = ctx === 'datakey' ? 'CiphertextBlob' : 'Plaintext';
          const body = JSON.parse(c.http_reply.at(-1)!) as Record<string, string>;
          expect(btoa(String.fromCharCode(...bytes))).toBe(body[field]);
          if (ctx === 'decrypt') expect(bytes).toHaveLength(96);
          return;
        }
        const e = catchKms(run);
        expect(e.code).toBe(outcome!.code);
        expect(e.message).toContain(outcome!.phrase);
        expect(e.message).toContain("KMS provider 'aws'");
        expect(e.provider).toBe('aws');
        if (outcome!.status !== undefined) expect(e.httpStatus).toBe(outcome!.status);
      });
    }
  }
});

describe('libmongocrypt kms-aws/*.txt (LF in the files, CRLF on the wire)', () => {
  const crlf = (rel: string): Uint8Array => bytesOf(readVectorBytes(rel).replace(/\n/g, '\r\n'));

  it('encrypt-response.txt gives the CiphertextBlob, fed whole or as bytesNeeded() asks', () => {
    const raw = crlf('kms-aws/encrypt-response.txt');
    const whole = parseAwsEncryptResponse(parseHttpResponse(raw));
    const p = new HttpResponseParser('aws');
    let at = 0;
    while (!p.done) {
      const n = Math.min(p.bytesNeeded(7), raw.length - at);
      expect(n).toBeGreaterThan(0);
      p.feed(raw.subarray(at, at + n));
      at += n;
    }
    expect(at).toBe(raw.length);
    expect(parseAwsEncryptResponse(p.response())).toEqual(whole);
    expect(whole.length).toBeGreaterThan(96);
  });

  it('decrypt-response.txt gives the 96-byte Plaintext', () => {
    expect(parseAwsDecryptResponse(parseHttpResponse(crlf('kms-aws/decrypt-response.txt')))).toHaveLength(96);
  });

  it('encrypt-response-partial.txt is unfinished', () => {
    const p = new HttpResponseParser('aws');
    p.feed(crlf('kms-aws/encrypt-response-partial.txt'));
    expect(p.done).toBe(false);
    expect(p.bytesNeeded()).toBeGreaterThan(0);
  });

  it('the raw vector file is LF only (the test converts it)', () => {
    expect(readVector('kms-aws/decrypt-response.txt').includes(0x0d)).toBe(false);
  });
});

describe('AWS response parsing: more cases', () => {
  const ok = (body: string, status = 200) => ({ status, body: new TextEncoder().encode(body) });

  it('an AWS error JSON names the error type and message, and the provider id (named provider)', () => {
    const e = catchKms(() => parseAwsDecryptResponse(ok('{"__type":"InvalidCiphertextException","message":"bad blob"}', 400), 'aws:prod'));
    expect(e.code).toBe('KMS_HTTP_ERROR');
    expect(e.message).toContain("KMS provider 'aws:prod'");
    expect(e.message).toContain('InvalidCiphertextException: bad blob');
  });

  it('a non-JSON error body is not copied into the message (a proxy may echo request headers)', () => {
    const secret = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
    const e = catchKms(() => parseAwsEncryptResponse(ok(`<html>Authorization: ${secret}</html>`, 502)));
    expect(e.message).not.toContain(secret);
    expect(e.message).toContain('502');
  });

  it('a 200 with JSON that is not an object, or a non-string field, is KMS_BAD_RESPONSE', () => {
    expect(catchKms(() => parseAwsEncryptResponse(ok('null'))).code).toBe('KMS_BAD_RESPONSE');
    expect(catchKms(() => parseAwsEncryptResponse(ok('{"CiphertextBlob": 5}'))).code).toBe('KMS_BAD_RESPONSE');
    expect(catchKms(() => parseAwsDecryptResponse(ok('{"Plaintext": "AAAA!"}'))).code).toBe('KMS_BAD_RESPONSE');
  });

  it('invalid base64 in a response does not echo the field (it may be key material)', () => {
    const e = catchKms(() => parseAwsDecryptResponse(ok('{"Plaintext": "c2VjcmV0a2V5bWF0ZXJpYWw*"}')));
    expect(e.message).not.toContain('c2VjcmV0');
  });

  it('base64 round trip for any bytes (property)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      const body = `{"Plaintext": "${btoa(String.fromCharCode(...b))}"}`;
      expect(parseAwsDecryptResponse(ok(body))).toEqual(b);
    }));
  });
});

describe('raw HTTP parser', () => {
  it('chunked bodies join their chunks', () => {
    const r = parseHttpResponse(bytesOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'));
    expect(new TextDecoder().decode(r.body)).toBe('abcde');
    expect(r.headers).toEqual([['Transfer-Encoding', 'chunked']]);
  });

  // KMSG test/test_kms_request.c `parser_test`: each file fed as the parser asks, at most 512 or 1
  // byte at a time, gives status 200 and the expected body.
  for (const [file, field] of [['example-response.bin', 'CiphertextBlob'], ['example-chunked-response.bin', 'access_token'], ['example-multi-chunked-response.bin', 'access_token']] as const) {
    for (const max of [512, 1]) {
      it(`kms-message-test/${file}, read ${max} at most`, () => {
        const raw = readVector(`kms-message-test/${file}`);
        const p = new HttpResponseParser();
        let at = 0;
        while (p.bytesNeeded(max) > 0) {
          const n = Math.min(p.bytesNeeded(max), raw.length - at);
          expect(n).toBeGreaterThan(0);
          p.feed(raw.subarray(at, at + n));
          at += n;
        }
        expect(at).toBe(raw.length);
        const r = p.response();
        expect(r.status).toBe(200);
        const json = JSON.parse(new TextDecoder().decode(r.body)) as Record<string, unknown>;
        expect(typeof json[field]).toBe('string');
        expect(r).toEqual(parseHttpResponse(raw));
      });
    }
  }

  it('any split of a chunked response gives the same response (property)', () => {
    const raw = readVector('kms-message-test/example-multi-chunked-response.bin');
    const whole = parseHttpResponse(raw);
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: raw.length }), { maxLength: 8 }), (cuts) => {
      const points = [...new Set([0, ...cuts, raw.length])].sort((a, b) => a - b);
      const p = new HttpResponseParser();
      for (let i = 1; i < points.length; i++) p.feed(raw.subarray(points[i - 1], points[i]));
      expect(p.response()).toEqual(whole);
    }));
  });

  it('random bytes, or a valid head with random bytes after it, only ever give KmsError (property, 1000 runs)', () => {
    const head = bytesOf('HTTP/1.1 200 OK\r\n');
    fc.assert(fc.property(fc.boolean(), fc.uint8Array({ maxLength: 300 }), (withHead, b) => {
      const p = new HttpResponseParser();
      try {
        p.feed(withHead ? new Uint8Array([...head, ...b]) : b);
        if (p.done) p.response();
      } catch (e) {
        expect(e).toBeInstanceOf(KmsError);
      }
    }), { numRuns: 1000 });
  });

  it('rejects other HTTP versions, header lines without a colon, other transfer encodings, and bytes after the end', () => {
    expect(catchKms(() => parseHttpResponse(bytesOf('HTTP/1.0 200 OK\r\n\r\n'))).code).toBe('KMS_BAD_HTTP');
    expect(catchKms(() => parseHttpResponse(bytesOf('HTTP/1.1 200 OK\r\nnocolon\r\n\r\n'))).code).toBe('KMS_BAD_HTTP');
    expect(catchKms(() => parseHttpResponse(bytesOf('HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n'))).code).toBe('KMS_BAD_HTTP');
    expect(catchKms(() => parseHttpResponse(bytesOf('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nX'))).code).toBe('KMS_BAD_HTTP');
  });
});
