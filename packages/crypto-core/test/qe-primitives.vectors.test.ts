import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ctr } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  aes256CtrDecrypt,
  aes256CtrEncrypt,
  aes256CtrXor,
  bytesToHex,
  hexToBytes,
  hmacSha256,
  HmacSha256,
  HmacSha256Key,
  qeAeadDecrypt,
  qeAeadEncrypt,
  qeAeadCiphertextLength,
  sha256,
  Sha256,
} from '../src/index.js';

// The QE primitives (sha256.ts, hmac-sha256.ts, aes-ctr.ts, aead-sha256.ts): known answers from their
// standards (vectors/qe-primitives.json, in the repository), then differential runs against noble.
interface Repeat { byte: string; count: number }
interface Vectors {
  sha256: { name: string; message_utf8?: string; message_repeat?: { utf8: string; count: number }; digest: string }[];
  hmac_sha256: { name: string; key?: string; key_utf8?: string; key_repeat?: Repeat; data_utf8?: string; data_repeat?: Repeat; mac: string }[];
  ctr_aes256: { name: string; key: string; counter: string; plaintext: string; ciphertext: string }[];
}
const V = JSON.parse(readFileSync(join(import.meta.dirname, 'vectors', 'qe-primitives.json'), 'utf8')) as Vectors;
const utf8 = (s: string) => new TextEncoder().encode(s);
const rep = (r: Repeat) => new Uint8Array(r.count).fill(parseInt(r.byte, 16));

describe('FIPS 180-4 SHA-256 (sha256.ts)', () => {
  for (const v of V.sha256) {
    it(v.name, () => {
      const m = v.message_repeat ? utf8(v.message_repeat.utf8.repeat(v.message_repeat.count)) : utf8(v.message_utf8!);
      expect(bytesToHex(sha256(m))).toBe(v.digest);
    });
  }
  it('the same digest however the input is split across update() calls (block edges 55/56/63/64)', () => {
    const m = utf8(V.sha256[3]!.message_utf8!);
    for (const cut of [0, 1, 55, 56, 63, 64, 100, m.length]) {
      const out = new Uint8Array(32);
      new Sha256().update(m, 0, cut).update(m, cut).finish(out);
      expect(bytesToHex(out)).toBe(V.sha256[3]!.digest);
    }
  });
  it('equals @noble/hashes sha256 on random inputs (0-300 bytes)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (m) => bytesToHex(sha256(m)) === bytesToHex(nobleSha256(m))), { numRuns: 300 });
  });
});

describe('RFC 4231 HMAC-SHA-256 (hmac-sha256.ts)', () => {
  for (const v of V.hmac_sha256) {
    it(v.name, () => {
      const key = v.key ? hexToBytes(v.key) : v.key_utf8 !== undefined ? utf8(v.key_utf8) : rep(v.key_repeat!);
      const data = v.data_utf8 !== undefined ? utf8(v.data_utf8) : rep(v.data_repeat!);
      expect(bytesToHex(hmacSha256(key, data)).slice(0, v.mac.length)).toBe(v.mac);
    });
  }
  it('a keyed object gives the same MAC on reuse (begin() restarts from the keyed state)', () => {
    const mac = new HmacSha256(utf8('Jefe'));
    const out = new Uint8Array(32);
    for (let i = 0; i < 3; i++) {
      mac.begin().update(utf8('what do ya ')).update(utf8('want for nothing?')).finish(out);
      expect(bytesToHex(out)).toBe(V.hmac_sha256[1]!.mac);
    }
  });
  it('equals @noble/hashes hmac(sha256) on random keys (0-200 bytes) and data', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (k, m) => bytesToHex(hmacSha256(k, m)) === bytesToHex(hmac(nobleSha256, k, m))),
      { numRuns: 300 },
    );
  });
  it('refuses a key that is not bytes with NOT_BYTES', () => {
    expect(() => hmacSha256('key' as unknown as Uint8Array, new Uint8Array(1))).toThrowError(expect.objectContaining({ code: 'NOT_BYTES' }) as Error);
    expect(() => new HmacSha256Key('key' as unknown as Uint8Array)).toThrowError(expect.objectContaining({ code: 'NOT_BYTES' }) as Error);
  });
});

