import { Binary } from 'bson';
import { FLE1_HEADER_LENGTH, writeFle1Header } from './associated-data.js';
import { FleFormatError } from './errors.js';
import { binaryContent, type KeyIdInput } from './key-id.js';
import { MIN_CIPHERTEXT_LENGTH } from '@fle-ts/crypto-core';

/**
 * Every first byte of a BinData subtype 6 value MongoDB has defined, by name
 * (LMC `src/mc-fle-blob-subtype-private.h`; 8 from SERVER `fle_field_schema.idl`; fle1-spec.md §4).
 */
export const BLOB_KIND_NAMES = [
  'FLE1EncryptionPlaceholder',
  'FLE1DeterministicEncryptedValue',
  'FLE1RandomEncryptedValue',
  'FLE2EncryptionPlaceholder',
  'FLE2InsertUpdatePayload',
  'FLE2FindEqualityPayload',
  'FLE2UnindexedEncryptedValue',
  'FLE2IndexedEqualityEncryptedValue',
  'FLE2TransientRaw',
  'FLE2IndexedRangeEncryptedValue',
  'FLE2FindRangePayload',
  'FLE2InsertUpdatePayloadV2',
  'FLE2FindEqualityPayloadV2',
  'FLE2FindRangePayloadV2',
  'FLE2IndexedEqualityEncryptedValueV2',
  'FLE2IndexedRangeEncryptedValueV2',
  'FLE2UnindexedEncryptedValueV2',
  'FLE2IndexedTextEncryptedValue',
  'FLE2FindTextPayload',
] as const;

/** The name of a defined subtype-6 first byte. */
export type BlobKindName = (typeof BLOB_KIND_NAMES)[number];

/** An FLE1 ciphertext: what a CSFLE field holds on the server. All byte fields are views into the input. */
export interface Fle1Blob {
  kind: 'FLE1DeterministicEncryptedValue' | 'FLE1RandomEncryptedValue';
  subtype: 1 | 2;
  /** The data key's `_id` (UUID bytes). */
  keyId: Uint8Array;
  /** BSON type byte of the plaintext value. */
  bsonType: number;
  /** AEAD output IV || S || T. */
  ciphertext: Uint8Array;
  /** The header bytes 0..18, also the AEAD associated data. */
  associatedData: Uint8Array;
}

/** QE unindexed value (6, 16): key_uuid || type || AEAD, like FLE1 but another AEAD. */
export interface UnindexedBlob {
  kind: 'FLE2UnindexedEncryptedValue' | 'FLE2UnindexedEncryptedValueV2';
  subtype: 6 | 16;
  keyId: Uint8Array;
  bsonType: number;
  ciphertext: Uint8Array;
  associatedData: Uint8Array;
}

/** QE indexed values (7, 9, 14, 15, 17): S_KeyId (the index key's id) || type || encrypted rest. */
export interface IndexedBlob {
  kind:
    | 'FLE2IndexedEqualityEncryptedValue'
    | 'FLE2IndexedRangeEncryptedValue'
    | 'FLE2IndexedEqualityEncryptedValueV2'
    | 'FLE2IndexedRangeEncryptedValueV2'
    | 'FLE2IndexedTextEncryptedValue';
  subtype: 7 | 9 | 14 | 15 | 17;
  /** S_KeyId: the id of the server-side index key (not the user key, which is inside `payload`). */
  indexKeyId: Uint8Array;
  bsonType: number;
  /** Everything after the type byte. */
  payload: Uint8Array;
}

/** Markings and QE payloads whose body is one BSON document (0, 3, 4, 5, 10, 11, 12, 13, 18). */
export interface BsonPayloadBlob {
  kind:
    | 'FLE1EncryptionPlaceholder'
    | 'FLE2EncryptionPlaceholder'
    | 'FLE2InsertUpdatePayload'
    | 'FLE2FindEqualityPayload'
    | 'FLE2FindRangePayload'
    | 'FLE2InsertUpdatePayloadV2'
    | 'FLE2FindEqualityPayloadV2'
    | 'FLE2FindRangePayloadV2'
    | 'FLE2FindTextPayload';
  subtype: 0 | 3 | 4 | 5 | 10 | 11 | 12 | 13 | 18;
  /** The BSON document after the first byte (length checked, content not parsed). */
  payload: Uint8Array;
}

