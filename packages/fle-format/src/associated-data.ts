import { FleFormatError } from './errors.js';

/** Length of the FLE1 blob header, which is also the AEAD associated data. */
export const FLE1_HEADER_LENGTH = 18;

/**
 * The FLE1 associated data: `fle_blob_subtype || key_uuid[16] || original_bson_type`
 * (LMC `_mongocrypt_ciphertext_serialize_associated_data`; fle1-spec.md §2). As LMC does,
 * refuses a subtype other than 1/2, a key id that is not 16 bytes, and type byte 0.
 *
 * @example
 * fle1AssociatedData(1, new Uint8Array(16), 0x02); // 01 00..00 02
 */
export function fle1AssociatedData(subtype: 1 | 2, keyId: Uint8Array, bsonType: number): Uint8Array {
  const out = new Uint8Array(FLE1_HEADER_LENGTH);
  writeFle1Header(out, subtype, keyId, bsonType);
  return out;
}

/** Writes the 18-byte header into `out[0..18)`; shared by the AAD and the blob serializer. */
export function writeFle1Header(out: Uint8Array, subtype: number, keyId: Uint8Array, bsonType: number): void {
  if (subtype !== 1 && subtype !== 2) {
    throw new FleFormatError('BAD_BLOB_FIELD', `FLE1 blob subtype must be 1 (deterministic) or 2 (random), got ${String(subtype)}`);
  }
  if (!(keyId instanceof Uint8Array) || keyId.length !== 16) {
    throw new FleFormatError('BAD_KEY_ID', 'key id must be a 16-byte UUID');
  }
  if (!Number.isInteger(bsonType) || bsonType <= 0 || bsonType > 0xff) {
    throw new FleFormatError('BAD_BLOB_FIELD', `original BSON type must be a type byte 1..255, got ${String(bsonType)}`);
  }
  out[0] = subtype;
  out.set(keyId, 1);
  out[17] = bsonType;
}
