// Bundles worker-scenario.ts for workerd as a user's bundler would (wrangler does the same):
// `mongodb-client-encryption` aliased to this package, CommonJS requires of Node built-ins
// turned into `node:` imports (nodejs_compat provides them).
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const BUILTINS = new Set(builtinModules.filter((m) => !m.startsWith('_')));

const nodeBuiltins: Plugin = {
  name: 'node-builtins',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!BUILTINS.has(name)) return undefined;
      // An ESM import becomes an external `node:` import; a require() goes through a virtual module.
      if (args.kind === 'import-statement' || args.kind === 'dynamic-import') return { path: `node:${name}`, external: true };
      return { path: name, namespace: 'node-builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'node-builtin' }, (args) => ({
      contents: `import * as m from 'node:${args.path}'; export default (m.default ?? m); export * from 'node:${args.path}';`,
      resolveDir: '.',
    }));
    b.onResolve({ filter: /^node:/, namespace: 'node-builtin' }, (args) => ({ path: args.path, external: true }));
  },
};

/** The worker module as one ESM string. */
export async function bundleWorker(): Promise<string> {
  const r = await build({
    entryPoints: [fileURLToPath(new URL('./worker-scenario.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    mainFields: ['module', 'main'],
    conditions: ['@fle-ts/source', 'workerd', 'worker', 'import', 'require', 'default'],
    alias: { 'mongodb-client-encryption': fileURLToPath(new URL('../../src/index.ts', import.meta.url)) },
    plugins: [nodeBuiltins],
    logLevel: 'silent',
  });
  return r.outputFiles[0]?.text ?? '';
}
