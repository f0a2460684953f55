// Automatic Queryable Encryption (v2) of insert and find commands from an `encryptedFieldsMap`:
// our own analysis writes markings (FLE2EncryptionPlaceholder, first byte 3) where mongocryptd /
// crypt_shared would, then the marked command is encrypted as libmongocrypt encrypts a
// mongocryptd reply (`mongocrypt-ctx-encrypt.c`): every marking in document order, then
// `encryptionInformation` appended when the command holds an insert or find payload
// (queryable-encryption.md §4, `must_omit_encryptionInformation`).
import { BSON_TYPE_BY_ALIAS, type BsonTypeAlias } from '@fle-ts/fle-format';
import { encryptPlaceholder, parseFle2Placeholder, type QeKeyLookup, type RandomSource } from '@fle-ts/qe';
import { Binary, Long, serialize } from 'bson';
import { bsonTypeOf, hasBinaryBytes, isPlainDocument, isSubtype6 } from './bson-types.js';
import { checkDepth, documentEntries, isDocumentInput, setField } from './document-entries.js';
import { FleClientError } from './errors.js';

/** One field of `encryptedFields.fields`, checked. */
export interface QeField {
  readonly path: string;
  readonly keyId: Binary;
  /** The `$type` alias the values must have, when the entry names a known one. */
  readonly bsonType?: string;
  /** Equality field: its max contention (`queries.contention`, default 8 as the server's); undefined for unindexed. */
  readonly contention?: bigint;
}

/** A namespace's `encryptedFields`, as given (appended verbatim as `encryptionInformation`) and parsed. */
export interface QeCollection {
  readonly encryptedFields: Record<string, unknown>;
  readonly fields: readonly QeField[];
}

// The server's default contention for an equality field (MongoDB 7.0+ "contention" default 8).
const DEFAULT_CONTENTION = 8n;
const WHERE = 'encryptedFieldsMap';

function fail(message: string): never {
  throw new FleClientError('SCHEMA_INVALID', message);
}

function isBinary(x: unknown): x is Binary {
  return x instanceof Binary || (x as { _bsontype?: string } | null)?._bsontype === 'Binary';
}

/**
 * Parses one namespace's `encryptedFields` (`{ fields: [{ keyId, path, bsonType?, queries? }] }`):
 * equality and unindexed fields; 'range' and text queries are refused until fle-ts has them.
 * Errors: SCHEMA_INVALID naming the namespace and field.
 */
export function parseEncryptedFields(ns: string, encryptedFields: unknown): QeCollection {
  if (!isPlainDocument(encryptedFields)) fail(`${WHERE}['${ns}'] must be an encryptedFields document { fields: [...] }`);
  const list = encryptedFields.fields;
  if (!Array.isArray(list)) fail(`${WHERE}['${ns}'].fields must be an array`);
  const fields: QeField[] = [];
  const paths = new Set<string>();
  for (const [i, f] of list.entries()) {
    const at = `${WHERE}['${ns}'].fields[${i}]`;
    if (!isPlainDocument(f)) fail(`${at} must be a document { keyId, path, bsonType, queries? }`);
    const { path, keyId, bsonType, queries } = f as Record<string, unknown>;
    if (typeof path !== 'string' || path === '' || path.split('.').some((p) => p === '' || p.startsWith('$'))) fail(`${at}.path must be a dotted field path`);
    if (!isBinary(keyId) || keyId.sub_type !== 4 || keyId.position !== 16) {
      fail(`${at}.keyId must be a UUID (Binary subtype 4); keyAltName fields are not supported (create the collection with createEncryptedCollection first)`);
    }
    for (const p of paths) if (p === path || p.startsWith(`${path}.`) || path.startsWith(`${p}.`)) fail(`${at}.path '${path}' overlaps '${p}'`);
    paths.add(path);
    let contention: bigint | undefined;
    if (queries !== undefined && queries !== null) {
      const qs = Array.isArray(queries) ? queries : [queries];
      if (qs.length !== 1 || !isPlainDocument(qs[0])) fail(`${at}.queries must be one { queryType: 'equality', contention? }`);
      const q = qs[0] as Record<string, unknown>;
      if (q.queryType !== 'equality') fail(`${at}.queries.queryType '${String(q.queryType)}' is not supported yet: only 'equality' (and unindexed fields without queries)`);
      // EJSON / js-bson give Int32 and Long objects; plain numbers and bigints are accepted too.
      const t = (q.contention as { _bsontype?: string } | null)?._bsontype;
      const c = t === 'Int32' ? Number((q.contention as { value: number }).value) : q.contention;
      if (c === undefined) contention = DEFAULT_CONTENTION;
      else if (typeof c === 'number' && Number.isSafeInteger(c) && c >= 0) contention = BigInt(c);
      else if (typeof c === 'bigint' && c >= 0n) contention = c;
      else if ((c instanceof Long || t === 'Long') && !(c as Long).isNegative()) contention = (c as Long).toBigInt();
      else fail(`${at}.queries.contention must be a non-negative integer`);
    }
    const known = typeof bsonType === 'string' && BSON_TYPE_BY_ALIAS.has(bsonType as BsonTypeAlias);
    fields.push({ path, keyId, ...(known ? { bsonType: bsonType as string } : {}), ...(contention !== undefined ? { contention } : {}) });
  }
  return { encryptedFields, fields };
}

