import { isPlainDocument } from './bson-types.js';
import { checkValueForRule, optionsForRule } from './encrypt-value-rule.js';
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
 */
export function walkDocument(node: SchemaNode, doc: Record<string, unknown>, topDoc: unknown, prefix: string, sink: ValueSink): Record<string, unknown> {
  if (!node.hasEncryption) return doc;
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(doc)) {
    const path = join(prefix, name);
    const child = childNode(node, name);
    if (!child || !child.hasEncryption || value === undefined && !child.encrypt) {
      out[name] = value;
    } else if (child.encrypt) {
      checkValueForRule(path, child.encrypt, value);
      out[name] = sink(path, value, optionsForRule(path, child.encrypt, topDoc));
    } else if (Array.isArray(value)) {
      // FLE1 has no per-element encryption: an array on the way to an encrypted field is refused
      // (query-analysis.md §4/§5, "Cannot encrypt element of type").
      throw new FleClientError('ARRAY_IN_ENCRYPTED_PATH', `Field '${path}' is an array but the schema encrypts fields inside it; encrypt the whole array with Random instead`);
    } else if (isPlainDocument(value)) {
      out[name] = walkDocument(child, value, topDoc, path, sink);
    } else {
      out[name] = value; // not an object: no field of it can be encrypted
    }
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

/** Encrypts every field of `doc` that the schema marks; the input is not modified. */
export async function encryptDocumentWith(source: FieldCipherSource, root: SchemaNode, doc: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (!isPlainDocument(doc)) throw new FleClientError('INVALID_ARGUMENT', 'encryptDocument expects a plain document object');
  return encryptWithSchema(source, (sink) => walkDocument(root, doc, doc, '', sink));
}
