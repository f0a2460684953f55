// Markings (FLE2EncryptionPlaceholder, `0x03 ‖ BSON{t, a, ki, ku, v, cm, s}`) as mongocryptd /
// crypt_shared write them for an encryptedFields entry (libmongocrypt
// `mc-fle2-encryption-placeholder-private.h`; server query analysis `buildEncryptPlaceholder`,
// `makeAndSerializeRangePlaceholder`, `makeAndSerializeRangeStub`). ki = ku = the field's keyId.
import { BSON_TYPE_BY_ALIAS, bsonTypeName, type BsonTypeAlias } from '@fle-ts/fle-format';
import { raw, rawDocument, type RawElement, type RawField } from '@fle-ts/qe';
import { Binary, Decimal128, Double, Long, serialize } from 'bson';
import { bsonTypeOf } from './bson-types.js';
import { FleClientError } from './errors.js';
import { compareRangeValues, rawElementOf, type QeField, type QeRangeIndex } from './qe-fields.js';

function asMarking(body: Uint8Array): Binary {
  const bytes = new Uint8Array(body.length + 1);
  bytes[0] = 3;
  bytes.set(body, 1);
  return new Binary(bytes, 6);
}

function checkType(field: QeField, value: unknown): void {
  if (field.bsonType !== undefined && bsonTypeOf(value) !== (field.bsonType as BsonTypeAlias)) {
    throw new FleClientError('BSON_TYPE_MISMATCH', `field '${field.path}' is declared bsonType '${field.bsonType}' in encryptedFields, got a ${bsonTypeOf(value)}`);
  }
}

/** The equality (a = 2) or unindexed (a = 1) marking for a value: t = 1 insert, 2 find. */
export function equalityMarking(field: QeField, type: 1 | 2, value: unknown): Binary {
  checkType(field, value);
  return asMarking(serialize({ t: type, a: field.contention === undefined ? 1 : 2, ki: field.keyId, ku: field.keyId, v: value, cm: Long.fromBigInt(field.contention ?? 0n) }));
}

/**
 * A value for a range field as a raw element of the field's type. JS numbers and bigints carry
 * no BSON type of their own, so they are written as the field's type when that is exact (a
 * number for a 'double' field, an integer for a 'long' field); typed bson values must match.
 */
export function rangeElement(field: QeField, value: unknown): RawElement {
  const type = BSON_TYPE_BY_ALIAS.get(field.bsonType as BsonTypeAlias)!;
  let v = value;
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (type === 0x01 && typeof value === 'number') v = new Double(value);
    else if (type === 0x12 && (typeof value === 'bigint' || Number.isSafeInteger(value))) v = Long.fromBigInt(BigInt(value));
    else if (type === 0x13 && typeof value === 'bigint') v = Decimal128.fromString(value.toString());
  }
  const e = rawElementOf(v);
  if (e.type !== type) {
    throw new FleClientError('BSON_TYPE_MISMATCH', `field '${field.path}' is declared bsonType '${field.bsonType}' in encryptedFields, got a ${bsonTypeName(e.type)}: pass a value of that type (Int32, Long, Date, Double, Decimal128)`);
  }
  return e;
}

function header(field: QeField, t: 1 | 2): RawField[] {
  const id = field.keyId.buffer.subarray(0, 16);
  return [raw.i32('t', t), raw.i32('a', 3), raw.bin('ki', id, 4), raw.bin('ku', id, 4)];
}

function trailer(field: QeField, range: QeRangeIndex): RawField[] {
  return [raw.i64('cm', field.contention ?? 0n), raw.i64('s', range.sparsity)];
}

