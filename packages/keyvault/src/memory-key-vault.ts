// The embedded key store: a Map by hex id plus an alt-name index that enforces uniqueness, as the
// spec's unique partial index on keyAltNames would (fle1-spec.md §5 "keyAltName uniqueness").
import type { Binary } from 'bson';
import { KeyVaultError } from './errors.js';
import { keyIdHex } from './bytes.js';
import { cloneKeyDocument, parseKeyDocument, type DataKeyDocument } from './key-document.js';
import { checkKeyQuery, checkWrappingUpdate, keyFilterMatcher, type KeyFilter, type KeyQuery, type KeyVault, type KeyWrappingUpdate } from './key-vault.js';

/** In-memory KeyVault. Documents are validated on the way in and copied both ways. */
export class MemoryKeyVault implements KeyVault {
  readonly #byId = new Map<string, DataKeyDocument>();
  readonly #byAltName = new Map<string, string>();

  /** Starts with `docs` (validated; duplicates throw as `insert` would). */
  constructor(docs: Iterable<DataKeyDocument | Record<string, unknown> | string> = []) {
    for (const d of docs) this.#insert(parseKeyDocument(d));
  }

  /** Number of documents. */
  get size(): number {
    return this.#byId.size;
  }

  async find(query: KeyQuery): Promise<DataKeyDocument[]> {
    checkKeyQuery(query);
    const hits = new Set<string>();
    for (const id of query.ids ?? []) {
      const hex = keyIdHex(id);
      if (this.#byId.has(hex)) hits.add(hex);
    }
    for (const name of query.altNames ?? []) {
      const hex = this.#byAltName.get(name);
      if (hex !== undefined) hits.add(hex);
    }
    return [...hits].map((hex) => cloneKeyDocument(this.#byId.get(hex) as DataKeyDocument));
  }

  async findByFilter(filter: KeyFilter = {}): Promise<DataKeyDocument[]> {
    const matches = keyFilterMatcher(filter); // validated once, before any document
    return [...this.#byId.values()].filter(matches).map(cloneKeyDocument);
  }

  async findAll(): Promise<DataKeyDocument[]> {
    return [...this.#byId.values()].map(cloneKeyDocument);
  }

  async insert(doc: DataKeyDocument): Promise<void> {
    this.#insert(parseKeyDocument(doc));
  }

  #insert(doc: DataKeyDocument): void {
    const hex = keyIdHex(doc._id);
    if (this.#byId.has(hex)) {
      throw new KeyVaultError('DUPLICATE_KEY_ID', `a data key with _id ${hex} already exists`);
    }
    this.#checkAltNames(doc.keyAltNames ?? [], hex);
    this.#byId.set(hex, doc);
    for (const n of doc.keyAltNames ?? []) this.#byAltName.set(n, hex);
  }

  #checkAltNames(names: readonly string[], ownerHex: string): void {
    for (const n of names) {
      const owner = this.#byAltName.get(n);
      if (owner !== undefined && owner !== ownerHex) {
        throw new KeyVaultError('DUPLICATE_KEY_ALT_NAME', `keyAltName '${n}' is already used by another data key; alt names are unique`);
      }
    }
  }

  async replace(doc: DataKeyDocument): Promise<boolean> {
    const next = parseKeyDocument(doc);
    const hex = keyIdHex(next._id);
    const prev = this.#byId.get(hex);
    if (!prev) return false;
    this.#checkAltNames(next.keyAltNames ?? [], hex);
    for (const n of prev.keyAltNames ?? []) this.#byAltName.delete(n);
    for (const n of next.keyAltNames ?? []) this.#byAltName.set(n, hex);
    this.#byId.set(hex, next);
    return true;
  }

  async updateKeyWrapping(id: Uint8Array | Binary, update: KeyWrappingUpdate): Promise<boolean> {
    checkWrappingUpdate(update);
    const hex = keyIdHex(id);
    const prev = this.#byId.get(hex);
    if (!prev) return false;
    const next = cloneKeyDocument(prev);
    next.keyMaterial = update.keyMaterial;
    next.masterKey = update.masterKey;
    next.updateDate = update.updateDate;
    this.#byId.set(hex, parseKeyDocument(next)); // validates the new fields and copies them
    return true;
  }

  async delete(id: Uint8Array | Binary): Promise<boolean> {
    const hex = keyIdHex(id);
    const prev = this.#byId.get(hex);
    if (!prev) return false;
    for (const n of prev.keyAltNames ?? []) this.#byAltName.delete(n);
    this.#byId.delete(hex);
    return true;
  }

  async addKeyAltName(id: Uint8Array | Binary, name: string): Promise<DataKeyDocument | null> {
    checkAltName(name);
    const hex = keyIdHex(id);
    const prev = this.#byId.get(hex);
    if (!prev) return null;
    this.#checkAltNames([name], hex);
    const before = cloneKeyDocument(prev);
    if (!(prev.keyAltNames ?? []).includes(name)) {
      const next = cloneKeyDocument(prev);
      next.keyAltNames = [...(prev.keyAltNames ?? []), name];
      this.#byId.set(hex, next); // cloneKeyDocument keeps libmongocrypt's field order
      this.#byAltName.set(name, hex);
    }
    return before;
  }

  async removeKeyAltName(id: Uint8Array | Binary, name: string): Promise<DataKeyDocument | null> {
    checkAltName(name);
    const hex = keyIdHex(id);
    const prev = this.#byId.get(hex);
    if (!prev) return null;
    const before = cloneKeyDocument(prev);
    if ((prev.keyAltNames ?? []).includes(name)) {
      const next = cloneKeyDocument(prev);
      const rest = (prev.keyAltNames ?? []).filter((n) => n !== name);
      // Like the spec's pipeline update: an emptied keyAltNames is removed ($$REMOVE).
      if (rest.length > 0) next.keyAltNames = rest;
      else delete next.keyAltNames;
      this.#byId.set(hex, next);
      this.#byAltName.delete(name);
    }
    return before;
  }
}

/** Throws INVALID_ARGUMENT unless `name` is a string. */
export function checkAltName(name: unknown): asserts name is string {
  if (typeof name !== 'string') throw new KeyVaultError('INVALID_ARGUMENT', 'keyAltName must be a string');
}

