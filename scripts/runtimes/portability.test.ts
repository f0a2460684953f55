// "No native addon, runs everywhere" (issue 7) as tests: library code imports no Node built-in
// and uses no Buffer (outside Node-only `node.ts` entry points), packages are ESM and tree-shakable,
// and the bundles stay within their size budgets.
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { transform } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { measureBundleSizes } from './bundle-size.mjs';
import { scoreRuns, type RuntimeRun } from './matrix.mjs';
import { REPO_ROOT } from '../test-support/shared.js';

const PACKAGES = readdirSync(join(REPO_ROOT, 'packages'));
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function sourceFiles(pkg: string): string[] {
  const dir = join(REPO_ROOT, 'packages', pkg, 'src');
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => join(dir, f));
}

/** Module specifiers a file imports (static, dynamic, re-export, require), from esbuild's JS output. */
function importsOf(js: string): string[] {
  const specs: string[] = [];
  for (const m of js.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)["']([^"']+)["']/g)) specs.push(m[1]!);
  return specs;
}

/** The JS with comments, types and string/template literals removed: what is left is code. */
function codeOnly(js: string): string {
  return js.replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, '""');
}

describe('library code is runtime-neutral (README "Dependencies"; issue 7)', () => {
  for (const pkg of PACKAGES) {
    it(`${pkg}: no Node built-in import and no Buffer outside node.ts`, async () => {
      const offenders: string[] = [];
      for (const file of sourceFiles(pkg)) {
        if (file.endsWith('/node.ts')) continue; // Node-only entry point, exported as a subpath
        const { code } = await transform(readFileSync(file, 'utf8'), { loader: 'ts', format: 'esm' });
        for (const spec of importsOf(code)) if (NODE_BUILTINS.has(spec)) offenders.push(`${file}: imports ${spec}`);
        if (/\bBuffer\b/.test(codeOnly(code))) offenders.push(`${file}: uses Buffer`);
        if (/\bprocess\s*\./.test(codeOnly(code))) offenders.push(`${file}: uses process`);
      }
      expect(offenders).toEqual([]);
    });

    it(`${pkg}: index.ts does not pull in the Node-only entry point`, () => {
      const index = readFileSync(join(REPO_ROOT, 'packages', pkg, 'src/index.ts'), 'utf8');
      expect(index).not.toMatch(/['"]\.\/node\.js['"]/);
    });

    it(`${pkg}: package.json is ESM, side-effect free, with types and a default export`, () => {
      const json = JSON.parse(readFileSync(join(REPO_ROOT, 'packages', pkg, 'package.json'), 'utf8')) as {
        type?: string;
        sideEffects?: boolean;
        exports?: Record<string, Record<string, string>>;
      };
      expect(json.type).toBe('module');
      expect(json.sideEffects).toBe(false);
      const root = json.exports?.['.'];
      expect(root?.types).toBe('./dist/index.d.ts');
      expect(root?.default).toBe('./dist/index.js');
      // The source condition must come first or bundlers would never pick it (common.md).
      for (const [sub, map] of Object.entries(json.exports ?? {})) {
        expect(Object.keys(map)[0], `exports["${sub}"]`).toBe('@fle-ts/source');
      }
    });
  }

  it('the checker itself sees a node: import and a Buffer (it can fail)', async () => {
    const { code } = await transform(`import { readFileSync } from 'node:fs'; const b = Buffer.from('x'); // Buffer\nexport { b, readFileSync };`, { loader: 'ts' });
    expect(importsOf(code)).toEqual(['node:fs']);
    expect(/\bBuffer\b/.test(codeOnly(code))).toBe(true);
    expect(/\bBuffer\b/.test(codeOnly(`const s = "a Buffer";`))).toBe(false);
  });
});

describe('bundle size budgets (issue 7: crypto-core <= 12 KB, browser encrypt+decrypt app <= 80 KB, min+gzip)', () => {
  it('every measured bundle is within budget and tree-shaking drops unused modules', async () => {
    const rows = await measureBundleSizes();
    expect(rows.length).toBeGreaterThanOrEqual(3);
    for (const r of rows) {
      expect(r.note, r.name).toBe('');
      expect(r.gzipped, r.name).not.toBeNull();
      expect(r.gzipped!, r.name).toBeLessThanOrEqual(r.budget);
      expect(r.ok, r.name).toBe(true);
    }
  });
});

describe('runtime matrix scoring (scripts/runtimes/matrix.mjs): every runtime must equal Node', () => {
  type Run = RuntimeRun;
  const node: Run = { label: 'node', runtime: 'node', results: [{ name: 'a', ok: true, detail: 'x' }, { name: 'b', ok: true, detail: 'y' }] };
  const score = (...runs: Run[]) => scoreRuns([structuredClone(node), ...runs]);

  it('counts each check of each runtime, Node included', () => {
    expect(score(structuredClone({ ...node, label: 'deno' }))).toEqual({ passed: 4, failed: 0, checks: 2 });
  });
  it('fails a check whose detail differs from Node, even when ok', () => {
    expect(score({ label: 'bun', runtime: 'bun', results: [{ name: 'a', ok: true, detail: 'x' }, { name: 'b', ok: true, detail: 'z' }] }).failed).toBe(1);
  });
  it('fails a check that is not ok, checks Node did not run, and checks that did not run', () => {
    expect(score({ label: 'bun', runtime: 'bun', results: [{ name: 'a', ok: false, detail: 'x' }] }).failed).toBe(2);
    expect(score({ label: 'bun', runtime: 'bun', results: [...node.results, { name: 'c', ok: true, detail: '' }] }).failed).toBe(1);
  });
  it('fails every check of a runtime that could not start', () => {
    expect(score({ label: 'chromium', runtime: 'chromium', results: [], error: '/usr/bin/chromium not found' })).toEqual({ passed: 2, failed: 2, checks: 2 });
  });
});
