// The schema of a collection without a schemaMap entry: its `$jsonSchema` validator from
// listCollections (NEED_MONGO_COLLINFO), as libmongocrypt takes it (query-analysis.md §1 step 2).
import type { Document } from 'bson';
import { compileSchema, FleClientError, type SchemaNode } from '@fle-ts/client';
import { isDoc, refuse } from './refuse.js';

/** Does a `$jsonSchema` mention encryption anywhere (so a plain validator is no encryption schema)? */
export function mentionsEncryption(v: unknown, depth = 0): boolean {
  if (depth > 100) return true; // deeper than any schema: treat as encrypting, so it gets compiled (and refused)
  if (Array.isArray(v)) return v.some((x) => mentionsEncryption(x, depth + 1));
  if (!isDoc(v)) return false;
  return Object.entries(v).some(([k, x]) => k === 'encrypt' || k === 'encryptMetadata' || mentionsEncryption(x, depth + 1));
}

/** The schema a listCollections reply gives (its `$jsonSchema` validator), as libmongocrypt takes it. */
export function schemaFromCollInfo(info: Document, ns: string): SchemaNode | undefined {
  if (info.type === 'view') refuse(`cannot auto encrypt a view: '${ns}' is a view`);
  const validator = (info.options as Document | undefined)?.validator as Document | undefined;
  const schema = validator?.$jsonSchema;
  if (schema === undefined || !mentionsEncryption(schema)) return undefined;
  if (Object.keys(validator as Document).length > 1) {
    refuse(`the validator of '${ns}' combines $jsonSchema with other query operators, which fle-ts does not analyse; use a schemaMap entry`);
  }
  try {
    return compileSchema(schema).root;
  } catch (e) {
    if (e instanceof FleClientError) throw new FleClientError(e.code, `the $jsonSchema validator of '${ns}' (from listCollections): ${e.message}`, { cause: e });
    throw e;
  }
}
