import { keyIdBytes, serializeBsonValue, type KeyIdInput } from '@fle-ts/fle-format';
import { Binary, deserialize, Int32, serialize } from 'bson';
import { type RawElement } from './bson-elements.js';
import { contentionFactor } from './contention.js';
import { QeError } from './errors.js';
import { requireKey } from './keys.js';
import type { Fle2Placeholder } from './placeholder.js';
import { defaultRandomSource, type RandomSource } from './random.js';
import type { QeKeyLookup } from './keys.js';
import { bsonTypeName } from './range-bson.js';
import { parseRangeOptions, rangeBound, type QeRangeOptions, type RangeOptions } from './range-options.js';
import {
  buildFindRangePayloadV2,
  buildRangeInsertPayloadV2,
  parseRangeFindSpec,
  parseRangeInsertSpec,
  RANGE_OPERATORS,
  type RangeEdgesInfo,
  type RangeFindSpec,
} from './range-payloads.js';

/** Keys and randomness (the same shape as `QeEncryptContext`). */
interface Ctx {
  keys: QeKeyLookup;
  random?: RandomSource;
}

const RANGE_TYPES = new Set([0x01, 0x09, 0x10, 0x12, 0x13]);

/**
 * A range marking (a = 3) → payload: insert → FLE2InsertUpdatePayloadV2 (11) with edges, find →
 * FLE2FindRangePayloadV2 (13). Keys are looked up and every bound checked before the first
 * random byte is read; then the contention factor, `p`, `v` and one IV per edge.
 */
export function encryptRangeMarking(p: Fle2Placeholder, ctx: Ctx): Uint8Array {
  if (p.sparsity === undefined) throw new QeError('BAD_PLACEHOLDER', 'FLE2EncryptionPlaceholder: a range marking needs the sparsity \'s\'');
  const v: RawElement = { type: p.bsonType, value: p.valueBytes };
  const indexKey = requireKey(ctx.keys, p.indexKeyId, 'index key');
  if (p.type === 'find') return buildFindRangePayloadV2(indexKey, parseRangeFindSpec(v), p.sparsity, p.maxContention);
  const spec = parseRangeInsertSpec(v);
  if (!RANGE_TYPES.has(spec.value.type)) {
    throw new QeError('UNSUPPORTED_BSON_TYPE', `unsupported BSON type: ${bsonTypeName(spec.value.type)} for range; range takes int, long, date, double or decimal`);
  }
  const userKey = requireKey(ctx.keys, p.userKeyId, 'user key');
  const random = ctx.random ?? defaultRandomSource;
  return buildRangeInsertPayloadV2({ indexKeyId: p.indexKeyId, indexKey, userKeyId: p.userKeyId, userKey, spec, sparsity: p.sparsity, maxContention: p.maxContention, random });
}

/** Explicit Range options (`encrypt` / `encryptExpression` with algorithm 'Range'). */
export interface QeRangeEncryptOptions {
  algorithm: 'Range';
  keyId: KeyIdInput;
  indexKeyId?: KeyIdInput;
  /** Required: 0 <= x < 2^63 - 1. */
  contentionFactor: number | bigint | { toString(): string };
  /** 'range' for encryptExpression; absent for an insert. */
  queryType?: 'range';
  rangeOptions: QeRangeOptions;
}

function common(options: QeRangeEncryptOptions): { userKeyId: Uint8Array; indexKeyId: Uint8Array; maxContention: bigint; ro: RangeOptions } {
  if (options.contentionFactor === undefined) throw new QeError('BAD_CONTENTION_FACTOR', 'contention factor is required for indexed algorithm');
  const maxContention = contentionFactor(options.contentionFactor);
  const ro = parseRangeOptions(options.rangeOptions);
  const userKeyId = new Uint8Array(keyIdBytes(options.keyId));
  const indexKeyId = options.indexKeyId === undefined ? userKeyId : new Uint8Array(keyIdBytes(options.indexKeyId));
  return { userKeyId, indexKeyId, maxContention, ro };
}

function doc(fields: Record<string, unknown>): RawElement {
  return { type: 0x03, value: new Uint8Array(serialize(fields)) };
}