/** The range insert marking: `v` = FLE2RangeInsertSpec `{v, min, max, precision?, trimFactor?}`. */
export function rangeInsertMarking(field: QeField, value: unknown): Binary {
  const range = field.range!;
  const v = rangeElement(field, value);
  const spec: RawField[] = [
    raw.element('v', v),
    raw.element('min', range.min),
    raw.element('max', range.max),
    ...(range.precision !== undefined ? [raw.i32('precision', range.precision)] : []),
    ...(range.trimFactor !== undefined ? [raw.i32('trimFactor', range.trimFactor)] : []),
  ];
  return asMarking(rawDocument([...header(field, 1), raw.doc('v', spec), ...trailer(field, range)]));
}

/** A query bound: a value (included or not), or the open end (±Infinity, as mongocryptd writes it). */
export interface RangeBound {
  readonly value: RawElement;
  readonly included: boolean;
}

function infinity(sign: 1 | -1): RawElement {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, sign * Number.POSITIVE_INFINITY, true);
  return { type: 0x01, value: b };
}

/** The operator codes of FLE2RangeFindSpec (`mc_FLE2RangeOperator_t`). */
export const RANGE_OPS = { $gt: 1, $gte: 2, $lt: 3, $lte: 4 } as const;
export type RangeOp = keyof typeof RANGE_OPS;

/**
 * Checks a query literal as mongocryptd does before it writes a range find marking: not NaN
 * (server 6991000) and inside the index bounds (server 6747900-6747902).
 */
export function checkRangeLiteral(field: QeField, e: RawElement): void {
  const range = field.range!;
  const lo = compareRangeValues(range.min, e);
  const hi = compareRangeValues(e, range.max);
  if (lo === undefined || hi === undefined) throw new FleClientError('ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', `a range query bound on '${field.path}' cannot be NaN`);
  if (lo > 0 || hi > 0) throw new FleClientError('ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', `a range query bound on '${field.path}' must be within the bounds of the encrypted index (min..max of encryptedFields)`);
}

/**
 * The range find marking with edgesInfo (`{edgesInfo: {lowerBound, lbIncluded, upperBound,
 * ubIncluded, precision?, trimFactor?, indexMin, indexMax}, payloadId, firstOperator,
 * secondOperator?}`). An open side is ±Infinity (double), included.
 */
export function rangeFindMarking(field: QeField, lower: RangeBound | undefined, upper: RangeBound | undefined, payloadId: number, first: RangeOp, second: RangeOp | undefined): Binary {
  const range = field.range!;
  const edgesInfo: RawField[] = [
    raw.element('lowerBound', lower?.value ?? infinity(-1)),
    ['lbIncluded', 0x08, new Uint8Array([lower === undefined || lower.included ? 1 : 0])],
    raw.element('upperBound', upper?.value ?? infinity(1)),
    ['ubIncluded', 0x08, new Uint8Array([upper === undefined || upper.included ? 1 : 0])],
    ...(range.precision !== undefined ? [raw.i32('precision', range.precision)] : []),
    ...(range.trimFactor !== undefined ? [raw.i32('trimFactor', range.trimFactor)] : []),
    raw.element('indexMin', range.min),
    raw.element('indexMax', range.max),
  ];
  const spec: RawField[] = [raw.doc('edgesInfo', edgesInfo), ...ops(payloadId, first, second)];
  return asMarking(rawDocument([...header(field, 2), raw.doc('v', spec), ...trailer(field, range)]));
}

/** The second half of a two-sided range find: `{payloadId, firstOperator, secondOperator}` only. */
export function rangeStubMarking(field: QeField, payloadId: number, first: RangeOp, second: RangeOp): Binary {
  return asMarking(rawDocument([...header(field, 2), raw.doc('v', ops(payloadId, first, second)), ...trailer(field, field.range!)]));
}

function ops(payloadId: number, first: RangeOp, second: RangeOp | undefined): RawField[] {
  return [raw.i32('payloadId', payloadId), raw.i32('firstOperator', RANGE_OPS[first]), ...(second !== undefined ? [raw.i32('secondOperator', RANGE_OPS[second])] : [])];
}
