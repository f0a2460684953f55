// Every ```ts / ```js / ```typescript block of README.md and packages/*/README.md runs as written
// (issue 11 item 15): each becomes its own module beside its README (packages/x/.readme-examples/,
// or .cache/readme-examples/ for the root README, so bare imports such as `mongodb` resolve as for
// that package), is type-checked strictly (the repository's tsconfig) and imported, with @fle-ts/*
// resolving to the sources (vitest.config.ts). A block that cannot run must say so in its fence, with a reason:
// ```ts no-run: <why>. Such blocks are type-checked all the same, and kept few. A block that needs a
// prepared environment (a key file in its folder, a test server) names the test that runs it as
// written: ```ts run-by: <test file>; that file must exist and read this README.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from './test-support/shared.js';

interface Block {
  readme: string;
  line: number;
  code: string;
  noRun?: string;
  runBy?: string;
  file: string;
}

const OUT = join(REPO_ROOT, '.cache/readme-examples');
/** Where a README's blocks are written: beside it (packages) or in .cache (the root README). */
const outDir = (readme: string): string => (readme === 'README.md' ? OUT : join(REPO_ROOT, dirname(readme), '.readme-examples'));
/** At most this many blocks may opt out of running (the rest must run). */
const MAX_NO_RUN = 3;

const READMES = ['README.md', ...readdirSync(join(REPO_ROOT, 'packages')).map((p) => `packages/${p}/README.md`)].filter((f) => {
  try {
    readFileSync(join(REPO_ROOT, f));
    return true;
  } catch {
    return false;
  }
});

/** The fenced code blocks of one README whose language is ts, js or typescript. */
export function extractBlocks(readme: string, text: string): Omit<Block, 'file'>[] {
  const blocks: Omit<Block, 'file'>[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|js|typescript)\b(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
    const info = open[2]!.trim();
    const noRun = /^no-run\b:?\s*(.*)$/.exec(info);
    const runBy = /^run-by:\s*(\S+)$/.exec(info);
    if (info && !noRun && !runBy) throw new Error(`${readme}:${start + 1}: unknown fence info "${info}" (only "no-run: <reason>" or "run-by: <test file>")`);
    if (noRun && !noRun[1]) throw new Error(`${readme}:${start + 1}: a no-run block needs a reason`);
    blocks.push({ readme, line: start + 1, code: body.join('\n'), ...(noRun ? { noRun: noRun[1] } : {}), ...(runBy ? { runBy: runBy[1] } : {}) });
  }
  return blocks;
}

const blocks: Block[] = READMES.flatMap((readme) =>
  extractBlocks(readme, readFileSync(join(REPO_ROOT, readme), 'utf8')).map((b) => ({
    ...b,
    file: join(outDir(readme), `readme-L${b.line}.ts`),
  })),
);

beforeAll(() => {
  for (const dir of new Set([OUT, ...READMES.map(outDir)])) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  for (const b of blocks.filter((x) => !x.runBy)) {
    // `export {}` keeps every block a module of its own (no shared top-level names).
    writeFileSync(b.file, `// ${b.readme}:${b.line}\n${b.code}\nexport {};\n`);
  }
});

describe('README code blocks (issue 11 item 15)', () => {
  it('finds the blocks, and few opt out of running', () => {
    expect(blocks.length).toBeGreaterThan(30);
    expect(blocks.filter((b) => b.noRun).map((b) => `${b.readme}:${b.line}`).length).toBeLessThanOrEqual(MAX_NO_RUN);
  });

  it('a run-by block names an existing test that reads its README', () => {
    for (const b of blocks.filter((x) => x.runBy)) {
      const test = readFileSync(join(REPO_ROOT, b.runBy!), 'utf8');
      expect(test, `${b.readme}:${b.line} run-by ${b.runBy}`).toMatch(/README\.md/);
      expect(b.runBy!.startsWith(dirname(b.readme)), `${b.readme}:${b.line}: the test lives in the README's package`).toBe(true);
    }
  });

  it('every block type-checks (strict, the repository tsconfig)', () => {
    writeFileSync(
      join(OUT, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true }, include: ['*.ts', '../../packages/*/.readme-examples/*.ts'] }),
    );
    const r = spawnSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['-p', join(OUT, 'tsconfig.json')], { cwd: REPO_ROOT, encoding: 'utf8' });
    // Map each error back to its README line: the generated file has one header line.
    const errors = `${r.stdout}${r.stderr}`.replace(/(^|\n)(?:\.cache\/readme-examples|(packages\/[\w-]+)\/\.readme-examples)\/readme-L(\d+)\.ts\((\d+),\d+\)/g, (_m, nl: string, pkg: string | undefined, start: string, l: string) => {
      const readme = pkg ? `${pkg}/README.md` : 'README.md';
      return `${nl}${readme}:${Number(start) + Number(l) - 1}`;
    });
    expect(errors.trim()).toBe('');
    expect(r.status).toBe(0);
  });

  it('Quick start keeps exactly two commands, and the demo install leaves out the runtimes package', () => {
    const readme = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');
    const sh = /## Quick start[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1]?.trim().split('\n') ?? [];
    expect(sh).toHaveLength(2);
    const runtimes = (JSON.parse(readFileSync(join(REPO_ROOT, 'scripts/runtimes/package.json'), 'utf8')) as { name: string }).name;
    expect(sh[0]).toContain(`--filter '!${runtimes}' && pnpm demo`);
    expect(sh[1]).toContain('pnpm install --frozen-lockfile && pnpm test');
  });

  const runnable = blocks.filter((b) => !b.noRun && !b.runBy);
  it.each(runnable.map((b) => [`${b.readme}:${b.line}`, b] as const))('%s runs', async (_name, b) => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await import(/* @vite-ignore */ pathToFileURL(b.file).href);
    } catch (e) {
      throw new Error(`${b.readme}:${b.line} (${relative(REPO_ROOT, b.file)}) threw: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
    } finally {
      log.mockRestore();
    }
  });
});
