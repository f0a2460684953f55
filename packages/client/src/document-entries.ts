import { MAX_NESTING_DEPTH } from '@fle-ts/crypto-core';
import { isPlainDocument } from './bson-types.js';
import { FleClientError } from './errors.js';

/** A document as a caller may hand it in: a plain object (any prototype) or a Map, as js-bson serializes both. */
export type DocumentInput = Record<string, unknown> | ReadonlyMap<string, unknown>;

/** True for a plain object or a Map: what a walker reads field by field. */
export function isDocumentInput(value: unknown): value is DocumentInput {
  return value instanceof Map || isPlainDocument(value);
}

/**
 * The fields of a document as js-bson serializes them: a Map's entries, or an object's own
 * enumerable string keys (an own `__proto__` included, as `JSON.parse` makes it). What BSON
 * cannot hold is refused rather than dropped, since a dropped filter predicate matches more
 * documents (issue 11 item 3): non-string Map keys (js-bson throws a TypeError) and Symbol keys
 * (js-bson skips them). `where` names the document in the message.
 */
export function documentEntries(doc: DocumentInput, where: string): [string, unknown][] {
  if (doc instanceof Map) {
    const out: [string, unknown][] = [];
    for (const [k, v] of doc as Map<unknown, unknown>) {
      if (typeof k !== 'string') throw new FleClientError('INVALID_ARGUMENT', `${where}: a Map document has a ${typeof k} key; BSON field names are strings`);
      out.push([k, v]);
    }
    return out;
  }
  for (const s of Object.getOwnPropertySymbols(doc)) {
    if (Object.prototype.propertyIsEnumerable.call(doc, s)) {
      throw new FleClientError('INVALID_ARGUMENT', `${where}: has a Symbol key, which BSON cannot hold (it would be dropped); use string field names`);
    }
  }
  return Object.entries(doc);
}

/** True when the document has field `name` (own key or Map entry). */
export function hasField(doc: DocumentInput, name: string): boolean {
  return doc instanceof Map ? doc.has(name) : Object.prototype.hasOwnProperty.call(doc, name);
}

/**
 * Sets `out[key] = value` as an own data property: `__proto__` through defineProperty, since an
 * assignment would call the setter and re-prototype `out` (or drop a non-object value).
 */
export function setField(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true });
  else out[key] = value;
}

/** A plain object from entries, built with {@link setField} (so every entry stays an own field, in order). */
export function documentFromEntries(entries: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) setField(out, k, v);
  return out;
}

/**
 * Throws `NESTING_TOO_DEEP` when `depth` (the top-level document is 1) passes crypto-core's
 * MAX_NESTING_DEPTH (200, the server's BSON depth limit), before a deep input can overflow the
 * call stack (issue 11 item 8).
 */
export function checkDepth(depth: number, what: string): void {
  if (depth > MAX_NESTING_DEPTH) {
    throw new FleClientError('NESTING_TOO_DEEP', `${what} nests documents/arrays more than ${MAX_NESTING_DEPTH} levels deep (the server's limit too); flatten it`);
  }
}
