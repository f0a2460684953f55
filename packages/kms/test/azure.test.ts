// Azure: the client-credentials token request and wrapkey/unwrapkey requests byte for byte against
// libmongocrypt 1.7.2 (mcoracle kms-request), and the answers (libmongocrypt's kms-azure/*.txt and
// the Azure cases of kms-tests.json).
import { describe, expect, it } from 'vitest';
import {
  azureOAuthRequest, azureUnwrapKeyRequest, azureWrapKeyRequest, KmsError, parseAzureKeyResponse, parseHttpResponse, parseOAuthResponse,
} from '@fle-ts/kms';
import { describeOracle } from '../../../scripts/test-support/mcoracle.js';
import { oracleKmsRequest, scratch } from './oracle.js';
import { readVectorBytes } from './vectors.js';
import { catchKms } from './catch-kms.js';

const b64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const CREDS = { tenantId: 'f8a4c2de-1b1f-4b6a-9a0e-0123456789ab', clientId: '0b1c2d3e-client-id', clientSecret: 'Sec.ret~_-abc123' };
const DEK = Uint8Array.from({ length: 96 }, (_, i) => (i * 5) & 0xff);


const MASTER_KEYS = [
  { keyVaultEndpoint: 'my-vault.vault.azure.net', keyName: 'my-key', keyVersion: '0123456789abcdef' },
  { keyVaultEndpoint: 'kv.vault.example.cn:8443', keyName: 'k' }, // no version: /keys/k//wrapkey
] as const;
const crlfFile = (rel: string): string => scratch(rel.replace('/', '-'), readVectorBytes(rel).replace(/\n/g, '\r\n'));

describeOracle('Azure requests equal libmongocrypt 1.7.2 byte for byte (mcoracle kms-request)', () => {
  for (const creds of [CREDS, { ...CREDS, identityPlatformEndpoint: 'login.example.com:9443' }]) {
    for (const mk of MASTER_KEYS) {
      const name = `${creds === CREDS ? 'default' : 'custom'} identity platform, masterKey ${JSON.stringify(mk)}`;
      const args = ['--provider', 'azure', '--master-key', JSON.stringify(mk), '--material', b64(DEK)];

      it(`token request: ${name}`, () => {
        const expected = oracleKmsRequest(1440938160, { azure: creds }, args);
        const ours = azureOAuthRequest({ credentials: creds, keyVaultEndpoint: mk.keyVaultEndpoint });
        expect(text(ours.bytes)).toBe(text(expected));
      });

      it(`wrapkey request after the token answer: ${name}`, () => {
        const expected = oracleKmsRequest(1440938160, { azure: creds }, [...args, '--response', crlfFile('kms-azure/oauth-response.txt')]);
        const ours = azureWrapKeyRequest({ accessToken: 'test-access-token', masterKey: mk, plaintext: DEK });
        expect(text(ours.bytes)).toBe(text(expected));
      });

      it(`unwrapkey request of a key document: ${name}`, () => {
        const material = Uint8Array.from({ length: 256 }, (_, i) => i);
        const keyId = Uint8Array.from({ length: 16 }, (_, i) => 0xd0 + i);
        const date = { $date: { $numberLong: '1600000000000' } };
        const keys = scratch('azure-keys.json', JSON.stringify([{
          _id: { $binary: { base64: b64(keyId), subType: '04' } }, keyMaterial: { $binary: { base64: b64(material), subType: '00' } },
          creationDate: date, updateDate: date, status: { $numberInt: '0' }, masterKey: { provider: 'azure', ...mk },
        }]));
        const blob = new Uint8Array(82);
        blob[0] = 2;
        blob.set(keyId, 1);
        blob[17] = 2;
        const values = scratch('azure-values.json', JSON.stringify([{ v: { $binary: { base64: b64(blob), subType: '06' } } }]));
        const expected = oracleKmsRequest(1440938160, { azure: creds }, ['--keys', keys, '--values', values, '--response', crlfFile('kms-azure/oauth-response.txt')]);
        const ours = azureUnwrapKeyRequest({ accessToken: 'test-access-token', masterKey: mk, ciphertext: material });
        expect(text(ours.bytes)).toBe(text(expected));
      });
    }
  }
});

