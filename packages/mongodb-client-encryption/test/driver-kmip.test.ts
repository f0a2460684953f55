// The official driver (npm mongodb 6.x and 7.x) with this package as its binding, running kmip data
// keys through its NEED_KMS loop against a real KMIP server (PyKMIP, Debian python3-pykmip) over
// mutual TLS with certificates made in the test: the driver opens each connection with its
// tlsOptions.kmip (test/e2e/driver-kmip-e2e.ts prints what it saw).
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describePyKmip, startPyKmip } from '../../kms/test/pykmip-support.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describePyKmip('official driver + drop-in: kmip keys through the NEED_KMS loop against PyKMIP', () => {
  let server: Awaited<ReturnType<typeof startPyKmip>>;
  const reports = new Map<string, Record<string, any>>();
  beforeAll(async () => {
    server = await startPyKmip();
  }, 60_000);
  afterAll(() => server?.stop());

  /** One driver process per major. */
  const run = (major: '6' | '7'): Record<string, any> => {
    const seen = reports.get(major);
    if (seen) return seen;
    const r = spawnSync(process.execPath, ['--conditions=@fle-ts/source', '--import', 'tsx', 'test/e2e/driver-kmip-e2e.ts', major, server.dir, String(server.port)], {
      cwd: PKG, encoding: 'utf8', timeout: 120_000,
    });
    if (r.status !== 0) throw new Error(`driver KMIP e2e (mongodb ${major}) exited ${r.status}: ${r.stderr}`);
    const report = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, any>;
    reports.set(major, report);
    return report;
  };

  for (const major of ['6', '7'] as const) {
    it(`mongodb ${major}.x: createDataKey registers (or, delegated, creates) a key and stores its keyId; a given keyId and a 'localhost' endpoint are kept`, () => {
      const r = run(major);
      expect(r.fatal).toBeUndefined();
      expect(r.plainMasterKey).toEqual({ provider: 'kmip', keyId: expect.stringMatching(/^\S+$/) });
      expect(r.delegatedMasterKey).toEqual({ provider: 'kmip', delegated: true, keyId: expect.stringMatching(/^\S+$/) });
      expect(r.delegatedMasterKey.keyId).not.toBe(r.plainMasterKey.keyId);
      // local AEAD wrap under the SecretData: 16 + 112 + 32; delegated AES-CBC: IV 16 + 112
      expect(r.keyMaterialLengths).toEqual([160, 128]);
      expect(r.givenMasterKey).toEqual({ provider: 'kmip', keyId: r.plainMasterKey.keyId, endpoint: expect.stringMatching(/^localhost:\d+$/) });
    }, 150_000);

    it(`mongodb ${major}.x: encrypt/decrypt with each key, a fresh ClientEncryption unwraps again, and @fle-ts/kms's own KMIP provider unwraps the stored keys`, () => {
      const r = run(major);
      expect(r.decrypted).toEqual(['kmip value 0', 'kmip value 1', 'kmip value 2']);
      expect(r.freshDecrypted).toEqual(['kmip value 0', 'kmip value 1', 'kmip value 2']);
      expect(r.byAltName).toBe(true);
      expect(r.kmsPackageUnwraps).toEqual([96, 96]);
    }, 150_000);

    it(`mongodb ${major}.x: rewrap local -> kmip registers a secret per key; delegated kmip -> local; values still decrypt`, () => {
      const r = run(major);
      expect(r.rewrapToKmip).toBe(2);
      expect(r.rewrappedMasterKeys).toEqual([{ provider: 'kmip', keyId: expect.any(String) }, { provider: 'kmip', keyId: expect.any(String) }]);
      expect(r.rewrappedMasterKeys[0].keyId).not.toBe(r.rewrappedMasterKeys[1].keyId);
      expect(r.afterRewrapToKmip).toBe('local then kmip');
      expect([r.rewrapDelegatedToLocal, r.afterRewrapToLocal]).toEqual([1, 'kmip value 1']);
    }, 150_000);

    it(`mongodb ${major}.x: an unknown keyId is the driver's MongoCryptError with the KMIP result; no client certificate fails in the driver's TLS`, () => {
      const r = run(major);
      expect(r.unknownKeyError).toMatchObject({ name: 'MongoCryptError', message: expect.stringMatching(/^KMS provider 'kmip': KMIP response error\. Result Status \(1\): Operation Failed/) });
      expect(r.noClientCertError).toMatchObject({ name: 'MongoCryptError', message: expect.stringMatching(/KMS request (failed|closed)/) });
    }, 150_000);
  }
});
