import { qeAeadDecrypt, qeAeadEncrypt } from '@fle-ts/crypto-core';
import { QeError } from './errors.js';
import { expectKind, QeKind } from './kinds.js';
import { takeRandom, type RandomSource } from './random.js';

/** Header of an unindexed value: kind (1) || key UUID (16) || BSON type (1); also the AEAD's associated data. */
const HEADER_LENGTH = 18;
/** Header + IV + one CBC block + tag (LMC `mc-fle2-payload-uev-common.c`). */
export const MIN_UNINDEXED_LENGTH = HEADER_LENGTH + 16 + 16 + 32;

/** The fields of an FLE2UnindexedEncryptedValueV2 (views into the input). */
export interface UnindexedValueV2 {
  keyId: Uint8Array;
  bsonType: number;
  /** IV || S || T of AEAD_AES_256_CBC_HMAC_SHA256. */
  ciphertext: Uint8Array;
  /** Bytes 0..18, the AEAD's associated data. */
  associatedData: Uint8Array;
}

/**
 * FLE2UnindexedEncryptedValueV2 (16) = 0x10 || keyId || type || AEAD_CBC_SHA256(key, IV, AD =
 * the first 18 bytes, value bytes) (LMC `mc_FLE2UnindexedEncryptedValueV2_encrypt`). One random
 * IV per call from `random`.
 *
 * @example
 * const blob = encryptUnindexedV2(keyId16, key96, 0x02, valueBytes, defaultRandomSource);
 */
export function encryptUnindexedV2(keyId: Uint8Array, key: Uint8Array, bsonType: number, valueBytes: Uint8Array, random: RandomSource): Uint8Array {
  const header = new Uint8Array(HEADER_LENGTH);
  header[0] = QeKind.FLE2UnindexedEncryptedValueV2;
  header.set(keyId, 1);
  header[17] = bsonType;
  const ciphertext = qeAeadEncrypt('cbc', key, takeRandom(random, 16), header, valueBytes);
  const out = new Uint8Array(HEADER_LENGTH + ciphertext.length);
  out.set(header, 0);
  out.set(ciphertext, HEADER_LENGTH);
  return out;
}

/** Splits an FLE2UnindexedEncryptedValueV2 into its fields, or `MALFORMED_PAYLOAD` when shorter than the minimum. */
export function parseUnindexedV2(bytes: Uint8Array): UnindexedValueV2 {
  expectKind(bytes, QeKind.FLE2UnindexedEncryptedValueV2, 'parsing an unindexed value');
  if (bytes.length < MIN_UNINDEXED_LENGTH) {
    throw new QeError('MALFORMED_PAYLOAD', `FLE2UnindexedEncryptedValueV2 must be at least ${MIN_UNINDEXED_LENGTH} bytes, got ${bytes.length}: it is truncated`);
  }
  return {
    keyId: bytes.subarray(1, 17),
    bsonType: bytes[17]!,
    ciphertext: bytes.subarray(HEADER_LENGTH),
    associatedData: bytes.subarray(0, HEADER_LENGTH),
  };
}

/** Decrypts the value bytes of a parsed unindexed value with the key its `keyId` names. */
export function decryptUnindexedV2(parsed: UnindexedValueV2, key: Uint8Array): Uint8Array {
  return qeAeadDecrypt('cbc', key, parsed.associatedData, parsed.ciphertext);
}
