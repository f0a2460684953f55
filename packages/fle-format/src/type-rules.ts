import { FleFormatError } from './errors.js';

/**
 * BSON element type bytes (bsonspec.org), named by the `$jsonSchema` `bsonType` aliases
 * (MongoDB manual, "$type" aliases; DOCS encryption-schemas), which the schema engine uses.
 */
export const BsonType = {
  double: 0x01,
  string: 0x02,
  object: 0x03,
  array: 0x04,
  binData: 0x05,
  undefined: 0x06,
  objectId: 0x07,
  bool: 0x08,
  date: 0x09,
  null: 0x0a,
  regex: 0x0b,
  dbPointer: 0x0c,
  javascript: 0x0d,
  symbol: 0x0e,
  javascriptWithScope: 0x0f,
  int: 0x10,
  timestamp: 0x11,
  long: 0x12,
  decimal: 0x13,
  minKey: 0xff,
  maxKey: 0x7f,
} as const;

/** A `$jsonSchema` bsonType alias. */
export type BsonTypeAlias = keyof typeof BsonType;

/** alias -> type byte. */
export const BSON_TYPE_BY_ALIAS: ReadonlyMap<BsonTypeAlias, number> = new Map(
  Object.entries(BsonType) as [BsonTypeAlias, number][],
);
/** type byte -> alias. */
export const BSON_ALIAS_BY_TYPE: ReadonlyMap<number, BsonTypeAlias> = new Map(
  (Object.entries(BsonType) as [BsonTypeAlias, number][]).map(([a, t]) => [t, a]),
);

/** BinData subtype 6: an encrypted value, never encrypted again (LMC `_permitted_for_encryption`). */
export const BINARY_SUBTYPE_ENCRYPTED = 6;

/**
 * The alias of a BSON type byte, or `'0xNN'` for a byte BSON does not define.
 *
 * @example
 * bsonTypeName(0x10); // 'int'
 */
export function bsonTypeName(type: number): string {
  return BSON_ALIAS_BY_TYPE.get(type) ?? `0x${(type & 0xff).toString(16).padStart(2, '0')}`;
}

// Deterministic refuses these (LMC `_permitted_for_encryption`; fle1-spec.md §3): a value with
// no stable byte form (double, decimal: several encodings of one number) or too little entropy
// (bool), or containers that should be random-encrypted whole.
const DET_FORBIDDEN = new Set<number>([
  BsonType.double,
  BsonType.decimal,
  BsonType.bool,
  BsonType.object,
  BsonType.array,
  BsonType.javascriptWithScope,
]);
// Neither algorithm: single-valued types (fle1-spec.md §3).
const ALWAYS_FORBIDDEN = new Set<number>([BsonType.null, BsonType.undefined, BsonType.minKey, BsonType.maxKey]);

function plural(alias: string): string {
  if (alias === 'bool') return 'booleans';
  if (alias === 'decimal') return 'decimal128 values';
  if (alias === 'javascriptWithScope') return 'javascriptWithScope values';
  return `${alias}s`;
}

/**
 * Why a value of BSON type `type` (and, for binData, of `binarySubtype`) may not be encrypted
 * with `algorithm`, or undefined when it may (LMC `_permitted_for_encryption`, fle1-spec.md §3).
 * The one rule table: {@link checkEncryptable}, schema `bsonType` checks and automatic
 * encryption all ask it. The reason names the type and the algorithm and what to do instead.
 *
 * @example
 * encryptionRefusal(0x01, 'deterministic'); // "BSON type 'double' cannot be encrypted with deterministic encryption: use Random for doubles"
 * encryptionRefusal(0x02, 'deterministic'); // undefined
 */
export function encryptionRefusal(type: number, algorithm: 'deterministic' | 'random', binarySubtype?: number): string | undefined {
  const alias = bsonTypeName(type);
  if (!BSON_ALIAS_BY_TYPE.has(type)) return `BSON type ${alias} is not a BSON type: it cannot be encrypted`;
  if (ALWAYS_FORBIDDEN.has(type)) {
    return `BSON type '${alias}' cannot be encrypted with any algorithm: store the field unencrypted or leave it out`;
  }
  if (type === BsonType.binData && binarySubtype === BINARY_SUBTYPE_ENCRYPTED) {
    return `BSON binData subtype 6 is already encrypted and cannot be encrypted again (${algorithm}): store it as is`;
  }
  if (algorithm === 'deterministic' && DET_FORBIDDEN.has(type)) {
    return `BSON type '${alias}' cannot be encrypted with deterministic encryption: use Random for ${plural(alias)}`;
  }
  return undefined;
}

/**
 * Throws `FORBIDDEN_BSON_TYPE` unless a value of BSON type `type` (and, for binData, of
 * `binarySubtype`) may be encrypted with `algorithm`, following libmongocrypt
 * (`_permitted_for_encryption`, fle1-spec.md §3); the reason is {@link encryptionRefusal}'s.
 *
 * @example
 * checkEncryptable(0x02, 'deterministic');   // ok
 * checkEncryptable(0x03, 'deterministic');   // throws: use Random for objects
 */
export function checkEncryptable(type: number, algorithm: 'deterministic' | 'random', binarySubtype?: number): void {
  const refusal = encryptionRefusal(type, algorithm, binarySubtype);
  if (refusal !== undefined) throw new FleFormatError('FORBIDDEN_BSON_TYPE', refusal);
}
