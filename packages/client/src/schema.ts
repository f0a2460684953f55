import type { Binary } from 'bson';
import { BSON_TYPE_BY_ALIAS, DETERMINISTIC, encryptionRefusal, FleFormatError, parseFle1Algorithm, RANDOM, type BsonTypeAlias, type Fle1Algorithm } from '@fle-ts/fle-format';
import { bsonTypeOf } from './bson-types.js';
import { checkDepth, documentEntries, isDocumentInput } from './document-entries.js';
import { FleClientError } from './errors.js';

// The algorithm names and their one parser live in fle-format (issue 11 item 17).
export { DETERMINISTIC, RANDOM, type Fle1Algorithm };

/** Where a field's data key comes from: a fixed key id, or the key alt name held by another field (JSON pointer). */
export type SchemaKeyId = { readonly kind: 'id'; readonly id: Binary } | { readonly kind: 'pointer'; readonly pointer: string };

/** A resolved `encrypt` keyword: algorithm and keyId after `encryptMetadata` inheritance. */
export interface EncryptRule {
  /** Schema path of the rule, for error messages (e.g. `properties.billing`). */
  readonly schemaPath: string;
  readonly algorithm: Fle1Algorithm;
  readonly keyId: SchemaKeyId;
  /** Allowed BSON types; undefined = any encryptable type (random only). */
  readonly bsonTypes: readonly string[] | undefined;
}

/** One node of a compiled schema: either an encrypted field, or an object with children. */
export interface SchemaNode {
  readonly encrypt?: EncryptRule;
  readonly properties: ReadonlyMap<string, SchemaNode>;
  readonly patternProperties: readonly { readonly pattern: RegExp; readonly node: SchemaNode }[];
  readonly additionalProperties?: SchemaNode;
  /** True when this node or any descendant encrypts something. */
  readonly hasEncryption: boolean;
}

/** A `$jsonSchema` compiled for automatic encryption. Build with {@link compileSchema}. */
export interface CompiledSchema {
  readonly root: SchemaNode;
}

// Keywords a local schema (schemaMap) may carry (fle1-spec.md §7, QA error 31068).
const ALLOWED_KEYWORDS = new Set([
  'additionalItems', 'additionalProperties', 'allOf', 'anyOf', 'bsonType', 'description', 'encrypt',
  'encryptMetadata', 'items', 'not', 'oneOf', 'patternProperties', 'properties', 'title', 'type',
]);
const ENCRYPT_FIELDS = new Set(['keyId', 'algorithm', 'bsonType']);
const METADATA_FIELDS = new Set(['keyId', 'algorithm']);
// $jsonSchema's 'number' alias (MongoDB manual, $type): every numeric BSON type.
const NUMBER_TYPES: readonly BsonTypeAlias[] = ['int', 'long', 'double', 'decimal'];

interface Inherited {
  readonly algorithm?: Fle1Algorithm;
  readonly keyId?: SchemaKeyId;
}

/** A schema object's fields: a null-prototype record built from its real entries (Map or own keys). */
type Fields = Readonly<Record<string, unknown>>;

function fail(path: string, what: string): never {
  throw new FleClientError('SCHEMA_INVALID', `Invalid encryption schema at '${path || '(root)'}': ${what}`);
}

function isObject(v: unknown): boolean {
  return isDocumentInput(v) && bsonTypeOf(v) === 'object';
}

/** The fields of a schema object (a plain object or a Map), read by their real entries; an own `__proto__` is an ordinary key. */
function fieldsOf(path: string, v: unknown, depth: number): Fields {
  checkDepth(depth, `The encryption schema at '${path || '(root)'}'`);
  if (!isObject(v)) fail(path, 'must be an object');
  const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  for (const [k, val] of documentEntries(v as Record<string, unknown>, `The encryption schema at '${path || '(root)'}'`)) out[k] = val;
  return out;
}

function has(f: Fields, k: string): boolean {
  return Object.prototype.hasOwnProperty.call(f, k);
}

