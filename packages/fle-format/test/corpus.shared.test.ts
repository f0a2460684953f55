// The driver spec corpus (spec tests/README.md §6), restricted to the kms "local" cases that run offline
// (../shared/test-vectors/README.md "spec-corpus/").
import { aeadDecrypt, AeadKey, bytesToHex, FleCryptoError } from '@fle-ts/crypto-core';
import { Binary, DBRef, deserialize, EJSON, serialize } from 'bson';
import { expect, it } from 'vitest';
import { decryptBsonDocument, decryptValue, encryptValue, EXACT_DESERIALIZE_OPTIONS, FleFormatError, fle1KeyIdsInBson, parseFle1Blob, RawBsonValue } from '../src/index.js';
import { describeShared, readSharedJson, readSharedText } from '../../../scripts/test-support/shared.js';

interface Case {
  kms: string;
  type: string;
  algo: 'det' | 'rand';
  method: string;
  identifier: string;
  allowed: boolean;
  value: unknown;
}

// The spec's LOCAL_MASTERKEY, base64-decoded once (test-vectors/README.md "The two local master keys").
const MASTER_KEY_B64 =
  'Mng0NCt4ZHVUYUJCa1kxNkVyNUR1QURhZ2h2UzR2d2RrZzh0cFBwM3R6NmdWMDFBMUN3YkQ5aXRRMkhGRGdQV09wOGVNYUMxT2k3NjZKelhaQmRCZGJkTXVyZG9uSjFk';
const ALGORITHMS = {
  det: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic',
  rand: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random',
} as const;

function loadCases(): { plain: [string, Case][]; encrypted: Record<string, Case>; key: AeadKey; keyId: Binary; dataKeyHex: string } {
  const plainDoc = EJSON.parse(readSharedText('spec-corpus/corpus.json'), { relaxed: false }) as Record<string, unknown>;
  const encrypted = EJSON.parse(readSharedText('spec-corpus/corpus-encrypted.json'), { relaxed: false }) as Record<string, Case>;
  const keyDoc = EJSON.parse(readSharedText('spec-corpus/corpus-key-local.json'), { relaxed: false }) as {
    _id: Binary;
    keyMaterial: Binary;
  };
  // Unwrap (fle1-spec.md §5): FLE1 AEAD decryption with the master key and no AAD.
  const master = Uint8Array.from(atob(MASTER_KEY_B64), (c) => c.charCodeAt(0));
  const dataKey = aeadDecrypt(master, keyDoc.keyMaterial.buffer.subarray(0, keyDoc.keyMaterial.position));
  const plain = Object.entries(plainDoc).filter(
    (e): e is [string, Case] => typeof e[1] === 'object' && e[1] !== null && (e[1] as Case).kms === 'local',
  );
  return { plain, encrypted, key: new AeadKey(dataKey), keyId: keyDoc._id, dataKeyHex: bytesToHex(dataKey) };
}

/** corpus.json's $dbPointer reads as a DBRef (db + collection split on '.'); rebuild the BSON DBPointer. */
function dbPointerOf(v: unknown): RawBsonValue {
  expect(v).toBeInstanceOf(DBRef);
  const ref = v as DBRef;
  return RawBsonValue.dbPointer(ref.db ? `${ref.db}.${ref.collection}` : ref.collection, ref.oid);
}

function valueBytes(v: unknown): string {
  return bytesToHex(serialize({ v }));
}

