// The driver + this package inside Cloudflare's workerd (miniflare, nodejs_compat), bundled by
// esbuild as wrangler would, against the test wire server on the host over TCP (node:net):
// connect, createDataKey, explicit encrypt/decrypt, auto-encrypted insert and find.
import { describe, expect, it } from 'vitest';
import { loadMiniflare } from '../../../scripts/runtimes/loaders.mjs';
import { bundleWorker } from './e2e/bundle-worker.js';
import { startWireServer } from './wire-server/server.js';

// The earliest compatibility date that starts: before it workerd has no node:child_process,
// which the bundle needs at load time (the driver's mongocryptd manager, never called here).
const COMPATIBILITY_DATE = '2026-05-01';

async function runInWorkerd(compatibilityDate: string, script: string): Promise<Record<string, any>> {
  const { Miniflare } = await loadMiniflare();
  const server = await startWireServer();
  const mf = new Miniflare({ modules: true, script, compatibilityDate, compatibilityFlags: ['nodejs_compat'], bindings: { MONGODB_URI: server.uri }, host: '127.0.0.1', port: 0 });
  try {
    const url = await mf.ready;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    return (await res.json()) as Record<string, any>;
  } finally {
    await mf.dispose();
    await server.close();
  }
}

describe('mongodb 7.x + @fle-ts/mongodb-client-encryption in workerd', () => {
  it(`compatibility date ${COMPATIBILITY_DATE} + nodejs_compat: the whole CSFLE path works`, async () => {
    const r = await runInWorkerd(COMPATIBILITY_DATE, await bundleWorker());
    expect(r.fatal).toBeUndefined();
    expect(r.blob).toEqual({ subtype: 6, firstByte: 1 });
    expect(r.decrypted).toBe('123-45-6789');
    expect(r.stored).toEqual({ name: 'Ada', ssnSubtype: 6 });
    expect(r.found).toEqual({ name: 'Ada', ssn: '123-45-6789' });
    expect(r.cryptShared).toBe(true);
  });
});
