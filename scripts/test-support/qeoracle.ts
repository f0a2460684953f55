// The current libmongocrypt (1.20.2) behind ../shared/tools/qeoracle: built by its build.sh
// (about 6 minutes on 2 cores; .ci/run does it, `pnpm test` does not), binary found through
// FLE_QEORACLE or build.sh's default place.
import { describe, it } from 'vitest';
import { QEORACLE } from './qeoracle-path.js';
import { inCI, SHARED_DIR, sharedPresent } from './shared.js';

export { QEORACLE };

const missingBecause = !sharedPresent
  ? `the oracle source (${SHARED_DIR}/tools/qeoracle) is not part of a clone`
  : 'not built: run ../shared/tools/qeoracle/build.sh (about 6 minutes), or set FLE_QEORACLE';

/**
 * `describe` for QE interop tests. Without the oracle it fails under CI=true (.ci/run builds it)
 * and otherwise skips with a printed notice; `fn` only runs when the oracle is there.
 */
export function describeQeOracle(name: string, fn: () => void): void {
  if (QEORACLE && sharedPresent) {
    describe(name, fn);
  } else if (inCI) {
    describe(name, () => {
      it('needs qeoracle', () => {
        throw new Error(`CI=true but qeoracle is unavailable: ${missingBecause}`);
      });
    });
  } else {
    console.warn(`[fle-ts] skipped (qeoracle unavailable: ${missingBecause}): ${name}`);
    describe.skip(name, () => {
      it('needs qeoracle (unavailable: skipped)', () => {});
    });
  }
}
