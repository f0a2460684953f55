// issue 11 item 2: several FileKeyVault objects and several processes writing one vault file.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createDataKey, KmsProviders, parseKeyDocument } from '@fle-ts/keyvault';
import { FileKeyVault } from '@fle-ts/keyvault/node';
import { expectCode, ZERO_MASTER_KEY } from './helpers.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const writer = fileURLToPath(new URL('./fixtures/file-vault-writer.mjs', import.meta.url));

interface WriterResult { ids: string[]; won: Record<string, string>; lost: string[]; errors: string[] }

/** The key documents in the vault file, read with no FileKeyVault in between. */
function fileDocs(path: string) {
  return (JSON.parse(readFileSync(path, 'utf8')) as unknown[]).map((d) => parseKeyDocument(JSON.stringify(d)));
}

/** Every id returned is in the file exactly once, nothing else is; each shared alt name has ONE winner, who owns it in the file. */
function checkOutcome(path: string, results: WriterResult[], sharedNames: string[]): void {
  for (const r of results) expect(r.errors).toEqual([]);
  const returned = results.flatMap((r) => r.ids).sort();
  const docs = fileDocs(path);
  expect(docs.map((d) => d._id.toString('hex')).sort()).toEqual(returned);
  for (const name of sharedNames) {
    const winners = results.filter((r) => r.won[name] !== undefined);
    expect(winners.length, `${name}: exactly one writer owns it`).toBe(1);
    expect(results.filter((r) => r.lost.includes(name)).length, `${name}: the others got DUPLICATE_KEY_ALT_NAME`).toBe(results.length - 1);
    const owner = docs.filter((d) => d.keyAltNames?.includes(name));
    expect(owner.map((d) => d._id.toString('hex'))).toEqual([winners[0]?.won[name]]);
  }
  expect(readdirSync(dirname(path)).filter((f) => f !== 'v.json')).toEqual([]); // no temp or lock file left
}

function startWriter(path: string, tag: string, count: number): { ready: Promise<void>; go: () => void; done: Promise<WriterResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@fle-ts/source', writer, path, tag, String(count)],
    { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { onReady = resolve; });
  child.stdout.on('data', (b: Buffer) => {
    out += b.toString();
    if (out.startsWith('ready\n')) onReady();
  });
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const done = new Promise<WriterResult>((resolve, reject) => {
    child.on('close', (code) => {
      const line = out.split('\n')[1];
      if (code !== 0 || !line) reject(new Error(`writer ${tag} exited ${code}: ${err}`));
      else resolve(JSON.parse(line) as WriterResult);
    });
  });
  return { ready, go: () => child.stdin.write('go\n'), done };
}

const sharedNames = (count: number) => Array.from({ length: count }, (_, i) => i).filter((i) => i % 4 === 0).map((i) => `shared-${i}`);

describe('issue 11 item 2: one vault file, several writers', () => {
  it('two FileKeyVault objects in one process, 40 keys each at once: the file holds exactly the 80 returned ids; each contested alt name goes to one writer', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fle-ts-lock-objects-')), 'v.json');
    const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY } });
    const run = async (vault: FileKeyVault, tag: string): Promise<WriterResult> => {
      const r: WriterResult = { ids: [], won: {}, lost: [], errors: [] };
      await Promise.all(Array.from({ length: 40 }, async (_, i) => {
        const shared = i % 4 === 0 ? `shared-${i}` : undefined;
        try {
          const id = (await createDataKey(vault, kms, 'local', { keyAltNames: shared ? [shared, `${tag}-${i}`] : [`${tag}-${i}`] })).toString('hex');
          r.ids.push(id);
          if (shared) r.won[shared] = id;
        } catch (e) {
          if (shared && (e as { code?: string }).code === 'DUPLICATE_KEY_ALT_NAME') r.lost.push(shared);
          else r.errors.push(String(e));
        }
      }));
      return r;
    };
    const results = await Promise.all([run(new FileKeyVault(path), 'a'), run(new FileKeyVault(path), 'b')]);
    checkOutcome(path, results, sharedNames(40));
    expect(results.flatMap((r) => r.ids).length).toBe(80 - 10);
  });

  it('two processes, 40 keys each at once: no key is lost and each contested alt name is reported to exactly one writer', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'fle-ts-lock-procs-')), 'v.json');
    const writers = [startWriter(path, 'p', 40), startWriter(path, 'q', 40)];
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();
    const results = await Promise.all(writers.map((w) => w.done));
    checkOutcome(path, results, sharedNames(40));
  }, 30_000);
});

