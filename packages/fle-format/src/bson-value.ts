import { MAX_NESTING_DEPTH } from '@fle-ts/crypto-core';
import { BSONError, calculateObjectSize, deserialize, serialize, setInternalBufferSize, type DeserializeOptions } from 'bson';
import { checkBsonValue, decodeStringValue, nestingTooDeep } from './bson-validate.js';
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

const UTF8_ENCODER = new TextEncoder();

/**
 * Writes `value` as a BSON string value (int32 length including the NUL || UTF-8 || NUL, the bytes
 * {@link serializeBsonValue} gives for a string) to the start of `out`; returns its length, or
 * undefined when it might not fit (more than `out.length` bytes in the worst case, 3 per UTF-16
 * unit). Lone surrogates become U+FFFD (EF BF BD) as js-bson's writer makes them. For encrypting
 * without serializing a `{"": value}` document (issue 18, value level).
 */
export function writeStringValue(value: string, out: Uint8Array): number | undefined {
  const n = value.length;
  if (3 * n + 5 > out.length) return undefined;
  let o = 4;
  let i = 0;
  // ASCII, most field values, byte by byte; the first other unit hands the rest to the encoder.
  for (; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) break;
    out[o++] = c;
  }
  if (i < n) o += UTF8_ENCODER.encodeInto(i === 0 ? value : value.slice(i), out.subarray(o, out.length - 1)).written;
  out[o] = 0;
  const length = o - 4 + 1;
  out[0] = length;
  out[1] = length >>> 8;
  out[2] = length >>> 16;
  out[3] = length >>> 24;
  return o + 1;
}

/**
 * The BSON type byte and value bytes of `value`, as libmongocrypt encrypts it
 * (`_mongocrypt_buffer_copy_as_bson_value`, fle1-spec.md §2): `value` is serialized as
 * `{"": value}` and the element's value bytes are sliced out. `bytes` is a view into the
 * serialized document (no copy). A {@link RawBsonValue} passes through unchanged.
 * A JS number becomes int32 when it is an integer in int32 range, else double (js-bson rule).
 * Any size is serialized whole. Errors: `UNSERIALIZABLE_VALUE`, and `NESTING_TOO_DEEP` for
 * documents/arrays/Maps nested more than MAX_NESTING_DEPTH levels (the value itself is level 1).
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
  checkValueTree(value, 0, new Set());
  const doc = serializeWhole({ '': value });
  if (doc.length <= EMPTY_DOC_LENGTH) {
    throw new FleFormatError(
      'UNSERIALIZABLE_VALUE',
      `a value of JS type '${typeof value}' has no BSON encoding (functions and JS symbols are dropped by bson): pass a BSON value`,
    );
  }
  // Layout: int32 length | type | "" NUL | value | NUL.
  return { type: doc[4]!, bytes: doc.subarray(6, doc.length - 1) };
}

// js-bson serializes into one module-level buffer of 17 MiB (bson.ts MAXSIZE) and, in Node,
// writes strings with Buffer.write, which stops silently at its end: an 18 MiB string came
// back truncated (issue 11 item 1); elsewhere the copy throws RangeError. A result within
// 1 MiB of that size, or a RangeError, is redone with the buffer sized for the value.
const JS_BSON_BUFFER_SIZE = 17 * 1024 * 1024;

function serializeWhole(wrapper: { '': unknown }): Uint8Array {
  let doc: Uint8Array | undefined;
  try {
    doc = serialize(wrapper);
  } catch (e) {
    if (!(e instanceof RangeError)) throw unserializable(e);
  }
  if (doc !== undefined && doc.length < JS_BSON_BUFFER_SIZE - 1024 * 1024) return doc;
  let size: number;
  try {
    size = calculateObjectSize(wrapper);
    // js-bson keeps its buffer at the largest size asked for (its design): only values this
    // large grow it, and MongoDB documents are at most 16 MiB anyway.
    setInternalBufferSize(size);
    doc = serialize(wrapper);
  } catch (e) {
    throw unserializable(e);
  }
  if (doc.length !== size) {
    throw new FleFormatError('UNSERIALIZABLE_VALUE', `bson wrote ${doc.length} bytes for a value of ${size}: refusing a truncated value`);
  }
  return doc;
}

function unserializable(e: unknown): FleFormatError {
  return new FleFormatError('UNSERIALIZABLE_VALUE', `value cannot be encoded as BSON: ${describeError(e)}`, { cause: e });
}

/**
 * Reads value bytes of BSON type `type` back into a JS/bson value: wraps them in
 * `{"": value}` and deserializes (LMC `_mongocrypt_buffer_to_bson_value`). Bytes that are
 * not exactly one valid value of that type, with nothing after it → `MALFORMED_BSON`; nested
 * deeper than MAX_NESTING_DEPTH → `NESTING_TOO_DEEP` (the one validator, bson-validate.ts).
 * Values are read as js-bson reads them (a DBPointer as a DBRef, a date beyond ±8.64e15 ms as
 * Invalid Date); `decryptValue` returns those as {@link RawBsonValue} instead.
 * Defaults: {@link EXACT_DESERIALIZE_OPTIONS}.
 *
 * @example
 * deserializeBsonValue(0x10, new Uint8Array([42, 0, 0, 0])); // Int32(42)
 */
