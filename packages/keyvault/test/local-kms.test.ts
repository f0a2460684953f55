import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Binary } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex, FleCryptoError } from '@fle-ts/crypto-core';
import { KmsProviders, LocalKmsProvider, keyMaterialBytes, parseKeyDocument } from '@fle-ts/keyvault';
import { describeShared, readSharedJson, readSharedText, SHARED_VECTORS } from '../../../scripts/test-support/shared.js';
import { expectCode, SPEC_MASTER_KEY, SPEC_MASTER_KEY_B64, ZERO_MASTER_KEY } from './helpers.js';

describe('fle1-spec §5 local master key and wrapping', () => {
  it('wrap gives 160 bytes (IV 16 + 112 + tag 32) with a fresh IV, and unwrap returns the data key', async () => {
    const kms = new LocalKmsProvider(SPEC_MASTER_KEY);
    const dek = new Uint8Array(96).map((_, i) => i);
    const a = await kms.wrap(dek, { provider: 'local' });
    const b = await kms.wrap(dek, { provider: 'local' });
    expect(a.length).toBe(160);
    expect(bytesToHex(a.subarray(0, 16))).not.toBe(bytesToHex(b.subarray(0, 16)));
    expect(await kms.unwrap(a, { provider: 'local' })).toEqual(dek);
    expect(await kms.unwrap(b, { provider: 'local' })).toEqual(dek);
  });

  it('property: unwrap(wrap(k)) = k for any master key and data key', async () => {
    await fc.assert(fc.asyncProperty(
      fc.uint8Array({ minLength: 96, maxLength: 96 }),
      fc.uint8Array({ minLength: 96, maxLength: 96 }),
      async (master, dek) => {
        const kms = new LocalKmsProvider(master);
        expect(await kms.unwrap(await kms.wrap(dek, { provider: 'local' }), { provider: 'local' })).toEqual(dek);
      }), { numRuns: 50 });
  });

  it('property: any flipped bit of keyMaterial gives UNWRAP_FAILED with the AEAD error as cause', async () => {
    const kms = new LocalKmsProvider(ZERO_MASTER_KEY);
    const wrapped = await kms.wrap(new Uint8Array(96).fill(7), { provider: 'local' });
    await fc.assert(fc.asyncProperty(fc.nat(159), fc.nat(7), async (pos, bit) => {
      const bad = wrapped.slice();
      bad[pos] = (bad[pos] as number) ^ (1 << bit);
      const e = await expectCode(kms.unwrap(bad, { provider: 'local' }), 'UNWRAP_FAILED');
      expect(e.cause).toBeInstanceOf(FleCryptoError);
      expect((e.cause as FleCryptoError).code).toBe('HMAC_MISMATCH');
    }), { numRuns: 60 });
  });

  it('UNWRAP_FAILED (tag mismatch) under the wrong master key; the message holds no key bytes', async () => {
    const wrapped = await new LocalKmsProvider(SPEC_MASTER_KEY).wrap(new Uint8Array(96).fill(9), { provider: 'local' });
    const e = await expectCode(new LocalKmsProvider(ZERO_MASTER_KEY).unwrap(wrapped, { provider: 'local' }), 'UNWRAP_FAILED');
    expect(e.message).toMatch(/tag/);
    expect(e.message).not.toContain(bytesToHex(SPEC_MASTER_KEY).slice(0, 16));
  });

  it('UNWRAP_FAILED for corrupt keyMaterial: truncated, empty, not whole blocks', async () => {
    const kms = new LocalKmsProvider(ZERO_MASTER_KEY);
    const wrapped = await kms.wrap(new Uint8Array(96), { provider: 'local' });
    for (const bad of [wrapped.subarray(0, 100), new Uint8Array(0), wrapped.subarray(0, 63), new Uint8Array(161)]) {
      await expectCode(kms.unwrap(bad, { provider: 'local' }), 'UNWRAP_FAILED');
    }
  });

  it('UNWRAP_FAILED when a valid wrap holds a data key that is not 96 bytes', async () => {
    const { aeadEncrypt } = await import('@fle-ts/crypto-core');
    const short = aeadEncrypt(ZERO_MASTER_KEY, new Uint8Array(32));
    const e = await expectCode(new LocalKmsProvider(ZERO_MASTER_KEY).unwrap(short, { provider: 'local' }), 'UNWRAP_FAILED');
    expect(e.message).toContain('expected: 96, got: 32');
  });

  it('INVALID_KEY_MATERIAL when wrapping a data key that is not 96 bytes', async () => {
    await expectCode(new LocalKmsProvider(ZERO_MASTER_KEY).wrap(new Uint8Array(95), { provider: 'local' }), 'INVALID_KEY_MATERIAL');
  });

  it('BAD_MASTER_KEY for a master key of the wrong length or bad base64', async () => {
    await expectCode(() => new LocalKmsProvider(new Uint8Array(95)), 'BAD_MASTER_KEY');
    await expectCode(() => new LocalKmsProvider(new Uint8Array(97)), 'BAD_MASTER_KEY');
    await expectCode(() => new LocalKmsProvider('AAAA'), 'BAD_MASTER_KEY');
    await expectCode(() => new LocalKmsProvider('not base64!'), 'BAD_MASTER_KEY');
    await expectCode(() => new KmsProviders({ local: { key: new Uint8Array(32) } }), 'BAD_MASTER_KEY');
    await expectCode(() => new KmsProviders({ local: { key: 5 as unknown as string } }), 'BAD_MASTER_KEY');
    await expectCode(() => new KmsProviders({ local: { key: SPEC_MASTER_KEY, extra: 1 } as never }), 'BAD_MASTER_KEY');
  });

  it('a provider refuses a masterKey for another provider', async () => {
    const kms = new LocalKmsProvider(ZERO_MASTER_KEY, 'local:a');
    await expectCode(kms.wrap(new Uint8Array(96), { provider: 'local:b' }), 'KMS_PROVIDER_NOT_CONFIGURED');
    await expectCode(() => new LocalKmsProvider(ZERO_MASTER_KEY, 'aws'), 'INVALID_ARGUMENT');
  });
});

