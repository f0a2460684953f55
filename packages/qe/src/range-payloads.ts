import { aes256CtrXor, hmacSha256, qeAeadEncrypt, wipe, type Aes256Key } from '@fle-ts/crypto-core';
import { BsonWriter } from './bson-writer.js';
import { u64le } from './bytes.js';
import { type RawElement } from './bson-elements.js';
import { chooseContentionFactor } from './contention.js';
import { QeError } from './errors.js';
import { QeKind } from './kinds.js';
import { takeRandom, type RandomSource } from './random.js';
import { raw, rangeValueOfElement, rawDocument, subDocument, type RawField } from './range-bson.js';
import { rangeEdges } from './range-edges.js';
import { IndexTokenChain } from './edge-tokens.js';
import { encodeRange, type RangeDomain, type RangeValue } from './range-encoding.js';
import { rangeMincover, trimFactorFor } from './range-mincover.js';
import { tokenKeyOf } from './tokens.js';

/**
 * Range (v2) payloads, as libmongocrypt's `mongocrypt-marking.c` makes them from a range marking
 * (`_mongocrypt_fle2_placeholder_to_insert_update_ciphertextForRange`, `..._find_ciphertextForRange`):
 * an FLE2InsertUpdatePayloadV2 (11) with one edge token set per edge in `g` plus the
 * parameters `sp`, `pn`, `tf`, `mn`, `mx`; an FLE2FindRangePayloadV2 (13) with one token set
 * per mincover edge.
 */

/** FLE2RangeInsertSpec, the `v` of a range insert marking: `{v, min, max, precision?, trimFactor?}`. */
export interface RangeInsertSpec {
  value: RawElement;
  min?: RawElement;
  max?: RawElement;
  precision?: number;
  trimFactor?: number;
}

/** FLE2RangeFindSpec's `edgesInfo`: the query bounds and the index domain. */
export interface RangeEdgesInfo {
  lowerBound: RawElement;
  lbIncluded: boolean;
  upperBound: RawElement;
  ubIncluded: boolean;
  indexMin: RawElement;
  indexMax: RawElement;
  precision?: number;
  trimFactor?: number;
}

/** FLE2RangeFindSpec, the `v` of a range find marking. */
export interface RangeFindSpec {
  edgesInfo?: RangeEdgesInfo;
  payloadId: number;
  firstOperator: number;
  secondOperator?: number;
}

/** The query operators of a range find (`mc_FLE2RangeOperator_t`): 1 $gt, 2 $gte, 3 $lt, 4 $lte. */
export const RANGE_OPERATORS = { $gt: 1, $gte: 2, $lt: 3, $lte: 4 } as const;

const WHAT_I = 'FLE2RangeInsertSpec';
const WHAT_F = 'FLE2RangeFindSpec';

function int32Of(e: RawElement | undefined, name: string, what: string): number | undefined {
  if (e === undefined) return undefined;
  if (e.type !== 0x10) throw new QeError('BAD_PLACEHOLDER', `${what}: '${name}' must be an int32`);
  return new DataView(e.value.buffer, e.value.byteOffset, 4).getInt32(0, true);
}
function boolOf(e: RawElement | undefined, name: string, what: string): boolean {
  if (!e || e.type !== 0x08) throw new QeError('BAD_PLACEHOLDER', `${what}: '${name}' must be a boolean`);
  return e.value[0] === 1;
}
function need(f: Map<string, RawElement>, name: string, what: string): RawElement {
  const e = f.get(name);
  if (!e) throw new QeError('BAD_PLACEHOLDER', `${what}: missing '${name}'`);
  return e;
}

/** Parses the `v` document of a range insert marking (`mc_FLE2RangeInsertSpec_parse`). */
export function parseRangeInsertSpec(v: RawElement): RangeInsertSpec {
  const f = subDocument(v, WHAT_I);
  const precision = int32Of(f.get('precision'), 'precision', WHAT_I);
  const trimFactor = int32Of(f.get('trimFactor'), 'trimFactor', WHAT_I);
  const min = f.get('min');
  const max = f.get('max');
  return {
    value: need(f, 'v', WHAT_I),
    ...(min !== undefined && { min }),
    ...(max !== undefined && { max }),
    ...(precision !== undefined && { precision }),
    ...(trimFactor !== undefined && { trimFactor }),
  };
}

