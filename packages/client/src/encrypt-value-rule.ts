import { BsonType, bsonTypeName, bsonTypeOfValue, encryptionRefusal, normalizeAlgorithm, RawBsonValue } from '@fle-ts/fle-format';
import type { Binary } from 'bson';
import { FleClientError } from './errors.js';
import type { FieldEncryptOptions } from './field-cipher.js';
import type { EncryptRule } from './schema.js';

/** The binData subtype of a value (a Binary or a RawBsonValue's value bytes: int32 length, then the subtype). */
function binarySubtype(value: unknown): number | undefined {
  if (value instanceof RawBsonValue) return value.bytes[4];
  return (value as Binary).sub_type;
}

/**
 * Checks that `value` may be encrypted under `rule` at document path `path`: the schema's
 * `bsonType`, then fle-format's one rule table (`encryptionRefusal`, LMC
 * `_permitted_for_encryption`, fle1-spec.md §3), the same rules explicit encryption applies.
 * Runs before anything is encrypted so a bad value never leaves a document half-encrypted.
 * Messages name types, never the value.
 */
export function checkValueForRule(path: string, rule: EncryptRule, value: unknown): void {
  const type = bsonTypeOfValue(value);
  const alias = bsonTypeName(type);
  if (rule.bsonTypes && !rule.bsonTypes.includes(alias)) {
    throw new FleClientError('BSON_TYPE_MISMATCH', `Cannot encrypt field '${path}': value has BSON type ${alias}, schema ${rule.schemaPath} requires ${rule.bsonTypes.join(' or ')}`);
  }
  const refusal = encryptionRefusal(type, normalizeAlgorithm(rule.algorithm), type === BsonType.binData ? binarySubtype(value) : undefined);
  if (refusal !== undefined) throw new FleClientError('BSON_TYPE_MISMATCH', `Cannot encrypt field '${path}': ${refusal}`);
}

/** Reads an RFC 6901 JSON pointer from the top-level document (own fields and Map entries only). */
function readPointer(doc: unknown, pointer: string): unknown {
  let cur: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur instanceof Map) cur = cur.get(part);
    else if (typeof cur === 'object' && cur !== null && Object.prototype.hasOwnProperty.call(cur, part)) cur = (cur as Record<string, unknown>)[part];
    else return undefined;
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
