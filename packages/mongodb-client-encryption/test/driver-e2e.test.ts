// The official driver from npm (latest 6.x and 7.x), end to end over TCP against the test wire
// server, each in a fresh Node process (test/e2e/driver-e2e.ts) so that what the process loads
// can be checked: no native addon, no mongocryptd, the binding is this package.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EJSON, Int32 } from 'bson';
import { describe, expect, it } from 'vitest';
import { describeOracle, runOracle, tempFile } from '../../../scripts/test-support/mcoracle.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = resolve(PKG, '../..');
type Report = Record<string, any>;

/** Runs the e2e script; `uri` = an external server (MONGODB_URI), else the in-process test server. */
function runDriver(major: '6' | '7', uri?: string): Report {
  const env = { ...process.env };
  if (uri) env.MONGODB_URI = uri;
  else delete env.MONGODB_URI;
  const r = spawnSync(process.execPath, ['--conditions=@fle-ts/source', '--import', 'tsx', 'test/e2e/driver-e2e.ts', major], {
    cwd: PKG, encoding: 'utf8', timeout: 120_000, env,
  });
  if (r.status !== 0) throw new Error(`driver e2e (mongodb ${major}) exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as Report;
}

describe('no real mongodb-client-encryption anywhere in the install', () => {
  it('the lockfile and node_modules hold no registry copy of mongodb-client-encryption', () => {
    const lock = readFileSync(join(ROOT, 'pnpm-lock.yaml'), 'utf8');
    // Only the workspace link may appear; a registry copy would be `mongodb-client-encryption@<version>:`.
    expect(lock).not.toMatch(/^ {2}mongodb-client-encryption@\d/m);
    expect(lock).toMatch(/mongodb-client-encryption: link:packages\/mongodb-client-encryption/);
    const store = join(ROOT, 'node_modules/.pnpm');
    if (existsSync(store)) expect(readdirSync(store).filter((d) => d.startsWith('mongodb-client-encryption@'))).toEqual([]);
  });
});

// The test wire server always; MONGODB_URI too when it is set (FerretDB in CI, a real mongod anywhere).
const SERVERS: { label: string; uri?: string }[] = [{ label: 'the test wire server' }];
if (process.env.MONGODB_URI) SERVERS.push({ label: `MONGODB_URI (${process.env.MONGODB_URI.replace(/\/\/[^@/]*@/, '//***@')})`, uri: process.env.MONGODB_URI });

for (const { label, uri } of SERVERS) for (const major of ['6', '7'] as const) {
  describe(`official driver mongodb ${major}.x + @fle-ts/mongodb-client-encryption over TCP, against ${label}`, () => {
    const report = runDriver(major, uri);

    it('ran to the end, with the driver from npm and this package as its binding', () => {
      expect(report.fatal).toBeUndefined();
      expect(report.driverVersion).toMatch(new RegExp(`^${major}\\.`));
      expect(report.bindingPath).toBe(PKG);
      expect(report.bindingPackageName).toBe('@fle-ts/mongodb-client-encryption');
    });

    it('no native code and no mongocryptd in the process', () => {
      expect(report.dlopened).toEqual([]);
      expect(report.nativeInRequireCache).toEqual([]);
      expect(report.spawned).toEqual([]);
      expect(report.mongocryptdClient).toBe(false);
      expect(report.cryptShared).toBe(true);
    });

    it('createDataKey: the driver stored the key document finalize() gave, in libmongocrypt field order', () => {
      expect(report.keyDocs).toHaveLength(1);
      const [k] = report.keyDocs;
      expect(k.fields).toEqual(['_id', 'keyAltNames', 'keyMaterial', 'creationDate', 'updateDate', 'status', 'masterKey']);
      expect(k.idSubtype).toBe(4);
      expect(k.keyMaterialLength).toBe(160);
      expect(k.keyAltNames).toEqual(['alice']);
      expect(k.masterKey).toEqual({ provider: 'local' });
      expect(k.idHex).toBe(report.keyIdHex);
    });

    it('explicit encrypt/decrypt: BinData 6 of the right kind and key, the same deterministic bytes as fle-ts ClientEncryption', () => {
      const e = report.explicit;
      expect([e.detSubtype, e.detFirstByte, e.detLength, e.detKeyIdHex]).toEqual([6, 1, 98, report.keyIdHex]);
      expect([e.rndSubtype, e.rndFirstByte, e.rndLength]).toEqual([6, 2, 82]);
      expect(e.detHex).toBe(report.ownDetHex);
      expect(e.detPlain).toBe('123-45-6789');
      expect(e.rndPlain).toBe('42');
    });

    it('auto-encrypted insert (schemaMap): the server stores ciphertext for ssn and salary, the name in clear', () => {
      expect(report.storedPeople).toEqual([
        { name: 'Ada', ssn: { subtype: 6, firstByte: 1, isString: false }, salary: { subtype: 6, firstByte: 2 } },
        { name: 'Bob', ssn: { subtype: 6, firstByte: 1, isString: false }, salary: { subtype: 6, firstByte: 2 } },
      ]);
      expect(report.storedSsnEqualsExplicitDet).toBe(true);
    });

    it('find by the deterministic field: the filter reached the server as {$eq: ciphertext}, the result came back decrypted', () => {
      expect(report.findFilterSent).toEqual({ subtype: 6, firstByte: 1, hex: report.ownDetHex });
      expect({ name: report.found.name, ssn: report.found.ssn, salary: report.found.salary }).toEqual({ name: 'Ada', ssn: '123-45-6789', salary: 90000 });
      expect(report.countAll).toBe(2);
    });

    it("errors reach the application as the driver's MongoCryptError, and nothing reaches the server", () => {
      const expectError = (e: Report, text: string) => {
        expect(e.threw).toBe(true);
        expect(e.name).toBe('MongoCryptError');
        expect(e.message).toContain(text);
      };
      expectError(report.unknownKey, 'not all keys requested were satisfied');
      expectError(report.qeContention, 'contention must be non-negative');
      if (major === '7') expect(report.qeContention.causeCode).toBe('BAD_CONTENTION_FACTOR');
      expectError(report.badOperator, '$gt');
      expectError(report.whereOp, '$where');
      expectError(report.badInsertType, "Cannot encrypt field 'ssn'");
      expectError(report.unsupportedCommand, 'aggregate stage $addFields');
      expect(report.sentAfterRefusals).toEqual([]);
      expect(report.peopleAfterRefusals).toBe(2);
      if (major === '7') expect(report.unknownKey.causeCode).toBe('KEYS_NOT_SATISFIED'); // through errorWrapper, cause kept
    });

    it('update ($set), distinct, findAndModify, count, countDocuments (aggregate $match) and delete on the encrypted collection; $inc refused', () => {
      expect(report.updateStored).toEqual({ ssnSubtype: 6, salarySubtype: 6 });
      expect(report.afterUpdate).toBe(85000);
      expect([...report.distinctNames].sort()).toEqual(['Ada', 'Bob']);
      expect({ name: report.findAndModify?.name, ssn: report.findAndModify?.ssn, salary: report.findAndModify?.salary }).toEqual({ name: 'Ada', ssn: '123-45-6789', salary: 91000 });
      expect(report.updateIncRefused).toMatchObject({ threw: true, name: 'MongoCryptError' });
      expect(report.updateIncRefused.message).toContain('$inc');
      expect(report.estimatedCount).toBe(2);
      if (uri && report.countDocumentsServerRefused) {
        // FerretDB 1.x refuses mongocryptd's {$const: v} (a real mongod takes it); what was sent is still checked.
        expect(report.countDocumentsServerRefused).toMatch(/Unrecognized expression '\$const'/);
      } else expect(report.countDocuments).toBe(2); // an aggregate whose $match went out encrypted
      expect(report.countDocumentsSent).toEqual([[6, 1], [6, 1]]);
      expect(report.deleted).toBe(1);
      expect(report.peopleLeft).toEqual(['Ada']);
    });

    it('a remote schema: the $jsonSchema validator from listCollections encrypts the insert and the query', () => {
      // Only a server without validators may skip this (FerretDB 1.x: "not implemented"); the test server has them.
      if (uri && report.remoteSkipped) {
        expect(report.remoteSkipped).toMatch(/not implemented|not supported/i);
        return;
      }
      expect(report.remoteSkipped).toBeUndefined();
      expect(report.remoteStored).toEqual({ who: 'Ada', secretSubtype: 6, secretIsString: false });
      expect(report.remoteFound).toEqual({ who: 'Ada', secret: 'opensesame' });
      expect(report.remoteBadOperator).toMatchObject({ threw: true, name: 'MongoCryptError' });
      expect(report.remoteBadOperator.message).toContain('$regex');
    });

    it('a bad schemaMap schema is refused with the path and rule', () => {
      // Refused at the first insert (not at connect): driver 7 through its errorWrapper, driver 6
      // from the context's ERROR state; both as the driver's MongoCryptError.
      expect(report.badSchema).toMatchObject({ threw: true, name: 'MongoCryptError' });
      expect(report.badSchema.message).toContain("schemaMap['hr.bad']");
      expect(report.badSchema.message).toContain('bsonType');
    });

    it('a collection without a schema: NEED_MONGO_COLLINFO ran listCollections {name}, the document went in clear', () => {
      expect(report.listCollectionsForPlain).toBe(true);
      expect(report.plainStored).toEqual(['clear']);
    });

    it('libmongocrypt-made key documents and ciphertexts are read back decrypted; fle-ts writes the same deterministic bytes as libmongocrypt', () => {
      expect(report.lmcRead).toBe(report.lmcExpected);
      expect(report.lmcDeterministic).toEqual({ ssn: true, mrn: true, owner: true, 'contact.phone': true });
    });

    describeOracle('what the driver + fle-ts wrote decrypts in the real libmongocrypt (mcoracle)', () => {
      it('the stored key document (after rewrap) and Ada\'s stored ssn and salary', () => {
        const o = report.forOracle;
        const out = EJSON.parse(runOracle(['decrypt', '--master', o.masterKeyBase64, '--keys', tempFile(`keys-${major}.json`, o.keys), '--values', tempFile(`values-${major}.json`, o.values)]), { relaxed: false }) as { v: unknown }[];
        expect(out[0]?.v).toBe('123-45-6789');
        expect(out[1]?.v).toEqual(new Int32(91000));
      });
    });

    it('rewrapManyDataKey: one key matched and rewritten; values still decrypt with a fresh ClientEncryption', () => {
      expect(report.rewrap).toEqual({ matched: 1, modified: 1 });
      expect(report.keyMaterialChanged).toBe(true);
      expect(report.decryptAfterRewrap).toBe('123-45-6789');
    });
  });
}
