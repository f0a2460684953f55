// GCP: RSASSA-PKCS1-v1_5 SHA-256 against node:crypto, the service-account JWT, the OAuth and
// encrypt/decrypt requests byte for byte against libmongocrypt 1.7.2 (mcoracle kms-request at a
// fixed clock), and the answers (libmongocrypt's kms-gcp/*.txt and kms-tests.json GCP cases).
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  gcpDecryptRequest, gcpEncryptRequest, gcpJwtAssertion, gcpOAuthRequest, KmsError, parseGcpDecryptResponse,
  parseGcpEncryptResponse, parseHttpResponse, parseOAuthResponse, parseRsaPrivateKey, rsaSignPkcs1Sha256,
} from '@fle-ts/kms';
import { describeOracle } from '../../../scripts/test-support/mcoracle.js';
import { oracleKmsRequest, scratch } from './oracle.js';
import { readVectorBytes } from './vectors.js';
import { catchKms } from './catch-kms.js';

const KEY = JSON.parse(readVectorBytes('gcp-test-key.json')) as { email: string; privateKeyPkcs8: string; privateKeyPkcs1: string; publicKeySpki: string };
const fromB64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const b64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));
const b64url = (s: string): Uint8Array => fromB64(s.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(s.length / 4) * 4, '='));
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const PUBLIC = createPublicKey({ key: Buffer.from(KEY.publicKeySpki, 'base64'), format: 'der', type: 'spki' });
const NODE_PRIVATE = { key: Buffer.from(KEY.privateKeyPkcs8, 'base64'), format: 'der', type: 'pkcs8' } as const;
const CREDS = { email: KEY.email, privateKey: KEY.privateKeyPkcs8 };
const T = 1440938160;


describe('RSASSA-PKCS1-v1_5 SHA-256 equals node:crypto', () => {
  const key8 = parseRsaPrivateKey(fromB64(KEY.privateKeyPkcs8), 'gcp', 'privateKey');
  const key1 = parseRsaPrivateKey(fromB64(KEY.privateKeyPkcs1), 'gcp', 'privateKey');

  it('PKCS#8 and PKCS#1 DER parse to the same key of 256 bytes', () => {
    expect(key1).toEqual(key8);
    expect(key8.size).toBe(256);
    expect(key8.e).toBe(65537n);
  });

  it('random messages (property, 25 runs): same bytes as node:crypto sign(), and they verify', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 500 }), (m) => {
      const ours = rsaSignPkcs1Sha256(key8, m, 'gcp');
      expect(Buffer.from(ours).equals(sign('sha256', m, NODE_PRIVATE))).toBe(true);
      expect(verify('sha256', m, PUBLIC, ours)).toBe(true);
    }), { numRuns: 25 });
  });

  it('fresh keys of 2048 and 3072 bits, with e = 65537 and e = 3', () => {
    for (const [bits, e] of [[2048, 65537], [3072, 65537], [2048, 3]] as const) {
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits, publicExponent: e });
      const der = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
      const m = new TextEncoder().encode(`message for ${bits}/${e}`);
      const ours = rsaSignPkcs1Sha256(parseRsaPrivateKey(der, 'gcp', 'privateKey'), m, 'gcp');
      expect(b64(ours)).toBe(sign('sha256', m, privateKey).toString('base64'));
    }
  });

  it('random bytes and truncations of a real key only ever give KMS_BAD_OPTIONS (property)', () => {
    const der = fromB64(KEY.privateKeyPkcs8);
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.integer({ min: 0, max: der.length - 1 }).map((n) => der.subarray(0, n))), (b) => {
      const e = catchKms(() => parseRsaPrivateKey(b, 'gcp', 'privateKey'));
      expect(e.code).toBe('KMS_BAD_OPTIONS');
    }), { numRuns: 300 });
  });

  it('signing time for a 2048-bit key (printed)', () => {
    const m = new Uint8Array(300);
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) rsaSignPkcs1Sha256(key8, m, 'gcp');
    const ms = (performance.now() - t0) / 5;
    console.log(`[kms] RSA-2048 PKCS#1 v1.5 sign: ${ms.toFixed(1)} ms per signature`);
    expect(ms).toBeLessThan(2000);
  });

  it('bad keys are KMS_BAD_OPTIONS without key bytes: garbage, truncated, an EC key, a 1024-bit key, an inconsistent key', () => {
    const der = fromB64(KEY.privateKeyPkcs8);
    for (const bad of [new Uint8Array([1, 2, 3]), der.subarray(0, 500)]) {
      const e = catchKms(() => parseRsaPrivateKey(bad, 'gcp', "kmsProviders['gcp'].privateKey"));
      expect([e.code, e.message]).toEqual(['KMS_BAD_OPTIONS', expect.stringContaining('PKCS#8 or PKCS#1')]);
    }
    const ec = new Uint8Array(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'der' }));
    expect(catchKms(() => parseRsaPrivateKey(ec, 'gcp', 'k')).message).toContain('not an RSA key');
    const small = new Uint8Array(generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'der' }));
    expect(catchKms(() => parseRsaPrivateKey(small, 'gcp', 'k')).message).toContain('1024 bits');
    const k = parseRsaPrivateKey(der, 'gcp', 'k');
    const e = catchKms(() => rsaSignPkcs1Sha256({ ...k, dp: k.dp + 2n }, new Uint8Array(1), 'gcp'));
    expect(e.message).toContain('inconsistent');
    const secretHex = k.d.toString(16).slice(0, 16);
    expect(e.message).not.toContain(secretHex);
  });
});

