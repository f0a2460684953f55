// Builds ../shared/tools/mcoracle (the real libmongocrypt behind a CLI) into .cache/mcoracle/,
// since ../shared is read-only. Prints the binary's path; exits 1 when it cannot be built.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const source = resolve(root, '..', 'shared', 'tools', 'mcoracle', 'mcoracle.c');
const outDir = join(root, '.cache', 'mcoracle');
const binary = join(outDir, 'mcoracle');

export function buildMcoracle() {
  if (!existsSync(source)) return { ok: false, why: `${source} not found` };
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return { ok: true, binary };
  let flags;
  try {
    flags = execFileSync('pkg-config', ['--cflags', '--libs', 'libmongocrypt', 'libbson-1.0'], { encoding: 'utf8' }).trim().split(/\s+/);
  } catch {
    return { ok: false, why: 'pkg-config finds no libmongocrypt (apt-get install -y libmongocrypt-dev libbson-dev pkg-config)' };
  }
  mkdirSync(outDir, { recursive: true });
  try {
    execFileSync('cc', ['-O2', '-Wall', '-o', binary, source, ...flags], { stdio: 'inherit' });
  } catch (e) {
    return { ok: false, why: `cc failed: ${e.message}` };
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
