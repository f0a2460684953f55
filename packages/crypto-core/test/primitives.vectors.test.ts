import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { cbc } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 as nobleSha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../src/index.js';
import { Aes256Key, cbcDecrypt, cbcEncrypt } from '../src/aes.js';
import { HmacSha512, hmacSha512 } from '../src/hmac-sha512.js';
import { sha512, Sha512 } from '../src/sha512.js';
import { randomInto } from '../src/random-pool.js';

// The hot-path primitives fle-ts carries instead of calling noble per value (aes.ts, sha512.ts,
// hmac-sha512.ts): known answers from their standards, then differential runs against noble.
interface Vectors {
  aes256_block: { name: string; key: string; plaintext: string; ciphertext: string }[];
  cbc_aes256: { name: string; key: string; iv: string; plaintext: string; ciphertext: string }[];
  sha512: { name: string; message_utf8: string; digest: string }[];
  hmac_sha512: { name: string; key?: string; key_repeat?: { byte: string; count: number }; data?: string; data_utf8?: string; mac: string }[];
}
const V = JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', 'primitives.json'), 'utf8')) as Vectors;
const utf8 = (s: string) => new TextEncoder().encode(s);

function cbcEnc(key: Uint8Array, iv: Uint8Array, p: Uint8Array): Uint8Array {
  const out = new Uint8Array(p.length);
  cbcEncrypt(new Aes256Key(key), iv, 0, p, 0, p.length, out, 0);
  return out;
}
function cbcDec(key: Uint8Array, iv: Uint8Array, c: Uint8Array): Uint8Array {
  const out = new Uint8Array(c.length);
  cbcDecrypt(new Aes256Key(key), iv, 0, c, 0, c.length, out, 0);
  return out;
}

describe('FIPS-197 AES-256 (aes.ts)', () => {
  for (const v of V.aes256_block) {
    it(`${v.name}: one block (CBC with a zero IV is the bare cipher)`, () => {
      const zero = new Uint8Array(16);
      expect(bytesToHex(cbcEnc(hexToBytes(v.key), zero, hexToBytes(v.plaintext)))).toBe(v.ciphertext);
      expect(bytesToHex(cbcDec(hexToBytes(v.key), zero, hexToBytes(v.ciphertext)))).toBe(v.plaintext);
    });
  }
  it('rejects a key that is not 32 bytes', () => {
    expect(() => new Aes256Key(new Uint8Array(16))).toThrow(RangeError);
  });
  it('destroy() zeroes both schedules', () => {
    const k = new Aes256Key(new Uint8Array(32).fill(1));
    k.destroy();
    expect(k.enc.every((w) => w === 0) && k.dec.every((w) => w === 0)).toBe(true);
  });
});

describe('NIST SP 800-38A F.2.5 / F.2.6 CBC-AES256 (aes.ts)', () => {
  for (const v of V.cbc_aes256) {
    it(`${v.name}`, () => {
      expect(bytesToHex(cbcEnc(hexToBytes(v.key), hexToBytes(v.iv), hexToBytes(v.plaintext)))).toBe(v.ciphertext);
      expect(bytesToHex(cbcDec(hexToBytes(v.key), hexToBytes(v.iv), hexToBytes(v.ciphertext)))).toBe(v.plaintext);
    });
    it(`${v.name}: in place, at offsets`, () => {
      const buf = new Uint8Array(7 + 16 + 64);
      buf.set(hexToBytes(v.iv), 7);
      buf.set(hexToBytes(v.plaintext), 23);
      cbcEncrypt(new Aes256Key(hexToBytes(v.key)), buf, 7, buf, 23, 64, buf, 23);
      expect(bytesToHex(buf.subarray(23))).toBe(v.ciphertext);
    });
  }
});

describe('FIPS 180-4 SHA-512 (sha512.ts)', () => {
  for (const v of V.sha512) {
    it(v.name, () => {
      expect(bytesToHex(sha512(utf8(v.message_utf8)))).toBe(v.digest);
    });
  }
  it('the same digest however the input is split across update() calls', () => {
    const m = utf8(V.sha512[2]!.message_utf8);
    for (const cut of [0, 1, 55, 111, 112]) {
      const out = new Uint8Array(64);
      new Sha512().update(m, 0, cut).update(m, cut).finish(out);
      expect(bytesToHex(out)).toBe(V.sha512[2]!.digest);
    }
  });
});

