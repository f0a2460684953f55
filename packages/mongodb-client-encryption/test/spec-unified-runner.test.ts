// The specification's unified CSFLE tests (../shared/test-vectors/spec-unified) run in full through
// the official driver (mongodb 6.x and 7.x from npm) + this package, against the test wire server
// over TCP (and MONGODB_URI too when set): entities, initialData, every operation with its
// expectResult / expectError, command-started events, outcome. test/e2e/unified-runner.ts is the
// runner (one fresh Node process per driver major). Files keyed to an AWS data key run with a
// local stand-in key and match everything but ciphertext bytes (a blob's clear first 18 bytes
// are compared). Every test outside the remote-KMS files must pass, except the few listed below
// with their reason; each listed one is asserted to still fail for that reason.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { describeShared, SHARED_VECTORS } from '../../../scripts/test-support/shared.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');

interface Result { file: string; test: string; ok: boolean; skipped?: boolean; standIn: boolean; error?: string }

/** Files that need a real remote KMS (spec-unified/README.md "What needs what"): run, reported, not required. */
const REMOTE_KMS_FILES = new Set([
  'createDataKey', 'createDataKey-kms_providers-invalid', 'rewrapManyDataKey', 'rewrapManyDataKey-decrypt_failure',
  'rewrapManyDataKey-encrypt_failure', 'namedKMS-createDataKey', 'namedKMS-rewrapManyDataKey', 'awsTemporary',
  'azureKMS', 'gcpKMS', 'kmipKMS', 'accessToken-azure', 'accessToken-gcp',
]);

/** `file#test` -> why it cannot pass here, and the runner's error it must still give. */
const KNOWN: Record<string, { reason: string; error: RegExp }> = {
  // Both run in full now (the test server emulates failCommand's blockConnection), but the drivers
  // themselves ignore timeoutMS (mongodb 6.22 and 7.9 lib/connection_string.js: `timeoutMS: {
  // deprecated: 'timeoutMS has no effect ...', ignored: true }`), so the blocked command just
  // completes late and insertOne succeeds; nothing in MongoCrypt can time a driver's I/O.
  'timeoutMS#timeoutMS applied to listCollections to get collection schema': {
    reason: 'the official driver (6.22, 7.9) ignores timeoutMS: the blocked listCollections completes and the insert succeeds',
    error: /operation 1 \(insertOne\): expected an error, got \{"result":\{"acknowledged":true,"insertedId":1\}\}/,
  },
  'timeoutMS#remaining timeoutMS applied to find to get keyvault data': {
    reason: 'the official driver (6.22, 7.9) ignores timeoutMS: the blocked listCollections and find complete and the insert succeeds',
    error: /operation 1 \(insertOne\): expected an error, got \{"result":\{"acknowledged":true,"insertedId":1\}\}/,
  },
};

/**
 * On a server from MONGODB_URI a test may also fail because the server refuses what the file
 * needs (FerretDB 1.x: `$jsonSchema` validators in initialData, collMod, partial indexes,
 * pipeline updates: "... is not implemented yet" / "... are not supported yet"), and on FerretDB
 * for this one bug of its own: `$project: {keyAltNames: '$keyAltNames'}` gives the literal string.
 */
const SERVER_REFUSAL = /not implemented yet|are not supported yet|no such command: 'configureFailPoint'/;
const FERRETDB_BUGS = new Set(['addKeyAltName#add new keyAltName to data key with keyAltNames']);

