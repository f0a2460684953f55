// The driver loads its binding with a plain CommonJS require(); the package is ESM, loaded through
// Node's require(esm) (Node >= 20.19, unflagged). This runs the built package (dist/, made by
// `pnpm run build`, which `pnpm test` runs first) under plain `node`: no loader, no source condition.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const built = ['mongodb-client-encryption', 'client', 'keyvault', 'fle-format', 'crypto-core'].every((p) => existsSync(join(PKG, '..', p, 'dist/index.js')));

const suite = built || IN_CI ? describe : describe.skip;
if (!built && !IN_CI) console.warn('[fle-ts] packages not built: skipping the require(esm) test of dist/ (pnpm test builds first and runs it).');

suite('require("mongodb-client-encryption") from each driver major, built package, plain node', () => {
  it('loads dist/index.js through require(esm) without a warning, and its contexts work (no native code)', () => {
    expect(built, 'run `pnpm run build` first').toBe(true);
    const r = spawnSync(process.execPath, ['test/e2e/require-probe.cjs'], { cwd: PKG, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as Record<string, any>;
    expect(out.node).toMatch(/^v(2[0-9]|[3-9][0-9])\./);
    for (const major of ['6', '7']) {
      expect(out[major].resolved).toBe(join(PKG, 'dist/index.js'));
      expect(out[major].states).toEqual([3, 5, 5]); // NEED_MONGO_KEYS, READY, then READY from the key cache
      expect(out[major].plain).toBe('hello');
      expect(out[major].versionInfo).toBe(true);
    }
    expect(out.dlopened).toEqual([]);
    expect(out.nativeInRequireCache).toEqual([]);
    expect(out.warnings).toEqual([]);
  });
});
