import { Binary } from 'bson';
import { FleFormatError, type FleFormatErrorCode } from './errors.js';

/** A data key id: 16 raw bytes, or a bson Binary/UUID of subtype 4 (a key document's `_id`). */
export type KeyIdInput = Uint8Array | Binary;

/**
 * The subtype and bytes of a bson Binary, from this or another loaded copy of `bson`
 * (recognised by `_bsontype`), or undefined when `value` is no Binary. A Binary-like object
 * without a Uint8Array `buffer` and a `position` within it throws `code`, never a TypeError.
 */
export function binaryContent(value: unknown, code: FleFormatErrorCode): { subtype: number; bytes: Uint8Array } | undefined {
  if (!(value instanceof Binary) && (value as { _bsontype?: unknown } | null)?._bsontype !== 'Binary') return undefined;
  const { buffer, position, sub_type: subtype } = value as Binary;
  if (!(buffer instanceof Uint8Array) || !Number.isInteger(position) || position < 0 || position > buffer.length || !Number.isInteger(subtype)) {
    throw new FleFormatError(code, 'a Binary-like object must have a Uint8Array buffer, a position within it and a sub_type: pass a bson Binary');
  }
  return { subtype, bytes: buffer.subarray(0, position) };
}

/**
 * The 16 UUID bytes of a key id: the one key-id normaliser of fle-format, used by
 * `encryptValue`, `fle1AssociatedData` and `serializeFle1Blob` alike. A Binary (bson `UUID`
 * included) must be subtype 4 and 16 bytes, as libmongocrypt requires
 * (`_mongocrypt_buffer_is_uuid`); a Uint8Array must be 16 bytes. Returns a view, no copy.
 *
 * @example
 * keyIdBytes(new UUID('00112233-4455-6677-8899-aabbccddeeff')); // Uint8Array(16)
 */
export function keyIdBytes(keyId: KeyIdInput): Uint8Array {
  if (keyId instanceof Uint8Array) {
    if (keyId.length === 16) return keyId;
    throw new FleFormatError('BAD_KEY_ID', `key id must be 16 bytes (a UUID), got ${keyId.length}`);
  }
  const binary = binaryContent(keyId, 'BAD_KEY_ID');
  if (binary === undefined) throw new FleFormatError('BAD_KEY_ID', 'key id must be a UUID: a bson UUID/Binary subtype 4 or 16 bytes');
  if (binary.subtype !== Binary.SUBTYPE_UUID || binary.bytes.length !== 16) {
    throw new FleFormatError(
      'BAD_KEY_ID',
      `key id must be a UUID (BSON binary subtype 4, 16 bytes), got subtype ${binary.subtype} of ${binary.bytes.length} bytes`,
    );
  }
  return binary.bytes;
}
