import { BSONError, deserialize, serialize, type DeserializeOptions } from 'bson';
import { FleFormatError } from './errors.js';
import { bsonTypeName } from './type-rules.js';

/**
 * A BSON value held as its type byte and value bytes (no type byte, no field name inside
 * `bytes`). Lets a caller encrypt a type js-bson cannot build — DBPointer (0x0C), which
 * js-bson reads as a DBRef document — and lets `decryptValue` hand back the exact bytes.
 *
 * @example
 * const p = new RawBsonValue(0x0c, dbPointerValueBytes);
 */
export class RawBsonValue {
  readonly type: number;
  readonly bytes: Uint8Array;
  constructor(type: number, bytes: Uint8Array) {
    if (!Number.isInteger(type) || type <= 0 || type > 0xff) {
      throw new FleFormatError('UNSERIALIZABLE_VALUE', `RawBsonValue type must be a BSON type byte 1..255, got ${String(type)}`);
    }
    if (!(bytes instanceof Uint8Array)) {
      throw new FleFormatError('UNSERIALIZABLE_VALUE', 'RawBsonValue bytes must be a Uint8Array');
    }
    this.type = type;
    this.bytes = bytes;
  }

  /**
   * A BSON DBPointer (type 0x0C, deprecated): value = string namespace || 12-byte ObjectId
   * (bsonspec.org). js-bson has no DBPointer class, so this is the way to encrypt one.
   *
   * @example
   * RawBsonValue.dbPointer('db.coll', new ObjectId('5f1d7e3b8a2c4e6b9d0f1a2b'));
   */
  static dbPointer(namespace: string, id: { id: Uint8Array } | Uint8Array): RawBsonValue {
    const oid = id instanceof Uint8Array ? id : id.id;
    if (typeof namespace !== 'string' || namespace.includes('\0') || !(oid instanceof Uint8Array) || oid.length !== 12) {
      throw new FleFormatError('UNSERIALIZABLE_VALUE', 'a DBPointer needs a namespace string without NUL and a 12-byte ObjectId');
    }
    const ns = new TextEncoder().encode(namespace);
    const bytes = new Uint8Array(4 + ns.length + 1 + 12);
    new DataView(bytes.buffer).setInt32(0, ns.length + 1, true);
    bytes.set(ns, 4);
    bytes.set(oid, 4 + ns.length + 1);
    return new RawBsonValue(0x0c, bytes);
  }
}

/**
 * Options for reading a value back. Defaults keep every BSON type distinct, so that
 * serializing the result gives the same bytes again: Int32/Double/Long objects
 * (`promoteValues: false`, `promoteLongs: false`), Binary objects (`promoteBuffers: false`),
 * BSONRegExp (`bsonRegExp: true`).
 */
export const EXACT_DESERIALIZE_OPTIONS: DeserializeOptions = Object.freeze({
  promoteValues: false,
  promoteLongs: false,
  promoteBuffers: false,
  bsonRegExp: true,
  useBigInt64: false,
});

const EMPTY_DOC_LENGTH = 5;
const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * The BSON type byte and value bytes of `value`, as libmongocrypt encrypts it
 * (`_mongocrypt_buffer_copy_as_bson_value`, fle1-spec.md §2): `value` is serialized as
 * `{"": value}` and the element's value bytes are sliced out. `bytes` is a view into the
 * serialized document (no copy). A {@link RawBsonValue} passes through unchanged.
 * A JS number becomes int32 when it is an integer in int32 range, else double (js-bson rule).
 *
 * @example
 * serializeBsonValue('test'); // { type: 2, bytes: 05 00 00 00 74 65 73 74 00 }
 */
export function serializeBsonValue(value: unknown): { type: number; bytes: Uint8Array } {
  if (value instanceof RawBsonValue) return { type: value.type, bytes: value.bytes };
  if (value === undefined) {
    // js-bson drops undefined fields; BSON undefined is forbidden anyway (fle1-spec.md §3).
    return { type: 0x06, bytes: new Uint8Array(0) };
  }
  if (typeof value === 'bigint' ? value > INT64_MAX || value < INT64_MIN : typeof value === 'object' && hasWideBigInt(value, new Set())) {
    // js-bson would write BigInt.asIntN(64, value): a different number. Refuse rather than corrupt.
    throw new FleFormatError('UNSERIALIZABLE_VALUE', 'a bigint outside the int64 range has no BSON encoding: use Decimal128 or a string');
  }
  let doc: Uint8Array;
  try {
    doc = serialize({ '': value });
  } catch (e) {
    throw new FleFormatError('UNSERIALIZABLE_VALUE', `value cannot be encoded as BSON: ${describeError(e)}`);
  }
  if (doc.length <= EMPTY_DOC_LENGTH) {
    throw new FleFormatError(
      'UNSERIALIZABLE_VALUE',
      `a value of JS type '${typeof value}' has no BSON encoding (functions and JS symbols are dropped by bson): pass a BSON value`,
    );
  }
  // Layout: int32 length | type | "" NUL | value | NUL.
  return { type: doc[4]!, bytes: doc.subarray(6, doc.length - 1) };
}

