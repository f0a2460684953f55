/// <reference types="node" />
// Node-only entry point (`@fle-ts/keyvault/node`): the file-backed key vault. Browsers import
// `@fle-ts/keyvault` and never load `node:fs`.
import * as nodeFs from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Binary } from 'bson';
import { KeyVaultError } from './errors.js';
import { keyDocumentToEJSON, parseKeyDocument, type DataKeyDocument } from './key-document.js';
import { checkKeyQuery, type KeyFilter, type KeyQuery, type KeyVault, type KeyWrappingUpdate } from './key-vault.js';
import { MemoryKeyVault } from './memory-key-vault.js';
import { checkJsonTextDepth } from './depth.js';

/** The file operations FileKeyVault uses (a subset of `node:fs/promises`). */
export interface FileKeyVaultFs {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  /** `flag: 'wx'` creates the lock file only when it does not exist (O_CREAT | O_EXCL). */
  writeFile(path: string, data: string, options: { encoding: 'utf8'; flush?: boolean; flag?: string }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
  mkdir(path: string, options: { recursive: boolean }): Promise<unknown>;
  stat(path: string): Promise<{ mtimeMs: number }>;
  link(existingPath: string, newPath: string): Promise<void>;
}

/** Options of FileKeyVault. */
export interface FileKeyVaultOptions {
  /** Replaces the file operations (tests inject failures through it). */
  fs?: FileKeyVaultFs;
  /** How long a write waits for another writer's lock before STORE_WRITE_FAILED; default 10000 ms. */
  lockTimeoutMS?: number;
  /**
   * A lock file older than this is stale and taken over (its writer crashed or hangs); default
   * 30000 ms. A lock of a process on this host that no longer exists is stale at once.
   */
  staleLockMS?: number;
}

const TORN_LOCK_STALE_MS = 2000;

interface LockOwner { pid: number; host: string; token: string }

const errCode = (e: unknown): unknown => (e as { code?: unknown } | null)?.code;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function nonNegativeMs(v: number | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
    throw new KeyVaultError('INVALID_ARGUMENT', `${what} must be a non-negative number of milliseconds`);
  }
  return v;
}

/**
 * A KeyVault in one canonical Extended JSON file (an array of key documents). Every operation reads
 * the file. Every write takes the lock file `<path>.lock` (created with O_EXCL, so one writer at a
 * time across objects and processes), re-reads the vault under it, writes a temporary file in the
 * same folder (fsync) and renames it over the vault: a crash leaves the old or the new file, never
 * half of one, and no writer overwrites another's keys. `_id` and keyAltNames stay unique across
 * writers (the second gets DUPLICATE_KEY_ALT_NAME). Reads take no lock (the rename is atomic).
 */
