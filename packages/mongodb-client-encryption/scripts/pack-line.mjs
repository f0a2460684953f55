#!/usr/bin/env node
// One source, two version lines: the driver's peer range for mongodb-client-encryption is
// ">=6.0.0 <7" in mongodb 6.x and "^7.2.0" in 7.x, so the same build is published twice, as
// 6.100.N and 7.100.N (N = the workspace version's patch). This packs the package once with
// `pnpm pack` (workspace:* dependencies rewritten, prepack run) and writes one tarball per line,
// identical but for package.json's version.
//
// usage: node scripts/pack-line.mjs [--dest DIR] [6] [7]   (default: both lines, into .cache/lines at the repository root)
// prints the tarball paths as JSON: {"6": ".../fle-ts-mongodb-client-encryption-6.100.0.tgz", ...}
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const LINE_MINOR = 100; // 6.100.N / 7.100.N: above every libmongocrypt-binding release of either major

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

const args = process.argv.slice(2);
let dest = join(PKG, '../../.cache/lines'); // .cache/ is git-ignored
const majors = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--dest') dest = resolve(args[++i] ?? '');
  else if (args[i] === '6' || args[i] === '7') majors.push(args[i]);
  else throw new Error(`pack-line: unknown argument '${args[i]}' (usage: [--dest DIR] [6] [7])`);
}
if (majors.length === 0) majors.push('6', '7');

const source = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(source.version);
if (!m || Number(m[2]) !== LINE_MINOR) throw new Error(`pack-line: the workspace version must be <major>.${LINE_MINOR}.N, got ${source.version}`);
const patch = m[3];
// The tarball holds dist/: a pack without a build would publish an empty package.
if (!existsSync(join(PKG, 'dist/index.js'))) throw new Error('pack-line: dist/index.js is missing: run `pnpm run build` first');

const work = mkdtempSync(join(tmpdir(), 'fle-ts-pack-line-'));
try {
  run('pnpm', ['pack', '--pack-destination', work], PKG);
  const tgz = readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error('pack-line: pnpm pack made no tarball');
  const tree = join(work, 'tree');
  mkdirSync(tree);
  run('tar', ['-xzf', join(work, tgz), '-C', tree], work);
  const manifestPath = join(tree, 'package', 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  mkdirSync(dest, { recursive: true });
  const out = {};
  for (const major of majors) {
    const version = `${major}.${LINE_MINOR}.${patch}`;
    writeFileSync(manifestPath, `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
    const file = join(dest, `fle-ts-mongodb-client-encryption-${version}.tgz`);
    run('tar', ['-czf', file, '-C', tree, 'package'], work);
    out[major] = file;
  }
  console.log(JSON.stringify(out));
} finally {
  rmSync(work, { recursive: true, force: true });
}
