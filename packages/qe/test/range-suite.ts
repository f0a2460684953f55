// Range maths known answers (encoding, edges, mincover), written once and run over two roots
// with the same layout: ../shared/test-vectors/qe (range.shared.test.ts) and the repository's
// sample in test-vectors/qe (range-own-vectors.test.ts). Read files only inside tests.
import { bytesToHex, hexToBytes } from '@fle-ts/crypto-core';
import { Binary, Decimal128, EJSON } from 'bson';
import { expect } from 'vitest';
import { decodeDec128, type Dec128 } from '../src/range-decimal.js';
import { rangeEdges } from '../src/range-edges.js';
import {
  canUsePrecisionModeDecimal,
  canUsePrecisionModeDouble,
  encodeDecimal128Range,
  encodeDoubleRange,
  encodeIntRange,
  type RangeValue,
} from '../src/range-encoding.js';
import { rangeMincover } from '../src/range-mincover.js';
import { encryptPlaceholder, encryptQe, fixedRandomSource, type QeKeyLookup } from '../src/index.js';
import { rangeValueOfElement } from '../src/range-bson.js';
import { parseRangeOptions } from '../src/range-options.js';
import { encryptQeExpression, resetRangePayloadIdForTesting, type QeRangeEncryptOptions } from '../src/range-encrypt.js';

/** Reads a file below a test-vectors/qe root. */
export type Reader = (rel: string) => string;

type Json = Record<string, unknown>;
const U128_MAX = (1n << 128n) - 1n;