describeShared('spec corpus, local key (spec tests/README.md §6)', () => {
  const { plain, encrypted, key, keyId, dataKeyHex } = loadCases();

  it('has the 170 local cases and the unwrapped corpus key (fle1-known-answers.json key_unwrap)', () => {
    expect(plain.length).toBe(170);
    expect(keyId.sub_type).toBe(4);
    const kat = readSharedJson<{ key_unwrap: { document: string; expected_key_material_hex: string }[] }>(
      'spec-extra/fle1-known-answers.json',
    ).key_unwrap.find((k) => k.document === 'spec-corpus/corpus-key-local.json');
    expect(dataKeyHex).toBe(kat?.expected_key_material_hex);
  });

  it('det + allowed: encrypting the corpus value gives exactly the stored blob (dbPointer via RawBsonValue)', () => {
    let checked = 0;
    for (const [name, c] of plain) {
      if (c.algo !== 'det' || !c.allowed) continue;
      const stored = encrypted[name]!.value as Binary;
      const input = c.type === 'dbPointer' ? dbPointerOf(c.value) : c.value;
      const ours = encryptValue(key, keyId, ALGORITHMS.det, input);
      expect(bytesToHex(ours.buffer.subarray(0, ours.position)), name).toBe(bytesToHex(stored.buffer.subarray(0, stored.position)));
      checked++;
    }
    expect(checked).toBe(53); // 50 via bson + the 3 det dbPointer cases via RawBsonValue
  });

  it('every allowed stored blob decrypts to the corpus value (dbPointer: type byte 0x0C, raw bytes)', () => {
    let checked = 0;
    for (const [name, c] of plain) {
      if (!c.allowed) continue;
      const stored = encrypted[name]!.value as Binary;
      const parsed = parseFle1Blob(stored);
      expect(parsed.subtype).toBe(c.algo === 'det' ? 1 : 2);
      const out = decryptValue(key, stored);
      if (c.type === 'dbPointer') {
        expect(parsed.bsonType).toBe(0x0c);
        expect(out).toBeInstanceOf(RawBsonValue);
        expect((out as RawBsonValue).type).toBe(0x0c);
        expect(bytesToHex((out as RawBsonValue).bytes)).toBe(bytesToHex(dbPointerOf(c.value).bytes));
      } else {
        // Byte comparison of {v: value}: keeps Int32/Int64/Double and binary subtypes apart, NaN equal to NaN.
        expect(valueBytes(out), name).toBe(valueBytes(c.value));
      }
      checked++;
    }
    expect(checked).toBe(142);
  });

  it('rand + allowed: our ciphertext differs from the stored one and decrypts to the value', () => {
    let checked = 0;
    for (const [name, c] of plain) {
      if (c.algo !== 'rand' || !c.allowed) continue;
      const stored = encrypted[name]!.value as Binary;
      const input = c.type === 'dbPointer' ? dbPointerOf(c.value) : c.value;
      const ours = encryptValue(key, keyId, ALGORITHMS.rand, input);
      expect(ours.buffer[0]).toBe(2);
      expect(bytesToHex(ours.buffer.subarray(0, ours.position))).not.toBe(bytesToHex(stored.buffer.subarray(0, stored.position)));
      const back = decryptValue(key, ours);
      if (c.type === 'dbPointer') expect(bytesToHex((back as RawBsonValue).bytes)).toBe(bytesToHex((input as RawBsonValue).bytes));
      else expect(valueBytes(back), name).toBe(valueBytes(c.value));
      checked++;
    }
    expect(checked).toBe(89); // 85 via bson + 4 dbPointer
  });

  it('allowed: false: encryption throws FORBIDDEN_BSON_TYPE and the stored value is the plaintext', () => {
    let checked = 0;
    for (const [name, c] of plain) {
      if (c.allowed) continue;
      expect(() => encryptValue(key, keyId, ALGORITHMS[c.algo], c.value), name).toThrowError(
        expect.objectContaining({ code: 'FORBIDDEN_BSON_TYPE' }) as Error,
      );
      try {
        encryptValue(key, keyId, ALGORITHMS[c.algo], c.value);
      } catch (e) {
        expect(e).toBeInstanceOf(FleFormatError);
      }
      expect(valueBytes(encrypted[name]!.value)).toBe(valueBytes(c.value));
      checked++;
    }
    expect(checked).toBe(28);
  });

  it('a flipped byte in a stored blob fails as FleCryptoError HMAC_MISMATCH, not a format error', () => {
    const stored = encrypted['local_string_det_explicit_id']!.value as Binary;
    const bytes = Uint8Array.from(stored.buffer.subarray(0, stored.position));
    bytes[40]! ^= 1;
    expect(() => decryptValue(key, bytes)).toThrowError(FleCryptoError);
    expect(() => decryptValue(key, bytes)).toThrowError(expect.objectContaining({ code: 'HMAC_MISMATCH' }) as Error);
  });

  it('decryptBsonDocument: the whole local corpus document, BSON in and BSON out, gives every corpus value (dbPointer as type 0x0C)', () => {
    const local: Record<string, unknown> = {};
    for (const [name] of plain) local[name] = encrypted[name];
    const bytes = serialize(local);
    expect(fle1KeyIdsInBson(bytes).map(bytesToHex)).toEqual([bytesToHex(keyId.buffer)]);
    const out = decryptBsonDocument(bytes, (id) => {
      expect(bytesToHex(id)).toBe(bytesToHex(keyId.buffer));
      return key;
    });
    const back = deserialize(out, EXACT_DESERIALIZE_OPTIONS) as Record<string, Case>;
    let decrypted = 0;
    for (const [name, c] of plain) {
      // js-bson reads the DBPointer element (0x0C) back as a DBRef, as it does corpus.json's $dbPointer.
      expect(valueBytes(back[name]!.value), name).toBe(valueBytes(c.value));
      expect(back[name]!.allowed).toBe(c.allowed);
      if (c.allowed) decrypted++;
    }
    expect(decrypted).toBe(142);
    // The DBPointer bytes themselves: a one-field document keeps type 0x0C and the exact value.
    const one = decryptBsonDocument(serialize({ v: encrypted['local_dbPointer_rand_explicit_id']!.value }), () => key);
    expect(one[4]).toBe(0x0c);
    expect(bytesToHex(one.subarray(7, one.length - 1))).toBe(bytesToHex(dbPointerOf(plain.find(([n]) => n === 'local_dbPointer_rand_explicit_id')![1].value).bytes));
  });
});
