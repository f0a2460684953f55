// Builds the official driver's native path (mongodb + mongodb-client-encryption, the N-API addon
// over C libmongocrypt) outside the repo, for the baseline columns of `pnpm bench` (issue 18).
// The recipe is ../shared/docs/native-anchor.md: libmongocrypt 1.20.2 from
// ../shared/tools/qeoracle/build.sh, `npm install --ignore-scripts` (the addon's install script
// downloads a prebuild, which this machine cannot), node-gyp against the local Node headers.
// Idempotent: a second run returns at once. Prints the folder; exits 1 with the reason otherwise.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

/** Versions measured in native-anchor.md (the newest pair there). */
export const NATIVE_VERSIONS = { mongodb: '7.9.1', 'mongodb-client-encryption': '7.2.1' };
/** Where the driver and addon live: a cache folder outside the repo (FLE_NATIVE_ADDON_DIR overrides). */
export const NATIVE_DIR = resolve(process.env.FLE_NATIVE_ADDON_DIR ?? '/tmp/fle-native-addon');
/** libmongocrypt 1.20.2 as qeoracle's build.sh installs it (FLE_LIBMONGOCRYPT_PREFIX overrides). */
export const LMC_PREFIX = resolve(process.env.FLE_LIBMONGOCRYPT_PREFIX ?? '/tmp/qeoracle-build/install');

const addonDir = join(NATIVE_DIR, 'node_modules', 'mongodb-client-encryption');
const addonBinary = join(addonDir, 'build', 'Release', 'mongocrypt.node');

/** node-gyp: the copy npm bundles (native-anchor.md step 3), else one on PATH. */
function findNodeGyp() {
  try {
    const npm = realpathSync(execFileSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).trim());
    const bundled = join(dirname(npm), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    if (existsSync(bundled)) return [process.execPath, bundled];
  } catch {
    // no npm on PATH: try a standalone node-gyp below
  }
  try {
    return [execFileSync('sh', ['-c', 'command -v node-gyp'], { encoding: 'utf8' }).trim()];
  } catch {
    return undefined;
  }
}

/** The local Node headers for `--nodedir` (Debian's nodejs-dev puts them under /usr/include/node). */
function findNodeDir() {
  for (const dir of [process.env.FLE_NODE_DIR, dirname(dirname(process.execPath)), '/usr']) {
    if (dir && existsSync(join(dir, 'include', 'node', 'node_api.h')) && existsSync(join(dir, 'include', 'node', 'common.gypi'))) return dir;
  }
  return undefined;
}

/**
 * Builds the addon once. Returns { ok: true, dir } or { ok: false, why } naming what is missing.
 * `build: false` only looks for a finished build (tests: no npm install, no compiler run).
 * @param {{ log?: (line: string) => void, build?: boolean }} [o]
 */
export function buildNativeAddon(o = {}) {
  const log = o.log ?? (() => {});
  if (existsSync(addonBinary)) return { ok: true, dir: NATIVE_DIR };
  if (o.build === false) return { ok: false, why: `not built yet (node scripts/build-native-addon.mjs builds it into ${NATIVE_DIR})` };
  if (!existsSync(join(LMC_PREFIX, 'lib', 'libmongocrypt.so')) || !existsSync(join(LMC_PREFIX, 'include', 'mongocrypt', 'mongocrypt.h'))) {
    return { ok: false, why: `libmongocrypt 1.20.2 not found under ${LMC_PREFIX}: run WORK=/tmp/qeoracle-build bash ../shared/tools/qeoracle/build.sh (about 6 minutes)` };
  }
  const gyp = findNodeGyp();
  if (!gyp) return { ok: false, why: 'node-gyp not found (neither bundled with npm nor on PATH)' };
  const nodedir = findNodeDir();
  if (!nodedir) return { ok: false, why: 'no local Node headers (include/node/node_api.h): apt-get install nodejs-dev, or set FLE_NODE_DIR' };
  mkdirSync(NATIVE_DIR, { recursive: true });
  const pkg = join(NATIVE_DIR, 'package.json');
  const want = JSON.stringify({ name: 'fle-native-addon', private: true, dependencies: NATIVE_VERSIONS }, null, 2) + '\n';
  if (!existsSync(pkg) || readFileSync(pkg, 'utf8') !== want) writeFileSync(pkg, want);
  if (!existsSync(join(addonDir, 'binding.gyp')) || !existsSync(join(NATIVE_DIR, 'node_modules', 'mongodb', 'package.json'))) {
    log(`npm install --ignore-scripts ${Object.entries(NATIVE_VERSIONS).map(([n, v]) => `${n}@${v}`).join(' ')} in ${NATIVE_DIR}`);
    try {
      execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: NATIVE_DIR, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (e) {
      return { ok: false, why: `npm install failed (registry unreachable?): ${String(e.stderr ?? e.message).trim().split('\n').slice(-2).join(' ')}` };
    }
  }
  log(`node-gyp rebuild against ${nodedir}/include/node and ${LMC_PREFIX}`);
  const env = {
    ...process.env,
    CXXFLAGS: `-I${LMC_PREFIX}/include`,
    LDFLAGS: `-L${LMC_PREFIX}/lib -Wl,-rpath,${LMC_PREFIX}/lib`,
  };
  try {
    execFileSync(gyp[0], [...gyp.slice(1), 'rebuild', `--nodedir=${nodedir}`, '--libmongocrypt_link_type=dynamic'], { cwd: addonDir, env, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    return { ok: false, why: `node-gyp rebuild failed: ${String(e.stderr ?? e.message).trim().split('\n').slice(-3).join(' ')}` };
  }
  if (!existsSync(addonBinary)) return { ok: false, why: `node-gyp finished but ${addonBinary} is missing` };
  // The check native-anchor.md gives: the addon loads and names the libmongocrypt it linked.
  try {
    const req = createRequire(join(NATIVE_DIR, 'package.json'));
    const v = req('mongodb-client-encryption').MongoCrypt.libmongocryptVersion;
    log(`addon loads, libmongocrypt ${v}`);
  } catch (e) {
    return { ok: false, why: `the built addon does not load: ${e.message}` };
  }
  return { ok: true, dir: NATIVE_DIR };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = buildNativeAddon({ log: (l) => console.error(`native addon: ${l}`) });
  if (r.ok) console.log(r.dir);
  else {
    console.error(`native addon not built: ${r.why}`);
    process.exit(1);
  }
}
