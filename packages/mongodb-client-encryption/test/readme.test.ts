// The README's ```ts blocks (the one marked no-run for scripts/readme-examples.test.ts, which has no server, included) run as written, once per driver major (`from 'mongodb'` pointed at the
// mongodb6 / mongodb7 aliases), in a fresh Node process with MONGODB_URI set to the test server.
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWireServer, type WireServer } from './wire-server/server.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TMP = join(PKG, 'test/.readme-blocks');
const blocks = [...readFileSync(join(PKG, 'README.md'), 'utf8').matchAll(/```ts[^\n]*\n([\s\S]*?)```/g)].map((m) => m[1] as string);

function run(file: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--conditions=@fle-ts/source', '--import', 'tsx', file], { cwd: PKG, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('README code blocks run as written', () => {
  beforeAll(() => {
    mkdirSync(TMP, { recursive: true });
  });
  afterAll(() => {
    rmSync(TMP, { recursive: true, force: true });
  });

  it('the README has a ts example, and one for Queryable Encryption', () => {
    expect(blocks.length).toBeGreaterThan(1);
    expect(blocks.some((b) => b.includes('createEncryptedCollection'))).toBe(true);
  });

  for (const major of ['6', '7']) {
    it(`every ts block with mongodb ${major}.x`, async () => {
      for (const [i, code] of blocks.entries()) {
        const file = join(TMP, `block-${major}-${i}.ts`);
        writeFileSync(file, code.replace(/from 'mongodb'/g, `from 'mongodb${major}'`));
        const server: WireServer = await startWireServer();
        const r = await run(file, { MONGODB_URI: server.uri }).finally(() => server.close());
        expect(r.code, r.stderr).toBe(0);
        // A block without the driver (Lower-level exports: a context driven by hand) only has to run.
        if (!code.includes("from 'mongodb'")) continue;
        if (code.includes('createEncryptedCollection')) {
          // The Queryable Encryption example: decrypted for the application; stored as an indexed value (14) with one tag.
          expect(r.stdout).toContain("application reads: { name: 'Ada', ssn: '123-45-6789' }");
          expect(r.stdout).toContain('server stores: 6 14 1');
          continue;
        }
        expect(r.stdout).toContain("application reads: { name: 'Jon', ssn: '241-01-9876' }");
        // BinData subtype 6 whose base64 starts with a first byte 1 (deterministic).
        expect(r.stdout).toMatch(/server stores: \{\s*name: 'Jon',\s*ssn: Binary\.createFromBase64\('A[Q-Za-f][A-Za-z0-9+/=]+', 6\)\s*\}/);
        expect(r.stdout).toContain("explicit: 6 123-45-6789");
      }
    });
  }
});
