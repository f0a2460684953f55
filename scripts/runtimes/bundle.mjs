// esbuild bundles of the conformance checks (conformance.ts) with the vector files embedded,
// one per way of loading: a CLI module (Node, Deno, Bun), a browser module, a Worker.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const HERE = join(ROOT, 'scripts/runtimes');
/** ../shared/test-vectors when present (always in CI), else the project's own test-vectors/. */
export const VECTOR_DIRS = [resolve(ROOT, '../shared/test-vectors'), join(ROOT, 'test-vectors')];

/** The vector files the checks want (conformance.ts VECTOR_FILES) that exist, as text by path. */
export async function readVectorFiles() {
  const { VECTOR_FILES } = await importConformanceList();
  const files = {};
  for (const rel of VECTOR_FILES) {
    const dir = VECTOR_DIRS.find((d) => existsSync(join(d, rel)));
    if (dir) files[rel] = readFileSync(join(dir, rel), 'utf8');
  }
  return { files, wanted: VECTOR_FILES.length };
}

async function importConformanceList() {
  // The list lives in conformance.ts; read it without a TS loader.
  const text = readFileSync(join(HERE, 'conformance.ts'), 'utf8');
  const m = /VECTOR_FILES = \[([\s\S]*?)\] as const/.exec(text);
  return { VECTOR_FILES: [...m[1].matchAll(/^\s*'([^']+)',/gm)].map((x) => x[1]) };
}

const WRAPPERS = {
  // Prints one JSON line: Node, Deno and Bun run the same file.
  cli: `const r = await conformance(); console.log(JSON.stringify(r));`,
  browser: `globalThis.__conformance = conformance();`,
  worker: `export default { async fetch() { return Response.json(await conformance()); } };`,
};

/**
 * Bundles the checks for one host kind (`cli`, `browser`, `worker`): returns the ESM text.
 * `dist: true` leaves every package import bare, so plain `node` resolves `@fle-ts/*` through the
 * packages' `exports` (default condition: the built dist/) and bson through its Node build.
 */
export async function bundleConformance(kind, files, { dist = false } = {}) {
  const contents = `import { runConformance, runtimeName } from './conformance.ts';
const FILES = ${JSON.stringify(files)};
async function conformance() { return { runtime: runtimeName(), results: await runConformance(FILES) }; }
${WRAPPERS[kind]}`;
  const out = await build({
    stdin: { contents, resolveDir: HERE, sourcefile: `conformance-${kind}.ts`, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    // Package sources (no build needed) and bson's browser build: the same bytes in every runtime.
    conditions: dist ? [] : ['@fle-ts/source', 'browser'],
    packages: dist ? 'external' : undefined,
    write: false,
    logLevel: 'error',
  });
  return out.outputFiles[0].text;
}