/** FLE2TransientRaw (8): server-internal, never stored; the body is opaque. */
export interface TransientBlob {
  kind: 'FLE2TransientRaw';
  subtype: 8;
  payload: Uint8Array;
}

/** What {@link parseBlob} returns: discriminated on `kind` (and `subtype`). */
export type ParsedBlob = Fle1Blob | UnindexedBlob | IndexedBlob | BsonPayloadBlob | TransientBlob;

const BSON_PAYLOAD_KINDS = new Set([0, 3, 4, 5, 10, 11, 12, 13, 18]);
const INDEXED_KINDS = new Set([7, 9, 14, 15, 17]);
/** Smallest valid FLE1 blob: 18-byte header + the AEAD minimum of 64 (fle1-spec.md §2). */
export const MIN_FLE1_BLOB_LENGTH = FLE1_HEADER_LENGTH + MIN_CIPHERTEXT_LENGTH;

/**
 * The name of a subtype-6 first byte, or undefined for a byte MongoDB has not defined.
 *
 * @example
 * blobKindName(1); // 'FLE1DeterministicEncryptedValue'
 */
export function blobKindName(byte: number): BlobKindName | undefined {
  return Number.isInteger(byte) && byte >= 0 ? BLOB_KIND_NAMES[byte] : undefined;
}

/** Input bytes of a blob: a Uint8Array, or a bson Binary (must be subtype 6). */
export function blobBytes(blob: Uint8Array | Binary): Uint8Array {
  if (blob instanceof Uint8Array) return blob;
  if (blob instanceof Binary && blob.sub_type === Binary.SUBTYPE_ENCRYPTED) {
    // A real Binary whose buffer is exactly its bytes (what js-bson's deserialize and
    // encryptValue make): the buffer itself, not a view of it (a Node Buffer's subarray
    // costs more than the rest of this check; issue 18, value level).
    const { buffer, position } = blob;
    if (buffer instanceof Uint8Array && position === buffer.length) return buffer;
  }
  const binary = binaryContent(blob, 'NOT_ENCRYPTED_BINARY');
  if (binary === undefined) {
    throw new FleFormatError('NOT_ENCRYPTED_BINARY', 'expected an encrypted value: a bson Binary of subtype 6 or a Uint8Array');
  }
  if (binary.subtype !== Binary.SUBTYPE_ENCRYPTED) {
    throw new FleFormatError(
      'NOT_ENCRYPTED_BINARY',
      `expected BSON binary subtype 6 (encrypted), got subtype ${binary.subtype}: this value is not encrypted`,
    );
  }
  return binary.bytes;
}

function tooShort(name: string, min: number, got: number): FleFormatError {
  return new FleFormatError('BLOB_TOO_SHORT', `${name} blob must be at least ${min} bytes, got ${got}: it is truncated or not an encrypted value`);
}

/**
 * Parses a BinData subtype 6 value by its first byte (fle1-spec.md §4). Every defined kind
 * 0..18 is recognised by name; FLE1 and QE unindexed kinds give key id, BSON type and
 * ciphertext; indexed QE kinds give the index key id and type; payload kinds the BSON body.
 * Byte fields are views into the input (no copy). Never decrypts.
 * Errors: `EMPTY_BLOB`, `BLOB_TOO_SHORT`, `UNKNOWN_BLOB_KIND`, `MALFORMED_BSON` (a payload
 * whose length prefix does not match), `NOT_ENCRYPTED_BINARY`.
 *
 * @example
 * const p = parseBlob(binary);
 * if (p.kind === 'FLE1DeterministicEncryptedValue') p.keyId;
 */
