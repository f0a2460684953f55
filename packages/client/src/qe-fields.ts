// A namespace's `encryptedFields` for automatic Queryable Encryption: which paths are encrypted,
// with which key, and how they are indexed (unindexed, equality, range). Range options are
// checked by @fle-ts/qe's `parseRangeOptions` (libmongocrypt's `mc_RangeOpts_parse` rules); the
// defaults mongocryptd fills in for a range index (the type's limits, sparsity 2, contention 8)
// are added here, as query analysis adds them before it writes a marking.
import { BSON_TYPE_BY_ALIAS, serializeBsonValue, type BsonTypeAlias } from '@fle-ts/fle-format';
import { dec128Compare, decodeDec128, parseRangeOptions, QeError, rangeBound, type RawElement } from '@fle-ts/qe';
import { Binary, Long } from 'bson';
import { isPlainDocument } from './bson-types.js';
import { FleClientError } from './errors.js';

/** A range index of one field (`queries: {queryType: 'range', ...}`), its defaults filled in. */
export interface QeRangeIndex {
  /** Index bounds (BSON type and value bytes), of the field's type. */
  readonly min: RawElement;
  readonly max: RawElement;
  /** `s` of the markings (default 2, libmongocrypt `mc_FLERangeSparsityDefault`). */
  readonly sparsity: bigint;
  /** Written into the markings only when the encryptedFields set them. */
  readonly trimFactor?: number;
  readonly precision?: number;
}

/** One field of `encryptedFields.fields`, checked. */
export interface QeField {
  readonly path: string;
  readonly keyId: Binary;
  /** The `$type` alias the values must have, when the entry names a known one. */
  readonly bsonType?: string;
  /** Equality or range field: its max contention (`queries.contention`, default 8 as the server's); undefined for unindexed. */
  readonly contention?: bigint;
  /** Range field: its index. */
  readonly range?: QeRangeIndex;
}

/** A namespace's `encryptedFields`, as given (sent in `encryptionInformation`) and parsed. */
export interface QeCollection {
  readonly encryptedFields: Record<string, unknown>;
  readonly fields: readonly QeField[];
}

// The server's default contention for an indexed field (MongoDB 7.0+ "contention" default 8).
const DEFAULT_CONTENTION = 8n;
const WHERE = 'encryptedFieldsMap';
// The BSON types a range index takes (server `isFLE2RangeIndexedSupportedType`): int, long, date, double, decimal.
const RANGE_TYPES = new Set([0x10, 0x12, 0x09, 0x01, 0x13]);
// Keys of a range `queries` entry (server IDL `QueryTypeConfig`, range part).
const RANGE_QUERY_KEYS = new Set(['queryType', 'contention', 'min', 'max', 'sparsity', 'trimFactor', 'precision']);

function fail(message: string, cause?: unknown): never {
  throw new FleClientError('SCHEMA_INVALID', message, cause === undefined ? undefined : { cause });
}

function isBinary(x: unknown): x is Binary {
  return x instanceof Binary || (x as { _bsontype?: string } | null)?._bsontype === 'Binary';
}

function parseContention(c: unknown, at: string): bigint {
  // EJSON / js-bson give Int32 and Long objects; plain numbers and bigints are accepted too.
  const t = (c as { _bsontype?: string } | null)?._bsontype;
  const n = t === 'Int32' ? Number((c as { value: number }).value) : c;
  if (n === undefined) return DEFAULT_CONTENTION;
  if (typeof n === 'number' && Number.isSafeInteger(n) && n >= 0) return BigInt(n);
  if (typeof n === 'bigint' && n >= 0n) return n;
  if ((n instanceof Long || t === 'Long') && !(n as Long).isNegative()) return (n as Long).toBigInt();
  return fail(`${at}.queries.contention must be a non-negative integer`);
}

/** int32 / int64 / date limits: the bounds mongocryptd uses for a range index without min / max (server 8.0). */
function typeLimit(type: number, which: 'min' | 'max'): RawElement {
  if (type === 0x10) {
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, which === 'min' ? -0x80000000 : 0x7fffffff, true);
    return { type, value: b };
  }
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, which === 'min' ? -(1n << 63n) : (1n << 63n) - 1n, true);
  return { type, value: b };
}

/**
 * Compares two range values of one BSON type (int, long, date, double, decimal): -1, 0 or 1;
 * undefined when a NaN makes them unordered.
 */