describe('HmacSha256Key: the word-level fast path against the streaming HmacSha256 and noble', () => {
  // Message lengths around the padding boundaries (55/56 bytes: one or two final blocks; 64: a full block).
  const lengths = fc.oneof(fc.integer({ min: 0, max: 200 }), fc.constantFrom(0, 1, 8, 32, 55, 56, 63, 64, 65, 119, 120, 127, 128));
  const streaming = (k: Uint8Array, m: Uint8Array): string => {
    const out = new Uint8Array(32);
    const mac = new HmacSha256(k);
    mac.update(m).finish(out);
    return bytesToHex(out);
  };
  it('one key, several messages at offsets inside a larger buffer: every MAC equals the reference', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 150 }),
        fc.array(fc.tuple(lengths, fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
        (k, msgs) => {
          const key = new HmacSha256Key(k);
          for (const [n, at, fill] of msgs) {
            const buf = new Uint8Array(at + n + 7).map((_, i) => (i * 31 + fill) & 0xff);
            const m = buf.subarray(at, at + n);
            const out = new Uint8Array(40).fill(0xee);
            key.macInto(buf, out, 3, at, n);
            const want = bytesToHex(hmac(nobleSha256, k, m));
            if (bytesToHex(out.subarray(3, 35)) !== want || streaming(k, m) !== want || bytesToHex(key.mac(m)) !== want) return false;
            // Bytes outside the 32 written stay as they were.
            if (out[2] !== 0xee || out[35] !== 0xee) return false;
          }
          key.destroy();
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });
  it('destroy() wipes the keyed states: the next MAC no longer matches', () => {
    const key = new HmacSha256Key(utf8('Jefe'));
    const m = utf8('what do ya want for nothing?');
    expect(bytesToHex(key.mac(m))).toBe(V.hmac_sha256[1]!.mac);
    key.destroy();
    expect(bytesToHex(key.mac(m))).not.toBe(V.hmac_sha256[1]!.mac);
  });
});

describe('NIST SP 800-38A CTR-AES256 (aes-ctr.ts)', () => {
  for (const v of V.ctr_aes256) {
    it(v.name, () => {
      expect(bytesToHex(aes256CtrXor(hexToBytes(v.key), hexToBytes(v.counter), hexToBytes(v.plaintext)))).toBe(v.ciphertext);
      expect(bytesToHex(aes256CtrXor(hexToBytes(v.key), hexToBytes(v.counter), hexToBytes(v.ciphertext)))).toBe(v.plaintext);
      const c = aes256CtrEncrypt(hexToBytes(v.key), hexToBytes(v.counter), hexToBytes(v.plaintext));
      expect(bytesToHex(c)).toBe(v.counter + v.ciphertext);
      expect(bytesToHex(aes256CtrDecrypt(hexToBytes(v.key), c))).toBe(v.plaintext);
    });
  }
  it('the counter carries across all 128 bits (IV ff..ff wraps to 00..00), as noble ctr does', () => {
    const key = new Uint8Array(32).fill(7);
    const iv = new Uint8Array(16).fill(0xff);
    const p = new Uint8Array(48).fill(1);
    expect(bytesToHex(aes256CtrXor(key, iv, p))).toBe(bytesToHex(ctr(key, iv).encrypt(p)));
  });
  it('equals @noble/ciphers ctr on random keys, IVs and lengths 0-100', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 100 }), (k, iv, p) =>
        bytesToHex(aes256CtrXor(k, iv, p)) === bytesToHex(ctr(k, iv).encrypt(p)),
      ),
      { numRuns: 200 },
    );
  });
  it('typed errors: bad key / IV length, empty plaintext, ciphertext shorter than IV + 1', () => {
    const code = (c: string) => expect.objectContaining({ code: c }) as Error;
    expect(() => aes256CtrEncrypt(new Uint8Array(16), new Uint8Array(16), new Uint8Array(1))).toThrowError(code('BAD_KEY_LENGTH'));
    expect(() => aes256CtrEncrypt(new Uint8Array(32), new Uint8Array(8), new Uint8Array(1))).toThrowError(code('BAD_IV_LENGTH'));
    expect(() => aes256CtrEncrypt(new Uint8Array(32), new Uint8Array(16), new Uint8Array(0))).toThrowError(code('EMPTY_PLAINTEXT'));
    expect(() => aes256CtrDecrypt(new Uint8Array(32), new Uint8Array(16))).toThrowError(code('CIPHERTEXT_TOO_SHORT'));
  });
});

