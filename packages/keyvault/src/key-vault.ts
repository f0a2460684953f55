// The key store interface and the small filter language the in-process stores understand.
import type { Binary } from 'bson';
import { constantTimeEqual, MAX_NESTING_DEPTH } from '@fle-ts/crypto-core';
import type { DataKeyDocument } from './key-document.js';
import type { MasterKey } from './master-key.js';
import { binaryBytes, isBinary } from './bytes.js';
import { KeyVaultError } from './errors.js';
import { nestingTooDeep } from './depth.js';

/** Keys to find: semantically `{$or: [{_id: {$in: ids}}, {keyAltNames: {$in: altNames}}]}` (LMC key broker). */
export interface KeyQuery {
  ids?: readonly (Uint8Array | Binary)[];
  altNames?: readonly string[];
}

/**
 * Checks a KeyQuery's shape (INVALID_ARGUMENT): a document whose `ids` and `altNames`, when
 * present, are arrays (a string is not taken as a list of one-letter names), names are strings.
 */
export function checkKeyQuery(query: KeyQuery): void {
  if (typeof query !== 'object' || query === null) {
    throw new KeyVaultError('INVALID_ARGUMENT', 'a key query must be a document {ids?: [...], altNames?: [...]}');
  }
  if (query.ids !== undefined && !Array.isArray(query.ids)) throw new KeyVaultError('INVALID_ARGUMENT', 'key query ids must be an array of key ids');
  if (query.altNames !== undefined) {
    if (!Array.isArray(query.altNames)) throw new KeyVaultError('INVALID_ARGUMENT', 'key query altNames must be an array of strings');
    for (const n of query.altNames) if (typeof n !== 'string') throw new KeyVaultError('INVALID_ARGUMENT', 'keyAltName must be a string');
  }
}

/**
 * A MongoDB-style filter over key documents. The in-process stores support: `{}`; equality on a
 * field or dotted path (`{'masterKey.provider': 'local'}`, `{_id: uuidBinary}`), where an array
 * field matches when any element equals (`{keyAltNames: 'name'}`); and the operators `$eq`, `$ne`,
 * `$in`, `$nin`, `$exists`, `$or`, `$and`. A `Map` (also nested) means the document it
 * serializes to. MongoKeyVault passes the filter to the server as is.
 */
export type KeyFilter = Record<string, unknown> | ReadonlyMap<string, unknown>;

/** Throws INVALID_ARGUMENT unless `update` is a document (the fields are validated by each store). */
export function checkWrappingUpdate(update: unknown): asserts update is KeyWrappingUpdate {
  if (typeof update !== 'object' || update === null) {
    throw new KeyVaultError('INVALID_ARGUMENT', 'updateKeyWrapping needs {keyMaterial, masterKey, updateDate}');
  }
}

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

// Own fields only, so `__proto__`, `constructor` or an array's `length` are never "found" on a
// key document; an array step must be an index (MongoDB dotted paths, `keyAltNames.0`).
function lookup(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null || isBinary(cur) || cur instanceof Date) return undefined;
    if (Array.isArray(cur) ? !/^(0|[1-9][0-9]*)$/.test(part) : !Object.hasOwn(cur, part)) return undefined;
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

function isLeaf(v: unknown): boolean {
  return typeof v !== 'object' || v === null || v instanceof Date || ArrayBuffer.isView(v)
    || (v as { _bsontype?: unknown })._bsontype !== undefined;
}

// A copy of a filter value as plain objects and arrays: a Map becomes the document it serializes
// to (js-bson, so MongoKeyVault's server sees the same), keys such as `__proto__` stay own fields.
// Depth-bounded (MAX_NESTING_DEPTH): the recursion can never overflow the stack.
function normalizeValue(v: unknown, depth: number): unknown {
  if (v instanceof RegExp || (v as { _bsontype?: unknown } | null)?._bsontype === 'BSONRegExp') {
    throw new KeyVaultError('INVALID_ARGUMENT', 'regular expressions are not supported in filters of the in-process key vaults');
  }
  if (typeof v === 'function' || typeof v === 'symbol') {
    throw new KeyVaultError('INVALID_ARGUMENT', `a ${typeof v} is not a filter value`);
  }
  if (isLeaf(v)) return v;
  if (depth > MAX_NESTING_DEPTH) throw nestingTooDeep('key vault filter');
  if (Array.isArray(v)) return v.map((x) => normalizeValue(x, depth + 1));
  const out: Record<string, unknown> = {};
  const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
  for (const [k, x] of entries) {
    if (typeof k !== 'string') throw new KeyVaultError('INVALID_ARGUMENT', 'filter field names must be strings (a Map filter had another key type)');
    Object.defineProperty(out, k, { value: normalizeValue(x, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

function isDocument(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !isLeaf(v);
}

// Checks the shape the matcher relies on: $or/$and take a non-empty array of documents (MongoDB
// refuses `$and: []`, which would otherwise match every key), other `$` keys are refused.
function checkFilter(filter: Record<string, unknown>): void {
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$or' || key === '$and') {
      const list = asArray(cond, key);
      if (list.length === 0) throw new KeyVaultError('INVALID_ARGUMENT', `filter ${key} must be a nonempty array`);
      for (const f of list) {
        if (!isDocument(f)) throw new KeyVaultError('INVALID_ARGUMENT', `filter ${key} entries must be documents`);
        checkFilter(f as Record<string, unknown>);
      }
    } else if (key.startsWith('$')) {
      throw new KeyVaultError('INVALID_ARGUMENT', `filter operator ${key} is not supported at the top level (supported: $or $and)`);
    }
  }
}

function match(doc: DataKeyDocument, filter: Record<string, unknown>): boolean {
  for (const [key, cond] of Object.entries(filter)) {
    if (key === '$or') {
      if (!(cond as Record<string, unknown>[]).some((f) => match(doc, f))) return false;
    } else if (key === '$and') {
      if (!(cond as Record<string, unknown>[]).every((f) => match(doc, f))) return false;
    } else if (!matchField(lookup(doc, key), cond)) {
      return false;
    }
  }
  return true;
}

/**
 * Validates `filter` once (INVALID_ARGUMENT for what the in-process stores cannot evaluate,
 * NESTING_TOO_DEEP past MAX_NESTING_DEPTH levels) and returns a predicate over key documents.
 * A `Map` filter, or Map values in it, mean the document they serialize to.
 */
export function keyFilterMatcher(filter: KeyFilter = {}): (doc: DataKeyDocument) => boolean {
  if (!isDocument(filter)) {
    throw new KeyVaultError('INVALID_ARGUMENT', 'a key vault filter must be a document such as {} or {keyAltNames: "name"}');
  }
  const f = normalizeValue(filter, 1) as Record<string, unknown>;
  checkFilter(f);
  return (doc) => match(doc, f);
}

/** True when `doc` matches `filter` (see KeyFilter for what is supported). */
export function matchesFilter(doc: DataKeyDocument, filter: KeyFilter = {}): boolean {
  return keyFilterMatcher(filter)(doc);
}