/** The marking mongocryptd writes for a value (`0x03 ‖ BSON{t, a, ki, ku, v, cm}`; ki = ku = the field's keyId). */
function marking(field: QeField, type: 1 | 2, value: unknown): Binary {
  if (field.bsonType !== undefined && bsonTypeOf(value) !== (field.bsonType as BsonTypeAlias)) {
    throw new FleClientError('BSON_TYPE_MISMATCH', `field '${field.path}' is declared bsonType '${field.bsonType}' in encryptedFields, got a ${bsonTypeOf(value)}`);
  }
  const body = serialize({ t: type, a: field.contention === undefined ? 1 : 2, ki: field.keyId, ku: field.keyId, v: value, cm: Long.fromBigInt(field.contention ?? 0n) });
  const bytes = new Uint8Array(body.length + 1);
  bytes[0] = 3;
  bytes.set(body, 1);
  return new Binary(bytes, 6);
}

/** Marks the encrypted fields of one document (copies along changed paths; the input is not modified). */
function markDocument(doc: Record<string, unknown>, fields: readonly QeField[], prefix: string): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of documentEntries(doc, 'the document')) {
    const path = prefix ? `${prefix}.${k}` : k;
    const exact = fields.find((f) => f.path === path);
    let r = v;
    if (exact) {
      r = marking(exact, 1, v);
    } else if (fields.some((f) => f.path.startsWith(`${path}.`))) {
      if (Array.isArray(v)) throw new FleClientError('ARRAY_IN_ENCRYPTED_PATH', `an array at '${path}' lies on the path to an encrypted field`);
      if (isPlainDocument(v)) r = markDocument(v, fields, path);
    }
    if (r !== v) setField((out ??= { ...(doc instanceof Map ? Object.fromEntries(doc) : doc) }), k, r);
  }
  return out ?? doc;
}

const QUERY_OPS = new Set(['$eq', '$ne', '$in', '$nin']);

/** Marks the values a filter compares with encrypted equality fields (find markings, t = 2). */
function markFilter(filter: Record<string, unknown>, fields: readonly QeField[]): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of documentEntries(filter, 'the filter')) {
    let r = v;
    if (k === '$and' || k === '$or' || k === '$nor') {
      if (!Array.isArray(v)) throw new FleClientError('INVALID_ARGUMENT', `${k} needs an array of filters`);
      r = v.map((x) => (isDocumentInput(x) ? markFilter(x as Record<string, unknown>, fields) : x));
    } else if (k.startsWith('$')) {
      throw new FleClientError('UNSUPPORTED_QUERY_OPERATOR', `${k} is not supported yet in a filter on a Queryable Encryption collection`);
    } else {
      const field = fields.find((f) => f.path === k);
      if (field === undefined) {
        const inside = fields.find((f) => f.path.startsWith(`${k}.`) || k.startsWith(`${f.path}.`));
        if (inside) throw new FleClientError('ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', `'${k}' compares a value holding or inside encrypted field '${inside.path}': query the encrypted field itself`);
      } else {
        if (field.contention === undefined) throw new FleClientError('ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', `'${k}' is encrypted without queries (unindexed): it cannot be queried`);
        r = markCondition(field, v);
      }
    }
    if (r !== v) setField((out ??= { ...(filter instanceof Map ? Object.fromEntries(filter) : filter) }), k, r);
  }
  return out ?? filter;
}

