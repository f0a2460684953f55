// The range payloads' fast path (edge-tokens.ts `IndexTokenChain`, keyed HMACs and one ECOC key
// schedule per payload, edges as views of the leaf's bytes) against the reference path: tokens.ts's
// `equalityTokens` + `andContentionFactorToken` from scratch for every edge, `aes256CtrEncrypt`
// with the raw ECOC token, TextEncoder on each edge string, and js-bson `serialize` for the
// document. For random values, bounds, sparsity, trimFactor and contention, the bytes are equal.
import fc from 'fast-check';
import { Binary, Decimal128, Double, Int32, Long, serialize } from 'bson';
import { aes256CtrEncrypt, qeAeadEncrypt } from '@fle-ts/crypto-core';
import { describe, expect, it } from 'vitest';
import { BsonWriter } from '../src/bson-writer.js';
import { IndexTokenChain } from '../src/edge-tokens.js';
import { raw, rawDocument, type RawField } from '../src/range-bson.js';
import { encryptQe, fixedRandomSource, keyLookupFrom } from '../src/index.js';
import { rangeEdges } from '../src/range-edges.js';
import { encodeRange, type RangeDomain, type RangeValue } from '../src/range-encoding.js';
import { trimFactorFor } from '../src/range-mincover.js';
import { andContentionFactorToken, equalityTokens, tokenKeyOf } from '../src/tokens.js';
import { decodeDec128 } from '../src/range-decimal.js';

const DEC_MAX = '9.999999999999999999999999999999999E+6144';
const bytes = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

describe('IndexTokenChain: the tokens of equalityTokens, the value-independent part derived once', () => {
  it('for random token keys and values of 0-150 bytes, derive() and the ECOC schedule match the reference', () => {
    fc.assert(
      fc.property(bytes(32), fc.array(fc.uint8Array({ maxLength: 150 }), { minLength: 1, maxLength: 4 }), bytes(16), (tokenKey, values, iv) => {
        const chain = new IndexTokenChain(tokenKey);
        for (const v of values) {
          const ref = equalityTokens(tokenKey, v);
          const got = chain.derive(v);
          expect(got.edcDerivedFromDataToken).toEqual(ref.edcDerivedFromDataToken);
          expect(got.escDerivedFromDataToken).toEqual(ref.escDerivedFromDataToken);
          expect(got.serverDerivedFromDataToken).toEqual(ref.serverDerivedFromDataToken);
          expect(chain.serverDataEncryptionLevel1Token).toEqual(ref.serverDataEncryptionLevel1Token);
          const plain = new Uint8Array(33).fill(v.length & 0xff);
          expect(aes256CtrEncrypt(chain.ecocKey, iv, plain)).toEqual(aes256CtrEncrypt(ref.ecocToken, iv, plain));
        }
        chain.destroy();
      }),
      { numRuns: 100 },
    );
  });
});

describe('BsonWriter: the bytes of range-bson.ts rawDocument for the same fields', () => {
  type Field = { kind: 'bin'; name: string; bytes: Uint8Array; subtype: number } | { kind: 'i32'; name: string; n: number } | { kind: 'i64'; name: string; n: bigint } | { kind: 'el'; name: string; type: number; value: Uint8Array } | { kind: 'doc' | 'arr'; name: string; fields: Field[] };
  const name = fc.stringMatching(/^[a-z]{1,3}$/);
  const { field } = fc.letrec<{ field: Field }>((tie) => ({
    field: fc.oneof(
      { depthSize: 'small' },
      fc.record({ kind: fc.constant('bin' as const), name, bytes: fc.uint8Array({ maxLength: 70 }), subtype: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ kind: fc.constant('i32' as const), name, n: fc.integer() }),
      fc.record({ kind: fc.constant('i64' as const), name, n: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) }),
      fc.record({ kind: fc.constant('el' as const), name, type: fc.constant(0x01), value: bytes(8) }),
      fc.record({ kind: fc.constantFrom('doc' as const, 'arr' as const), name, fields: fc.array(tie('field'), { maxLength: 4 }) }),
    ),
  }));
  const toRaw = (f: Field, i: number): RawField => {
    switch (f.kind) {
      case 'bin': return raw.bin(f.name, f.bytes, f.subtype);
      case 'i32': return raw.i32(f.name, f.n);
      case 'i64': return raw.i64(f.name, f.n);
      case 'el': return raw.element(f.name, { type: f.type, value: f.value });
      case 'doc': return raw.doc(f.name, f.fields.map(toRaw));
      case 'arr': return raw.array(f.name, f.fields.map((x) => [toRaw(x, i)]));
    }
  };
  const write = (w: BsonWriter, f: Field): void => {
    switch (f.kind) {
      case 'bin': w.bin(f.name, f.bytes, f.subtype); break;
      case 'i32': w.i32(f.name, f.n); break;
      case 'i64': w.i64(f.name, f.n); break;
      case 'el': w.element(f.name, { type: f.type, value: f.value }); break;
      case 'doc': w.startElementDocument(f.name); f.fields.forEach((x) => write(w, x)); w.endDocument(); break;
      case 'arr':
        w.startElementDocument(f.name, 0x04);
        f.fields.forEach((x, i) => { w.startElementDocument(String(i)); write(w, x); w.endDocument(); });
        w.endDocument();
        break;
    }
  };
  it('random nested documents and arrays (a 1-byte initial buffer, so every growth path runs)', () => {
    fc.assert(
      fc.property(fc.array(field, { maxLength: 8 }), (fields) => {
        const w = new BsonWriter(1).startDocument();
        fields.forEach((f) => write(w, f));
        expect(w.endDocument().finish()).toEqual(rawDocument(fields.map(toRaw)));
      }),
      { numRuns: 200 },
    );
  });
  it('bin2 writes prefix || rest as one binary', () => {
    const a = new Uint8Array([1, 2, 3]);
    const b = new Uint8Array([4, 5]);
    expect(new BsonWriter().startDocument().bin2('v', a, b, 4).endDocument().finish()).toEqual(rawDocument([raw.bin('v', new Uint8Array([1, 2, 3, 4, 5]), 4)]));
  });
});