function rawValue(e: RawElement): unknown {
  // Round-trips a raw element through js-bson with its type kept (Int32, Long, Double, Decimal128, Date).
  const bytes = new Uint8Array(7 + e.value.length);
  const len = bytes.length;
  new DataView(bytes.buffer).setInt32(0, len, true);
  bytes[4] = e.type;
  bytes[5] = 0x78; // "x"
  bytes[6] = 0;
  bytes.set(e.value, 7);
  const withTerm = new Uint8Array(len + 1);
  withTerm.set(bytes);
  new DataView(withTerm.buffer).setInt32(0, len + 1, true);
  return deserialize(withTerm, { promoteValues: false, promoteLongs: false, promoteBuffers: false })['x'];
}

/**
 * Explicit Range encryption of one value (`ClientEncryption.encrypt` with algorithm 'Range'):
 * the FLE2InsertUpdatePayloadV2 with edges libmongocrypt makes, as BinData 6.
 *
 * @example
 * const blob = encryptQeRange(Int32(25), { algorithm: 'Range', keyId, contentionFactor: 0, rangeOptions: { min: 0, max: 200 } }, { keys });
 */
export function encryptQeRange(value: unknown, options: QeRangeEncryptOptions, ctx: Ctx): Binary {
  if (options.queryType !== undefined) {
    throw new QeError('BAD_OPTIONS', "queryType 'range' encrypts a query expression: use encryptExpression (encryptQeExpression) for it");
  }
  const { userKeyId, indexKeyId, maxContention, ro } = common(options);
  const { type, bytes } = serializeBsonValue(value);
  const v: RawElement = { type, value: bytes };
  // libmongocrypt checks the bounds' types first (mc_RangeOpts_appendMin), then the value's.
  const min = rangeBound(ro, type, 'min');
  const max = rangeBound(ro, type, 'max');
  if (!RANGE_TYPES.has(type)) throw new QeError('UNSUPPORTED_BSON_TYPE', `unsupported BSON type: ${bsonTypeName(type)} for range; range takes int, long, date, double or decimal`);
  const spec = doc({
    v: rawValue(v),
    min: rawValue(min),
    max: rawValue(max),
    ...(ro.precision !== undefined && { precision: new Int32(ro.precision) }),
    ...(ro.trimFactor !== undefined && { trimFactor: new Int32(ro.trimFactor) }),
  });
  const out = encryptRangeMarking(
    { type: 'insert', algorithm: 'Range', indexKeyId, userKeyId, bsonType: spec.type, valueBytes: spec.value, maxContention, sparsity: ro.sparsity },
    ctx,
  );
  return new Binary(out, Binary.SUBTYPE_ENCRYPTED);
}

/** The process-wide payloadId counter (libmongocrypt `mc_getNextPayloadId`): pairs the two halves of a query. */
let nextPayloadId = 0;

/** FOR TESTS ONLY: restarts payloadIds at 0, as libmongocrypt's `mc_reset_payloadId_for_testing`. */
export function resetRangePayloadIdForTesting(): void {
  nextPayloadId = 0;
}

type Op = keyof typeof RANGE_OPERATORS;

/** One `{field: {$op: value}}` or `{$op: [field, value]}` clause of the `$and` (mc_FLE2RangeFindDriverSpec_parse). */
function clause(c: unknown): { field: string; op: Op; value: unknown; agg: boolean } {
  const bad = (why: string): QeError => new QeError('BAD_OPTIONS', `encryptExpression: ${why}; expected {$and: [{field: {$gt|$gte: lower}}, {field: {$lt|$lte: upper}}]}`);
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw bad('each $and element must be a document');
  const keys = Object.keys(c);
  if (keys.length !== 1) throw bad('each $and element must have exactly one field');
  const k = keys[0]!;
  const inner = (c as Record<string, unknown>)[k];
  if (k in RANGE_OPERATORS) {
    // Aggregate form: {$gt: ['$field', value]}.
    if (!Array.isArray(inner) || inner.length !== 2 || typeof inner[0] !== 'string') throw bad(`${k} takes [fieldpath, value]`);
    return { field: inner[0] as string, op: k as Op, value: inner[1], agg: true };
  }
  if (inner === null || typeof inner !== 'object') throw bad(`'${k}' must hold one comparison operator`);
  const ops = Object.keys(inner);
  if (ops.length !== 1 || !(ops[0]! in RANGE_OPERATORS)) throw bad(`'${k}' must hold one of $gt, $gte, $lt, $lte`);
  return { field: k, op: ops[0] as Op, value: (inner as Record<string, unknown>)[ops[0]!], agg: false };
}

