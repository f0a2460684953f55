import { QeError } from './errors.js';

/**
 * The top-level elements of a BSON document as raw byte ranges, so a value is hashed and
 * encrypted exactly as the marking holds it (libmongocrypt works on the raw `bson_iter_t`
 * bytes too; a js-bson round trip would turn a DBPointer into a DBRef document).
 */
export interface RawElement {
  type: number;
  /** The value bytes (no type byte, no name): a view into the input. */
  value: Uint8Array;
}

function readI32(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}

function cstringEnd(b: Uint8Array, o: number, end: number): number {
  for (let i = o; i < end; i++) if (b[i] === 0) return i;
  return -1;
}

/** Length of the value of BSON type `type` at `o` (bsonspec.org 1.1), or -1 when it cannot be read. */
function valueLength(type: number, b: Uint8Array, o: number, end: number): number {
  const fixed: Record<number, number> = { 0x01: 8, 0x06: 0, 0x07: 12, 0x08: 1, 0x09: 8, 0x0a: 0, 0x10: 4, 0x11: 8, 0x12: 8, 0x13: 16, 0xff: 0, 0x7f: 0 };
  const f = fixed[type];
  if (f !== undefined) return f;
  if (o + 4 > end) return -1;
  const n = readI32(b, o);
  switch (type) {
    case 0x02: // string, code, symbol: int32 length (with NUL) || bytes
    case 0x0d:
    case 0x0e:
      return n >= 1 ? 4 + n : -1;
    case 0x03: // document, array, code with scope: int32 total length
    case 0x04:
    case 0x0f:
      return n >= 5 ? n : -1;
    case 0x05: // binary: int32 length || subtype || bytes
      return n >= 0 ? 5 + n : -1;
    case 0x0c: // DBPointer: string || 12-byte ObjectId
      return n >= 1 ? 4 + n + 12 : -1;
    case 0x0b: {
      // regex: two cstrings
      const a = cstringEnd(b, o, end);
      const c = a < 0 ? -1 : cstringEnd(b, a + 1, end);
      return c < 0 ? -1 : c + 1 - o;
    }
    default:
      return -1;
  }
}

/**
 * Reads the top-level elements of the BSON document `doc` (which must fill `doc` exactly) into a
 * map by name. `what` names the payload in `MALFORMED_PAYLOAD` messages. Duplicate names keep the
 * first, as libbson's `bson_iter_find` does.
 */
export function readElements(doc: Uint8Array, what: string, code: 'MALFORMED_PAYLOAD' | 'BAD_PLACEHOLDER' = 'MALFORMED_PAYLOAD'): Map<string, RawElement> {
  const bad = (why: string) => new QeError(code, `${what}: invalid BSON (${why}): the payload is truncated or corrupt`);
  if (doc.length < 5 || readI32(doc, 0) !== doc.length || doc[doc.length - 1] !== 0) throw bad('length');
  const out = new Map<string, RawElement>();
  const end = doc.length - 1;
  let o = 4;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  while (o < end) {
    const type = doc[o]!;
    const nameEnd = cstringEnd(doc, o + 1, end);
    if (nameEnd < 0) throw bad('name');
    let name: string;
    try {
      name = utf8.decode(doc.subarray(o + 1, nameEnd));
    } catch {
      throw bad('name');
    }
    const v = nameEnd + 1;
    const n = valueLength(type, doc, v, end);
    if (n < 0 || v + n > end) throw bad(`element '${name}'`);
    if (!out.has(name)) out.set(name, { type, value: doc.subarray(v, v + n) });
    o = v + n;
  }
  if (o !== end) throw bad('trailing bytes');
  return out;
}

/** The bytes of binary element `name` (checking type 0x05 and `subtype`), or a typed error. */
export function binaryField(fields: Map<string, RawElement>, name: string, subtype: number, what: string, code: 'MALFORMED_PAYLOAD' | 'BAD_PLACEHOLDER' = 'MALFORMED_PAYLOAD'): Uint8Array {
  const e = fields.get(name);
  if (!e || e.type !== 0x05 || e.value[4] !== subtype) {
    throw new QeError(code, `${what}: field '${name}' must be binary subtype ${subtype}`);
  }
  return e.value.subarray(5);
}

/** The int32 element `name`, or a typed error. */
export function int32Field(fields: Map<string, RawElement>, name: string, what: string, code: 'MALFORMED_PAYLOAD' | 'BAD_PLACEHOLDER' = 'MALFORMED_PAYLOAD'): number {
  const e = fields.get(name);
  if (!e || e.type !== 0x10) throw new QeError(code, `${what}: field '${name}' must be an int32`);
  return readI32(e.value, 0);
}

/** The int64 element `name` as a bigint, or a typed error. */
export function int64Field(fields: Map<string, RawElement>, name: string, what: string, code: 'MALFORMED_PAYLOAD' | 'BAD_PLACEHOLDER' = 'MALFORMED_PAYLOAD'): bigint {
  const e = fields.get(name);
  if (!e || e.type !== 0x12) throw new QeError(code, `${what}: field '${name}' must be an int64`);
  return new DataView(e.value.buffer, e.value.byteOffset, 8).getBigInt64(0, true);
}
