// test-vectors/fle-format/mcoracle-vectors.json: made with the real libmongocrypt by
// scripts/make-fle-format-vectors.mjs and kept in this repository, so these run in every clone
// (no ../shared needed).
import { aeadDecrypt, AeadKey, bytesToHex } from '@fle-ts/crypto-core';
import { Binary, DBRef, EJSON, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { decryptValue, encryptValue, FleFormatError, parseFle1Blob, RawBsonValue } from '../src/index.js';
import { readOwnText } from '../../../scripts/test-support/shared.js';

interface VectorCase {
  name: string;
  value: unknown;
  blob?: Binary;
  algorithm?: string;
  error?: string;
}
interface Vectors {
  master_key_base64: string;
  data_key_material_base64: string;
  key_document: { _id: Binary; keyMaterial: Binary };
  deterministic: VectorCase[];
  random: VectorCase[];
  refused: VectorCase[];
}

const vectors = EJSON.parse(readOwnText('fle-format/mcoracle-vectors.json'), { relaxed: false }) as Vectors;

function bytes(b: Binary): Uint8Array {
  return b.buffer.subarray(0, b.position);
}

/** EJSON reads $dbPointer as a DBRef document; rebuild the real BSON DBPointer. */
function input(c: VectorCase): unknown {
  if (c.name === 'dbPointer') {
    const ref = c.value as DBRef;
    expect(ref).toBeInstanceOf(DBRef);
    // DBRef's constructor splits 'db.coll' into db and collection; join them back.
    return RawBsonValue.dbPointer(ref.db ? `${ref.db}.${ref.collection}` : ref.collection, ref.oid);
  }
  return c.value;
}

function sameValue(actual: unknown, expected: unknown): void {
  if (expected instanceof RawBsonValue) {
    expect(actual).toBeInstanceOf(RawBsonValue);
    expect(bytesToHex((actual as RawBsonValue).bytes)).toBe(bytesToHex(expected.bytes));
  } else {
    expect(bytesToHex(serialize({ v: actual }))).toBe(bytesToHex(serialize({ v: expected })));
  }
}

describe('own libmongocrypt vectors (test-vectors/fle-format/mcoracle-vectors.json)', () => {
  const material = Uint8Array.from(atob(vectors.data_key_material_base64), (c) => c.charCodeAt(0));
  const master = Uint8Array.from(atob(vectors.master_key_base64), (c) => c.charCodeAt(0));
  const key = new AeadKey(material);
  const keyId = vectors.key_document._id;

  it('the key document unwraps (zero master key, no AAD) to the stated material', () => {
    expect(bytesToHex(aeadDecrypt(master, bytes(vectors.key_document.keyMaterial)))).toBe(bytesToHex(material));
  });

  it('deterministic: every value encrypts to exactly libmongocrypt\'s blob and decrypts back', () => {
    expect(vectors.deterministic.length).toBeGreaterThanOrEqual(29);
    for (const c of vectors.deterministic) {
      const v = input(c);
      const ours = encryptValue(key, keyId, 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic', v);
      expect(bytesToHex(bytes(ours)), c.name).toBe(bytesToHex(bytes(c.blob!)));
      sameValue(decryptValue(key, c.blob!), v);
    }
  });

  it('random: every libmongocrypt blob decrypts to its value (all BSON types incl. double NaN/-0, decimal, documents)', () => {
    expect(vectors.random.length).toBeGreaterThanOrEqual(41);
    for (const c of vectors.random) {
      expect(parseFle1Blob(c.blob!).subtype).toBe(2);
      sameValue(decryptValue(key, c.blob!), input(c));
    }
  });

  it('refused: what libmongocrypt refuses, fle-ts refuses with FORBIDDEN_BSON_TYPE', () => {
    expect(vectors.refused.length).toBeGreaterThanOrEqual(22);
    for (const c of vectors.refused) {
      let thrown: unknown;
      try {
        encryptValue(key, keyId, c.algorithm as 'AEAD_AES_256_CBC_HMAC_SHA_512-Random', c.value);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, c.name).toBeInstanceOf(FleFormatError);
      expect((thrown as FleFormatError).code).toBe('FORBIDDEN_BSON_TYPE');
    }
  });
});