export function deserializeBsonValue(type: number, bytes: Uint8Array, options: DeserializeOptions = EXACT_DESERIALIZE_OPTIONS): unknown {
  return readBsonValue(type, bytes, options, false);
}

/**
 * {@link deserializeBsonValue}, and with `keepUnfaithful` a value js-bson would not read back
 * as the same bytes (`checkBsonValue(...).faithful === false`) comes back as a RawBsonValue
 * over `bytes` (no copy). Internal: decryptValue's reader.
 */
export function readBsonValue(type: number, bytes: Uint8Array, options: DeserializeOptions, keepUnfaithful: boolean): unknown {
  if (type === 0x02 && options === EXACT_DESERIALIZE_OPTIONS) {
    // The common case (strings are most encrypted fields) without building a document; the
    // validator's own string rule, so a string always decodes the same both ways.
    const s = decodeStringValue(bytes);
    if (s === undefined) checkBsonValue(type, bytes); // throws MALFORMED_BSON with the reason
    return s;
  }
  const { faithful } = checkBsonValue(type, bytes);
  if (!faithful && keepUnfaithful) return new RawBsonValue(type, bytes);
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
    // Caller options can still make js-bson throw (RegExp syntax with bsonRegExp: false).
    if (e instanceof BSONError || e instanceof RangeError || e instanceof TypeError || e instanceof SyntaxError) {
      throw malformed(type);
    }
    throw e;
  }
  // `doc` is not wiped: js-bson's Binary values are views into it (no copy), and it holds
  // only what the caller receives anyway.
  return result[''];
}

/**
 * Walks what js-bson's serializer will walk (documents, arrays, Maps, code scopes, DBRef fields)
 * before it does: a bigint outside int64 or an Invalid Date → `UNSERIALIZABLE_VALUE` (js-bson
 * would write BigInt.asIntN(64, v) or 0, a different value); a container at a level past MAX_NESTING_DEPTH →
 * `NESTING_TOO_DEEP` (js-bson would overflow the call stack). `depth` = containers around
 * `value`. Recursion is bounded by the depth check. A cycle is left to js-bson, which refuses it.
 */
function checkValueTree(value: unknown, depth: number, ancestors: Set<object>): void {
  if (typeof value === 'bigint') {
    if (value > INT64_MAX || value < INT64_MIN) {
      throw new FleFormatError('UNSERIALIZABLE_VALUE', 'a bigint outside the int64 range has no BSON encoding: use Decimal128 or a string');
    }
    return;
  }
  if (typeof value !== 'object' || value === null || ancestors.has(value)) return;
  const tag = (value as { _bsontype?: unknown })._bsontype;
  let children: Iterable<unknown>;
  if (tag !== undefined) {
    // bson classes are leaves, except a Code's scope (a document at the code's position) and
    // a DBRef (written as a document { $ref, $id, $db, ...fields }).
    if (tag === 'Code') return checkValueTree((value as { scope?: unknown }).scope, depth, ancestors);
    if (tag !== 'DBRef') return;
    const ref = value as { oid?: unknown; fields?: Record<string, unknown> };
    children = [ref.oid, ...Object.values(ref.fields ?? {})];
  } else if (value instanceof Date) {
    // js-bson writes an Invalid Date as 0 (1970-01-01): a silent change of the user's value.
    if (Number.isNaN(value.getTime())) throw new FleFormatError('UNSERIALIZABLE_VALUE', 'an Invalid Date has no BSON encoding (js-bson would store 1970-01-01): check the value');
    return;
  } else if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof RegExp) {
    return;
  } else {
    children = value instanceof Map ? value.values() : Object.values(value);
  }
  if (depth + 1 > MAX_NESTING_DEPTH) throw nestingTooDeep('the value');
  ancestors.add(value);
  for (const child of children) checkValueTree(child, depth + 1, ancestors);
  ancestors.delete(value);
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
