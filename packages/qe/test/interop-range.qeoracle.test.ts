// Range interop with the real libmongocrypt 1.20.2 through ../shared/tools/qeoracle (its README):
// for random domains, values and query ranges of every range type (with and without precision,
// sparsity 1-4, trimFactor given or defaulted), range insert payloads are byte-equal for the same
// random bytes and each side decrypts the other's; range find payloads (encryptExpression) are
// byte-equal with no randomness. Without the oracle this fails under CI=true, else skips.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, hexToBytes, randomBytes } from '@fle-ts/crypto-core';
import { serializeBsonValue } from '@fle-ts/fle-format';
import { Binary, Decimal128, Double, EJSON, Int32, Long } from 'bson';
import fc from 'fast-check';
import { beforeAll, expect, it } from 'vitest';
import { describeQeOracle, rangeKnobOptions, rangeKnobs, runQeOracle } from '../../../scripts/test-support/qeoracle.js';
import { SHARED_VECTORS } from '../../../scripts/test-support/shared.js';
import { decryptQeRaw, encryptQe, fixedRandomSource, type QeKeyLookup } from '../src/index.js';
import { encryptQeExpression, resetRangePayloadIdForTesting } from '../src/range-encrypt.js';
import { testKeys } from './suite.js';

const QE = join(SHARED_VECTORS, 'qe');
const K123 = '12345678123498761234123456789012';
const KABC = 'ABCDEFAB123498761234123456789012';

const oracle = runQeOracle;
const canonical = (x: unknown): string => EJSON.stringify(x, { relaxed: false });

/** One random case: range options (driver types), a value in the domain, a query range. */
interface RangeCase {
  name: string;
  opts: Record<string, unknown>;
  value: unknown;
  lo: unknown;
  hi: unknown;
}

const knobs = rangeKnobs;
const opts = rangeKnobOptions;

/** Integer domains of at least 16 values (so trimFactor 3 stays below the bit count). */
function intCase(name: string, lim: bigint, wrap: (n: bigint) => unknown): fc.Arbitrary<RangeCase> {
  return fc.record({ a: fc.bigInt({ min: -lim, max: lim - 16n }), w: fc.bigInt({ min: 15n, max: lim }), k: knobs }).map(({ a, w, k }) => {
    const pick = (p: number) => wrap(a + (BigInt(p) % (w + 1n)));
    return { name, opts: opts(k, { min: wrap(a), max: wrap(a + w) }), value: pick(k.picks[0]), lo: pick(k.picks[1]), hi: pick(k.picks[2]) };
  });
}

const cases: fc.Arbitrary<RangeCase> = fc.oneof(
  intCase('int32', 1n << 30n, (n) => new Int32(Number(n))),
  intCase('int64', 1n << 62n, (n) => Long.fromBigInt(n)),
  intCase('date', 1n << 45n, (n) => new Date(Number(n))),
  // double without precision: the whole double line (min/max are not sent).
  fc.record({ v: fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.double({ noNaN: true, noDefaultInfinity: true })), k: knobs }).map(({ v, k }) => ({
    name: 'double',
    opts: opts(k, {}),
    value: new Double(v[0]),
    lo: new Double(v[1]),
    hi: new Double(v[2]),
  })),
  // double with precision 0-3: integer bounds, values with up to 3 decimals inside them.
  fc.record({ a: fc.integer({ min: -100000, max: 100000 }), w: fc.integer({ min: 20, max: 100000 }), p: fc.integer({ min: 0, max: 3 }), k: knobs }).map(({ a, w, p, k }) => {
    const pick = (x: number) => new Double(a + (x % (w * 1000 + 1)) / 1000);
    return { name: 'double-precision', opts: opts(k, { min: new Double(a), max: new Double(a + w), precision: new Int32(p) }), value: pick(k.picks[0]), lo: pick(k.picks[1]), hi: pick(k.picks[2]) };
  }),
  // decimal128 without precision: any coefficient and exponent.
  fc.record({ v: fc.array(fc.tuple(fc.bigInt({ min: -(10n ** 34n) + 1n, max: 10n ** 34n - 1n }), fc.integer({ min: -40, max: 40 })), { minLength: 3, maxLength: 3 }), k: knobs }).map(({ v, k }) => {
    const d = ([c, e]: [bigint, number]) => Decimal128.fromString(`${c}E${e}`);
    return { name: 'decimal128', opts: opts(k, {}), value: d(v[0]!), lo: d(v[1]!), hi: d(v[2]!) };
  }),
  // decimal128 with precision 0-4: integer bounds, exact decimals inside them.
  fc.record({ a: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), w: fc.bigInt({ min: 20n, max: 10n ** 12n }), p: fc.integer({ min: 0, max: 4 }), k: knobs }).map(({ a, w, p, k }) => {
    const scale = 10n ** 4n;
    const pick = (x: number) => {
      const n = a * scale + (BigInt(x) % (w * scale + 1n));
      return Decimal128.fromString(`${n}E-4`);
    };
    return { name: 'decimal128-precision', opts: opts(k, { min: Decimal128.fromString(String(a)), max: Decimal128.fromString(String(a + w)), precision: new Int32(p) }), value: pick(k.picks[0]), lo: pick(k.picks[1]), hi: pick(k.picks[2]) };
  }),
);

