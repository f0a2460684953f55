import { aes256CtrDecrypt, qeAeadDecrypt, wipe } from '@fle-ts/crypto-core';
import { QeError } from './errors.js';
import { expectKind, QeKind } from './kinds.js';
import { serverDataEncryptionLevel1Token, tokenKeyOf } from './tokens.js';

/** One metadata block: encryptedCount (32) || tag (32) || encryptedZeros (32) (LMC `mc-fle2-tag-and-encrypted-metadata-block-private.h`). */
export const METADATA_BLOCK_LENGTH = 96;
/** IV (16) + at least one CTR byte (LMC `kMinServerEncryptedValueLen`). */
const MIN_SERVER_ENCRYPTED_VALUE_LENGTH = 17;

/** The parts of an FLE2IndexedEqualityEncryptedValueV2 (views into the input). */
export interface IndexedEqualityValueV2 {
  /** The index key's id (S_KeyId): its TokenKey unlocks the outer layer. */
  indexKeyId: Uint8Array;
  bsonType: number;
  /** IV || CTR(ServerDataEncryptionLevel1Token, K_KeyId || ClientEncryptedValue). */
  serverEncryptedValue: Uint8Array;
  /** The 96-byte metadata block (server bookkeeping; the client does not need it to decrypt). */
  metadata: Uint8Array;
}

/**
 * Splits `0x0e || S_KeyId (16) || type (1) || ServerEncryptedValue || metadata (96)`
 * (LMC `mc_FLE2IndexedEncryptedValueV2_parse`, equality: one metadata block).
 */
export function parseIndexedEqualityV2(bytes: Uint8Array): IndexedEqualityValueV2 {
  expectKind(bytes, QeKind.FLE2IndexedEqualityEncryptedValueV2, 'parsing an indexed value');
  const min = 18 + MIN_SERVER_ENCRYPTED_VALUE_LENGTH + METADATA_BLOCK_LENGTH;
  if (bytes.length < min) {
    throw new QeError('MALFORMED_PAYLOAD', `FLE2IndexedEqualityEncryptedValueV2 must be at least ${min} bytes, got ${bytes.length}: it is truncated`);
  }
  const metaStart = bytes.length - METADATA_BLOCK_LENGTH;
  return {
    indexKeyId: bytes.subarray(1, 17),
    bsonType: bytes[17]!,
    serverEncryptedValue: bytes.subarray(18, metaStart),
    metadata: bytes.subarray(metaStart),
  };
}

/**
 * First layer (LMC `mc_FLE2IndexedEncryptedValueV2_add_S_Key`): CTR-decrypts the server layer
 * with the index key's ServerDataEncryptionLevel1Token; returns the user key id (K_KeyId) and
 * the client ciphertext. No MAC here: a wrong index key shows up as an unknown K_KeyId or as
 * `HMAC_MISMATCH` in the second layer.
 */
export function openServerLayer(parsed: IndexedEqualityValueV2, indexKey: Uint8Array): { userKeyId: Uint8Array; clientEncryptedValue: Uint8Array } {
  const token = serverDataEncryptionLevel1Token(tokenKeyOf(indexKey));
  const plain = aes256CtrDecrypt(token, parsed.serverEncryptedValue);
  wipe(token);
  if (plain.length <= 16) {
    throw new QeError('MALFORMED_PAYLOAD', `FLE2IndexedEqualityEncryptedValueV2: server layer holds ${plain.length} bytes, expected more than 16`);
  }
  return { userKeyId: plain.subarray(0, 16), clientEncryptedValue: plain.subarray(16) };
}

/** Second layer (LMC `mc_FLE2IndexedEncryptedValueV2_add_K_Key`): the AEAD with the user key id as associated data. */
export function openClientLayer(userKeyId: Uint8Array, clientEncryptedValue: Uint8Array, userKey: Uint8Array): Uint8Array {
  return qeAeadDecrypt('cbc', userKey, userKeyId, clientEncryptedValue);
}
