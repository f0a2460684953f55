// ClientEncryption with remote KMS providers built from the driver-shaped kmsProviders option
// (issue 13): aws, azure, gcp against the kms package's loopback mock (it verifies every SigV4
// signature, client secret, RS256 JWT and bearer token it receives), named providers, on-demand
// credentials ({} with credentialProviders.aws, Azure IMDS, GCP metadata), createDataKey ->
// encrypt -> decrypt (unwrap on first use, then cached), rewrapManyDataKey between every pair of
// local/aws/azure/gcp, and typed errors that name the provider and hold no secret.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Binary } from 'bson';
import { ClientEncryption } from '@fle-ts/client';
import { MemoryKeyVault, type MasterKey } from '@fle-ts/keyvault';
import { KmsError, signSigV4 } from '@fle-ts/kms';
import { nodeKmipExchange } from '@fle-ts/kms/node';
import { startMockKms, type MockKms } from '../../kms/test/mock-kms.js';
import { describeMoto, exchange, startMoto } from '../../kms/test/net-support.js';
import { describePyKmip, startPyKmip, type KmipTls } from '../../kms/test/pykmip-support.js';
import { readVectorBytes } from '../../kms/test/vectors.js';

const GCP_KEY = JSON.parse(readVectorBytes('gcp-test-key.json')) as { email: string; privateKeyPkcs8: string; publicKeySpki: string };
const AWS = { accessKeyId: 'AKIDCLIENTE2E', secretAccessKey: 'aws-secret-SENTINEL/+x' };
const AWS_NAMED = { accessKeyId: 'AKIDNAMEDE2E', secretAccessKey: 'aws-named-secret-SENTINEL' };
const AZURE = { tenantId: 'tenant-e2e', clientId: 'client-e2e', clientSecret: 'azure-secret-SENTINEL' };
const LOCAL_KEY = new Uint8Array(96).fill(0x5a);
const LOCAL_B64 = btoa(String.fromCharCode(...LOCAL_KEY));
const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
// Loopback mock: plain HTTP, no waiting between retries.
const kmsOptions = { protocol: 'http:' as const, sleep: async () => {}, backoffMs: () => 0 };

let mock: MockKms;
let ep: string;
beforeAll(async () => {
  mock = await startMockKms({
    aws: { [AWS.accessKeyId]: AWS.secretAccessKey, [AWS_NAMED.accessKeyId]: AWS_NAMED.secretAccessKey },
    azure: AZURE,
    gcp: { email: GCP_KEY.email, publicKeySpki: Uint8Array.from(atob(GCP_KEY.publicKeySpki), (c) => c.charCodeAt(0)) },
  });
  ep = `127.0.0.1:${mock.port}`;
});
afterAll(() => mock.close());

function kmsProviders(): Record<string, unknown> {
  return {
    local: { key: LOCAL_KEY },
    aws: AWS,
    'aws:named': AWS_NAMED,
    azure: { ...AZURE, identityPlatformEndpoint: ep },
    gcp: { email: GCP_KEY.email, privateKey: GCP_KEY.privateKeyPkcs8, endpoint: ep },
  };
}

function masterKey(provider: string): MasterKey {
  const type = provider.split(':')[0];
  if (type === 'aws') return { provider, region: 'us-east-1', key: `arn:aws:kms:us-east-1:1:key/${provider}`, endpoint: ep };
  if (type === 'azure') return { provider, keyVaultEndpoint: ep, keyName: 'k', keyVersion: 'v1' };
  if (type === 'gcp') return { provider, projectId: 'p', location: 'global', keyRing: 'r', keyName: 'k', endpoint: ep };
  return { provider };
}

function client(vault: MemoryKeyVault, extra: Record<string, unknown> = {}): ClientEncryption {
  return new ClientEncryption({ keyVault: vault, kmsProviders: kmsProviders(), kmsOptions, ...extra } as never);
}

const PROVIDERS = ['aws', 'aws:named', 'azure', 'gcp'];

