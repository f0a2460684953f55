// Where the qeoracle binary is (FLE_QEORACLE or build.sh's default place), without vitest:
// benchmarks import this too.
import { existsSync } from 'node:fs';

/** Path of the qeoracle binary, or undefined when it has not been built. */
export const QEORACLE: string | undefined = [process.env.FLE_QEORACLE, '/tmp/qeoracle-build/qeoracle'].find((p): p is string => !!p && existsSync(p));
