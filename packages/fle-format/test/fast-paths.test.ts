// Issue 18 fast paths of encryptValue and decryptValue, each against the reference path it shortcuts: a string
// decrypted into the module scratch (no per-value allocation) must give what the general path
// gives (a fresh padded buffer, js-bson options given explicitly), the same errors, and leave
// no plaintext byte in the scratch.
import { AeadKey } from '@fle-ts/crypto-core';
import { Binary } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decryptValue, encryptValue, encryptValueAsync, EXACT_DESERIALIZE_OPTIONS, serializeBsonValue, serializeFle1Blob } from '../src/index.js';
import { writeStringValue } from '../src/bson-value.js';
import { decodeStringValue } from '../src/bson-validate.js';
import { blobBytes } from '../src/blob.js';
import { stringScratchForTest } from '../src/encrypt.js';
import { expectCode, TEST_KEY, TEST_KEY_ID } from './helpers.js';

const key = new AeadKey(TEST_KEY);
const scratchIsZero = () => stringScratchForTest().every((b) => b === 0);

/** Any string, including lone surrogates (js-bson writes U+FFFD) and lengths around the 1 KiB scratch. */
const anyString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ minLength: 990, maxLength: 1030 }),
  fc.integer({ min: 0, max: 1100 }).map((n) => 'x'.repeat(n)),
);

describe('decryptValue: strings through the scratch buffer', () => {
  it('gives the same value as the general path for every string, both algorithms', () => {
    fc.assert(
      fc.property(anyString, fc.boolean(), (s, det) => {
        const blob = encryptValue(key, TEST_KEY_ID, det ? 'deterministic' : 'random', s);
        const fast = decryptValue(key, blob);
        // Explicit deserialize options take the general path (a fresh buffer per value).
        const reference = decryptValue(key, blob, { deserializeOptions: EXACT_DESERIALIZE_OPTIONS });
        expect(fast).toBe(reference);
        expect(typeof fast).toBe('string');
        expect(scratchIsZero()).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses a string plaintext that is not valid UTF-8 with the general path\'s code, and wipes the scratch', () => {
    // A key holder sealed bytes that are not a valid BSON string under type 0x02.
    const plaintext = Uint8Array.of(3, 0, 0, 0, 0xc3, 0x28, 0);
    const header = serializeFle1Blob({ subtype: 1, keyId: TEST_KEY_ID, bsonType: 0x02, ciphertext: new Uint8Array(0) });
    const blob = serializeFle1Blob({ subtype: 1, keyId: TEST_KEY_ID, bsonType: 0x02, ciphertext: key.encryptDeterministic(plaintext, header) });
    expectCode(() => decryptValue(key, blob), 'MALFORMED_BSON');
    expect(scratchIsZero()).toBe(true);
    expectCode(() => decryptValue(key, blob, { deserializeOptions: EXACT_DESERIALIZE_OPTIONS }), 'MALFORMED_BSON');
  });

  it('a tampered string blob is HMAC_MISMATCH and writes nothing to the scratch', () => {
    const blob = encryptValue(key, TEST_KEY_ID, 'random', 'secret value');
    const bytes = new Uint8Array(blob.buffer.subarray(0, blob.position));
    bytes[40]! ^= 1;
    expectCode(() => decryptValue(key, new Binary(bytes, 6)), 'HMAC_MISMATCH');
    expect(scratchIsZero()).toBe(true);
  });

  it('raw: true still returns the exact bytes (not the scratch, which is wiped)', () => {
    const blob = encryptValue(key, TEST_KEY_ID, 'deterministic', 'kept');
    const raw = decryptValue(key, blob, { raw: true }) as { type: number; bytes: Uint8Array };
    expect(raw.type).toBe(2);
    expect(Array.from(raw.bytes)).toEqual([5, 0, 0, 0, 0x6b, 0x65, 0x70, 0x74, 0]);
    expect(raw.bytes.buffer).not.toBe(stringScratchForTest().buffer);
  });
});

describe('encryptValue: strings written straight into the scratch buffer', () => {
  it('seals the bytes serializeBsonValue gives (js-bson\'s), so the deterministic blob equals the async path\'s', async () => {
    await fc.assert(
      fc.asyncProperty(anyString, async (s) => {
        const { type, bytes } = serializeBsonValue(s);
        const scratch = new Uint8Array(4 * s.length + 8);
        const n = writeStringValue(s, scratch);
        expect(type).toBe(2);
        expect(n).toBe(bytes.length);
        expect(Buffer.from(scratch.subarray(0, n)).equals(Buffer.from(bytes))).toBe(true);
        // encryptValueAsync serializes through js-bson (no scratch): same deterministic blob.
        const fast = encryptValue(key, TEST_KEY_ID, 'deterministic', s);
        const reference = await encryptValueAsync(key, TEST_KEY_ID, 'deterministic', s);
        expect(Buffer.from(fast.buffer.subarray(0, fast.position)).equals(Buffer.from(reference.buffer.subarray(0, reference.position)))).toBe(true);
        expect(scratchIsZero()).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('writeStringValue refuses what might not fit (3 bytes per UTF-16 unit) instead of truncating', () => {
    expect(writeStringValue('abc', new Uint8Array(13))).toBe(undefined);
    expect(writeStringValue('abc', new Uint8Array(14))).toBe(8);
    expect(writeStringValue('\u20ac', new Uint8Array(8))).toBe(8); // 3 UTF-8 bytes
  });

  it('a destroyed key throws KEY_DESTROYED and leaves no plaintext in the scratch', () => {
    const k = new AeadKey(TEST_KEY);
    k.destroy();
    expectCode(() => encryptValue(k, TEST_KEY_ID, 'random', 'do not keep me'), 'KEY_DESTROYED');
    expect(scratchIsZero()).toBe(true);
  });
});

describe('blobBytes: a Binary whose buffer is exactly its bytes is used as is', () => {
  it('same bytes as the general path (a view of `position` bytes), for exact and larger buffers', () => {
    const blob = encryptValue(key, TEST_KEY_ID, 'random', 'v');
    expect(blobBytes(blob)).toBe(blob.buffer); // no view made
    const larger = new Uint8Array(blob.position + 7);
    larger.set(blob.buffer.subarray(0, blob.position));
    const b = new Binary(larger, 6);
    b.position = blob.position; // js-bson's Binary may hold spare capacity after its bytes
    expect(blobBytes(b).length).toBe(blob.position);
    expect(decryptValue(key, b)).toBe('v');
  });
});

describe('decodeStringValue: short ASCII strings without the TextDecoder', () => {
  const fatal = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  /** The reference: the fatal decoder on the content, undefined when it throws. */
  const reference = (content: Uint8Array): string | undefined => {
    try {
      return fatal.decode(content);
    } catch {
      return undefined;
    }
  };
  const stringValue = (content: Uint8Array) => {
    const b = new Uint8Array(content.length + 5);
    new DataView(b.buffer).setInt32(0, content.length + 1, true);
    b.set(content, 4);
    return b;
  };
  it('gives what the fatal UTF-8 decoder gives for every content up to 24 bytes (ASCII, NUL, bytes >= 0x80)', () => {
    const byte = fc.oneof(fc.integer({ min: 0, max: 0x7f }), fc.integer({ min: 0, max: 0xff }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 24 }).map((a) => Uint8Array.from(a)), (content) => {
        expect(decodeStringValue(stringValue(content))).toBe(reference(content));
      }),
      { numRuns: 2000 },
    );
  });
});
