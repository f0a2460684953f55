import type { Binary } from 'bson';
import { BSON_ALIAS_BY_TYPE, RawBsonValue } from '@fle-ts/fle-format';

/**
 * BSON type names as `$jsonSchema` `bsonType` spells them (MongoDB "$type" aliases), and what
 * js-bson serializes each JavaScript value as. A JS number becomes int32 when it is an integer in
 * int32 range and double otherwise (fle1-spec.md §3, js-bson note); bigint becomes int64.
 */
export type BsonTypeName =
  | 'double' | 'string' | 'object' | 'array' | 'binData' | 'undefined' | 'objectId' | 'bool'
  | 'date' | 'null' | 'regex' | 'dbPointer' | 'javascript' | 'symbol' | 'javascriptWithScope'
  | 'int' | 'timestamp' | 'long' | 'decimal' | 'minKey' | 'maxKey';

export const BSON_TYPE_NAMES: ReadonlySet<string> = new Set<BsonTypeName>([
  'double', 'string', 'object', 'array', 'binData', 'undefined', 'objectId', 'bool', 'date', 'null',
  'regex', 'dbPointer', 'javascript', 'symbol', 'javascriptWithScope', 'int', 'timestamp', 'long',
  'decimal', 'minKey', 'maxKey',
]);

/** Never encryptable, any algorithm (LMC `_permitted_for_encryption`, fle1-spec.md §3). */
export const NEVER_ENCRYPTABLE: ReadonlySet<string> = new Set(['null', 'undefined', 'minKey', 'maxKey']);
/** Not allowed with the deterministic algorithm (fle1-spec.md §3 and §7). */
export const NOT_DETERMINISTIC: ReadonlySet<string> = new Set(['double', 'decimal', 'bool', 'object', 'array', 'javascriptWithScope']);

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** The BSON type a value is serialized as by js-bson. */
export function bsonTypeOf(value: unknown): BsonTypeName {
  switch (typeof value) {
    case 'string': return 'string';
    case 'number': return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX && !Object.is(value, -0) ? 'int' : 'double';
    case 'bigint': return 'long';
    case 'boolean': return 'bool';
    case 'undefined': return 'undefined';
    case 'function': return 'javascript';
    case 'symbol': return 'symbol';
    default: break;
  }
  if (value === null) return 'null';
  // fle-format's escape hatch for types js-bson cannot build (DBPointer): its type byte decides.
  if (value instanceof RawBsonValue) return (BSON_ALIAS_BY_TYPE.get(value.type) ?? 'object') as BsonTypeName;
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regex';
  switch ((value as { _bsontype?: string })._bsontype) {
    case 'Int32': return 'int';
    case 'Double': return 'double';
    case 'Long': return 'long';
    case 'Decimal128': return 'decimal';
    case 'ObjectId': return 'objectId';
    case 'Binary': return 'binData';
    case 'Timestamp': return 'timestamp';
    case 'BSONRegExp': return 'regex';
    case 'BSONSymbol': return 'symbol';
    case 'MinKey': return 'minKey';
    case 'MaxKey': return 'maxKey';
    case 'Code': return (value as { scope?: unknown }).scope != null ? 'javascriptWithScope' : 'javascript';
    default: return 'object'; // plain objects and DBRef (serialized as an embedded document)
  }
}

/** True for a plain embedded document (not an array, not a BSON value class, not a Date/RegExp). */
export function isPlainDocument(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof RawBsonValue) && bsonTypeOf(value) === 'object' && (value as { _bsontype?: string })._bsontype !== 'DBRef';
}

/** True for a BinData subtype 6 value. */
export function isSubtype6(value: unknown): value is Binary {
  return bsonTypeOf(value) === 'binData' && (value as Binary).sub_type === 6;
}

/** True for a FLE1 ciphertext: BinData subtype 6 whose first byte is 1 (deterministic) or 2 (random) (fle1-spec.md §2). */
export function isFle1Ciphertext(value: unknown): value is Binary {
  if (!isSubtype6(value)) return false;
  const first = value.buffer[0];
  return value.position > 0 && (first === 1 || first === 2);
}