/** Parses the `v` document of a range find marking (`mc_FLE2RangeFindSpec_parse`). */
export function parseRangeFindSpec(v: RawElement): RangeFindSpec {
  const f = subDocument(v, WHAT_F);
  const payloadId = int32Of(need(f, 'payloadId', WHAT_F), 'payloadId', WHAT_F)!;
  const firstOperator = int32Of(need(f, 'firstOperator', WHAT_F), 'firstOperator', WHAT_F)!;
  const secondOperator = int32Of(f.get('secondOperator'), 'secondOperator', WHAT_F);
  let edgesInfo: RangeEdgesInfo | undefined;
  if (f.has('edgesInfo')) {
    const W = `${WHAT_F} edgesInfo`;
    const e = subDocument(f.get('edgesInfo'), W);
    const precision = int32Of(e.get('precision'), 'precision', W);
    const trimFactor = int32Of(e.get('trimFactor'), 'trimFactor', W);
    edgesInfo = {
      lowerBound: need(e, 'lowerBound', W),
      lbIncluded: boolOf(e.get('lbIncluded'), 'lbIncluded', W),
      upperBound: need(e, 'upperBound', W),
      ubIncluded: boolOf(e.get('ubIncluded'), 'ubIncluded', W),
      indexMin: need(e, 'indexMin', W),
      indexMax: need(e, 'indexMax', W),
      ...(precision !== undefined && { precision }),
      ...(trimFactor !== undefined && { trimFactor }),
    };
  }
  return { ...(edgesInfo && { edgesInfo }), payloadId, firstOperator, ...(secondOperator !== undefined && { secondOperator }) };
}

/**
 * The domain the encodings use: integers always take min/max; double and decimal128 only with
 * a precision (libmongocrypt `get_edges`, `mc_get_mincover_from_FLE2RangeFindSpec`).
 */
function domainOf(type: RangeValue['type'], min: RawElement | undefined, max: RawElement | undefined, precision: number | undefined): RangeDomain {
  const usesBounds = type === 'int32' || type === 'int64' || type === 'date' || precision !== undefined;
  if (!usesBounds) return {};
  return {
    ...(min !== undefined && { min: rangeValueOfElement(min, 'min') }),
    ...(max !== undefined && { max: rangeValueOfElement(max, 'max') }),
    ...(precision !== undefined && { precision }),
  };
}

/** Bits of the encoded domain (the leaf length): what trimFactor is checked against. */
function domainBits(sample: RangeValue, domain: RangeDomain): number {
  const max = encodeRange(domain.min ?? sample, domain).max;
  return max.toString(2).length;
}

/** `p` of a range token set: IV || AES-256-CTR(ECOCToken, s || isLeaf) (range v2 appends the byte). */
function writeEncryptedTokens(w: BsonWriter, ecoc: Aes256Key, iv: Uint8Array, s: Uint8Array, isLeaf: number): void {
  const plain = new Uint8Array(s.length + 1);
  plain.set(s, 0);
  plain[s.length] = isLeaf;
  w.bin2('p', iv, aes256CtrXor(ecoc, iv, plain));
  plain.fill(0);
}

const ROOT = /* @__PURE__ */ new TextEncoder().encode('root');

/**
 * The ASCII bytes of each edge (the token chain hashes the edge string, LMC `mc-range-edge-generation.c`):
 * every edge but "root" is a prefix of the leaf (range-edges.ts `edgesOfLeaf`), so they are views of
 * the leaf's bytes, encoded once. The leaf is the only edge as long as itself that is not "root".
 */
function edgeBytes(edges: readonly string[], leaf: string): Uint8Array[] {
  const leafBytes = new Uint8Array(leaf.length);
  for (let i = 0; i < leaf.length; i++) leafBytes[i] = leaf.charCodeAt(i);
  return edges.map((e) => (e === 'root' ? ROOT : leafBytes.subarray(0, e.length)));
}