describe('ClientEncryption with remote providers against the verifying mock', () => {
  it.each(PROVIDERS)('%s: createDataKey stores the masterKey; encrypt/decrypt; a fresh client unwraps once, then uses its cache', async (provider) => {
    const vault = new MemoryKeyVault();
    const ce = client(vault);
    const before = mock.requests.length;
    const id = await ce.createDataKey(provider, { masterKey: masterKey(provider), keyAltNames: [`alt-${provider}`] });
    const doc = await ce.getKey(id);
    expect(doc?.masterKey).toEqual(masterKey(provider));
    // The mock "wraps" by prefixing: the keyMaterial is its answer, not the local AEAD's 160 bytes.
    expect(new TextDecoder().decode(doc!.keyMaterial.buffer.subarray(0, 8))).toBe('00SECRET');
    const blob = await ce.encrypt('secret value', { keyAltName: `alt-${provider}`, algorithm: DET });
    expect(await ce.decrypt(blob)).toBe('secret value');

    const other = client(vault);
    const mid = mock.requests.length;
    expect(await other.decrypt(blob)).toBe('secret value');
    const unwraps = mock.requests.slice(mid).filter((r) => !r.target.endsWith('-token'));
    expect(unwraps).toHaveLength(1);
    expect(await other.decrypt(blob)).toBe('secret value');
    expect(await other.encrypt('x', { keyId: id, algorithm: DET })).toBeInstanceOf(Binary);
    expect(mock.requests.slice(mid).filter((r) => !r.target.endsWith('-token'))).toHaveLength(1); // cached
    expect(mock.requests.slice(before).every((r) => r.signatureValid)).toBe(true);
  });

  const pairs = ['local', 'aws', 'azure', 'gcp'].flatMap((a) => ['local', 'aws', 'azure', 'gcp'].filter((b) => b !== a).map((b) => [a, b] as const));
  it.each(pairs)('rewrapManyDataKey %s -> %s: the key document moves, values encrypted before still decrypt', async (from, to) => {
    const vault = new MemoryKeyVault();
    const ce = client(vault);
    const id = await ce.createDataKey(from, { masterKey: masterKey(from) });
    const blob = await ce.encrypt('forty-two', { keyId: id, algorithm: DET });
    const result = await ce.rewrapManyDataKey({ _id: id }, { provider: to, masterKey: masterKey(to) });
    expect(result.bulkWriteResult).toEqual({ insertedCount: 0, matchedCount: 1, modifiedCount: 1, deletedCount: 0, upsertedCount: 0, upsertedIds: {} });
    expect((await ce.getKey(id))?.masterKey).toEqual(masterKey(to));
    // Only the new provider is needed to read it now.
    const only = new ClientEncryption({ keyVault: vault, kmsProviders: { [to]: kmsProviders()[to] }, kmsOptions } as never);
    expect(await only.decrypt(blob)).toBe('forty-two');
  });

  it('on-demand credentials: aws {} asks credentialProviders.aws; azure {} uses IMDS; gcp {} the metadata server', async () => {
    const vault = new MemoryKeyVault();
    let asked = 0;
    const ce = new ClientEncryption({
      keyVault: vault,
      kmsProviders: { aws: {}, azure: {}, gcp: {} },
      credentialProviders: { aws: async () => { asked++; return AWS; } },
      kmsOptions: { ...kmsOptions, azureImds: { host: ep }, gcpMetadata: { host: ep } },
    });
    for (const provider of ['aws', 'azure', 'gcp']) {
      const before = mock.requests.length;
      const id = await ce.createDataKey(provider, { masterKey: masterKey(provider) });
      const blob = await ce.encrypt('v', { keyId: id, algorithm: DET });
      expect(await ce.decrypt(blob)).toBe('v');
      const seen = mock.requests.slice(before);
      expect(seen.every((r) => r.signatureValid)).toBe(true);
      if (provider === 'azure') expect(seen.map((r) => r.target)).toContain('azure-imds');
      if (provider === 'gcp') expect(seen.map((r) => r.target)).toContain('gcp-metadata');
    }
    expect(asked).toBeGreaterThan(0);
  });

  it('accessToken mode for azure and gcp (the application fetched the token)', async () => {
    // The mock accepts the tokens it handed out; get one through IMDS first.
    const imds = await fetch(`http://${ep}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net%2F`, { headers: { Metadata: 'true' } });
    const { access_token: token } = (await imds.json()) as { access_token: string };
    const vault = new MemoryKeyVault();
    const ce = new ClientEncryption({ keyVault: vault, kmsProviders: { azure: { accessToken: token }, 'gcp:tok': { accessToken: token } }, kmsOptions });
    for (const provider of ['azure', 'gcp:tok']) {
      const id = await ce.createDataKey(provider, { masterKey: masterKey(provider) });
      expect(await ce.decrypt(await ce.encrypt('seven', { keyId: id, algorithm: DET }))).toBe('seven');
    }
  });
});

/** Every string of an error and its causes: message, name, code, provider. */
function errorText(e: unknown): string {
  const parts: string[] = [];
  for (let c: unknown = e, i = 0; c instanceof Error && i < 10; c = (c as { cause?: unknown }).cause, i++) {
    parts.push(c.message, String(c.stack), String((c as { code?: unknown }).code), String((c as { provider?: unknown }).provider));
  }
  return parts.join('\n');
}