function parseAlgorithm(path: string, v: unknown): Fle1Algorithm {
  // A $jsonSchema takes only the two exact names: mongod's and mongocryptd's `encrypt.algorithm` is an
  // enum, so a schema that fle-ts accepted with a short or re-cased name would fail with the official
  // stack. The explicit API keeps libmongocrypt's case-insensitive reading (the one parser, below).
  if (typeof v === 'string' && v !== DETERMINISTIC && v !== RANDOM && v.toLowerCase() !== 'indexed' && v.toLowerCase() !== 'unindexed' && v.toLowerCase() !== 'range') {
    const exact = v.toLowerCase().includes('random') ? RANDOM : DETERMINISTIC;
    try {
      parseFle1Algorithm(v);
    } catch {
      return fail(path, `algorithm must be '${DETERMINISTIC}' or '${RANDOM}', got '${v}'`);
    }
    return fail(path, `algorithm in a $jsonSchema must be spelled exactly '${exact}' (mongocryptd refuses '${v}')`);
  }
  try {
    return parseFle1Algorithm(v);
  } catch (e) {
    if (e instanceof FleFormatError) return fail(path, `algorithm must be '${DETERMINISTIC}' or '${RANDOM}' (${e.message})`);
    throw e;
  }
}

function parseKeyId(path: string, v: unknown): SchemaKeyId {
  if (typeof v === 'string') {
    // RFC 6901 pointer into the document being written (fle1-spec.md §7).
    if (!v.startsWith('/')) fail(path, `keyId string must be a JSON pointer such as "/fieldName", got '${v}'`);
    return { kind: 'pointer', pointer: v };
  }
  if (Array.isArray(v) && v.length === 1) {
    const id = v[0] as Binary;
    if (bsonTypeOf(id) === 'binData' && id.sub_type === 4 && id.position === 16 && id.buffer instanceof Uint8Array && id.buffer.length >= 16) return { kind: 'id', id };
  }
  return fail(path, 'keyId must be an array of exactly one UUID (BinData subtype 4) or a JSON pointer string');
}

function parseMetadata(path: string, v: unknown, fields: ReadonlySet<string>, depth: number): { algorithm?: Fle1Algorithm; keyId?: SchemaKeyId; bsonType?: unknown } {
  const f = fieldsOf(path, v, depth);
  const out: { algorithm?: Fle1Algorithm; keyId?: SchemaKeyId; bsonType?: unknown } = {};
  for (const k of Object.keys(f)) {
    const val = f[k];
    if (!fields.has(k)) fail(path, `unknown field '${k}' (allowed: ${[...fields].join(', ')})`);
    if (k === 'algorithm') out.algorithm = parseAlgorithm(`${path}.algorithm`, val);
    else if (k === 'keyId') out.keyId = parseKeyId(`${path}.keyId`, val);
    else out.bsonType = val;
  }
  return out;
}

/** Type names from the one table in fle-format; a type no algorithm can encrypt is refused here already. */
function parseBsonTypes(path: string, v: unknown): string[] | undefined {
  if (v === undefined) return undefined;
  const list = typeof v === 'string' ? [v] : Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === 'string') ? (v as string[]) : fail(path, 'bsonType must be a type name or a non-empty array of type names');
  for (const t of list) {
    if (t === 'number') continue;
    const type = BSON_TYPE_BY_ALIAS.get(t as BsonTypeAlias);
    if (type === undefined) return fail(path, `unknown bsonType '${t}'`);
    const refusal = encryptionRefusal(type, 'random');
    if (refusal !== undefined) fail(path, refusal);
  }
  return list.flatMap((t) => (t === 'number' ? [...NUMBER_TYPES] : [t]));
}

function compileEncrypt(path: string, v: unknown, inherited: Inherited, depth: number): EncryptRule {
  const own = parseMetadata(path, v, ENCRYPT_FIELDS, depth);
  const algorithm = own.algorithm ?? inherited.algorithm;
  const keyId = own.keyId ?? inherited.keyId;
  if (!algorithm) fail(path, 'no algorithm (set it in encrypt or an enclosing encryptMetadata)');
  if (!keyId) fail(path, 'no keyId (set it in encrypt or an enclosing encryptMetadata)');
  const bsonTypes = parseBsonTypes(`${path}.bsonType`, own.bsonType);
  if (algorithm === DETERMINISTIC) {
    if (!bsonTypes || bsonTypes.length !== 1) fail(path, 'deterministic encryption needs exactly one bsonType');
    const t = bsonTypes[0] as BsonTypeAlias;
    const refusal = encryptionRefusal(BSON_TYPE_BY_ALIAS.get(t) as number, 'deterministic');
    if (refusal !== undefined) fail(path, refusal);
  }
  return { schemaPath: path, algorithm, keyId, bsonTypes };
}

