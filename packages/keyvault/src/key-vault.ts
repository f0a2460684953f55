// The key store interface and the small filter language the in-process stores understand.
import type { Binary } from 'bson';
import { constantTimeEqual } from '@fle-ts/crypto-core';
import type { DataKeyDocument } from './key-document.js';
import type { MasterKey } from './master-key.js';
import { binaryBytes, isBinary } from './bytes.js';
import { KeyVaultError } from './errors.js';

/** Keys to find: semantically `{$or: [{_id: {$in: ids}}, {keyAltNames: {$in: altNames}}]}` (LMC key broker). */
export interface KeyQuery {
  ids?: readonly (Uint8Array | Binary)[];
  altNames?: readonly string[];
}

/**
 * A MongoDB-style filter over key documents. The in-process stores support: `{}`; equality on a
 * field or dotted path (`{'masterKey.provider': 'local'}`, `{_id: uuidBinary}`), where an array
 * field matches when any element equals (`{keyAltNames: 'name'}`); and the operators `$eq`, `$ne`,
 * `$in`, `$nin`, `$exists`, `$or`, `$and`. MongoKeyVault passes the filter to the server as is.
 */
export type KeyFilter = Record<string, unknown>;

/**
 * What a rewrap changes in a key document, and nothing else (SPEC rewrapManyDataKey: updateOne
 * with `$set {masterKey, keyMaterial}` and `$currentDate {updateDate}`; LMC
 * `mongocrypt-ctx-rewrap-many-datakey.c`).
 */
export interface KeyWrappingUpdate {
  /** The newly wrapped data key, BinData subtype 0. */
  keyMaterial: Binary;
  masterKey: MasterKey;
  /** Used by the in-process stores; MongoKeyVault lets the server set it ($currentDate). */
  updateDate: Date;
}

/** An async store of data key documents (the key vault collection). */
export interface KeyVault {
  /** Documents whose `_id` is one of `ids` or that carry one of `altNames`. */
  find(query: KeyQuery): Promise<DataKeyDocument[]>;
  /** Documents matching `filter` (see KeyFilter). */
  findByFilter(filter?: KeyFilter): Promise<DataKeyDocument[]>;
  /** Every document. */
  findAll(): Promise<DataKeyDocument[]>;
  /** Adds a document; DUPLICATE_KEY_ID / DUPLICATE_KEY_ALT_NAME leave the vault unchanged. */
  insert(doc: DataKeyDocument): Promise<void>;
  /** Replaces the document with the same `_id` in one write; false when there is none. */
  replace(doc: DataKeyDocument): Promise<boolean>;
  /**
   * Sets only keyMaterial, masterKey and updateDate of the key with this `_id`, in one write; every
   * other field (e.g. an alt name added since the key was read) stays. False when there is no such key.
   */
  updateKeyWrapping(id: Uint8Array | Binary, update: KeyWrappingUpdate): Promise<boolean>;
  /** Deletes by id; true when a document was deleted. */
  delete(id: Uint8Array | Binary): Promise<boolean>;
  /** Adds an alt name ($addToSet); returns the document BEFORE the change, or null if no such key. */
  addKeyAltName(id: Uint8Array | Binary, name: string): Promise<DataKeyDocument | null>;
  /** Removes an alt name (dropping the field when it empties); returns the document BEFORE, or null. */
  removeKeyAltName(id: Uint8Array | Binary, name: string): Promise<DataKeyDocument | null>;
}

function valuesEqual(a: unknown, b: unknown): boolean {
  if (isBinary(a) || isBinary(b)) {
    if (!isBinary(a) || !isBinary(b)) {
      if (isBinary(a) && b instanceof Uint8Array) return constantTimeEqual(binaryBytes(a), b);
      if (isBinary(b) && a instanceof Uint8Array) return constantTimeEqual(binaryBytes(b), a);
      return false;
    }
    return a.sub_type === b.sub_type && a.position === b.position && constantTimeEqual(binaryBytes(a), binaryBytes(b));
  }
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    if (Array.isArray(a) !== Array.isArray(b)) return false;
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k, i) => k === kb[i]
      && valuesEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

function lookup(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || isBinary(cur)) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

// MongoDB equality: an array field matches when the whole array or any element equals.
function fieldEquals(value: unknown, target: unknown): boolean {
  if (valuesEqual(value, target)) return true;
  return Array.isArray(value) && value.some((v) => valuesEqual(v, target));
}

function isOperatorDoc(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || isBinary(v) || v instanceof Date) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

function matchField(value: unknown, cond: unknown): boolean {
  if (!isOperatorDoc(cond)) return fieldEquals(value, cond);
  for (const [op, arg] of Object.entries(cond)) {
    switch (op) {
      case '$eq': if (!fieldEquals(value, arg)) return false; break;
      case '$ne': if (fieldEquals(value, arg)) return false; break;
      case '$in': if (!asArray(arg, op).some((t) => fieldEquals(value, t))) return false; break;
      case '$nin': if (asArray(arg, op).some((t) => fieldEquals(value, t))) return false; break;
      case '$exists': if ((value !== undefined) !== Boolean(arg)) return false; break;
      default:
        throw new KeyVaultError('INVALID_ARGUMENT', `filter operator ${op} is not supported by the in-process key vaults (supported: $eq $ne $in $nin $exists $or $and)`);
    }
  }
  return true;
}

function asArray(v: unknown, op: string): unknown[] {
  if (!Array.isArray(v)) throw new KeyVaultError('INVALID_ARGUMENT', `filter ${op} needs an array`);
  return v;
}

/** True when `doc` matches `filter` (see KeyFilter for what is supported). */
export function matchesFilter(doc: DataKeyDocument, filter: KeyFilter = {}): boolean {
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$or') {
      if (!asArray(cond, key).some((f) => matchesFilter(doc, f as KeyFilter))) return false;
    } else if (key === '$and') {
      if (!asArray(cond, key).every((f) => matchesFilter(doc, f as KeyFilter))) return false;
    } else if (key.startsWith('$')) {
      throw new KeyVaultError('INVALID_ARGUMENT', `filter operator ${key} is not supported at the top level (supported: $or $and)`);
    } else if (!matchField(lookup(doc, key), cond)) {
      return false;
    }
  }
  return true;
}
