// The value level and the bulk-decryption benchmark need ClientEncryption / AutoEncrypter
// (@fle-ts/client), which did not exist yet when this was written. Until they do, this is the
// FLE1 layer done the shortest honest way over @fle-ts/crypto-core and `bson`: the blob of
// fle1-spec.md section 2 (subtype || key id || BSON type || AEAD output, AAD = first 18 bytes)
// and the BSON value as the plaintext, exactly as libmongocrypt builds them. Its output is
// checked byte for byte against libmongocrypt (mcoracle encrypt) before the bulk benchmark.
import { Binary, deserialize, serialize } from 'bson';
import { AeadKey, bytesToHex } from '@fle-ts/crypto-core';

const DETERMINISTIC = 1;
const RANDOM = 2;

/** BSON type byte and value bytes of `value`, cut out of a one-field document { "": value }. */
function bsonValue(value: unknown): { type: number; bytes: Uint8Array } {
  const doc = serialize({ '': value });
  // int32 length | type | "" NUL | value | document NUL
  return { type: doc[4]!, bytes: doc.subarray(6, doc.length - 1) };
}

/** Inverse of bsonValue: wraps the bytes back into { "": value } and reads it. */
function fromBsonValue(type: number, bytes: Uint8Array): unknown {
  const doc = new Uint8Array(bytes.length + 7);
  new DataView(doc.buffer).setInt32(0, doc.length, true);
  doc[4] = type;
  doc.set(bytes, 6);
  return deserialize(doc, { promoteBuffers: false, bsonRegExp: true })[''];
}

/**
 * A key cache keyed by the blob's 16-byte key id, as a key broker holds decrypted data keys
 * (libmongocrypt keeps them in `mongocrypt_t`'s key cache across contexts too). The last key
 * used is checked first by comparing bytes, so a document under one key needs no map lookup.
 */
export class LiteKeyCache {
  readonly #keys = new Map<string, AeadKey>();
  readonly #material = new Map<string, Uint8Array>();
  #lastId = new Uint8Array(16);
  #last: AeadKey | undefined;
  add(keyId: Uint8Array, material: Uint8Array): void {
    this.#keys.set(bytesToHex(keyId), new AeadKey(material));
    this.#material.set(bytesToHex(keyId), material.slice());
  }
  /** The 96 bytes behind a key id, to register the same key elsewhere (libmongocrypt, @fle-ts/client). */
  material(keyId: Uint8Array): Uint8Array {
    const m = this.#material.get(bytesToHex(keyId));
    if (!m) throw new Error('unknown key id');
    return m;
  }
  /** The key whose id is bytes[offset..offset+16). */
  get(bytes: Uint8Array, offset = 0): AeadKey {
    const last = this.#last;
    if (last) {
      let same = true;
      for (let i = 0; i < 16 && same; i++) same = bytes[offset + i] === this.#lastId[i];
      if (same) return last;
    }
    const id = bytes.subarray(offset, offset + 16);
    const k = this.#keys.get(bytesToHex(id));
    if (!k) throw new Error('unknown key id');
    this.#lastId = id.slice();
    this.#last = k;
    return k;
  }
}

/** Explicit encryption of one value into a BinData 6 blob (libmongocrypt `_mongocrypt_ciphertext_serialize_ciphertext`). */
export function encryptValueLite(keys: LiteKeyCache, keyId: Uint8Array, value: unknown, deterministic: boolean): Binary {
  const { type, bytes } = bsonValue(value);
  const aad = new Uint8Array(18);
  aad[0] = deterministic ? DETERMINISTIC : RANDOM;
  aad.set(keyId, 1);
  aad[17] = type;
  const k = keys.get(keyId, 0);
  const c = deterministic ? k.encryptDeterministic(bytes, aad) : k.encryptRandom(bytes, aad);
  const blob = new Uint8Array(18 + c.length);
  blob.set(aad);
  blob.set(c, 18);
  return new Binary(blob, 6);
}

/** Explicit decryption of one BinData 6 blob back into its value. */
export function decryptValueLite(keys: LiteKeyCache, blob: Binary): unknown {
  const b = blob.buffer;
  const aad = b.subarray(0, 18);
  const plain = keys.get(b, 1).decrypt(b.subarray(18), aad);
  return fromBsonValue(b[17]!, plain);
}

/**
 * Decrypts every BinData 6 FLE1 value of a BSON document, nested documents and arrays
 * included, BSON in and BSON out, in one pass over the bytes as libmongocrypt's
 * `_mongocrypt_transform_binary_in_bson` does: each encrypted element becomes an element of
 * the plaintext's BSON type with the decrypted value bytes; every other element is copied.
 * The output is never longer than the input (a blob always outweighs its value).
 */
export function decryptDocumentLite(keys: LiteKeyCache, bsonBytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bsonBytes.length);
  const end = transformDocument(keys, bsonBytes, 0, out, 0);
  return out.slice(0, end);
}

const i32 = (b: Uint8Array, o: number) => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
function putI32(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}

/** Byte length of a BSON value of `type` at `o` (BSON spec element grammar). */
function valueLength(type: number, b: Uint8Array, o: number): number {
  switch (type) {
    case 0x01: case 0x09: case 0x11: case 0x12: return 8;
    case 0x02: case 0x0d: case 0x0e: return 4 + i32(b, o);
    case 0x03: case 0x04: case 0x0f: return i32(b, o);
    case 0x05: return 5 + i32(b, o);
    case 0x06: case 0x0a: case 0x7f: case 0xff: return 0;
    case 0x07: return 12;
    case 0x08: return 1;
    case 0x0b: { let e = o; while (b[e] !== 0) e++; e++; while (b[e] !== 0) e++; return e + 1 - o; }
    case 0x0c: return 4 + i32(b, o) + 12;
    case 0x10: return 4;
    case 0x13: return 16;
    default: throw new Error(`unknown BSON type 0x${type.toString(16)}`);
  }
}

function transformDocument(keys: LiteKeyCache, b: Uint8Array, start: number, out: Uint8Array, outStart: number): number {
  const docEnd = start + i32(b, start) - 1;
  let i = start + 4;
  let o = outStart + 4;
  while (i < docEnd) {
    const type = b[i]!;
    let nameEnd = i + 1;
    while (b[nameEnd] !== 0) nameEnd++;
    const v = nameEnd + 1;
    const len = valueLength(type, b, v);
    if (type === 0x05 && b[v + 4] === 6 && (b[v + 5] === 1 || b[v + 5] === 2)) {
      const blob = b.subarray(v + 5, v + 5 + i32(b, v));
      const plain = keys.get(blob, 1).decrypt(blob.subarray(18), blob.subarray(0, 18));
      out[o] = blob[17]!;
      out.set(b.subarray(i + 1, v), o + 1);
      o += v - i;
      out.set(plain, o);
      o += plain.length;
    } else if (type === 0x03 || type === 0x04) {
      out.set(b.subarray(i, v), o);
      o = transformDocument(keys, b, v, out, o + (v - i));
    } else {
      out.set(b.subarray(i, v + len), o);
      o += v + len - i;
    }
    i = v + len;
  }
  out[o++] = 0;
  putI32(out, outStart, o - outStart);
  return o;
}
