import { cbc } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { AeadKey, aeadDecrypt, aeadEncrypt, FleCryptoError, FleError } from '../src/index.js';

const key = new Uint8Array(96).map((_, i) => i);

function thrown(fn: () => unknown): FleCryptoError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FleCryptoError);
    expect(e).toBeInstanceOf(FleError);
    return e as FleCryptoError;
  }
  throw new Error('expected a throw');
}

describe('bad input gives typed errors', () => {
  it.each([0, 32, 64, 95, 97, 128])('key of %i bytes: BAD_KEY_LENGTH', (n) => {
    expect(thrown(() => new AeadKey(new Uint8Array(n))).code).toBe('BAD_KEY_LENGTH');
    expect(thrown(() => aeadEncrypt(new Uint8Array(n), new Uint8Array(1))).code).toBe('BAD_KEY_LENGTH');
    expect(thrown(() => aeadDecrypt(new Uint8Array(n), new Uint8Array(64))).code).toBe('BAD_KEY_LENGTH');
  });

  it.each([
    ['a string', 'abc'],
    ['an array', [1, 2, 3]],
    ['null', null],
    ['a number', 7],
    ['an ArrayBuffer', new ArrayBuffer(96)],
  ])('key that is %s: NOT_BYTES', (_, v) => {
    expect(thrown(() => new AeadKey(v as unknown as Uint8Array)).code).toBe('NOT_BYTES');
  });

  it('plaintext, AAD, ciphertext or IV that is not a Uint8Array: NOT_BYTES', () => {
    const k = new AeadKey(key);
    const bad = 'x' as unknown as Uint8Array;
    expect(thrown(() => k.encryptRandom(bad)).code).toBe('NOT_BYTES');
    expect(thrown(() => k.encryptRandom(new Uint8Array(1), bad)).code).toBe('NOT_BYTES');
    expect(thrown(() => k.encrypt(new Uint8Array(1), new Uint8Array(0), bad)).code).toBe('NOT_BYTES');
    expect(thrown(() => k.decrypt(bad)).code).toBe('NOT_BYTES');
  });

  it('IV of the wrong length: BAD_IV_LENGTH', () => {
    expect(thrown(() => new AeadKey(key).encrypt(new Uint8Array(1), new Uint8Array(0), new Uint8Array(15))).code).toBe('BAD_IV_LENGTH');
  });

  it('empty and short ciphertexts: CIPHERTEXT_TOO_SHORT', () => {
    const k = new AeadKey(key);
    expect(thrown(() => k.decrypt(new Uint8Array(0))).code).toBe('CIPHERTEXT_TOO_SHORT');
    expect(thrown(() => k.decrypt(new Uint8Array(63))).code).toBe('CIPHERTEXT_TOO_SHORT');
    expect(thrown(() => k.decrypt(new Uint8Array(64))).code).toBe('HMAC_MISMATCH');
  });

  it('every method of a destroyed AeadKey: KEY_DESTROYED (never an encryption under the wiped, all-zero key)', async () => {
    const k = new AeadKey(key);
    const c = k.encryptRandom(new Uint8Array(5));
    k.destroy();
    const p = new Uint8Array(5);
    expect(thrown(() => k.encryptRandom(p)).code).toBe('KEY_DESTROYED');
    expect(thrown(() => k.encryptDeterministic(p)).code).toBe('KEY_DESTROYED');
    expect(thrown(() => k.encrypt(p, new Uint8Array(0), new Uint8Array(16))).code).toBe('KEY_DESTROYED');
    expect(thrown(() => k.deriveIv(p)).code).toBe('KEY_DESTROYED');
    expect(thrown(() => k.decrypt(c)).code).toBe('KEY_DESTROYED');
    expect(thrown(() => k.exportKeyMaterial()).code).toBe('KEY_DESTROYED');
    await expect(k.encryptAsync(p)).rejects.toMatchObject({ code: 'KEY_DESTROYED' });
    await expect(k.decryptAsync(c)).rejects.toMatchObject({ code: 'KEY_DESTROYED' });
  });

  it('exportKeyMaterial: a copy of the 96 key bytes (QE tokens need bytes 64..95); changing it leaves the key intact', () => {
    const k = new AeadKey(key);
    const m = k.exportKeyMaterial();
    expect(Array.from(m)).toEqual(Array.from(key));
    const c = k.encryptRandom(new Uint8Array([1, 2, 3]));
    m.fill(0);
    expect(Array.from(k.decrypt(c))).toEqual([1, 2, 3]);
    expect(k.exportKeyMaterial()).not.toBe(k.exportKeyMaterial());
  });

  it('errors never carry key or plaintext bytes', () => {
    const secret = new Uint8Array(40).fill(0x41);
    const c = new AeadKey(key).encryptRandom(secret);
    c[20]! ^= 1;
    const e = thrown(() => new AeadKey(key).decrypt(c));
    expect(e.message).not.toMatch(/AAAA|4141|[0-9a-f]{32}/i);
  });
});

describe('after the tag: block alignment and padding (LMC _mongocrypt_do_decryption steps 4-5)', () => {
  // Only a key holder can make these: compute a valid tag by hand over arbitrary IV || S.
  function withTag(ivAndS: Uint8Array): Uint8Array {
    const t = hmac(sha512, key.subarray(0, 32), new Uint8Array([...ivAndS, 0, 0, 0, 0, 0, 0, 0, 0])).subarray(0, 32);
    return new Uint8Array([...ivAndS, ...t]);
  }
  const iv = new Uint8Array(16).fill(7);

  it('an empty plaintext encrypts to 64 bytes and decrypts to empty bytes', () => {
    const k = new AeadKey(key);
    const c = k.encryptRandom(new Uint8Array(0));
    expect(c.length).toBe(64);
    expect(k.decrypt(c)).toEqual(new Uint8Array(0));
  });

  it('S not a multiple of 16 with a valid tag: BAD_CIPHERTEXT_LENGTH', () => {
    const c = withTag(new Uint8Array([...iv, ...new Uint8Array(17)]));
    expect(thrown(() => new AeadKey(key).decrypt(c)).code).toBe('BAD_CIPHERTEXT_LENGTH');
  });

  it.each([
    ['last byte 0', [...new Uint8Array(15), 0]],
    ['last byte 17', [...new Uint8Array(15), 17]],
    ['inconsistent pad bytes', [...new Uint8Array(13), 1, 2, 3]],
  ])('padding with %s and a valid tag: BAD_PADDING', (_, block) => {
    const s = cbc(key.subarray(32, 64), iv, { disablePadding: true }).encrypt(new Uint8Array(block));
    const c = withTag(new Uint8Array([...iv, ...s]));
    expect(thrown(() => new AeadKey(key).decrypt(c)).code).toBe('BAD_PADDING');
  });
});
