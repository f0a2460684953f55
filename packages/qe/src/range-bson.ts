import { QeError } from './errors.js';
import { readElements, type RawElement } from './bson-elements.js';
import { decodeDec128 } from './range-decimal.js';
import type { RangeValue } from './range-encoding.js';

/**
 * Raw BSON for range payloads: elements are written from their type byte and value bytes, so
 * `mn`/`mx` keep the exact type and bytes the marking or range options gave (libmongocrypt
 * appends the iterators as they are, `bson_append_iter`).
 */
export type RawField = readonly [name: string, type: number, value: Uint8Array];

const enc = new TextEncoder();

function i32le(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, n, true);
  return b;
}

/** A BSON document from raw fields, in order. */
export function rawDocument(fields: readonly RawField[]): Uint8Array {
  const parts: Uint8Array[] = [];
  let len = 5;
  for (const [name, type, value] of fields) {
    const n = enc.encode(name);
    const head = new Uint8Array(n.length + 2);
    head[0] = type;
    head.set(n, 1);
    parts.push(head, value);
    len += head.length + value.length;
  }
  const out = new Uint8Array(len);
  out.set(i32le(len), 0);
  let o = 4;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  out[o] = 0;
  return out;
}

/** Field helpers: binary (subtype), int32, int64, boolean, embedded document and array. */
export const raw = {
  bin(name: string, bytes: Uint8Array, subtype = 0): RawField {
    const v = new Uint8Array(5 + bytes.length);
    v.set(i32le(bytes.length), 0);
    v[4] = subtype;
    v.set(bytes, 5);
    return [name, 0x05, v];
  },
  i32(name: string, n: number): RawField {
    return [name, 0x10, i32le(n)];
  },
  i64(name: string, n: bigint): RawField {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, n, true);
    return [name, 0x12, b];
  },
  doc(name: string, fields: readonly RawField[]): RawField {
    return [name, 0x03, rawDocument(fields)];
  },
  array(name: string, docs: readonly (readonly RawField[])[]): RawField {
    return [name, 0x04, rawDocument(docs.map((d, i) => [String(i), 0x03, rawDocument(d)] as RawField))];
  },
  element(name: string, e: RawElement): RawField {
    return [name, e.type, e.value];
  },
};

/** The BSON type names libmongocrypt prints (`mc_bson_type_to_string`) for the types met here. */
export function bsonTypeName(type: number): string {
  const names: Record<number, string> = { 0x01: 'double', 0x02: 'string', 0x03: 'document', 0x04: 'array', 0x05: 'binData', 0x08: 'bool', 0x09: 'date', 0x10: 'int', 0x12: 'long', 0x13: 'decimal' };
  return names[type] ?? `type 0x${type.toString(16)}`;
}

/** A range value from a raw element of type int32, int64, date, double or decimal128. */
export function rangeValueOfElement(e: RawElement, what: string): RangeValue {
  const dv = new DataView(e.value.buffer, e.value.byteOffset, e.value.byteLength);
  switch (e.type) {
    case 0x10:
      return { type: 'int32', value: BigInt(dv.getInt32(0, true)) };
    case 0x12:
      return { type: 'int64', value: dv.getBigInt64(0, true) };
    case 0x09:
      return { type: 'date', value: dv.getBigInt64(0, true) };
    case 0x01:
      return { type: 'double', value: dv.getFloat64(0, true) };
    case 0x13:
      return { type: 'decimal128', value: decodeDec128(e.value) };
    default:
      throw new QeError('UNSUPPORTED_BSON_TYPE', `unsupported BSON type: ${bsonTypeName(e.type)} for range (${what}); range takes int, long, date, double or decimal`);
  }
}

/** The fields of an embedded document element, or a typed error. */
export function subDocument(e: RawElement | undefined, what: string, code: 'BAD_PLACEHOLDER' | 'MALFORMED_PAYLOAD' = 'BAD_PLACEHOLDER'): Map<string, RawElement> {
  if (!e || e.type !== 0x03) throw new QeError(code, `${what}: expected a document`);
  return readElements(e.value, what, code);
}
