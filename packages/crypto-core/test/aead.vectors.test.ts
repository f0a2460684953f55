import { expect, it } from 'vitest';
import { AeadKey, aeadDecrypt, aeadEncrypt, bytesToHex, hexToBytes } from '../src/index.js';
import { describeShared, readSharedJson } from '../../../scripts/test-support/shared.js';
import type { RoundtripCase } from './roundtrip-case.js';


// [MCGREW 5.4] in libmongocrypt's form: test/data/roundtrip/mcgrew.json, run like `_test_roundtrip`.
describeShared('libmongocrypt roundtrip vectors (AES-256-CBC/SHA-512-256)', () => {
  const files = ['libmongocrypt/roundtrip/mcgrew.json'];
  const cases = files.flatMap((f) => readSharedJson<RoundtripCase[]>(f)).filter((c) => c.algo === 'AES-256-CBC/SHA-512-256');

  it('has at least the mcgrew case', () => {
    expect(cases.length).toBeGreaterThanOrEqual(1);
  });

  for (const c of cases) {
    it(`${c.name}: encrypt with the given IV gives the ciphertext byte for byte`, () => {
      const out = new AeadKey(hexToBytes(c.key)).encrypt(hexToBytes(c.plaintext), hexToBytes(c.aad ?? ''), hexToBytes(c.iv));
      expect(bytesToHex(out)).toBe(c.ciphertext.toLowerCase());
      expect(bytesToHex(aeadEncrypt(hexToBytes(c.key), hexToBytes(c.plaintext), { aad: hexToBytes(c.aad ?? ''), iv: hexToBytes(c.iv) }))).toBe(
        c.ciphertext.toLowerCase(),
      );
    });
    it(`${c.name}: decrypt gives the plaintext`, () => {
      expect(bytesToHex(aeadDecrypt(hexToBytes(c.key), hexToBytes(c.ciphertext), hexToBytes(c.aad ?? '')))).toBe(c.plaintext.toLowerCase());
    });
  }
});

interface IetfVector {
  K: string;
  P: string;
  IV: string;
  A: string;
  C: string;
  T: string;
  mongodb_fle1_form: { key96: string; iv: string; aad: string; plaintext: string; ciphertext: string };
}

describeShared('draft-mcgrew-aead-aes-cbc-hmac-sha2-05 section 5.4', () => {
  const v = readSharedJson<IetfVector>('ietf-aead-aes-256-cbc-hmac-sha-512.json');

  it('the 64-byte K followed by any IV key gives C = IV || E || T (the IV key only feeds derivation)', () => {
    const ivKey = new Uint8Array(32).fill(0xa5);
    const key = hexToBytes(v.K + bytesToHex(ivKey));
    const out = new AeadKey(key).encrypt(hexToBytes(v.P), hexToBytes(v.A), hexToBytes(v.IV));
    expect(bytesToHex(out)).toBe(v.C);
    expect(bytesToHex(out.subarray(out.length - 32))).toBe(v.T);
  });

  it('the MongoDB 96-byte form decrypts', () => {
    const f = v.mongodb_fle1_form;
    expect(bytesToHex(aeadDecrypt(hexToBytes(f.key96), hexToBytes(f.ciphertext), hexToBytes(f.aad)))).toBe(f.plaintext);
  });
});

interface DeterministicKat {
  name: string;
  data_key_material_base64?: string;
  data_key_material_hex?: string;
  aad_hex: string;
  plaintext_hex: string;
  iv_hex: string;
  expected_blob_base64: string;
}

const fromBase64 = (b64: string): Uint8Array => Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));

// Deterministic IV = HMAC-SHA-512(IV key, AAD || AL || P)[0..16) (fle1-spec.md section 1); the blob after its
// 18-byte header is the AEAD output (section 2).
describeShared('deterministic encryption known answers (spec-extra/fle1-known-answers.json)', () => {
  const kats = readSharedJson<{ deterministic: DeterministicKat[] }>('spec-extra/fle1-known-answers.json').deterministic;
  it('has the two spec cases', () => {
    expect(kats.length).toBe(2);
  });
  for (const kat of kats) {
    it(kat.name, () => {
      const key = kat.data_key_material_hex ? hexToBytes(kat.data_key_material_hex) : fromBase64(kat.data_key_material_base64!);
      const k = new AeadKey(key);
      const aad = hexToBytes(kat.aad_hex);
      const plaintext = hexToBytes(kat.plaintext_hex);
      expect(bytesToHex(k.deriveIv(plaintext, aad))).toBe(kat.iv_hex);
      const blob = fromBase64(kat.expected_blob_base64);
      expect(bytesToHex(k.encryptDeterministic(plaintext, aad))).toBe(bytesToHex(blob.subarray(18)));
      expect(bytesToHex(k.decrypt(blob.subarray(18), aad))).toBe(kat.plaintext_hex);
    });
  }
});