describe('FileKeyVault lock file: waiting, stale locks, a lost lock', () => {
  function setup() {
    const dir = mkdtempSync(join(tmpdir(), 'fle-ts-lock-'));
    const path = join(dir, 'v.json');
    return { dir, path, lock: `${path}.lock`, kms: new KmsProviders({ local: { key: ZERO_MASTER_KEY } }) };
  }
  const lockBody = (pid: number, host: string, token = 'someone-else') => JSON.stringify({ pid, host, token });

  it('a lock held by a live process is waited for, then STORE_WRITE_FAILED naming the lock file; the lock is left alone', async () => {
    const { path, lock, kms } = setup();
    writeFileSync(lock, lockBody(process.pid, hostname()));
    const started = Date.now();
    const e = await expectCode(createDataKey(new FileKeyVault(path, { lockTimeoutMS: 150 }), kms, 'local'), 'STORE_WRITE_FAILED');
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    expect(e.message).toContain(lock);
    expect(e.message).toContain('delete the lock file');
    expect(readFileSync(lock, 'utf8')).toBe(lockBody(process.pid, hostname()));
    expect(existsSync(path)).toBe(false);
  });

  it('a lock left by a process of this host that has exited is taken over at once', async () => {
    const { path, lock, kms } = setup();
    const child = spawn(process.execPath, ['-e', '']);
    await new Promise((resolve) => child.on('exit', resolve));
    writeFileSync(lock, lockBody(child.pid as number, hostname()));
    const id = await createDataKey(new FileKeyVault(path, { lockTimeoutMS: 2000 }), kms, 'local');
    expect(fileDocs(path).map((d) => d._id.toString('hex'))).toEqual([id.toString('hex')]);
    expect(existsSync(lock)).toBe(false);
  });

  it('another host\'s lock is waited for while fresh and taken over once older than staleLockMS; so is a torn (empty) lock', async () => {
    const { path, lock, kms } = setup();
    writeFileSync(lock, lockBody(1, 'another-host'));
    await expectCode(createDataKey(new FileKeyVault(path, { lockTimeoutMS: 100 }), kms, 'local'), 'STORE_WRITE_FAILED');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    await createDataKey(new FileKeyVault(path, { lockTimeoutMS: 2000 }), kms, 'local');
    writeFileSync(lock, '');
    utimesSync(lock, old, old);
    await createDataKey(new FileKeyVault(path, { lockTimeoutMS: 2000, staleLockMS: 30_000 }), kms, 'local');
    expect(fileDocs(path).length).toBe(2);
    expect(existsSync(lock)).toBe(false);
  });

  it('a writer whose lock was taken over meanwhile does not write (STORE_WRITE_FAILED) and leaves the new holder\'s lock', async () => {
    const { path, lock, kms } = setup();
    const fs = await import('node:fs/promises');
    await createDataKey(new FileKeyVault(path), kms, 'local', { keyAltNames: ['first'] });
    const before = readFileSync(path, 'utf8');
    const stolen = lockBody(process.pid, hostname(), 'new-holder');
    const stealing = { ...fs, writeFile: async (p: string, data: string, o: { encoding: 'utf8'; flag?: string }) => {
      await fs.writeFile(p, data, o);
      if (!p.endsWith('.lock')) await fs.writeFile(lock, stolen); // another writer takes the lock over now
    } };
    const e = await expectCode(createDataKey(new FileKeyVault(path, { fs: stealing }), kms, 'local'), 'STORE_WRITE_FAILED');
    expect(e.message).toContain('lost the lock');
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect(readFileSync(lock, 'utf8')).toBe(stolen);
  });

  it('INVALID_ARGUMENT for a negative or non-numeric lockTimeoutMS / staleLockMS', async () => {
    await expectCode(() => new FileKeyVault('x.json', { lockTimeoutMS: -1 }), 'INVALID_ARGUMENT');
    await expectCode(() => new FileKeyVault('x.json', { staleLockMS: Number.NaN }), 'INVALID_ARGUMENT');
    await expectCode(() => new FileKeyVault('x.json', { staleLockMS: '5' as unknown as number }), 'INVALID_ARGUMENT');
  });
});
