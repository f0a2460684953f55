// Collection schemas taken from listCollections, shared by every encryption context of one
// MongoCrypt, as libmongocrypt's collinfo cache (`mongocrypt-cache-collinfo.c`, entries live
// CACHE_EXPIRATION_MS_DEFAULT = 60000 ms; an empty answer is cached too): a second command on the
// same collection sends no second listCollections (spec basic.json, bulk.json: one listCollections).
import type { Document } from 'bson';
import type { SchemaNode } from '@fle-ts/client';

const COLLINFO_EXPIRATION_MS = 60_000;

interface Entry { readonly schema: SchemaNode | undefined; readonly encryptedFields: Document | undefined; readonly expiresAt: number }

/**
 * Remote schemas by namespace ("db.coll"), `undefined` meaning "no encryption schema"; a
 * Queryable Encryption collection's `options.encryptedFields` beside it (which wins, as in
 * libmongocrypt: spec fle2v2-EncryptedFields-vs-jsonSchema.json).
 */
export class CollInfoCache {
  readonly #entries = new Map<string, Entry>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** `{schema}` while a live entry exists for `ns` (schema possibly undefined), else undefined. */
  get(ns: string): { schema: SchemaNode | undefined; encryptedFields: Document | undefined } | undefined {
    const e = this.#entries.get(ns);
    if (e === undefined || this.#now() >= e.expiresAt) return undefined;
    return { schema: e.schema, encryptedFields: e.encryptedFields };
  }

  /** Records what listCollections said about `ns`. */
  put(ns: string, schema: SchemaNode | undefined, encryptedFields?: Document): void {
    this.#entries.set(ns, { schema, encryptedFields, expiresAt: this.#now() + COLLINFO_EXPIRATION_MS });
  }
}
