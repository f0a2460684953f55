// Test-only helpers for the vectors in ../shared/test-vectors (Node only).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/** The project root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * `../shared` beside the project: present here and in CI, absent in a user's clone.
 * FLE_SHARED_DIR overrides it (only the helper's own test uses that, to play a user's clone).
 */
export const SHARED_DIR = process.env.FLE_SHARED_DIR ? resolve(process.env.FLE_SHARED_DIR) : resolve(REPO_ROOT, '..', 'shared');
export const SHARED_VECTORS = join(SHARED_DIR, 'test-vectors');
/** Vectors the project made and keeps (with the scripts that made them). */
export const OWN_VECTORS = join(REPO_ROOT, 'test-vectors');

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
/** True when ../shared/test-vectors exists. */
export const sharedPresent = existsSync(SHARED_VECTORS);

/** The test file that called describeShared, for the skip notice (from the stack, best effort). */
function callerFile(): string {
  const line = (new Error().stack ?? '').split('\n').find((l) => /\.test\.ts/.test(l));
  const m = line ? /([^/\\(]+\.test\.ts)/.exec(line) : null;
  return m?.[1] ?? 'a test file';
}

/**
 * `describe` for tests that read ../shared/test-vectors. Read shared files only inside `fn`:
 * without the folder, `fn` is never called (vitest would run a `describe.skip` body at collect
 * time, and its reads would crash the file). Then the suite fails under CI=true, and otherwise
 * is reported as skipped with a printed notice naming it (test-vectors/README.md).
 */
export function describeShared(name: string, fn: () => void): void {
  if (sharedPresent) {
    describe(name, fn);
    return;
  }
  if (IN_CI) {
    describe(name, () => {
      it('needs ../shared/test-vectors', () => {
        throw new Error(`CI=true but ${SHARED_VECTORS} is missing: shared vectors cannot run`);
      });
    });
    return;
  }
  console.warn(`[fle-ts] skipped (no ${SHARED_VECTORS}; runs in CI): ${callerFile()} > ${name}`);
  // A placeholder body: the real one is not run, and the skipped test shows in vitest's counts.
  describe.skip(name, () => {
    it('needs ../shared/test-vectors (absent: skipped)', () => {});
  });
}

/** Reads a file below ../shared/test-vectors as text (call it inside a describeShared body only). */
export function readSharedText(relPath: string): string {
  if (!sharedPresent) {
    throw new Error(`${join(SHARED_VECTORS, relPath)}: ../shared is missing; read shared vectors only inside describeShared()`);
  }
  return readFileSync(join(SHARED_VECTORS, relPath), 'utf8');
}

/** Reads and parses a JSON file below ../shared/test-vectors. */
export function readSharedJson<T = unknown>(relPath: string): T {
  return JSON.parse(readSharedText(relPath)) as T;
}

/** Reads a file below the project's own test-vectors/ as text. */
export function readOwnText(relPath: string): string {
  return readFileSync(join(OWN_VECTORS, relPath), 'utf8');
}

/** True under CI=true. */
export const inCI = IN_CI;
