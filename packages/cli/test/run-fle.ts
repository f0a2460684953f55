// Runs the real `fle` binary (bin/fle.mjs) in a child process, as a user would: sources through
// tsx and the @fle-ts/source condition (as `pnpm demo` runs scripts/demo.ts), so no build is needed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, afterEach } from 'vitest';

const HERE = dirname(fileURLToPath(import.meta.url));
export const FLE_BIN = resolve(HERE, '../bin/fle.mjs');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/** What a run of `fle` left: exit status and both streams. */
export interface FleRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `fle ...args` in `cwd`, with `input` on stdin. */
export function fle(args: string[], options: { cwd?: string; input?: string | Uint8Array; nodeArgs?: string[] } = {}): FleRun {
  const r = spawnSync(process.execPath, [...(options.nodeArgs ?? []), '--import', TSX, '--conditions=@fle-ts/source', FLE_BIN, ...args], {
    cwd: options.cwd,
    input: options.input ?? '',
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs `fle ...args` without blocking this process (for tests whose server runs in it: the
 * test wire server); `onSpawn` gets the child (e.g. to kill it at some point).
 */
export function fleAsync(args: string[], options: { cwd?: string; input?: string; env?: NodeJS.ProcessEnv; onSpawn?: (child: ChildProcess) => void } = {}): Promise<FleRun & { signal: NodeJS.Signals | null }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, '--conditions=@fle-ts/source', FLE_BIN, ...args], { cwd: options.cwd, env: options.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status, signal) => resolveRun({ status, signal, stdout, stderr }));
    child.stdin.end(options.input ?? '');
    options.onSpawn?.(child);
  });
}

/** Runs `fle ...args --json`-style commands and parses stdout; fails the test on a bad exit. */
export function fleJson<T = unknown>(args: string[], options: { cwd?: string; input?: string; expectStatus?: number } = {}): T {
  const r = fle(args, options);
  if (r.status !== (options.expectStatus ?? 0)) throw new Error(`fle ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

const testDirs: string[] = [];
const fileDirs: string[] = [];
afterEach(() => {
  for (const d of testDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(() => {
  for (const d of fileDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A fresh temporary folder, removed after the test (or, with `forFile`, after the test file: for beforeAll). */
export function tempDir(forFile = false): string {
  const d = mkdtempSync(join(tmpdir(), 'fle-cli-'));
  (forFile ? fileDirs : testDirs).push(d);
  return d;
}

/** The names in `dir`, sorted (to show that no temporary file was left behind). */
export function filesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}
