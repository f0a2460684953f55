// Byte equality with the real libmongocrypt (Debian 1.7.2, through mcoracle `kms-request`) at a
// fixed clock: the AWS Encrypt request of a datakey and the Decrypt request of an explicit decrypt,
// with and without a session token, with the default and a custom endpoint.
import { describe, expect, it } from 'vitest';
import { awsDecryptRequest, awsEncryptRequest, azureWrapKeyRequest, gcpEncryptRequest } from '@fle-ts/kms';
import { describeOracle } from '../../../scripts/test-support/mcoracle.js';
import { oracleKmsRequest, scratch } from './oracle.js';

const b64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

const CREDS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
const TOKEN_CREDS = { ...CREDS, sessionToken: 'FwoGZXIvYXdzEBYaDFAKE+session/token==' };
const DEK = Uint8Array.from({ length: 96 }, (_, i) => (i * 7 + 3) & 0xff);
const KEY_ARN = 'arn:aws:kms:us-east-1:579766882180:key/89fcc2c4-08b0-4bd9-9f25-e30687b580d0';
// A wrapped key as AWS returns it (any bytes do: libmongocrypt only base64s them into the request).
const KEY_MATERIAL = Uint8Array.from({ length: 184 }, (_, i) => (i * 13 + 1) & 0xff);
const KEY_ID = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

function keyDocument(masterKey: Record<string, string>): string {
  const bin = (b: Uint8Array, t: string) => ({ $binary: { base64: b64(b), subType: t } });
  const date = { $date: { $numberLong: '1600000000000' } };
  return JSON.stringify([{
    _id: bin(KEY_ID, '04'), keyMaterial: bin(KEY_MATERIAL, '00'), creationDate: date, updateDate: date,
    status: { $numberInt: '0' }, masterKey: { provider: 'aws', ...masterKey },
  }]);
}

// An FLE1 random ciphertext naming KEY_ID (subtype 2, type string); libmongocrypt asks the KMS for
// the key before it looks at the ciphertext, so its bytes need not decrypt.
function valuesFile(): string {
  const blob = new Uint8Array(1 + 16 + 1 + 64);
  blob[0] = 2;
  blob.set(KEY_ID, 1);
  blob[17] = 2;
  return JSON.stringify([{ v: { $binary: { base64: b64(blob), subType: '06' } } }]);
}

const CASES = [
  { name: 'default endpoint, no session token', creds: CREDS, masterKey: { region: 'us-east-1', key: KEY_ARN } },
  { name: 'session token', creds: TOKEN_CREDS, masterKey: { region: 'us-east-1', key: KEY_ARN } },
  { name: 'custom endpoint with port and session token', creds: TOKEN_CREDS, masterKey: { region: 'eu-west-3', key: 'alias/my-key', endpoint: 'kms.example.com:8443' } },
  { name: 'custom endpoint without port', creds: CREDS, masterKey: { region: 'us-east-2', key: KEY_ARN, endpoint: 'vpce-1234.kms.us-east-2.vpce.amazonaws.com' } },
] as const;
const CLOCKS = [1440938160, 1767225599]; // 2015-08-30T12:36:00Z (the suite's date), 2025-12-31T23:59:59Z

describeOracle('AWS KMS requests equal libmongocrypt 1.7.2 byte for byte (mcoracle kms-request)', () => {
  for (const c of CASES) {
    for (const t of CLOCKS) {
      it(`Encrypt (createDataKey): ${c.name}, time ${t}`, () => {
        const expected = oracleKmsRequest(t, { aws: c.creds }, [
          '--provider', 'aws', '--master-key', JSON.stringify(c.masterKey), '--material', b64(DEK),
        ]);
        const ours = awsEncryptRequest({ credentials: c.creds, masterKey: c.masterKey, plaintext: DEK, date: new Date(t * 1000) });
        expect(text(ours.bytes)).toBe(text(expected));
        expect(ours.bytes).toEqual(expected);
      });

      it(`Decrypt (key unwrap): ${c.name}, time ${t}`, () => {
        const expected = oracleKmsRequest(t, { aws: c.creds }, [
          '--keys', scratch('keys.json', keyDocument(c.masterKey)), '--values', scratch('values.json', valuesFile()),
        ]);
        const ours = awsDecryptRequest({ credentials: c.creds, masterKey: c.masterKey, ciphertext: KEY_MATERIAL, date: new Date(t * 1000) });
        expect(text(ours.bytes)).toBe(text(expected));
        expect(ours.bytes).toEqual(expected);
      });
    }
  }

  it('a different clock gives different bytes (the comparison sees the date)', () => {
    const c = CASES[0];
    const expected = oracleKmsRequest(CLOCKS[0]!, { aws: c.creds }, ['--provider', 'aws', '--master-key', JSON.stringify(c.masterKey), '--material', b64(DEK)]);
    const ours = awsEncryptRequest({ credentials: c.creds, masterKey: c.masterKey, plaintext: DEK, date: new Date((CLOCKS[0]! + 1) * 1000) });
    expect(text(ours.bytes)).not.toBe(text(expected));
  });
});

describe('oracle test inputs', () => {
  it('the decrypt value names the key document', () => {
    expect(valuesFile()).toContain(b64(new Uint8Array([2, ...KEY_ID])).slice(0, 20));
  });
});

// SPEC accessToken mode: with the token given (mcoracle --on-demand: libmongocrypt 1.7.2 ignores
// crypt-level accessTokens for datakey, README "Quirks"), the first request is the KMS operation
// itself with that bearer token; the builders given the same token make the same bytes.

describeOracle('accessToken mode equals libmongocrypt 1.7.2 (no token request)', () => {
  it('azure {accessToken}: the wrapkey request', () => {
    const mk = { keyVaultEndpoint: 'v.vault.azure.net', keyName: 'k', keyVersion: '7' };
    const expected = oracleKmsRequest(CLOCKS[0]!, { azure: { accessToken: 'at-azure-123' } }, ['--on-demand', '--provider', 'azure', '--master-key', JSON.stringify(mk), '--material', b64(DEK)]);
    expect(text(azureWrapKeyRequest({ accessToken: 'at-azure-123', masterKey: mk, plaintext: DEK }).bytes)).toBe(text(expected));
  });

  it('gcp {accessToken}: the encrypt request', () => {
    const mk = { projectId: 'p', location: 'l', keyRing: 'r', keyName: 'k' };
    const expected = oracleKmsRequest(CLOCKS[0]!, { gcp: { accessToken: 'ya29.at-gcp' } }, ['--on-demand', '--provider', 'gcp', '--master-key', JSON.stringify(mk), '--material', b64(DEK)]);
    expect(text(gcpEncryptRequest({ accessToken: 'ya29.at-gcp', masterKey: mk, plaintext: DEK }).bytes)).toBe(text(expected));
  });
});
