// Library rule (README "Dependencies"): the main entry imports no node: module, no Buffer and no
// runtime mongodb; only src/node.ts may use node:.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const srcDir = new URL('../src/', import.meta.url);
const files = readdirSync(srcDir).filter((f) => f.endsWith('.ts'));

describe('portability of the main entry', () => {
  it('has source files to check', () => expect(files.length).toBeGreaterThan(8));
  for (const f of files.filter((x) => x !== 'node.ts')) {
    it(`${f}: no node: import, no Buffer, mongodb only as a type import`, () => {
      const src = readFileSync(new URL(f, srcDir), 'utf8');
      expect(src).not.toMatch(/from ['"]node:/);
      expect(src).not.toMatch(/\bBuffer\b/);
      for (const line of src.split('\n').filter((l) => /from ['"]mongodb['"]/.test(l))) {
        expect(line).toMatch(/^import type /);
      }
    });
  }
  it('index.ts does not re-export node.ts', () => {
    expect(readFileSync(new URL('index.ts', srcDir), 'utf8')).not.toMatch(/node\.js/);
  });
});
