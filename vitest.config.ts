import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const packages = fileURLToPath(new URL('./packages/', import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against src/, so no build is needed first.
    alias: [
      { find: /^@fle-ts\/([a-z-]+)\/([a-z-]+)$/, replacement: `${packages}$1/src/$2.ts` },
      { find: /^@fle-ts\/([a-z-]+)$/, replacement: `${packages}$1/src/index.ts` },
    ],
  },
  test: {
    // scripts/runtimes: portability and bundle-size checks (issue 7); the runtime matrix itself
    // runs outside vitest (scripts/runtimes/matrix.mjs, called by scripts/test.mjs).
    include: ['packages/*/test/**/*.test.ts', 'scripts/*.test.ts', 'scripts/runtimes/*.test.ts', 'scripts/test-support/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
