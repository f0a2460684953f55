// The browser example (examples/browser) in headless Chromium: its inspect and lint section gives
// exactly what the `fle` binary prints for the same pasted text (it is the same code, bundled), the
// encrypt section still works, bad input shows the command line's typed error, and a screenshot of
// the page is saved under .cache/browser-example/ for a person to look at.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlaywright } from '../../../scripts/runtimes/loaders.mjs';
import { serveExample } from '../../../examples/browser/serve.mjs';
import { fle, tempDir } from './run-fle.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const OUT = join(ROOT, '.cache/browser-example');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const inCI = process.env.CI === 'true' || process.env.CI === '1';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  if (inCI) throw new Error(`${CHROMIUM} not found: CI installs Debian's chromium (apt-get install -y chromium)`);
  console.warn(`[fle-ts] skipped: browser example test (no Chromium at ${CHROMIUM}; set CHROMIUM_PATH)`);
}

// The README's schema with two problems (packages/cli/README.md, "A session").
const BAD_SCHEMA = {
  bsonType: 'object',
  encryptMetadata: { keyId: '/owner' },
  properties: {
    ssn: { encrypt: { bsonType: 'string', algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' } },
    score: { encrypt: { bsonType: 'double', algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' } },
    tags: { bsonType: 'array', items: { encrypt: { algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random' } } },
  },
};

interface Page {
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: () => unknown, arg: null, options: { timeout: number }): Promise<unknown>;
  evaluate<T>(fn: () => T | Promise<T>): Promise<T>;
  fill(selector: string, value: string): Promise<void>;
  click(selector: string): Promise<void>;
  textContent(selector: string): Promise<string | null>;
  screenshot(options: { path: string; fullPage: boolean }): Promise<unknown>;
  on(event: 'pageerror', fn: (e: Error) => void): void;
}

describe.skipIf(!haveChromium)('examples/browser: inspect and schema lint in the page', () => {
  let server: Server;
  let browser: { newPage(options?: object): Promise<Page>; close(): Promise<void> };
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    server = await serveExample(0);
    const { chromium } = await loadPlaywright();
    // loaders.d.mts types the few page methods the matrix uses; this test drives the form too.
    browser = (await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })) as unknown as typeof browser;
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    await page.waitForFunction(() => (globalThis as { fleTools?: unknown }).fleTools !== undefined, null, { timeout: 30_000 });
  });
  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  it('the encrypt section still encrypts and decrypts (what the runtime matrix checks)', async () => {
    const r = await page.evaluate(() => (globalThis as unknown as { fleExample: { blob: string; decrypted: string } }).fleExample);
    expect(r.decrypted).toBe('457-55-5462');
    expect(Buffer.from(r.blob, 'base64')[0]).toBe(1);
    expect(errors).toEqual([]);
  });

  it('inspect on the pasted documents and validator prints what `fle inspect --validator` prints for the same text', async () => {
    const docs = (await page.evaluate(() => (document.getElementById('docs') as HTMLTextAreaElement).value));
    const schema = (await page.evaluate(() => (document.getElementById('schema') as HTMLTextAreaElement).value));
    const shown = await page.textContent('#inspect-out');
    const dir = tempDir();
    writeFileSync(join(dir, 'validator.json'), schema);
    const cli = fle(['inspect', '-', '--validator', 'validator.json'], { cwd: dir, input: docs });
    expect(cli.status, cli.stderr).toBe(0);
    expect(shown).toBe(cli.stdout);
    expect(shown).toMatch(/^3 documents, 6 encrypted values in 2 fields\n\nssn: 3 values\n {2}kind {6}FLE1DeterministicEncryptedValue/);
    expect(shown).toContain('  validator automatic (declared in $jsonSchema: AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic)');
    expect(shown).toContain('notes: 3 values');
    expect(shown).toContain('  validator explicit (not declared: the application encrypted it)');
  });

  it('lint on a pasted schema gives the problems `fle schema lint --json` gives, with their pointers; then the screenshot', async () => {
    await page.fill('#schema', JSON.stringify(BAD_SCHEMA, null, 2));
    await page.click('#lint');
    const shown = await page.textContent('#lint-out');
    const dir = tempDir();
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(BAD_SCHEMA));
    const cli = fle(['schema', 'lint', 'schema.json', '--json'], { cwd: dir });
    expect(cli.status).toBe(1);
    const { problems } = JSON.parse(cli.stdout) as { problems: { pointer: string; message: string }[] };
    expect(problems.length).toBe(2);
    expect(shown).toBe(`${problems.map((f) => `${f.pointer}: ${f.message}`).join('\n')}\n2 problems`);
    // The screenshot: both sections, the inspect report of the pasted dump and the lint problems.
    mkdirSync(OUT, { recursive: true });
    const shot = join(OUT, 'inspect-and-lint.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = readFileSync(shot);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    console.log(`[browser example] screenshot: ${shot}`);
    // A bad line in the documents: the command line's message and code, with the line number.
    await page.fill('#docs', '{"_id": 1}\n{"_id": \n');
    await page.click('#inspect');
    expect(await page.textContent('#inspect-out')).toMatch(/^fle: pasted line 2: it is not valid JSON; .*\[BAD_INPUT\]$/);
    expect(errors).toEqual([]);
  });
});
