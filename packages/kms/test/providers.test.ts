// The providers over fetch (Node's global fetch, plain HTTP to the loopback mock): wrap/unwrap per
// provider with the mock checking every signature, JWT and token; token caching with an injected
// clock; accessToken mode; named providers; SPEC prose test 24 (KMS retry) for all three; timeouts,
// wrong credentials; and the adapters plugged into @fle-ts/keyvault (createDataKey, KeyBroker,
// rewrapManyDataKey from local to each cloud provider and between them).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AeadKey } from '@fle-ts/crypto-core';
import { KeyBroker, KmsProviders, MemoryKeyVault, createDataKey, rewrapManyDataKey } from '@fle-ts/keyvault';
import {
  createAwsKmsProvider, createAzureKmsProvider, createGcpKmsProvider, KmsError, sendKmsRequest, awsEncryptRequest,
  type RemoteKmsOptions, type RemoteKmsProvider,
} from '@fle-ts/kms';
import { startMockKms, type MockKms } from './mock-kms.js';
import { readVectorBytes } from './vectors.js';
import { catchKmsAsync } from './catch-kms.js';

const KEY = JSON.parse(readVectorBytes('gcp-test-key.json')) as { email: string; privateKeyPkcs8: string; publicKeySpki: string };
const AWS = { accessKeyId: 'AKIDPROVIDERS', secretAccessKey: 'providers/secret' };
const AZURE = { tenantId: 'tenant-1', clientId: 'client-1', clientSecret: 'azure-secret-SENTINEL' };
const DEK = Uint8Array.from({ length: 96 }, (_, i) => (i * 3 + 1) & 0xff);
const instant: Pick<RemoteKmsOptions, 'sleep' | 'backoffMs' | 'protocol'> = { sleep: async () => {}, backoffMs: () => 0, protocol: 'http:' };


let kms: MockKms;
let ep: string;
beforeAll(async () => {
  kms = await startMockKms({ aws: { [AWS.accessKeyId]: AWS.secretAccessKey }, azure: AZURE, gcp: { email: KEY.email, publicKeySpki: Uint8Array.from(atob(KEY.publicKeySpki), (c) => c.charCodeAt(0)) } });
  ep = `127.0.0.1:${kms.port}`;
});
afterAll(() => kms.close());

interface Setup { name: string; make: (o?: RemoteKmsOptions) => RemoteKmsProvider; masterKey: () => { provider: string; [k: string]: unknown } }
const SETUPS: Setup[] = [
  { name: 'aws', make: (o = instant) => createAwsKmsProvider('aws', AWS, o), masterKey: () => ({ provider: 'aws', region: 'us-east-1', key: 'arn:aws:kms:us-east-1:1:key/k', endpoint: ep }) },
  { name: 'azure', make: (o = instant) => createAzureKmsProvider('azure', { ...AZURE, identityPlatformEndpoint: ep }, o), masterKey: () => ({ provider: 'azure', keyVaultEndpoint: ep, keyName: 'k', keyVersion: 'v1' }) },
  { name: 'gcp', make: (o = instant) => createGcpKmsProvider('gcp', { email: KEY.email, privateKey: KEY.privateKeyPkcs8, endpoint: ep }, o), masterKey: () => ({ provider: 'gcp', projectId: 'p', location: 'global', keyRing: 'r', keyName: 'k', endpoint: ep }) },
];

