import { wipe } from '@fle-ts/crypto-core';
import { BsonType, deserializeBsonValue, EXACT_DESERIALIZE_OPTIONS, RawBsonValue, type DecryptValueOptions } from '@fle-ts/fle-format';
import type { Binary } from 'bson';
import { payloadBytes } from './bytes.js';
import { decryptInsertUpdatePayloadV2, parseInsertUpdatePayloadV2 } from './insert-payload.js';
import { openClientLayer, openServerLayer, parseIndexedValueV2 } from './indexed-value.js';
import { kindError, QeKind } from './kinds.js';
import { requireKey, type QeKeyLookup } from './keys.js';
import { decryptUnindexedV2, parseUnindexedV2 } from './unindexed.js';

const DECRYPTABLE = new Set<number>([
  QeKind.FLE2InsertUpdatePayloadV2,
  QeKind.FLE2IndexedEqualityEncryptedValueV2,
  QeKind.FLE2IndexedRangeEncryptedValueV2,
  QeKind.FLE2UnindexedEncryptedValueV2,
]);

/**
 * True when {@link decryptQe} can decrypt `blob`: an insert payload (11), an indexed equality
 * or range value (14, 15) or an unindexed value (16). Find payloads (12) and markings (3) hold no
 * ciphertext: libmongocrypt leaves them unchanged, and so should a caller.
 *
 * @example
 * isQeDecryptable(blob); // true for kinds 11, 14, 15, 16
 */
export function isQeDecryptable(blob: Binary | Uint8Array): boolean {
  const b = payloadBytes(blob);
  return b.length > 0 && DECRYPTABLE.has(b[0]!);
}

/**
 * The key ids a caller must load before {@link decryptQe} can decrypt `blob`, for fetching them from
 * a key vault first (libmongocrypt's key broker does the same in rounds): 16 → its key; 11 → the
 * user key named at the front of `v`; 14 and 15 → the index key (S_KeyId) and, once `keys` has it, the
 * user key id hidden under the server layer. Ids are copies; kinds that are not decryptable give [].
 *
 * @example
 * let ids = qeKeyIdsForDecrypt(blob, keys); // fetch these, then ask again until nothing new
 */
export function qeKeyIdsForDecrypt(blob: Binary | Uint8Array, keys: QeKeyLookup): Uint8Array[] {
  const b = payloadBytes(blob);
  switch (b[0]) {
    case QeKind.FLE2UnindexedEncryptedValueV2:
      return [new Uint8Array(parseUnindexedV2(b).keyId)];
    case QeKind.FLE2InsertUpdatePayloadV2:
      return [new Uint8Array(parseInsertUpdatePayloadV2(b).value.subarray(0, 16))];
    case QeKind.FLE2IndexedEqualityEncryptedValueV2:
    case QeKind.FLE2IndexedRangeEncryptedValueV2: {
      const p = parseIndexedValueV2(b);
      const indexKey = keys(p.indexKeyId);
      if (indexKey === undefined) return [new Uint8Array(p.indexKeyId)];
      return [new Uint8Array(p.indexKeyId), new Uint8Array(openServerLayer(p, requireKey(keys, p.indexKeyId, 'index key')).userKeyId)];
    }
    default:
      return [];
  }
}

/**
 * The BSON type and value bytes inside a QE v2 value (libmongocrypt's explicit decrypt of
 * 11, 14, 15 and 16). Keys are looked up by the ids the blob names: 16 → its key; 11 → the user key
 * id at the front of `v`; 14 and 15 → the index key (S_KeyId), then the user key id found inside.
 * Other kinds → `UNSUPPORTED_PAYLOAD_KIND` / `UNKNOWN_PAYLOAD_KIND`. Nothing is returned unless
 * the AEAD tag matched (`HMAC_MISMATCH` otherwise).
 *
 * @example
 * const { bsonType, bytes } = decryptQeRaw(blob, keys);
 */
export function decryptQeRaw(blob: Binary | Uint8Array, keys: QeKeyLookup): { bsonType: number; bytes: Uint8Array } {
  const b = payloadBytes(blob);
  switch (b[0]) {
    case QeKind.FLE2UnindexedEncryptedValueV2: {
      const p = parseUnindexedV2(b);
      return { bsonType: p.bsonType, bytes: decryptUnindexedV2(p, requireKey(keys, p.keyId, 'key')) };
    }
    case QeKind.FLE2InsertUpdatePayloadV2: {
      const p = parseInsertUpdatePayloadV2(b);
      return { bsonType: p.valueType, bytes: decryptInsertUpdatePayloadV2(p, requireKey(keys, p.value.subarray(0, 16), 'user key')) };
    }
    case QeKind.FLE2IndexedEqualityEncryptedValueV2:
    case QeKind.FLE2IndexedRangeEncryptedValueV2: {
      const p = parseIndexedValueV2(b);
      const inner = openServerLayer(p, requireKey(keys, p.indexKeyId, 'index key'));
      return { bsonType: p.bsonType, bytes: openClientLayer(inner.userKeyId, inner.clientEncryptedValue, requireKey(keys, inner.userKeyId, 'user key')) };
    }
    default:
      throw kindError(b[0], 'decryption');
  }
}

/**
 * Decrypts a QE v2 value (11, 14, 15, 16) back to its value, read as fle-format's `decryptValue`
 * reads FLE1 values: BSON types kept (`Int32`, `Long`, `Double`, ...), `raw: true` for a
 * `RawBsonValue`. A value that is not valid BSON of its type → `MALFORMED_BSON`.
 *
 * @example
 * decryptQe(blob, keys); // 'value123'
 */
export function decryptQe(blob: Binary | Uint8Array, keys: QeKeyLookup, options: DecryptValueOptions = {}): unknown {
  const { bsonType, bytes } = decryptQeRaw(blob, keys);
  if (options.raw || bsonType === BsonType.dbPointer) {
    deserializeBsonValue(bsonType, bytes); // validates
    return new RawBsonValue(bsonType, bytes);
  }
  try {
    return deserializeBsonValue(bsonType, bytes, options.deserializeOptions ?? EXACT_DESERIALIZE_OPTIONS);
  } finally {
    wipe(bytes);
  }
}
