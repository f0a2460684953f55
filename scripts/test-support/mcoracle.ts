// Test-only: runs ../shared/tools/mcoracle, the real libmongocrypt behind a CLI (its README).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'vitest';
import { inCI, REPO_ROOT } from './shared.js';

/** Why the oracle is missing, as scripts/build-mcoracle.mjs says it (no source in a clone vs no libmongocrypt). */
let missingBecause = '';

function locate(): string | undefined {
  const fromEnv = process.env.FLE_MCORACLE;
  if (fromEnv && existsSync(fromEnv)) return fromEnv;
  const built = join(REPO_ROOT, '.cache', 'mcoracle', 'mcoracle');
  if (existsSync(built)) return built;
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build-mcoracle.mjs')], { encoding: 'utf8' });
  if (r.status === 0 && existsSync(built)) return built;
  missingBecause = (r.stderr || r.stdout || `build-mcoracle exited ${r.status}`).trim().replace(/^mcoracle: /, '');
  return undefined;
}

/** Path of the mcoracle binary, or undefined when it cannot be built (no ../shared source, or no libmongocrypt). */
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
        throw new Error(`CI=true but mcoracle could not be built: ${missingBecause}`);
      });
    });
  } else {
    console.warn(`[fle-ts] skipped (mcoracle unavailable: ${missingBecause}): ${name}`);
    // `fn` is not called: vitest runs describe.skip bodies at collect time (see describeShared).
    describe.skip(name, () => {
      it('needs mcoracle (unavailable: skipped)', () => {});
    });
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
