// The official driver (npm mongodb 6.x and 7.x) with this package as its binding, running the
// NEED_KMS loop for an aws key: the driver opens TLS to the masterKey's endpoint itself (trusting
// a certificate made with openssl through its tlsOptions.aws.tlsCAFile), a TLS front hands the
// bytes to the kms package's mock, which verifies every SigV4 signature, Azure's client credentials,
// GCP's RS256 JWT and the bearer tokens (test/e2e/driver-kms-e2e.ts); azure and gcp keys likewise.
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HAS_OPENSSL = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

const reports = new Map<string, Record<string, any>>();
/** One driver process per major, shared by its describe blocks. */
function runDriver(major: '6' | '7'): Record<string, any> {
  const seen = reports.get(major);
  if (seen) return seen;
  const r = spawnSync(process.execPath, ['--conditions=@fle-ts/source', '--import', 'tsx', 'test/e2e/driver-kms-e2e.ts', major], { cwd: PKG, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`driver KMS e2e (mongodb ${major}) exited ${r.status}: ${r.stderr}`);
  const report = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, any>;
  reports.set(major, report);
  return report;
}

if (!HAS_OPENSSL && process.env.CI === 'true') throw new Error('CI=true but openssl is not installed (the TLS certificate is made with it)');
if (!HAS_OPENSSL) console.warn('[fle-ts] openssl not found: skipping the driver NEED_KMS tests over TLS.');

for (const major of ['6', '7'] as const) {
  describe.skipIf(!HAS_OPENSSL)(`official driver mongodb ${major}.x: aws data keys through the NEED_KMS loop over the driver's own TLS`, () => {
    const report = HAS_OPENSSL ? runDriver(major) : {};
    it('createDataKey stores the aws masterKey and the KMS-wrapped keyMaterial; encrypt/decrypt; a fresh ClientEncryption unwraps again', () => {
      expect(report.fatal).toBeUndefined();
      expect(report.stored.masterKey).toMatchObject({ provider: 'aws', region: 'us-east-1', key: 'arn:aws:kms:us-east-1:1:key/driver' });
      expect(report.stored.keyMaterialPrefix).toBe('00SECRET'); // the mock's wrapping, not a local AEAD blob
      expect(report.decrypted).toBe('over the NEED_KMS loop');
      expect(report.freshDecrypted).toBe('over the NEED_KMS loop');
      expect(report.byAltName).toBe(true);
    });
    it('rewrapManyDataKey aws -> local -> aws through the driver; the value still decrypts', () => {
      expect([report.rewrapToLocal, report.rewrapToAws, report.afterRewrap]).toEqual([1, 1, 'over the NEED_KMS loop']);
    });
    it('every request went over the driver\'s TLS and carried a valid SigV4 signature; a KMS error is the driver\'s MongoCryptError naming aws', () => {
      expect(report.signaturesValid).toBe(true);
      expect(report.tlsConnections).toBe(report.requests.length);
      expect(report.requests.filter((t: string) => t === 'TrentService.Encrypt')).toHaveLength(2);
      expect(report.kmsError).toMatchObject({ name: 'MongoCryptError', message: expect.stringMatching(/^KMS provider 'aws': AWS KMS answered with error 400 \(InvalidCiphertextException/) });
      expect(report.kmsError.message).not.toContain('driver-kms-secret');
    });
  });
}

for (const major of ['6', '7'] as const) {
  describe.skipIf(!HAS_OPENSSL)(`official driver mongodb ${major}.x: azure and gcp data keys through the NEED_KMS loop (token request first)`, () => {
    const report = HAS_OPENSSL ? runDriver(major) : {};
    it('createDataKey, encrypt, decrypt with a fresh ClientEncryption, rewrap azure -> gcp; every request verified by the mock over the driver\'s TLS', () => {
      expect(report.fatal).toBeUndefined();
      expect(report.cloudDecrypted).toEqual(['via azure', 'via gcp']);
      expect([report.cloudRewrap, report.cloudRewrappedProvider, report.cloudAfterRewrap]).toEqual([1, 'gcp', 'via azure']);
      // createDataKey x2 (token + wrap each), encrypt's unwraps with the tokens cached in that
      // MongoCrypt, the fresh client's two unwraps (a token each), the rewrap's unwrap + wrap (cached
      // tokens again), the last fresh client's token + decrypt.
      expect(report.cloudRequests).toEqual([
        'azure-token', 'azure-wrapkey', 'gcp-token', 'gcp-encrypt',
        'azure-unwrapkey', 'gcp-decrypt',
        'azure-token', 'azure-unwrapkey', 'gcp-token', 'gcp-decrypt',
        'azure-unwrapkey', 'gcp-encrypt',
        'gcp-token', 'gcp-decrypt',
      ]);
      expect(report.cloudValid).toBe(true);
      expect(report.cloudTlsConnections).toBe(report.cloudRequests.length);
    });
    it('azure: {}: the driver\'s own IMDS token (Metadata header checked by the mock) reaches the drop-in as {accessToken} in each context; no OAuth request', () => {
      expect(report.fatal).toBeUndefined();
      expect(report.onDemandDecrypted).toBe('azure on demand');
      // The driver caches its IMDS token (its tokenCache): one IMDS request, then wrap, encrypt's unwrap, a fresh client's unwrap.
      expect(report.onDemandRequests).toEqual(['azure-imds', 'azure-wrapkey', 'azure-unwrapkey', 'azure-unwrapkey']);
    });
    it('a wrong client secret is the driver\'s MongoCryptError naming azure, without the secret', () => {
      expect(report.cloudError).toMatchObject({ name: 'MongoCryptError', message: expect.stringMatching(/^KMS provider 'azure': .*400/) });
      expect(report.cloudError.message).not.toContain('wrong-driver-secret');
    });
  });
}
