// Builds ../shared/tools/mcoracle (the real libmongocrypt behind a CLI) into .cache/mcoracle/,
// since ../shared is read-only. Prints the binary's path; exits 1 when it cannot be built.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// FLE_SHARED_DIR: the same override as scripts/test-support/shared.ts (its test plays a user's clone).
const shared = process.env.FLE_SHARED_DIR ? resolve(process.env.FLE_SHARED_DIR) : resolve(root, '..', 'shared');
const source = join(shared, 'tools', 'mcoracle', 'mcoracle.c');
const outDir = join(root, '.cache', 'mcoracle');
const binary = join(outDir, 'mcoracle');

export function buildMcoracle() {
  // The oracle's C source sits in ../shared, beside the project in CI and on the maintainers'
  // machines, never in a user's clone: say so instead of blaming libmongocrypt.
  if (!existsSync(source)) {
    return { ok: false, cause: 'no-source', why: `${source} not found: the oracle source is not part of a clone (it comes with ../shared, which CI has)` };
  }
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return { ok: true, binary };
  let flags;
  try {
    flags = execFileSync('pkg-config', ['--cflags', '--libs', 'libmongocrypt', 'libbson-1.0'], { encoding: 'utf8' }).trim().split(/\s+/);
  } catch {
    return { ok: false, cause: 'no-libmongocrypt', why: 'pkg-config finds no libmongocrypt: apt-get install -y libmongocrypt-dev libbson-dev pkg-config' };
  }
  mkdirSync(outDir, { recursive: true });
  try {
    execFileSync('cc', ['-O2', '-Wall', '-o', binary, source, ...flags], { stdio: 'inherit' });
  } catch (e) {
    return { ok: false, cause: 'cc-failed', why: `cc failed: ${e.message}` };
  }
  return { ok: true, binary };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = buildMcoracle();
  if (r.ok) console.log(r.binary);
  else {
    console.error(`mcoracle: ${r.why}`);
    process.exit(1);
  }
}
