import type { RawElement } from './bson-elements.js';

/**
 * A BSON writer for payload documents (bsonspec.org 1.1): elements go straight into one growing
 * buffer and each embedded document's length is patched when it ends, so a range payload (one
 * sub-document per edge, LMC `mongocrypt-marking.c` appends them with `bson_append_*`) is
 * written without a js-bson object or an array per field. Field names are ASCII (payload field
 * letters and array indexes); the bytes equal range-bson.ts `rawDocument` of the same fields.
 */
export class BsonWriter {
  #buf: Uint8Array;
  #pos = 0;
  readonly #open: number[] = [];

  constructor(capacity = 256) {
    this.#buf = new Uint8Array(capacity);
  }

  #reserve(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  #i32(n: number): void {
    const b = this.#buf;
    const o = this.#pos;
    b[o] = n;
    b[o + 1] = n >>> 8;
    b[o + 2] = n >>> 16;
    b[o + 3] = n >>> 24;
    this.#pos = o + 4;
  }

  #head(type: number, name: string, valueLength: number): void {
    this.#reserve(2 + name.length + valueLength);
    const b = this.#buf;
    let o = this.#pos;
    b[o++] = type;
    for (let i = 0; i < name.length; i++) b[o++] = name.charCodeAt(i);
    b[o++] = 0;
    this.#pos = o;
  }

  /** One raw byte outside any document (the payload's kind byte before its BSON). */
  byte(x: number): this {
    this.#reserve(1);
    this.#buf[this.#pos++] = x;
    return this;
  }

  /** Opens a document (the top-level one, or the value of the element just started). */
  startDocument(): this {
    this.#reserve(4);
    this.#open.push(this.#pos);
    this.#pos += 4;
    return this;
  }

  /** Closes the innermost open document: its terminating 0 and its length. */
  endDocument(): this {
    this.#reserve(1);
    this.#buf[this.#pos++] = 0;
    const start = this.#open.pop()!;
    const end = this.#pos;
    this.#pos = start;
    this.#i32(end - start);
    this.#pos = end;
    return this;
  }

  /** Starts an embedded document (0x03) or array (0x04) element named `name`; end it with {@link endDocument}. */
  startElementDocument(name: string, type: 0x03 | 0x04 = 0x03): this {
    this.#head(type, name, 5);
    return this.startDocument();
  }

  /** Binary element: `bytes` with `subtype`. */
  bin(name: string, bytes: Uint8Array, subtype = 0): this {
    this.#head(0x05, name, 5 + bytes.length);
    this.#i32(bytes.length);
    this.#buf[this.#pos++] = subtype;
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
    return this;
  }

  /** Binary element of `prefix || rest` (an IV and its ciphertext) without joining them first. */
  bin2(name: string, prefix: Uint8Array, rest: Uint8Array, subtype = 0): this {
    const n = prefix.length + rest.length;
    this.#head(0x05, name, 5 + n);
    this.#i32(n);
    this.#buf[this.#pos++] = subtype;
    this.#buf.set(prefix, this.#pos);
    this.#buf.set(rest, this.#pos + prefix.length);
    this.#pos += n;
    return this;
  }

  /** int32 element. */
  i32(name: string, n: number): this {
    this.#head(0x10, name, 4);
    this.#i32(n);
    return this;
  }

  /** int64 element. */
  i64(name: string, n: bigint): this {
    this.#head(0x12, name, 8);
    const lo = Number(BigInt.asUintN(32, n));
    const hi = Number(BigInt.asUintN(32, n >> 32n));
    this.#i32(lo);
    this.#i32(hi);
    return this;
  }

  /** An element from its type and value bytes, as given (`bson_append_iter`). */
  element(name: string, e: RawElement): this {
    this.#head(e.type, name, e.value.length);
    this.#buf.set(e.value, this.#pos);
    this.#pos += e.value.length;
    return this;
  }

  /** The bytes written, as a new array of the exact length (every document closed by then). */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }
}