describe('GCP service-account JWT', () => {
  it('header, exact claims, exp = iat + 300, and a signature that node:crypto verifies', () => {
    const jwt = gcpJwtAssertion({ credentials: CREDS, date: new Date(T * 1000 + 999) });
    const [h, c, s] = jwt.split('.') as [string, string, string];
    expect(text(b64url(h))).toBe('{"alg":"RS256","typ":"JWT"}');
    expect(text(b64url(c))).toBe(`{"iss": "${KEY.email}", "aud": "https://oauth2.googleapis.com/token", "scope": "https://www.googleapis.com/auth/cloudkms", "iat": ${T}, "exp": ${T + 300}}`);
    expect(verify('sha256', new TextEncoder().encode(`${h}.${c}`), PUBLIC, b64url(s))).toBe(true);
    expect(s.endsWith('==')).toBe(true); // kms-message keeps base64 padding in base64url
  });

  it('custom endpoints: aud from the OAuth host, scope from the masterKey endpoint domain', () => {
    const jwt = gcpJwtAssertion({ credentials: { ...CREDS, endpoint: 'oauth.example.com:9443' }, masterKeyEndpoint: 'kms.example.org', date: new Date(T * 1000) });
    const claims = JSON.parse(text(b64url(jwt.split('.')[1]!))) as Record<string, unknown>;
    expect(claims.aud).toBe('https://oauth.example.com/token');
    expect(claims.scope).toBe('https://www.example.org/auth/cloudkms');
  });

  it('bad options are KMS_BAD_OPTIONS naming the provider and field', () => {
    const e = catchKms(() => gcpOAuthRequest({ credentials: { email: KEY.email, privateKey: 'not base64!' }, date: new Date(), provider: 'gcp:two' }));
    expect(e.code).toBe('KMS_BAD_OPTIONS');
    expect(e.message).toContain("KMS provider 'gcp:two'");
    expect(e.message).toContain("kmsProviders['gcp:two'].privateKey");
    expect(catchKms(() => gcpOAuthRequest({ credentials: { email: '', privateKey: KEY.privateKeyPkcs8 }, date: new Date() })).message).toContain('.email');
    expect(catchKms(() => gcpEncryptRequest({ accessToken: 't', masterKey: { projectId: 'p/../x', location: 'l', keyRing: 'r', keyName: 'k' }, plaintext: new Uint8Array(96) })).message).toContain('masterKey.projectId');
  });
});

const MASTER_KEYS = [
  { projectId: 'test-project', location: 'global', keyRing: 'ring', keyName: 'key' },
  { projectId: 'p-2', location: 'us-east1', keyRing: 'r_1', keyName: 'k.1', keyVersion: '3', endpoint: 'cloudkms.example.com:8443' },
] as const;
const DEK = Uint8Array.from({ length: 96 }, (_, i) => 255 - i);
const crlfFile = (rel: string): string => scratch(rel.replace('/', '-'), readVectorBytes(rel).replace(/\n/g, '\r\n'));

