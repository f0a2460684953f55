import { BsonType, RawBsonValue } from '@fle-ts/fle-format';
import { bsonTypeOf } from './bson-types.js';
import { checkValueForRule, optionsForRule } from './encrypt-value-rule.js';
import { checkDepth, documentEntries, hasField, isDocumentInput, setField, type DocumentInput } from './document-entries.js';
import { FleClientError } from './errors.js';
import { type FieldCipherSource, type FieldEncryptOptions, KeyNeedsCollector } from './field-cipher.js';
import { childNode, type SchemaNode } from './schema.js';

/** Receives each value to encrypt; the gather pass records key needs, the apply pass encrypts. */
export type ValueSink = (path: string, value: unknown, options: FieldEncryptOptions) => unknown;

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

/**
 * Walks `doc` under schema `node`, handing every value the schema marks to `sink`, and returns a
 * copy with the sink's results in place (objects off the encrypted paths are shared, never
 * mutated). `topDoc` is what JSON-pointer keyIds resolve against (undefined inside updates).
 * `doc` may be a plain object or a Map (read by its real entries, an own `__proto__` included);
 * the copy is a plain object whose fields are all own data properties, so its BSON is the
 * input's. `depth` is `doc`'s nesting level (top-level document = 1); past MAX_NESTING_DEPTH
 * → `NESTING_TOO_DEEP`.
 */
export function walkDocument(node: SchemaNode, doc: DocumentInput, topDoc: unknown, prefix: string, sink: ValueSink, depth = 1): Record<string, unknown> {
  if (!node.hasEncryption) return doc as Record<string, unknown>;
  checkDepth(depth, prefix ? `Field '${prefix}'` : 'The document');
  const out: Record<string, unknown> = {};
  for (const [name, value] of documentEntries(doc, prefix ? `Field '${prefix}'` : 'The document')) {
    const path = join(prefix, name);
    const child = childNode(node, name);
    let result = value;
    if (!child || !child.hasEncryption || value === undefined && !child.encrypt) {
      // kept as is
    } else if (child.encrypt) {
      checkValueForRule(path, child.encrypt, value);
      result = sink(path, value, optionsForRule(path, child.encrypt, topDoc));
    } else if (Array.isArray(value)) {
      // FLE1 has no per-element encryption: an array on the way to an encrypted field is refused
      // (query-analysis.md §4/§5, "Cannot encrypt element of type").
      throw new FleClientError('ARRAY_IN_ENCRYPTED_PATH', `Field '${path}' is an array but the schema encrypts fields inside it; encrypt the whole array with Random instead`);
    } else if (isDocumentInput(value)) {
      result = walkDocument(child, value, topDoc, path, sink, depth + 1);
    } // else not an object: no field of it can be encrypted
    setField(out, name, result);
  }
  return out;
}

/**
 * Runs `walk` twice: once to validate everything and gather the keys it needs, then, after ONE
 * batched key fetch, to encrypt synchronously. Any error is thrown before the first encryption.
 */
export async function encryptWithSchema<T>(source: FieldCipherSource, walk: (sink: ValueSink) => T): Promise<T> {
  const needs = new KeyNeedsCollector();
  let count = 0;
  const gathered = walk((_path, value, options) => {
    needs.add(options);
    count++;
    return value;
  });
  if (count === 0) return gathered;
  const cipher = await source.prepare(needs);
  return walk((_path, value, options) => cipher.encrypt(value, options));
}

/** True for BSON Timestamp(0, 0), which the server replaces with the current time in a top-level field. */
function isZeroTimestamp(value: unknown): boolean {
  if (bsonTypeOf(value) !== 'timestamp') return false;
  if (value instanceof RawBsonValue) return value.type === BsonType.timestamp && value.bytes.length === 8 && value.bytes.every((b) => b === 0);
  const ts = value as { t?: unknown; i?: unknown };
  return ts.t === 0 && ts.i === 0;
}

/**
 * Encrypts every field of `doc` (a plain object or a Map) that the schema marks; the input is not
 * modified. The insert checks of mongocryptd (query-analysis.md §5, "Inserts"): a document must
 * carry `_id` when the schema encrypts `_id`, since the driver or server would fill in a
 * plaintext ObjectId → `MISSING_ENCRYPTED_ID`; an encrypted top-level field cannot hold
 * Timestamp(0, 0) (spec-unified badQueries "an insert with a Timestamp(0,0) value in the
 * top-level fails") → `INSERT_TIMESTAMP_ZERO`.
 */
export async function encryptDocumentWith(source: FieldCipherSource, root: SchemaNode, doc: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (!isDocumentInput(doc)) throw new FleClientError('INVALID_ARGUMENT', 'encryptDocument expects a plain document object (or a Map)');
  if (childNode(root, '_id')?.encrypt && !hasField(doc, '_id')) {
    throw new FleClientError('MISSING_ENCRYPTED_ID', "The schema encrypts '_id' but the document has none; set _id (e.g. new ObjectId()) before encrypting, as mongocryptd refuses an insert without it");
  }
  if (root.hasEncryption) {
    for (const [name, value] of documentEntries(doc, 'The document')) {
      if (isZeroTimestamp(value) && childNode(root, name)?.encrypt) {
        throw new FleClientError('INSERT_TIMESTAMP_ZERO', `A command that inserts cannot supply Timestamp(0, 0) for the encrypted top-level field '${name}' (the server would replace it with the current time); pass a real timestamp`);
      }
    }
  }
  return encryptWithSchema(source, (sink) => walkDocument(root, doc, doc, '', sink));
}