describe.each(SETUPS)('$name provider over fetch against the mock', ({ name, make, masterKey }) => {
  it('wrap then unwrap returns the data key; every request verified by the mock', async () => {
    const p = make();
    const before = kms.requests.length;
    const material = await p.wrap(DEK, masterKey());
    expect(material).not.toEqual(DEK);
    expect(await p.unwrap(material, masterKey())).toEqual(DEK);
    const seen = kms.requests.slice(before);
    expect(seen.every((r) => r.signatureValid)).toBe(true);
    // Azure and GCP fetch one token and reuse it for the second operation.
    expect(seen.length).toBe(name === 'aws' ? 2 : 3);
  });

  it('prose test 24 case 1: one network failure is retried', async () => {
    const p = make();
    kms.fault('network', 1);
    const material = await p.wrap(DEK, masterKey());
    kms.fault('network', 1);
    expect(await p.unwrap(material, masterKey())).toEqual(DEK);
  });

  it('prose test 24 case 2: one HTTP 500 is retried', async () => {
    const p = make();
    kms.fault('http500', 1);
    const material = await p.wrap(DEK, masterKey());
    kms.fault('http500', 1);
    expect(await p.unwrap(material, masterKey())).toEqual(DEK);
  });

  it('prose test 24 case 3: four network failures fail after 3 attempts with KMS_NETWORK naming the provider', async () => {
    const p = make();
    const before = kms.requests.length;
    kms.fault('network', 4);
    const e = await catchKmsAsync(p.wrap(DEK, masterKey()));
    expect(e.code).toBe('KMS_NETWORK');
    expect(e.message).toContain(`KMS provider '${name}'`);
    expect(e.message).toContain('attempt 3 of 3');
    expect(kms.requests.length - before).toBe(3);
    kms.fault('none', 0);
  });

  it('three HTTP 500s: the last answer is a KMS_HTTP_ERROR with status 500', async () => {
    const p = make();
    await p.wrap(DEK, masterKey()); // a token first, so only the KMS operation sees the faults
    kms.fault('http500', 3);
    const e = await catchKmsAsync(p.wrap(DEK, masterKey()));
    expect([e.code, e.httpStatus]).toEqual(['KMS_HTTP_ERROR', 500]);
  });

  it('an answer slower than timeoutMs is KMS_TIMEOUT', async () => {
    const p = make({ ...instant, timeoutMs: 150, maxAttempts: 2 });
    kms.fault('hang', 2);
    const e = await catchKmsAsync(p.wrap(DEK, masterKey()));
    expect(e.code).toBe('KMS_TIMEOUT');
    expect(e.message).toContain('attempt 2 of 2');
  });

  it.each([
    ['badJson', 'KMS_BAD_RESPONSE', 'not JSON'],
    ['missingField', 'KMS_BAD_RESPONSE', 'does not include the string field'],
    ['badBase64', 'KMS_BAD_RESPONSE', 'not valid base64'],
    ['errorJson', 'KMS_HTTP_ERROR', 'error 400'],
  ] as const)('fault %s on wrap (after the token) gives %s', async (fault, code, phrase) => {
    const p = make();
    await p.wrap(DEK, masterKey()); // a token first, so the fault hits the KMS operation
    kms.fault(fault, 1);
    const e = await catchKmsAsync(p.wrap(DEK, masterKey()));
    expect([e.code, e.message]).toEqual([code, expect.stringContaining(phrase)]);
    expect(e.message).toContain(`KMS provider '${name}'`);
  });

  it('a truncated answer (3 times) is KMS_NETWORK after the retries; an unreachable endpoint too', async () => {
    const p = make();
    await p.wrap(DEK, masterKey());
    kms.fault('truncated', 3);
    expect((await catchKmsAsync(p.wrap(DEK, masterKey()))).code).toBe('KMS_NETWORK');
    const dead = { ...masterKey() };
    for (const k of ['endpoint', 'keyVaultEndpoint'] as const) if (k in dead) dead[k] = '127.0.0.1:1';
    const e = await catchKmsAsync(make().unwrap(new Uint8Array(160), dead));
    expect(e.code).toBe('KMS_NETWORK');
    expect(e.message).toContain('127.0.0.1:1');
  });

  it('a masterKey of another provider is refused before any request', async () => {
    const before = kms.requests.length;
    const e = await catchKmsAsync(make().wrap(DEK, { ...masterKey(), provider: `${name}:other` }));
    expect([e.code, e.message]).toEqual(['KMS_BAD_OPTIONS', expect.stringContaining(`not '${name}'`)]);
    expect(kms.requests.length).toBe(before);
  });
});

