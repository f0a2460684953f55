import { bsonTypeOf, isPlainDocument } from './bson-types.js';
import { checkValueForRule, optionsForRule } from './encrypt-value-rule.js';
import { encryptWithSchema, type ValueSink } from './encrypt-document.js';
import { FleClientError } from './errors.js';
import type { FieldCipherSource } from './field-cipher.js';
import { RANDOM, resolvePath, type EncryptRule, type SchemaNode } from './schema.js';

// query-analysis.md §3: anywhere in a filter, even on clear fields.
const FORBIDDEN_ANYWHERE = new Set(['$where', '$text', '$jsonSchema', '$expr', '$function', '$accumulator']);
const LOGICAL = new Set(['$and', '$or', '$nor']);

function isOperatorObject(v: unknown): v is Record<string, unknown> {
  if (!isPlainDocument(v)) return false;
  const keys = Object.keys(v);
  return keys.length > 0 && keys.every((k) => k.startsWith('$'));
}

function notAllowed(field: string, op: string, why: string): never {
  throw new FleClientError('ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', `Query on encrypted field '${field}' with ${op}: ${why}`);
}

/** Encrypts one compared value of a deterministic field after the checks mongocryptd makes. */
function operand(field: string, op: string, rule: EncryptRule, value: unknown, sink: ValueSink): unknown {
  const t = bsonTypeOf(value);
  if (t === 'null' || t === 'undefined') notAllowed(field, op, 'comparison to null is not possible on an encrypted field (query for a missing field with $exists: false)');
  if (t === 'regex') notAllowed(field, op, 'a regular expression cannot match an encrypted value');
  checkValueForRule(field, rule, value);
  return sink(field, value, optionsForRule(field, rule, undefined));
}

function rewriteOperators(field: string, rule: EncryptRule, ops: Record<string, unknown>, sink: ValueSink): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [op, arg] of Object.entries(ops)) {
    if (op === '$exists' || op === '$comment') {
      out[op] = arg;
      continue;
    }
    if (rule.algorithm === RANDOM) notAllowed(field, op, 'the field is encrypted with the Random algorithm, which cannot be queried (only $exists)');
    switch (op) {
      case '$eq':
      case '$ne':
        out[op] = operand(field, op, rule, arg, sink);
        break;
      case '$in':
      case '$nin':
        if (!Array.isArray(arg)) throw new FleClientError('INVALID_ARGUMENT', `Query on '${field}': ${op} needs an array`);
        out[op] = arg.map((v) => operand(field, op, rule, v, sink));
        break;
      case '$not':
        if (isOperatorObject(arg)) out[op] = rewriteOperators(field, rule, arg, sink);
        else notAllowed(field, op, `$not needs an operator document here (a regular expression cannot match an encrypted value)`);
        break;
      case '$regex':
      case '$options':
        notAllowed(field, op, 'a regular expression cannot match an encrypted value');
        break;
      default:
        throw new FleClientError('UNSUPPORTED_QUERY_OPERATOR', `Query on encrypted field '${field}' uses ${op}, which encrypted fields do not support (only $eq, $ne, $in, $nin, $not, $exists on deterministic fields)`);
    }
  }
  return out;
}

function rewriteField(root: SchemaNode, field: string, cond: unknown, sink: ValueSink): unknown {
  const where = resolvePath(root, field);
  if (where.kind === 'clear') return cond;
  const onlyExists = isOperatorObject(cond) && Object.keys(cond).every((k) => k === '$exists' || k === '$comment');
  if (where.kind === 'below') {
    if (onlyExists) return cond;
    notAllowed(field, 'a comparison', `it lies inside the encrypted field '${where.encryptedPath}', whose content the server cannot see`);
  }
  if (where.kind === 'prefix') {
    if (onlyExists) return cond;
    notAllowed(field, 'a comparison', 'the object holds encrypted fields; query those fields one by one instead');
  }
  const { rule } = where;
  if (isOperatorObject(cond)) return rewriteOperators(field, rule, cond, sink);
  // Implicit equality comes back as {$eq: <ciphertext>}, as mongocryptd rewrites it.
  if (rule.algorithm === RANDOM) notAllowed(field, 'equality', 'the field is encrypted with the Random algorithm, which cannot be queried (only $exists)');
  return { $eq: operand(field, 'equality', rule, cond, sink) };
}

/** Rewrites a match expression (find/count/delete/update filters, `$match`). */
export function walkFilter(root: SchemaNode, filter: Record<string, unknown>, sink: ValueSink): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(filter)) {
    if (LOGICAL.has(key)) {
      if (!Array.isArray(value)) throw new FleClientError('INVALID_ARGUMENT', `${key} needs an array of filter documents`);
      out[key] = value.map((sub) => {
        if (!isPlainDocument(sub)) throw new FleClientError('INVALID_ARGUMENT', `${key} needs an array of filter documents`);
        return walkFilter(root, sub, sink);
      });
    } else if (FORBIDDEN_ANYWHERE.has(key)) {
      throw new FleClientError('UNSUPPORTED_QUERY_OPERATOR', `${key} is not supported in a filter on a collection with automatic encryption`);
    } else if (key.startsWith('$')) {
      out[key] = value; // $comment and other top-level options
    } else {
      out[key] = rewriteField(root, key, value, sink);
    }
  }
  return out;
}

/** Encrypts the query values of a filter on deterministic fields; the input is not modified. */
export async function encryptFilterWith(source: FieldCipherSource, root: SchemaNode, filter: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (!isPlainDocument(filter)) throw new FleClientError('INVALID_ARGUMENT', 'encryptFilter expects a filter document');
  if (!root.hasEncryption) return filter;
  return encryptWithSchema(source, (sink) => walkFilter(root, filter, sink));
}