type Case = { value: Int32 | Long | Double | Decimal128; rangeOptions: Record<string, unknown>; domain: RangeDomain; rv: RangeValue };

const int32Case = fc.tuple(fc.integer(), fc.integer(), fc.integer()).map(([a, b, c]): Case => {
  const [min, v, max] = [a, b, c].sort((x, y) => x - y) as [number, number, number];
  return {
    value: new Int32(v),
    rangeOptions: { min: new Int32(min), max: new Int32(max) },
    domain: { min: { type: 'int32', value: BigInt(min) }, max: { type: 'int32', value: BigInt(max) } },
    rv: { type: 'int32', value: BigInt(v) },
  };
});
const int64Case = fc.tuple(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })).map(([a, b, c]): Case => {
  const [min, v, max] = [a, b, c].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0)) as [bigint, bigint, bigint];
  return {
    value: Long.fromBigInt(v),
    rangeOptions: { min: Long.fromBigInt(min), max: Long.fromBigInt(max) },
    domain: { min: { type: 'int64', value: min }, max: { type: 'int64', value: max } },
    rv: { type: 'int64', value: v },
  };
});
// double and decimal128 without precision: the whole line (64 / 128-bit leaves, the longest edges).
const doubleCase = fc.double({ noNaN: true, noDefaultInfinity: true }).map((d): Case => ({ value: new Double(d), rangeOptions: {}, domain: {}, rv: { type: 'double', value: d } }));
const decimalCase = fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: -20, max: 20 })).map(([m, e]): Case => {
  const value = Decimal128.fromString(`${m}E${e}`);
  return { value, rangeOptions: {}, domain: {}, rv: { type: 'decimal128', value: decodeDec128(new Uint8Array(value.bytes)) } };
});

describe('range insert payload: fast path = reference path, byte for byte', () => {
  it('random int32 / int64 / double / decimal128 values, sparsity 1-4, trimFactor, contention 0-3', () => {
    fc.assert(
      fc.property(fc.oneof(int32Case, int64Case, doubleCase, decimalCase), bytes(96), fc.integer({ min: 1, max: 4 }), fc.option(fc.nat(200)), fc.integer({ min: 0, max: 3 }), bytes(16 * 140), checkAgainstReference),
      { numRuns: 60 },
    );
  });
  it('small domains with trimFactor 0: "root" beside a leaf of the same length (4 bits), every value and sparsity', () => {
    const rnd = new Uint8Array(16 * 140).map((_, i) => (i * 7 + 3) & 0xff);
    const key = new Uint8Array(96).map((_, i) => (i * 11 + 5) & 0xff);
    for (const max of [1, 3, 15, 16]) {
      for (let v = 0; v <= max; v++) {
        const c: Case = {
          value: new Int32(v),
          rangeOptions: { min: new Int32(0), max: new Int32(max) },
          domain: { min: { type: 'int32', value: 0n }, max: { type: 'int32', value: BigInt(max) } },
          rv: { type: 'int32', value: BigInt(v) },
        };
        for (let sparsity = 1; sparsity <= 4; sparsity++) checkAgainstReference(c, key, sparsity, 0, 0, rnd);
      }
    }
  });
});

