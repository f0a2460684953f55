import { decryptBsonDocument, fle1KeyIdsInBson } from '@fle-ts/fle-format';
import type { Binary } from 'bson';
import { isFle1Ciphertext, isPlainDocument } from './bson-types.js';
import { type FieldCipherSource, KeyNeedsCollector } from './field-cipher.js';

function collect(value: unknown, found: Binary[]): void {
  if (isFle1Ciphertext(value)) found.push(value);
  else if (Array.isArray(value)) for (const v of value) collect(v, found);
  else if (isPlainDocument(value)) for (const v of Object.values(value)) collect(v, found);
}

function replace(value: unknown, decrypt: (b: Binary) => unknown): unknown {
  if (isFle1Ciphertext(value)) return decrypt(value);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = replace(value[i], decrypt);
      if (r !== value[i]) (out ??= value.slice())[i] = r;
    }
    return out ?? value;
  }
  if (isPlainDocument(value)) {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const r = replace(v, decrypt);
      if (r !== v) (out ??= { ...value })[k] = r;
    }
    return out ?? value;
  }
  return value;
}

/**
 * Decrypts every FLE1 ciphertext (BinData 6, first byte 1 or 2) anywhere in `doc`, as libmongocrypt
 * does for replies (`TRAVERSE_MATCH_CIPHERTEXT`); other subtype-6 kinds (markings, Queryable
 * Encryption payloads) are left as they are. All key ids are gathered first and fetched in one
 * batch; then the document is rebuilt in one synchronous pass. The input is not modified.
 */
export async function decryptDocumentWith<T>(source: FieldCipherSource, doc: T): Promise<T> {
  const blobs: Binary[] = [];
  collect(doc, blobs);
  if (blobs.length === 0) return doc;
  const needs = new KeyNeedsCollector();
  // FLE1 blob: key UUID at bytes 1..17 (fle1-spec.md §2).
  for (const b of blobs) needs.addKeyIdBytes(b.buffer, 1);
  const cipher = await source.prepare(needs);
  return replace(doc, (b) => cipher.decrypt(b)) as T;
}

/**
 * {@link decryptDocumentWith} on BSON bytes, as a driver holds a server reply: the key ids are
 * gathered in one pass and fetched in one batch, then fle-format's one-pass BSON-to-BSON
 * decryptor rewrites the document (no js-bson objects in between). Returns `bson` itself when
 * it holds no FLE1 ciphertext.
 */
export async function decryptBsonWith(source: FieldCipherSource, bson: Uint8Array): Promise<Uint8Array> {
  const ids = fle1KeyIdsInBson(bson);
  if (ids.length === 0) return bson;
  const needs = new KeyNeedsCollector();
  for (const id of ids) needs.addKeyIdBytes(id);
  const cipher = await source.prepare(needs);
  return decryptBsonDocument(bson, (id) => cipher.aeadKey(id));
}