export function compareRangeValues(a: RawElement, b: RawElement): -1 | 0 | 1 | undefined {
  const dv = (e: RawElement) => new DataView(e.value.buffer, e.value.byteOffset, e.value.byteLength);
  const sign = (x: number | bigint, y: number | bigint): -1 | 0 | 1 | undefined => (x < y ? -1 : x > y ? 1 : x === y ? 0 : undefined);
  switch (a.type) {
    case 0x10:
      return sign(dv(a).getInt32(0, true), dv(b).getInt32(0, true));
    case 0x12:
    case 0x09:
      return sign(dv(a).getBigInt64(0, true), dv(b).getBigInt64(0, true));
    case 0x01:
      return sign(dv(a).getFloat64(0, true), dv(b).getFloat64(0, true));
    default:
      return dec128Compare(decodeDec128(a.value), decodeDec128(b.value));
  }
}

/** The range index of a `queries` entry with queryType 'range'; `type` is the field's bsonType code. */
function parseRangeIndex(q: Record<string, unknown>, type: number | undefined, at: string): QeRangeIndex {
  for (const k of Object.keys(q)) if (!RANGE_QUERY_KEYS.has(k)) fail(`${at}.queries: unknown field '${k}' for a range index`);
  if (type === undefined || !RANGE_TYPES.has(type)) {
    fail(`${at}: a range index needs bsonType 'int', 'long', 'date', 'double' or 'decimal'`);
  }
  const options: Record<string, unknown> = {};
  for (const k of ['min', 'max', 'sparsity', 'trimFactor', 'precision']) if (q[k] !== undefined) options[k] = q[k];
  let min: RawElement;
  let max: RawElement;
  let parsed;
  try {
    parsed = parseRangeOptions(options);
    // libmongocrypt's rule (mc_RangeOpts_appendMin/Max): bounds of the value's type; double and
    // decimal128 take the widest bounds when none are given.
    const bound = (which: 'min' | 'max') => (parsed![which] === undefined && type !== 0x01 && type !== 0x13 ? typeLimit(type, which) : rangeBound(parsed!, type, which));
    min = bound('min');
    max = bound('max');
  } catch (e) {
    if (e instanceof QeError) fail(`${at}.queries: ${e.message}`, e);
    throw e;
  }
  if (compareRangeValues(min, max) !== -1) fail(`${at}.queries: min must be less than max`);
  return {
    min,
    max,
    sparsity: parsed.sparsity,
    ...(parsed.trimFactor !== undefined && { trimFactor: parsed.trimFactor }),
    ...(parsed.precision !== undefined && { precision: parsed.precision }),
  };
}

/**
 * Parses one namespace's `encryptedFields` (`{ fields: [{ keyId, path, bsonType?, queries? }] }`):
 * unindexed, equality and range fields (range v2: `{queryType: 'range', min?, max?, sparsity?,
 * trimFactor?, precision?, contention?}`, checked by @fle-ts/qe's range-option rules);
 * 'rangePreview' and text queries are refused. Errors: SCHEMA_INVALID naming the namespace and field.
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
    const known = typeof bsonType === 'string' && BSON_TYPE_BY_ALIAS.has(bsonType as BsonTypeAlias);
    let contention: bigint | undefined;
    let range: QeRangeIndex | undefined;
    if (queries !== undefined && queries !== null) {
      const qs = Array.isArray(queries) ? queries : [queries];
      if (qs.length !== 1 || !isPlainDocument(qs[0])) fail(`${at}.queries must be one { queryType: 'equality' | 'range', ... }`);
      const q = qs[0] as Record<string, unknown>;
      if (q.queryType === 'range') {
        range = parseRangeIndex(q, known ? BSON_TYPE_BY_ALIAS.get(bsonType as BsonTypeAlias) : undefined, at);
      } else if (q.queryType !== 'equality') {
        fail(`${at}.queries.queryType '${String(q.queryType)}' is not supported: 'equality' or 'range' ('rangePreview' and text search are not)`);
      }
      contention = parseContention(q.contention, at);
    }
    fields.push({ path, keyId, ...(known ? { bsonType: bsonType as string } : {}), ...(contention !== undefined ? { contention } : {}), ...(range ? { range } : {}) });
  }
  return { encryptedFields, fields };
}

/** A JS value as the raw BSON element it serializes to. */
export function rawElementOf(value: unknown): RawElement {
  const { type, bytes } = serializeBsonValue(value);
  return { type, value: bytes };
}
