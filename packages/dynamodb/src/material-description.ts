// The material description attribute `*amzn-ddb-map-desc*`: version 0 (4 zero bytes), then name/value
// pairs sorted by name, each uint32-length-prefixed UTF-8 (docs/dynamodb-encryption.md §3; Python
// internal/formatting/material_description.py).
import { setOwn } from './attribute-value.js';
import { ByteReader, ByteWriter, compareBytes, fromUtf8, utf8 } from './bytes.js';
import { DynamoDbEncryptionError } from './errors.js';

/** A material description: string names to string values. */
export type MaterialDescription = { readonly [name: string]: string };

/** Names the encryptor and providers write (§3 table). */
export const MaterialDescriptionKeys = {
  ATTRIBUTE_ENCRYPTION_MODE: 'amzn-ddb-map-sym-mode',
  SIGNING_KEY_ALGORITHM: 'amzn-ddb-map-signingAlg',
  WRAPPED_DATA_KEY: 'amzn-ddb-env-key',
  CONTENT_ENCRYPTION_ALGORITHM: 'amzn-ddb-env-alg',
  CONTENT_KEY_WRAPPING_ALGORITHM: 'amzn-ddb-wrap-alg',
  ITEM_SIGNATURE_ALGORITHM: 'amzn-ddb-sig-alg',
  MATERIAL_ID: 'amzn-ddb-meta-id',
} as const;

/** The one attribute encryption mode of the format: `<key algorithm>` + this = the JCE cipher name. */
export const CBC_PKCS5_MODE = '/CBC/PKCS5Padding';

/** Serializes a material description (version 0, entries sorted by UTF-8 name). */
export function serializeMaterialDescription(description: MaterialDescription): Uint8Array {
  const entries = Object.entries(description).map(([k, v]) => {
    if (typeof v !== 'string') throw new DynamoDbEncryptionError('DDB_BAD_MATERIAL_DESCRIPTION', `material description value of '${k}' must be a string`);
    return [utf8(k), utf8(v)] as const;
  });
  entries.sort((a, b) => compareBytes(a[0], b[0]));
  const w = new ByteWriter().u32(0);
  for (const [k, v] of entries) w.lengthPrefixed(k).lengthPrefixed(v);
  return w.finish();
}

/** Parses a serialized material description; only version 0 exists. */
export function deserializeMaterialDescription(bytes: Uint8Array): MaterialDescription {
  const r = new ByteReader(bytes, 'material description');
  try {
    if (r.u32() !== 0) throw new DynamoDbEncryptionError('DDB_BAD_MATERIAL_DESCRIPTION', 'material description has an unknown version (only 0 exists)');
    const out: Record<string, string> = {};
    while (!r.done) {
      const name = fromUtf8(r.lengthPrefixed(), 'a material description name');
      setOwn(out, name, fromUtf8(r.lengthPrefixed(), 'a material description value'));
    }
    return out;
  } catch (cause) {
    if (cause instanceof DynamoDbEncryptionError && cause.code === 'DDB_BAD_MATERIAL_DESCRIPTION') throw cause;
    throw new DynamoDbEncryptionError('DDB_BAD_MATERIAL_DESCRIPTION', 'the *amzn-ddb-map-desc* attribute is malformed', { cause });
  }
}
