// Every ```ts block of packages/kms/README.md runs as written (imports resolved to the sources) and
// prints what its `// prints:` comments say.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../../scripts/test-support/shared.js';

const README = readFileSync(join(REPO_ROOT, 'packages/kms/README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const DIR = join(REPO_ROOT, '.cache', 'readme-kms');

describe('packages/kms/README.md examples run', () => {
  afterEach(() => vi.restoreAllMocks());

  it('has the 8 examples', () => expect(BLOCKS).toHaveLength(8));

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
