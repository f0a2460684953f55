// Queryable Encryption v1's FLE2UnindexedEncryptedValue (first byte 6), which servers 6.x stored
// and libmongocrypt 1.15 still decrypts (spec fle2v2-DecryptExistingData.json reads such a value):
// `0x06 ‖ key UUID (16) ‖ BSON type (1) ‖ FLE2AEAD(key, AAD = those 18 bytes)`, FLE2AEAD being
// AES-256-CTR with HMAC-SHA-256 (queryable-encryption.md §3; LMC `mc-fle2-payload-uev.c`).
// @fle-ts/qe handles v2 only; this adapter sits beside it and dispatches every other kind there.
import { qeAeadDecrypt } from '@fle-ts/crypto-core';
import { decryptQeRaw, isQeDecryptable, QeError, qeKeyIdsForDecrypt, type QeKeyLookup } from '@fle-ts/qe';

const V1_UNINDEXED = 6;
// 18 bytes of header, then IV (16), at least one CTR byte and the 32-byte tag.
const V1_MIN_LENGTH = 18 + 16 + 1 + 32;

/** True for a value this package decrypts: QE v2 (11, 14, 15, 16) or the v1 unindexed value (6). */
export function isQeValue(blob: Uint8Array): boolean {
  return blob[0] === V1_UNINDEXED || isQeDecryptable(blob);
}

/** The key ids to load before {@link decryptQeValue} (the v1 value names its one key in clear). */
export function qeValueKeyIds(blob: Uint8Array, keys: QeKeyLookup): Uint8Array[] {
  if (blob[0] !== V1_UNINDEXED) return qeKeyIdsForDecrypt(blob, keys);
  checkV1(blob);
  return [new Uint8Array(blob.subarray(1, 17))];
}

function checkV1(blob: Uint8Array): void {
  if (blob.length < V1_MIN_LENGTH) throw new QeError('MALFORMED_PAYLOAD', `FLE2UnindexedEncryptedValue (v1) must be at least ${V1_MIN_LENGTH} bytes, got ${blob.length}: it is truncated`);
}

/** The BSON type and value bytes of a QE value (qe's decryptQeRaw, plus kind 6); nothing returned unless the tag matched. */
export function decryptQeValue(blob: Uint8Array, keys: QeKeyLookup): { bsonType: number; bytes: Uint8Array } {
  if (blob[0] !== V1_UNINDEXED) return decryptQeRaw(blob, keys);
  checkV1(blob);
  const key = keys(blob.subarray(1, 17));
  if (key === undefined) throw new QeError('KEY_NOT_FOUND', 'the key of a FLE2UnindexedEncryptedValue (v1) was not loaded');
  return { bsonType: blob[17]!, bytes: qeAeadDecrypt('ctr', key, blob.subarray(0, 18), blob.subarray(18)) };
}