describe('AEAD_AES_256_CBC_HMAC_SHA256 and FLE2AEAD (aead-sha256.ts)', () => {
  // An independent composition from noble, straight from the definition (queryable-encryption.md §3).
  function reference(mode: 'cbc' | 'ctr', key: Uint8Array, iv: Uint8Array, aad: Uint8Array, p: Uint8Array): Uint8Array {
    let s: Uint8Array;
    if (mode === 'ctr') s = ctr(key.subarray(0, 32), iv).encrypt(p);
    else {
      const pad = 16 - (p.length % 16);
      const padded = new Uint8Array(p.length + pad).fill(pad);
      padded.set(p);
      s = cbcRef(key.subarray(0, 32), iv, padded);
    }
    const ivs = new Uint8Array(16 + s.length);
    ivs.set(iv);
    ivs.set(s, 16);
    const t = hmac(nobleSha256, key.subarray(32, 64), new Uint8Array([...aad, ...ivs]));
    return new Uint8Array([...ivs, ...t]);
  }
  function cbcRef(k: Uint8Array, iv: Uint8Array, padded: Uint8Array): Uint8Array {
    // CBC built from noble's block cipher: the first CTR keystream block is E(k, counter), so
    // E(k, x) = ctr(k, x).encrypt(16 zero bytes). Independent of aes.ts.
    const out = new Uint8Array(padded.length);
    let prev = iv;
    for (let i = 0; i < padded.length; i += 16) {
      const x = padded.subarray(i, i + 16).map((b, j) => b ^ prev[j]!);
      const c = ctr(k, x).encrypt(new Uint8Array(16));
      out.set(c, i);
      prev = c;
    }
    return out;
  }
  for (const mode of ['cbc', 'ctr'] as const) {
    it(`${mode}: equals a noble composition and round-trips (random key, IV, AAD 0-40, plaintext 1-100)`, () => {
      fc.assert(
        fc.property(
          fc.uint8Array({ minLength: 96, maxLength: 96 }),
          fc.uint8Array({ minLength: 16, maxLength: 16 }),
          fc.uint8Array({ maxLength: 40 }),
          fc.uint8Array({ minLength: 1, maxLength: 100 }),
          (k, iv, aad, p) => {
            const c = qeAeadEncrypt(mode, k, iv, aad, p);
            return (
              c.length === qeAeadCiphertextLength(mode, p.length) &&
              bytesToHex(c) === bytesToHex(reference(mode, k, iv, aad, p)) &&
              bytesToHex(qeAeadDecrypt(mode, k, aad, c)) === bytesToHex(p)
            );
          },
        ),
        { numRuns: 150 },
      );
    });
    it(`${mode}: any flipped bit, other AAD or other key is HMAC_MISMATCH (nothing decrypted)`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 96, maxLength: 96 }), fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.nat(), (k, p, n) => {
          const aad = new Uint8Array([1, 2, 3]);
          const c = qeAeadEncrypt(mode, k, new Uint8Array(16).fill(9), aad, p);
          const bad = new Uint8Array(c);
          bad[n % bad.length]! ^= 1 << n % 8;
          const code = (f: () => unknown) => {
            try {
              f();
              return 'none';
            } catch (e) {
              return (e as { code?: string }).code;
            }
          };
          const otherKey = new Uint8Array(k);
          otherKey[40]! ^= 1;
          return (
            code(() => qeAeadDecrypt(mode, k, aad, bad)) === 'HMAC_MISMATCH' &&
            code(() => qeAeadDecrypt(mode, k, new Uint8Array([1, 2]), c)) === 'HMAC_MISMATCH' &&
            code(() => qeAeadDecrypt(mode, otherKey, aad, c)) === 'HMAC_MISMATCH'
          );
        }),
        { numRuns: 100 },
      );
    });
  }
  it('typed errors: key length, IV length, empty plaintext, too short', () => {
    const code = (c: string) => expect.objectContaining({ code: c }) as Error;
    const k = new Uint8Array(96);
    expect(() => qeAeadEncrypt('cbc', new Uint8Array(64), new Uint8Array(16), new Uint8Array(0), new Uint8Array(1))).toThrowError(code('BAD_KEY_LENGTH'));
    expect(() => qeAeadEncrypt('cbc', k, new Uint8Array(15), new Uint8Array(0), new Uint8Array(1))).toThrowError(code('BAD_IV_LENGTH'));
    expect(() => qeAeadEncrypt('cbc', k, new Uint8Array(16), new Uint8Array(0), new Uint8Array(0))).toThrowError(code('EMPTY_PLAINTEXT'));
    expect(() => qeAeadDecrypt('cbc', k, new Uint8Array(0), new Uint8Array(63))).toThrowError(code('CIPHERTEXT_TOO_SHORT'));
    expect(() => qeAeadDecrypt('ctr', k, new Uint8Array(0), new Uint8Array(48))).toThrowError(code('CIPHERTEXT_TOO_SHORT'));
  });
  it('cbc: an authentic ciphertext whose S is not whole blocks is BAD_CIPHERTEXT_LENGTH, a pad byte > 16 BAD_PADDING', () => {
    const k = new Uint8Array(96).fill(3);
    const aad = new Uint8Array(2);
    // Authentic by construction: re-tag a CTR ciphertext (17 bytes of S) and a CBC block ending in 0x20.
    const ctrC = qeAeadEncrypt('ctr', k, new Uint8Array(16), aad, new Uint8Array(17));
    expect(() => qeAeadDecrypt('cbc', k, aad, ctrC)).toThrowError(expect.objectContaining({ code: 'BAD_CIPHERTEXT_LENGTH' }) as Error);
    const block = new Uint8Array(16).fill(0x20);
    const s = cbcRef(k.subarray(0, 32), new Uint8Array(16), block);
    const ivs = new Uint8Array([...new Uint8Array(16), ...s]);
    const forged = new Uint8Array([...ivs, ...hmac(nobleSha256, k.subarray(32, 64), new Uint8Array([...aad, ...ivs]))]);
    expect(() => qeAeadDecrypt('cbc', k, aad, forged)).toThrowError(expect.objectContaining({ code: 'BAD_PADDING' }) as Error);
  });
});

