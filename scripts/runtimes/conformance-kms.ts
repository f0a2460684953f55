// The remote-KMS check of the runtime matrix (issue 13): createDataKey -> encrypt -> decrypt through
// @fle-ts/client's ClientEncryption with the aws provider, over the runtime's own fetch to the
// kms package's loopback mock (packages/kms/test/mock-kms.ts, started by matrix.mjs), which
// recomputes every SigV4 signature with @smithy/signature-v4 and answers 400 to a wrong one; a
// wrong secret must come back as KmsError KMS_HTTP_ERROR naming aws, without the secret.
import { ClientEncryption } from '@fle-ts/client';
import { MemoryKeyVault } from '@fle-ts/keyvault';
import { Binary } from 'bson';

type Files = Record<string, string>;
type Check = () => string | Promise<string>;

/** The file matrix.mjs embeds when its mock runs: where the mock listens and the account it knows. */
export const KMS_MOCK_FILE = 'kms-mock.json';

interface MockConfig { endpoint: string; accessKeyId: string; secretAccessKey: string }

/**
 * Where this runtime reaches the mock: a browser page reaches it through the page's own origin
 * (the matrix's page server forwards to the mock: same origin, no CORS preflight), every other
 * runtime on 127.0.0.1 directly.
 */
function endpointFor(cfg: MockConfig): string {
  const loc = (globalThis as { location?: { protocol?: string; host?: string } }).location;
  return loc?.protocol === 'http:' && typeof loc.host === 'string' && loc.host.startsWith('127.0.0.1:') ? loc.host : cfg.endpoint;
}

/** The KMS checks, appended to conformance.ts's list when matrix.mjs embedded the mock's address. */
export function kmsChecks(files: Files): Array<[string, Check]> {
  const raw = files[KMS_MOCK_FILE];
  if (raw === undefined) return [];
  const cfg = JSON.parse(raw) as MockConfig;
  const kmsOptions = { protocol: 'http:' as const, sleep: async () => {}, backoffMs: () => 0 };
  return [
    ['kms: aws createDataKey -> encrypt -> decrypt over fetch to the SigV4-verifying loopback mock', async () => {
      const endpoint = endpointFor(cfg);
      const keyVault = new MemoryKeyVault();
      const ce = new ClientEncryption({ keyVault, kmsProviders: { aws: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } }, kmsOptions } as never);
      const masterKey = { region: 'us-east-1', key: 'arn:aws:kms:us-east-1:1:key/matrix', endpoint };
      const keyId = await ce.createDataKey('aws', { masterKey, keyAltNames: ['matrix'] } as never);
      const doc = await ce.getKey(keyId);
      const material = (doc?.keyMaterial as Binary).buffer;
      // The mock's Encrypt answer: "00SECRET" + the data key (so the stored key went through it).
      const prefix = new TextDecoder().decode(material.subarray(0, 8));
      const det = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
      const a = await ce.encrypt('runtime matrix', { keyId, algorithm: det });
      // A second client unwraps the key through the mock again (Decrypt), then decrypts.
      const fresh = new ClientEncryption({ keyVault, kmsProviders: { aws: { accessKeyId: cfg.accessKeyId, secretAccessKey: cfg.secretAccessKey } }, kmsOptions } as never);
      const back = await fresh.decrypt(a);
      const again = await fresh.encrypt('runtime matrix', { keyAltName: 'matrix', algorithm: det });
      const same = a.buffer.length === again.buffer.length && a.buffer.every((b, i) => b === again.buffer[i]);
      const wrong = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders: { aws: { accessKeyId: cfg.accessKeyId, secretAccessKey: 'wrong-MATRIX-secret' } }, kmsOptions } as never);
      const e = await wrong.createDataKey('aws', { masterKey } as never).then(() => undefined, (err: unknown) => err as { name?: string; code?: string; provider?: string; message?: string });
      const leak = e?.message?.includes('wrong-MATRIX-secret') ?? false;
      return `stored ${prefix}..., decrypt -> ${JSON.stringify(back)}, deterministic again ${same}; wrong secret -> ${e?.name} ${e?.code} provider ${e?.provider}, secret in message ${leak}`;
    }],
  ];
}
