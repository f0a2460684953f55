// One source, two version lines (scripts/pack-line.mjs): the same build packed as 6.100.N and
// 7.100.N. Each tarball's version must satisfy the peer range the matching driver major declares
// for mongodb-client-encryption (read from that driver's own package.json, checked with npm's
// semver) and not the other major's; installed under the name the driver requires, each loads
// through require() and import. Needs dist/ (`pnpm test` builds first).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const semver = require('semver') as { satisfies(version: string, range: string): boolean };
const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
// The workspace packages this one depends on, read from its package.json (an install provides each).
const DEPS = Object.keys((JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies)
  .filter((d) => d.startsWith('@fle-ts/'))
  .map((d) => d.slice('@fle-ts/'.length));
const built = ['mongodb-client-encryption', ...DEPS].every((p) => existsSync(join(PKG, '..', p, 'dist/index.js')));
const suite = built || IN_CI ? describe : describe.skip;
if (!built && !IN_CI) console.warn('[fle-ts] packages not built: skipping the version-line packing test (pnpm test builds first and runs it).');

const work = mkdtempSync(join(tmpdir(), 'fle-ts-lines-test-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The peer range a driver major declares for the binding (optional peer). */
function peerRange(major: '6' | '7'): string {
  const p = JSON.parse(readFileSync(require.resolve(`mongodb${major}/package.json`), 'utf8')) as {
    peerDependencies: Record<string, string>; peerDependenciesMeta: Record<string, { optional?: boolean }>;
  };
  expect(p.peerDependenciesMeta['mongodb-client-encryption']?.optional).toBe(true);
  return p.peerDependencies['mongodb-client-encryption'] as string;
}

suite('version lines: one build published as 6.100.N and 7.100.N (scripts/pack-line.mjs)', () => {
  it('each tarball satisfies its driver major\'s peer range and not the other\'s, and loads MongoCrypt by require() and import', () => {
    expect(built, 'run `pnpm run build` first').toBe(true);
    const workspace = (JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8')) as { version: string }).version;
    const patch = workspace.split('.')[2];
    const tarballs = JSON.parse(run(process.execPath, ['scripts/pack-line.mjs', '--dest', join(work, 'tgz')], PKG).trim()) as Record<'6' | '7', string>;
    const ranges = { '6': peerRange('6'), '7': peerRange('7') };
    for (const major of ['6', '7'] as const) {
      const other = major === '6' ? '7' : '6';
      const consumer = join(work, `consumer${major}`);
      const into = join(consumer, 'node_modules/mongodb-client-encryption'); // the name the driver require()s
      mkdirSync(into, { recursive: true });
      run('tar', ['-xzf', tarballs[major], '-C', into, '--strip-components=1'], work);
      const manifest = JSON.parse(readFileSync(join(into, 'package.json'), 'utf8')) as { name: string; version: string; dependencies: Record<string, string> };
      expect(manifest.name).toBe('@fle-ts/mongodb-client-encryption');
      expect(manifest.version).toBe(`${major}.100.${patch}`);
      expect(semver.satisfies(manifest.version, ranges[major]), `${manifest.version} in mongodb ${major}.x's ${ranges[major]}`).toBe(true);
      expect(semver.satisfies(manifest.version, ranges[other]), `${manifest.version} outside mongodb ${other}.x's ${ranges[other]}`).toBe(false);
      // pnpm pack rewrote workspace:* to real versions: nothing points back into the repository.
      expect(Object.values(manifest.dependencies).filter((v) => v.startsWith('workspace:'))).toEqual([]);
      expect(existsSync(join(into, 'dist/index.js'))).toBe(true);
      // Its dependencies: the built workspace packages and bson, as an install would provide them.
      mkdirSync(join(consumer, 'node_modules/@fle-ts'), { recursive: true });
      for (const d of DEPS) symlinkSync(join(PKG, '..', d), join(consumer, 'node_modules/@fle-ts', d), 'dir');
      symlinkSync(realpathSync(join(PKG, 'node_modules/bson')), join(consumer, 'node_modules/bson'), 'dir');
      const probe = "typeof m.MongoCrypt === 'function' && typeof new m.MongoCrypt({ kmsProviders: new Uint8Array([5, 0, 0, 0, 0]) }).makeExplicitDecryptionContext === 'function'";
      const viaRequire = run(process.execPath, ['-e', `const m = require('mongodb-client-encryption'); console.log(${probe}, require.resolve('mongodb-client-encryption'))`], consumer).trim();
      expect(viaRequire).toBe(`true ${join(into, 'dist/index.js')}`);
      const viaImport = run(process.execPath, ['--input-type=module', '-e', `const m = await import('mongodb-client-encryption'); console.log(${probe}, import.meta.resolve('mongodb-client-encryption'))`], consumer).trim();
      expect(viaImport).toBe(`true file://${join(into, 'dist/index.js')}`);
    }
  }, 120_000);
});