/**
 * Reads value bytes of BSON type `type` back into a JS/bson value: wraps them in
 * `{"": value}` and deserializes (LMC `_mongocrypt_buffer_to_bson_value`). Bytes that are
 * not exactly one valid value of that type → `MALFORMED_BSON`. Defaults:
 * {@link EXACT_DESERIALIZE_OPTIONS}.
 *
 * @example
 * deserializeBsonValue(0x10, new Uint8Array([42, 0, 0, 0])); // Int32(42)
 */
export function deserializeBsonValue(type: number, bytes: Uint8Array, options: DeserializeOptions = EXACT_DESERIALIZE_OPTIONS): unknown {
  if (type === 0x02 && options === EXACT_DESERIALIZE_OPTIONS) return readString(bytes);
  const length = bytes.length + 7;
  const doc = new Uint8Array(length);
  doc[0] = length;
  doc[1] = length >>> 8;
  doc[2] = length >>> 16;
  doc[3] = length >>> 24;
  doc[4] = type;
  doc.set(bytes, 6);
  let result: Record<string, unknown>;
  try {
    result = deserialize(doc, options) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof BSONError || e instanceof RangeError || e instanceof TypeError) {
      throw malformed(type);
    }
    throw e;
  }
  // `doc` is not wiped: js-bson's Binary values are views into it (no copy), and it holds
  // only what the caller receives anyway.
  // Trailing bytes after the value would have parsed as further elements: exactly one allowed.
  let count = 0;
  for (const k in result) {
    if (k !== '' || ++count > 1) throw malformed(type);
  }
  if (count !== 1) throw malformed(type);
  return result[''];
}

// fatal: invalid UTF-8 is an error, as in js-bson's default utf8 validation; ignoreBOM: a
// leading U+FEFF is part of the value, as js-bson keeps it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The common case (strings are most encrypted fields) without building a document:
 * int32 length (including the NUL) || UTF-8 || NUL (bsonspec.org `string`), checked exactly as
 * the document path would.
 */
function readString(bytes: Uint8Array): string {
  const n = bytes.length;
  if (n < 5) throw malformed(0x02);
  const declared = bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16) | (bytes[3]! << 24);
  if (declared !== n - 4 || bytes[n - 1] !== 0) throw malformed(0x02);
  try {
    return UTF8.decode(bytes.subarray(4, n - 1));
  } catch {
    throw malformed(0x02);
  }
}

/**
 * True when a document, array, Map or code-with-scope holds (at any depth) a bigint outside
 * int64. Only containers are walked; bson classes other than Code are leaves. Cycles are
 * skipped here (js-bson refuses them when serializing).
 */
function hasWideBigInt(value: object | null, seen: Set<object>): boolean {
  if (value === null || seen.has(value)) return false;
  const tag = (value as { _bsontype?: string })._bsontype;
  if (tag !== undefined) {
    const scope = tag === 'Code' ? (value as { scope?: object | null }).scope : undefined;
    return scope != null && hasWideBigInt(scope, seen);
  }
  if (value instanceof Uint8Array || value instanceof Date || value instanceof RegExp) return false;
  seen.add(value);
  const values = value instanceof Map ? value.values() : Object.values(value);
  for (const v of values) {
    if (typeof v === 'bigint' ? v > INT64_MAX || v < INT64_MIN : typeof v === 'object' && hasWideBigInt(v as object | null, seen)) return true;
  }
  return false;
}

function malformed(type: number): FleFormatError {
  return new FleFormatError(
    'MALFORMED_BSON',
    `decrypted bytes are not a valid BSON '${bsonTypeName(type)}' value (malformed encrypted bson): the blob was made by a faulty encryptor`,
  );
}

function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
