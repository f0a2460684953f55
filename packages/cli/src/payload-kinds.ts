import { DETERMINISTIC, RANDOM, type BlobKindName } from '@fle-ts/fle-format';

/**
 * The encryption algorithm each stored subtype-6 kind comes from, by the names drivers use
 * (`ClientEncryption.encrypt`'s `algorithm`; client-side-encryption-spec.md "EncryptOpts":
 * "Indexed", "Unindexed", "Range", "String"; queryable-encryption.md §4 for the byte layouts).
 * `null`: a kind that is never stored in a collection (a marking for mongocryptd, an
 * insert/find payload sent to the server, or server-internal): seeing one in a dump means the
 * dump was not taken from stored data.
 */
export const ALGORITHM_BY_KIND: Readonly<Record<BlobKindName, string | null>> = {
  FLE1EncryptionPlaceholder: null,
  FLE1DeterministicEncryptedValue: DETERMINISTIC,
  FLE1RandomEncryptedValue: RANDOM,
  FLE2EncryptionPlaceholder: null,
  FLE2InsertUpdatePayload: null,
  FLE2FindEqualityPayload: null,
  FLE2UnindexedEncryptedValue: 'Unindexed',
  FLE2IndexedEqualityEncryptedValue: 'Indexed',
  FLE2TransientRaw: null,
  FLE2IndexedRangeEncryptedValue: 'Range',
  FLE2FindRangePayload: null,
  FLE2InsertUpdatePayloadV2: null,
  FLE2FindEqualityPayloadV2: null,
  FLE2FindRangePayloadV2: null,
  FLE2IndexedEqualityEncryptedValueV2: 'Indexed',
  FLE2IndexedRangeEncryptedValueV2: 'Range',
  FLE2UnindexedEncryptedValueV2: 'Unindexed',
  FLE2IndexedTextEncryptedValue: 'String',
  FLE2FindTextPayload: null,
};
