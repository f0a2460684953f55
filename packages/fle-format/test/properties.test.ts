// Property tests (fast-check) for the invariants of fle1-spec.md §2-4.
import { AeadKey, bytesToHex, FleCryptoError } from '@fle-ts/crypto-core';
import { type Binary, Decimal128, MaxKey, MinKey, serialize } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decryptValue,
  deserializeBsonValue,
  encryptValue,
  EXACT_DESERIALIZE_OPTIONS,
  FleFormatError,
  parseBlob,
  serializeBsonValue,
} from '../src/index.js';
import { detScalar, doc, randAny, randOnlyScalar } from './arbitraries.js';
import { TEST_KEY, TEST_KEY_ID } from './helpers.js';

const key = new AeadKey(TEST_KEY);
const RUNS = { numRuns: 300 };


function bsonHex(v: unknown): string {
  return bytesToHex(serialize({ v }));
}

function blobHex(b: Binary): string {
  return bytesToHex(b.buffer.subarray(0, b.position));
}

describe('§2-3 every allowed value round-trips', () => {
  it('deterministic: decrypt gives the same BSON bytes, and re-encrypting the result gives the same blob', () => {
    fc.assert(
      fc.property(detScalar, (v) => {
        const blob = encryptValue(key, TEST_KEY_ID, 'deterministic', v);
        const back = decryptValue(key, blob);
        expect(bsonHex(back)).toBe(bsonHex(v));
        expect(blobHex(encryptValue(key, TEST_KEY_ID, 'deterministic', back))).toBe(blobHex(blob));
      }),
      RUNS,
    );
  });

  it('random: decrypt gives the same BSON bytes (documents, arrays, doubles incl. NaN and -0 included)', () => {
    fc.assert(
      fc.property(randAny, (v) => {
        const blob = encryptValue(key, TEST_KEY_ID, 'random', v);
        const back = decryptValue(key, blob);
        expect(bsonHex(back)).toBe(bsonHex(v));
        expect(blob.buffer[17]).toBe(serializeBsonValue(v).type);
      }),
      RUNS,
    );
  });

  it('strings: the fast decode path and the js-bson document path agree', () => {
    const viaBson = { ...EXACT_DESERIALIZE_OPTIONS };
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), (v) => {
        const plain = serializeBsonValue(v).bytes;
        expect(deserializeBsonValue(2, plain)).toBe(deserializeBsonValue(2, plain, viaBson));
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 20 }), (raw) => {
        const plain = Uint8Array.from([raw.length + 1, 0, 0, 0, ...raw, 0]);
        let fast: unknown;
        let slow: unknown;
        try {
          fast = deserializeBsonValue(2, plain);
        } catch (e) {
          fast = (e as FleFormatError).code;
        }
        try {
          slow = deserializeBsonValue(2, plain, viaBson);
        } catch (e) {
          slow = (e as FleFormatError).code;
        }
        expect(fast).toBe(slow);
      }),
      RUNS,
    );
  });

  it('random: any 16-byte Decimal128 encoding comes back bit for bit', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        const v = new Decimal128(b);
        expect(bsonHex(decryptValue(key, encryptValue(key, TEST_KEY_ID, 'random', v)))).toBe(bsonHex(v));
      }),
      { numRuns: 100 },
    );
  });

  it('deterministic refuses every Random-only value, both refuse null/undefined/minKey/maxKey', () => {
    fc.assert(
      fc.property(fc.oneof(randOnlyScalar, doc, fc.array(detScalar, { maxLength: 3 })), (v) => {
        expect(() => encryptValue(key, TEST_KEY_ID, 'deterministic', v)).toThrowError(
          expect.objectContaining({ code: 'FORBIDDEN_BSON_TYPE' }) as Error,
        );
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.constantFrom(null, undefined, new MinKey(), new MaxKey()), fc.constantFrom('deterministic', 'random' as const), (v, a) => {
        expect(() => encryptValue(key, TEST_KEY_ID, a as 'random', v)).toThrowError(
          expect.objectContaining({ code: 'FORBIDDEN_BSON_TYPE' }) as Error,
        );
      }),
      { numRuns: 20 },
    );
  });
});

describe('§4 parsing arbitrary bytes', () => {
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    fc.tuple(fc.integer({ min: 0, max: 20 }), fc.uint8Array({ maxLength: 120 })).map(([b, rest]) => Uint8Array.from([b, ...rest])),
  );

  it('parseBlob returns a parsed blob or throws a FleFormatError, nothing else', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        try {
          const p = parseBlob(b);
          expect(p.subtype).toBe(b[0]);
        } catch (e) {
          expect(e).toBeInstanceOf(FleFormatError);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('decryptValue on arbitrary bytes throws only FleFormatError or FleCryptoError', () => {
    fc.assert(
      fc.property(bytes, (b) => {
        expect(() => decryptValue(key, b)).toThrow();
        try {
          decryptValue(key, b);
        } catch (e) {
          expect(e instanceof FleFormatError || e instanceof FleCryptoError).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('any single flipped bit in a valid blob is detected', () => {
    const b0 = encryptValue(key, TEST_KEY_ID, 'deterministic', 'flip me');
    const blob = Uint8Array.from(b0.buffer.subarray(0, b0.position));
    fc.assert(
      fc.property(fc.nat({ max: blob.length * 8 - 1 }), (bit) => {
        const t = blob.slice();
        t[bit >> 3]! ^= 1 << (bit & 7);
        let thrown: unknown;
        try {
          decryptValue(key, t);
        } catch (e) {
          thrown = e;
        }
        expect(thrown instanceof FleFormatError || thrown instanceof FleCryptoError).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
