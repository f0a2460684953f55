// Scratch and temporary buffers that once held key material are wiped (issue 11 items 11, 12;
// STYLE.md "Wipe what held a secret, including scratch space").
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AeadKey } from '../src/index.js';
import { hmacSha512 } from '../src/hmac-sha512.js';
import { scheduleScratchForTest, sha512 } from '../src/sha512.js';
import { SubtleAead } from '../src/subtle-aead.js';

const KEY = Uint8Array.from({ length: 96 }, (_, i) => (i * 37 + 11) & 0xff);

describe('SHA-512 message schedule scratch (FIPS 180-4 6.4.2 W)', () => {
  it('holds no word of an HMAC key block once an AeadKey is created and destroyed', () => {
    // The IV key is keyed last in the constructor: the old code left its K xor opad block
    // expanded in the module-level schedule, readable after destroy().
    const key = new AeadKey(KEY);
    key.destroy();
    expect(scheduleScratchForTest().every((w) => w === 0)).toBe(true);
  });

  it('is clear after every kind of call: encrypt, decrypt, one-shot HMAC and SHA-512', () => {
    const key = new AeadKey(KEY);
    const aad = new Uint8Array(18).fill(1);
    const c = key.encryptDeterministic(new Uint8Array(300).fill(9), aad);
    expect(scheduleScratchForTest().every((w) => w === 0)).toBe(true);
    key.decrypt(c, aad);
    expect(scheduleScratchForTest().every((w) => w === 0)).toBe(true);
    hmacSha512(KEY.subarray(0, 32), new Uint8Array(1000));
    expect(scheduleScratchForTest().every((w) => w === 0)).toBe(true);
    sha512(KEY);
    expect(scheduleScratchForTest().every((w) => w === 0)).toBe(true);
    key.destroy();
  });
});

describe('WebCrypto key import (subtle-aead.ts)', () => {
  afterEach(() => vi.restoreAllMocks());

  it('wipes the 32-byte key copies handed to importKey once they are imported', async () => {
    const subtle = globalThis.crypto.subtle;
    const handed: Uint8Array[] = [];
    const real = subtle.importKey.bind(subtle);
    vi.spyOn(subtle, 'importKey').mockImplementation(((format: 'raw', data: Uint8Array, ...rest: never[]) => {
      handed.push(data);
      return (real as (...a: unknown[]) => Promise<CryptoKey>)(format, data, ...rest);
    }) as typeof subtle.importKey);
    const aead = new SubtleAead(KEY);
    expect(await aead.ready()).toBe(true);
    expect(handed).toHaveLength(3);
    for (const data of handed) {
      expect(data.length).toBe(32);
      expect(data.every((b) => b === 0)).toBe(true);
    }
    // The caller's key is not the thing wiped: only the copies are.
    expect(KEY[5]).toBe((5 * 37 + 11) & 0xff);
  });

  it('wipes them too when the runtime refuses the import', async () => {
    const subtle = globalThis.crypto.subtle;
    const handed: Uint8Array[] = [];
    vi.spyOn(subtle, 'importKey').mockImplementation(((_f: string, data: Uint8Array) => {
      handed.push(data);
      return Promise.reject(new Error('no HMAC-SHA-512 here'));
    }) as typeof subtle.importKey);
    const aead = new SubtleAead(KEY);
    expect(await aead.ready()).toBe(false);
    expect(handed.length).toBeGreaterThan(0);
    for (const data of handed) expect(data.every((b) => b === 0)).toBe(true);
  });
});