/** `path.` or nothing at the root, for building schema paths in messages. */
function at(path: string): string {
  return path ? `${path}.` : '';
}

const NO_CHILDREN: ReadonlyMap<string, SchemaNode> = new Map();

/** Checks that no `encrypt`/`encryptMetadata` hides where it cannot work (items, additionalItems, logical keywords). */
function rejectNestedEncryption(path: string, v: unknown, depth: number): void {
  if (Array.isArray(v)) {
    checkDepth(depth, `The encryption schema at '${path}'`);
    v.forEach((x, i) => rejectNestedEncryption(`${path}.${i}`, x, depth + 1));
    return;
  }
  if (!isObject(v)) return;
  const f = fieldsOf(path, v, depth);
  for (const k of Object.keys(f)) {
    if (k === 'encrypt' || k === 'encryptMetadata') fail(`${path}.${k}`, `'${k}' is not allowed here (not inside items, additionalItems, allOf, anyOf, oneOf or not)`);
    rejectNestedEncryption(`${path}.${k}`, f[k], depth + 1);
  }
}

function compileNode(path: string, input: unknown, inherited: Inherited, topLevel: boolean, depth: number): SchemaNode {
  if (!isObject(input)) fail(path, 'a schema must be an object');
  const schema = fieldsOf(path, input, depth);
  const keys = Object.keys(schema);
  for (const k of keys) {
    if (!ALLOWED_KEYWORDS.has(k)) fail(`${at(path)}${k}`, `keyword '${k}' is not supported in a local encryption schema (allowed: ${[...ALLOWED_KEYWORDS].join(', ')})`);
  }
  if (has(schema, 'encrypt')) {
    // mongocryptd 51078: encrypt must be the only keyword of its subschema.
    const siblings = keys.filter((k) => k !== 'encrypt');
    if (siblings.length > 0) fail(path, `'encrypt' cannot be used together with ${siblings.map((s) => `'${s}'`).join(', ')}`);
    const rule = compileEncrypt(`${at(path)}encrypt`, schema.encrypt, inherited, depth + 1);
    return { encrypt: rule, properties: NO_CHILDREN, patternProperties: [], hasEncryption: true };
  }
  for (const k of ['items', 'additionalItems', 'allOf', 'anyOf', 'oneOf', 'not']) {
    if (has(schema, k)) rejectNestedEncryption(`${at(path)}${k}`, schema[k], depth + 1);
  }
  let scope = inherited;
  if (has(schema, 'encryptMetadata')) {
    const m = parseMetadata(`${at(path)}encryptMetadata`, schema.encryptMetadata, METADATA_FIELDS, depth + 1);
    scope = { algorithm: m.algorithm ?? inherited.algorithm, keyId: m.keyId ?? inherited.keyId };
  }
  const hasChildren = has(schema, 'properties') || has(schema, 'patternProperties') || has(schema, 'additionalProperties') || has(schema, 'encryptMetadata');
  if (hasChildren) {
    // QA 51077: properties only count below a subschema restricted to exactly type object.
    const t = schema.bsonType ?? schema.type;
    if (t !== undefined && t !== 'object') fail(path, `properties need bsonType 'object', got ${JSON.stringify(t)}`);
  }
  const properties = new Map<string, SchemaNode>();
  if (has(schema, 'properties')) {
    const props = fieldsOf(`${at(path)}properties`, schema.properties, depth + 1);
    for (const name of Object.keys(props)) {
      const subPath = `${at(path)}properties.${name}`;
      const node = compileNode(subPath, props[name], scope, false, depth + 2);
      if (node.hasEncryption && name.includes('.')) fail(subPath, 'a dotted property name cannot hold encrypted fields');
      if (topLevel && name === '_id' && node.encrypt?.algorithm === RANDOM) fail(subPath, "top-level '_id' cannot use random encryption");
      properties.set(name, node);
    }
  }
  const patternProperties: { pattern: RegExp; node: SchemaNode }[] = [];
  if (has(schema, 'patternProperties')) {
    const patterns = fieldsOf(`${at(path)}patternProperties`, schema.patternProperties, depth + 1);
    for (const source of Object.keys(patterns)) {
      const subPath = `${at(path)}patternProperties.${source}`;
      let pattern: RegExp;
      try {
        pattern = new RegExp(source, 'u');
      } catch {
        return fail(subPath, 'pattern is not a valid regular expression');
      }
      const node = compileNode(subPath, patterns[source], scope, false, depth + 2);
      if (topLevel && pattern.test('_id') && node.encrypt?.algorithm === RANDOM) fail(subPath, "top-level '_id' cannot use random encryption");
      patternProperties.push({ pattern, node });
    }
  }
  let additionalProperties: SchemaNode | undefined;
  if (isObject(schema.additionalProperties)) {
    additionalProperties = compileNode(`${at(path)}additionalProperties`, schema.additionalProperties, scope, false, depth + 1);
    if (topLevel && !properties.has('_id') && additionalProperties.encrypt?.algorithm === RANDOM) fail(`${at(path)}additionalProperties`, "top-level '_id' cannot use random encryption");
  }
  const hasEncryption = [...properties.values()].some((n) => n.hasEncryption) || patternProperties.some((p) => p.node.hasEncryption) || (additionalProperties?.hasEncryption ?? false);
  // query-analysis.md §8, spec badSchema.json "Schema without specifying parent object types": below
  // the top level (always a document), a subschema holding encrypted fields must be restricted to
  // objects, or a non-object value there would pass unencrypted.
  if (!topLevel && hasEncryption && (schema.bsonType ?? schema.type) !== 'object') {
    fail(path, "a subschema with encrypted fields below it needs bsonType 'object' (mongocryptd: Invalid schema)");
  }
  return { properties, patternProperties, ...(additionalProperties ? { additionalProperties } : {}), hasEncryption };
}

