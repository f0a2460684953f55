// Test-only helpers for the vectors in ../shared/test-vectors (Node only).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

/** The project root. */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** `../shared` beside the project: present here and in CI, absent in a user's clone. */
export const SHARED_DIR = resolve(REPO_ROOT, '..', 'shared');
export const SHARED_VECTORS = join(SHARED_DIR, 'test-vectors');
/** Vectors the project made and keeps (with the scripts that made them). */
export const OWN_VECTORS = join(REPO_ROOT, 'test-vectors');

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const sharedPresent = existsSync(SHARED_VECTORS);
let noticePrinted = false;

/**
 * `describe` for tests that read ../shared/test-vectors. Without the folder it
 * fails under CI=true and otherwise skips with a printed notice (test-vectors/README.md).
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
  if (!noticePrinted) {
    noticePrinted = true;
    console.warn(`[fle-ts] ${SHARED_VECTORS} not found: skipping shared-vector tests (they run in CI).`);
  }
  describe.skip(name, fn);
}

/** Reads a file below ../shared/test-vectors as text. */
export function readSharedText(relPath: string): string {
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