describeOracle('GCP requests equal libmongocrypt 1.7.2 byte for byte (mcoracle kms-request)', () => {
  for (const creds of [CREDS, { ...CREDS, endpoint: 'oauth.example.com' }]) {
    for (const mk of MASTER_KEYS) {
      const name = `${creds === CREDS ? 'default' : 'custom'} OAuth host, masterKey ${JSON.stringify(mk)}`;
      const datakeyArgs = ['--provider', 'gcp', '--master-key', JSON.stringify(mk), '--material', b64(DEK)];
      const gcp = { gcp: { email: creds.email, privateKey: creds.privateKey, ...('endpoint' in creds ? { endpoint: creds.endpoint } : {}) } };

      it(`OAuth request with its JWT: ${name}`, () => {
        const expected = oracleKmsRequest(T, gcp, datakeyArgs);
        const ours = gcpOAuthRequest({ credentials: creds, masterKeyEndpoint: 'endpoint' in mk ? mk.endpoint : undefined, date: new Date(T * 1000) });
        expect(text(ours.bytes)).toBe(text(expected));
      });

      it(`encrypt request after the OAuth answer: ${name}`, () => {
        const expected = oracleKmsRequest(T, gcp, [...datakeyArgs, '--response', crlfFile('kms-gcp/oauth-response.txt')]);
        const ours = gcpEncryptRequest({ accessToken: 'test-access-token', masterKey: mk, plaintext: DEK });
        expect(text(ours.bytes)).toBe(text(expected));
      });

      it(`decrypt request of a key document: ${name}`, () => {
        const material = Uint8Array.from({ length: 150 }, (_, i) => i ^ 0x5a);
        const keyId = Uint8Array.from({ length: 16 }, (_, i) => 0xc0 + i);
        const date = { $date: { $numberLong: '1600000000000' } };
        const keys = scratch('gcp-keys.json', JSON.stringify([{
          _id: { $binary: { base64: b64(keyId), subType: '04' } }, keyMaterial: { $binary: { base64: b64(material), subType: '00' } },
          creationDate: date, updateDate: date, status: { $numberInt: '0' }, masterKey: { provider: 'gcp', ...mk },
        }]));
        const blob = new Uint8Array(82);
        blob[0] = 2;
        blob.set(keyId, 1);
        blob[17] = 2;
        const values = scratch('gcp-values.json', JSON.stringify([{ v: { $binary: { base64: b64(blob), subType: '06' } } }]));
        const expected = oracleKmsRequest(T, gcp, ['--keys', keys, '--values', values, '--response', crlfFile('kms-gcp/oauth-response.txt')]);
        const ours = gcpDecryptRequest({ accessToken: 'test-access-token', masterKey: mk, ciphertext: material });
        expect(text(ours.bytes)).toBe(text(expected));
      });
    }
  }
});

describe('GCP answers', () => {
  const raw = (rel: string) => parseHttpResponse(new TextEncoder().encode(readVectorBytes(rel).replace(/\n/g, '\r\n')), 'gcp');

  it('kms-gcp/*.txt: the token, the ciphertext and the 96-byte plaintext', () => {
    expect(parseOAuthResponse(raw('kms-gcp/oauth-response.txt'), 'gcp')).toEqual({ accessToken: 'test-access-token', expiresInSeconds: 3599 });
    expect(parseGcpEncryptResponse(raw('kms-gcp/encrypt-response.txt')).length).toBeGreaterThan(96);
    expect(parseGcpDecryptResponse(raw('kms-gcp/decrypt-response.txt'))).toEqual(Uint8Array.from({ length: 96 }, (_, i) => i));
  });

  interface Case { description: string; ctx: string[]; http_reply: string[]; expect: string | string[] }
  const cases = (JSON.parse(readVectorBytes('kms-tests.json')) as Case[]).filter((c) => c.ctx.some((x) => x.startsWith('gcp')));
  const codeFor: Record<string, string> = {
    'Successful oauth request': 'ok',
    'GCP invalid signature': 'KMS_HTTP_ERROR',
    'GCP invalid ciphertext': 'KMS_HTTP_ERROR',
    'Bad JSON in response': 'KMS_BAD_RESPONSE',
    'JSON in response missing needed field': 'KMS_BAD_RESPONSE',
    'Chunked transfer with INT_MAX chunk size (MONGOCRYPT-910)': 'KMS_BAD_HTTP',
    'Content-Length too large': 'KMS_BAD_HTTP',
  };
  it('kms-tests.json has 7 GCP cases', () => expect(cases).toHaveLength(7));
  for (const c of cases) {
    for (const ctx of c.ctx.filter((x) => x.startsWith('gcp'))) {
      it(`kms-tests.json: ${c.description} (${ctx})`, () => {
        const bytes = Uint8Array.from(c.http_reply.join(''), (ch) => ch.charCodeAt(0));
        const parse = ctx.includes('oauth') ? (r: ReturnType<typeof parseHttpResponse>) => parseOAuthResponse(r, 'gcp')
          : ctx === 'gcp_datakey' ? (r: ReturnType<typeof parseHttpResponse>) => parseGcpEncryptResponse(r)
            : (r: ReturnType<typeof parseHttpResponse>) => parseGcpDecryptResponse(r);
        const expected = codeFor[c.description];
        expect(expected).toBeDefined();
        if (expected === 'ok') {
          expect(parse(parseHttpResponse(bytes, 'gcp'))).toBeTruthy();
          return;
        }
        const e = catchKms(() => parse(parseHttpResponse(bytes, 'gcp')));
        expect(e.code).toBe(expected);
        expect(e.message).toContain("KMS provider 'gcp'");
        const want = Array.isArray(c.expect) ? c.expect.join('') : c.expect;
        if (c.description.startsWith('GCP invalid')) expect(e.message).toContain(want.includes('Invalid JWT Signature') ? 'Invalid JWT Signature' : 'Decryption failed: the ciphertext is invalid.');
      });
    }
  }
});