const SECRETS = [AWS.secretAccessKey, AWS_NAMED.secretAccessKey, AZURE.clientSecret, GCP_KEY.privateKeyPkcs8.slice(40, 80), LOCAL_B64, 'aws-token', 'gcp-token'];

async function failure(p: Promise<unknown>): Promise<KmsError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(KmsError);
  const text = errorText(e);
  for (const s of SECRETS) expect(text).not.toContain(s);
  return e as KmsError;
}

describe('typed errors naming the provider, with no credential or key bytes', () => {
  it.each(['aws', 'azure', 'gcp'])('%s: wrong credentials', async (provider) => {
    const wrong = { ...kmsProviders() };
    if (provider === 'aws') wrong.aws = { accessKeyId: AWS.accessKeyId, secretAccessKey: 'wrong-secret-SENTINEL' };
    if (provider === 'azure') wrong.azure = { ...AZURE, clientSecret: 'wrong-secret-SENTINEL', identityPlatformEndpoint: ep };
    if (provider === 'gcp') wrong.gcp = { email: 'other@example.iam.gserviceaccount.com', privateKey: GCP_KEY.privateKeyPkcs8, endpoint: ep };
    const ce = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders: wrong, kmsOptions } as never);
    const e = await failure(ce.createDataKey(provider, { masterKey: masterKey(provider) }));
    expect(e.code).toBe('KMS_HTTP_ERROR');
    expect(e.provider).toBe(provider);
    expect(e.message).toContain(`'${provider}'`);
    expect(errorText(e)).not.toContain('wrong-secret-SENTINEL');
  });

  it.each([
    ['errorJson', 'KMS_HTTP_ERROR'],
    ['badJson', 'KMS_BAD_RESPONSE'],
    ['missingField', 'KMS_BAD_RESPONSE'],
    ['badBase64', 'KMS_BAD_RESPONSE'],
    ['truncated', 'KMS_NETWORK'],
  ] as const)('a KMS answer %s on unwrap -> %s, for every provider', async (fault, code) => {
    for (const provider of PROVIDERS) {
      const vault = new MemoryKeyVault();
      const ce = client(vault);
      const id = await ce.createDataKey(provider, { masterKey: masterKey(provider) });
      const blob = await ce.encrypt('v', { keyId: id, algorithm: DET });
      const fresh = client(vault);
      // Fault every attempt (tokens too), so the retries cannot recover.
      mock.fault(fault, 10);
      const e = await failure(fresh.decrypt(blob));
      mock.fault('none', 0);
      expect(e.code).toBe(code);
      expect(e.provider).toBe(provider);
      expect(e.message).toContain(`'${provider}'`);
    }
  });

  it('an unreachable endpoint is KMS_NETWORK naming the provider', async () => {
    const closed = await startMockKms({});
    const dead = `127.0.0.1:${closed.port}`;
    await closed.close();
    const ce = client(new MemoryKeyVault());
    const e = await failure(ce.createDataKey('aws', { masterKey: { ...masterKey('aws'), endpoint: dead } }));
    expect(e.code).toBe('KMS_NETWORK');
    expect(e.provider).toBe('aws');
  });

  it('a provider that is not configured is KMS_PROVIDER_NOT_CONFIGURED naming it; a bad entry is KMS_BAD_OPTIONS naming it', async () => {
    const ce = client(new MemoryKeyVault());
    await expect(ce.createDataKey('gcp:other', { masterKey: masterKey('gcp:other') })).rejects.toMatchObject({ code: 'KMS_PROVIDER_NOT_CONFIGURED', message: expect.stringContaining("'gcp:other'") });
    // checked when first used (@fle-ts/kms loads only then)
    const bad = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders: { aws: { accessKeyId: AWS.accessKeyId, secretAccessKey: AWS.secretAccessKey, extra: 1 } } as never });
    const thrown = await bad.createDataKey('aws', { masterKey: masterKey('aws') }).then(() => undefined, (e: unknown) => e);
    expect(thrown).toMatchObject({ code: 'KMS_BAD_OPTIONS', provider: 'aws', message: expect.stringContaining("Unexpected field: 'extra'") });
    expect(errorText(thrown)).not.toContain(AWS.secretAccessKey);
  });

  it('tlsOptions is refused with what to use instead (fetch cannot take a CA or client certificate)', () => {
    expect(() => new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders: { local: { key: LOCAL_KEY } }, tlsOptions: { aws: {} } } as never))
      .toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('kmsOptions.fetch') }));
  });
});

