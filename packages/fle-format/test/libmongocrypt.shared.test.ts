// libmongocrypt's own vectors (../shared/test-vectors/libmongocrypt/, README "explicit-decrypt/")
// and the spec's FLE1 known answers (spec-extra/fle1-known-answers.json).
import { AeadKey, bytesToHex, hexToBytes } from '@fle-ts/crypto-core';
import { Binary, EJSON } from 'bson';
import { expect, it } from 'vitest';
import { blobKeyId, decryptValue, encryptValue, parseBlob, parseFle1Blob } from '../src/index.js';
import { describeShared, readSharedJson, readSharedText } from '../../../scripts/test-support/shared.js';

interface Expectation {
  file: string;
  first_byte: number;
  keys_needed: string[];
  expect: unknown;
}

function readBlob(relPath: string): Binary {
  return (EJSON.parse(readSharedText(relPath), { relaxed: false }) as { v: Binary }).v;
}

function keyMaterial(uuidHex: string): AeadKey {
  return new AeadKey(hexToBytes(readSharedText(`libmongocrypt/keys/${uuidHex}-key-material.txt`).trim()));
}

describeShared('libmongocrypt explicit-decrypt/ (fle1-spec.md §4 table)', () => {
  const { cases } = readSharedJson<{ cases: Expectation[] }>('libmongocrypt-explicit-decrypt-expectations.json');

  it('covers all 17 files', () => {
    expect(cases.length).toBe(17);
  });

  for (const c of cases) {
    it(`parseBlob names ${c.file.replace(/^.*\//, '')} by its first byte ${c.first_byte}`, () => {
      const blob = readBlob(c.file);
      const parsed = parseBlob(blob);
      expect(parsed.subtype).toBe(c.first_byte);
      // 'FLE2InsertUpdatePayloadV2-RangeV1.json' is kind FLE2InsertUpdatePayloadV2.
      expect(parsed.kind).toBe(c.file.replace(/^.*\//, '').replace(/\.json$/, '').replace(/-Range(V\d)$/, ''));
      if ('keyId' in parsed) {
        // Kinds with key_uuid at bytes 1..17 name the user key the expectations say is needed.
        const needed = c.keys_needed.map((k) => k.replace(/^.*\//, '').slice(0, 32).toLowerCase());
        expect(needed).toContain(bytesToHex(parsed.keyId));
        expect(bytesToHex(blobKeyId(blob))).toBe(bytesToHex(parsed.keyId));
      }
      if (c.first_byte !== 1 && c.first_byte !== 2) {
        const key = keyMaterial('ABCDEFAB123498761234123456789012');
        expect(() => decryptValue(key, blob)).toThrowError(expect.objectContaining({ code: 'UNSUPPORTED_BLOB_KIND' }) as Error);
        expect(() => parseFle1Blob(blob)).toThrowError(expect.objectContaining({ code: 'UNSUPPORTED_BLOB_KIND' }) as Error);
      }
    });
  }

  it('FLE1DeterministicEncryptedValue and FLE1RandomEncryptedValue decrypt to {v: "foo"}', () => {
    const key = keyMaterial('ABCDEFAB123498761234123456789012');
    for (const f of ['FLE1DeterministicEncryptedValue', 'FLE1RandomEncryptedValue']) {
      const blob = readBlob(`libmongocrypt/explicit-decrypt/${f}.json`);
      expect(bytesToHex(blobKeyId(blob))).toBe('abcdefab123498761234123456789012');
      expect(decryptValue(key, blob)).toBe('foo');
    }
  });

  it('the deterministic one is also an encryption known answer (its IV is the derived IV)', () => {
    const key = keyMaterial('ABCDEFAB123498761234123456789012');
    const blob = readBlob('libmongocrypt/explicit-decrypt/FLE1DeterministicEncryptedValue.json');
    const ours = encryptValue(key, hexToBytes('abcdefab123498761234123456789012'), 'deterministic', 'foo');
    expect(bytesToHex(ours.buffer.subarray(0, ours.position))).toBe(bytesToHex(blob.buffer.subarray(0, blob.position)));
  });

});

describeShared('spec FLE1 known answers (spec-extra/fle1-known-answers.json)', () => {
  const kats = readSharedJson<{
    deterministic: {
      name: string;
      data_key_material_base64?: string;
      data_key_material_hex?: string;
      key_id_base64: string;
      algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
      value: string;
      value_bson_type: number;
      aad_hex: string;
      plaintext_hex: string;
      expected_blob_base64: string;
    }[];
  }>('spec-extra/fle1-known-answers.json');

  for (const k of kats.deterministic) {
    it(k.name, () => {
      const material = k.data_key_material_hex
        ? hexToBytes(k.data_key_material_hex)
        : Uint8Array.from(atob(k.data_key_material_base64!), (ch) => ch.charCodeAt(0));
      const key = new AeadKey(material);
      const keyId = Binary.createFromBase64(k.key_id_base64, 4);
      const blob = encryptValue(key, keyId, k.algorithm, k.value);
      expect(blob.toString('base64')).toBe(k.expected_blob_base64);
      const parsed = parseFle1Blob(blob);
      expect(bytesToHex(parsed.associatedData)).toBe(k.aad_hex);
      expect(parsed.bsonType).toBe(k.value_bson_type);
      expect(decryptValue(key, blob)).toBe(k.value);
    });
  }
});
