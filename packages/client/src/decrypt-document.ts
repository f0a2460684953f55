import type { AeadKey } from '@fle-ts/crypto-core';
import { decryptBsonDocument, decryptValue, fle1KeyIdsInBson, MIN_FLE1_BLOB_LENGTH, parseFle1Blob } from '@fle-ts/fle-format';
import { decryptQe, decryptQeRaw } from '@fle-ts/qe';
import type { Binary } from 'bson';
import { hasBinaryBytes, isPlainDocument, isSubtype6 } from './bson-types.js';
import { checkDepth, documentEntries, setField } from './document-entries.js';
import { FleClientError } from './errors.js';
import { type FieldCipher, type FieldCipherSource, KeyNeedsCollector } from './field-cipher.js';
import { binaryPayload, isQeValueBytes, prepareWithQeKeys, qeLookup } from './qe-values.js';
import type { BrokerCipherSource } from './broker-cipher.js';

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

/** Rebuilds `value` with every ciphertext decrypted; `depth` as in {@link collect} (the cached pass walks without collect). */
function replace(value: unknown, decrypt: (b: Binary) => unknown, depth: number): unknown {
  if (isCiphertext(value)) return decrypt(value);
  if (Array.isArray(value)) {
    checkDepth(depth, WHERE);
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const r = replace(value[i], decrypt, depth + 1);
      if (r !== value[i]) (out ??= value.slice())[i] = r;
    }
    return out ?? value;
  }
  if (value instanceof Map) {
    checkDepth(depth, WHERE);
    let out: Map<unknown, unknown> | undefined;
    for (const [k, v] of value) {
      const r = replace(v, decrypt, depth + 1);
      if (r !== v) (out ??= new Map(value)).set(k, r);
    }
    return out ?? value;
  }
  if (isPlainDocument(value)) {
    checkDepth(depth, WHERE);
    // Own enumerable string keys, as for-in + hasOwnProperty gave them, in the same order.
    const keys = Object.keys(value);
    let out: Record<string, unknown> | undefined;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const v = value[k];
      const r = replace(v, decrypt, depth + 1);
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
    return replace(doc, (b) => (b.buffer[0] === 1 || b.buffer[0] === 2 ? cipher.decrypt(b) : decryptQe(b, keys)), 1) as T;
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

/** Thrown inside a cached-keys pass to leave it: a key is not cached, or a value needs the full path. */
class NeedsFullPath {}
const NEEDS_FULL_PATH = new NeedsFullPath();

/**
 * The cached data key for the 16-byte id at `bytes[offset..]`, remembering the last one (a reply
 * mostly uses one key: no lookup per field), or a NEEDS_FULL_PATH throw when it is not cached.
 */
function cachedKeys(source: BrokerCipherSource): (bytes: Uint8Array, offset: number) => AeadKey {
  const lastId = new Uint8Array(16);
  let last: AeadKey | undefined;
  return (bytes, offset) => {
    if (last !== undefined) {
      let same = true;
      for (let k = 0; k < 16 && same; k++) same = bytes[offset + k] === lastId[k];
      if (same) return last;
    }
    const id = new Uint8Array(bytes.buffer, bytes.byteOffset + offset, 16);
    const hit = source.cachedKey({ keyId: id });
    if (hit === undefined) throw NEEDS_FULL_PATH;
    lastId.set(id);
    last = hit.key;
    return last;
  };
}

/**
 * {@link decryptBsonWith} when every key the reply needs is cached (issue 18, "a synchronous fast
 * path"): one pass, no key-id walk, no key-needs structures, no await. Undefined when it cannot
 * finish: a key not cached, a Queryable Encryption value, or any error; the caller then runs
 * decryptBsonWith, which gathers and fetches keys and reports errors in its own order.
 */
export function decryptBsonCached(source: BrokerCipherSource, bson: Uint8Array): Uint8Array | undefined {
  const keyAt = cachedKeys(source);
  let used = false;
  try {
    const out = decryptBsonDocument(
      bson,
      (id) => {
        used = true;
        return keyAt(id, 0);
      },
      (blob) => {
        if (isQeValueBytes(blob)) throw NEEDS_FULL_PATH;
        return undefined;
      },
    );
    // Nothing was encrypted: decryptBsonWith returns the input itself.
    return used ? out : bson;
  } catch {
    return undefined;
  }
}

/**
 * {@link decryptDocumentWith} when every FLE1 key is cached and the document holds no Queryable
 * Encryption value: the rebuild pass alone, each value decrypted as it is met. Undefined when it
 * cannot finish (as {@link decryptBsonCached}); then run decryptDocumentWith.
 */
export function decryptDocumentCached<T>(source: BrokerCipherSource, doc: T): T | undefined {
  const keyAt = cachedKeys(source);
  try {
    return replace(doc, (b) => {
      const first = b.buffer[0];
      if (first !== 1 && first !== 2) throw NEEDS_FULL_PATH; // a QE value
      // FLE1 blob: key UUID at bytes 1..17 (fle1-spec.md §2); isCiphertext checked its length.
      return decryptValue(keyAt(b.buffer, 1), b);
    }, 1) as T;
  } catch {
    return undefined;
  }
}
