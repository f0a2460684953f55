import { wipe, type AeadKey } from '@fle-ts/crypto-core';
import { FLE1_HEADER_LENGTH } from './associated-data.js';
import { MIN_FLE1_BLOB_LENGTH } from './blob.js';
import { checkBsonValue, checkBsonValueIn, checkLevel, cstringEnd, documentEnd, malformedDocument, valueLength } from './bson-validate.js';
import { FleFormatError } from './errors.js';
import { BINARY_SUBTYPE_ENCRYPTED } from './type-rules.js';

/**
 * The key for the 16-byte data key UUID in `keyId` (a view into the document: copy it to
 * keep it). Throw to refuse an unknown key; the error reaches the caller unchanged.
 */
export type AeadKeyLookup = (keyId: Uint8Array) => AeadKey;

function putI32(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
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

/** True for any BinData 6 value at `v` (the payload starts at `v + 5`). */
function isSubtype6(b: Uint8Array, type: number, v: number, length: number): boolean {
  return type === 0x05 && length > 5 && b[v + 4] === BINARY_SUBTYPE_ENCRYPTED;
}

/**
 * A hook for the BinData 6 values that are not FLE1 ciphertexts (Queryable Encryption payloads,
 * markings): gets the payload bytes (a view into the document, first byte = its kind) and
 * returns the decrypted BSON type and value bytes, or undefined to copy the element unchanged.
 * The client layer passes one for QE (fle-format itself knows only FLE1).
 */
export type OtherBlobDecryptor = (blob: Uint8Array) => { bsonType: number; bytes: Uint8Array } | undefined;

/**
 * Decrypts the FLE1 blob at `b[start..start+length)` (header = AAD, then the AEAD ciphertext)
 * into `out[o..]`; returns the plaintext length. With crypto-core's `decryptInto` nothing is
 * allocated per field (issue 18); an AeadKey from an older copy of crypto-core goes through
 * `decrypt` (checkKey in encrypt.ts duck-types keys for the same reason).
 */
function decryptAt(key: AeadKey, b: Uint8Array, start: number, length: number, out: Uint8Array, o: number): number {
  const ct = start + FLE1_HEADER_LENGTH;
  if (typeof key.decryptInto === 'function') return key.decryptInto(b, ct, length - FLE1_HEADER_LENGTH, b, start, FLE1_HEADER_LENGTH, out, o);
  const plain = (key as AeadKey).decrypt(b.subarray(ct, start + length), b.subarray(start, ct));
  out.set(plain, o);
  wipe(plain);
  return plain.length;
}

function checkBlobLength(n: number, min = MIN_FLE1_BLOB_LENGTH): void {
  if (n < min) {
    throw new FleFormatError('BLOB_TOO_SHORT', `FLE1 blob must be at least ${min} bytes, got ${n}`);
  }
}

/**
 * The shortest blob libmongocrypt's ciphertext parser accepts (header + one byte; LMC
 * `_mongocrypt_ciphertext_parse_unowned`, fle1-spec.md §2 "Parse checks"): it asks the key vault
 * for the key of any such blob before the AEAD length check refuses it at decryption.
 */
export const FLE1_PARSE_MIN_LENGTH = FLE1_HEADER_LENGTH + 1;

/** A plain Uint8Array over the same bytes: views of a Node Buffer (what `bson` gives in Node) cost more to make. */
function plainView(b: Uint8Array): Uint8Array {
  return b.constructor === Uint8Array ? b : new Uint8Array(b.buffer, b.byteOffset, b.length);
}

function checkTopLevel(bson: unknown): asserts bson is Uint8Array {
  if (!(bson instanceof Uint8Array)) throw new FleFormatError('MALFORMED_BSON', 'expected a BSON document as a Uint8Array');
  if (documentEnd(bson, 0, bson.length) !== bson.length) throw malformedDocument('bytes after the end of the document');
}

/**
 * The distinct data key UUIDs (16-byte copies) of every FLE1 ciphertext in a BSON document,
 * embedded documents and arrays included: what to fetch before {@link decryptBsonDocument}.
 * Errors: `MALFORMED_BSON`, `BLOB_TOO_SHORT`, and `NESTING_TOO_DEEP` past MAX_NESTING_DEPTH
 * levels (the input document is level 1). `onOther`, when given, sees every other BinData 6
 * payload in the same pass (a view: copy what you keep), so a caller can gather the keys of
 * Queryable Encryption values without a second walk. `minBlobLength` (default: the valid-blob
 * minimum, 82) may be lowered to {@link FLE1_PARSE_MIN_LENGTH} to collect keys in libmongocrypt's
 * order (the driver drop-in); {@link decryptBsonDocument} still refuses every blob under 82 bytes.
 *
 * @example
 * const ids = fle1KeyIdsInBson(serialize(storedDoc)); // [Uint8Array(16), ...]
 */
export function fle1KeyIdsInBson(input: Uint8Array, onOther?: (blob: Uint8Array) => void, minBlobLength = MIN_FLE1_BLOB_LENGTH): Uint8Array[] {
  checkTopLevel(input);
  // Never below the parser's minimum: a key UUID must lie wholly inside the blob.
  const min = Math.max(FLE1_PARSE_MIN_LENGTH, Math.trunc(minBlobLength) || MIN_FLE1_BLOB_LENGTH);
  const bson = plainView(input);
  const seen = new Set<string>();
  const ids: Uint8Array[] = [];
  let last = -1; // offset of the previous blob's UUID: consecutive blobs mostly share a key
  const visit = (start: number, limit: number, level: number): void => {
    checkLevel(level);
    const end = documentEnd(bson, start, limit) - 1;
    for (let i = start + 4; i < end; ) {
      const type = bson[i]!;
      const { v, length } = element(bson, i, end);
      if (isFle1(bson, type, v, length)) {
        checkBlobLength(length - 5, min);
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
      } else if (onOther !== undefined && isSubtype6(bson, type, v, length)) {
        onOther(bson.subarray(v + 5, v + length));
      } else if (type === 0x03 || type === 0x04) visit(v, v + length, level + 1);
      i = v + length;
    }
  };
  visit(0, bson.length, 1);
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
 * Each decrypted value is checked by the same validator as `decryptValue` (bson-validate.ts):
 * exactly one value of its recorded type, nothing after it, bool 0/1, valid UTF-8, so the
 * output never holds bytes that js-bson refuses to read.
 *
 * Errors: `MALFORMED_BSON` (bad lengths, unknown element types, or a decrypted value that is not
 * exactly one valid BSON value of its recorded type), `BLOB_TOO_SHORT`, `NESTING_TOO_DEEP` (more
 * than MAX_NESTING_DEPTH levels: the input document is level 1 and a decrypted document or
 * array continues the count of the document holding it), crypto-core's
 * `HMAC_MISMATCH`/`BAD_PADDING`, and whatever `keyFor` throws for an unknown key.
 *
 * `decryptOther`, when given, is asked about every other BinData 6 value (Queryable Encryption
 * payloads, markings); what it returns replaces the element in the same pass, validated as FLE1
 * plaintexts are. Its result must be shorter than the payload (true of every QE ciphertext).
 *
 * @example
 * const plain = decryptBsonDocument(serialize(storedDoc), (id) => keys.get(bytesToHex(id))!);
 * deserialize(plain); // { ssn: '123-45-6789', ... }
 */
export function decryptBsonDocument(input: Uint8Array, keyFor: AeadKeyLookup, decryptOther?: OtherBlobDecryptor): Uint8Array {
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
  /** Writes element `i` (value at `v`) as `plainType` + `plain`, validated; returns the new output offset. */
  const writePlain = (i: number, v: number, o: number, plainType: number, plain: Uint8Array, level: number): number => {
    // The one validator decryptValue uses too; the value's own levels count from this document's.
    checkBsonValue(plainType, plain, level);
    out[o] = plainType;
    out.set(bson.subarray(i + 1, v), o + 1);
    o += v - i;
    out.set(plain, o);
    return o + plain.length;
  };
  const transform = (start: number, limit: number, o: number, level: number): number => {
    checkLevel(level);
    const outStart = o;
    const end = documentEnd(bson, start, limit) - 1;
    o += 4;
    let other: { bsonType: number; bytes: Uint8Array } | undefined;
    for (let i = start + 4; i < end; ) {
      const type = bson[i]!;
      const { v, length } = element(bson, i, end);
      if (isFle1(bson, type, v, length)) {
        checkBlobLength(length - 5);
        const key = keyAt(v + 6);
        // The element: the plaintext's type, the same name, then the value decrypted in place.
        const plainType = bson[v + 5 + 17]!;
        out[o] = plainType;
        for (let k = i + 1; k < v; k++) out[o + k - i] = bson[k]!;
        o += v - i;
        const n = decryptAt(key, bson, v + 5, length - 5, out, o);
        // The one validator decryptValue uses too; the value's own levels count from this document's.
        checkBsonValueIn(plainType, out, o, o + n, level);
        o += n;
      } else if (decryptOther !== undefined && isSubtype6(bson, type, v, length) && (other = decryptOther(bson.subarray(v + 5, v + length))) !== undefined) {
        try {
          if (other.bytes.length >= length) throw malformedDocument('a decrypted value is not shorter than its ciphertext');
          o = writePlain(i, v, o, other.bsonType, other.bytes, level);
        } finally {
          wipe(other.bytes);
        }
      } else if (type === 0x03 || type === 0x04) {
        out.set(bson.subarray(i, v), o);
        o = transform(v, v + length, o + (v - i), level + 1);
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
  let length: number;
  try {
    length = transform(0, bson.length, 0, 1);
  } catch (e) {
    wipe(out); // plaintexts decrypted before the failure
    throw e;
  }
  const result = out.slice(0, length);
  wipe(out);
  return result;
}
