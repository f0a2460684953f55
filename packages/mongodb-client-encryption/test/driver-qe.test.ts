// Queryable Encryption through the official driver (mongodb 6.x and 7.x) + this package, over TCP
// against the test wire server (test/e2e/driver-qe-e2e.ts runs the scenario in a fresh process):
// createEncryptedCollection, automatic equality and unindexed fields with encryptedFields from
// listCollections, explicit Indexed / Unindexed, explicit Range queried with encryptExpression.
// The stored values (14, 15) and tags are the wire server's emulation of mongod (qe-server.ts).
import { spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');

for (const major of ['6', '7'] as const) {
  describe(`official driver mongodb ${major}.x: Queryable Encryption through @fle-ts/mongodb-client-encryption`, () => {
    const r = spawnSync(process.execPath, ['--conditions=@fle-ts/source', '--import', 'tsx', 'test/e2e/driver-qe-e2e.ts', major], { cwd: PKG, encoding: 'utf8', timeout: 120_000 });
    const report = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, any>;

    it('the scenario ran to the end', () => {
      expect(r.status, r.stderr).toBe(0);
      expect(report.fatal).toBeUndefined();
    });

    it('createEncryptedCollection: a UUID data key per field, the state collections and the collection', () => {
      expect(report.keyIds).toEqual([4, 4]);
      expect(report.collections).toEqual(['enxcol_.patients.ecoc', 'enxcol_.patients.esc', 'patients']);
    });

    it('automatic insert and find: payloads 11 / 16 and a find payload 12 sent with encryptionInformation, one listCollections, results decrypted', () => {
      expect(report.insertSent).toEqual({ ssn: 11, notes: 16, ei: ['clinic.patients'] });
      expect(report.findSent).toEqual({ ssn: 12, ei: true });
      expect(report.listCollections).toBe(1);
      expect(report.found.map((d: Record<string, unknown>) => [d._id, d.ssn, d.notes])).toEqual([[2, '987-65-4321', 'none']]);
      expect(report.foundIn).toEqual([1]);
      expect(report.stored).toEqual([{ ssn: 14, notes: 16, tags: 1 }, { ssn: 14, notes: 16, tags: 1 }]);
    });

    it('explicit Indexed and Unindexed encrypt and decrypt; explicit Range values are found by encryptExpression', () => {
      expect(report.explicit).toEqual({ ins: 11, un: 16, insBack: 'explicit', unBack: 5 });
      expect(report.rangeInsertHasEi).toBe(true);
      expect(report.rangeStored).toEqual([15, 15, 15, 15]);
      expect(report.rangeFound).toEqual([[2, 30], [4, 35]]);
    });
  });
}