/** Inputs of a range insert: keys, the parsed spec, sparsity (`s` of the marking), the chosen contention factor. */
export interface RangeInsertInput {
  indexKeyId: Uint8Array;
  indexKey: Uint8Array;
  userKeyId: Uint8Array;
  userKey: Uint8Array;
  spec: RangeInsertSpec;
  sparsity: bigint;
  /** cm: the contention factor k is drawn from [0, cm] once every bound is checked. */
  maxContention: bigint;
  random: RandomSource;
}

/**
 * The range FLE2InsertUpdatePayloadV2 bytes (`0x0b || BSON`). The edges are computed (and every
 * bound checked) before any random byte is read; then random bytes are read in libmongocrypt's
 * order: the contention factor (when cm > 0), the IVs of `p` and `v`, then one IV per edge.
 */
export function buildRangeInsertPayloadV2(input: RangeInsertInput): Uint8Array {
  const { spec } = input;
  const value = rangeValueOfElement(spec.value, 'value');
  const domain = domainOf(value.type, spec.min, spec.max, spec.precision);
  const encoded = encodeRange(value, domain);
  const sparsity = Number(input.sparsity);
  const tf = spec.trimFactor ?? trimFactorFor(encoded.max.toString(2).length, undefined);
  const { edges, leaf } = rangeEdges(encoded, sparsity, tf);

  const chain = new IndexTokenChain(tokenKeyOf(input.indexKey));
  const k = chooseContentionFactor(input.maxContention, input.random);
  const k8 = u64le(k);
  const edgeValues = edgeBytes(edges, leaf);
  // The IVs of p, v and each edge's p, in libmongocrypt's order, taken in one read.
  const ivs = takeRandom(input.random, 16 * (2 + edges.length));
  // The value's own token set, then one per edge: the same chain (tokens.ts `equalityTokens` +
  // `andContentionFactorToken`), its value-independent part derived once.
  const t = chain.derive(spec.value.value);
  const aead = qeAeadEncrypt('cbc', input.userKey, ivs.subarray(16, 32), input.userKeyId, spec.value.value);
  const w = new BsonWriter(256 + 192 * edges.length + aead.length);
  w.byte(QeKind.FLE2InsertUpdatePayloadV2).startDocument();
  const s = hmacSha256(t.escDerivedFromDataToken, k8);
  w.bin('d', hmacSha256(t.edcDerivedFromDataToken, k8)).bin('s', s);
  writeEncryptedTokens(w, chain.ecocKey, ivs.subarray(0, 16), s, 0);
  w.bin('u', input.indexKeyId, 4).i32('t', spec.value.type).bin2('v', input.userKeyId, aead);
  w.bin('e', chain.serverDataEncryptionLevel1Token).bin('l', t.serverDerivedFromDataToken).i64('k', k);
  wipe(t.edcDerivedFromDataToken, t.escDerivedFromDataToken);
  w.startElementDocument('g', 0x04);
  for (let i = 0; i < edgeValues.length; i++) {
    const edge = edgeValues[i]!;
    const et = chain.derive(edge);
    const es = hmacSha256(et.escDerivedFromDataToken, k8);
    w.startElementDocument(String(i)).bin('d', hmacSha256(et.edcDerivedFromDataToken, k8)).bin('s', es).bin('l', et.serverDerivedFromDataToken);
    writeEncryptedTokens(w, chain.ecocKey, ivs.subarray(32 + 16 * i, 48 + 16 * i), es, edge.length === leaf.length && edge !== ROOT ? 1 : 0);
    w.endDocument();
    wipe(et.edcDerivedFromDataToken, et.escDerivedFromDataToken);
  }
  w.endDocument();
  chain.destroy();
  w.i64('sp', input.sparsity);
  if (spec.precision !== undefined) w.i32('pn', spec.precision);
  w.i32('tf', tf);
  if (spec.min !== undefined) w.element('mn', spec.min);
  if (spec.max !== undefined) w.element('mx', spec.max);
  return w.endDocument().finish();
}

/**
 * A double ±Infinity bound: the open end of a one-sided query (`isInfinite` in
 * mongocrypt-marking.c reads the bound as a double; a decimal128 Infinity is refused later,
 * as libmongocrypt 1.20.2 refuses it).
 */
