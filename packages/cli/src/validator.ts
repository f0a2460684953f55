// A collection's validator as `fle inspect` reads it: which field paths automatic encryption
// encrypts (declared by the `$jsonSchema` with `encrypt`, or by Queryable Encryption's
// `encryptedFields`), so every other encrypted field of a dump was encrypted explicitly.
import { compileSchema, resolvePath, type CompiledSchema } from '@fle-ts/client';
import { CliError } from './errors.js';
import { asDocument } from './dump-reader.js';
import { REMOTE_SCHEMA_KEYWORDS } from './schema-lint.js';

/** How a field path's encryption is declared. */
export interface FieldDeclaration {
  /** `automatic`: the validator declares the path encrypted; `explicit`: it does not (the application encrypted it). */
  mode: 'automatic' | 'explicit';
  /** Where it is declared: the `$jsonSchema` (CSFLE) or `encryptedFields` (Queryable Encryption). */
  by?: '$jsonSchema' | 'encryptedFields';
  /** The declared algorithm: the FLE1 name, or `Indexed` / `Unindexed` / `Range` for QE. */
  algorithm?: string;
}

/** A collection's encryption declarations, from its options or validator. */
export interface CollectionValidator {
  readonly jsonSchema?: CompiledSchema;
  /** QE: path → algorithm. */
  readonly encryptedFields?: ReadonlyMap<string, string>;
}

const SUBSCHEMA_MAP = new Set(['properties', 'patternProperties']);
const SUBSCHEMA_ONE_OR_LIST = new Set(['items', 'additionalItems', 'additionalProperties', 'not', 'allOf', 'anyOf', 'oneOf']);

/**
 * A copy of a server `$jsonSchema` without the validation-only keywords (`required`, `enum`,
 * `minimum` …) that a collection validator may hold but the client's local-schema compiler
 * refuses (fle1-spec.md §7, QA 31068); what decides encryption (`encrypt`, `encryptMetadata`,
 * `bsonType`, `properties` …) is kept. Walks schema structure, so a property named `required`
 * stays.
 */
export function stripValidationKeywords(node: unknown): unknown {
  const doc = asDocument(node);
  if (!doc) return node;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(doc)) {
    const v = doc[k];
    let kept: unknown = v;
    if (REMOTE_SCHEMA_KEYWORDS.has(k)) continue;
    if (SUBSCHEMA_MAP.has(k) && asDocument(v)) {
      const map = asDocument(v)!;
      const m: Record<string, unknown> = {};
      for (const name of Object.keys(map)) Object.defineProperty(m, name, { value: stripValidationKeywords(map[name]), enumerable: true, writable: true, configurable: true });
      kept = m;
    } else if (SUBSCHEMA_ONE_OR_LIST.has(k)) {
      kept = Array.isArray(v) ? v.map(stripValidationKeywords) : stripValidationKeywords(v);
    }
    Object.defineProperty(out, k, { value: kept, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

const QE_ALGORITHM_BY_QUERY: Readonly<Record<string, string>> = { equality: 'Indexed', range: 'Range', rangePreview: 'Range' };

function readEncryptedFields(efc: unknown, where: string): Map<string, string> {
  const list = asDocument(efc)?.fields;
  if (!Array.isArray(list)) throw new CliError('BAD_INPUT', `${where}: encryptedFields must be { fields: [{ path, keyId, bsonType, queries? }, ...] }`);
  const paths = new Map<string, string>();
  for (const [i, f] of list.entries()) {
    const field = asDocument(f);
    if (!field || typeof field.path !== 'string' || field.path === '') throw new CliError('BAD_INPUT', `${where}: encryptedFields.fields[${i}] has no path`);
    const queries = Array.isArray(field.queries) ? field.queries[0] : field.queries;
    const type = asDocument(queries)?.queryType;
    // QE text queries (prefix/suffix/substring) are the 'String' payload kinds.
    paths.set(field.path, queries === undefined || queries === null ? 'Unindexed' : (QE_ALGORITHM_BY_QUERY[String(type)] ?? 'String'));
  }
  return paths;
}

/**
 * Reads a validator from what `--validator <file>` or the server gives: collection options
 * (`listCollections`' `options`: `{validator: {$jsonSchema}, encryptedFields}`), a validator
 * `{$jsonSchema: …}`, or `{encryptedFields: …}`. A `$jsonSchema` automatic encryption would refuse
 * is an error (SCHEMA_INVALID: run `fle schema lint` on it).
 */
export function readValidator(value: unknown, where: string): CollectionValidator {
  const top = asDocument(value);
  if (!top) throw new CliError('BAD_INPUT', `${where}: a validator is a JSON object ({"$jsonSchema": ...}, {"encryptedFields": ...} or a collection's options {"validator": ..., "encryptedFields": ...})`);
  const validator = asDocument(top.validator) ?? top;
  const schema = validator.$jsonSchema;
  const efc = top.encryptedFields;
  const result: { jsonSchema?: CompiledSchema; encryptedFields?: Map<string, string> } = {};
  if (schema !== undefined) result.jsonSchema = compileSchema(stripValidationKeywords(schema));
  if (efc !== undefined) result.encryptedFields = readEncryptedFields(efc, where);
  return result;
}

/**
 * How `path` (an inspect path: dotted, `[]` for array elements) is declared by `validator`.
 * Array elements are always explicit: automatic encryption encrypts a whole array, never into one
 * (`encrypt` is refused under `items`).
 */
export function declarationOf(validator: CollectionValidator, path: string): FieldDeclaration {
  if (path.includes('[]')) return { mode: 'explicit' };
  const qe = validator.encryptedFields?.get(path);
  if (qe !== undefined) return { mode: 'automatic', by: 'encryptedFields', algorithm: qe };
  if (validator.jsonSchema) {
    let r;
    try {
      r = resolvePath(validator.jsonSchema.root, path);
    } catch {
      return { mode: 'explicit' }; // ambiguous patternProperties: automatic encryption refuses the field
    }
    if (r.kind === 'encrypted') return { mode: 'automatic', by: '$jsonSchema', algorithm: r.rule.algorithm };
  }
  return { mode: 'explicit' };
}