describe('Azure requests: encoding and bad options', () => {
  it('a client secret with reserved characters is form-encoded (libmongocrypt would send it raw)', () => {
    const r = azureOAuthRequest({ credentials: { ...CREDS, clientSecret: 'a+b/c=d&e' } });
    expect(text(r.body)).toContain('client_secret=a%2Bb%2Fc%3Dd%26e&');
  });

  it('missing fields and path-changing names are KMS_BAD_OPTIONS naming the provider, never echoing the secret', () => {
    const e = catchKms(() => azureOAuthRequest({ credentials: { ...CREDS, clientId: '' }, provider: 'azure:eu' }));
    expect(e.message).toContain("KMS provider 'azure:eu'");
    expect(e.message).toContain("kmsProviders['azure:eu'].clientId");
    expect(e.message).not.toContain(CREDS.clientSecret);
    expect(catchKms(() => azureWrapKeyRequest({ accessToken: 't', masterKey: { keyVaultEndpoint: 'v.vault.azure.net', keyName: '../x' }, plaintext: DEK })).message).toContain('masterKey.keyName');
    expect(catchKms(() => azureWrapKeyRequest({ accessToken: 't', masterKey: { keyVaultEndpoint: 'novault', keyName: 'k' }, plaintext: DEK })).message).toContain('expected a dot');
    expect(catchKms(() => azureWrapKeyRequest({ accessToken: 't\r\nX: y', masterKey: MASTER_KEYS[0], plaintext: DEK })).message).toContain('line breaks');
  });
});

describe('Azure answers', () => {
  const raw = (rel: string) => parseHttpResponse(new TextEncoder().encode(readVectorBytes(rel).replace(/\n/g, '\r\n')), 'azure');

  it('kms-azure/*.txt: the token, the wrapped key and the 96-byte unwrapped key', () => {
    expect(parseOAuthResponse(raw('kms-azure/oauth-response.txt'), 'azure')).toEqual({ accessToken: 'test-access-token', expiresInSeconds: 3599 });
    expect(parseAzureKeyResponse(raw('kms-azure/encrypt-response.txt')).length).toBe(256);
    expect(parseAzureKeyResponse(raw('kms-azure/decrypt-response.txt')).length).toBe(96);
  });

  interface Case { description: string; ctx: string[]; http_reply: string[] }
  const cases = (JSON.parse(readVectorBytes('kms-tests.json')) as Case[]).filter((c) => c.ctx.some((x) => x.startsWith('azure')));
  const codeFor: Record<string, string> = {
    'Successful oauth request': 'ok',
    'Invalid client id in Azure oauth request': 'KMS_HTTP_ERROR',
    'Bad JSON in response': 'KMS_BAD_RESPONSE',
    'JSON in response missing needed field': 'KMS_BAD_RESPONSE',
    'Chunked transfer with INT_MAX chunk size (MONGOCRYPT-910)': 'KMS_BAD_HTTP',
    'Content-Length too large': 'KMS_BAD_HTTP',
  };
  it('kms-tests.json has 6 Azure cases', () => expect(cases).toHaveLength(6));
  for (const c of cases) {
    for (const ctx of c.ctx.filter((x) => x.startsWith('azure'))) {
      it(`kms-tests.json: ${c.description} (${ctx})`, () => {
        const bytes = Uint8Array.from(c.http_reply.join(''), (ch) => ch.charCodeAt(0));
        const parse = (r: ReturnType<typeof parseHttpResponse>): unknown => (ctx.includes('oauth') ? parseOAuthResponse(r, 'azure') : parseAzureKeyResponse(r));
        const expected = codeFor[c.description];
        expect(expected).toBeDefined();
        if (expected === 'ok') {
          expect(parse(parseHttpResponse(bytes, 'azure'))).toBeTruthy();
          return;
        }
        const e = catchKms(() => parse(parseHttpResponse(bytes, 'azure')));
        expect(e.code).toBe(expected);
        expect(e.message).toContain("KMS provider 'azure'");
        if (c.description.startsWith('Invalid client id')) expect(e.message).toContain("Application with identifier 'CLIENT_ID' was not found");
      });
    }
  }
});
