// Bundle size (issue 7): minified + gzipped bytes of what a browser app ships, bundled by esbuild
// exactly as an app would (ESM, platform browser, minify, tree-shaking via `sideEffects: false`).
//   node scripts/runtimes/bundle-size.mjs [--json]
// `measureBundleSizes()` returns the rows for `pnpm bench` to print.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { ROOT } from './bundle.mjs';

const KB = 1024;

/** What each measured app imports and does, and its budget (issue 7). */
export const BUNDLES = [
  {
    name: 'crypto-core alone',
    what: 'every export of @fle-ts/crypto-core (AEAD, sync + WebCrypto paths, byte helpers)',
    budget: 12 * KB,
    needs: ['crypto-core'],
    source: `export * from '@fle-ts/crypto-core';`,
  },
  {
    name: 'browser app: explicit encrypt + decrypt',
    what: '@fle-ts/client ClientEncryption + MemoryKeyVault + local KMS, createDataKey/encrypt/decrypt (bson included)',
    budget: 80 * KB,
    needs: ['client'],
    source: `import { ClientEncryption, MemoryKeyVault } from '@fle-ts/client';
const master = crypto.getRandomValues(new Uint8Array(96));
const ce = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders: { local: { key: master } } });
const keyId = await ce.createDataKey('local');
const blob = await ce.encrypt('secret', { keyId, algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random' });
console.log(await ce.decrypt(blob));`,
  },
  {
    name: 'tree-shaking probe: bytesToHex only',
    what: 'one byte helper from @fle-ts/crypto-core: must not drag in AES or SHA-512',
    budget: 1 * KB,
    needs: ['crypto-core'],
    source: `import { bytesToHex } from '@fle-ts/crypto-core'; console.log(bytesToHex(new Uint8Array([1])));`,
    mustNotInclude: ['aes.ts', 'sha512.ts', 'hmac-sha512.ts', 'aead.ts', 'subtle-aead.ts'],
  },
];

/** True when the package's exports resolve (its src/index.ts exists). */
function packageExists(name) {
  return existsSync(join(ROOT, 'packages', name, 'src/index.ts'));
}

/** Bundles one app; returns `{ minified, gzipped, inputs }` (bytes; inputs = bundled source files). */
export async function measure(source) {
  const out = await build({
    stdin: { contents: source, resolveDir: ROOT, sourcefile: 'app.ts', loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    // From the package sources: the same code as dist/ (tsc output), no build step needed.
    conditions: ['@fle-ts/source'],
    metafile: true,
    write: false,
    logLevel: 'error',
  });
  const code = out.outputFiles.find((f) => f.path.endsWith('.js'))?.contents ?? out.outputFiles[0].contents;
  return {
    minified: code.length,
    gzipped: gzipSync(code, { level: 9 }).length,
    // Files that contributed bytes after tree-shaking (metafile.inputs lists every file visited).
    inputs: Object.entries(Object.values(out.metafile.outputs)[0].inputs).filter(([, v]) => v.bytesInOutput > 0).map(([k]) => k),
  };
}

/** Measures every bundle: rows `{ name, what, minified, gzipped, budget, ok, note }`. */
export async function measureBundleSizes() {
  const rows = [];
  for (const b of BUNDLES) {
    const missing = b.needs.filter((n) => !packageExists(n));
    if (missing.length) {
      rows.push({ name: b.name, what: b.what, minified: null, gzipped: null, budget: b.budget, ok: false, note: `missing package ${missing.join(', ')}` });
      continue;
    }
    try {
      const m = await measure(b.source);
      const leaked = (b.mustNotInclude ?? []).filter((f) => m.inputs.some((i) => i.endsWith(`/${f}`)));
      const ok = m.gzipped <= b.budget && leaked.length === 0;
      const note = leaked.length ? `tree-shaking failed: bundled ${leaked.join(', ')}` : '';
      rows.push({ name: b.name, what: b.what, minified: m.minified, gzipped: m.gzipped, budget: b.budget, ok, note });
    } catch (e) {
      rows.push({ name: b.name, what: b.what, minified: null, gzipped: null, budget: b.budget, ok: false, note: String(e instanceof Error ? e.message : e).split('\n')[0] });
    }
  }
  return rows;
}

const kb = (n) => (n === null ? '—' : `${(n / KB).toFixed(1)} KB`);

/** The rows as a Markdown table (the README's "Bundle size" section). */
export function bundleSizeTable(rows) {
  const lines = ['| bundle | min | min + gzip | budget | within |', '| --- | ---: | ---: | ---: | --- |'];
  for (const r of rows) {
    lines.push(`| ${r.name} | ${kb(r.minified)} | ${kb(r.gzipped)} | ${kb(r.budget)} | ${r.ok ? 'yes' : `**no**${r.note ? ` (${r.note})` : ''}`} |`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await measureBundleSizes();
  if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
  else console.log(`Bundle size (esbuild ${(await import('esbuild')).version}, minified, gzip -9)\n\n${bundleSizeTable(rows)}`);
  process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
}
