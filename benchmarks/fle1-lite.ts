// The minimal FLE1 layer over @fle-ts/crypto-core and `bson`, kept as a yardstick beside
// fle-format and the client: the blob of fle1-spec.md section 2 (subtype || key id || BSON type
// || AEAD output, AAD = first 18 bytes) and the BSON value as the plaintext, exactly as
// libmongocrypt builds them. Its output is checked byte for byte against libmongocrypt
// (mcoracle encrypt) before the bulk benchmark.
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
