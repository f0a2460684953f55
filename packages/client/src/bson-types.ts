import { Binary } from 'bson';
import { BsonType, bsonTypeName, bsonTypeOfValue, RawBsonValue, type BsonTypeAlias } from '@fle-ts/fle-format';

/**
 * BSON type names as `$jsonSchema` `bsonType` spells them (MongoDB "$type" aliases): fle-format's
 * one table (`BsonType`), not a copy.
 */
export type BsonTypeName = BsonTypeAlias;

/** The BSON type (alias) js-bson serializes a JS value as: fle-format's `bsonTypeOfValue`, named. */
export function bsonTypeOf(value: unknown): BsonTypeName {
  return bsonTypeName(bsonTypeOfValue(value)) as BsonTypeName;
}

/**
 * True for a value js-bson writes as an embedded document whose fields a walker visits: plain
 * objects (any prototype) and Maps; not arrays, BSON value classes, Date/RegExp, DBRef.
 */
export function isPlainDocument(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof RawBsonValue) && bsonTypeOfValue(value) === BsonType.object && (value as { _bsontype?: string })._bsontype !== 'DBRef';
}

/** True for a BinData subtype 6 value (a `Binary` or a Binary-like with `_bsontype: 'Binary'`). */
export function isSubtype6(value: unknown): value is Binary {
  // This copy of bson's Binary (UUID included) is binData for bsonTypeOfValue: one instanceof
  // instead of its chain of checks, once per value of every decrypted reply (issue 18).
  if (value instanceof Binary) return value.sub_type === 6;
  return typeof value === 'object' && value !== null && bsonTypeOfValue(value) === BsonType.binData && (value as Binary).sub_type === 6;
}

/**
 * True when a Binary(-like) value really holds bytes: `buffer` a Uint8Array and `position` a
 * length inside it. A hand-made `{ _bsontype: 'Binary' }` without them is not one (issue 11 item 10).
 */
export function hasBinaryBytes(value: Binary): boolean {
  const { buffer, position } = value as { buffer?: unknown; position?: unknown };
  return buffer instanceof Uint8Array && Number.isInteger(position) && (position as number) >= 0 && (position as number) <= buffer.length;
}

/**
 * True for a FLE1 ciphertext: BinData subtype 6 whose first byte is 1 (deterministic) or 2
 * (random) (fle1-spec.md §2). A subtype-6 Binary-like without usable bytes is not.
 */
export function isFle1Ciphertext(value: unknown): value is Binary {
  if (!isSubtype6(value) || !hasBinaryBytes(value)) return false;
  const first = value.buffer[0];
  return value.position > 0 && (first === 1 || first === 2);
}
