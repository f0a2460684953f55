// Queryable Encryption Range (v2) through ClientEncryption with keys from a key vault: random
// values of every range type round-trip through encrypt → decrypt / decryptBson, and
// encryptExpression gives the `$and` of two find payloads (13) in the expression's own shape.
// Byte equality with libmongocrypt is proven by qe-vectors.test.ts (the explicit Range vectors).
import { bytesToHex } from '@fle-ts/crypto-core';
import { parseInsertUpdatePayloadV2 } from '@fle-ts/qe';
import { Binary, Decimal128, Double, Int32, Long, serialize } from 'bson';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoEncrypter, ClientEncryption, MemoryKeyVault } from '../src/index.js';

const kmsProviders = { local: { key: new Uint8Array(96).fill(5) } };
const keyVault = new MemoryKeyVault();
const ce = new ClientEncryption({ keyVault, kmsProviders });
const auto = new AutoEncrypter({ keyVault, kmsProviders });
let keyId: Binary;

beforeAll(async () => {
  keyId = await ce.createDataKey('local');
});

const hex = (v: unknown): string => bytesToHex(serialize({ v }));
const RUNS = 25; // each value costs one token set per edge (up to ~60 for decimal128): keep it light

/** One range type: how to make a value and the rangeOptions of a field holding it. */
interface RangeCase {
  readonly value: unknown;
  readonly rangeOptions: Record<string, unknown>;
}

const sparsity = fc.integer({ min: 1, max: 4 }).map(BigInt);

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Sorted a ≤ v ≤ b from three draws. */
function sorted3<T>(arb: fc.Arbitrary<T>, cmp: (x: T, y: T) => number): fc.Arbitrary<[T, T, T]> {
  return fc.tuple(arb, arb, arb).map((t) => t.sort(cmp) as [T, T, T]);
}
const bigCmp = (x: bigint, y: bigint): number => (x < y ? -1 : x > y ? 1 : 0);

const int32Case: fc.Arbitrary<RangeCase> = fc
  .tuple(sorted3(fc.integer({ min: INT32_MIN, max: INT32_MAX }), (x, y) => x - y), sparsity)
  .filter(([[a, , b]]) => a < b)
  .map(([[a, v, b], s]) => ({ value: new Int32(v), rangeOptions: { min: new Int32(a), max: new Int32(b), sparsity: s } }));

const int64Case: fc.Arbitrary<RangeCase> = fc
  .tuple(sorted3(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), bigCmp), sparsity)
  .filter(([[a, , b]]) => a < b)
  .map(([[a, v, b], s]) => ({ value: Long.fromBigInt(v), rangeOptions: { min: Long.fromBigInt(a), max: Long.fromBigInt(b), sparsity: s } }));

// BSON dates are int64 milliseconds; JS Dates reach ±8.64e15 ms.
const dateCase: fc.Arbitrary<RangeCase> = fc
  .tuple(sorted3(fc.integer({ min: -8.64e15, max: 8.64e15 }), (x, y) => x - y), sparsity)
  .filter(([[a, , b]]) => a < b)
  .map(([[a, v, b], s]) => ({ value: new Date(v), rangeOptions: { min: new Date(a), max: new Date(b), sparsity: s } }));

// Doubles: the whole finite line without precision (min/max/precision all unset, as the spec requires) ...
const doubleCase: fc.Arbitrary<RangeCase> = fc
  .tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), sparsity)
  .map(([v, s]) => ({ value: new Double(v), rangeOptions: { sparsity: s } }));
// ... and with precision 2 on [-1000, 1000] (values with at most two fractional digits).
const doublePrecisionCase: fc.Arbitrary<RangeCase> = fc
  .tuple(fc.integer({ min: -100000, max: 100000 }), sparsity)
  .map(([cents, s]) => ({ value: new Double(cents / 100), rangeOptions: { min: new Double(-1000), max: new Double(1000), precision: 2, sparsity: s } }));

// Decimal128: any finite value (34-digit coefficient, full exponent range) without precision ...
const decimalCase: fc.Arbitrary<RangeCase> = fc
  .tuple(fc.bigInt({ min: -(10n ** 34n) + 1n, max: 10n ** 34n - 1n }), fc.integer({ min: -6176, max: 6111 }), sparsity)
  .map(([coef, exp, s]) => ({ value: Decimal128.fromString(`${coef}E${exp}`), rangeOptions: { sparsity: s } }));
// ... and with precision 3 on [-1E6, 1E6].
const decimalPrecisionCase: fc.Arbitrary<RangeCase> = fc
  .tuple(fc.bigInt({ min: -(10n ** 9n), max: 10n ** 9n }), sparsity)
  .map(([m, s]) => ({
    value: Decimal128.fromString(`${m}E-3`),
    rangeOptions: { min: Decimal128.fromString('-1E6'), max: Decimal128.fromString('1E6'), precision: 3, sparsity: s },
  }));

const TYPES: [string, fc.Arbitrary<RangeCase>, number][] = [
  ['int32', int32Case, 0x10],
  ['int64', int64Case, 0x12],
  ['date', dateCase, 0x09],
  ['double', doubleCase, 0x01],
  ['double with precision', doublePrecisionCase, 0x01],
  ['decimal128', decimalCase, 0x13],
  ['decimal128 with precision', decimalPrecisionCase, 0x13],
];