/** One case: encryptQe's payload equals the reference built from tokens.ts, aes256CtrEncrypt and js-bson. */
function checkAgainstReference(c: Case, key: Uint8Array, sparsity: number, trimPick: number | null, cm: number, rnd: Uint8Array): void {
  const keyId = new Uint8Array(16).fill(0x42);
  const enc = encodeRange(c.rv, c.domain);
  const bits = enc.max.toString(2).length;
  // A trimFactor the domain accepts (0 <= tf < bits); none for a one-value domain.
  const tf = trimPick === null || bits <= 1 ? undefined : trimPick % bits;
  const rangeOptions = { ...c.rangeOptions, sparsity: Long.fromNumber(sparsity), ...(tf !== undefined && { trimFactor: new Int32(tf) }) };
  const random = fixedRandomSource(rnd);
  const out = encryptQe(c.value, { algorithm: 'Range', keyId: new Binary(keyId, 4), contentionFactor: cm, rangeOptions }, { keys: keyLookupFrom([[keyId, key]]), random });
  const got = out.buffer.subarray(0, out.position);

  // The reference, from the bytes the random source handed out, in libmongocrypt's order.
  const used = rnd.length - random.remaining();
  // k comes from the random source before any IV (contention.ts, unchanged by the fast path).
  const k = readK(got);
  expect(k >= 0n && k <= BigInt(cm)).toBe(true);
  const ivs = rnd.subarray(used - 16 * (2 + edgeCount(enc, sparsity, tf, bits)), used);
  const tokenKey = tokenKeyOf(key);
  const valueBytes = serialize({ v: c.value }).subarray(4 + 1 + 2, -1);
  const t = equalityTokens(tokenKey, valueBytes);
  const sTop = andContentionFactorToken(t.escDerivedFromDataToken, k);
  const trim = tf ?? trimFactorFor(bits, undefined);
  const { edges, leaf } = rangeEdges(enc, sparsity, trim);
  const g = edges.map((edge, i) => {
    const et = equalityTokens(tokenKey, new TextEncoder().encode(edge));
    const es = andContentionFactorToken(et.escDerivedFromDataToken, k);
    return {
      d: new Binary(andContentionFactorToken(et.edcDerivedFromDataToken, k), 0),
      s: new Binary(es, 0),
      l: new Binary(et.serverDerivedFromDataToken, 0),
      p: new Binary(aes256CtrEncrypt(et.ecocToken, ivs.subarray(32 + 16 * i, 48 + 16 * i), new Uint8Array([...es, edge === leaf ? 1 : 0])), 0),
    };
  });
  // Explicit encryption always sends the bounds: without min/max, the type's whole line.
  const bounds = c.rangeOptions['min'] !== undefined ? { mn: c.rangeOptions['min'], mx: c.rangeOptions['max'] } : c.value instanceof Double ? { mn: new Double(-Number.MAX_VALUE), mx: new Double(Number.MAX_VALUE) } : { mn: Decimal128.fromString(`-${DEC_MAX}`), mx: Decimal128.fromString(DEC_MAX) };
  const ref = serialize({
    d: new Binary(andContentionFactorToken(t.edcDerivedFromDataToken, k), 0),
    s: new Binary(sTop, 0),
    p: new Binary(aes256CtrEncrypt(t.ecocToken, ivs.subarray(0, 16), new Uint8Array([...sTop, 0])), 0),
    u: new Binary(keyId, 4),
    t: new Int32(serialize({ v: c.value })[4]!),
    v: new Binary(new Uint8Array([...keyId, ...qeAeadEncrypt('cbc', key, ivs.subarray(16, 32), keyId, valueBytes)]), 0),
    e: new Binary(t.serverDataEncryptionLevel1Token, 0),
    l: new Binary(t.serverDerivedFromDataToken, 0),
    k: Long.fromBigInt(k),
    g,
    sp: Long.fromNumber(sparsity),
    tf: new Int32(trim),
    ...bounds,
  });
  expect(got[0]).toBe(11);
  expect(Buffer.from(got.subarray(1)).toString('hex')).toBe(Buffer.from(ref).toString('hex'));
}

function edgeCount(enc: ReturnType<typeof encodeRange>, sparsity: number, tf: number | undefined, bits: number): number {
  return rangeEdges(enc, sparsity, tf ?? trimFactorFor(bits, undefined)).edges.length;
}

/** The payload's `k` (int64 after the `k` name): the contention factor drawn from the random source. */
function readK(payload: Uint8Array): bigint {
  for (let i = 1; i + 3 < payload.length; i++) {
    if (payload[i] === 0x12 && payload[i + 1] === 0x6b && payload[i + 2] === 0) {
      return new DataView(payload.buffer, payload.byteOffset + i + 3, 8).getBigInt64(0, true);
    }
  }
  throw new Error('no k in the payload');
}
