import { blobKindName } from '@fle-ts/fle-format';
import { QeError } from './errors.js';

/** First bytes (blob subtypes) of the QE v2 kinds handled here (LMC `mc-fle-blob-subtype-private.h`). */
export const QeKind = {
  FLE2EncryptionPlaceholder: 3,
  FLE2InsertUpdatePayloadV2: 11,
  FLE2FindEqualityPayloadV2: 12,
  FLE2FindRangePayloadV2: 13,
  FLE2IndexedEqualityEncryptedValueV2: 14,
  FLE2IndexedRangeEncryptedValueV2: 15,
  FLE2UnindexedEncryptedValueV2: 16,
} as const;

/** `UNKNOWN_PAYLOAD_KIND` for a byte MongoDB never defined, else `UNSUPPORTED_PAYLOAD_KIND` naming the kind. */
export function kindError(first: number | undefined, doing: string): QeError {
  const name = first === undefined ? undefined : blobKindName(first);
  if (name === undefined) {
    return new QeError('UNKNOWN_PAYLOAD_KIND', `first byte ${first === undefined ? '(empty input)' : first} is not an encrypted value kind MongoDB defines: it is not a QE payload`);
  }
  return new QeError('UNSUPPORTED_PAYLOAD_KIND', `${name} (first byte ${first}) is not supported for ${doing} by @fle-ts/qe (QE v2 equality and unindexed only)`);
}

/** Checks the first byte of `bytes` is `kind`, else a typed error. */
export function expectKind(bytes: Uint8Array, kind: number, doing: string): void {
  if (bytes.length === 0 || bytes[0] !== kind) {
    const got = bytes[0];
    if (got !== undefined && blobKindName(got) !== undefined && blobKindName(kind) !== undefined) {
      throw new QeError('UNSUPPORTED_PAYLOAD_KIND', `expected ${blobKindName(kind)} (first byte ${kind}), got ${blobKindName(got)} (${got}) for ${doing}`);
    }
    throw kindError(got, doing);
  }
}