function isInfinite(e: RawElement): boolean {
  if (e.type !== 0x01) return false;
  const d = new DataView(e.value.buffer, e.value.byteOffset, 8).getFloat64(0, true);
  return d === Number.POSITIVE_INFINITY || d === Number.NEGATIVE_INFINITY;
}

/**
 * The mincover strings of a find's edgesInfo (`mc_get_mincover_from_FLE2RangeFindSpec`): an
 * infinite bound stands for the index's end, included.
 */
export function mincoverOfEdgesInfo(info: RangeEdgesInfo, sparsity: number): { cover: string[]; trimFactor: number } {
  if (info.indexMin.type !== info.indexMax.type) {
    throw new QeError('BAD_RANGE_OPTIONS', 'indexMin and indexMax must have the same type');
  }
  let lower = info.lowerBound;
  let upper = info.upperBound;
  let lbIncluded = info.lbIncluded;
  let ubIncluded = info.ubIncluded;
  if (isInfinite(lower)) {
    lower = info.indexMin;
    lbIncluded = true;
  }
  if (isInfinite(upper)) {
    upper = info.indexMax;
    ubIncluded = true;
  }
  if (lower.type !== info.indexMin.type) throw new QeError('BAD_RANGE_VALUE', 'expected lowerBound to match index type');
  if (upper.type !== info.indexMin.type) throw new QeError('BAD_RANGE_VALUE', 'expected upperBound to match index type');
  const lo = rangeValueOfElement(lower, 'lowerBound');
  const domain = domainOf(lo.type, info.indexMin, info.indexMax, info.precision);
  const tf = info.trimFactor ?? trimFactorFor(domainBits(lo, domain), undefined);
  const cover = rangeMincover({ lower: lo, includeLower: lbIncluded, upper: rangeValueOfElement(upper, 'upperBound'), includeUpper: ubIncluded }, domain, sparsity, tf);
  return { cover, trimFactor: tf };
}

/**
 * The FLE2FindRangePayloadV2 bytes (`0x0d || BSON`): deterministic. With edgesInfo:
 * `{payload: {g: [{d, s, l}], cm}, payloadId, firstOperator, secondOperator?, sp, pn?, tf, mn, mx}`;
 * without (the second half of a two-sided query): `{payloadId, firstOperator, secondOperator?}`.
 */
export function buildFindRangePayloadV2(indexKey: Uint8Array, spec: RangeFindSpec, sparsity: bigint, maxContention: bigint): Uint8Array {
  const ops: RawField[] = [
    raw.i32('payloadId', spec.payloadId),
    raw.i32('firstOperator', spec.firstOperator),
    ...(spec.secondOperator !== undefined ? [raw.i32('secondOperator', spec.secondOperator)] : []),
  ];
  const info = spec.edgesInfo;
  if (!info) return withKind(QeKind.FLE2FindRangePayloadV2, rawDocument(ops));
  const { cover, trimFactor } = mincoverOfEdgesInfo(info, Number(sparsity));
  const chain = new IndexTokenChain(tokenKeyOf(indexKey));
  const ascii = new TextEncoder();
  const g = cover.map((edge): RawField[] => {
    const et = chain.derive(ascii.encode(edge));
    return [raw.bin('d', et.edcDerivedFromDataToken), raw.bin('s', et.escDerivedFromDataToken), raw.bin('l', et.serverDerivedFromDataToken)];
  });
  chain.destroy();
  return withKind(
    QeKind.FLE2FindRangePayloadV2,
    rawDocument([
      raw.doc('payload', [raw.array('g', g), raw.i64('cm', maxContention)]),
      ...ops,
      raw.i64('sp', sparsity),
      ...(info.precision !== undefined ? [raw.i32('pn', info.precision)] : []),
      raw.i32('tf', trimFactor),
      raw.element('mn', info.indexMin),
      raw.element('mx', info.indexMax),
    ]),
  );
}

function withKind(kind: number, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + body.length);
  out[0] = kind;
  out.set(body, 1);
  return out;
}
