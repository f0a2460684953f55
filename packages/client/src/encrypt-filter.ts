import { bsonTypeOf } from './bson-types.js';
import { checkDepth, documentEntries, documentFromEntries, isDocumentInput, type DocumentInput } from './document-entries.js';
import { checkValueForRule, optionsForRule } from './encrypt-value-rule.js';
import { encryptWithSchema, type ValueSink } from './encrypt-document.js';
import { FleClientError } from './errors.js';
import type { FieldCipherSource } from './field-cipher.js';
import { RANDOM, resolvePath, type EncryptRule, type SchemaNode } from './schema.js';

// query-analysis.md §3: anywhere in a filter, even on clear fields.
const FORBIDDEN_ANYWHERE = new Set(['$where', '$text', '$jsonSchema', '$expr', '$function', '$accumulator']);
const LOGICAL = new Set(['$and', '$or', '$nor']);

/** The entries of an operator document (`{$in: [...]}`, a plain object or a Map), or undefined when `v` is not one. */
function operatorEntries(v: unknown, field: string): [string, unknown][] | undefined {
  if (!isDocumentInput(v)) return undefined;
  const entries = documentEntries(v, `Query on '${field}'`);
  return entries.length > 0 && entries.every(([k]) => k.startsWith('$')) ? entries : undefined;
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

function rewriteOperators(field: string, rule: EncryptRule, ops: readonly [string, unknown][], sink: ValueSink, depth: number): Record<string, unknown> {
  checkDepth(depth, `Query on '${field}'`);
  const out: [string, unknown][] = [];
  for (const [op, arg] of ops) {
    if (op === '$exists' || op === '$comment') {
      out.push([op, arg]);
      continue;
    }
    if (rule.algorithm === RANDOM) notAllowed(field, op, 'the field is encrypted with the Random algorithm, which cannot be queried (only $exists)');
    switch (op) {
      case '$eq':
      case '$ne':
        out.push([op, operand(field, op, rule, arg, sink)]);
        break;
      case '$in':
      case '$nin':
        if (!Array.isArray(arg)) throw new FleClientError('INVALID_ARGUMENT', `Query on '${field}': ${op} needs an array`);
        out.push([op, arg.map((v) => operand(field, op, rule, v, sink))]);
        break;
      case '$not': {
        const inner = operatorEntries(arg, field);
        if (inner) out.push([op, rewriteOperators(field, rule, inner, sink, depth + 1)]);
        else notAllowed(field, op, `$not needs an operator document here (a regular expression cannot match an encrypted value)`);
        break;
      }
      case '$regex':
      case '$options':
        notAllowed(field, op, 'a regular expression cannot match an encrypted value');
        break;
      default:
        throw new FleClientError('UNSUPPORTED_QUERY_OPERATOR', `Query on encrypted field '${field}' uses ${op}, which encrypted fields do not support (only $eq, $ne, $in, $nin, $not, $exists on deterministic fields)`);
    }
  }
  return documentFromEntries(out);
}

function rewriteField(root: SchemaNode, field: string, cond: unknown, sink: ValueSink, depth: number): unknown {
  const where = resolvePath(root, field);
  if (where.kind === 'clear') return cond;
  const ops = operatorEntries(cond, field);
  const onlyExists = ops !== undefined && ops.every(([k]) => k === '$exists' || k === '$comment');
  if (where.kind === 'below') {
    if (onlyExists) return cond;
    notAllowed(field, 'a comparison', `it lies inside the encrypted field '${where.encryptedPath}', whose content the server cannot see`);
  }
  if (where.kind === 'prefix') {
    if (onlyExists) return cond;
    notAllowed(field, 'a comparison', 'the object holds encrypted fields; query those fields one by one instead');
  }
  const { rule } = where;
  if (ops) return rewriteOperators(field, rule, ops, sink, depth + 1);
  // Implicit equality comes back as {$eq: <ciphertext>}, as mongocryptd rewrites it.
  if (rule.algorithm === RANDOM) notAllowed(field, 'equality', 'the field is encrypted with the Random algorithm, which cannot be queried (only $exists)');
  return { $eq: operand(field, 'equality', rule, cond, sink) };
}

/**
 * Rewrites a match expression (find/count/delete/update filters, `$match`). The filter and its
 * sub-filters may be plain objects or Maps, read by their real entries (an own `__proto__` is a
 * field); the result is a plain object with every predicate kept. `depth` is the filter's nesting
 * level (top-level = 1); past MAX_NESTING_DEPTH → `NESTING_TOO_DEEP`.
 */
export function walkFilter(root: SchemaNode, filter: DocumentInput, sink: ValueSink, depth = 1): Record<string, unknown> {
  checkDepth(depth, 'The filter');
  const out: [string, unknown][] = [];
  for (const [key, value] of documentEntries(filter, 'The filter')) {
    if (LOGICAL.has(key)) {
      if (!Array.isArray(value)) throw new FleClientError('INVALID_ARGUMENT', `${key} needs an array of filter documents`);
      checkDepth(depth + 1, 'The filter');
      out.push([key, value.map((sub) => {
        if (!isDocumentInput(sub)) throw new FleClientError('INVALID_ARGUMENT', `${key} needs an array of filter documents`);
        return walkFilter(root, sub, sink, depth + 2);
      })]);
    } else if (FORBIDDEN_ANYWHERE.has(key)) {
      throw new FleClientError('UNSUPPORTED_QUERY_OPERATOR', `${key} is not supported in a filter on a collection with automatic encryption`);
    } else if (key.startsWith('$')) {
      out.push([key, value]); // $comment and other top-level options
    } else {
      out.push([key, rewriteField(root, key, value, sink, depth)]);
    }
  }
  return documentFromEntries(out);
}

/** Encrypts the query values of a filter (a plain object or a Map) on deterministic fields; the input is not modified. */
export async function encryptFilterWith(source: FieldCipherSource, root: SchemaNode, filter: Record<string, unknown>): Promise<Record<string, unknown>> {
  if (!isDocumentInput(filter)) throw new FleClientError('INVALID_ARGUMENT', 'encryptFilter expects a filter document (a plain object or a Map)');
  if (!root.hasEncryption) return filter;
  return encryptWithSchema(source, (sink) => walkFilter(root, filter, sink));
}
