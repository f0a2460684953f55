// Bad range input gives typed errors naming the option, with libmongocrypt's wording, before any
// random byte is read, and never quoting the plaintext (issue 15 "Bad input").
import { randomBytes } from '@fle-ts/crypto-core';
import { Binary, Decimal128, Double, Int32, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { encryptQe, fixedRandomSource, keyLookupFrom, QeError } from '../src/index.js';
import { encryptQeExpression, type QeRangeEncryptOptions } from '../src/range-encrypt.js';

const id = randomBytes(16);
const keys = keyLookupFrom([[id, randomBytes(96)]]);
const keyId = new Binary(id, 4);
const none = () => fixedRandomSource(new Uint8Array(0)); // any random read fails the test

function failure(fn: () => unknown): QeError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(QeError);
    return e as QeError;
  }
  throw new Error('expected a QeError');
}
const insert = (v: unknown, rangeOptions: Record<string, unknown>, cm = 0): QeError =>
  failure(() => encryptQe(v, { algorithm: 'Range', keyId, contentionFactor: cm, rangeOptions } as QeRangeEncryptOptions, { keys, random: none() }));
const find = (and: unknown[], rangeOptions: Record<string, unknown>): QeError =>
  failure(() => encryptQeExpression({ $and: and }, { algorithm: 'Range', queryType: 'range', keyId, contentionFactor: 0, rangeOptions }, { keys, random: none() }));

describe('range: bad input is a typed error naming what was wrong', () => {
  it('min > max (insert and find)', () => {
    for (const e of [insert(new Int32(5), { min: 10, max: 0 }), find([{ a: { $gte: 5 } }], { min: 10, max: 0 })]) {
      expect(e.code).toBe('BAD_RANGE_OPTIONS');
      expect(e.message).toContain('The minimum value must be less than the maximum value');
    }
  });
  it('a value outside [min, max]: BAD_RANGE_VALUE, and the message does not hold the value', () => {
    const e = insert(new Int32(123457), { min: 0, max: 100 }, 3);
    expect(e.code).toBe('BAD_RANGE_VALUE');
    expect(e.message).toContain('Value must be greater than or equal to the minimum value and less than or equal to the maximum value');
    expect(e.message).not.toContain('123457');
    const q = find([{ a: { $gte: 50 } }, { a: { $lte: 1234 } }], { min: 0, max: 100 });
    expect(q.code).toBe('BAD_RANGE_VALUE');
    expect(q.message).not.toContain('1234');
  });
  it('precision on an int field; bounds without precision on a double field; mixed bound types', () => {
    expect(insert(new Int32(5), { min: 0, max: 10, precision: 2 }).message).toContain("expected 'precision' to be set with double or decimal128 index");
    expect(insert(new Double(5), { min: new Double(0), max: new Double(10) }).message).toContain("expected 'precision' to be set with 'min' for double");
    expect(insert(new Int32(5), { min: new Int32(0), max: new Double(10.5) }).message).toContain("expected 'min' and 'max' to be same type");
    expect(insert(new Double(1), { min: new Double(0), precision: 1 }).message).toContain('setting precision requires max');
    expect(insert(Long.fromNumber(5), { min: new Int32(0), max: new Int32(10) }).message).toContain("expected matching 'min' and value type");
  });
  it('sparsity and trimFactor out of range name the option', () => {
    const codes = [
      insert(new Int32(5), { min: 0, max: 10, sparsity: 0n }),
      insert(new Int32(5), { min: 0, max: 10, sparsity: Long.fromNumber(-1) }),
      insert(new Int32(5), { min: 0, max: 10, trimFactor: -1 }),
      insert(new Int32(5), { min: 0, max: 10, trimFactor: 4 }),
      find([{ a: { $gte: 1 } }], { min: 0, max: 10, trimFactor: 4 }),
      insert(new Int32(5), { min: 0, max: 10, sparse: 1 }),
    ];
    expect(codes.map((e) => e.code)).toEqual(Array(6).fill('BAD_RANGE_OPTIONS'));
    expect(codes.map((e) => e.message)).toEqual([
      'sparsity must be 1 or larger',
      'Error parsing RangeOpts: sparsity must be non-negative',
      "Error parsing RangeOpts: 'trimFactor' must be non-negative",
      'trimFactor must be less than the number of bits (4) used to represent an element of the domain',
      'Trim factor must be less than the number of bits (4) used to represent an element of the domain',
      "Error parsing RangeOpts: Unrecognized field: 'sparse'",
    ]);
  });
  it('NaN and Infinity (double and decimal128)', () => {
    for (const v of [new Double(Number.NaN), new Double(Number.POSITIVE_INFINITY), new Double(Number.NEGATIVE_INFINITY)]) {
      const e = insert(v, {});
      expect([e.code, e.message]).toEqual(['BAD_RANGE_VALUE', 'Infinity and NaN double values are not supported.']);
    }
    for (const v of ['NaN', 'Infinity', '-Infinity']) {
      const e = insert(Decimal128.fromString(v), {});
      expect([e.code, e.message]).toEqual(['BAD_RANGE_VALUE', 'Infinity and Nan Decimal128 values are not supported.']);
    }
  });
  it('a decimal128 Infinity query bound is refused, not taken as an open end (libmongocrypt 1.20.2 does the same)', () => {
    // Only a double ±Infinity marks the open side of a query (mc_get_mincover_from_FLE2RangeFindSpec).
    const e = find([{ a: { $gte: Decimal128.fromString('1') } }, { a: { $lte: Decimal128.fromString('Infinity') } }], {});
    expect([e.code, e.message]).toEqual(['BAD_RANGE_VALUE', 'Infinity and Nan Decimal128 values are not supported.']);
  });
  it("unsupported types, the old 'RangePreview', a missing bound for integers, crossed query bounds", () => {
    expect(insert('abc', {}).code).toBe('UNSUPPORTED_BSON_TYPE');
    expect(failure(() => encryptQe(new Int32(1), { algorithm: 'RangePreview', keyId, contentionFactor: 0 } as never, { keys })).code).toBe('BAD_OPTIONS');
    expect(insert(new Int32(1), { max: 5 }).message).toContain("Range option 'min' is required for type: int");
    const crossed = find([{ a: { $gt: 25 } }, { a: { $lt: 15 } }], { min: 0, max: 100 });
    expect(crossed.message).toContain('must be less than or equal to range max');
  });
});