/**
 * Compiles a `$jsonSchema` (a plain object or a Map, read by its real entries) for automatic
 * encryption (fle1-spec.md §7). All schema errors surface here, as
 * `FleClientError('SCHEMA_INVALID')` naming the schema path, not later while encrypting;
 * a schema nested deeper than MAX_NESTING_DEPTH throws `NESTING_TOO_DEEP`. Algorithm names
 * are parsed by fle-format's `parseFle1Algorithm`, the parser `ClientEncryption.encrypt` uses.
 */
export function compileSchema(schema: unknown): CompiledSchema {
  return { root: compileNode('', schema, {}, true, 1) };
}

/**
 * The schema nodes that govern field `name` of an object described by `node`: the `properties`
 * entry and every matching `patternProperties`; `additionalProperties` only when nothing matched
 * (QA `getChildrenForPathComponent`). More than one node that encrypts is ambiguous → error.
 */
export function childNode(node: SchemaNode, name: string): SchemaNode | undefined {
  const found: SchemaNode[] = [];
  const byName = node.properties.get(name);
  if (byName) found.push(byName);
  for (const p of node.patternProperties) if (p.pattern.test(name)) found.push(p.node);
  if (found.length === 0) return node.additionalProperties;
  if (found.length === 1) return found[0];
  const encrypting = found.filter((n) => n.hasEncryption);
  if (encrypting.length === 0) return undefined;
  if (encrypting.length === 1) return encrypting[0];
  throw new FleClientError('SCHEMA_INVALID', `Invalid encryption schema: field '${name}' matches several schema entries that encrypt; make them exclusive`);
}

/** What a dotted path means under a schema. */
export type PathResolution =
  | { kind: 'clear' } // no encryption at or below the path
  | { kind: 'encrypted'; rule: EncryptRule } // exactly an encrypted field
  | { kind: 'below'; rule: EncryptRule; encryptedPath: string } // inside an encrypted value
  | { kind: 'prefix'; node: SchemaNode }; // an object that holds encrypted fields

/** Resolves a dotted path ("a.b.c") against a compiled schema. */
export function resolvePath(root: SchemaNode, path: string): PathResolution {
  const parts = path.split('.');
  let node: SchemaNode | undefined = root;
  for (let i = 0; i < parts.length; i++) {
    if (!node) return { kind: 'clear' };
    if (node.encrypt) return { kind: 'below', rule: node.encrypt, encryptedPath: parts.slice(0, i).join('.') };
    node = childNode(node, parts[i] as string);
  }
  if (!node || !node.hasEncryption) return { kind: 'clear' };
  if (node.encrypt) return { kind: 'encrypted', rule: node.encrypt };
  return { kind: 'prefix', node };
}
