// Independent check of the SigV4 signatures: AWS's own signer from npm (@smithy/signature-v4, with
// node:crypto SHA-256) must compute the same Authorization for the requests the builders make
// (qe-kms-vectors.md §B.8 step 1).
import { SignatureV4 } from '@smithy/signature-v4';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { awsDecryptRequest, awsEncryptRequest, type AwsCredentials, type KmsHttpRequest } from '@fle-ts/kms';
import { NodeSha256 } from './sha256-node.js';

async function smithyAuthorization(req: KmsHttpRequest, creds: AwsCredentials, region: string, date: Date): Promise<string> {
  const signer = new SignatureV4({ service: 'kms', region, credentials: creds, sha256: NodeSha256, applyChecksum: false });
  const headers: Record<string, string> = {};
  for (const [n, v] of req.headers) if (n !== 'Authorization' && n !== 'X-Amz-Date') headers[n] = v;
  const host = headers.Host!;
  const signed = await signer.sign(
    { method: req.method, protocol: 'https:', hostname: host, path: req.path, query: {}, headers, body: new TextDecoder().decode(req.body) },
    { signingDate: date },
  );
  return (signed as { headers: Record<string, string> }).headers.authorization!;
}

const authorizationOf = (r: KmsHttpRequest): string => r.headers.find(([n]) => n === 'Authorization')![1];

const word = (min: number, max: number, chars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/+=') =>
  fc.string({ unit: fc.constantFrom(...chars), minLength: min, maxLength: max });

describe('SigV4 of the AWS KMS requests equals @smithy/signature-v4', () => {
  it('the fixed mcoracle case: Encrypt of 96 zero bytes for alias/1 at 2015-08-30T12:36:00Z', async () => {
    const creds = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' };
    const date = new Date(1440938160 * 1000);
    const req = awsEncryptRequest({ credentials: creds, masterKey: { region: 'us-east-1', key: 'alias/1' }, plaintext: new Uint8Array(96), date });
    expect(authorizationOf(req)).toBe(await smithyAuthorization(req, creds, 'us-east-1', date));
  });

  it('random credentials, session tokens, regions, keys, endpoints, data keys and dates (100 runs)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          accessKeyId: word(16, 24, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'),
          secretAccessKey: word(1, 48),
          sessionToken: fc.option(word(1, 200), { nil: undefined }),
        }),
        word(1, 20, 'abcdefghijklmnopqrstuvwxyz0123456789-'),
        word(1, 80, 'abcdefghijklmnopqrstuvwxyz0123456789:/-_'),
        fc.option(fc.tuple(fc.constantFrom('kms.example.com', 'localhost.localdomain', '127.0.0.1'), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })), { nil: undefined }),
        fc.uint8Array({ minLength: 0, maxLength: 200 }),
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.boolean(),
        async (creds, region, key, ep, bytes, date, encrypt) => {
          const credentials = creds.sessionToken === undefined ? { accessKeyId: creds.accessKeyId, secretAccessKey: creds.secretAccessKey } : creds;
          const endpoint = ep === undefined ? undefined : ep[1] === undefined ? ep[0] : `${ep[0]}:${ep[1]}`;
          const masterKey = endpoint === undefined ? { region, key } : { region, key, endpoint };
          const req = encrypt
            ? awsEncryptRequest({ credentials, masterKey, plaintext: bytes, date })
            : awsDecryptRequest({ credentials, masterKey, ciphertext: bytes, date });
          expect(authorizationOf(req)).toBe(await smithyAuthorization(req, credentials, region, date));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a different secret gives a different signature (the comparison can fail)', async () => {
    const date = new Date(1440938160 * 1000);
    const req = awsEncryptRequest({ credentials: { accessKeyId: 'A', secretAccessKey: 's1' }, masterKey: { region: 'us-east-1', key: 'k' }, plaintext: new Uint8Array(96), date });
    expect(authorizationOf(req)).not.toBe(await smithyAuthorization(req, { accessKeyId: 'A', secretAccessKey: 's2' }, 'us-east-1', date));
  });
});
