import { RawBsonValue } from './bson-value.js';
import { BsonType } from './type-rules.js';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

// js-bson `_bsontype` tags -> BSON type byte (what `serialize` writes for each class).
const BY_BSONTYPE: ReadonlyMap<string, number> = new Map([
  ['Int32', BsonType.int],
  ['Double', BsonType.double],
  ['Long', BsonType.long],
  ['Decimal128', BsonType.decimal],
  ['ObjectId', BsonType.objectId],
  ['Binary', BsonType.binData],
  ['Timestamp', BsonType.timestamp],
  ['BSONRegExp', BsonType.regex],
  ['BSONSymbol', BsonType.symbol],
  ['MinKey', BsonType.minKey],
  ['MaxKey', BsonType.maxKey],
]);

/**
 * The BSON type byte js-bson serializes `value` as, without serializing it: a JS number is int32
 * when it is an integer in int32 range (not -0), else double; bigint is int64; a
 * {@link RawBsonValue} has its own type; plain objects, Maps and DBRef are embedded documents
 * (fle1-spec.md §3, js-bson note). Automatic encryption checks values with it before encrypting.
 *
 * @example
 * bsonTypeOfValue(5);          // 0x10 (int)
 * bsonTypeOfValue(new Map());  // 0x03 (object)
 */
export function bsonTypeOfValue(value: unknown): number {
  switch (typeof value) {
    case 'string': return BsonType.string;
    case 'number': return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX && !Object.is(value, -0) ? BsonType.int : BsonType.double;
    case 'bigint': return BsonType.long;
    case 'boolean': return BsonType.bool;
    case 'undefined': return BsonType.undefined;
    case 'function': return BsonType.javascript;
    case 'symbol': return BsonType.symbol;
    default: break;
  }
  if (value === null) return BsonType.null;
  if (value instanceof RawBsonValue) return value.type;
  if (Array.isArray(value)) return BsonType.array;
  if (value instanceof Date) return BsonType.date;
  if (value instanceof RegExp) return BsonType.regex;
  const tag = (value as { _bsontype?: unknown })._bsontype;
  if (typeof tag === 'string') {
    if (tag === 'Code') return (value as { scope?: unknown }).scope != null ? BsonType.javascriptWithScope : BsonType.javascript;
    const t = BY_BSONTYPE.get(tag);
    if (t !== undefined) return t;
  }
  return BsonType.object; // plain objects, Maps, DBRef (serialized as an embedded document)
}
