// Every ```ts block of packages/kms/README.md runs as written (imports resolved to the sources) and
// prints what its `// prints:` comments say.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../../scripts/test-support/shared.js';

const README = readFileSync(join(REPO_ROOT, 'packages/kms/README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const DIR = join(REPO_ROOT, '.cache', 'readme-kms');

describe('packages/kms/README.md examples run', () => {
  afterEach(() => vi.restoreAllMocks());

  it('has the 15 examples', () => expect(BLOCKS).toHaveLength(15));

  it('every example type-checks (strict, as the package itself)', () => {
    const dir = join(DIR, `typecheck-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    BLOCKS.forEach((code, i) => writeFileSync(join(dir, `block-${i + 1}.ts`), `${code}\nexport {};\n`));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
      extends: join(REPO_ROOT, 'packages/kms/tsconfig.json'),
      include: ['./*.ts'],
    }));
    const tsc = join(REPO_ROOT, 'node_modules/.bin/tsc');
    try {
      execFileSync(tsc, ['--noEmit', '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      throw new Error(`README examples do not type-check:\n${(e as { stdout?: string }).stdout ?? String(e)}`);
    }
  });

  BLOCKS.forEach((code, i) => {
    it(`block ${i + 1}: ${code.split('\n')[0]}`, async () => {
      mkdirSync(DIR, { recursive: true });
      const file = join(DIR, `block-${i + 1}-${process.pid}.ts`);
      writeFileSync(file, `${code}\nexport {};\n`);
      const lines: unknown[][] = [];
      vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
        lines.push(args);
      });
      await import(/* @vite-ignore */ file);
      expect(lines.length).toBeGreaterThan(0);
      const text = lines.map((l) => l.map(String).join(' ')).join('\n');
      // Each `// prints: X` comment is checked against what the block printed.
      const expected = [...code.matchAll(/\/\/ prints: (.*)$/gm)].map((m) => m[1]!);
      expect(expected.length).toBeGreaterThan(0);
      for (const x of expected) expect(text).toContain(x);
    });
  });
});