function markCondition(field: QeField, v: unknown): unknown {
  const ops = isPlainDocument(v) ? Object.keys(v) : [];
  if (ops.length === 0 || !ops[0]!.startsWith('$')) return { $eq: marking(field, 2, v) };
  const out: Record<string, unknown> = {};
  for (const op of ops) {
    const x = (v as Record<string, unknown>)[op];
    if (!QUERY_OPS.has(op)) throw new FleClientError('UNSUPPORTED_QUERY_OPERATOR', `${op} on encrypted field '${field.path}' is not supported (equality fields take $eq, $ne, $in, $nin)`);
    if (op === '$in' || op === '$nin') {
      if (!Array.isArray(x)) throw new FleClientError('INVALID_ARGUMENT', `${op} needs an array`);
      setField(out, op, x.map((e) => marking(field, 2, e)));
    } else setField(out, op, marking(field, 2, x));
  }
  return out;
}

/**
 * The command with markings in place of the values to encrypt, for `insert` (`documents`) and
 * `find` (`filter`): what mongocryptd would answer, made from the collection's encryptedFields.
 * Other commands on a QE collection are refused (never sent in clear).
 */
export function markQeCommand(cmd: Record<string, unknown>, coll: QeCollection): Record<string, unknown> {
  const name = Object.keys(cmd)[0];
  if (name === 'insert') {
    const docs = cmd.documents;
    if (!Array.isArray(docs)) throw new FleClientError('INVALID_ARGUMENT', 'insert needs documents: [...]');
    return { ...cmd, documents: docs.map((d) => (isPlainDocument(d) ? markDocument(d, coll.fields, '') : d)) };
  }
  if (name === 'find') {
    const filter = cmd.filter;
    if (filter === undefined) return cmd;
    if (!isDocumentInput(filter)) throw new FleClientError('INVALID_ARGUMENT', 'find filter must be a document');
    return { ...cmd, filter: markFilter(filter as Record<string, unknown>, coll.fields) };
  }
  throw new FleClientError('INVALID_ARGUMENT', `automatic Queryable Encryption supports insert and find; '${String(name)}' is not supported yet on a collection with encryptedFields`);
}

/** True for a marking (BinData 6, first byte 3). */
function isMarking(v: unknown): v is Binary {
  return isSubtype6(v) && hasBinaryBytes(v) && v.position > 0 && v.buffer[0] === 3;
}

/** Every marking of `value` in document order. Nesting past MAX_NESTING_DEPTH → `NESTING_TOO_DEEP`. */
export function collectMarkings(value: unknown, out: Binary[] = [], depth = 1): Binary[] {
  if (isMarking(value)) out.push(value);
  else if (Array.isArray(value)) {
    checkDepth(depth, 'The command');
    for (const v of value) collectMarkings(v, out, depth + 1);
  } else if (isDocumentInput(value)) {
    checkDepth(depth, 'The command');
    for (const [, v] of documentEntries(value, 'the command')) collectMarkings(v, out, depth + 1);
  }
  return out;
}

/** The key ids (ki, ku) the markings name. */
export function markingKeyIds(markings: readonly Binary[]): Uint8Array[] {
  const ids: Uint8Array[] = [];
  for (const m of markings) {
    const p = parseFle2Placeholder(m.buffer.subarray(0, m.position));
    ids.push(p.indexKeyId, p.userKeyId);
  }
  return ids;
}

function replaceMarkings(value: unknown, f: (m: Binary) => Binary): unknown {
  if (isMarking(value)) return f(value);
  if (Array.isArray(value)) return value.map((v) => replaceMarkings(v, f));
  if (isDocumentInput(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of documentEntries(value, 'the command')) setField(out, k, replaceMarkings(v, f));
    return out;
  }
  return value;
}

/**
 * Encrypts every marking of a marked command in document order (so random bytes are drawn in
 * libmongocrypt's order), drops any `encryptionInformation` the marked command carried, and
 * appends `encryptionInformation: {type: 1, schema: {<ns>: encryptedFields}}` when the result
 * holds an insert (11) or find (12) payload, as libmongocrypt does for insert and find.
 */
export function encryptMarkedCommand(marked: Record<string, unknown>, ns: string, coll: QeCollection, keys: QeKeyLookup, random: RandomSource | undefined): Record<string, unknown> {
  collectMarkings(marked); // the depth check before the unchecked rebuild below
  let needsInfo = false;
  const out = replaceMarkings(marked, (m) => {
    const b = encryptPlaceholder(m, { keys, ...(random ? { random } : {}) });
    if (b.buffer[0] === 11 || b.buffer[0] === 12) needsInfo = true;
    return b;
  }) as Record<string, unknown>;
  delete out.encryptionInformation;
  if (needsInfo) setField(out, 'encryptionInformation', { type: 1, schema: { [ns]: coll.encryptedFields } });
  return out;
}
