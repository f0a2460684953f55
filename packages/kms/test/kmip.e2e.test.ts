// KMIP end to end against a real KMIP server (PyKMIP from Debian) over mutual TLS with certificates
// made in the test: both libmongocrypt flows (SecretData + local AEAD wrap; delegated AES
// Encrypt/Decrypt), server errors, a client certificate the server refuses, and the provider
// under @fle-ts/keyvault's createDataKey and KeyBroker.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../scripts/test-support/shared.js';
import { RUNTIME_BIN } from '../../../scripts/runtimes/loaders.mjs';
import { AeadKey } from '@fle-ts/crypto-core';
import { KeyBroker, KmsProviders, MemoryKeyVault, createDataKey } from '@fle-ts/keyvault';
import { createKmipKmsProvider, KmsError, type KmipKmsProvider } from '@fle-ts/kms';
import { nodeKmipExchange } from '@fle-ts/kms/node';
import { describePyKmip, startPyKmip, type KmipTls } from './pykmip-support.js';
import { catchKmsAsync } from './catch-kms.js';

const DEK = Uint8Array.from({ length: 96 }, (_, i) => (i * 11 + 5) & 0xff);


describePyKmip('KMIP against PyKMIP over mutual TLS', () => {
  let server: { port: number; dir: string; tls: KmipTls; stop: () => void };
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
    const e = await catchKmsAsync(provider.wrap(DEK, { provider: 'kmip' }));
    expect([e.code, e.message]).toEqual(['KMS_BAD_OPTIONS', expect.stringContaining('prepareMasterKey')]);
  });

  it('an unknown keyId: KMS_KMIP_ERROR with the server\'s result status and reason', async () => {
    const e = await catchKmsAsync(provider.unwrap(new Uint8Array(160), { provider: 'kmip', keyId: '999999' }));
    expect(e.code).toBe('KMS_KMIP_ERROR');
    expect(e.message).toContain('Result Status (1): Operation Failed');
    expect(e.message).toContain("KMS provider 'kmip'");
  });

  it('a changed keyMaterial does not unwrap: KMS_BAD_RESPONSE', async () => {
    const mk = await provider.prepareMasterKey({ provider: 'kmip' });
    const material = await provider.wrap(DEK, mk);
    material[40] = material[40]! ^ 1;
    const e = await catchKmsAsync(provider.unwrap(material, mk));
    expect([e.code, e.message]).toEqual(['KMS_BAD_RESPONSE', expect.stringContaining('tag does not match')]);
  });

  it('a client certificate from another CA is refused: KMS_NETWORK', async () => {
    const stranger = createKmipKmsProvider('kmip', { exchange: nodeKmipExchange({ ca: server.tls.ca, cert: server.tls.otherCert, key: server.tls.otherKey }), endpoint: `127.0.0.1:${server.port}` });
    const e = await catchKmsAsync(stranger.prepareMasterKey({ provider: 'kmip' }));
    expect(e.code).toBe('KMS_NETWORK');
    expect(e.message).not.toContain('PRIVATE KEY');
  });

  // Node's exchange is node:tls, which Bun and Deno implement: the same bundle runs in all three
  // (Deno's rustls negotiates ECDHE-ECDSA-AES-GCM with PyKMIP's ECDSA certificate).
  it('Bun and Deno: the same provider and nodeKmipExchange bundle registers, wraps and unwraps (both flows)', async () => {
    const out = join(REPO_ROOT, '.cache', 'kmip-runtimes');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'probe.ts'), `
import { readFileSync } from 'node:fs';
import { createKmipKmsProvider } from '@fle-ts/kms';
import { nodeKmipExchange } from '@fle-ts/kms/node';
const [dir, port] = [process.argv[2]!, Number(process.argv[3])];
const exchange = nodeKmipExchange({ ca: readFileSync(dir + '/ca.pem', 'utf8'), cert: readFileSync(dir + '/client.pem', 'utf8'), key: readFileSync(dir + '/client.key', 'utf8') });
const p = createKmipKmsProvider('kmip', { exchange, endpoint: '127.0.0.1:' + port });
const dek = new Uint8Array(96).map((_, i) => i);
const results = [];
for (const delegated of [false, true]) {
  const mk = await p.prepareMasterKey(delegated ? { provider: 'kmip', delegated: true } : { provider: 'kmip' });
  const back = await p.unwrap(await p.wrap(dek, mk), mk);
  results.push(back.length === 96 && back.every((b, i) => b === i));
}
console.log(JSON.stringify(results));
`);
    await build({ entryPoints: [join(out, 'probe.ts')], bundle: true, platform: 'node', format: 'esm', conditions: ['@fle-ts/source'], outfile: join(out, 'probe.mjs'), logLevel: 'warning' });
    const bin = RUNTIME_BIN;
    for (const [runtime, args] of [['bun', []], ['deno', ['run', '-A', '--no-config', '--no-lock']]] as const) {
      const stdout = execFileSync(join(bin, runtime), [...args, join(out, 'probe.mjs'), server.dir, String(server.port)], {
        encoding: 'utf8', timeout: 60_000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' },
      });
      expect([runtime, JSON.parse(stdout.trim().split('\n').at(-1)!)]).toEqual([runtime, [true, true]]);
    }
  }, 120_000);

  it('under keyvault: createDataKey with a prepared masterKey, then KeyBroker unwraps it through the server', async () => {
    const mk = await provider.prepareMasterKey({ provider: 'kmip' });
    const kmsProviders = new KmsProviders({}, [provider]);
    const keyVault = new MemoryKeyVault();
    const id = await createDataKey(keyVault, kmsProviders, 'kmip', { masterKey: mk, keyMaterial: DEK });
    const { key } = await new KeyBroker({ keyVault, kmsProviders }).getKeyById(id);
    expect(new AeadKey(DEK).decrypt(key.encryptRandom(new Uint8Array([4, 2])))).toEqual(new Uint8Array([4, 2]));
  });
});