/** A converted double: JSON number or "NaN" / "Infinity" / "-Infinity" / "-0". */
export function dbl(x: unknown): number {
  if (typeof x === 'number') return x;
  if (x === 'NaN') return Number.NaN;
  if (x === 'Infinity') return Number.POSITIVE_INFINITY;
  if (x === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (x === '-0') return -0;
  throw new Error(`not a converted double: ${String(x)}`);
}
/** A decimal128 string as `mc_dec128_from_string` reads it (rounded to 34 digits). */
export function dec(x: unknown): Dec128 {
  // The C test's constants (mc-dec128.h): ±(10^34 - 1) × 10^6111.
  if (x === 'MC_DEC128_LARGEST_POSITIVE') return dec('9999999999999999999999999999999999E6111');
  if (x === 'MC_DEC128_LARGEST_NEGATIVE') return dec('-9999999999999999999999999999999999E6111');
  // Two cases name C's DBL_MIN / DBL_MAX where a decimal string is read: libmongocrypt's
  // mc_dec128_from_string gives NaN for text that is not a number, and so does this.
  if (x === 'DBL_MIN' || x === 'DBL_MAX') return { kind: 'nan' };
  return decodeDec128(new Uint8Array(Decimal128.fromStringWithRounding(String(x)).bytes));
}
const int = (x: unknown): bigint => BigInt(x as string | number);

/** Runs `fn` and says 'ok' or checks the error message contains `expectError`. */
function outcome(expectError: unknown, fn: () => void, where: string): 'ok' | 'error' {
  if (typeof expectError === 'string') {
    expect(fn, where).toThrow(expectError);
    return 'error';
  }
  fn();
  return 'ok';
}

/** inline/range-encoding.json: every int32/int64/double/decimal128 case; returns counts per type. */
export function runEncodingCases(read: Reader): Record<string, { ok: number; error: number }> {
  const data = JSON.parse(read('inline/range-encoding.json')) as Record<string, { cases: Json[] }>;
  const counts: Record<string, { ok: number; error: number }> = {};
  for (const type of ['int32', 'int64', 'double', 'decimal128'] as const) {
    const c = { ok: 0, error: 0 };
    for (const [i, t] of data[type]!.cases.entries()) {
      const where = `${type} #${i} ${JSON.stringify(t)}`;
      let run: () => void;
      if (type === 'int32' || type === 'int64') {
        const a = t['args'] as Json;
        const e = t['expect'] as Json | undefined;
        run = () => {
          const got = encodeIntRange(
            { value: int(a['value']), ...(a['min'] !== undefined && { min: int(a['min']) }), ...(a['max'] !== undefined && { max: int(a['max']) }) },
            type === 'int32' ? 32 : 64,
          );
          expect([got.value, got.min, got.max], where).toEqual([int(e!['value']), int(e!['min']), int(e!['max'])]);
        };
      } else if (type === 'double') {
        run = () => {
          const got = encodeDoubleRange({
            value: dbl(t['value']),
            ...(t['min'] !== undefined && { min: dbl(t['min']) }),
            ...(t['max'] !== undefined && { max: dbl(t['max']) }),
            ...(t['precision'] !== undefined && { precision: t['precision'] as number }),
          });
          expect([got.value, got.min, got.max], where).toEqual([int(t['expect']), 0n, t['expectMax'] !== undefined ? int(t['expectMax']) : (1n << 64n) - 1n]);
        };
      } else {
        run = () => {
          const got = encodeDecimal128Range({
            value: dec(t['value'] ?? '0'),
            ...(t['min'] !== undefined && { min: dec(t['min']) }),
            ...(t['max'] !== undefined && { max: dec(t['max']) }),
            ...(t['precision'] !== undefined && { precision: t['precision'] as number }),
          });
          expect(got.value, where).toBe(int(t['expect']));
          expect(got.min).toBe(0n);
          if (t['precision'] === undefined) expect(got.max).toBe(U128_MAX);
          else expect(got.max < U128_MAX && ((got.max + 1n) & got.max) === 0n, `${where}: max is 2^bits - 1`).toBe(true);
        };
      }
      c[outcome(t['expectError'], run, where)]++;
    }
    counts[type] = c;
  }
  return counts;
}

/** inline/range-can-use-precision-mode.json; returns [ok, error] counts. */
export function runPrecisionModeCases(read: Reader): { ok: number; error: number } {
  const data = JSON.parse(read('inline/range-can-use-precision-mode.json')) as Record<string, { cases: Json[] }>;
  const c = { ok: 0, error: 0 };
  for (const type of ['double', 'decimal128'] as const) {
    for (const [i, t] of data[type]!.cases.entries()) {
      const where = `${type} #${i} ${JSON.stringify(t)}`;
      const run = (): void => {
        const got =
          type === 'double'
            ? canUsePrecisionModeDouble(dbl(t['min']), dbl(t['max']), t['precision'] as number)
            : canUsePrecisionModeDecimal(dec(t['min']), dec(t['max']), t['precision'] as number);
        expect(got.ok, where).toBe(t['expected']);
        if (got.ok) expect(got.bits, where).toBe(t['expectedMaxBits']);
      };
      c[outcome(t['expectError'], run, where)]++;
    }
  }
  return c;
}

/** The range value of a converted number of `type`. */
export function rangeValue(type: string, x: unknown): RangeValue {
  switch (type) {
    case 'int32':
      return { type: 'int32', value: int(x) };
    case 'int64':
      return { type: 'int64', value: int(x) };
    case 'double':
      return { type: 'double', value: dbl(x) };
    default:
      return { type: 'decimal128', value: dec(x) };
  }
}

/** Edges of one case (data/range-edge-generation or inline); double/decimal128 ignore min/max there. */
export function edgesOfCase(type: string, t: Json): string[] {
  const v = rangeValue(type, t['value']);
  const intType = type === 'int32' || type === 'int64';
  const sparsity = t['sparsity'] as number;
  const trimFactor = (t['trimFactor'] as number | undefined) ?? 0;
  let enc;
  if (v.type === 'int32' || v.type === 'int64') {
    enc = encodeIntRange(
      { value: v.value, ...(intType && t['min'] !== undefined && { min: int(t['min']) }), ...(intType && t['max'] !== undefined && { max: int(t['max']) }) },
      v.type === 'int32' ? 32 : 64,
    );
  } else if (v.type === 'double') enc = encodeDoubleRange({ value: v.value });
  else if (v.type === 'decimal128') enc = encodeDecimal128Range({ value: v.value });
  else throw new Error(`no edge files for ${v.type}`);
  return rangeEdges(enc, sparsity, trimFactor).edges;
}

/** A file of edge cases; returns [ok, error] counts. */
export function runEdgeFile(read: Reader, rel: string, type: string): { ok: number; error: number } {
  const cases = (JSON.parse(read(rel)) as { cases: Json[] }).cases;
  const c = { ok: 0, error: 0 };
  for (const [i, t] of cases.entries()) {
    const where = `${rel} #${i} ${JSON.stringify(t).slice(0, 200)}`;
    c[outcome(t['expectError'], () => expect(edgesOfCase(type, t), where).toEqual(t['expectEdges']), where)]++;
  }
  return c;
}

/** Mincover of one case: min/max count for ints always, for double/decimal128 only with precision. */
export function mincoverOfCase(type: string, t: Json): string[] {
  const usesBounds = type === 'int32' || type === 'int64' || t['precision'] !== undefined;
  const domain = usesBounds
    ? {
        ...(t['min'] !== undefined && { min: rangeValue(type, t['min']) }),
        ...(t['max'] !== undefined && { max: rangeValue(type, t['max']) }),
        ...(t['precision'] !== undefined && { precision: t['precision'] as number }),
      }
    : {};
  return rangeMincover(
    { lower: rangeValue(type, t['lowerBound']), includeLower: t['includeLowerBound'] as boolean, upper: rangeValue(type, t['upperBound']), includeUpper: t['includeUpperBound'] as boolean },
    domain,
    t['sparsity'] as number,
    (t['trimFactor'] as number | undefined) ?? 0,
  );
}

/**
 * A file of mincover cases; returns counts. Precision cases whose domain libmongocrypt's
 * `mc_canUsePrecisionMode*` refuses must fail in range v2, as the C test expects.
 */
export function runMincoverFile(read: Reader, rel: string, type: string): { ok: number; error: number; refusedPrecision: number } {
  const cases = (JSON.parse(read(rel)) as { cases: Json[] }).cases;
  const c = { ok: 0, error: 0, refusedPrecision: 0 };
  for (const [i, t] of cases.entries()) {
    const where = `${rel} #${i} ${JSON.stringify(t).slice(0, 200)}`;
    if (t['precision'] !== undefined && (type === 'double' || type === 'decimal128')) {
      let usable = false;
      try {
        usable =
          type === 'double'
            ? canUsePrecisionModeDouble(dbl(t['min']), dbl(t['max']), t['precision'] as number).ok
            : canUsePrecisionModeDecimal(dec(t['min']), dec(t['max']), t['precision'] as number).ok;
      } catch {
        usable = false;
      }
      if (!usable) {
        expect(() => mincoverOfCase(type, t), where).toThrow(/double precision|Decimal128 precision|cannot be represented|Invalid value for precision/);
        c.refusedPrecision++;
        continue;
      }
    }
    c[outcome(t['expectError'], () => expect(mincoverOfCase(type, t), where).toEqual(t['expectMincoverStrings']), where)]++;
  }
  return c;
}

/** inline/range-edges-inline.json (trimFactor 1-3, errors); counts per type. */
export function runInlineEdges(read: Reader): Record<string, { ok: number; error: number }> {
  const data = JSON.parse(read('inline/range-edges-inline.json')) as Record<string, { cases: Json[] }>;
  const out: Record<string, { ok: number; error: number }> = {};
  for (const type of ['int32', 'int64']) {
    const c = { ok: 0, error: 0 };
    for (const [i, t] of data[type]!.cases.entries()) {
      const where = `inline edges ${type} #${i} ${JSON.stringify(t)}`;
      c[outcome(t['expectError'], () => expect(edgesOfCase(type, t), where).toEqual(t['expectEdges']), where)]++;
    }
    out[type] = c;
  }
  return out;
}

/** inline/range-mincover-inline.json (trimFactor 1-3, errors); counts per type. */
export function runInlineMincover(read: Reader): Record<string, { ok: number; error: number }> {
  const data = JSON.parse(read('inline/range-mincover-inline.json')) as Record<string, { cases: Json[] }>;
  const out: Record<string, { ok: number; error: number }> = {};
  for (const type of ['int32', 'int64']) {
    const c = { ok: 0, error: 0 };
    for (const [i, t] of data[type]!.cases.entries()) {
      const where = `inline mincover ${type} #${i} ${JSON.stringify(t)}`;
      c[outcome(t['expectError'], () => expect(mincoverOfCase(type, t), where).toEqual(t['expectMincoverStrings']), where)]++;
    }
    out[type] = c;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Range payloads: cases/auto-encrypt.json and cases/explicit-encrypt.json (the Range rows).

function ejson(text: string): Record<string, unknown> {
  return EJSON.parse(text, { relaxed: false }) as Record<string, unknown>;
}
/** Inline JSON of the C tests: single quotes, and libbson reads 123.0 as a double. */
function inlineJson(text: string): Record<string, unknown> {
  return ejson(text.replace(/'/g, '"').replace(/(:\s*)(-?\d+\.\d+(?:[eE][-+]?\d+)?)/g, '$1{"$$numberDouble": "$2"}'));
}
function binBytes(b: unknown): Uint8Array {
  const bin = b as Binary;
  return bin.buffer.subarray(0, bin.position);
}
function encryptedByPath(doc: unknown, path = '', out = new Map<string, Uint8Array>()): Map<string, Uint8Array> {
  if ((doc as { _bsontype?: string } | null)?._bsontype === 'Binary') {
    if ((doc as Binary).sub_type === 6) out.set(path, binBytes(doc));
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) encryptedByPath(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

interface AutoCase {
  name: string;
  markings: string;
  expect: string;
  rngHex?: string;
  rngBytesUsed?: number;
}
const RANGE_AUTO = /^(fle2-insert-range|fle2-find-range|no-trimFactor|range-sends-cryptoParams)\//;

/** The auto (marking) range cases. */
export function autoRangeCases(read: Reader): AutoCase[] {
  return (JSON.parse(read('cases/auto-encrypt.json')) as { cases: AutoCase[] }).cases.filter((c) => RANGE_AUTO.test(c.name));
}

/** Encrypts every marking of a case's mongocryptd reply; byte-equal to the expected payload, same RNG bytes used. */
export function runAutoRangeCase(read: Reader, c: AutoCase, keys: QeKeyLookup): number {
  const expected = encryptedByPath(ejson(read(`data/${c.expect}`)));
  const markings = encryptedByPath((ejson(read(`data/${c.markings}`)) as { result: unknown }).result);
  const rng = hexToBytes(c.rngHex ?? '');
  const random = fixedRandomSource(rng);
  let n = 0;
  for (const [path, marking] of markings) {
    expect(marking[0], `${c.name}: ${path} is a marking`).toBe(3);
    const got = encryptPlaceholder(marking, { keys, random });
    expect(bytesToHex(binBytes(got)), `${c.name}: ${path}`).toBe(bytesToHex(expected.get(path)!));
    n++;
  }
  expect(n, `${c.name}: markings`).toBeGreaterThan(0);
  expect(rng.length - random.remaining(), `${c.name}: random bytes used`).toBe(c.rngBytesUsed ?? 0);
  return n;
}

interface ExplicitCase {
  desc: string;
  algorithm: string;
  keyId: string;
  indexKeyId?: string;
  contentionFactor?: number | string;
  queryType?: string;
  rangeOpts?: { json?: string; file?: string };
  msg: { json?: string; file?: string };
  isExpression?: boolean;
  expect?: { json?: string; file?: string };
  expectFinalizeError?: string;
  expectInitError?: string;
  rngHex?: string | null;
  rngBytesUsed?: number;
}

/** The explicit Range cases. */
export function explicitRangeCases(read: Reader): ExplicitCase[] {
  return (JSON.parse(read('cases/explicit-encrypt.json')) as { cases: ExplicitCase[] }).cases.filter((c) => c.algorithm === 'Range');
}

function uuid(hex: string): Binary {
  return new Binary(hexToBytes(hex), 4);
}

/** One explicit Range case: encrypt or encryptExpression byte-equal to libmongocrypt, or its error. */
export function runExplicitRangeCase(read: Reader, c: ExplicitCase, keys: QeKeyLookup): 'bytes' | 'error' {
  const load = (x: { json?: string; file?: string }): Record<string, unknown> => (x.json ? inlineJson(x.json) : ejson(read(`data/${x.file}`)));
  const msg = load(c.msg);
  const options: QeRangeEncryptOptions = {
    algorithm: 'Range',
    keyId: uuid(c.keyId),
    contentionFactor: BigInt(c.contentionFactor ?? 0),
    rangeOptions: c.rangeOpts ? load(c.rangeOpts) : {},
    ...(c.indexKeyId !== undefined && { indexKeyId: uuid(c.indexKeyId) }),
    ...(c.queryType !== undefined && { queryType: c.queryType as 'range' }),
  };
  const rng = hexToBytes(c.rngHex ?? '');
  const random = fixedRandomSource(rng);
  resetRangePayloadIdForTesting();
  const run = (): unknown => (c.isExpression ? encryptQeExpression(msg['v'], options, { keys, random }) : encryptQe(msg['v'], options, { keys, random }));
  const err = c.expectFinalizeError ?? c.expectInitError;
  if (err !== undefined) {
    expect(run, c.desc).toThrow(err);
    return 'error';
  }
  const got = encryptedByPath({ v: run() });
  const expected = encryptedByPath(load(c.expect!));
  expect([...got.keys()], c.desc).toEqual([...expected.keys()]);
  for (const [path, bytes] of expected) expect(bytesToHex(got.get(path)!), `${c.desc}: ${path}`).toBe(bytesToHex(bytes));
  expect(rng.length - random.remaining(), `${c.desc}: random bytes used`).toBe(c.rngBytesUsed ?? 0);
  return 'bytes';
}

/** inline/rangeopts-parse.json (`mc_RangeOpts_parse`): defaults, parsed values or the error. */
export function runRangeOptsParseCases(read: Reader): { ok: number; error: number } {
  const data = JSON.parse(read('inline/rangeopts-parse.json')) as { cases: Json[] };
  const c = { ok: 0, error: 0 };
  for (const t of data.cases) {
    const where = String(t['desc']);
    const opts = inlineJson(t['in'] as string);
    const run = (): void => {
      const got = parseRangeOptions(opts);
      expect(got.sparsity, where).toBe(BigInt(t['expectSparsity'] as string));
      if (t['expectTrimFactor'] !== undefined) expect(got.trimFactor, where).toBe(t['expectTrimFactor']);
      else expect(got.trimFactor, where).toBeUndefined();
      for (const [k, e] of [['min', t['expectMin']], ['max', t['expectMax']]] as const) {
        if (e === undefined) expect(got[k], where).toBeUndefined();
        else expect(rangeValueOfElement(got[k]!, k).value, where).toBe(BigInt(e as number));
      }
    };
    c[outcome(t['expectError'], run, where)]++;
  }
  return c;
}
