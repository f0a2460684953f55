// The spec's unified files that need a remote KMS with auto encryption or access tokens
// (awsTemporary, azureKMS, gcpKMS, kmipKMS, accessToken-azure, accessToken-gcp: 10 tests) through
// the official driver (6.x and 7.x) + this package against the test wire server, with the driver's
// KMS connections sent to the verifying mock and the in-memory KMIP server over TLS
// (test/e2e/driver-kms-unified.ts). The spec runner (spec-unified-runner.test.ts) runs the same
// files with dummy credentials, where only the tests that never reach a KMS can pass.
// What cannot be checked, printed per test: the expected ciphertexts come from data keys wrapped by
// the drivers' own cloud accounts and KMIP server, whose plaintext is not published; the keys are
// re-wrapped through the mock (a random data key under the same masterKey), so each ciphertext is
// compared on its clear 18-byte prefix (algorithm, key UUID, BSON type) and length, and read back
// through the driver's decryption. Command events are not compared here.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeShared, SHARED_VECTORS } from '../../../scripts/test-support/shared.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const HAS_OPENSSL = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;
if (!HAS_OPENSSL && process.env.CI === 'true') throw new Error('CI=true but openssl is not installed (the TLS certificate is made with it)');
if (!HAS_OPENSSL) console.warn('[fle-ts] openssl not found: skipping the remote-KMS unified files through the driver.');

interface Result { file: string; test: string; ok: boolean; error?: string; checks: string[] }

describeShared('spec unified remote-KMS files through the official driver + drop-in, KMS connections to the mocks', () => {
  for (const major of ['6', '7'] as const) {
    it.skipIf(!HAS_OPENSSL)(`mongodb ${major}.x: all 10 tests of awsTemporary, azureKMS, gcpKMS, kmipKMS, accessToken-azure, accessToken-gcp`, () => {
      const r = spawnSync(process.execPath, ['--conditions=@fle-ts/source', '--import', 'tsx', 'test/e2e/driver-kms-unified.ts', major, join(SHARED_VECTORS, 'spec-unified')], {
        cwd: PKG, encoding: 'utf8', timeout: 180_000,
      });
      if (r.status !== 0) throw new Error(`driver KMS unified runner (mongodb ${major}) exited ${r.status}: ${r.stderr}`);
      const report = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { results: Result[]; redirected: string[]; mockRequests: string[] };
      for (const x of report.results) {
        expect(x.ok, `${x.file}: ${x.test}: ${x.error}`).toBe(true);
        console.log(`[spec-unified kms, driver ${major}] ${x.file}.json "${x.test}": ${x.checks.join('; ')}`
          + (x.checks.some((c) => c.includes('prefix')) ? ' (the expected ciphertext is under a data key of the drivers\' own KMS accounts, plaintext not published: not comparable byte for byte)' : ''));
      }
      expect(report.results).toHaveLength(10);
      // The driver asked for every provider's real host name; every request reaching the mock was
      // signed or authorized correctly (awsTemporary's "bad" token is refused by the token check).
      expect(report.redirected).toEqual(['cloudkms.googleapis.com:443', 'drivers-3392-key-vault.vault.azure.net:443', 'kms.us-east-1.amazonaws.com:443', 'localhost:5698', 'login.microsoftonline.com:443', 'oauth2.googleapis.com:443']);
      expect(report.mockRequests.filter((q) => q.endsWith('(refused)'))).toEqual([]);
    }, 200_000);
  }
});
