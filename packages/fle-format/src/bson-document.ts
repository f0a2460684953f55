import { wipe, type AeadKey } from '@fle-ts/crypto-core';
import { FLE1_HEADER_LENGTH } from './associated-data.js';
import { MIN_FLE1_BLOB_LENGTH } from './blob.js';
import { FleFormatError } from './errors.js';
import { BINARY_SUBTYPE_ENCRYPTED, bsonTypeName } from './type-rules.js';

/**
 * The key for the 16-byte data key UUID in `keyId` (a view into the document: copy it to
 * keep it). Throw to refuse an unknown key; the error reaches the caller unchanged.
 */
export type AeadKeyLookup = (keyId: Uint8Array) => AeadKey;

const i32 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);

function putI32(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

function malformed(what: string): FleFormatError {
  return new FleFormatError('MALFORMED_BSON', `malformed BSON document: ${what}`);
}

/** End (exclusive) of the document at `start`, checked against `limit` (bsonspec.org: int32 length ... 0x00). */
function documentEnd(b: Uint8Array, start: number, limit: number): number {
  if (limit - start < 5) throw malformed('document shorter than 5 bytes');
  const length = i32(b, start);
  if (length < 5 || length > limit - start) throw malformed('document length out of bounds');
  if (b[start + length - 1] !== 0) throw malformed('document does not end with 0x00');
  return start + length;
}

/** Length of a BSON string value (int32 n, n bytes ending in 0x00) at `o`, checked against `limit`. */
function stringLength(b: Uint8Array, o: number, limit: number): number {
  if (limit - o < 5) throw malformed('string out of bounds');
  const n = i32(b, o);
  if (n < 1 || n > limit - o - 4 || b[o + 3 + n] !== 0) throw malformed('bad string length');
  return 4 + n;
}

function cstringEnd(b: Uint8Array, o: number, limit: number): number {
  while (o < limit && b[o] !== 0) o++;
  if (o >= limit) throw malformed('unterminated name');
  return o + 1;
}

/** Byte length of the value of BSON `type` at `o`, every length checked against `limit`. */
function valueLength(type: number, b: Uint8Array, o: number, limit: number): number {
  let n: number;
  switch (type) {
    case 0x01: case 0x09: case 0x11: case 0x12: n = 8; break;
    case 0x02: case 0x0d: case 0x0e: n = stringLength(b, o, limit); break;
    case 0x03: case 0x04: n = documentEnd(b, o, limit) - o; break;
    case 0x05:
      if (limit - o < 5) throw malformed('binary out of bounds');
      n = 5 + i32(b, o);
      if (n < 5) throw malformed('negative binary length');
      break;
    case 0x06: case 0x0a: case 0x7f: case 0xff: n = 0; break;
    case 0x07: n = 12; break;
    case 0x08: n = 1; break;
    case 0x0b: n = cstringEnd(b, cstringEnd(b, o, limit), limit) - o; break;
    case 0x0c: n = stringLength(b, o, limit) + 12; break;
    case 0x0f: {
      // code_w_s: int32 total, string, document, and the three must agree.
      if (limit - o < 4) throw malformed('code with scope out of bounds');
      n = i32(b, o);
      const code = stringLength(b, o + 4, limit);
      if (n < 4 + code + 5 || n > limit - o || documentEnd(b, o + 4 + code, o + n) !== o + n) throw malformed('bad code with scope length');
      break;
    }
    case 0x10: n = 4; break;
    case 0x13: n = 16; break;
    default: throw malformed(`unknown element type 0x${type.toString(16).padStart(2, '0')}`);
  }
  if (n > limit - o) throw malformed(`${bsonTypeName(type)} value out of bounds`);
  return n;
}

/** Where an element's value starts, and its length; `i` is the element's type byte. */
function element(b: Uint8Array, i: number, limit: number): { v: number; length: number } {
  const v = cstringEnd(b, i + 1, limit);
  return { v, length: valueLength(b[i]!, b, v, limit) };
}

/** True for a BinData 6 value at `v` whose first byte is 1 or 2: an FLE1 ciphertext (fle1-spec.md §2). */
function isFle1(b: Uint8Array, type: number, v: number, length: number): boolean {
  return type === 0x05 && length > 5 && b[v + 4] === BINARY_SUBTYPE_ENCRYPTED && (b[v + 5] === 1 || b[v + 5] === 2);
}

function checkBlobLength(n: number): void {
  if (n < MIN_FLE1_BLOB_LENGTH) {
    throw new FleFormatError('BLOB_TOO_SHORT', `FLE1 blob must be at least ${MIN_FLE1_BLOB_LENGTH} bytes, got ${n}`);
  }
}

/** Every element of the document at `start` (and of its embedded documents and arrays) checked for bounds. */
function validateDocument(b: Uint8Array, start: number, limit: number): void {
  const end = documentEnd(b, start, limit) - 1;
  for (let i = start + 4; i < end; ) {
    const { v, length } = element(b, i, end);
    if (b[i] === 0x03 || b[i] === 0x04) validateDocument(b, v, v + length);
    i = v + length;
  }
}

/** A plain Uint8Array over the same bytes: views of a Node Buffer (what `bson` gives in Node) cost more to make. */
function plainView(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function checkTopLevel(bson: unknown): asserts bson is Uint8Array {
  if (!(bson instanceof Uint8Array)) throw new FleFormatError('MALFORMED_BSON', 'expected a BSON document as a Uint8Array');
  if (documentEnd(bson, 0, bson.length) !== bson.length) throw malformed('bytes after the end of the document');
}

/**
 * The distinct data key UUIDs (16-byte copies) of every FLE1 ciphertext in a BSON document,
 * embedded documents and arrays included: what to fetch before {@link decryptBsonDocument}.
 *
 * @example
 * const ids = fle1KeyIdsInBson(serialize(storedDoc)); // [Uint8Array(16), ...]
 */
export function fle1KeyIdsInBson(input: Uint8Array): Uint8Array[] {
  checkTopLevel(input);
  const bson = plainView(input);
  const seen = new Set<string>();
  const ids: Uint8Array[] = [];
  let last = -1; // offset of the previous blob's UUID: consecutive blobs mostly share a key
  const visit = (start: number, limit: number): void => {
    const end = documentEnd(bson, start, limit) - 1;
    for (let i = start + 4; i < end; ) {
      const type = bson[i]!;
      const { v, length } = element(bson, i, end);
      if (isFle1(bson, type, v, length)) {
        checkBlobLength(length - 5);
        const at = v + 6;
        let same = last >= 0;
        for (let k = 0; k < 16 && same; k++) same = bson[at + k] === bson[last + k];
        last = at;
        if (!same) {
          const id = new Uint8Array(bson.subarray(at, at + 16)); // a copy even for a Node Buffer
          const key = String.fromCharCode(...id);
          if (!seen.has(key)) {
            seen.add(key);
            ids.push(id);
          }
        }
      } else if (type === 0x03 || type === 0x04) visit(v, v + length);
      i = v + length;
    }
  };
  visit(0, bson.length);
  return ids;
}

/**
 * Decrypts every FLE1 ciphertext (BinData 6, first byte 1 or 2) of a BSON document in one pass
 * over the bytes, BSON in and BSON out, as libmongocrypt does for a reply
 * (`_mongocrypt_transform_binary_in_bson`): each encrypted element becomes an element of the
 * plaintext's BSON type holding the decrypted value bytes; every other element, Queryable
 * Encryption payloads included, is copied unchanged. No js-bson objects are built, so DBPointer
 * and every other type come back byte for byte. The input is not modified.
 *
 * Errors: `MALFORMED_BSON` (bad lengths, unknown element types, or a decrypted value that is not
 * valid BSON of its recorded type), `BLOB_TOO_SHORT`, crypto-core's `HMAC_MISMATCH`/`BAD_PADDING`,
 * and whatever `keyFor` throws for an unknown key.
 *
 * @example
 * const plain = decryptBsonDocument(serialize(storedDoc), (id) => keys.get(bytesToHex(id))!);
 * deserialize(plain); // { ssn: '123-45-6789', ... }
 */
export function decryptBsonDocument(input: Uint8Array, keyFor: AeadKeyLookup): Uint8Array {
  checkTopLevel(input);
  const bson = plainView(input);
  // A decrypted element is always shorter than its ciphertext (66+ bytes of overhead), so the
  // output fits in the input's length.
  const out = new Uint8Array(bson.length);
  // The last key used, by the offset of its UUID in `bson`: documents mostly use one key.
  let lastId = -1;
  let lastKey: AeadKey | undefined;
  const keyAt = (idStart: number): AeadKey => {
    if (lastKey !== undefined) {
      let same = true;
      for (let k = 0; k < 16 && same; k++) same = bson[idStart + k] === bson[lastId + k];
      if (same) return lastKey;
    }
    lastKey = keyFor(bson.subarray(idStart, idStart + 16));
    lastId = idStart;
    return lastKey;
  };
  const transform = (start: number, limit: number, o: number): number => {
    const outStart = o;
    const end = documentEnd(bson, start, limit) - 1;
    o += 4;
    for (let i = start + 4; i < end; ) {
      const type = bson[i]!;
      const { v, length } = element(bson, i, end);
      if (isFle1(bson, type, v, length)) {
        checkBlobLength(length - 5);
        const blob = bson.subarray(v + 5, v + length);
        const plain = keyAt(v + 6).decrypt(blob.subarray(FLE1_HEADER_LENGTH), blob.subarray(0, FLE1_HEADER_LENGTH));
        try {
          const plainType = blob[17]!;
          checkDecryptedValue(plainType, plain);
          out[o] = plainType;
          out.set(bson.subarray(i + 1, v), o + 1);
          o += v - i;
          out.set(plain, o);
          o += plain.length;
        } finally {
          wipe(plain);
        }
      } else if (type === 0x03 || type === 0x04) {
        out.set(bson.subarray(i, v), o);
        o = transform(v, v + length, o + (v - i));
      } else {
        out.set(bson.subarray(i, v + length), o);
        o += v + length - i;
      }
      i = v + length;
    }
    out[o++] = 0;
    putI32(out, outStart, o - outStart);
    return o;
  };
  const length = transform(0, bson.length, 0);
  const result = out.slice(0, length);
  wipe(out);
  return result;
}

/** The plaintext must be exactly one valid value of its recorded type (libmongocrypt: "malformed encrypted bson"). */
function checkDecryptedValue(type: number, plain: Uint8Array): void {
  let ok: boolean;
  try {
    ok = valueLength(type, plain, 0, plain.length) === plain.length;
    if (ok && (type === 0x03 || type === 0x04)) validateDocument(plain, 0, plain.length);
  } catch {
    ok = false;
  }
  if (!ok) throw new FleFormatError('MALFORMED_BSON', `decrypted value is not a valid BSON ${bsonTypeName(type)}`);
}