describeMoto('ClientEncryption with aws against moto (AWS KMS emulator)', () => {
  let moto: { port: number; stop: () => void };
  let arn: string;
  const creds = { accessKeyId: 'AKIDMOTOCLIENT', secretAccessKey: 'moto-client-secret' };
  beforeAll(async () => {
    moto = await startMoto();
    // CreateKey is no data-key operation; the generic signer makes it.
    const create = signSigV4({
      method: 'POST', pathAndQuery: '/', region: 'us-east-1', service: 'kms', ...creds, date: new Date(),
      headers: [['Content-Type', 'application/x-amz-json-1.1'], ['X-Amz-Target', 'TrentService.CreateKey'], ['Host', `127.0.0.1:${moto.port}`]],
      body: new TextEncoder().encode('{}'),
    });
    const res = await exchange(moto.port, create.request);
    expect(res.status).toBe(200);
    arn = (JSON.parse(new TextDecoder().decode(res.body)) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn;
  }, 60_000);
  afterAll(() => moto?.stop());

  it('createDataKey -> encrypt -> decrypt in a fresh client; rewrap to local and back; a key moto does not know is KMS_HTTP_ERROR', async () => {
    const vault = new MemoryKeyVault();
    const opts = { keyVault: vault, kmsProviders: { aws: creds, local: { key: LOCAL_KEY } }, kmsOptions };
    const mk = { region: 'us-east-1', key: arn, endpoint: `127.0.0.1:${moto.port}` };
    const ce = new ClientEncryption(opts);
    const id = await ce.createDataKey('aws', { masterKey: mk });
    const blob = await ce.encrypt('moto value', { keyId: id, algorithm: DET });
    expect(await new ClientEncryption(opts).decrypt(blob)).toBe('moto value');
    await ce.rewrapManyDataKey({}, { provider: 'local' });
    expect((await ce.getKey(id))?.masterKey).toEqual({ provider: 'local' });
    await ce.rewrapManyDataKey({}, { provider: 'aws', masterKey: mk });
    expect((await ce.getKey(id))?.masterKey).toEqual({ provider: 'aws', ...mk });
    expect(await new ClientEncryption(opts).decrypt(blob)).toBe('moto value');
    const e = await failure(ce.createDataKey('aws', { masterKey: { ...mk, key: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000' } }));
    expect(e.code).toBe('KMS_HTTP_ERROR');
    expect(e.provider).toBe('aws');
  });
});

describePyKmip('ClientEncryption with kmip against PyKMIP (mutual TLS)', () => {
  let server: { port: number; tls: KmipTls; stop: () => void };
  beforeAll(async () => {
    server = await startPyKmip();
  }, 60_000);
  afterAll(() => server?.stop());

  it('createDataKey stores the keyId the server assigned (prepareMasterKey); delegated too; rewrap kmip <-> local', async () => {
    const vault = new MemoryKeyVault();
    const opts = {
      keyVault: vault,
      kmsProviders: { kmip: { endpoint: `127.0.0.1:${server.port}` }, local: { key: LOCAL_KEY } },
      kmsOptions: { kmipExchange: nodeKmipExchange(server.tls) },
    };
    const ce = new ClientEncryption(opts);
    for (const masterKey of [{}, { delegated: true }]) {
      const id = await ce.createDataKey('kmip', { masterKey });
      const doc = await ce.getKey(id);
      expect(doc?.masterKey).toMatchObject({ provider: 'kmip', ...masterKey, keyId: expect.stringMatching(/^.+$/) });
      const blob = await ce.encrypt('kmip value', { keyId: id, algorithm: DET });
      expect(await new ClientEncryption(opts).decrypt(blob)).toBe('kmip value');
    }
    const ids = (await ce.getKeys()).map((d) => d.masterKey.keyId);
    expect(new Set(ids).size).toBe(2);
    // rewrap to kmip without keyId: each key gets a newly registered one
    await ce.rewrapManyDataKey({}, { provider: 'local' });
    const rewrapped = await ce.rewrapManyDataKey({}, { provider: 'kmip' });
    expect(rewrapped.bulkWriteResult?.modifiedCount).toBe(2);
    const after = await ce.getKeys();
    expect(after.every((d) => typeof d.masterKey.keyId === 'string' && !ids.includes(d.masterKey.keyId))).toBe(true);
    expect(new Set(after.map((d) => d.masterKey.keyId)).size).toBe(2);
    for (const d of after) expect(await new ClientEncryption(opts).decrypt(await ce.encrypt('x', { keyId: d._id, algorithm: DET }))).toBe('x');
  });
});
