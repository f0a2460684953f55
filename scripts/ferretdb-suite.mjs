// The end-to-end suites against a real MongoDB-wire server (FerretDB, scripts/ferretdb.sh) rather
// than the in-repo test wire server: the official drivers + @fle-ts/mongodb-client-encryption
// (driver-e2e), the pymongo peer and the CLI over --uri. .ci/run runs this as its own step; it ends with the plain
// `N passed, N failed` line. Not the whole `pnpm test`: the unified runner's many collections in
// one FerretDB process trip FerretDB's own leak check (packages/mongodb-client-encryption/README.md).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { summarizeVitest } from './test-summary.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUITES = [
  'packages/mongodb-client-encryption/test/driver-e2e.test.ts',
  'packages/mongodb-client-encryption/test/pymongo-peer.test.ts',
  // The fle CLI's --uri key vaults and migrate (killed and resumed) against a real server.
  'packages/cli/test/mongo-uri.test.ts',
  'packages/cli/test/migrate.test.ts',
];

const start = spawnSync('bash', [join(root, 'scripts/ferretdb.sh')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
const uri = start.stdout.trim();
if (start.status !== 0 || !uri.startsWith('mongodb://')) {
  console.error(`ferretdb-suite: FerretDB did not start (exit ${start.status})`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}
console.log(`ferretdb-suite: FerretDB at ${uri}`);
const report = join(root, '.vitest-ferretdb.json');
rmSync(report, { force: true });
let r;
try {
  r = spawnSync('pnpm', ['exec', 'vitest', 'run', ...SUITES, '--reporter=default', '--reporter=json', `--outputFile=${report}`], {
    cwd: root, stdio: 'inherit', env: { ...process.env, MONGODB_URI: uri },
  });
} finally {
  spawnSync('bash', [join(root, 'scripts/ferretdb.sh'), 'stop'], { cwd: root, stdio: 'inherit' });
}
let passed = 0;
let failed = 0;
if (existsSync(report)) {
  const s = summarizeVitest(JSON.parse(readFileSync(report, 'utf8')));
  passed = s.passed;
  failed = s.failed;
}
if (r.status !== 0 && failed === 0) failed = 1;
if (passed === 0 && failed === 0) failed = 1; // ran nothing: a failure
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