export function parseBlob(blob: Uint8Array | Binary): ParsedBlob {
  const bytes = blobBytes(blob);
  if (bytes.length === 0) {
    // LMC 1.7 returns an empty subtype 6 unchanged (fle1-spec.md §2); we refuse it.
    throw new FleFormatError('EMPTY_BLOB', 'encrypted value is empty (BinData subtype 6 with no bytes): it holds no ciphertext');
  }
  const subtype = bytes[0]!;
  const kind = blobKindName(subtype);
  if (kind === undefined) {
    throw new FleFormatError(
      'UNKNOWN_BLOB_KIND',
      `unknown encrypted-value kind ${subtype} (first byte of BinData subtype 6): MongoDB defines 0..18`,
    );
  }
  if (subtype === 1 || subtype === 2 || subtype === 6 || subtype === 16) {
    const min = subtype <= 2 ? MIN_FLE1_BLOB_LENGTH : FLE1_HEADER_LENGTH + 1;
    if (bytes.length < min) throw tooShort(kind, min, bytes.length);
    return {
      kind,
      subtype,
      keyId: bytes.subarray(1, 17),
      bsonType: bytes[17]!,
      ciphertext: bytes.subarray(FLE1_HEADER_LENGTH),
      associatedData: bytes.subarray(0, FLE1_HEADER_LENGTH),
    } as Fle1Blob | UnindexedBlob;
  }
  if (INDEXED_KINDS.has(subtype)) {
    if (bytes.length < FLE1_HEADER_LENGTH + 1) throw tooShort(kind, FLE1_HEADER_LENGTH + 1, bytes.length);
    return { kind, subtype, indexKeyId: bytes.subarray(1, 17), bsonType: bytes[17]!, payload: bytes.subarray(18) } as IndexedBlob;
  }
  if (BSON_PAYLOAD_KINDS.has(subtype)) {
    // Smallest BSON document is 5 bytes (int32 length + NUL).
    if (bytes.length < 6) throw tooShort(kind, 6, bytes.length);
    const payload = bytes.subarray(1);
    const declared = (payload[0]! | (payload[1]! << 8) | (payload[2]! << 16) | (payload[3]! << 24)) >>> 0;
    if (declared !== payload.length || payload[payload.length - 1] !== 0) {
      throw new FleFormatError(
        'MALFORMED_BSON',
        `${kind} body must be one BSON document of ${payload.length} bytes, but its length prefix says ${declared}`,
      );
    }
    return { kind, subtype, payload } as BsonPayloadBlob;
  }
  return { kind: 'FLE2TransientRaw', subtype: 8, payload: bytes.subarray(1) };
}

/**
 * {@link parseBlob} restricted to FLE1 (first byte 1 or 2); any other defined kind →
 * `UNSUPPORTED_BLOB_KIND` naming it.
 *
 * @example
 * const { keyId, bsonType, ciphertext } = parseFle1Blob(bytes);
 */
export function parseFle1Blob(blob: Uint8Array | Binary): Fle1Blob {
  const parsed = parseBlob(blob);
  if (parsed.subtype !== 1 && parsed.subtype !== 2) throw unsupportedKind(parsed.kind, parsed.subtype);
  return parsed;
}

/** `UNSUPPORTED_BLOB_KIND` for a recognised kind that this package cannot decrypt. */
export function unsupportedKind(kind: string, subtype: number): FleFormatError {
  return new FleFormatError(
    'UNSUPPORTED_BLOB_KIND',
    `${kind} (BinData subtype 6, first byte ${subtype}) is not an FLE1 ciphertext; fle-ts decrypts only FLE1 (first byte 1 or 2)`,
  );
}

/** Input of {@link serializeFle1Blob}. */
export interface Fle1BlobFields {
  subtype: 1 | 2;
  /** The data key id in any form `encryptValue` takes (16 bytes, bson UUID, Binary subtype 4). */
  keyId: KeyIdInput;
  bsonType: number;
  ciphertext: Uint8Array;
}

/**
 * Builds an FLE1 blob: `subtype || keyId[16] || bsonType || ciphertext`
 * (LMC `_mongocrypt_serialize_ciphertext`; fle1-spec.md §2, no length field).
 *
 * @example
 * const bytes = serializeFle1Blob({ subtype: 1, keyId, bsonType: 0x02, ciphertext });
 */
export function serializeFle1Blob(fields: Fle1BlobFields): Uint8Array {
  const { subtype, keyId, bsonType, ciphertext } = fields;
  if (!(ciphertext instanceof Uint8Array)) {
    throw new FleFormatError('BAD_BLOB_FIELD', 'ciphertext must be a Uint8Array');
  }
  const out = new Uint8Array(FLE1_HEADER_LENGTH + ciphertext.length);
  writeFle1Header(out, subtype, keyId, bsonType);
  out.set(ciphertext, FLE1_HEADER_LENGTH);
  return out;
}
