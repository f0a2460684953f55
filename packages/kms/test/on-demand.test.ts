// On-demand credentials: SPEC prose test 18 (Azure IMDS: success, empty JSON, bad JSON, 404, 500,
// slow) against the loopback mock playing fake_azure.py, the GCP metadata server, the cached
// credential sources feeding the Azure and GCP providers, and AWS credentials from the environment.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  azureImdsCredentials, azureImdsToken, createAzureKmsProvider, createGcpKmsProvider, gcpMetadataCredentials, gcpMetadataToken, KmsError,
} from '@fle-ts/kms';
import { awsCredentialsFromEnv } from '@fle-ts/kms/node';
import { startMockKms, type MockKms } from './mock-kms.js';
import { catchKmsAsync } from './catch-kms.js';

let kms: MockKms;
let host: string;
beforeAll(async () => {
  kms = await startMockKms({});
  host = `127.0.0.1:${kms.port}`;
});
afterAll(() => kms.close());

const testCase = (c: string) => ({ 'X-MongoDB-HTTP-TestParams': `case=${c}` });

describe('SPEC prose test 18: Azure IMDS credentials', () => {
  it('case 1, success: token "magic-cookie", 70 s; the request had Metadata: true and the right query', async () => {
    expect(await azureImdsToken({ host })).toEqual({ accessToken: 'magic-cookie', expiresInSeconds: 70 });
    expect(kms.requests.at(-1)).toMatchObject({ target: 'azure-imds', signatureValid: true });
  });

  it('case 2, empty JSON: KMS_BAD_RESPONSE (no access_token)', async () => {
    const e = await catchKmsAsync(azureImdsToken({ host, headers: testCase('empty-json') }));
    expect([e.code, e.message]).toEqual(['KMS_BAD_RESPONSE', expect.stringContaining("'access_token'")]);
  });

  it('case 3, bad JSON: KMS_BAD_RESPONSE', async () => {
    expect((await catchKmsAsync(azureImdsToken({ host, headers: testCase('bad-json') }))).message).toContain('not JSON');
  });

  it('case 4, HTTP 404 and case 5, HTTP 500: KMS_HTTP_ERROR with the status', async () => {
    for (const [c, status] of [['404', 404], ['500', 500]] as const) {
      const e = await catchKmsAsync(azureImdsToken({ host, headers: testCase(c) }));
      expect([e.code, e.httpStatus, e.provider]).toEqual(['KMS_HTTP_ERROR', status, 'azure']);
    }
  });

  it('case 6, slow: KMS_TIMEOUT (timeoutMs shortened from the 10 s default)', async () => {
    const t0 = Date.now();
    const e = await catchKmsAsync(azureImdsToken({ host, headers: testCase('slow'), timeoutMs: 300 }));
    expect(e.code).toBe('KMS_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it('unreachable IMDS: KMS_NETWORK', async () => {
    const e = await catchKmsAsync(azureImdsToken({ host: '127.0.0.1:1' }));
    expect(e.code).toBe('KMS_NETWORK');
  });

  it('the credential source caches the token until a minute before expiry (70 s token: renewed after 10 s)', async () => {
    let t = Date.UTC(2030, 0, 1);
    const source = azureImdsCredentials({ host, now: () => new Date(t) });
    const imds = (): number => kms.requests.filter((r) => r.target === 'azure-imds').length;
    const n0 = imds();
    expect(await source()).toEqual({ accessToken: 'magic-cookie' });
    t += 9_000;
    await source();
    expect(imds() - n0).toBe(1);
    t += 2_000;
    await source();
    expect(imds() - n0).toBe(2);
  });

  it('an Azure provider with IMDS credentials wraps and unwraps through the mock Key Vault', async () => {
    const p = createAzureKmsProvider('azure', azureImdsCredentials({ host }), { protocol: 'http:' });
    const mk = { provider: 'azure', keyVaultEndpoint: host, keyName: 'k' };
    const dek = new Uint8Array(96).fill(7);
    expect(await p.unwrap(await p.wrap(dek, mk), mk)).toEqual(dek);
  });
});

describe('GCP metadata server credentials', () => {
  it('token with Metadata-Flavor: Google; errors typed; a GCP provider works with it', async () => {
    expect(await gcpMetadataToken({ host })).toEqual({ accessToken: 'magic-cookie', expiresInSeconds: 70 });
    expect(kms.requests.at(-1)).toMatchObject({ target: 'gcp-metadata', signatureValid: true });
    expect((await catchKmsAsync(gcpMetadataToken({ host, headers: testCase('500') }))).code).toBe('KMS_HTTP_ERROR');
    const p = createGcpKmsProvider('gcp', gcpMetadataCredentials({ host }), { protocol: 'http:' });
    const mk = { provider: 'gcp', projectId: 'p', location: 'l', keyRing: 'r', keyName: 'k', endpoint: host };
    const dek = new Uint8Array(96).fill(9);
    expect(await p.unwrap(await p.wrap(dek, mk), mk)).toEqual(dek);
  });
});

describe('AWS credentials from the environment (@fle-ts/kms/node)', () => {
  it('reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, or gives undefined', () => {
    expect(awsCredentialsFromEnv({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S' })).toEqual({ accessKeyId: 'A', secretAccessKey: 'S' });
    expect(awsCredentialsFromEnv({ AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S', AWS_SESSION_TOKEN: 'T' })).toEqual({ accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' });
    expect(awsCredentialsFromEnv({ AWS_ACCESS_KEY_ID: 'A' })).toBeUndefined();
  });
});
