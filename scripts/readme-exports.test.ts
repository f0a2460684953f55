// Every runtime value a package exports (each entry point of its package.json `exports`, loaded
// through the `@fle-ts/source` condition as the other tests do) is named in that package's README,
// so no public function or constant goes undocumented (the project rule: every public function has
// an example in its package README; scripts/readme-examples.test.ts runs those examples).
// Types are not runtime values and are not checked here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './test-support/shared.js';

interface PackageJson {
  name: string;
  exports?: Record<string, { '@fle-ts/source'?: string } | string>;
}

const PACKAGES = readdirSync(join(REPO_ROOT, 'packages')).filter((p) => {
  try {
    readFileSync(join(REPO_ROOT, 'packages', p, 'package.json'));
    return true;
  } catch {
    return false;
  }
});

/** The source file of each `exports` entry point (its `@fle-ts/source` condition). */
export function sourceEntryPoints(pkg: PackageJson): { entry: string; source: string }[] {
  return Object.entries(pkg.exports ?? {}).flatMap(([entry, target]) =>
    typeof target === 'object' && target['@fle-ts/source'] ? [{ entry, source: target['@fle-ts/source'] }] : [],
  );
}

/** Whether `name` occurs in `text` as a whole identifier (not inside a longer one). */
export function namesWord(text: string, name: string): boolean {
  const escaped = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w$])${escaped}(?![\\w$])`).test(text);
}

describe('README names every runtime export', () => {
  it('the word match is exact', () => {
    expect(namesWord('call `sha256(x)` here', 'sha256')).toBe(true);
    expect(namesWord('hmacSha256 only', 'sha256')).toBe(false);
    expect(namesWord('sha2567', 'sha256')).toBe(false);
  });

  it.each(PACKAGES)('packages/%s', async (dir) => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', dir, 'package.json'), 'utf8')) as PackageJson;
    const entries = sourceEntryPoints(pkg);
    expect(entries.length, `${pkg.name} has no @fle-ts/source entry point`).toBeGreaterThan(0);
    const readme = readFileSync(join(REPO_ROOT, 'packages', dir, 'README.md'), 'utf8');
    const missing: string[] = [];
    for (const { entry, source } of entries) {
      const mod = (await import(/* @vite-ignore */ pathToFileURL(join(REPO_ROOT, 'packages', dir, source)).href)) as Record<string, unknown>;
      for (const name of Object.keys(mod).sort()) {
        if (name === 'default') continue;
        if (!namesWord(readme, name)) missing.push(`${pkg.name}${entry === '.' ? '' : entry.slice(1)}: ${name} (${typeof mod[name]})`);
      }
    }
    expect(missing, `not named in packages/${dir}/README.md:\n${missing.join('\n')}`).toEqual([]);
  });
});