function less(a: unknown, b: unknown): boolean {
  const num = (x: unknown): number | bigint =>
    x instanceof Date ? x.getTime() : x instanceof Long ? x.toBigInt() : x instanceof Decimal128 ? Number(x.toString()) : Number((x as { valueOf(): number }).valueOf());
  return num(a) < num(b);
}

describeQeOracle('range interop with libmongocrypt 1.20.2 (qeoracle)', () => {
  let kv = '';
  let keys: QeKeyLookup = () => undefined;
  beforeAll(() => {
    const read = (rel: string) => readFileSync(join(QE, rel), 'utf8');
    kv = join(mkdtempSync(join(tmpdir(), 'fle-ts-qeoracle-range-')), 'kv.json');
    writeFileSync(kv, [KABC, K123].map((k) => read(`data/keys/${k}-local-document.json`)).join('\n'));
    keys = testKeys(read, [K123, KABC]);
  });
  const keyId = new Binary(hexToBytes(KABC), 4);
  const indexKeyId = new Binary(hexToBytes(K123), 4);
  const bin = (b: Binary) => b.buffer.subarray(0, b.position);
  const runs = { numRuns: Number(process.env.FLE_QE_INTEROP_RUNS ?? 25), seed: Number(process.env.FLE_QE_INTEROP_SEED ?? 15) };
  const TYPES = ['date', 'decimal128', 'decimal128-precision', 'double', 'double-precision', 'int32', 'int64'];

  it('range insert: byte-equal for the same random bytes (contention 0..3), each side decrypts the other', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(cases, fc.integer({ min: 0, max: 3 }), (c, cm) => {
        seen.add(c.name);
        const rng = randomBytes(8 * 4 + 16 * 160);
        const ours = encryptQe(c.value, { algorithm: 'Range', keyId, indexKeyId, contentionFactor: cm, rangeOptions: c.opts }, { keys, random: fixedRandomSource(rng) });
        const args = ['encrypt', '--keyvault', kv, '--algorithm', 'Range', '--key-id', KABC, '--index-key-id', K123, '--contention', String(cm)];
        args.push('--range-opts', canonical(c.opts), '--value', canonical({ v: c.value }).replace(/^\{"v":/, '').replace(/\}$/, ''), '--rng-hex', bytesToHex(rng));
        const theirs = Buffer.from(oracle(args), 'base64');
        expect(bytesToHex(bin(ours)), c.name).toBe(bytesToHex(theirs));
        const want = serializeBsonValue(c.value);
        const back = decryptQeRaw(theirs, keys);
        expect(`${back.bsonType}:${bytesToHex(back.bytes)}`).toBe(`${want.type}:${bytesToHex(want.bytes)}`);
        const decrypted = oracle(['decrypt', '--keyvault', kv, '--payload', Buffer.from(bin(ours)).toString('base64')]);
        expect(bytesToHex(serializeBsonValue((EJSON.parse(`{"v":${decrypted}}`, { relaxed: false }) as { v: unknown }).v).bytes)).toBe(bytesToHex(want.bytes));
      }),
      runs,
    );
    expect([...seen].sort(), 'every type drawn').toEqual(TYPES);
  });

  it('range find (encryptExpression, one- and two-sided): byte-equal with no randomness, or refused by both', () => {
    const seen = new Set<string>();
    let refused = 0;
    fc.assert(
      fc.property(cases, fc.integer({ min: 0, max: 8 }), fc.constantFrom('$gt', '$gte'), fc.constantFrom('$lt', '$lte'), fc.constantFrom('both', 'lower', 'upper'), (c, cm, gop, lop, sides) => {
        const [lo, hi] = less(c.hi, c.lo) ? [c.hi, c.lo] : [c.lo, c.hi];
        if (!less(lo, hi)) return; // an empty range: both sides refuse it, not what this compares
        seen.add(c.name);
        const and = [
          ...(sides !== 'upper' ? [{ f: { [gop]: lo } }] : []),
          ...(sides !== 'lower' ? [{ f: { [lop]: hi } }] : []),
        ];
        resetRangePayloadIdForTesting();
        const args = ['encrypt', '--keyvault', kv, '--algorithm', 'Range', '--query-type', 'range', '--key-id', KABC, '--index-key-id', K123, '--contention', String(cm)];
        args.push('--range-opts', canonical(c.opts), '--expression', '--doc', canonical({ v: { $and: and } }), '--rng-hex', '', '--out', 'ejson');
        let ours: unknown;
        try {
          ours = encryptQeExpression({ $and: and }, { algorithm: 'Range', queryType: 'range', keyId, indexKeyId, contentionFactor: cm, rangeOptions: c.opts }, { keys, random: fixedRandomSource(new Uint8Array(0)) });
        } catch (e) {
          // A range that is empty once precision truncates it (or an excluded bound at the
          // domain's end): libmongocrypt must refuse it too.
          expect((e as { code?: string }).code, c.name).toMatch(/^BAD_RANGE_/);
          expect(() => oracle(args), `${c.name}: libmongocrypt refuses it too`).toThrow();
          refused++;
          return;
        }
        const theirs = (EJSON.parse(oracle(args), { relaxed: false }) as { v: unknown }).v;
        expect(canonical(ours), c.name).toBe(canonical(theirs));
      }),
      runs,
    );
    expect([...seen].sort(), 'every type drawn').toEqual(TYPES);
    console.log(`range find interop: ${refused} empty ranges refused by both sides`);
  });
});
