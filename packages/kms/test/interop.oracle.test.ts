// Azure and GCP data keys interoperate with libmongocrypt 1.7.2 through the same loopback mock
// (mcoracle --kms-addr), in both directions: a key libmongocrypt created unwraps in fle-ts to the
// DEK given with --material, and a key fle-ts wrapped lets libmongocrypt encrypt a value that opens
// with that DEK. The mock checks every request either client sends (Azure client credentials,
// the GCP JWT's RS256 signature, bearer tokens). AWS is in aws.e2e.test.ts.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AeadKey } from '@fle-ts/crypto-core';
import { createAzureKmsProvider, createGcpKmsProvider, type RemoteKmsProvider } from '@fle-ts/kms';
import { describeOracle, MCORACLE, tempFile } from '../../../scripts/test-support/mcoracle.js';
import { startMockKms, type MockKms } from './mock-kms.js';
import { readVectorBytes } from './vectors.js';

const KEY = JSON.parse(readVectorBytes('gcp-test-key.json')) as { email: string; privateKeyPkcs8: string; publicKeySpki: string };
const AZURE = { tenantId: 'tenant-interop', clientId: 'client-interop', clientSecret: 'secret-interop' };
const DEK = Uint8Array.from({ length: 96 }, (_, i) => (i * 29 + 3) & 0xff);
const b64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));
const bytes = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

describeOracle('Azure and GCP keys interoperate with libmongocrypt 1.7.2 through the mock', () => {
  let kms: MockKms;
  let ep: string;
  beforeAll(async () => {
    kms = await startMockKms({ azure: AZURE, gcp: { email: KEY.email, publicKeySpki: bytes(KEY.publicKeySpki) } });
    ep = `127.0.0.1:${kms.port}`;
  });
  afterAll(() => kms.close());
  const oracle = async (args: string[]): Promise<string> =>
    (await promisify(execFile)(MCORACLE!, [...args, '--kms-addr', ep], { encoding: 'utf8', timeout: 30_000 })).stdout;

  const setups = (): Array<{ name: string; providers: unknown; masterKey: Record<string, string>; ours: () => RemoteKmsProvider }> => [
    {
      name: 'azure',
      providers: { azure: { ...AZURE, identityPlatformEndpoint: ep } },
      masterKey: { keyVaultEndpoint: ep, keyName: 'interop-key', keyVersion: 'v1' },
      ours: () => createAzureKmsProvider('azure', { ...AZURE, identityPlatformEndpoint: ep }, { protocol: 'http:' }),
    },
    {
      name: 'gcp',
      providers: { gcp: { email: KEY.email, privateKey: KEY.privateKeyPkcs8, endpoint: ep } },
      masterKey: { projectId: 'p', location: 'global', keyRing: 'r', keyName: 'interop', endpoint: ep },
      ours: () => createGcpKmsProvider('gcp', { email: KEY.email, privateKey: KEY.privateKeyPkcs8, endpoint: ep }, { protocol: 'http:' }),
    },
  ];

  for (const name of ['azure', 'gcp']) {
    it(`${name}: libmongocrypt's datakey unwraps in fle-ts to the same DEK`, async () => {
      const s = setups().find((x) => x.name === name)!;
      const before = kms.requests.length;
      const doc = JSON.parse(await oracle(['datakey', '--kms-providers', tempFile(`${name}-p.json`, JSON.stringify(s.providers)), '--provider', name,
        '--master-key', JSON.stringify(s.masterKey), '--material', b64(DEK)])) as { keyMaterial: { $binary: { base64: string } }; masterKey: Record<string, string> };
      expect(kms.requests.slice(before).map((r) => r.signatureValid)).toEqual([true, true]); // token + wrap, both checked
      const mk = { ...doc.masterKey, provider: name };
      expect(await s.ours().unwrap(bytes(doc.keyMaterial.$binary.base64), mk)).toEqual(DEK);
    });

    it(`${name}: a key wrapped by fle-ts unwraps in libmongocrypt (its ciphertext opens with the DEK)`, async () => {
      const s = setups().find((x) => x.name === name)!;
      const material = await s.ours().wrap(DEK, { provider: name, ...s.masterKey });
      const keyId = Uint8Array.from({ length: 16 }, (_, i) => (name === 'gcp' ? 0x60 : 0x70) + i);
      const date = { $date: { $numberLong: '1700000000000' } };
      const keys = tempFile(`${name}-keys.json`, JSON.stringify([{
        _id: { $binary: { base64: b64(keyId), subType: '04' } }, keyMaterial: { $binary: { base64: b64(material), subType: '00' } },
        creationDate: date, updateDate: date, status: { $numberInt: '0' }, masterKey: { provider: name, ...s.masterKey },
      }]));
      const values = tempFile(`${name}-values.json`, JSON.stringify([{ v: `secret for ${name}` }]));
      const before = kms.requests.length;
      const out = JSON.parse(await oracle(['encrypt', '--kms-providers', tempFile(`${name}-p.json`, JSON.stringify(s.providers)), '--keys', keys,
        '--algorithm', 'AEAD_AES_256_CBC_HMAC_SHA_512-Random', '--key-id', b64(keyId), '--values', values])) as Array<{ v: { $binary: { base64: string } } }>;
      expect(kms.requests.slice(before).every((r) => r.signatureValid)).toBe(true);
      const blob = bytes(out[0]!.v.$binary.base64);
      const plaintext = new AeadKey(DEK).decrypt(blob.subarray(18), blob.subarray(0, 18));
      expect(new TextDecoder().decode(plaintext.subarray(4, -1))).toBe(`secret for ${name}`);
    });
  }
});
