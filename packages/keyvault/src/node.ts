/// <reference types="node" />
// Node-only entry point (`@fle-ts/keyvault/node`): the file-backed key vault. Browsers import
// `@fle-ts/keyvault` and never load `node:fs`.
import * as nodeFs from 'node:fs/promises';
import { dirname, join, basename } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Binary } from 'bson';
import { KeyVaultError } from './errors.js';
import { keyDocumentToEJSON, parseKeyDocument, type DataKeyDocument } from './key-document.js';
import type { KeyFilter, KeyQuery, KeyVault, KeyWrappingUpdate } from './key-vault.js';
import { MemoryKeyVault } from './memory-key-vault.js';

/** The file operations FileKeyVault uses (a subset of `node:fs/promises`). */
export interface FileKeyVaultFs {
  readFile(path: string, encoding: 'utf8'): Promise<string>;
  writeFile(path: string, data: string, options: { encoding: 'utf8'; flush: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
  mkdir(path: string, options: { recursive: boolean }): Promise<unknown>;
}

/**
 * A KeyVault in one canonical Extended JSON file (an array of key documents). Every operation reads
 * the file; every write goes to a temporary file in the same folder which is then renamed over the
 * vault, so a crash leaves either the old or the new file, never half of one. Writes from this
 * object are serialized; several processes writing one file is not supported.
 */
export class FileKeyVault implements KeyVault {
  readonly path: string;
  readonly #fs: FileKeyVaultFs;
  #queue: Promise<unknown> = Promise.resolve();

  /** `options.fs` replaces the file operations (tests inject failures through it). */
  constructor(path: string, options: { fs?: FileKeyVaultFs } = {}) {
    this.path = path;
    this.#fs = options.fs ?? nodeFs;
  }

  async #load(): Promise<MemoryKeyVault> {
    let text: string;
    try {
      text = await this.#fs.readFile(this.path, 'utf8');
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return new MemoryKeyVault();
      throw new KeyVaultError('STORE_READ_FAILED', `cannot read key vault file ${this.path}`, { cause: e });
    }
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

  async #save(vault: MemoryKeyVault): Promise<void> {
    const docs = await vault.findAll();
    const text = `[\n${docs.map((d) => keyDocumentToEJSON(d)).join(',\n')}\n]\n`;
    const tmp = join(dirname(this.path), `.${basename(this.path)}.${randomUUID()}.tmp`);
    try {
      await this.#fs.mkdir(dirname(this.path), { recursive: true });
      await this.#fs.writeFile(tmp, text, { encoding: 'utf8', flush: true });
      await this.#fs.rename(tmp, this.path);
    } catch (e) {
      await this.#fs.rm(tmp, { force: true }).catch(() => undefined);
      throw new KeyVaultError('STORE_WRITE_FAILED', `cannot write key vault file ${this.path}`, { cause: e });
    }
  }

  // Runs `fn` against a fresh copy of the file and saves the result; one mutation at a time.
  #mutate<T>(fn: (v: MemoryKeyVault) => Promise<T>, changed: (r: T) => boolean): Promise<T> {
    const run = this.#queue.then(async () => {
      const v = await this.#load();
      const r = await fn(v);
      if (changed(r)) await this.#save(v);
      return r;
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async find(query: KeyQuery): Promise<DataKeyDocument[]> {
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
