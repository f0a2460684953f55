import { serializeBsonValue, keyIdBytes, type KeyIdInput } from '@fle-ts/fle-format';
import { Binary } from 'bson';
import { payloadBytes } from './bytes.js';
import { chooseContentionFactor, contentionFactor } from './contention.js';
import { QeError } from './errors.js';
import { buildFindEqualityPayloadV2, serializeFindEqualityPayloadV2 } from './find-payload.js';
import { buildInsertUpdatePayloadV2, serializeInsertUpdatePayloadV2 } from './insert-payload.js';
import { requireKey, type QeKeyLookup } from './keys.js';
import { parseFle2Placeholder, type Fle2Placeholder } from './placeholder.js';
import { defaultRandomSource, type RandomSource } from './random.js';
import { checkQeEncryptable } from './type-rules.js';
import { encryptUnindexedV2 } from './unindexed.js';
import { encryptQeRange, encryptRangeMarking, type QeRangeEncryptOptions } from './range-encrypt.js';

/** Keys and randomness for encryption. */
export interface QeEncryptContext {
  /** Unwrapped 96-byte data keys by id. */
  keys: QeKeyLookup;
  /** Random bytes; default `defaultRandomSource`. Inject `fixedRandomSource` only in tests. */
  random?: RandomSource;
}

/** Explicit encryption options, spelled as the driver spells them (spec `EncryptOpts`). */
export interface QeEncryptOptions {
  algorithm: 'Indexed' | 'Unindexed';
  /** The user key (encrypts the value). */
  keyId: KeyIdInput;
  /** The index key (derives the tokens); defaults to `keyId` (libmongocrypt `index_key_id`). */
  indexKeyId?: KeyIdInput;
  /** Required for Indexed, refused for Unindexed (libmongocrypt). 0 <= x < 2^63 - 1. */
  contentionFactor?: number | bigint | { toString(): string };
  /** 'equality' makes a find payload (12) instead of an insert payload (11). Indexed only. */
  queryType?: 'equality';
}

/**
 * Encrypts a marking (an FLE2EncryptionPlaceholder) the way libmongocrypt does
 * (`_mongocrypt_marking_to_ciphertext`): insert + Indexed → FLE2InsertUpdatePayloadV2 (11),
 * find + Indexed → FLE2FindEqualityPayloadV2 (12), Unindexed → FLE2UnindexedEncryptedValueV2 (16).
 * Returns the BinData subtype 6 value. Random bytes are read in libmongocrypt's order.
 *
 * @example
 * const blob = encryptMarking(parseFle2Placeholder(marking), { keys });
 */
export function encryptMarking(p: Fle2Placeholder, ctx: QeEncryptContext): Binary {
  if (p.algorithm === 'Range') return new Binary(encryptRangeMarking(p, ctx), Binary.SUBTYPE_ENCRYPTED);
  const random = ctx.random ?? defaultRandomSource;
  const subtype = p.bsonType === 0x05 ? p.valueBytes[4] : undefined;
  checkQeEncryptable(p.bsonType, p.algorithm, subtype);
  let out: Uint8Array;
  if (p.algorithm === 'Unindexed') {
    if (p.type === 'find') throw new QeError('BAD_OPTIONS', 'an Unindexed field cannot be queried: find markings need algorithm Indexed');
    out = encryptUnindexedV2(p.userKeyId, requireKey(ctx.keys, p.userKeyId, 'user key'), p.bsonType, p.valueBytes, random);
  } else if (p.type === 'find') {
    const indexKey = requireKey(ctx.keys, p.indexKeyId, 'index key');
    out = serializeFindEqualityPayloadV2(buildFindEqualityPayloadV2(indexKey, p.valueBytes, p.maxContention));
  } else {
    // Keys are looked up before any random byte is drawn, so a missing key consumes nothing.
    const indexKey = requireKey(ctx.keys, p.indexKeyId, 'index key');
    const userKey = requireKey(ctx.keys, p.userKeyId, 'user key');
    const k = chooseContentionFactor(p.maxContention, random);
    out = serializeInsertUpdatePayloadV2(
      buildInsertUpdatePayloadV2({
        indexKeyId: p.indexKeyId,
        indexKey,
        userKeyId: p.userKeyId,
        userKey,
        bsonType: p.bsonType,
        valueBytes: p.valueBytes,
        contentionFactor: k,
        random,
      }),
    );
  }
  return new Binary(out, Binary.SUBTYPE_ENCRYPTED);
}

/**
 * {@link encryptMarking} of a marking given as bytes or BinData 6 (what query analysis returns).
 *
 * @example
 * const blob = encryptPlaceholder(markingBinary, { keys });
 */
export function encryptPlaceholder(marking: Binary | Uint8Array, ctx: QeEncryptContext): Binary {
  return encryptMarking(parseFle2Placeholder(payloadBytes(marking)), ctx);
}

/**
 * Explicit Queryable Encryption of one value (`ClientEncryption.encrypt` with algorithm
 * 'Indexed', 'Unindexed' or 'Range' (see `encryptQeRange`)), byte-compatible with libmongocrypt: it builds the marking
 * libmongocrypt builds (`mongocrypt-ctx-encrypt.c`, explicit path) and encrypts it.
 * JS numbers follow js-bson (int32 when they fit, else double): pass `Int32`/`Long` to be explicit.
 *
 * @example
 * const blob = encryptQe('value123', { algorithm: 'Indexed', keyId, contentionFactor: 0 }, { keys });
 */
export function encryptQe(value: unknown, options: QeEncryptOptions | QeRangeEncryptOptions, ctx: QeEncryptContext): Binary {
  if (options === null || typeof options !== 'object') throw new QeError('BAD_OPTIONS', 'options must be an object with algorithm and keyId');
  if (options.algorithm === 'Range') return encryptQeRange(value, options, ctx);
  const { algorithm, queryType } = options;
  if (algorithm !== 'Indexed' && algorithm !== 'Unindexed') {
    // 'RangePreview' (QE 7.0's range v1) is refused, as libmongocrypt refuses it since 1.12.
    throw new QeError('BAD_OPTIONS', `algorithm must be 'Indexed', 'Unindexed' or 'Range' (text search and 'RangePreview' are not supported), got ${String(algorithm)}`);
  }
  if (queryType !== undefined && queryType !== 'equality') {
    throw new QeError('BAD_OPTIONS', `queryType must be 'equality' (range is not supported here), got ${String(queryType)}`);
  }
  if (queryType !== undefined && algorithm !== 'Indexed') throw new QeError('BAD_OPTIONS', "queryType 'equality' needs algorithm 'Indexed'");
  let maxContention = 0n;
  if (algorithm === 'Unindexed') {
    if (options.contentionFactor !== undefined) throw new QeError('BAD_CONTENTION_FACTOR', 'cannot set contention factor with no index type (algorithm Unindexed)');
  } else {
    if (options.contentionFactor === undefined) throw new QeError('BAD_CONTENTION_FACTOR', 'contention factor is required for indexed algorithm');
    maxContention = contentionFactor(options.contentionFactor);
  }
  const userKeyId = new Uint8Array(keyIdBytes(options.keyId));
  const indexKeyId = options.indexKeyId === undefined ? userKeyId : new Uint8Array(keyIdBytes(options.indexKeyId));
  const { type, bytes } = serializeBsonValue(value);
  return encryptMarking(
    {
      type: queryType === 'equality' ? 'find' : 'insert',
      algorithm,
      indexKeyId,
      userKeyId,
      bsonType: type,
      valueBytes: bytes,
      maxContention,
    },
    ctx,
  );
}
