import { FleFormatError } from './errors.js';
import { keyIdBytes, type KeyIdInput } from './key-id.js';

/** Length of the FLE1 blob header, which is also the AEAD associated data. */
export const FLE1_HEADER_LENGTH = 18;

/**
 * The FLE1 associated data: `fle_blob_subtype || key_uuid[16] || original_bson_type`
 * (LMC `_mongocrypt_ciphertext_serialize_associated_data`; fle1-spec.md §2). As LMC does,
 * refuses a subtype other than 1/2, a key id that is not a UUID, and type byte 0. The key id
 * takes every form `encryptValue` takes (16 bytes, bson UUID, Binary subtype 4): `keyIdBytes`.
 *
 * @example
 * fle1AssociatedData(1, new Uint8Array(16), 0x02); // 01 00..00 02
 */
export function fle1AssociatedData(subtype: 1 | 2, keyId: KeyIdInput, bsonType: number): Uint8Array {
  const out = new Uint8Array(FLE1_HEADER_LENGTH);
  writeFle1Header(out, subtype, keyId, bsonType);
  return out;
}

/** Writes the 18-byte header into `out[0..18)`; shared by the AAD and the blob serializer. */
export function writeFle1Header(out: Uint8Array, subtype: number, keyId: KeyIdInput, bsonType: number): void {
  if (subtype !== 1 && subtype !== 2) {
    throw new FleFormatError('BAD_BLOB_FIELD', `FLE1 blob subtype must be 1 (deterministic) or 2 (random), got ${String(subtype)}`);
  }
  const id = keyIdBytes(keyId);
  if (!Number.isInteger(bsonType) || bsonType <= 0 || bsonType > 0xff) {
    throw new FleFormatError('BAD_BLOB_FIELD', `original BSON type must be a type byte 1..255, got ${String(bsonType)}`);
  }
  out[0] = subtype;
  out.set(id, 1);
  out[17] = bsonType;
}
