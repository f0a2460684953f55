// Test-only: runs ../shared/tools/mcoracle, the real libmongocrypt behind a CLI (its README).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { inCI, REPO_ROOT } from './shared.js';

function locate(): string | undefined {
  const fromEnv = process.env.FLE_MCORACLE;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const built = join(REPO_ROOT, '.cache', 'mcoracle', 'mcoracle');
  if (existsSync(built)) return built;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-mcoracle.mjs')], { encoding: 'utf8' });
  return r.status === 0 && existsSync(built) ? built : undefined;
}

/** Path of the mcoracle binary, or undefined when libmongocrypt is not installed. */
export const MCORACLE: string | undefined = locate();

/**
 * `describe` for interop tests. Without the oracle it fails under CI=true (.ci/run installs
 * libmongocrypt) and otherwise skips with a printed notice.
 */
export function describeOracle(name: string, fn: () => void): void {
  if (MCORACLE) {
    describe(name, fn);
  } else if (inCI) {
    describe(name, () => {
      it('needs mcoracle', () => {
        throw new Error('CI=true but mcoracle could not be built (libmongocrypt-dev, libbson-dev, pkg-config and ../shared/tools/mcoracle are needed)');
      });
    });
  } else {
    console.warn('[fle-ts] mcoracle not available (apt-get install -y libmongocrypt-dev libbson-dev pkg-config): skipping interop tests.');
    describe.skip(name, fn);
  }
}

let scratch: string | undefined;
/** Writes `text` to a temporary file and returns its path (mcoracle reads KEYS and VALUES from files or inline JSON). */
export function tempFile(name: string, text: string): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'fle-ts-oracle-'));
  const p = join(scratch, name);
  writeFileSync(p, text);
  return p;
}

/** Runs mcoracle with `args` and returns its stdout. Throws with stderr on a non-zero exit. */
export function runOracle(args: string[]): string {
  if (!MCORACLE) throw new Error('mcoracle not available');
  return execFileSync(MCORACLE, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}
