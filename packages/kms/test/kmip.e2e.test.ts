// KMIP end to end against a real KMIP server (PyKMIP from Debian) over mutual TLS with certificates
// made in the test: both libmongocrypt flows (SecretData + local AEAD wrap; delegated AES
// Encrypt/Decrypt), server errors, a client certificate the server refuses, and the provider
// under @fle-ts/keyvault's createDataKey and KeyBroker.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AeadKey } from '@fle-ts/crypto-core';
import { KeyBroker, KmsProviders, MemoryKeyVault, createDataKey } from '@fle-ts/keyvault';
import { createKmipKmsProvider, KmsError, type KmipKmsProvider } from '@fle-ts/kms';
import { nodeKmipExchange } from '@fle-ts/kms/node';
import { describePyKmip, startPyKmip, type KmipTls } from './pykmip-support.js';

const DEK = Uint8Array.from({ length: 96 }, (_, i) => (i * 11 + 5) & 0xff);

async function catchKms(p: Promise<unknown>): Promise<KmsError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KmsError);
    return e as KmsError;
  }
  throw new Error('expected a KmsError');
}

describePyKmip('KMIP against PyKMIP over mutual TLS', () => {
  let server: { port: number; tls: KmipTls; stop: () => void };
  let provider: KmipKmsProvider;
  beforeAll(async () => {
    server = await startPyKmip();
    provider = createKmipKmsProvider('kmip', { exchange: nodeKmipExchange(server.tls), endpoint: `127.0.0.1:${server.port}` });
  }, 60_000);
  afterAll(() => server?.stop());

  it('default flow: Register + Activate give a keyId; wrap (Get + AEAD) and unwrap return the data key; another client unwraps it', async () => {
    const mk = await provider.prepareMasterKey({ provider: 'kmip' });
    expect(typeof mk.keyId).toBe('string');
    const material = await provider.wrap(DEK, mk);
    expect(material).toHaveLength(160); // IV 16 + 96 padded to 112 + HMAC 32, as the local provider
    expect(await provider.unwrap(material, mk)).toEqual(DEK);
    const other = createKmipKmsProvider('kmip', { exchange: nodeKmipExchange(server.tls), endpoint: `127.0.0.1:${server.port}` });
    expect(await other.unwrap(material, mk)).toEqual(DEK);
  });

  it("a host without a dot ('localhost', allowed for KMIP as in libmongocrypt) from kmsProviders.kmip.endpoint", async () => {
    const local = createKmipKmsProvider('kmip', { exchange: nodeKmipExchange(server.tls), endpoint: `localhost:${server.port}` });
    const mk = await local.prepareMasterKey({ provider: 'kmip' });
    expect(await local.unwrap(await local.wrap(DEK, mk), mk)).toEqual(DEK);
  });

  it('delegated flow: Create + Activate, then the server encrypts and decrypts (keyMaterial = IV ‖ ciphertext)', async () => {
    const mk = await provider.prepareMasterKey({ provider: 'kmip', delegated: true });
    const material = await provider.wrap(DEK, mk);
    expect(material).toHaveLength(16 + 112);
    expect(await provider.unwrap(material, mk)).toEqual(DEK);
  });

  it('a given keyId is used as is; a missing one is refused before any request', async () => {
    const mk = await provider.prepareMasterKey({ provider: 'kmip' });
    expect(await provider.prepareMasterKey(mk)).toBe(mk);
    const e = await catchKms(provider.wrap(DEK, { provider: 'kmip' }));
    expect([e.code, e.message]).toEqual(['KMS_BAD_OPTIONS', expect.stringContaining('prepareMasterKey')]);
  });

  it('an unknown keyId: KMS_KMIP_ERROR with the server\'s result status and reason', async () => {
    const e = await catchKms(provider.unwrap(new Uint8Array(160), { provider: 'kmip', keyId: '999999' }));
    expect(e.code).toBe('KMS_KMIP_ERROR');
    expect(e.message).toContain('Result Status (1): Operation Failed');
    expect(e.message).toContain("KMS provider 'kmip'");
  });

  it('a changed keyMaterial does not unwrap: KMS_BAD_RESPONSE', async () => {
    const mk = await provider.prepareMasterKey({ provider: 'kmip' });
    const material = await provider.wrap(DEK, mk);
    material[40] = material[40]! ^ 1;
    const e = await catchKms(provider.unwrap(material, mk));
    expect([e.code, e.message]).toEqual(['KMS_BAD_RESPONSE', expect.stringContaining('tag does not match')]);
  });

  it('a client certificate from another CA is refused: KMS_NETWORK', async () => {
    const stranger = createKmipKmsProvider('kmip', { exchange: nodeKmipExchange({ ca: server.tls.ca, cert: server.tls.otherCert, key: server.tls.otherKey }), endpoint: `127.0.0.1:${server.port}` });
    const e = await catchKms(stranger.prepareMasterKey({ provider: 'kmip' }));
    expect(e.code).toBe('KMS_NETWORK');
    expect(e.message).not.toContain('PRIVATE KEY');
  });

  it('under keyvault: createDataKey with a prepared masterKey, then KeyBroker unwraps it through the server', async () => {
    const mk = await provider.prepareMasterKey({ provider: 'kmip' });
    const kmsProviders = new KmsProviders({}, [provider]);
    const keyVault = new MemoryKeyVault();
    const id = await createDataKey(keyVault, kmsProviders, 'kmip', { masterKey: mk, keyMaterial: DEK });
    const { key } = await new KeyBroker({ keyVault, kmsProviders }).getKeyById(id);
    expect(new AeadKey(DEK).decrypt(key.encryptRandom(new Uint8Array([4, 2])))).toEqual(new Uint8Array([4, 2]));
  });
});
