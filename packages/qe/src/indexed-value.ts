import { aes256CtrDecrypt, qeAeadDecrypt, wipe } from '@fle-ts/crypto-core';
import { QeError } from './errors.js';
import { kindError, QeKind } from './kinds.js';
import { serverDataEncryptionLevel1Token, tokenKeyOf } from './tokens.js';

/** One metadata block: encryptedCount (32) || tag (32) || encryptedZeros (32) (LMC `mc-fle2-tag-and-encrypted-metadata-block-private.h`). */
export const METADATA_BLOCK_LENGTH = 96;
/** IV (16) + at least one CTR byte (LMC `kMinServerEncryptedValueLen`). */
const MIN_SERVER_ENCRYPTED_VALUE_LENGTH = 17;

/** The parts of an FLE2IndexedEqualityEncryptedValueV2 (14) or FLE2IndexedRangeEncryptedValueV2 (15); views into the input. */
export interface IndexedValueV2 {
  kind: 14 | 15;
  /** The index key's id (S_KeyId): its TokenKey unlocks the outer layer. */
  indexKeyId: Uint8Array;
  bsonType: number;
  /** IV || CTR(ServerDataEncryptionLevel1Token, K_KeyId || ClientEncryptedValue). */
  serverEncryptedValue: Uint8Array;
  /** One 96-byte metadata block per edge (equality: one). Server bookkeeping; decryption does not need them. */
  metadata: Uint8Array[];
}

/**
 * Splits `kind || S_KeyId (16) || type (1) || [edge count (1), range only] || ServerEncryptedValue ||
 * metadata (96 per edge)` (LMC `mc_FLE2IndexedEncryptedValueV2_parse`). Kind 14 has one block;
 * 15's edge count must not be 0. Text (17) is not handled.
 */
export function parseIndexedValueV2(bytes: Uint8Array): IndexedValueV2 {
  const kind = bytes[0];
  if (kind !== QeKind.FLE2IndexedEqualityEncryptedValueV2 && kind !== QeKind.FLE2IndexedRangeEncryptedValueV2) throw kindError(kind, 'parsing an indexed value');
  const name = kind === 14 ? 'FLE2IndexedEqualityEncryptedValueV2' : 'FLE2IndexedRangeEncryptedValueV2';
  const header = kind === 14 ? 18 : 19;
  if (bytes.length < header) throw new QeError('MALFORMED_PAYLOAD', `${name} must be at least ${header} bytes before its ciphertext, got ${bytes.length}: it is truncated`);
  const edges = kind === 14 ? 1 : bytes[18]!;
  if (edges === 0) throw new QeError('MALFORMED_PAYLOAD', `${name}: edge count must not be 0`);
  const min = header + MIN_SERVER_ENCRYPTED_VALUE_LENGTH + edges * METADATA_BLOCK_LENGTH;
  if (bytes.length < min) throw new QeError('MALFORMED_PAYLOAD', `${name} must be at least ${min} bytes, got ${bytes.length}: it is truncated`);
  const metaStart = bytes.length - edges * METADATA_BLOCK_LENGTH;
  const metadata: Uint8Array[] = [];
  for (let i = 0; i < edges; i++) metadata.push(bytes.subarray(metaStart + i * METADATA_BLOCK_LENGTH, metaStart + (i + 1) * METADATA_BLOCK_LENGTH));
  return { kind, indexKeyId: bytes.subarray(1, 17), bsonType: bytes[17]!, serverEncryptedValue: bytes.subarray(header, metaStart), metadata };
}

/**
 * First layer (LMC `mc_FLE2IndexedEncryptedValueV2_add_S_Key`): CTR-decrypts the server layer
 * with the index key's ServerDataEncryptionLevel1Token; returns the user key id (K_KeyId) and
 * the client ciphertext. No MAC here: a wrong index key shows up as an unknown K_KeyId or as
 * `HMAC_MISMATCH` in the second layer.
 */
export function openServerLayer(parsed: IndexedValueV2, indexKey: Uint8Array): { userKeyId: Uint8Array; clientEncryptedValue: Uint8Array } {
  const token = serverDataEncryptionLevel1Token(tokenKeyOf(indexKey));
  const plain = aes256CtrDecrypt(token, parsed.serverEncryptedValue);
  wipe(token);
  if (plain.length <= 16) {
    throw new QeError('MALFORMED_PAYLOAD', `indexed value: server layer holds ${plain.length} bytes, expected more than 16`);
  }
  return { userKeyId: plain.subarray(0, 16), clientEncryptedValue: plain.subarray(16) };
}

/** Second layer (LMC `mc_FLE2IndexedEncryptedValueV2_add_K_Key`): the AEAD with the user key id as associated data. */
export function openClientLayer(userKeyId: Uint8Array, clientEncryptedValue: Uint8Array, userKey: Uint8Array): Uint8Array {
  return qeAeadDecrypt('cbc', userKey, userKeyId, clientEncryptedValue);
}
