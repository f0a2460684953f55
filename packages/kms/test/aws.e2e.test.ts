// AWS KMS end to end over loopback: the builders' bytes go over TCP as a driver sends them, the
// answers come back through HttpResponseParser and the AWS parsers. Against (1) the project's mock,
// which checks every signature with @smithy/signature-v4 and has fault modes, (2) moto, the AWS
// emulator, and (3) libmongocrypt through the same mock: keys wrapped by one unwrap in the other.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AeadKey } from '@fle-ts/crypto-core';
import {
  awsDecryptRequest, awsEncryptRequest, KmsError, parseAwsDecryptResponse, parseAwsEncryptResponse, signSigV4,
  type AwsCredentials, type AwsMasterKey,
} from '@fle-ts/kms';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describeOracle, MCORACLE, tempFile } from '../../../scripts/test-support/mcoracle.js';
import { startMockAwsKms, type MockAwsKms } from './mock-kms.js';
import { describeMoto, exchange, startMoto } from './net-support.js';
import { catchKmsAsync } from './catch-kms.js';

const CREDS: AwsCredentials = { accessKeyId: 'AKIDMOCK', secretAccessKey: 'mock/secret+key' };
const DEK = Uint8Array.from({ length: 96 }, (_, i) => (i * 31 + 7) & 0xff);
const b64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));


describe('AWS KMS against the loopback mock (signatures checked by @smithy/signature-v4)', () => {
  let kms: MockAwsKms;
  let masterKey: AwsMasterKey;
  beforeAll(async () => {
    kms = await startMockAwsKms({ [CREDS.accessKeyId]: CREDS.secretAccessKey });
    masterKey = { region: 'us-east-1', key: 'arn:aws:kms:us-east-1:000000000000:key/mock', endpoint: `127.0.0.1:${kms.port}` };
  });
  afterAll(() => kms.close());

  async function wrap(creds: AwsCredentials, dek: Uint8Array, date = new Date()): Promise<Uint8Array> {
    const req = awsEncryptRequest({ credentials: creds, masterKey, plaintext: dek, date });
    return parseAwsEncryptResponse(await exchange(req.port, req.bytes));
  }
  async function unwrap(creds: AwsCredentials, blob: Uint8Array, date = new Date()): Promise<Uint8Array> {
    const req = awsDecryptRequest({ credentials: creds, masterKey, ciphertext: blob, date });
    return parseAwsDecryptResponse(await exchange(req.port, req.bytes));
  }

  it('Encrypt then Decrypt returns the data key; both signatures verify', async () => {
    const before = kms.requests.length;
    const blob = await wrap(CREDS, DEK);
    expect(await unwrap(CREDS, blob)).toEqual(DEK);
    const seen = kms.requests.slice(before);
    expect(seen.map((r) => [r.target, r.signatureValid])).toEqual([['TrentService.Encrypt', true], ['TrentService.Decrypt', true]]);
  });

  it('with a session token: the token is sent, signed, and verifies', async () => {
    const before = kms.requests.length;
    const creds = { ...CREDS, sessionToken: 'IQoJb3JpZ2luX2VjEMOCK//token==' };
    expect(await unwrap(creds, await wrap(creds, DEK))).toEqual(DEK);
    for (const r of kms.requests.slice(before)) {
      expect(r.signatureValid).toBe(true);
      expect(r.rawHeaders).toContain('X-Amz-Security-Token');
    }
  });

  it('the mock rejects a wrong secret: KMS_HTTP_ERROR naming the provider, without the secret', async () => {
    const wrong = { accessKeyId: CREDS.accessKeyId, secretAccessKey: 'not-the-secret-SENTINEL' };
    const e = await catchKmsAsync(wrap(wrong, DEK));
    expect(e.code).toBe('KMS_HTTP_ERROR');
    expect(e.httpStatus).toBe(400);
    expect(e.message).toContain('InvalidSignatureException');
    expect(e.message).toContain("KMS provider 'aws'");
    expect(e.message).not.toContain('SENTINEL');
    expect(kms.requests.at(-1)!.signatureValid).toBe(false);
  });

  it('a request signed for another date does not verify (the mock really checks)', async () => {
    const req = awsEncryptRequest({ credentials: CREDS, masterKey, plaintext: DEK, date: new Date() });
    const tampered = new TextDecoder().decode(req.bytes).replace(/X-Amz-Date:(\d{8})T/, 'X-Amz-Date:19990101T');
    const e = await catchKmsAsync(exchange(req.port, new TextEncoder().encode(tampered)).then((r) => parseAwsEncryptResponse(r)));
    expect(e.message).toContain('InvalidSignatureException');
  });

  it.each([
    ['http500', 'KMS_HTTP_ERROR', 'KMSInternalException'],
    ['errorJson', 'KMS_HTTP_ERROR', 'InvalidCiphertextException: mock: ciphertext invalid'],
    ['badJson', 'KMS_BAD_RESPONSE', 'not JSON'],
    ['missingField', 'KMS_BAD_RESPONSE', "'CiphertextBlob'"],
    ['badBase64', 'KMS_BAD_RESPONSE', 'not valid base64'],
  ] as const)('fault %s on Encrypt gives %s', async (fault, code, phrase) => {
    kms.fault(fault);
    const e = await catchKmsAsync(wrap(CREDS, DEK));
    expect(e.code).toBe(code);
    expect(e.message).toContain(phrase);
  });

  it.each([['missingField', "'Plaintext'"], ['badBase64', 'not valid base64']] as const)('fault %s on Decrypt', async (fault, phrase) => {
    const blob = await wrap(CREDS, DEK);
    kms.fault(fault);
    const e = await catchKmsAsync(unwrap(CREDS, blob));
    expect(e.code).toBe('KMS_BAD_RESPONSE');
    expect(e.message).toContain(phrase);
  });
});

