// Runs every ```ts block of packages/qe/README.md as written (rules: README examples must run).
// Each block is compiled by esbuild and imported through vitest, so '@fle-ts/*' resolve to src/.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transform } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';

const README = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
const blocks = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
const dir = mkdtempSync(join(tmpdir(), 'qe-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('packages/qe/README.md code blocks run', () => {
  it('has the examples it documents', () => {
    expect(blocks.length).toBe(11);
  });
  blocks.forEach((code, i) => {
    it(`block ${i + 1}: ${code.split('\n')[0]}`, async () => {
      const { code: js } = await transform(code, { loader: 'ts', format: 'esm' });
      const file = join(dir, `block${i + 1}.mjs`);
      writeFileSync(file, js);
      const logs: unknown[][] = [];
      const log = console.log;
      console.log = (...a: unknown[]) => logs.push(a);
      try {
        await import(/* @vite-ignore */ file);
      } finally {
        console.log = log;
      }
      if (i === 1) expect(logs).toEqual([[true, 2]]);
      if (i === 3) expect(logs).toEqual([[11, ['0', '1']]]);
      if (i === 4) expect(logs).toEqual([[['root', '010', '0', '01'], ['001', '01']]]);
      if (i === 5) expect(logs).toEqual([[64]]);
      if (i === 6) expect(logs).toEqual([[['age', 'ssn']]]);
      if (i === 7) expect(logs).toEqual([[64, 48, 32, 32]]);
      // Lower-level exports: the token chain, the payloads one by one, the range pieces.
      if (i === 8) expect(logs).toEqual([[true, 4]]);
      if (i === 9) expect(logs).toEqual([[true], [true], [true, 8n], [true, 2, true], [96]]);
      if (i === 10) {
        expect(logs).toEqual([
          [true, 16],
          ['0101', ['root', '0101', '0', '01', '010']],
          [['010', '011'], 3, 2],
          [0, -1],
          [true],
          [{ n: 7, big: 1099511627776 }],
          [{ type: 'int64', value: -3n }],
        ]);
      }
    });
  });
});