describe('fle1-spec §5 KMS providers: KmsProviders', () => {
  it('builds local and named local providers from the driver-shaped option (bytes, base64, Binary)', async () => {
    const kms = new KmsProviders({
      local: { key: SPEC_MASTER_KEY_B64 },
      'local:zero': { key: ZERO_MASTER_KEY },
      'local:bin': { key: new Binary(ZERO_MASTER_KEY) },
    });
    expect(kms.names().sort()).toEqual(['local', 'local:bin', 'local:zero']);
    const dek = new Uint8Array(96).fill(3);
    const w = await kms.wrap(dek, { provider: 'local:zero' });
    expect(await new LocalKmsProvider(ZERO_MASTER_KEY, 'local:zero').unwrap(w, { provider: 'local:zero' })).toEqual(dek);
    // The wrap binds no provider name: another named provider holding the same key unwraps it.
    expect(await kms.unwrap(w, { provider: 'local:bin' })).toEqual(dek);
    await expectCode(kms.unwrap(w, { provider: 'local' }), 'UNWRAP_FAILED'); // different master key
  });

  it("never wipes or aliases the caller's key bytes, even a Buffer-backed Binary from bson", async () => {
    const bin = Binary.createFromBase64(SPEC_MASTER_KEY_B64);
    const raw = new Uint8Array(ZERO_MASTER_KEY.length).fill(4);
    const kms = new KmsProviders({ local: { key: bin }, 'local:raw': { key: raw } });
    expect(new Uint8Array(bin.buffer.subarray(0, 96))).toEqual(SPEC_MASTER_KEY);
    expect(raw).toEqual(new Uint8Array(96).fill(4));
    const w = await kms.wrap(new Uint8Array(96).fill(1), { provider: 'local' });
    bin.buffer.fill(0); // changing the caller's copy afterwards does not change the provider
    expect(await new LocalKmsProvider(SPEC_MASTER_KEY).unwrap(w, { provider: 'local' })).toEqual(new Uint8Array(96).fill(1));
  });

  it('KMS_PROVIDER_NOT_CONFIGURED names the missing provider', async () => {
    const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY } });
    const e = await expectCode(() => kms.get('local:other'), 'KMS_PROVIDER_NOT_CONFIGURED');
    expect(e.message).toContain("'local:other'");
    await expectCode(() => kms.get('aws'), 'KMS_PROVIDER_NOT_CONFIGURED');
  });

  it('cloud entries become @fle-ts/kms providers, checked as libmongocrypt checks them; register() replaces one', async () => {
    const kms = new KmsProviders({ aws: { accessKeyId: 'x', secretAccessKey: 'y' }, 'gcp:x': { accessToken: 't' }, azure: {}, kmip: { endpoint: 'localhost' } });
    expect(['aws', 'gcp:x', 'azure', 'kmip'].every((p) => kms.has(p))).toBe(true);
    // {} for a named provider is refused (LMC: on-demand credentials only for unnamed providers),
    // when first used: @fle-ts/kms is loaded only then
    const gcpMk = { provider: 'gcp:x', projectId: 'p', location: 'l', keyRing: 'r', keyName: 'k' };
    await expect(new KmsProviders({ 'gcp:x': {} }).unwrap(new Uint8Array(160), gcpMk)).rejects.toMatchObject({ code: 'KMS_BAD_OPTIONS', provider: 'gcp:x' });
    await expect(new KmsProviders({ aws: { accessKeyId: 'x' } }).wrap(new Uint8Array(96), { provider: 'aws', region: 'r', key: 'k' })).rejects.toMatchObject({ code: 'KMS_BAD_OPTIONS', provider: 'aws' });
    expect(() => new KmsProviders({ aws: 'creds' } as never)).toThrow(expect.objectContaining({ code: 'BAD_MASTER_KEY' }));
    // kmip without kmipExchange: refused on use, naming the option
    await expect(kms.prepareMasterKey({ provider: 'kmip' })).rejects.toMatchObject({ code: 'KMS_BAD_OPTIONS', message: expect.stringContaining('kmipExchange') });
    const fake = { name: 'aws', wrap: async (k: Uint8Array) => k.slice().reverse(), unwrap: async (m: Uint8Array) => m.slice().reverse() };
    kms.register(fake);
    expect(kms.get('aws')).toBe(fake);
  });

  it('UNKNOWN_KMS_PROVIDER for an option or a lookup that is no provider type', async () => {
    await expectCode(() => new KmsProviders({ vault: {} } as never), 'UNKNOWN_KMS_PROVIDER');
    await expectCode(() => new KmsProviders().get('hsm'), 'UNKNOWN_KMS_PROVIDER');
  });
});