describeMoto("AWS KMS against moto (PyPI moto[server], AWS's emulator)", () => {
  let moto: { port: number; stop: () => void };
  let arn: string;
  const date = (): Date => new Date();
  const endpoint = (): string => `127.0.0.1:${moto.port}`;
  beforeAll(async () => {
    moto = await startMoto();
    // CreateKey is not a data-key operation fle-ts builds; the generic signer makes it.
    const create = signSigV4({
      method: 'POST', pathAndQuery: '/', region: 'us-east-1', service: 'kms', ...CREDS, date: date(),
      headers: [['Connection', 'close'], ['Content-Type', 'application/x-amz-json-1.1'], ['X-Amz-Target', 'TrentService.CreateKey'], ['Host', endpoint()]],
      body: '{"Description": "fle-ts test"}',
    });
    const res = await exchange(moto.port, create.request);
    expect(res.status).toBe(200);
    arn = (JSON.parse(new TextDecoder().decode(res.body)) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn;
  });
  afterAll(() => moto?.stop());

  it('Encrypt then Decrypt returns the data key, with and without a session token', async () => {
    for (const credentials of [CREDS, { ...CREDS, sessionToken: 'moto-session-token' }]) {
      const enc = awsEncryptRequest({ credentials, masterKey: { region: 'us-east-1', key: arn, endpoint: endpoint() }, plaintext: DEK, date: date() });
      const blob = parseAwsEncryptResponse(await exchange(moto.port, enc.bytes));
      expect(blob).not.toEqual(DEK);
      const dec = awsDecryptRequest({ credentials, masterKey: { region: 'us-east-1', key: arn, endpoint: endpoint() }, ciphertext: blob, date: date() });
      expect(parseAwsDecryptResponse(await exchange(moto.port, dec.bytes))).toEqual(DEK);
    }
  });

  it('an unknown key is NotFoundException: KMS_HTTP_ERROR with the AWS error type', async () => {
    const enc = awsEncryptRequest({ credentials: CREDS, masterKey: { region: 'us-east-1', key: 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000', endpoint: endpoint() }, plaintext: DEK, date: date() });
    const e = await catchKmsAsync(exchange(moto.port, enc.bytes).then((r) => parseAwsEncryptResponse(r)));
    expect(e.code).toBe('KMS_HTTP_ERROR');
    expect(e.message).toContain('NotFoundException');
  });

  it('a garbage ciphertext is refused: KMS_HTTP_ERROR', async () => {
    const dec = awsDecryptRequest({ credentials: CREDS, masterKey: { region: 'us-east-1', key: arn, endpoint: endpoint() }, ciphertext: new Uint8Array(64).fill(7), date: date() });
    const e = await catchKmsAsync(exchange(moto.port, dec.bytes).then((r) => parseAwsDecryptResponse(r)));
    expect(e.code).toBe('KMS_HTTP_ERROR');
    expect(e.httpStatus).toBeGreaterThanOrEqual(400);
  });
});

describeOracle('AWS data keys interoperate with libmongocrypt 1.7.2 through the mock', () => {
  let kms: MockAwsKms;
  let masterKey: AwsMasterKey;
  let providers: string;
  beforeAll(async () => {
    kms = await startMockAwsKms({ [CREDS.accessKeyId]: CREDS.secretAccessKey });
    masterKey = { region: 'us-east-1', key: 'arn:aws:kms:us-east-1:000000000000:key/interop' };
    providers = tempFile('aws-interop-providers.json', JSON.stringify({ aws: CREDS }));
  });
  afterAll(() => kms.close());
  // Asynchronous: the mock runs in this process, so a synchronous child would block its answers.
  const oracle = async (args: string[]): Promise<string> =>
    (await promisify(execFile)(MCORACLE!, [...args, '--kms-addr', `127.0.0.1:${kms.port}`], { encoding: 'utf8', timeout: 20_000 })).stdout;

  it("libmongocrypt's datakey (its signed Encrypt verified by the mock) unwraps in fle-ts to the same DEK", async () => {
    const before = kms.requests.length;
    const doc = JSON.parse(await oracle(['datakey', '--kms-providers', providers, '--provider', 'aws', '--master-key', JSON.stringify(masterKey), '--material', b64(DEK)])) as {
      keyMaterial: { $binary: { base64: string } };
      masterKey: Record<string, string>;
    };
    expect(kms.requests.slice(before).map((r) => r.signatureValid)).toEqual([true]);
    expect(doc.masterKey).toEqual({ provider: 'aws', ...masterKey });
    const material = Uint8Array.from(atob(doc.keyMaterial.$binary.base64), (c) => c.charCodeAt(0));
    const req = awsDecryptRequest({ credentials: CREDS, masterKey, ciphertext: material, date: new Date() });
    expect(parseAwsDecryptResponse(await exchange(kms.port, req.bytes))).toEqual(DEK);
  });

  it('a key wrapped by fle-ts unwraps in libmongocrypt: its ciphertext decrypts under the same DEK', async () => {
    const req = awsEncryptRequest({ credentials: CREDS, masterKey, plaintext: DEK, date: new Date() });
    const material = parseAwsEncryptResponse(await exchange(kms.port, req.bytes));
    const keyId = Uint8Array.from({ length: 16 }, (_, i) => 0x50 + i);
    const date = { $date: { $numberLong: '1700000000000' } };
    const keys = tempFile('aws-interop-keys.json', JSON.stringify([{
      _id: { $binary: { base64: b64(keyId), subType: '04' } },
      keyMaterial: { $binary: { base64: b64(material), subType: '00' } },
      creationDate: date, updateDate: date, status: { $numberInt: '0' },
      masterKey: { provider: 'aws', ...masterKey },
    }]));
    const values = tempFile('aws-interop-values.json', JSON.stringify([{ v: 'secret value' }]));
    const before = kms.requests.length;
    const out = JSON.parse(await oracle(['encrypt', '--kms-providers', providers, '--keys', keys, '--algorithm', 'AEAD_AES_256_CBC_HMAC_SHA_512-Random', '--key-id', b64(keyId), '--values', values])) as Array<{ v: { $binary: { base64: string } } }>;
    expect(kms.requests.slice(before).map((r) => [r.target, r.signatureValid])).toEqual([['TrentService.Decrypt', true]]);
    const blob = Uint8Array.from(atob(out[0]!.v.$binary.base64), (c) => c.charCodeAt(0));
    expect(blob.subarray(1, 17)).toEqual(keyId);
    // The FLE1 AEAD with the 18-byte header as associated data (fle1-spec.md): only the DEK that
    // fle-ts wrapped opens it, so libmongocrypt unwrapped fle-ts's keyMaterial to that DEK.
    const plaintext = new AeadKey(DEK).decrypt(blob.subarray(18), blob.subarray(0, 18));
    expect(new TextDecoder().decode(plaintext.subarray(4, -1))).toBe('secret value');
  });
});
