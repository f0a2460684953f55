import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToBase64, decodeBase64Strict } from '../src/index.js';

// RFC 4648 §4, checked against Node's own codec (the reference here, not used by library code).
describe('base64 (RFC 4648 §4)', () => {
  it('round-trips and equals Buffer for every length 0-64 and random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = bytesToBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(decodeBase64Strict(text)).toEqual(bytes);
      }),
      { numRuns: 500 },
    );
  });

  it('RFC 4648 §10 test vectors', () => {
    const vectors: [string, string][] = [['', ''], ['f', 'Zg=='], ['fo', 'Zm8='], ['foo', 'Zm9v'], ['foob', 'Zm9vYg=='], ['fooba', 'Zm9vYmE='], ['foobar', 'Zm9vYmFy']];
    for (const [plain, text] of vectors) {
      expect(bytesToBase64(new TextEncoder().encode(plain))).toBe(text);
      expect(new TextDecoder().decode(decodeBase64Strict(text))).toBe(plain);
    }
  });

  it('refuses unpadded text, whitespace, other alphabets and padding anywhere but the end', () => {
    for (const bad of ['Zg', 'Zm8', 'Zm9v\n', ' Zm9v', 'Zm-v', 'Zm_v', 'Z=9v', 'Zg==Zm9v', 'Z===', '====', 'Zm9vé===', '\u0100AAA']) {
      expect(decodeBase64Strict(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });
});
