// The README's test command: build, type-check, every vitest suite, the runtime matrix, then the plain
// `N passed, N failed` line that CI reads (from vitest's JSON reporter).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildMcoracle } from './build-mcoracle.mjs';
import { summarizeVitest } from './test-summary.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const inCI = process.env.CI === 'true' || process.env.CI === '1';
let passed = 0;
let failed = 0;
let stepFailed = false;

function run(name, cmd, args, opts = {}) {
  console.log(`\n== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`== ${name} failed (exit ${r.status ?? r.signal})`);
    stepFailed = true;
    return false;
  }
  return true;
}

// The interop oracle: needed in CI (.ci/run installs libmongocrypt); elsewhere its tests skip with a notice.
const oracle = buildMcoracle();
if (oracle.ok) process.env.FLE_MCORACLE = oracle.binary;
else console.warn(`[fle-ts] mcoracle not built: ${oracle.why}`);

run('build', 'pnpm', ['run', 'build']);
run('typecheck', 'pnpm', ['exec', 'tsc', '--noEmit', '-p', 'tsconfig.json']);

const report = join(root, '.vitest-report.json');
rmSync(report, { force: true });
run('vitest', 'pnpm', ['exec', 'vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile=${report}`]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  const v = summarizeVitest(r);
  passed += v.passed;
  failed += v.failed;
  for (const e of v.loadErrors) console.error(`== vitest: ${e.file} failed to load or run: ${e.message}`);
  if (v.skipped) console.log(`== vitest: ${v.skipped} tests skipped (each named in a [fle-ts] skipped notice above)`);
  if (r.numTotalTests === 0) {
    console.error('vitest ran no test');
    stepFailed = true;
  }
} else {
  stepFailed = true;
}

// The runtime matrix (scripts/runtimes/matrix.mjs): the conformance checks in Node, headless
// Chromium, workerd, Deno and Bun; each runtime's checks count into the totals below.
const matrixReport = join(root, '.cache/runtimes/report.json');
rmSync(matrixReport, { force: true });
run('runtime matrix', process.execPath, ['scripts/runtimes/matrix.mjs', `--json=${matrixReport}`]);
if (existsSync(matrixReport)) {
  const m = JSON.parse(readFileSync(matrixReport, 'utf8'));
  passed += m.passed;
  failed += m.failed;
} else {
  stepFailed = true;
}

if (stepFailed && failed === 0) failed = 1; // a failed build or type-check counts as a failure
console.log(`\n${passed} passed, ${failed} failed`);
process.exit(stepFailed || failed > 0 ? 1 : 0);