export class FileKeyVault implements KeyVault {
  readonly path: string;
  readonly #fs: FileKeyVaultFs;
  readonly #lockPath: string;
  readonly #lockTimeout: number;
  readonly #staleAfter: number;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(path: string, options: FileKeyVaultOptions | null = {}) {
    // A number would be taken by node:fs as a file descriptor.
    if (typeof path !== 'string' || path === '') throw new KeyVaultError('INVALID_ARGUMENT', 'FileKeyVault needs the vault file path as a non-empty string');
    options ??= {};
    this.path = path;
    this.#fs = options.fs ?? nodeFs;
    this.#lockPath = `${path}.lock`;
    this.#lockTimeout = nonNegativeMs(options.lockTimeoutMS, 10_000, 'lockTimeoutMS');
    this.#staleAfter = nonNegativeMs(options.staleLockMS, 30_000, 'staleLockMS');
  }

  async #load(): Promise<MemoryKeyVault> {
    let text: string;
    try {
      text = await this.#fs.readFile(this.path, 'utf8');
    } catch (e) {
      if (errCode(e) === 'ENOENT') return new MemoryKeyVault();
      throw new KeyVaultError('STORE_READ_FAILED', `cannot read key vault file ${this.path}`, { cause: e });
    }
    checkJsonTextDepth(text, `key vault file ${this.path}`); // JSON.stringify below would overflow the stack
    let docs: unknown;
    try {
      docs = JSON.parse(text);
    } catch (e) {
      throw new KeyVaultError('STORE_READ_FAILED', `key vault file ${this.path} is not JSON`, { cause: e });
    }
    if (!Array.isArray(docs)) {
      throw new KeyVaultError('STORE_READ_FAILED', `key vault file ${this.path} must hold a JSON array of key documents`);
    }
    return new MemoryKeyVault(docs.map((d) => parseKeyDocument(JSON.stringify(d))));
  }

  async #save(vault: MemoryKeyVault, token: string): Promise<void> {
    const docs = await vault.findAll();
    const text = `[\n${docs.map((d) => keyDocumentToEJSON(d)).join(',\n')}\n]\n`;
    const tmp = join(dirname(this.path), `.${basename(this.path)}.${randomUUID()}.tmp`);
    try {
      await this.#fs.writeFile(tmp, text, { encoding: 'utf8', flush: true });
      // A writer whose lock was taken over as stale must not overwrite the new holder's work.
      if ((await this.#lockOwner())?.token !== token) {
        throw new KeyVaultError('STORE_WRITE_FAILED', `lost the lock ${this.#lockPath} to another writer (held longer than staleLockMS); nothing was written, try again`);
      }
      await this.#fs.rename(tmp, this.path);
    } catch (e) {
      await this.#fs.rm(tmp, { force: true }).catch(() => undefined);
      if (e instanceof KeyVaultError) throw e;
      throw new KeyVaultError('STORE_WRITE_FAILED', `cannot write key vault file ${this.path}`, { cause: e });
    }
  }

  async #lockOwner(): Promise<Partial<LockOwner> | undefined> {
    const text = await this.#fs.readFile(this.#lockPath, 'utf8').catch(() => undefined);
    if (text === undefined) return undefined;
    try {
      const v: unknown = JSON.parse(text);
      return typeof v === 'object' && v !== null ? v as Partial<LockOwner> : {};
    } catch {
      return {}; // empty or torn: a writer crashed between creating and filling it
    }
  }

  // Creates the lock file exclusively ('wx' = O_CREAT|O_EXCL); waits with backoff while another
  // writer holds it; takes over a stale one. Returns this holder's token.
  async #lock(): Promise<string> {
    const token = randomUUID();
    const body = JSON.stringify({ pid: process.pid, host: hostname(), token, time: new Date().toISOString() });
    const deadline = Date.now() + this.#lockTimeout;
    let delay = 1;
    try {
      await this.#fs.mkdir(dirname(this.path), { recursive: true });
    } catch (e) {
      throw new KeyVaultError('STORE_WRITE_FAILED', `cannot create the folder of key vault file ${this.path}`, { cause: e });
    }
    for (;;) {
      try {
        await this.#fs.writeFile(this.#lockPath, body, { encoding: 'utf8', flag: 'wx' });
        return token;
      } catch (e) {
        if (errCode(e) !== 'EEXIST') {
          throw new KeyVaultError('STORE_WRITE_FAILED', `cannot create the lock file ${this.#lockPath}`, { cause: e });
        }
      }
      const owner = await this.#lockOwner();
      if (owner === undefined) continue; // released meanwhile
      if (await this.#takeOverIfStale(owner)) continue;
      if (Date.now() >= deadline) {
        throw new KeyVaultError('STORE_WRITE_FAILED',
          `timed out after ${this.#lockTimeout} ms waiting for the lock file ${this.#lockPath} (held by pid ${String(owner.pid)} on ${String(owner.host)}); if no process is writing this vault, delete the lock file`);
      }
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 25);
    }
  }

  async #takeOverIfStale(owner: Partial<LockOwner>): Promise<boolean> {
    let age: number;
    try {
      age = Date.now() - (await this.#fs.stat(this.#lockPath)).mtimeMs;
    } catch {
      return true; // gone: try again
    }
    const deadOwner = owner.host === hostname() && typeof owner.pid === 'number' && !processExists(owner.pid);
    // A torn lock (no token) was left by a writer that failed between creating and filling it:
    // filling takes microseconds, so it is stale much sooner than a held one.
    const limit = owner.token === undefined ? Math.min(this.#staleAfter, TORN_LOCK_STALE_MS) : this.#staleAfter;
    if (!deadOwner && age <= limit) return false;
    // Move the stale lock aside rather than delete it: if another writer took it over and made a
    // fresh lock in between, what we moved is that fresh lock, and it is linked back (link fails
    // when yet another lock exists, so a live lock is never replaced).
    const aside = `${this.#lockPath}.${randomUUID()}.stale`;
    try {
      await this.#fs.rename(this.#lockPath, aside);
    } catch {
      return true;
    }
    const moved = await this.#fs.readFile(aside, 'utf8').catch(() => '');
    let movedToken: unknown;
    try {
      movedToken = (JSON.parse(moved) as { token?: unknown }).token;
    } catch { /* torn: compare as undefined */ }
    if (movedToken !== owner.token) await this.#fs.link(aside, this.#lockPath).catch(() => undefined);
    await this.#fs.rm(aside, { force: true }).catch(() => undefined);
    return true;
  }

  async #unlock(token: string): Promise<void> {
    if ((await this.#lockOwner())?.token === token) await this.#fs.rm(this.#lockPath, { force: true }).catch(() => undefined);
  }

  // Runs `fn` on the file as it is under the lock and saves the result. Mutations of this object
  // queue here first, so they do not compete with each other for the lock file.
  #mutate<T>(fn: (v: MemoryKeyVault) => Promise<T>, changed: (r: T) => boolean): Promise<T> {
    const run = this.#queue.then(async () => {
      const token = await this.#lock();
      try {
        const v = await this.#load();
        const r = await fn(v);
        if (changed(r)) await this.#save(v, token);
        return r;
      } finally {
        await this.#unlock(token);
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async find(query: KeyQuery): Promise<DataKeyDocument[]> {
    checkKeyQuery(query);
    return (await this.#load()).find(query);
  }
  async findByFilter(filter: KeyFilter = {}): Promise<DataKeyDocument[]> {
    return (await this.#load()).findByFilter(filter);
  }
  async findAll(): Promise<DataKeyDocument[]> {
    return (await this.#load()).findAll();
  }
  insert(doc: DataKeyDocument): Promise<void> {
    return this.#mutate((v) => v.insert(doc), () => true);
  }
  replace(doc: DataKeyDocument): Promise<boolean> {
    return this.#mutate((v) => v.replace(doc), (r) => r);
  }
  updateKeyWrapping(id: Uint8Array | Binary, update: KeyWrappingUpdate): Promise<boolean> {
    return this.#mutate((v) => v.updateKeyWrapping(id, update), (r) => r);
  }
  delete(id: Uint8Array | Binary): Promise<boolean> {
    return this.#mutate((v) => v.delete(id), (r) => r);
  }
  addKeyAltName(id: Uint8Array | Binary, name: string): Promise<DataKeyDocument | null> {
    return this.#mutate((v) => v.addKeyAltName(id, name), (r) => r !== null);
  }
  removeKeyAltName(id: Uint8Array | Binary, name: string): Promise<DataKeyDocument | null> {
    return this.#mutate((v) => v.removeKeyAltName(id, name), (r) => r !== null);
  }
}

/** True when a process with this id exists (EPERM: it exists but belongs to another user). */
function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errCode(e) === 'EPERM';
  }
}
