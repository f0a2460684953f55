import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AeadKey, aeadDecrypt, aeadEncrypt, ciphertextLength, FleCryptoError, KEY_LENGTH } from '../src/index.js';

const RUNS = 1000;
const key96 = fc.uint8Array({ minLength: KEY_LENGTH, maxLength: KEY_LENGTH });
const aadArb = fc.uint8Array({ maxLength: 64 });
// Mostly small values (real fields), sometimes up to 64 KiB.
const plaintextArb = fc.oneof(
  { weight: 9, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 65536 }).map((n) => globalThis.crypto.getRandomValues(new Uint8Array(Math.min(n, 65536)))) },
);

/**
 * Byte equality without vitest's deep-equality walk (toEqual over 64 KiB arrays cost ~35 s of
 * this suite): lengths first, then a loop that reports the first differing index.
 */
function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  if (actual.length !== expected.length) expect.fail(`length ${actual.length}, expected ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    if (actual[i] !== expected[i]) expect.fail(`bytes differ first at index ${i}: ${actual[i]} vs ${expected[i]} (length ${actual.length})`);
  }
}

/** True when both arrays hold the same bytes. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof FleCryptoError) return e.code;
    return `untyped: ${String(e)}`;
  }
  return 'returned';
}

describe('[MCGREW 2.4/2.5] round trip', () => {
  it('random IV: decrypt(encrypt(p)) = p, output length = 16 + 16*(floor(len/16)+1) + 32', () => {
    fc.assert(
      fc.property(key96, plaintextArb, aadArb, (key, p, aad) => {
        const k = new AeadKey(key);
        const c = k.encryptRandom(p, aad);
        expect(c.length).toBe(ciphertextLength(p.length));
        expect(c.length).toBe(16 + 16 * (Math.floor(p.length / 16) + 1) + 32);
        expectSameBytes(k.decrypt(c, aad), p);
      }),
      { numRuns: RUNS },
    );
  });

  it('deterministic IV: round trip through the one-shot functions', () => {
    fc.assert(
      fc.property(key96, plaintextArb, aadArb, (key, p, aad) => {
        const c = aeadEncrypt(key, p, { aad, deterministic: true });
        expectSameBytes(aeadDecrypt(key, c, aad), p);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('deterministic mode (LMC _mongocrypt_calculate_deterministic_iv)', () => {
  it('equal input gives equal output', () => {
    fc.assert(
      fc.property(key96, fc.uint8Array({ maxLength: 300 }), aadArb, (key, p, aad) => {
        expectSameBytes(new AeadKey(key).encryptDeterministic(p, aad), new AeadKey(key.slice()).encryptDeterministic(p.slice(), aad.slice()));
      }),
      { numRuns: RUNS },
    );
  });

  it('a different key, AAD or plaintext gives a different output', () => {
    const which = fc.constantFrom('key', 'aad', 'plaintext');
    fc.assert(
      fc.property(key96, fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), which, fc.nat(), (key, p, aad, w, pos) => {
        const base = new AeadKey(key).encryptDeterministic(p, aad);
        const flip = (b: Uint8Array): Uint8Array => {
          const c = b.slice();
          c[pos % c.length]! ^= 1 << (pos % 8);
          return c;
        };
        // Flip a bit in the MAC key or IV key half too, not only the encryption key.
        const other =
          w === 'key'
            ? new AeadKey(flip(key)).encryptDeterministic(p, aad)
            : w === 'aad'
              ? new AeadKey(key).encryptDeterministic(p, flip(aad))
              : new AeadKey(key).encryptDeterministic(flip(p), aad);
        expect(sameBytes(other, base), 'outputs must differ').toBe(false);
      }),
      { numRuns: RUNS },
    );
  });

  it('random mode gives a different output each time', () => {
    fc.assert(
      fc.property(key96, fc.uint8Array({ maxLength: 64 }), (key, p) => {
        const k = new AeadKey(key);
        expect(sameBytes(k.encryptRandom(p), k.encryptRandom(p)), 'outputs must differ').toBe(false);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('tamper detection: MAC checked before any decryption', () => {
  it('flipping any single bit of the output makes decrypt throw HMAC_MISMATCH', () => {
    fc.assert(
      fc.property(key96, fc.uint8Array({ maxLength: 200 }), aadArb, fc.nat(), fc.boolean(), (key, p, aad, pos, det) => {
        const k = new AeadKey(key);
        const c = det ? k.encryptDeterministic(p, aad) : k.encryptRandom(p, aad);
        const bit = pos % (c.length * 8);
        c[bit >> 3]! ^= 1 << (bit & 7);
        expect(codeOf(() => k.decrypt(c, aad))).toBe('HMAC_MISMATCH');
      }),
      { numRuns: RUNS },
    );
  });

  it('flipping a bit of the AAD makes decrypt throw HMAC_MISMATCH', () => {
    fc.assert(
      fc.property(key96, fc.uint8Array({ maxLength: 100 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), (key, p, aad, pos) => {
        const k = new AeadKey(key);
        const c = k.encryptRandom(p, aad);
        const bad = aad.slice();
        bad[pos % bad.length]! ^= 0x80;
        expect(codeOf(() => k.decrypt(c, bad))).toBe('HMAC_MISMATCH');
      }),
      { numRuns: RUNS },
    );
  });

  it('truncating the output makes decrypt throw CIPHERTEXT_TOO_SHORT or HMAC_MISMATCH', () => {
    fc.assert(
      fc.property(key96, fc.uint8Array({ maxLength: 200 }), fc.nat(), (key, p, cut) => {
        const k = new AeadKey(key);
        const c = k.encryptRandom(p);
        const len = cut % c.length; // 0 .. c.length - 1
        const code = codeOf(() => k.decrypt(c.subarray(0, len)));
        expect(code).toBe(len < 64 ? 'CIPHERTEXT_TOO_SHORT' : 'HMAC_MISMATCH');
      }),
      { numRuns: RUNS },
    );
  });

  it('a wrong key makes decrypt throw HMAC_MISMATCH', () => {
    fc.assert(
      fc.property(key96, key96, fc.uint8Array({ maxLength: 100 }), (a, b, p) => {
        fc.pre(!a.subarray(0, 32).every((x, i) => x === b[i]));
        expect(codeOf(() => new AeadKey(b).decrypt(new AeadKey(a).encryptRandom(p)))).toBe('HMAC_MISMATCH');
      }),
      { numRuns: RUNS },
    );
  });
});

describe('the byte comparison these properties use', () => {
  it('fails on a different byte (naming its index) or length, passes on equal bytes', () => {
    expect(() => expectSameBytes(new Uint8Array([1, 2, 3]), new Uint8Array([1, 9, 3]))).toThrow(/index 1/);
    expect(() => expectSameBytes(new Uint8Array(3), new Uint8Array(4))).toThrow(/length 3, expected 4/);
    expect(() => expectSameBytes(new Uint8Array([7, 8]), new Uint8Array([7, 8]))).not.toThrow();
    expect(sameBytes(new Uint8Array([1]), new Uint8Array([2]))).toBe(false);
    expect(sameBytes(new Uint8Array([1]), new Uint8Array([1, 0]))).toBe(false);
    expect(sameBytes(new Uint8Array([5, 6]), new Uint8Array([5, 6]))).toBe(true);
  });
});
