// What a user gets from the registry (issue 11 items 14 and 16): each package is packed as
// `pnpm pack` packs it for publishing, then checked as files (LICENSE, README, every `exports`
// target) and as a TypeScript consumer would compile against it: strict, skipLibCheck false,
// and no `mongodb` installed (an optional peer dependency).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './test-support/shared.js';

interface PackageJson {
  name: string;
  license?: string;
  engines?: { node?: string };
  repository?: { type?: string; directory?: string };
  exports: Record<string, { types: string; default: string }>;
}

const DIRS = readdirSync(join(REPO_ROOT, 'packages')).filter((d) => existsSync(join(REPO_ROOT, 'packages', d, 'package.json')));
const pkgJson = (dir: string): PackageJson => JSON.parse(readFileSync(join(REPO_ROOT, 'packages', dir, 'package.json'), 'utf8')) as PackageJson;
const ROOT_ENGINES = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;

function run(cmd: string, args: string[], cwd: string): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

let work = '';
/** Files of each packed tarball, by package folder name. */
const contents = new Map<string, string[]>();

beforeAll(() => {
  // The tarballs hold dist/: build when a package has not been built (pnpm test builds first).
  if (DIRS.some((d) => !existsSync(join(REPO_ROOT, 'packages', d, 'dist/index.d.ts')))) run('pnpm', ['run', 'build'], REPO_ROOT);
  work = mkdtempSync(join(tmpdir(), 'fle-ts-consumer-'));
  const tgz = join(work, 'tgz');
  mkdirSync(tgz);
  for (const dir of DIRS) {
    const { name } = pkgJson(dir);
    const before = new Set(readdirSync(tgz));
    run('pnpm', ['pack', '--pack-destination', tgz], join(REPO_ROOT, 'packages', dir));
    const file = readdirSync(tgz).find((f) => !before.has(f));
    if (!file) throw new Error(`pnpm pack made no tarball for ${name}`);
    const into = join(work, 'consumer/node_modules', name);
    mkdirSync(into, { recursive: true });
    run('tar', ['-xzf', join(tgz, file), '-C', into, '--strip-components=1'], work);
    contents.set(dir, run('tar', ['-tzf', join(tgz, file)], work).trim().split('\n').map((p) => p.replace(/^package\//, '')));
  }
  // bson is the one runtime dependency: a real copy, so nothing resolves back into the repository.
  cpSync(realpathSync(join(REPO_ROOT, 'node_modules/bson')), join(work, 'consumer/node_modules/bson'), { recursive: true, dereference: true });
}, 120_000);

describe('package tarballs (issue 11 item 16)', () => {
  it.each(DIRS)('%s: LICENSE (the root Apache-2.0 text), README, package.json and every exports target', (dir) => {
    const files = contents.get(dir) ?? [];
    const pkg = pkgJson(dir);
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    for (const target of Object.values(pkg.exports).flatMap((e) => [e.types, e.default])) expect(files).toContain(target.replace(/^\.\//, ''));
    const packed = readFileSync(join(work, 'consumer/node_modules', pkg.name, 'LICENSE'), 'utf8');
    expect(packed).toBe(readFileSync(join(REPO_ROOT, 'LICENSE'), 'utf8'));
    expect(packed).toContain('Apache License\n                           Version 2.0, January 2004');
  });

  it.each(DIRS)('%s: license, engines and repository metadata', (dir) => {
    const pkg = pkgJson(dir);
    expect(pkg.license).toBe('Apache-2.0');
    expect(pkg.engines?.node).toBe(ROOT_ENGINES);
    // No public URL exists yet: the folder inside the repository, no invented address.
    expect(pkg.repository).toEqual({ type: 'git', directory: `packages/${dir}` });
  });
});

/** Compiles `code` in the consumer project with `compilerOptions` on top of strict, skipLibCheck false. */
function consumerTsc(name: string, code: string, compilerOptions: Record<string, unknown>): { status: number | null; output: string } {
  const dir = join(work, 'consumer');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(join(dir, `${name}.ts`), code);
  const tsconfig = {
    compilerOptions: { strict: true, skipLibCheck: false, noEmit: true, target: 'es2022', lib: ['es2022', 'dom'], types: [], ...compilerOptions },
    files: [`${name}.ts`],
  };
  writeFileSync(join(dir, `tsconfig.${name}.json`), JSON.stringify(tsconfig));
  const r = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', `tsconfig.${name}.json`], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

const MAIN_ENTRIES = `import { AeadKey } from '@fle-ts/crypto-core';
import { encryptValue } from '@fle-ts/fle-format';
import { KmsProviders, MemoryKeyVault } from '@fle-ts/keyvault';
import { AutoEncrypter, ClientEncryption } from '@fle-ts/client';
import { QeError } from '@fle-ts/qe';
import { KmsError } from '@fle-ts/kms';
import { MongoCrypt } from '@fle-ts/mongodb-client-encryption';

const keyVault = new MemoryKeyVault();
const kmsProviders = { local: { key: crypto.getRandomValues(new Uint8Array(96)) } };
const ce = new ClientEncryption({ keyVault, kmsProviders });
const auto = new AutoEncrypter({ keyVault, kmsProviders, schemaMap: {} });
export const used: unknown[] = [AeadKey, encryptValue, KmsProviders, ce, auto, QeError, KmsError, MongoCrypt];
`;

describe('a TypeScript consumer of the packed packages, without mongodb (issue 11 item 14)', () => {
  it('mongodb is not resolvable from the consumer', () => {
    expect(existsSync(join(work, 'consumer/node_modules/mongodb'))).toBe(false);
    expect(existsSync(join(work, 'node_modules'))).toBe(false);
  });

  // Failed before keyvault's KeyVaultCollection was written out structurally: its declarations
  // imported `Collection` from 'mongodb', an optional peer, and client re-exports it.
  for (const [label, options] of [
    ['module nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
    ['moduleResolution bundler', { module: 'esnext', moduleResolution: 'bundler' }],
  ] as const) {
    const name = `main-${label.split(' ')[1]}`;
    it(`main entries: no type error other than the missing mongodb (${label})`, () => {
      const errors = consumerTsc(name, MAIN_ENTRIES, options).output.split('\n').filter((l) => l.includes('error'));
      expect(errors.filter((l) => !l.includes("Cannot find module 'mongodb'"))).toEqual([]);
    });
    it(`main entries type-check with strict + skipLibCheck false (${label})`, () => {
      const r = consumerTsc(name, MAIN_ENTRIES, options);
      expect(r.output).toBe('');
      expect(r.status).toBe(0);
    });
  }
});
