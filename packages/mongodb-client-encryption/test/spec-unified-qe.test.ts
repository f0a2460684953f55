// The specification's Queryable Encryption unified tests (../shared/test-vectors/spec-unified/
// fle2v2-*.json: equality, unindexed, Rangev2) through the official driver (mongodb 6.x and 7.x)
// + this package, against the test wire server, whose mongod-side QE is emulated
// (test/wire-server/qe-server.ts: stored values 14/15, __safeContent__ tags, ESC counts, tag
// matching). Command events (payload bytes where the spec fixes them: find payloads, tags),
// results and outcomes are checked by test/e2e/unified-runner.ts. Every test that does not pass
// is printed with the reason it cannot here; a test failing for a reason not listed fails the suite.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeShared, SHARED_VECTORS } from '../../../scripts/test-support/shared.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Result { file: string; test: string; ok: boolean; skipped?: boolean; error?: string }

/**
 * Why a test cannot pass here, by the error it gives. The first group is this branch's
 * `@fle-ts/client` (its markQeCommand analyses insert and find on equality and unindexed fields;
 * the client's range and update/delete/findAndModify analysis is another branch); then a
 * crypt_shared error text, and the one test that needs a 6.x server.
 */
const REASONS: { reason: string; error: RegExp }[] = [
  { reason: "the client's markQeCommand does not analyse this command on a QE collection yet (update, delete, findAndModify: the client's QE command analysis, a separate change)", error: /is not supported yet on a collection with encryptedFields/ },
  { reason: "the client's parseEncryptedFields does not take range fields yet (the client's QE range analysis, a separate change)", error: /queryType 'range' is not supported yet/ },
  { reason: "crypt_shared's text for a query value of the wrong type on a range field is not known here (the spec checks only a fragment); the client's BSON_TYPE_MISMATCH message is given", error: /expected to contain "(field type is not supported|value type is a date)", got "field '[^']+' is declared bsonType/ },
  { reason: 'needs a 6.x server (the driver refuses to create a QE v2 collection there); the test server answers as 7.0', error: /^needs server <= 6\.3\.99$/ },
];

function run(major: '6' | '7', files: string[]): Result[] {
  // Always the test wire server: the emulated server-side QE is what these expectations need.
  const env = { ...process.env };
  delete env.MONGODB_URI;
  const r = spawnSync(process.execPath, ['--conditions=@fle-ts/source', '--import', 'tsx', 'test/e2e/unified-runner.ts', major, join(SHARED_VECTORS, 'spec-unified'), ...files], {
    cwd: PKG, encoding: 'utf8', timeout: 300_000, env, maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`unified runner (mongodb ${major}) exited ${r.status}: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split('\n').pop() as string) as { results: Result[] }).results;
}

/** Equality and unindexed tests this branch must pass (every one the client's insert/find analysis reaches). */
const REQUIRED = [
  "fle2v2-BypassQueryAnalysis#BypassQueryAnalysis decrypts",
  "fle2v2-Compact#Compact works",
  "fle2v2-Compact#Compact errors on an unencrypted client",
  "fle2v2-CreateCollection#state collections and index are created",
  "fle2v2-CreateCollection#default state collection names are applied",
  "fle2v2-CreateCollection#drop removes all state collections",
  "fle2v2-CreateCollection#CreateCollection without encryptedFields.",
  "fle2v2-CreateCollection#CreateCollection from encryptedFieldsMap.",
  "fle2v2-CreateCollection#CreateCollection from encryptedFields.",
  "fle2v2-CreateCollection#DropCollection from encryptedFieldsMap",
  "fle2v2-CreateCollection#DropCollection from encryptedFields",
  "fle2v2-CreateCollection#DropCollection from remote encryptedFields",
  "fle2v2-CreateCollection#encryptedFields are consulted for metadata collection names",
  "fle2v2-DecryptExistingData#FLE2 decrypt of existing data succeeds",
  "fle2v2-EncryptedFields-vs-EncryptedFieldsMap#encryptedFieldsMap is preferred over remote encryptedFields",
  "fle2v2-EncryptedFields-vs-jsonSchema#encryptedFields is preferred over jsonSchema",
  "fle2v2-EncryptedFieldsMap-defaults#default state collections are applied to encryptionInformation",
  "fle2v2-InsertFind-Indexed#Insert and find FLE2 indexed field",
  "fle2v2-InsertFind-Unindexed#Insert and find FLE2 unindexed field",
  "fle2v2-InsertFind-Unindexed#Query with an unindexed field fails",
  "fle2v2-InsertFind-keyAltName#Insert and find FLE2 indexed field",
  "fle2v2-InsertFind-keyAltName#Create translates keyAltName",
  "fle2v2-MissingKey#FLE2 encrypt fails with missing key",
  "fle2v2-MissingKey#FLE2 decrypt fails with missing key",
  "fle2v2-NoEncryption#insert with no encryption succeeds",
  "fle2v2-validatorAndPartialFieldExpression#create with a validator on an unencrypted field is OK",
  "fle2v2-validatorAndPartialFieldExpression#create with a validator on an encrypted field is an error",
  "fle2v2-validatorAndPartialFieldExpression#collMod with a validator on an unencrypted field is OK",
  "fle2v2-validatorAndPartialFieldExpression#collMod with a validator on an encrypted field is an error",
  "fle2v2-validatorAndPartialFieldExpression#createIndexes with a partialFilterExpression on an unencrypted field is OK",
  "fle2v2-validatorAndPartialFieldExpression#createIndexes with a partialFilterExpression on an encrypted field is an error",

];

describeShared('spec unified Queryable Encryption tests (fle2v2-*) through the official driver + @fle-ts/mongodb-client-encryption', () => {
  const files = readdirSync(join(SHARED_VECTORS, 'spec-unified')).filter((f) => /^fle2v2-.*\.json$/.test(f)).map((f) => f.slice(0, -5)).sort();

  for (const major of ['6', '7'] as const) {
    it(`mongodb ${major}.x against the test wire server: the equality and unindexed tests pass; every other test is printed with its reason`, () => {
      const results = run(major, files);
      expect(new Set(results.map((r) => r.file))).toEqual(new Set(files));
      const byId = new Map(results.map((r) => [`${r.file}#${r.test}`, r]));
      for (const id of REQUIRED) {
        const r = byId.get(id);
        expect(r, `${id} was not run`).toBeDefined();
        expect(r!.ok, `${id}: ${r!.error}`).toBe(true);
      }
      const notPassing = results.filter((r) => !r.ok);
      const lines: string[] = [];
      for (const r of notPassing) {
        const why = REASONS.find((x) => x.error.test(r.error ?? ''));
        expect(why, `${r.file}#${r.test} fails for a reason not listed: ${r.error}`).toBeDefined();
        lines.push(`  ${r.skipped ? 'SKIPPED' : 'NOT RUN TO THE END'} ${r.file}#${r.test}: ${why!.reason}`);
      }
      const passed = results.filter((r) => r.ok).length;
      console.log(`[spec-unified QE] mongodb ${major}.x, test wire server: ${passed}/${results.length} fle2v2 tests passed in ${files.length} files; ${notPassing.length} not passing, each with its reason:\n${lines.join('\n')}`);
    });
  }
});