/**
 * Explicit encryption of a range query (`ClientEncryption.encryptExpression`): `{$and: [a, b?]}`
 * with `$gt`/`$gte` and `$lt`/`$lte` (match or aggregate form). Returns the same expression with
 * the first operand replaced by the FLE2FindRangePayloadV2 holding the mincover tokens and the
 * second by the stub that names the same payloadId. A missing side is open (the index's end).
 *
 * @example
 * const expr = encryptQeExpression({ $and: [{ age: { $gte: 23 } }, { age: { $lte: 35 } }] }, { algorithm: 'Range', queryType: 'range', keyId, contentionFactor: 0, rangeOptions: { min: 0, max: 200 } }, { keys });
 */
export function encryptQeExpression(expr: unknown, options: QeRangeEncryptOptions, ctx: Ctx): Record<string, unknown> {
  if (options.queryType !== 'range') throw new QeError('BAD_OPTIONS', "encryptExpression needs queryType 'range'");
  // A find uses the index key only (libmongocrypt derives the tokens from it; no value is encrypted).
  const { indexKeyId, maxContention, ro } = common(options);
  const and = (expr as { $and?: unknown } | null)?.$and;
  if (!Array.isArray(and) || and.length < 1 || and.length > 2 || Object.keys(expr as object).length !== 1) {
    throw new QeError('BAD_OPTIONS', 'encryptExpression: expected {$and: [lower, upper]} with one or two comparisons');
  }
  const clauses = and.map(clause);
  if (clauses.length === 2 && clauses[0]!.field !== clauses[1]!.field) throw new QeError('BAD_OPTIONS', 'encryptExpression: both comparisons must name the same field');
  let lower: { value: unknown; included: boolean } | undefined;
  let upper: { value: unknown; included: boolean } | undefined;
  for (const c of clauses) {
    const isLower = c.op === '$gt' || c.op === '$gte';
    if (isLower ? lower : upper) throw new QeError('BAD_OPTIONS', `encryptExpression: two ${isLower ? 'lower' : 'upper'} bounds`);
    const b = { value: c.value, included: c.op === '$gte' || c.op === '$lte' };
    if (isLower) lower = b;
    else upper = b;
  }
  const el = (x: unknown): RawElement => {
    const { type, bytes } = serializeBsonValue(x);
    return { type, value: bytes };
  };
  const inf = (sign: 1 | -1): RawElement => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, sign * Number.POSITIVE_INFINITY, true);
    return { type: 0x01, value: b };
  };
  const lowerEl = lower ? el(lower.value) : inf(-1);
  const upperEl = upper ? el(upper.value) : inf(1);
  const boundType = lower ? lowerEl.type : upperEl.type;
  if (!RANGE_TYPES.has(boundType)) throw new QeError('UNSUPPORTED_BSON_TYPE', `unsupported BSON type: ${bsonTypeName(boundType)} for range`);
  const edgesInfo: RangeEdgesInfo = {
    lowerBound: lowerEl,
    lbIncluded: lower ? lower.included : true,
    upperBound: upperEl,
    ubIncluded: upper ? upper.included : true,
    indexMin: rangeBound(ro, boundType, 'min'),
    indexMax: rangeBound(ro, boundType, 'max'),
    ...(ro.precision !== undefined && { precision: ro.precision }),
    ...(ro.trimFactor !== undefined && { trimFactor: ro.trimFactor }),
  };
  const firstOperator = RANGE_OPERATORS[clauses[0]!.op];
  const secondOperator = clauses[1] ? RANGE_OPERATORS[clauses[1].op] : undefined;
  const indexKey = requireKey(ctx.keys, indexKeyId, 'index key');
  const payloadId = nextPayloadId++;
  const ops = { payloadId, firstOperator, ...(secondOperator !== undefined && { secondOperator }) };
  const first: RangeFindSpec = { edgesInfo, ...ops };
  const blobs = [buildFindRangePayloadV2(indexKey, first, ro.sparsity, maxContention), ...(clauses[1] ? [buildFindRangePayloadV2(indexKey, ops, ro.sparsity, maxContention)] : [])];
  return {
    $and: clauses.map((c, i) => {
      const bin = new Binary(blobs[i]!, Binary.SUBTYPE_ENCRYPTED);
      return c.agg ? { [c.op]: [c.field, bin] } : { [c.field]: { [c.op]: bin } };
    }),
  };
}
