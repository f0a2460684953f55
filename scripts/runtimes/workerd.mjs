// miniflare (workerd) lives in this folder's package (@fle-ts/runtimes), which only the README's
// test command installs; tests elsewhere load it through here so it resolves from this folder.
/** The miniflare module, or a clear error when the test install was not run. */
export async function loadMiniflare() {
  try {
    return await import('miniflare');
  } catch (e) {
    throw new Error(`miniflare cannot be loaded (${e instanceof Error ? e.message.split('\n')[0] : e}): run \`pnpm install --frozen-lockfile\` (the README's test command)`);
  }
}
