// The schemaMap option: namespaces checked at construction, each schema compiled on its first
// use. libmongocrypt only checks that schemaMap is BSON; the schema itself is judged by
// mongocryptd / crypt_shared when a command reaches that collection, so a bad schema fails the
// command, not the MongoClient (spec badSchema.json: insertOne expects "Invalid schema").
import type { Document } from 'bson';
import { compileSchema, FleClientError, type SchemaNode } from '@fle-ts/client';

type Compiled = { readonly root: SchemaNode } | { readonly error: unknown };

/** schemaMap entries by namespace, compiled lazily (the result, or the error, kept). */
export class SchemaMap {
  readonly #raw = new Map<string, Document>();
  readonly #compiled = new Map<string, Compiled>();

  /** `entries`: the decoded schemaMap document; throws when a key is not "db.collection". */
  constructor(entries: Document) {
    for (const [ns, schema] of Object.entries(entries)) {
      if (!/^[^.]+\..+$/.test(ns)) throw new FleClientError('INVALID_ARGUMENT', `schemaMap key '${ns}' must be a namespace "db.collection"`);
      this.#raw.set(ns, schema as Document);
    }
  }

  /** Whether schemaMap names `ns`. */
  has(ns: string): boolean {
    return this.#raw.has(ns);
  }

  /** The compiled schema of `ns` (undefined when not in schemaMap); throws the compile error, naming the namespace. */
  get(ns: string): SchemaNode | undefined {
    const raw = this.#raw.get(ns);
    if (raw === undefined) return undefined;
    let c = this.#compiled.get(ns);
    if (c === undefined) {
      try {
        c = { root: compileSchema(raw).root };
      } catch (e) {
        c = { error: e instanceof FleClientError ? new FleClientError(e.code, `schemaMap['${ns}']: ${e.message}`, { cause: e }) : e };
      }
      this.#compiled.set(ns, c);
    }
    if ('error' in c) throw c.error;
    return c.root;
  }
}