describe('credentials, tokens and names', () => {
  it('wrong credentials: a typed error naming the provider without the secret (aws, azure, gcp)', async () => {
    const aws = createAwsKmsProvider('aws:bad', { accessKeyId: AWS.accessKeyId, secretAccessKey: 'wrong-SENTINEL' }, instant);
    const e1 = await catchKmsAsync(aws.wrap(DEK, { provider: 'aws:bad', region: 'us-east-1', key: 'k', endpoint: ep }));
    expect([e1.code, e1.message]).toEqual(['KMS_HTTP_ERROR', expect.stringContaining("KMS provider 'aws:bad'")]);
    const azure = createAzureKmsProvider('azure', { ...AZURE, clientSecret: 'wrong-SENTINEL', identityPlatformEndpoint: ep }, instant);
    const e2 = await catchKmsAsync(azure.wrap(DEK, { provider: 'azure', keyVaultEndpoint: ep, keyName: 'k' }));
    expect([e2.code, e2.message]).toEqual(['KMS_HTTP_ERROR', expect.stringContaining('invalid_client')]);
    const gcp = createGcpKmsProvider('gcp', { email: 'someone-else@example.com', privateKey: KEY.privateKeyPkcs8, endpoint: ep }, instant);
    const e3 = await catchKmsAsync(gcp.wrap(DEK, { provider: 'gcp', projectId: 'p', location: 'l', keyRing: 'r', keyName: 'k', endpoint: ep }));
    expect(e3.code).toBe('KMS_HTTP_ERROR');
    for (const e of [e1, e2, e3]) expect(e.message).not.toContain('SENTINEL');
  });

  it('a token is reused until a minute before it expires (injected clock), then renewed', async () => {
    let t = Date.UTC(2030, 0, 1);
    const p = createGcpKmsProvider('gcp', { email: KEY.email, privateKey: KEY.privateKeyPkcs8, endpoint: ep }, { ...instant, now: () => new Date(t) });
    const mk = { provider: 'gcp', projectId: 'p', location: 'global', keyRing: 'r', keyName: 'k', endpoint: ep };
    const tokens = (): number => kms.requests.filter((r) => r.target === 'gcp-token').length;
    const t0 = tokens();
    await p.wrap(DEK, mk);
    t += (3599 - 61) * 1000;
    await p.wrap(DEK, mk);
    expect(tokens() - t0).toBe(1);
    t += 2000; // now 59 s left
    await p.wrap(DEK, mk);
    expect(tokens() - t0).toBe(2);
  });

  it('tokens are cached per scope: vaults in two domains get two tokens, two vaults in one domain share one', async () => {
    const tokens = (): string[] => kms.requests.filter((r) => r.target === 'azure-token').map((r) => new URLSearchParams(r.body).get('scope')!);
    const t0 = tokens().length;
    // The mock listens on 127.0.0.1 only; the vault host names differ in the domain the scope comes from,
    // so a custom fetch sends every request to the mock.
    const routed = createAzureKmsProvider('azure', { ...AZURE, identityPlatformEndpoint: ep }, {
      ...instant, protocol: 'https:', fetch: async (url, init) => fetch(`http://${ep}${new URL(url).pathname}${new URL(url).search}`, init),
    });
    for (const vault of ['a.vault.azure.net', 'b.vault.azure.net', 'a.vault.azure.cn']) {
      const mk = { provider: 'azure', keyVaultEndpoint: vault, keyName: 'k' };
      expect(await routed.unwrap(await routed.wrap(DEK, mk), mk)).toEqual(DEK);
    }
    expect(tokens().slice(t0)).toEqual(['https://vault.azure.net/.default', 'https://vault.azure.cn/.default']);
  });

  it('accessToken mode sends no token request (azure and gcp)', async () => {
    // A token the mock issued, taken from a client-credentials provider's request log.
    await createAzureKmsProvider('azure', { ...AZURE, identityPlatformEndpoint: ep }, instant).wrap(DEK, { provider: 'azure', keyVaultEndpoint: ep, keyName: 'k' });
    const issued = kms.requests.filter((r) => r.target === 'azure-wrapkey').at(-1)!.rawHeaders;
    const token = issued[issued.findIndex((h) => h.toLowerCase() === 'authorization') + 1]!.slice('Bearer '.length);
    const before = kms.requests.length;
    const az = createAzureKmsProvider('azure:tok', { accessToken: token }, instant);
    const mk = { provider: 'azure:tok', keyVaultEndpoint: ep, keyName: 'k' };
    expect(await az.unwrap(await az.wrap(DEK, mk), mk)).toEqual(DEK);
    expect(kms.requests.slice(before).map((r) => r.target)).toEqual(['azure-wrapkey', 'azure-unwrapkey']);
    const gcp = createGcpKmsProvider('gcp', { accessToken: 'not-issued' }, instant);
    const e = await catchKmsAsync(gcp.wrap(DEK, { provider: 'gcp', projectId: 'p', location: 'l', keyRing: 'r', keyName: 'k', endpoint: ep }));
    expect([e.code, e.httpStatus]).toEqual(['KMS_HTTP_ERROR', 401]);
  });

  it('on-demand credentials: a callback is asked on each use', async () => {
    let calls = 0;
    const p = createAwsKmsProvider('aws', async () => {
      calls++;
      return AWS;
    }, instant);
    const mk = { provider: 'aws', region: 'us-east-1', key: 'k', endpoint: ep };
    expect(await p.unwrap(await p.wrap(DEK, mk), mk)).toEqual(DEK);
    expect(calls).toBe(2);
  });

  it('bad names and plain http to a non-loopback host are KMS_BAD_OPTIONS', async () => {
    expect(() => createAwsKmsProvider('azure', AWS)).toThrow(KmsError);
    expect(() => createGcpKmsProvider('gcp:bad-name!', { accessToken: 't' })).toThrow(/gcp:<name>/);
    const req = awsEncryptRequest({ credentials: AWS, masterKey: { region: 'us-east-1', key: 'k', endpoint: 'kms.example.com' }, plaintext: DEK, date: new Date() });
    const e = await catchKmsAsync(sendKmsRequest(req, { protocol: 'http:' }));
    expect(e.message).toContain('need TLS');
  });

  it('the fetch option routes every request (a proxy or a test double)', async () => {
    const urls: string[] = [];
    const p = createAwsKmsProvider('aws', AWS, {
      ...instant,
      protocol: 'https:',
      fetch: async (url, init) => {
        urls.push(url);
        return fetch(url.replace('https://', 'http://'), init);
      },
    });
    const mk = { provider: 'aws', region: 'us-east-1', key: 'k', endpoint: ep };
    expect(await p.unwrap(await p.wrap(DEK, mk), mk)).toEqual(DEK);
    expect(urls).toEqual([`https://${ep}/`, `https://${ep}/`]);
  });
});

