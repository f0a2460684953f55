// The current libmongocrypt (1.20.2) behind ../shared/tools/qeoracle: built by its build.sh
// (about 6 minutes on 2 cores; .ci/run does it, `pnpm test` does not), binary found through
// FLE_QEORACLE or build.sh's default place.
import { execFileSync } from 'node:child_process';
import { Int32, Long } from 'bson';
import fc from 'fast-check';
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

/** Runs qeoracle with `args` (only inside a describeQeOracle body), its trimmed stdout; a non-zero exit throws with its stderr. */
export function runQeOracle(args: string[]): string {
  if (!QEORACLE) throw new Error('qeoracle is not built');
  return execFileSync(QEORACLE, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Random range knobs shared by the range interop suites: sparsity 1-4, trimFactor given (0-3) or defaulted, three picks. */
export const rangeKnobs = fc.record({
  sparsity: fc.integer({ min: 1, max: 4 }),
  trimFactor: fc.option(fc.integer({ min: 0, max: 3 }), { nil: undefined }),
  picks: fc.tuple(fc.nat(), fc.nat(), fc.nat()),
});

/** rangeOptions / queries options in driver types from the knobs, beside `extra` (min, max, precision). */
export function rangeKnobOptions(k: { sparsity: number; trimFactor: number | undefined }, extra: Record<string, unknown>): Record<string, unknown> {
  return { ...extra, sparsity: Long.fromNumber(k.sparsity), ...(k.trimFactor !== undefined && { trimFactor: new Int32(k.trimFactor) }) };
}
