// AWS's SigV4 test suite as kms-message runs it (KMSG `test/test_kms_request.c` `aws_sig_v4_test`):
// canonical request, string to sign, Authorization and signed request, byte for byte; and the
// kms-message request vectors (`test/{encrypt,decrypt,multibyte,host,content_length,connection_close}`).
import { describe, expect, it } from 'vitest';
import { awsDecryptRequest, awsEncryptRequest, signSigV4 } from '@fle-ts/kms';
import { parseReq, readVectorBytes, suiteCases, SUITE_CREDENTIALS, SUITE_DATE, utf8Text } from './vectors.js';

const bytesToByteString = (b: Uint8Array): string => String.fromCharCode(...b);
const crlf = (s: string): string => s.replace(/\n/g, '\r\n');

function signCase(dir: string) {
  const name = dir.split('/').pop()!;
  const req = parseReq(readVectorBytes(`${dir}/${name}.req`));
  const signed = signSigV4({
    method: req.method,
    pathAndQuery: utf8Text(req.pathAndQuery),
    headers: req.headers.map(([n, v]) => [utf8Text(n), utf8Text(v)] as const),
    body: utf8Text(req.body),
    region: 'us-east-1',
    service: 'service',
    ...SUITE_CREDENTIALS,
    date: SUITE_DATE,
    autoContentLength: false, // read_req sets auto_content_length = false
  });
  return { name, signed };
}

describe('AWS SigV4 test suite (kms-message copy, test-vectors/kms/aws-sig-v4-test-suite)', () => {
  const cases = suiteCases();
  const skippedByKmsMessage = cases.filter((c) => c.includes('post-sts-token'));

  it('has the 31 cases qe-kms-vectors.md §B.1 counts (29 that kms-message runs + 2 post-sts-token)', () => {
    expect(cases).toHaveLength(31);
    expect(skippedByKmsMessage).toHaveLength(2);
  });

  for (const dir of cases.filter((c) => !c.includes('post-sts-header-after'))) {
    it(`${dir}: creq, sts, authz and sreq byte for byte`, () => {
      const { name, signed } = signCase(dir);
      expect(bytesToByteString(signed.canonicalRequest)).toBe(readVectorBytes(`${dir}/${name}.creq`));
      expect(bytesToByteString(signed.stringToSign)).toBe(readVectorBytes(`${dir}/${name}.sts`));
      expect(signed.authorization).toBe(utf8Text(readVectorBytes(`${dir}/${name}.authz`)));
      expect(bytesToByteString(signed.request)).toBe(crlf(readVectorBytes(`${dir}/${name}.sreq`)));
    });
  }

  it('post-sts-header-after: creq, sts and authz (the token header is added after signing, which fle-ts never does)', () => {
    const dir = 'aws-sig-v4-test-suite/post-sts-token/post-sts-header-after';
    const { name, signed } = signCase(dir);
    expect(bytesToByteString(signed.canonicalRequest)).toBe(readVectorBytes(`${dir}/${name}.creq`));
    expect(bytesToByteString(signed.stringToSign)).toBe(readVectorBytes(`${dir}/${name}.sts`));
    expect(signed.authorization).toBe(readVectorBytes(`${dir}/${name}.authz`));
  });
});

// The ciphertext blob of KMSG test/test_kms_request.c `decrypt_request_test`.
const CIPHERTEXT_BLOB = Uint8Array.from(atob(
  'AQICAHjzjtjUxrr7oc/BHmjyoZGeNk10osSeMGcIUzMNzeDJGwFgMNRznpAfp0NVhCb51fCxAAAAZDBiBgkqhkiG9w0BBwagVTBTAgEAME4GCSqGSIb3DQEHATAeBglghkgBZQMEAS4wEQQMoscSHCU4DuwIHyMJAgEQgCFhA83L4qw2T3PbG3MuM9pFUfTNwP/S4bnEwg6/U5BGGEI=',
), (c) => c.charCodeAt(0));

