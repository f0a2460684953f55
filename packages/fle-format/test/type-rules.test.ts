// The one type table and algorithm parser the client imports (issue 11 item 17):
// bsonTypeOfValue agrees with what serializeBsonValue really writes, encryptionRefusal is
// exactly checkEncryptable's verdict, parseFle1Algorithm is normalizeAlgorithm's.
import { Binary, BSONRegExp, BSONSymbol, Code, DBRef, Decimal128, Double, Int32, Long, MaxKey, MinKey, ObjectId, Timestamp, UUID } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bsonTypeOfValue,
  checkEncryptable,
  DETERMINISTIC,
  encryptionRefusal,
  FleFormatError,
  normalizeAlgorithm,
  parseFle1Algorithm,
  RANDOM,
  RawBsonValue,
  serializeBsonValue,
} from '../src/index.js';

describe('bsonTypeOfValue: the type serializeBsonValue writes, without serializing', () => {
  const samples: unknown[] = [
    'a', '', 0, -0, 1, -1, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 1.5, NaN, Infinity, 5n, -(2n ** 63n), true, false, null,
    new Date(0), /a/i, new BSONRegExp('a', 'i'), [1, 'a'], { a: 1 }, Object.create(null), new Map([['a', 1]]),
    new Int32(1), new Double(1), new Long(1), Decimal128.fromString('1.5'), new ObjectId(), new Binary(new Uint8Array(2), 0),
    new UUID(), new Timestamp({ t: 1, i: 2 }), new BSONSymbol('s'), new MinKey(), new MaxKey(), new Code('f()'),
    new Code('f()', { a: 1 }), new DBRef('c', new ObjectId()), RawBsonValue.dbPointer('db.c', new ObjectId()),
  ];
  it.each(samples.map((v) => [Object.prototype.toString.call(v), v]))('%s', (_name, value) => {
    expect(bsonTypeOfValue(value)).toBe(serializeBsonValue(value).type);
  });

  it('property: numbers, bigints in int64 range, strings, dates', () => {
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.string(), fc.date({ noInvalidDate: true })), (v) => {
        expect(bsonTypeOfValue(v)).toBe(serializeBsonValue(v).type);
      }),
    );
  });
});

describe('encryptionRefusal is checkEncryptable without the throw', () => {
  it('every type byte, both algorithms, binData subtypes 0, 4, 6', () => {
    for (let type = 0; type <= 0xff; type++) {
      for (const algorithm of ['deterministic', 'random'] as const) {
        for (const subtype of [undefined, 0, 4, 6]) {
          const refusal = encryptionRefusal(type, algorithm, subtype);
          let thrown: unknown;
          try {
            checkEncryptable(type, algorithm, subtype);
          } catch (e) {
            thrown = e;
          }
          if (refusal === undefined) expect(thrown).toBeUndefined();
          else {
            expect(thrown).toBeInstanceOf(FleFormatError);
            expect((thrown as FleFormatError).code).toBe('FORBIDDEN_BSON_TYPE');
            expect((thrown as Error).message).toBe(refusal);
          }
        }
      }
    }
  });
});

describe('parseFle1Algorithm: the canonical name for what normalizeAlgorithm accepts', () => {
  it.each([DETERMINISTIC, RANDOM, DETERMINISTIC.toUpperCase(), 'random', 'Deterministic', 'indexed', '', 'x', 5, null])('%s', (name) => {
    let expected: unknown;
    try {
      expected = normalizeAlgorithm(name as string) === 'deterministic' ? DETERMINISTIC : RANDOM;
    } catch (e) {
      expected = (e as FleFormatError).code;
    }
    let got: unknown;
    try {
      got = parseFle1Algorithm(name);
    } catch (e) {
      got = (e as FleFormatError).code;
    }
    expect(got).toBe(expected);
  });
});