describe("libmongocrypt's AEAD_AES_256_CBC_HMAC_SHA256 known answers, repository copy (test-vectors/qe/data/roundtrip)", () => {
  interface Case { name: string; key: string; iv: string; aad: string; plaintext: string; ciphertext?: string; encrypt_error?: string }
  for (const file of ['fle2v2-aead-fixed.json', 'fle2v2-aead-generated.json']) {
    it(`${file}: every case byte for byte (empty plaintext refused)`, () => {
      const cases = JSON.parse(readFileSync(join(import.meta.dirname, '../../../test-vectors/qe/data/roundtrip', file), 'utf8')) as Case[];
      let checked = 0;
      for (const c of cases) {
        const key = hexToBytes(c.key);
        if (c.encrypt_error) {
          expect(() => qeAeadEncrypt('cbc', key, hexToBytes(c.iv), hexToBytes(c.aad), hexToBytes(c.plaintext)), c.name).toThrowError(
            expect.objectContaining({ code: 'EMPTY_PLAINTEXT' }) as Error,
          );
        } else {
          expect(bytesToHex(qeAeadEncrypt('cbc', key, hexToBytes(c.iv), hexToBytes(c.aad), hexToBytes(c.plaintext))), c.name).toBe(c.ciphertext);
          expect(bytesToHex(qeAeadDecrypt('cbc', key, hexToBytes(c.aad), hexToBytes(c.ciphertext!))), c.name).toBe(c.plaintext);
        }
        checked++;
      }
      expect(checked).toBe(file.includes('fixed') ? 3 : 12);
    });
  }
});
