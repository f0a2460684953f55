// Property tests (fast-check) for the invariants of fle1-spec.md §2-4.
import { AeadKey, bytesToHex, FleCryptoError } from '@fle-ts/crypto-core';
import {
  Binary,
  BSONRegExp,
  BSONSymbol,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  serialize,
  Timestamp,
} from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decryptValue, encryptValue, FleFormatError, parseBlob, serializeBsonValue } from '../src/index.js';
import { TEST_KEY, TEST_KEY_ID } from './helpers.js';

const key = new AeadKey(TEST_KEY);
const RUNS = { numRuns: 300 };

const cstring = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\0'));
const text = fc.string({ unit: 'binary', maxLength: 40 });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

/** Values of every BSON type that deterministic encryption allows (fle1-spec.md §3). */
const detScalar = fc.oneof(
  text,
  int32.map((n) => new Int32(n)),
  int32, // a JS integer in int32 range is an int32
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => Long.fromBigInt(b)),
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => new ObjectId(b)),
  fc.date({ noInvalidDate: true }),
  fc.tuple(cstring, fc.subarray(['i', 'l', 'm', 's', 'u', 'x'])).map(([p, f]) => new BSONRegExp(p, f.join(''))),
  text.map((c) => new Code(c)),
  text.map((s) => new BSONSymbol(s)),
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })).map(([t, i]) => new Timestamp({ t, i })),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => new Binary(b, 4)),
  fc
    .tuple(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(0, 1, 2, 3, 5, 7, 8, 0x80, 0xff))
    .map(([b, t]) => new Binary(b, t)),
);

/** Values only Random allows: double, decimal128, bool, documents, arrays, code with scope. */
const key_ = cstring.filter((k) => k !== '__proto__');
const randOnlyScalar = fc.oneof(
  fc.double().map((d) => new Double(d)),
  fc.double({ noInteger: true, noNaN: true }), // a non-integral JS number is a double
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => new Decimal128(b)),
  fc.boolean(),
);
const { doc } = fc.letrec<{ doc: Record<string, unknown>; arr: unknown[]; leaf: unknown }>((tie) => ({
  leaf: fc.oneof({ depthSize: 'small' }, detScalar, randOnlyScalar, tie('doc'), tie('arr')),
  doc: fc.dictionary(key_, tie('leaf'), { maxKeys: 4 }),
  arr: fc.array(tie('leaf'), { maxLength: 4 }),
}));
const randAny = fc.oneof(
  detScalar,
  randOnlyScalar,
  doc,
  fc.array(detScalar, { maxLength: 4 }),
  fc.tuple(text, doc).map(([c, s]) => new Code(c, s)),
);

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
    const blob = b0.buffer.slice(0, b0.position);
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