describe('Range through ClientEncryption: random values of every range type round-trip', () => {
  for (const [name, arb, bsonType] of TYPES) {
    it(`${name}: encrypt gives an insert payload (11) with edges; decrypt and decryptBson give the value back, BSON type and bytes intact`, async () => {
      await fc.assert(
        fc.asyncProperty(arb, fc.integer({ min: 0, max: 8 }), async ({ value, rangeOptions }, contentionFactor) => {
          const blob = await ce.encrypt(value, { algorithm: 'Range', keyId, contentionFactor, rangeOptions });
          expect(blob.sub_type).toBe(6);
          const p = parseInsertUpdatePayloadV2(blob.buffer.subarray(0, blob.position));
          expect(p.valueType).toBe(bsonType);
          expect(p.contentionFactor <= BigInt(contentionFactor)).toBe(true);
          expect(hex(await ce.decrypt(blob))).toBe(hex(value));
          expect(bytesToHex(await auto.decryptBson(serialize({ a: [{ v: blob }] })))).toBe(bytesToHex(serialize({ a: [{ v: value }] })));
        }),
        { numRuns: RUNS },
      );
    });
  }
});

describe('Range encryptExpression through ClientEncryption', () => {
  const rangeOptions = { min: new Int32(0), max: new Int32(200), sparsity: 1n, trimFactor: 1 };
  const options = { algorithm: 'Range', queryType: 'range', keyId: undefined as unknown as Binary, contentionFactor: 0, rangeOptions };
  const firstByte = (b: unknown): number => (b as Binary).buffer[0]!;

  it('match and aggregate forms, one- and two-sided: the same shape back, each bound a find payload (13); the two halves share a payloadId', async () => {
    const o = { ...options, keyId };
    const two = await ce.encryptExpression({ $and: [{ age: { $gte: new Int32(6) } }, { age: { $lte: new Int32(200) } }] }, o);
    const [lo, hi] = two.$and as [{ age: { $gte: Binary } }, { age: { $lte: Binary } }];
    expect([firstByte(lo.age.$gte), firstByte(hi.age.$lte)]).toEqual([13, 13]);
    const open = await ce.encryptExpression({ $and: [{ age: { $gt: new Int32(30) } }] }, o);
    expect((open.$and as unknown[]).length).toBe(1);
    expect(firstByte((open.$and as [{ age: { $gt: Binary } }])[0].age.$gt)).toBe(13);
    const agg = await ce.encryptExpression({ $and: [{ $lt: ['$age', new Int32(30)] }] }, o);
    const [path, payload] = (agg.$and as [{ $lt: [string, Binary] }])[0].$lt;
    expect(path).toBe('$age');
    expect(firstByte(payload)).toBe(13);
  });
  it('the find payloads hold no ciphertext: decrypt refuses them (NOT_A_CIPHERTEXT), decryptDocument leaves them as they are', async () => {
    const q = await ce.encryptExpression({ $and: [{ age: { $gte: new Int32(6) } }, { age: { $lt: new Int32(9) } }] }, { ...options, keyId });
    const payload = (q.$and as [{ age: { $gte: Binary } }])[0].age.$gte;
    await expect(ce.decrypt(payload)).rejects.toMatchObject({ code: 'NOT_A_CIPHERTEXT' });
    expect(hex(await auto.decryptDocument(q))).toBe(hex(q));
  });
  it('bad bounds: libmongocrypt\'s errors as typed QeErrors (a bound outside [min, max], crossed bounds, a bound of another type)', async () => {
    const o = { ...options, keyId };
    await expect(ce.encryptExpression({ $and: [{ age: { $gte: new Int32(201) } }] }, o)).rejects.toMatchObject({ name: 'QeError', code: 'BAD_RANGE_VALUE' });
    await expect(ce.encryptExpression({ $and: [{ age: { $gt: new Int32(25) } }, { age: { $lt: new Int32(15) } }] }, o)).rejects.toMatchObject({ name: 'QeError' });
    await expect(ce.encryptExpression({ $and: [{ age: { $gt: new Long(25) } }] }, o)).rejects.toThrow(/expected matching 'min' and value type/);
  });
  it('encrypt with values outside the index or of another type (spec prose test 22, cases 6-8): typed errors', async () => {
    const o = { algorithm: 'Range', keyId, contentionFactor: 0, rangeOptions };
    await expect(ce.encrypt(new Int32(201), o)).rejects.toMatchObject({ name: 'QeError', code: 'BAD_RANGE_VALUE' });
    await expect(ce.encrypt(new Double(6), o)).rejects.toThrow(/expected matching 'min' and value type/);
    await expect(ce.encrypt(new Int32(6), { ...o, rangeOptions: { ...rangeOptions, precision: 2 } })).rejects.toMatchObject({ code: 'BAD_RANGE_OPTIONS' });
    await expect(ce.encrypt(Number.NaN, { ...o, rangeOptions: {} })).rejects.toMatchObject({ name: 'QeError' });
  });
  it('spec prose test 23: the defaults (sparsity 2, trimFactor 6) give the same payload size as setting them; trimFactor 0 a larger one', async () => {
    const size = async (ro: Record<string, unknown>): Promise<number> => (await ce.encrypt(new Int32(123), { algorithm: 'Range', keyId, contentionFactor: 0, rangeOptions: { min: new Int32(0), max: new Int32(1000), ...ro } })).position;
    const defaults = await size({});
    expect(await size({ sparsity: 2n, trimFactor: 6 })).toBe(defaults);
    expect(await size({ trimFactor: 0 })).toBeGreaterThan(defaults);
  });
});