describe('kms-message request vectors (test-vectors/kms/kms-message-test)', () => {
  const foo = { region: 'foo-region', service: 'foo-service', accessKeyId: 'foo-akid', secretAccessKey: 'foo-key', date: SUITE_DATE };

  it('host: Host is derived from service and region', () => {
    const s = signSigV4({ method: 'POST', pathAndQuery: '/', ...foo });
    expect(bytesToByteString(s.request)).toBe(crlf(readVectorBytes('kms-message-test/host/host.sreq')));
  });

  it('content_length: Content-Length is added for a body', () => {
    const s = signSigV4({ method: 'POST', pathAndQuery: '/', body: 'foo-payload', ...foo });
    expect(bytesToByteString(s.request)).toBe(crlf(readVectorBytes('kms-message-test/content_length/content_length.sreq')));
  });

  it('connection_close: Connection is sent but neither canonical nor signed', () => {
    const s = signSigV4({ method: 'POST', pathAndQuery: '/', headers: [['Connection', 'close']], ...foo });
    expect(bytesToByteString(s.request)).toBe(crlf(readVectorBytes('kms-message-test/connection_close/connection_close.sreq')));
  });

  it('multibyte: UTF-8 path, query, region, service, header name and value, and a body with a NUL', () => {
    const EU = '\u20ac';
    const s = signSigV4({
      method: 'GET',
      pathAndQuery: `/${EU}/?euro=${EU}`,
      headers: [[EU, `${EU}asdf${EU}`]],
      body: `${EU}\0`, // sizeof(EU) in the C test: the three bytes and the terminating NUL
      region: EU,
      service: EU,
      ...SUITE_CREDENTIALS,
      date: SUITE_DATE,
    });
    expect(bytesToByteString(s.canonicalRequest)).toBe(readVectorBytes('kms-message-test/multibyte/multibyte.creq'));
    // The C test compares C strings, so its .sreq ends before the body's NUL.
    expect(bytesToByteString(s.request)).toBe(`${crlf(readVectorBytes('kms-message-test/multibyte/multibyte.sreq'))}\0`);
  });

  // kms_encrypt_request_new / kms_decrypt_request_new with service "service" and no Connection
  // header: the KMS body and headers; fle-ts's builders add Connection: close and service "kms" as
  // libmongocrypt does, so these two go through signSigV4 with the builders' exact bodies.
  it('encrypt: the TrentService.Encrypt request ({"Plaintext": "Zm9vYmFy", "KeyId": "alias/1"})', () => {
    const s = signSigV4({
      method: 'POST',
      pathAndQuery: '/',
      headers: [['Content-Type', 'application/x-amz-json-1.1'], ['X-Amz-Target', 'TrentService.Encrypt']],
      body: '{"Plaintext": "Zm9vYmFy", "KeyId": "alias/1"}',
      region: 'us-east-1',
      service: 'service',
      ...SUITE_CREDENTIALS,
      date: SUITE_DATE,
    });
    expect(bytesToByteString(s.canonicalRequest)).toBe(readVectorBytes('kms-message-test/encrypt/encrypt.creq'));
    expect(bytesToByteString(s.request)).toBe(crlf(readVectorBytes('kms-message-test/encrypt/encrypt.sreq')));
  });

  it('decrypt: the TrentService.Decrypt request', () => {
    const s = signSigV4({
      method: 'POST',
      pathAndQuery: '/',
      headers: [['Content-Type', 'application/x-amz-json-1.1'], ['X-Amz-Target', 'TrentService.Decrypt']],
      body: `{"CiphertextBlob": "${btoa(String.fromCharCode(...CIPHERTEXT_BLOB))}"}`,
      region: 'us-east-1',
      service: 'service',
      ...SUITE_CREDENTIALS,
      date: SUITE_DATE,
    });
    expect(bytesToByteString(s.canonicalRequest)).toBe(readVectorBytes('kms-message-test/decrypt/decrypt.creq'));
    expect(bytesToByteString(s.request)).toBe(crlf(readVectorBytes('kms-message-test/decrypt/decrypt.sreq')));
  });

  it('the builders produce exactly those bodies and headers (service kms, plus Connection: close)', () => {
    const enc = awsEncryptRequest({
      credentials: SUITE_CREDENTIALS,
      masterKey: { region: 'us-east-1', key: 'alias/1' },
      plaintext: new TextEncoder().encode('foobar'),
      date: SUITE_DATE,
    });
    expect(new TextDecoder().decode(enc.body)).toBe('{"Plaintext": "Zm9vYmFy", "KeyId": "alias/1"}');
    expect(enc.headers.map(([n]) => n)).toEqual(['Connection', 'Content-Length', 'Content-Type', 'Host', 'X-Amz-Date', 'X-Amz-Target', 'Authorization']);
    expect(enc.headers.find(([n]) => n === 'Host')![1]).toBe('kms.us-east-1.amazonaws.com');
    const dec = awsDecryptRequest({
      credentials: SUITE_CREDENTIALS,
      masterKey: { region: 'us-east-1', key: 'alias/1' },
      ciphertext: CIPHERTEXT_BLOB,
      date: SUITE_DATE,
    });
    expect(new TextDecoder().decode(dec.body)).toBe(`{"CiphertextBlob": "${btoa(String.fromCharCode(...CIPHERTEXT_BLOB))}"}`);
    expect(dec.headers.find(([n]) => n === 'X-Amz-Target')![1]).toBe('TrentService.Decrypt');
  });
});
