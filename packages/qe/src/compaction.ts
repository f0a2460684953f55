import { Binary } from 'bson';
import { QeError } from './errors.js';
import { requireKey, type QeKeyLookup } from './keys.js';
import { anchorPaddingTokenRoot, collectionsLevel1Token, ecocToken, escToken, tokenKeyOf } from './tokens.js';

// queryType strings libmongocrypt accepts (LMC `mc-efc.c` `_parse_query_type_string`); all but
// equality make the server keep anchor padding, so their token is {ecoc, anchorPaddingToken}.
const QUERY_TYPES = new Set(['equality', 'range', 'substringPreview', 'suffixPreview', 'prefixPreview', 'substring', 'suffix', 'prefix']);

function fail(why: string): QeError {
  return new QeError('BAD_ENCRYPTED_FIELDS', `encryptedFields: ${why}`);
}

function isBinary(v: unknown): v is Binary {
  return v instanceof Binary || (v as { _bsontype?: string } | null)?._bsontype === 'Binary';
}

function queryTypes(queries: unknown, path: string): string[] {
  if (queries === undefined) return [];
  const list = Array.isArray(queries) ? queries : [queries];
  return list.map((q) => {
    const t = (q as { queryType?: unknown } | null)?.queryType;
    if (typeof t !== 'string') throw fail(`field '${path}': each query needs a string 'queryType'`);
    if (t === 'rangePreview') throw fail(`field '${path}': 'rangePreview' is unsupported, use 'range'`);
    if (!QUERY_TYPES.has(t)) throw fail(`field '${path}': unknown queryType '${t}'`);
    return t;
  });
}

/**
 * The `compactionTokens` of `compactStructuredEncryptionData`, which are also the `cleanupTokens`
 * of `cleanupStructuredEncryptionData` (LMC `mongocrypt-ctx-encrypt.c`
 * `_fle2_append_compactionTokens`): per field path the ECOCToken of the field's key, or
 * `{ecoc, anchorPaddingToken}` (AnchorPaddingTokenRoot) for range and text fields. Fields come
 * out in libmongocrypt's order, the reverse of `encryptedFields.fields` (its parser prepends).
 * The result is a null-prototype object of bson `Binary` values, ready to append to the command.
 *
 * @example
 * const cmd = { compactStructuredEncryptionData: 'coll', compactionTokens: compactionTokens(encryptedFields, keys) };
 */
export function compactionTokens(encryptedFields: unknown, keys: QeKeyLookup): Record<string, Binary | { ecoc: Binary; anchorPaddingToken: Binary }> {
  const fields = (encryptedFields as { fields?: unknown } | null)?.fields;
  if (!Array.isArray(fields)) throw fail("'fields' must be an array");
  const out = Object.create(null) as Record<string, Binary | { ecoc: Binary; anchorPaddingToken: Binary }>;
  for (const field of [...fields].reverse()) {
    const f = field as { keyId?: unknown; keyAltName?: unknown; path?: unknown; queries?: unknown } | null;
    if (f === null || typeof f !== 'object') throw fail('each field must be a document');
    if (typeof f.path !== 'string') throw fail("a field has no string 'path'");
    if (f.keyId === undefined) {
      throw fail(f.keyAltName === undefined ? `unable to find 'keyId' or 'keyAltName' in field '${f.path}'` : `field '${f.path}' names its key by keyAltName, which @fle-ts/qe does not resolve: use keyId`);
    }
    if (!isBinary(f.keyId) || f.keyId.sub_type !== 4 || f.keyId.position !== 16) throw fail(`field '${f.path}': 'keyId' must be a UUID (binary subtype 4)`);
    const types = queryTypes(f.queries, f.path);
    const keyId = new Uint8Array(f.keyId.buffer.subarray(0, 16));
    const c1 = collectionsLevel1Token(tokenKeyOf(requireKey(keys, keyId, `key of field '${f.path}'`)));
    const ecoc = new Binary(ecocToken(c1), 0);
    const padded = types.some((t) => t !== 'equality');
    const value = padded ? { ecoc, anchorPaddingToken: new Binary(anchorPaddingTokenRoot(escToken(c1)), 0) } : ecoc;
    Object.defineProperty(out, f.path, { value, enumerable: true, writable: true, configurable: true });
    c1.fill(0);
  }
  return out;
}
