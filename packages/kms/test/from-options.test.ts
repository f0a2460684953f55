// remoteKmsProviders: the driver-shaped kmsProviders option checked as libmongocrypt checks it
// (mongocrypt-opts.c), with `{}` mapped to on-demand credentials, and the providers it builds
// working under keyvault's KmsProviders against the loopback mock (aws, aws:name, azure {} via
// IMDS, gcp accessToken obtained from the mock's metadata server).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AeadKey } from '@fle-ts/crypto-core';
import { KmsProviders, MemoryKeyVault, createDataKey, KeyBroker } from '@fle-ts/keyvault';
import { KmsError, remoteKmsProviders, gcpMetadataToken } from '@fle-ts/kms';
import { startMockKms, type MockKms } from './mock-kms.js';
import { catchKms } from './catch-kms.js';

const AWS = { accessKeyId: 'AKIDOPT', secretAccessKey: 'opt-secret' };
const AWS2 = { accessKeyId: 'AKIDOPT2', secretAccessKey: 'opt-secret-2' };


describe('kmsProviders shapes (LMC _mongocrypt_parse_kms_providers)', () => {
  it('builds one provider per aws/azure/gcp/kmip entry, named ones included, and leaves local to keyvault', () => {
    const ps = remoteKmsProviders({
      local: { key: new Uint8Array(96) },
      aws: AWS, 'aws:two': { ...AWS, sessionToken: 't' },
      azure: { tenantId: 't', clientId: 'c', clientSecret: 's' }, 'azure:tok': { accessToken: 'x' },
      gcp: { email: 'e@x.iam.gserviceaccount.com', privateKey: 'AAAA' }, 'gcp:tok': { accessToken: 'y' },
      kmip: { endpoint: 'localhost:5698' },
    }, { kmipExchange: async () => new Uint8Array(0) });
    expect(ps.map((p) => p.name)).toEqual(['aws', 'aws:two', 'azure', 'azure:tok', 'gcp', 'gcp:tok', 'kmip']);
  });

  it.each([
    [{ aws: { accessKeyId: 'a' } }, "'secretAccessKey' must be a non-empty string"],
    [{ aws: { ...AWS, region: 'x' } }, "Unexpected field: 'region'"],
    [{ azure: { tenantId: 't', clientId: 'c' } }, "'clientSecret'"],
    [{ azure: { accessToken: 'x', tenantId: 't' } }, "Unexpected field: 'tenantId'"],
    [{ gcp: { email: 'e' } }, "'privateKey' is required"],
    [{ gcp: { email: 'e', privateKey: 5 } }, "'privateKey' must be bytes"],
    [{ kmip: {} }, "'endpoint' must be a non-empty string"],
    [{ kmip: { endpoint: 'h:1' } }, 'needs the kmipExchange option'],
    [{ 'aws:two': {} }, 'on-demand credentials are not supported for named KMS providers'],
    [{ 'gcp:bad-name': { accessToken: 'x' } }, '[a-zA-Z0-9_]+'],
    [{ vault: {} }, 'unknown KMS provider'],
    [{ aws: {} }, 'no credentialProviders.aws'],
  ] as const)('%j is KMS_BAD_OPTIONS: %s', (opts, phrase) => {
    const e = catchKms(() => remoteKmsProviders(opts as Record<string, unknown>));
    expect(e.code).toBe('KMS_BAD_OPTIONS');
    expect(e.message).toContain(phrase);
    expect(e.message).not.toContain('opt-secret');
  });
});

describe('a provider that is not configured (keyvault says so, before any request)', () => {
  it('createDataKey for aws:other when only aws is configured: KMS_PROVIDER_NOT_CONFIGURED naming it', async () => {
    const options = { aws: AWS };
    const kmsProviders = new KmsProviders(options, remoteKmsProviders(options));
    const e = await createDataKey(new MemoryKeyVault(), kmsProviders, 'aws:other', { masterKey: { provider: 'aws:other', region: 'r', key: 'k' } }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'KMS_PROVIDER_NOT_CONFIGURED' });
    expect((e as Error).message).toContain("'aws:other'");
  });
});

describe('the providers it builds, under keyvault, against the mock', () => {
  let kms: MockKms;
  let ep: string;
  beforeAll(async () => {
    kms = await startMockKms({ aws: { [AWS.accessKeyId]: AWS.secretAccessKey, [AWS2.accessKeyId]: AWS2.secretAccessKey } });
    ep = `127.0.0.1:${kms.port}`;
  });
  afterAll(() => kms.close());

  it('aws, aws:two (credentialProviders for {}), azure {} through IMDS, gcp accessToken: createDataKey then KeyBroker', async () => {
    const gcpToken = (await gcpMetadataToken({ host: ep })).accessToken; // a token the mock accepts
    let asked = 0;
    const options = { aws: {}, 'aws:two': AWS2, azure: {}, gcp: { accessToken: gcpToken }, local: { key: new Uint8Array(96).fill(1) } };
    const kmsProviders = new KmsProviders(options, remoteKmsProviders(options, {
      protocol: 'http:',
      credentialProviders: { aws: async () => { asked++; return AWS; } },
      azureImds: { host: ep },
    }));
    const keyVault = new MemoryKeyVault();
    const masterKeys = [
      { provider: 'aws', region: 'us-east-1', key: 'k', endpoint: ep },
      { provider: 'aws:two', region: 'us-east-1', key: 'k2', endpoint: ep },
      { provider: 'azure', keyVaultEndpoint: ep, keyName: 'k' },
      { provider: 'gcp', projectId: 'p', location: 'l', keyRing: 'r', keyName: 'k', endpoint: ep },
    ];
    const dek = Uint8Array.from({ length: 96 }, (_, i) => i);
    for (const masterKey of masterKeys) {
      const id = await createDataKey(keyVault, kmsProviders, masterKey.provider, { masterKey, keyMaterial: dek });
      const { key } = await new KeyBroker({ keyVault, kmsProviders }).getKeyById(id);
      // Only the original data key opens what the unwrapped key encrypted.
      expect(new AeadKey(dek).decrypt(key.encryptRandom(new Uint8Array([5])))).toEqual(new Uint8Array([5]));
    }
    expect(asked).toBe(2);
    expect(kms.requests.filter((r) => r.target === 'azure-imds')).toHaveLength(1);
    expect(kms.requests.every((r) => r.signatureValid)).toBe(true);
  });
});
