// AeadKey.decryptInto (issue 18): decrypt() without allocating, for the bulk BSON walker. Proves
// the same plaintext as decrypt() for any size, AAD and offsets; the same error codes in the
// same order; BAD_RANGE for ranges outside their arrays; nothing left in `out` on a failure.
import { cbc } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AeadKey, FleCryptoError } from '../src/index.js';

const key = new Uint8Array(96).map((_, i) => i * 5 + 1);

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(FleCryptoError);
    return (e as FleCryptoError).code;
  }
  throw new Error('expected a throw');
}

/** `c` placed at `at` in a larger array, with `aad` placed elsewhere in it. */
function embed(c: Uint8Array, aad: Uint8Array, at: number) {
  const buf = new Uint8Array(at + c.length + aad.length + 3).fill(0xa5);
  buf.set(c, at);
  buf.set(aad, at + c.length + 2);
  return { buf, aadAt: at + c.length + 2 };
}

describe('AeadKey.decryptInto', () => {
  it('equals decrypt() for any plaintext, AAD and offsets, and zeroes the padding it wrote', () => {
    const k = new AeadKey(key);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 40 }), fc.nat(20), fc.nat(20), fc.boolean(), (p, aad, at, outAt, det) => {
        const c = det ? k.encryptDeterministic(p, aad) : k.encryptRandom(p, aad);
        const { buf, aadAt } = embed(c, aad, at);
        const out = new Uint8Array(outAt + c.length).fill(0xcc);
        const n = k.decryptInto(buf, at, c.length, buf, aadAt, aad.length, out, outAt);
        expect(n).toBe(p.length);
        expect(out.subarray(outAt, outAt + n)).toEqual(k.decrypt(c, aad));
        expect(out.subarray(outAt + n, outAt + c.length - 48).every((x) => x === 0)).toBe(true); // padding wiped
        expect(out.subarray(0, outAt).every((x) => x === 0xcc)).toBe(true); // nothing before outOffset touched
      }),
      { numRuns: 300 },
    );
  });

  it('same error codes as decrypt(), in the same order; out untouched or wiped on failure', () => {
    const k = new AeadKey(key);
    const aad = new Uint8Array([1, 2, 3]);
    const c = k.encryptRandom(new Uint8Array(20), aad);
    const out = new Uint8Array(200);
    expect(code(() => k.decryptInto(c, 0, 63, aad, 0, 3, out, 0))).toBe('CIPHERTEXT_TOO_SHORT');
    const tampered = c.slice();
    tampered[20]! ^= 1;
    expect(code(() => k.decryptInto(tampered, 0, c.length, aad, 0, 3, out, 0))).toBe('HMAC_MISMATCH');
    expect(code(() => k.decrypt(tampered, aad))).toBe('HMAC_MISMATCH');
    expect(code(() => k.decryptInto(c, 0, c.length, aad, 0, 2, out, 0))).toBe('HMAC_MISMATCH'); // shorter AAD
    expect(out.every((x) => x === 0)).toBe(true);
    // Valid tags over bad S, made by hand (as aead.errors.test.ts): alignment, then padding.
    const iv = new Uint8Array(16).fill(7);
    const withTag = (ivAndS: Uint8Array) => {
      const t = hmac(sha512, key.subarray(0, 32), new Uint8Array([...ivAndS, 0, 0, 0, 0, 0, 0, 0, 0])).subarray(0, 32);
      return new Uint8Array([...ivAndS, ...t]);
    };
    const unaligned = withTag(new Uint8Array([...iv, ...new Uint8Array(17)]));
    expect(code(() => k.decryptInto(unaligned, 0, unaligned.length, aad, 0, 0, out, 0))).toBe('BAD_CIPHERTEXT_LENGTH');
    const s = cbc(key.subarray(32, 64), iv, { disablePadding: true }).encrypt(new Uint8Array([9, 9, 9, ...new Uint8Array(12), 0]));
    const badPad = withTag(new Uint8Array([...iv, ...s]));
    out.fill(0x11);
    expect(code(() => k.decryptInto(badPad, 0, badPad.length, aad, 0, 0, out, 4))).toBe('BAD_PADDING');
    expect(code(() => k.decrypt(badPad))).toBe('BAD_PADDING');
    expect(out.subarray(4, 20).every((x) => x === 0)).toBe(true); // the decrypted block was wiped
  });

  it('BAD_RANGE for a range outside its array, NOT_BYTES and KEY_DESTROYED as decrypt()', () => {
    const k = new AeadKey(key);
    const c = k.encryptRandom(new Uint8Array(5));
    const out = new Uint8Array(16);
    expect(code(() => k.decryptInto(c, 1, c.length, c, 0, 0, out, 0))).toBe('BAD_RANGE');
    expect(code(() => k.decryptInto(c, -1, c.length, c, 0, 0, out, 0))).toBe('BAD_RANGE');
    expect(code(() => k.decryptInto(c, 0.5, 64, c, 0, 0, out, 0))).toBe('BAD_RANGE');
    expect(code(() => k.decryptInto(c, 0, c.length, c, 60, 10, out, 0))).toBe('BAD_RANGE');
    expect(code(() => k.decryptInto(c, 0, c.length, c, 0, 0, out, 1))).toBe('BAD_RANGE'); // no room for 16 bytes
    expect(code(() => k.decryptInto(c, 0, c.length, c, 0, 0, 'x' as unknown as Uint8Array, 0))).toBe('NOT_BYTES');
    expect(k.decryptInto(c, 0, c.length, c, 0, 0, out, 0)).toBe(5);
    k.destroy();
    expect(code(() => k.decryptInto(c, 0, c.length, c, 0, 0, out, 0))).toBe('KEY_DESTROYED');
  });
});