function run(major: '6' | '7', files: string[], uri?: string): { ferretdb: string | null; results: Result[] } {
  const env = { ...process.env };
  if (uri) env.MONGODB_URI = uri;
  else delete env.MONGODB_URI;
  const r = spawnSync(process.execPath, ['--conditions=@fle-ts/source', '--import', 'tsx', 'test/e2e/unified-runner.ts', major, join(SHARED_VECTORS, 'spec-unified'), ...files], {
    cwd: PKG, encoding: 'utf8', timeout: 300_000, env, maxBuffer: 64 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`unified runner (mongodb ${major}) exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as { ferretdb: string | null; results: Result[] };
}

const SERVERS: { label: string; uri?: string }[] = [{ label: 'the test wire server' }];
if (process.env.MONGODB_URI) SERVERS.push({ label: 'MONGODB_URI', uri: process.env.MONGODB_URI });

describeShared('spec unified CSFLE tests through the official driver + @fle-ts/mongodb-client-encryption', () => {
  // Every CSFLE file; the fle2v2-* files run in spec-unified-qe.test.ts, QE-Text-* (text preview) and client-bulkWrite-qe are not supported.
  const files = readdirSync(join(SHARED_VECTORS, 'spec-unified'))
    .filter((f) => f.endsWith('.json') && !/^(fle2v2-|QE-)/.test(f) && f !== 'client-bulkWrite-qe.json')
    .map((f) => f.slice(0, -5))
    .sort();

  for (const { label, uri } of SERVERS) for (const major of ['6', '7'] as const) {
    it(`mongodb ${major}.x against ${label}: every test of every local-KMS and AWS-keyed file passes, except the listed ones`, () => {
      const { ferretdb, results } = run(major, files, uri);
      const serverLimit = (r: Result) => uri !== undefined && (SERVER_REFUSAL.test(r.error ?? '') || (ferretdb !== null && FERRETDB_BUGS.has(`${r.file}#${r.test}`)));
      expect(new Set(results.map((r) => r.file))).toEqual(new Set(files));
      const required = results.filter((r) => !REMOTE_KMS_FILES.has(r.file));
      const seen = new Set<string>();
      for (const r of required) {
        const id = `${r.file}#${r.test}`;
        const known = KNOWN[id];
        if (known) {
          seen.add(id);
          expect(r.ok, `${id} passes now: remove it from KNOWN`).toBe(false);
          if (!serverLimit(r)) expect(r.error, id).toMatch(known.error);
        } else if (r.skipped && /^skipReason: /.test(r.error ?? '')) {
          // The file itself skips it (server bugs the spec waits on).
        } else if (!r.ok && serverLimit(r)) {
          // The external server cannot run it (see SERVER_REFUSAL); counted below.
        } else {
          expect(r.ok, `${id}: ${r.error}`).toBe(true);
        }
      }
      expect([...seen].sort()).toEqual(Object.keys(KNOWN).sort());
      const passed = required.filter((r) => r.ok);
      const fileSkips = required.filter((r) => r.skipped && /^skipReason: /.test(r.error ?? ''));
      const passedFiles = [...new Set(required.map((r) => r.file))].filter((f) => required.filter((r) => r.file === f).every((r) => r.ok || fileSkips.includes(r)));
      const remote = results.filter((r) => REMOTE_KMS_FILES.has(r.file));
      const standIn = passed.filter((r) => r.standIn).length;
      // The suite must keep its size: a runner that silently stopped running files would pass the loop above.
      const limited = required.filter((r) => !r.ok && serverLimit(r)).length;
      if (uri === undefined) expect(passed.length).toBeGreaterThanOrEqual(120);
      else expect(passed.length).toBeGreaterThanOrEqual(40);
      console.log(`[spec-unified runner] mongodb ${major}.x, ${label}: ${passed.length}/${required.length} tests passed in ${new Set(required.map((r) => r.file)).size} files `
        + `(${passedFiles.length} files in full; ${standIn} of the passing tests with the AWS stand-in key), ${fileSkips.length} skipped by the files' own skipReason, `
        + `${Object.keys(KNOWN).length} known, ${limited} the server cannot run${ferretdb ? ` (FerretDB ${ferretdb})` : ''}; remote-KMS files: ${remote.filter((r) => r.ok).length}/${remote.length} pass (not required)`);
    });
  }
});
