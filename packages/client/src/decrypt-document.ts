import { decryptBsonDocument, fle1KeyIdsInBson, MIN_FLE1_BLOB_LENGTH, parseFle1Blob } from '@fle-ts/fle-format';
import { decryptQe, decryptQeRaw } from '@fle-ts/qe';
import type { Binary } from 'bson';
import { hasBinaryBytes, isPlainDocument, isSubtype6 } from './bson-types.js';
import { checkDepth, documentEntries, setField } from './document-entries.js';
import { FleClientError } from './errors.js';
import { type FieldCipher, type FieldCipherSource, KeyNeedsCollector } from './field-cipher.js';
import { binaryPayload, isQeValueBytes, prepareWithQeKeys, qeLookup } from './qe-values.js';

const WHERE = 'The document to decrypt';

/**
 * True for a ciphertext to decrypt: FLE1 (BinData 6, first byte 1 or 2) or a Queryable Encryption
 * value (11, 14, 15, 16). A subtype-6 Binary-like without bytes is a typed error (it used to be a
 * TypeError); a FLE1 blob too short to hold a key id and a ciphertext is fle-format's
 * BLOB_TOO_SHORT, as decryptBson and ClientEncryption.decrypt report it (issue 11 item 10),
 * before any key lookup. Find payloads (12), markings and other kinds stay as they are.
 */
function isCiphertext(value: unknown): value is Binary {
  if (!isSubtype6(value)) return false;
  if (!hasBinaryBytes(value)) throw new FleClientError('INVALID_ARGUMENT', `${WHERE} holds a BinData subtype 6 object without a byte buffer; pass bson Binary values`);
  const first = value.position > 0 ? value.buffer[0] : undefined;
  if (first !== 1 && first !== 2) return isQeValueBytes(binaryPayload(value)); // others stay (LMC TRAVERSE_MATCH_CIPHERTEXT)
  if (value.position < MIN_FLE1_BLOB_LENGTH) parseFle1Blob(value); // throws BLOB_TOO_SHORT
  return true;
}

function collect(value: unknown, found: Binary[], depth: number): void {
  if (isCiphertext(value)) found.push(value);
  else if (Array.isArray(value)) {
    checkDepth(depth, WHERE);
    for (const v of value) collect(v, found, depth + 1);
  } else if (value instanceof Map) {
    checkDepth(depth, WHERE);
    for (const [, v] of documentEntries(value, WHERE)) collect(v, found, depth + 1);
  } else if (isPlainDocument(value)) {
    checkDepth(depth, WHERE);
    const keys = Object.keys(value); // own enumerable string keys, as for-in + hasOwnProperty
    for (let i = 0; i < keys.length; i++) collect(value[keys[i]!], found, depth + 1);
  }
}

function replace(value: unknown, decrypt: (b: Binary) => unknown): unknown {
  if (isCiphertext(value)) return decrypt(value);
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = replace(value[i], decrypt);
      if (r !== value[i]) (out ??= value.slice())[i] = r;
    }
    return out ?? value;
  }
  if (value instanceof Map) {
    let out: Map<unknown, unknown> | undefined;
    for (const [k, v] of value) {
      const r = replace(v, decrypt);
      if (r !== v) (out ??= new Map(value)).set(k, r);
    }
    return out ?? value;
  }
  if (isPlainDocument(value)) {
    // Own enumerable string keys, as for-in + hasOwnProperty gave them, in the same order.
    const keys = Object.keys(value);
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = value[k];
      const r = replace(v, decrypt);
      if (out === undefined) {
        if (r === v) continue;
        // The first change: a fresh plain object with the fields before it. Built field by field,
        // not `{ ...value }`: spreading a large reply (1500 fields, a dictionary-mode object) and
        // then overwriting every field cost ~1.9x this (issue 18, decryptDocument).
        out = {};
        for (let j = 0; j < i; j++) setField(out, keys[j]!, value[keys[j]!]);
      }
      // setField keeps an own '__proto__' a field.
      setField(out, k, r);
    }
    if (out === undefined) return value;
    // The spread copied own enumerable symbol fields too (after the string ones): keep them.
    for (const sym of Object.getOwnPropertySymbols(value)) {
      if (Object.prototype.propertyIsEnumerable.call(value, sym)) out[sym as unknown as string] = (value as Record<symbol, unknown>)[sym];
    }
    return out;
  }
  return value;
}

/**
 * Decrypts every FLE1 ciphertext (BinData 6, first byte 1 or 2) and every Queryable Encryption
 * value (first byte 11, 14, 15, 16) anywhere in `doc`, as libmongocrypt does for replies
 * (`TRAVERSE_MATCH_CIPHERTEXT`); other subtype-6 kinds (find payloads 12, markings) are left as
 * they are. Plain objects (own fields, `__proto__` included), arrays and Maps are walked; a Map
 * stays a Map. All key ids are gathered first and fetched in one batch (a second batch when an
 * indexed QE value names its user key under the index key's layer); then the document is rebuilt
 * in one synchronous pass. The input is not modified. Nesting past MAX_NESTING_DEPTH →
 * `NESTING_TOO_DEEP`; a FLE1 blob too short → `BLOB_TOO_SHORT`; a bad QE value → `QeError`.
 */
export async function decryptDocumentWith<T>(source: FieldCipherSource, doc: T): Promise<T> {
  const blobs: Binary[] = [];
  collect(doc, blobs, 1);
  if (blobs.length === 0) return doc;
  const needs = new KeyNeedsCollector();
  const qe: Uint8Array[] = [];
  for (const b of blobs) {
    const first = b.buffer[0];
    // FLE1 blob: key UUID at bytes 1..17 (fle1-spec.md §2).
    if (first === 1 || first === 2) needs.addKeyIdBytes(b.buffer, 1);
    else qe.push(binaryPayload(b));
  }
  const cipher = await prepareWithQeKeys(source, needs, qe);
  try {
    const keys = qeLookup(cipher);
    return replace(doc, (b) => (b.buffer[0] === 1 || b.buffer[0] === 2 ? cipher.decrypt(b) : decryptQe(b, keys))) as T;
  } finally {
    cipher.release?.();
  }
}

/**
 * {@link decryptDocumentWith} on BSON bytes, as a driver holds a server reply: the key ids of
 * FLE1 and QE values are gathered in one pass and fetched in one batch (two for indexed QE
 * values), then fle-format's one-pass BSON-to-BSON decryptor rewrites the document, QE values
 * through its other-blob hook (no js-bson objects in between). Returns `bson` itself when it
 * holds nothing to decrypt.
 */
export async function decryptBsonWith(source: FieldCipherSource, bson: Uint8Array): Promise<Uint8Array> {
  const qe: Uint8Array[] = [];
  const ids = fle1KeyIdsInBson(bson, (blob) => {
    if (isQeValueBytes(blob)) qe.push(blob);
  });
  if (ids.length === 0 && qe.length === 0) return bson;
  const needs = new KeyNeedsCollector();
  for (const id of ids) needs.addKeyIdBytes(id);
  const cipher: FieldCipher = await prepareWithQeKeys(source, needs, qe);
  try {
    const keys = qeLookup(cipher);
    return decryptBsonDocument(
      bson,
      (id) => cipher.aeadKey(id),
      qe.length === 0 ? undefined : (blob) => (isQeValueBytes(blob) ? decryptQeRaw(blob, keys) : undefined),
    );
  } finally {
    cipher.release?.();
  }
}
