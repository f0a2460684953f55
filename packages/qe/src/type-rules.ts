import { BsonType, bsonTypeName, checkEncryptable } from '@fle-ts/fle-format';
import { QeError } from './errors.js';

/** QE v2 algorithms this package encrypts with. */
export type QeAlgorithm = 'Indexed' | 'Unindexed';

// Not deterministic as BSON bytes, so an equality tag could not match (mongo
// `src/mongo/crypto/fle_field_schema` `isFLE2EqualityIndexedSupportedType`; the server refuses
// them with error 6338602 when it turns a marking into a payload).
const EQUALITY_REFUSED = new Set<number>([BsonType.double, BsonType.decimal, BsonType.object, BsonType.array, BsonType.javascriptWithScope]);

/**
 * Throws `UNSUPPORTED_BSON_TYPE` unless a value of BSON type `type` may be encrypted with
 * `algorithm`. Both refuse what libmongocrypt's explicit encryption refuses (null, undefined,
 * minKey, maxKey, binData subtype 6: fle-format's `checkEncryptable` as for FLE1 random;
 * LMC `_permitted_for_encryption`). Indexed (equality) also refuses double, decimal128,
 * object, array and javascriptWithScope, which MongoDB cannot index for equality.
 *
 * @example
 * checkQeEncryptable(0x02, 'Indexed');  // ok: string
 * checkQeEncryptable(0x01, 'Indexed');  // throws: double is not an equality type
 */
export function checkQeEncryptable(type: number, algorithm: QeAlgorithm, binarySubtype?: number): void {
  try {
    checkEncryptable(type, 'random', binarySubtype);
  } catch (e) {
    throw new QeError('UNSUPPORTED_BSON_TYPE', `BSON type '${bsonTypeName(type)}' cannot be encrypted with Queryable Encryption (${algorithm})`, { cause: e });
  }
  if (algorithm === 'Indexed' && EQUALITY_REFUSED.has(type)) {
    throw new QeError(
      'UNSUPPORTED_BSON_TYPE',
      `BSON type '${bsonTypeName(type)}' is not a supported equality indexed type: use algorithm 'Unindexed' for this field`,
    );
  }
}
