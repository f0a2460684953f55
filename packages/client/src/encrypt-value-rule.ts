import { bsonTypeOf, isSubtype6, NEVER_ENCRYPTABLE, NOT_DETERMINISTIC } from './bson-types.js';
import { FleClientError } from './errors.js';
import type { FieldEncryptOptions } from './field-cipher.js';
import { DETERMINISTIC, type EncryptRule } from './schema.js';

/**
 * Checks that `value` may be encrypted under `rule` at document path `path` (schema `bsonType`,
 * then LMC `_permitted_for_encryption`, fle1-spec.md §3). Runs before anything is encrypted so a
 * bad value never leaves a document half-encrypted.
 */
export function checkValueForRule(path: string, rule: EncryptRule, value: unknown): void {
  const t = bsonTypeOf(value);
  if (NEVER_ENCRYPTABLE.has(t)) throw new FleClientError('BSON_TYPE_MISMATCH', `Cannot encrypt field '${path}': BSON type ${t} can never be encrypted`);
  if (rule.bsonTypes && !rule.bsonTypes.includes(t)) {
    throw new FleClientError('BSON_TYPE_MISMATCH', `Cannot encrypt field '${path}': value has BSON type ${t}, schema ${rule.schemaPath} requires ${rule.bsonTypes.join(' or ')}`);
  }
  if (rule.algorithm === DETERMINISTIC && NOT_DETERMINISTIC.has(t)) {
    throw new FleClientError('BSON_TYPE_MISMATCH', `Cannot encrypt field '${path}': BSON type ${t} is not allowed with deterministic encryption`);
  }
  if (isSubtype6(value)) throw new FleClientError('BSON_TYPE_MISMATCH', `Cannot encrypt field '${path}': BinData subtype 6 (already encrypted?) cannot be encrypted`);
}

/** Reads an RFC 6901 JSON pointer from the top-level document. */
function readPointer(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/** Turns a rule into per-value options, resolving a JSON-pointer keyId against the top-level document. */
export function optionsForRule(path: string, rule: EncryptRule, topDoc: unknown): FieldEncryptOptions {
  if (rule.keyId.kind === 'id') return { keyId: rule.keyId.id, algorithm: rule.algorithm };
  if (topDoc === undefined) {
    throw new FleClientError('ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', `Field '${path}' takes its key alt name from '${rule.keyId.pointer}', which only works when inserting whole documents (mongocryptd 51093)`);
  }
  const name = readPointer(topDoc, rule.keyId.pointer);
  if (typeof name !== 'string') {
    throw new FleClientError('KEY_POINTER_INVALID', `Field '${path}': keyId pointer '${rule.keyId.pointer}' must name a string field of the document holding the key alt name`);
  }
  return { keyAltName: name, algorithm: rule.algorithm };
}