describeShared('unwrap known answers in ../shared', () => {
  it('libmongocrypt/keys/*-local-document.json unwrap under the zero KEK to *-key-material.txt', async () => {
    const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY } });
    const dir = join(SHARED_VECTORS, 'libmongocrypt/keys');
    const docs = readdirSync(dir).filter((f) => f.endsWith('-local-document.json'));
    expect(docs.length).toBeGreaterThanOrEqual(4);
    for (const f of docs) {
      const doc = parseKeyDocument(readSharedText(`libmongocrypt/keys/${f}`));
      const material = readSharedText(`libmongocrypt/keys/${f.replace('-local-document.json', '-key-material.txt')}`).trim();
      expect(bytesToHex(await kms.unwrap(keyMaterialBytes(doc), doc.masterKey)), f).toBe(material.toLowerCase());
    }
  });

  it('spec-extra key1/key2 under the spec key hold the same data keys as the zero-KEK libmongocrypt copies', async () => {
    const spec = new KmsProviders({ local: { key: SPEC_MASTER_KEY_B64 } });
    for (const [k, id] of [['key1', '12345678123498761234123456789012'], ['key2', 'ABCDEFAB123498761234123456789012']]) {
      const doc = parseKeyDocument(readSharedText(`spec-extra/keys/${k}-document.json`));
      const want = readSharedText(`libmongocrypt/keys/${id}-key-material.txt`).trim().toLowerCase();
      expect(bytesToHex(await spec.unwrap(keyMaterialBytes(doc), doc.masterKey))).toBe(want);
    }
  });

  it('spec-corpus/corpus-key-local.json (status 1) and the fle1-known-answers unwrap KATs', async () => {
    const spec = new KmsProviders({ local: { key: SPEC_MASTER_KEY } });
    const doc = parseKeyDocument(readSharedText('spec-corpus/corpus-key-local.json'));
    expect(doc.status).toBe(1);
    const dek = await spec.unwrap(keyMaterialBytes(doc), doc.masterKey);
    expect(dek.length).toBe(96);
    const kat = JSON.stringify(readSharedJson('spec-extra/fle1-known-answers.json'));
    expect(kat).toContain(bytesToHex(dek)); // the KAT file lists the corpus data key in hex
  });

  it('libmongocrypt/key-document-local.json (far-future dates) unwraps under the zero KEK', async () => {
    const doc = parseKeyDocument(readSharedText('libmongocrypt/key-document-local.json'));
    const dek = await new KmsProviders({ local: { key: ZERO_MASTER_KEY } }).unwrap(keyMaterialBytes(doc), doc.masterKey);
    expect(dek.length).toBe(96);
  });

  it('the spec key is the base64 decoded once: decoding twice is a wrong key', async () => {
    const twice = Buffer.from(Buffer.from(SPEC_MASTER_KEY_B64, 'base64').toString('latin1'), 'base64');
    expect(twice.length).not.toBe(96);
    await expectCode(() => new LocalKmsProvider(new Uint8Array(twice)), 'BAD_MASTER_KEY');
  });
});