describe('RFC 4231 HMAC-SHA-512 (hmac-sha512.ts)', () => {
  for (const v of V.hmac_sha512) {
    it(v.name, () => {
      const key = v.key !== undefined ? hexToBytes(v.key) : new Uint8Array(v.key_repeat!.count).fill(parseInt(v.key_repeat!.byte, 16));
      const data = v.data !== undefined ? hexToBytes(v.data) : utf8(v.data_utf8!);
      expect(bytesToHex(hmacSha512(key, data))).toBe(v.mac);
      // The keyed state is reused: a second MAC from the same object gives the same answer.
      const mac = new HmacSha512(key);
      const out = new Uint8Array(64);
      mac.begin().update(utf8('something else')).finish(out);
      mac.begin().update(data).finish(out);
      expect(bytesToHex(out)).toBe(v.mac);
    });
  }
});

describe('differential against noble (random inputs)', () => {
  const RUNS = 300;
  it('SHA-512 equals noble sha512', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 700 }), fc.nat(700), (m, cut) => {
        const out = new Uint8Array(64);
        const c = Math.min(cut, m.length);
        new Sha512().update(m, 0, c).update(m, c).finish(out);
        expect(bytesToHex(out)).toBe(bytesToHex(nobleSha512(m)));
      }),
      { numRuns: RUNS },
    );
  });
  it('HMAC-SHA-512 equals noble hmac(sha512) for any key length', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.uint8Array({ maxLength: 600 }), (key, m) => {
        expect(bytesToHex(hmacSha512(key, m))).toBe(bytesToHex(hmac(nobleSha512, key, m)));
      }),
      { numRuns: RUNS },
    );
  });
  it('HMAC-SHA-512 tag3/verify3 (words written directly, no byte buffer) equal noble hmac over a || b-slice || c', () => {
    // Every padding case of finishWords: the fill ends before, at and after byte 112, on and
    // off word boundaries, and the parts straddle block boundaries at every alignment.
    const cut = (n: number) => fc.uint8Array({ maxLength: n });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 140 }), cut(60), cut(400), fc.nat(400), fc.nat(400), cut(20), fc.nat(64), (key, a, b, o1, o2, c, len) => {
        const from = Math.min(o1, b.length);
        const count = Math.min(o2, b.length - from);
        const msg = new Uint8Array([...a, ...b.subarray(from, from + count), ...c]);
        const want = hmac(nobleSha512, key, msg);
        const mac = new HmacSha512(key);
        const out = new Uint8Array(70);
        const aa = new Uint8Array([0xee, 0xee, ...a, 0xee]); // the first part at an offset too
        mac.tag3(aa, 2, a.length, b, from, count, c, out, 3, len);
        expect(bytesToHex(out.subarray(3, 3 + len))).toBe(bytesToHex(want.subarray(0, len)));
        const words = len & ~3;
        const expected = new Uint8Array([9, ...want]);
        expect(mac.verify3(aa, 2, a.length, b, from, count, c, expected, 1, words)).toBe(true);
        if (words > 0) {
          expected[1 + ((len * 7) % words)]! ^= 1 << (len & 7);
          expect(mac.verify3(aa, 2, a.length, b, from, count, c, expected, 1, words)).toBe(false);
        }
      }),
      { numRuns: 1000 },
    );
    // Lengths exactly at the padding boundaries, deterministically.
    const key = new Uint8Array(32).fill(7);
    const mac = new HmacSha512(key);
    for (let n = 100; n <= 260; n++) {
      const m = new Uint8Array(n).map((_, i) => i * 31);
      const out = new Uint8Array(64);
      mac.tag3(m, 0, 5, m, 5, n - 5, new Uint8Array(0), out, 0, 64);
      expect(bytesToHex(out)).toBe(bytesToHex(hmac(nobleSha512, key, m)));
    }
  });
  it('AES-256-CBC encrypt and decrypt equal noble cbc() without padding', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.integer({ min: 0, max: 40 }).chain((blocks) => fc.uint8Array({ minLength: 16 * blocks, maxLength: 16 * blocks })),
        (key, iv, p) => {
          const c = cbcEnc(key, iv, p);
          expect(bytesToHex(c)).toBe(bytesToHex(cbc(key, iv, { disablePadding: true }).encrypt(p)));
          expect(bytesToHex(cbcDec(key, iv, c))).toBe(bytesToHex(p));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('random IV pool (random-pool.ts)', () => {
  it('hands out distinct 16-byte IVs across pool refills', () => {
    const seen = new Set<string>();
    const iv = new Uint8Array(16);
    for (let i = 0; i < 1000; i++) {
      randomInto(iv, 0, 16);
      seen.add(bytesToHex(iv));
    }
    expect(seen.size).toBe(1000);
  });
});
