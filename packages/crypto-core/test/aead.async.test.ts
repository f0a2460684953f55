import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AeadKey, ASYNC_NATIVE_THRESHOLD, bytesToHex, FleCryptoError, hexToBytes, randomBytes } from '../src/index.js';
import { Aes256Key, cbcEncrypt } from '../src/aes.js';
import { hmacSha512 } from '../src/hmac-sha512.js';
import { describeShared, readSharedJson } from '../../../scripts/test-support/shared.js';
import type { RoundtripCase } from './roundtrip-case.js';

// AeadKey.encryptAsync / decryptAsync: WebCrypto from ASYNC_NATIVE_THRESHOLD bytes on, the
// synchronous path below it and when crypto.subtle is missing. Same bytes, same error codes.

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof FleCryptoError ? e.code : `untyped: ${String(e)}`;
  }
  return 'returned';
}

/** A ciphertext with a valid tag over an arbitrary S (bypassing padding), to reach the post-tag checks. */
function forge(key: Uint8Array, aad: Uint8Array, iv: Uint8Array, s: Uint8Array): Uint8Array {
  const al = new Uint8Array(8);
  new DataView(al.buffer).setUint32(4, aad.length * 8);
  const ivs = new Uint8Array([...iv, ...s]);
  const tag = hmacSha512(key.subarray(0, 32), new Uint8Array([...aad, ...ivs, ...al])).subarray(0, 32);
  return new Uint8Array([...ivs, ...tag]);
}


describeShared('async path: libmongocrypt roundtrip vectors (mcgrew.json)', () => {
  const cases = readSharedJson<RoundtripCase[]>('libmongocrypt/roundtrip/mcgrew.json').filter((c) => c.algo === 'AES-256-CBC/SHA-512-256');
  for (const c of cases) {
    it(`${c.name}: encryptAsync with the given IV and decryptAsync`, async () => {
      const k = new AeadKey(hexToBytes(c.key));
      expect(bytesToHex(await k.encryptAsync(hexToBytes(c.plaintext), hexToBytes(c.aad ?? ''), hexToBytes(c.iv)))).toBe(c.ciphertext.toLowerCase());
      expect(bytesToHex(await k.decryptAsync(hexToBytes(c.ciphertext), hexToBytes(c.aad ?? '')))).toBe(c.plaintext.toLowerCase());
    });
  }
});

describe('[MCGREW 2.4/2.5] async path on WebCrypto gives the sync bytes', () => {
  const sizes = fc.integer({ min: ASYNC_NATIVE_THRESHOLD - 40, max: ASYNC_NATIVE_THRESHOLD + 300 });
  it('fixed IV and deterministic: byte-identical to encrypt / encryptDeterministic; decryptAsync inverts', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 96, maxLength: 96 }), sizes, fc.uint8Array({ maxLength: 40 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), async (key, n, aad, iv) => {
        const k = new AeadKey(key);
        const p = randomBytes(n);
        const fixed = await k.encryptAsync(p, aad, iv);
        expect(bytesToHex(fixed)).toBe(bytesToHex(k.encrypt(p, aad, iv)));
        const det = await k.encryptAsync(p, aad, 'deterministic');
        expect(bytesToHex(det)).toBe(bytesToHex(k.encryptDeterministic(p, aad)));
        expect(bytesToHex(await k.decryptAsync(det, aad))).toBe(bytesToHex(p));
        const rnd = await k.encryptAsync(p, aad);
        expect(bytesToHex(k.decrypt(rnd, aad))).toBe(bytesToHex(p));
      }),
      { numRuns: 25 },
    );
  });

  it('small values take the sync path and still round-trip', async () => {
    const k = new AeadKey(randomBytes(96));
    const p = randomBytes(100);
    expect(await k.decryptAsync(await k.encryptAsync(p, new Uint8Array(3), 'random'), new Uint8Array(3))).toEqual(p);
  });
});

describe('async path errors (same codes and order as decrypt)', () => {
  const key = randomBytes(96);
  const aad = randomBytes(18);
  const big = randomBytes(ASYNC_NATIVE_THRESHOLD + 5);

  it('HMAC_MISMATCH for a flipped ciphertext byte, wrong AAD, wrong key', async () => {
    const k = new AeadKey(key);
    const c = await k.encryptAsync(big, aad);
    const flipped = c.slice();
    flipped[100]! ^= 1;
    expect(await codeOf(k.decryptAsync(flipped, aad))).toBe('HMAC_MISMATCH');
    expect(await codeOf(k.decryptAsync(c, new Uint8Array(1)))).toBe('HMAC_MISMATCH');
    expect(await codeOf(new AeadKey(randomBytes(96)).decryptAsync(c, aad))).toBe('HMAC_MISMATCH');
  });

  it('BAD_CIPHERTEXT_LENGTH for a valid tag over a misaligned S', async () => {
    const c = forge(key, aad, randomBytes(16), randomBytes(ASYNC_NATIVE_THRESHOLD + 3));
    expect(await codeOf(new AeadKey(key).decryptAsync(c, aad))).toBe('BAD_CIPHERTEXT_LENGTH');
    expect(await codeOf(Promise.resolve().then(() => new AeadKey(key).decrypt(c, aad)))).toBe('BAD_CIPHERTEXT_LENGTH');
  });

  it('BAD_PADDING for a valid tag over a bad final pad byte (0 and 17)', async () => {
    for (const last of [0, 17]) {
      const padded = randomBytes(ASYNC_NATIVE_THRESHOLD + 16);
      padded[padded.length - 1] = last;
      const iv = randomBytes(16);
      const s = new Uint8Array(padded.length);
      cbcEncrypt(new Aes256Key(key.subarray(32, 64)), iv, 0, padded, 0, padded.length, s, 0);
      const c = forge(key, aad, iv, s);
      expect(await codeOf(new AeadKey(key).decryptAsync(c, aad))).toBe('BAD_PADDING');
      expect(await codeOf(Promise.resolve().then(() => new AeadKey(key).decrypt(c, aad)))).toBe('BAD_PADDING');
    }
  });

  it('CIPHERTEXT_TOO_SHORT, BAD_IV_LENGTH and NOT_BYTES as in the sync path', async () => {
    const k = new AeadKey(key);
    expect(await codeOf(k.decryptAsync(new Uint8Array(63), aad))).toBe('CIPHERTEXT_TOO_SHORT');
    expect(await codeOf(k.encryptAsync(big, aad, new Uint8Array(15)))).toBe('BAD_IV_LENGTH');
    expect(await codeOf(k.encryptAsync('text' as unknown as Uint8Array, aad))).toBe('NOT_BYTES');
  });
});

describe('async path without WebCrypto', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });
  it('falls back to the sync path with the same bytes when crypto.subtle is missing', async () => {
    const real = globalThis.crypto;
    vi.stubGlobal('crypto', { getRandomValues: real.getRandomValues.bind(real) });
    const key = randomBytes(96);
    const k = new AeadKey(key);
    const p = randomBytes(ASYNC_NATIVE_THRESHOLD * 2);
    const aad = randomBytes(5);
    const det = await k.encryptAsync(p, aad, 'deterministic');
    vi.unstubAllGlobals();
    expect(bytesToHex(det)).toBe(bytesToHex(new AeadKey(key).encryptDeterministic(p, aad)));
    expect(bytesToHex(await k.decryptAsync(det, aad))).toBe(bytesToHex(p));
  });
});