describe('the providers plugged into @fle-ts/keyvault (KmsProvider interface)', () => {
  const LOCAL = Uint8Array.from({ length: 96 }, (_, i) => i);

  it('createDataKey -> KeyBroker unwrap for aws, azure and gcp, and rewrapManyDataKey local -> aws -> azure -> gcp', async () => {
    const kmsProviders = new KmsProviders({ local: { key: LOCAL } }, SETUPS.map((s) => s.make()));
    const keyVault = new MemoryKeyVault();
    for (const s of SETUPS) {
      const id = await createDataKey(keyVault, kmsProviders, s.name, { masterKey: s.masterKey(), keyMaterial: DEK, keyAltNames: [s.name] });
      const broker = new KeyBroker({ keyVault, kmsProviders });
      const { key } = await broker.getKeyById(id);
      const c = key.encryptRandom(new Uint8Array([1, 2, 3]));
      expect(new AeadKeyCheck(DEK).decrypt(c)).toEqual(new Uint8Array([1, 2, 3]));
    }
    const localId = await createDataKey(keyVault, kmsProviders, 'local', { keyMaterial: DEK, keyAltNames: ['rot'] });
    for (const s of SETUPS) {
      const r = await rewrapManyDataKey(keyVault, kmsProviders, { keyAltNames: 'rot' }, { provider: s.name, masterKey: s.masterKey() });
      expect(r.rewrapped).toBe(1);
      expect((await keyVault.find({ altNames: ['rot'] }))[0]?.masterKey).toEqual(s.masterKey());
      const broker = new KeyBroker({ keyVault, kmsProviders });
      const { key } = await broker.getKeyById(localId);
      expect(new AeadKeyCheck(DEK).decrypt(key.encryptRandom(new Uint8Array([9])))).toEqual(new Uint8Array([9]));
    }
  });
});

// The check: data encrypted with the key the broker unwrapped opens with the original DEK.
class AeadKeyCheck {
  readonly #k: AeadKey;
  constructor(dek: Uint8Array) {
    this.#k = new AeadKey(dek);
  }
  decrypt(c: Uint8Array): Uint8Array {
    return this.#k.decrypt(c);
  }
}
