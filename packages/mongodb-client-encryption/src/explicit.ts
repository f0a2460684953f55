// Explicit encryption and decryption contexts (ClientEncryption.encrypt / decrypt; the shapes
// `{v: value}` in, `{v: BinData 6}` out and back, driver-dropin.md API table).
import { Binary } from 'bson';
import { decryptBsonDocument, encryptValue, normalizeAlgorithm } from '@fle-ts/fle-format';
import { checkEncryptOptions, isFle1Ciphertext, KeyNeedsCollector, type KeyNeeds, type QeEncryptRequest } from '@fle-ts/client';
import { decryptQeRaw, encryptQe, encryptQeExpression, type QeRangeOptions } from '@fle-ts/qe';
import { decryptQeValue, isQeValue } from './qe-v1.js';
import { qeKeysThen } from './qe-keys.js';
import { isBytes, readDocument, writeDocument } from './bson-io.js';
import { readyStep, type Step } from './context.js';
import { MongoCryptBindingError } from './errors.js';
import type { KeyCache } from './key-cache.js';
import { KeyRequest, keysThen } from './key-step.js';
import type { LocalMasterKeys } from './local-kms.js';

/** What the driver passes to makeExplicitEncryptionContext (client_encryption.ts `_encrypt`). */
export interface ExplicitEncryptionContextOptions {
  keyId?: Uint8Array;
  keyAltName?: Uint8Array;
  algorithm?: string;
  expressionMode?: boolean;
  contentionFactor?: number | bigint;
  queryType?: string;
  rangeOptions?: Uint8Array;
  textOptions?: Uint8Array;
}

/** The first step of an explicit encryption context: the key, then READY. */
export function explicitEncryptStep(valueBson: Uint8Array, options: ExplicitEncryptionContextOptions, cache: KeyCache, kms: LocalMasterKeys): Step {
  if (typeof options !== 'object' || options === null) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'explicit encryption needs options {keyId | keyAltName, algorithm}');
  if (options.textOptions !== undefined) {
    throw new MongoCryptBindingError('NOT_SUPPORTED', 'textOptions (Queryable Encryption text search, a preview) are not supported by fle-ts: use algorithm Indexed, Unindexed or Range');
  }
  if (isQeRequest(options)) return qeExplicitEncryptStep(valueBson, options, cache, kms);
  // fle-format's names table: both spellings, any case; Queryable Encryption names get BAD_ALGORITHM.
  const algorithm = normalizeAlgorithm(options.algorithm as string);
  const doc = readDocument(valueBson, 'the value to encrypt');
  if (!('v' in doc)) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'the value to encrypt must be the BSON document {v: value}');
  const value = doc.v;
  let needs: KeyNeeds;
  let keyId: Uint8Array | undefined;
  let keyAltName: string | undefined;
  if (options.keyId !== undefined) {
    if (!isBytes(options.keyId) || options.keyId.length !== 16) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'keyId must be the 16 bytes of a UUID');
    if (options.keyAltName !== undefined) throw new MongoCryptBindingError('INVALID_ARGUMENT', '"options" cannot contain both "keyId" and "keyAltName"');
    keyId = new Uint8Array(options.keyId);
    needs = { ids: [new Binary(keyId, Binary.SUBTYPE_UUID)], altNames: [] };
  } else if (options.keyAltName !== undefined) {
    const name = readDocument(options.keyAltName, 'keyAltName').keyAltName;
    if (typeof name !== 'string') throw new MongoCryptBindingError('INVALID_ARGUMENT', 'keyAltName must be the BSON document {keyAltName: <string>}');
    keyAltName = name;
    needs = { ids: [], altNames: [name] };
  } else {
    throw new MongoCryptBindingError('INVALID_ARGUMENT', 'explicit encryption needs either keyId or keyAltName');
  }
  return keysThen(new KeyRequest(needs, cache, kms), (keys) => readyStep(() => {
    const k = keyId ? keys.byId(keyId) : keys.byAltName(keyAltName as string);
    return writeDocument({ v: encryptValue(k.key, k.keyId, algorithm, value) });
  }));
}

/** The first step of an explicit decryption context: `{v: BinData 6}`, its key, then READY. */
export function explicitDecryptStep(blobBson: Uint8Array, cache: KeyCache, kms: LocalMasterKeys): Step {
  const doc = readDocument(blobBson, 'the value to decrypt');
  const blob = doc.v as Binary | undefined;
  const b = blob as { _bsontype?: string; sub_type?: number; buffer?: Uint8Array; position?: number } | undefined;
  if (b?._bsontype === 'Binary' && b.sub_type === 6 && b.buffer !== undefined && isQeValue(b.buffer.subarray(0, b.position))) {
    return qeExplicitDecryptStep(blobBson, new Uint8Array(b.buffer.subarray(0, b.position)), cache, kms);
  }
  if (!isFle1Ciphertext(blob)) {
    // Another kind of subtype 6 (a find payload, a marking, an unknown byte): the qe package's typed
    // UNSUPPORTED_PAYLOAD_KIND / UNKNOWN_PAYLOAD_KIND, naming the kind.
    if (b?._bsontype === 'Binary' && b.sub_type === 6 && (b.position ?? 0) > 0) decryptQeRaw(b.buffer!.subarray(0, b.position), () => undefined);
    throw new MongoCryptBindingError('NOT_SUPPORTED', 'explicit decryption takes {v: BinData subtype 6} holding a CSFLE ciphertext (first byte 1 or 2) or a Queryable Encryption value (11, 14, 15, 16)');
  }
  // FLE1 blob: key UUID at bytes 1..17 (fle1-spec.md §2).
  const keyId = new Uint8Array(blob.buffer.subarray(1, 17));
  const request = new KeyRequest({ ids: [new Binary(keyId, Binary.SUBTYPE_UUID)], altNames: [] }, cache, kms);
  // BSON to BSON: the value keeps its exact type and bytes (DBPointer too).
  return keysThen(request, (keys) => readyStep(() => decryptBsonDocument(blobBson, (id) => keys.byId(id).key)));
}

// Algorithm names libmongocrypt reads as Queryable Encryption (`mongocrypt_ctx_setopt_algorithm`, case-insensitive).
const QE_ALGORITHMS = new Set(['indexed', 'unindexed', 'range', 'rangepreview', 'textpreview']);

/** Queryable Encryption when the algorithm names it or any QE option is set (then the client's checks refuse a FLE1 algorithm in libmongocrypt's words). */
function isQeRequest(o: ExplicitEncryptionContextOptions): boolean {
  return (typeof o.algorithm === 'string' && QE_ALGORITHMS.has(o.algorithm.toLowerCase())) || o.expressionMode === true
    || o.queryType !== undefined || o.contentionFactor !== undefined || o.rangeOptions !== undefined;
}

/**
 * Explicit Queryable Encryption (ClientEncryption.encrypt / encryptExpression with algorithm
 * 'Indexed', 'Unindexed' or 'Range'): the options checked by the client package's
 * checkEncryptOptions (libmongocrypt's `explicit_encrypt_init` rules and words), the key (user and
 * index key: the same id here, as the driver has no indexKeyId) fetched, then encrypted by the qe
 * package: `{v: BinData 6}` (11, 12, 16), or for expressionMode the expression with its two
 * range find payloads (13).
 */
function qeExplicitEncryptStep(valueBson: Uint8Array, options: ExplicitEncryptionContextOptions, cache: KeyCache, kms: LocalMasterKeys): Step {
  let keyId: Binary | undefined;
  if (options.keyId !== undefined) {
    if (!isBytes(options.keyId) || options.keyId.length !== 16) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'keyId must be the 16 bytes of a UUID');
    keyId = new Binary(new Uint8Array(options.keyId), Binary.SUBTYPE_UUID);
  }
  const keyAltName = options.keyAltName === undefined ? undefined : readDocument(options.keyAltName, 'keyAltName').keyAltName;
  const rangeOptions = options.rangeOptions === undefined ? undefined : (readDocument(options.rangeOptions, 'rangeOptions', true) as QeRangeOptions);
  const request = checkEncryptOptions({
    ...(keyId ? { keyId } : {}),
    ...(keyAltName !== undefined ? { keyAltName: keyAltName as string } : {}),
    algorithm: options.algorithm as string,
    ...(options.contentionFactor !== undefined ? { contentionFactor: options.contentionFactor } : {}),
    ...(options.queryType !== undefined ? { queryType: options.queryType } : {}),
    ...(rangeOptions !== undefined ? { rangeOptions } : {}),
  });
  if (!request.qe) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'expressionMode (encryptExpression) needs algorithm Range with queryType range');
  const qe: QeEncryptRequest = request;
  const doc = readDocument(valueBson, 'the value to encrypt');
  if (!('v' in doc)) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'the value to encrypt must be the BSON document {v: value}');
  const value = doc.v;
  if (options.expressionMode === true) {
    // libmongocrypt's words (mongocrypt-ctx-encrypt.c explicit_encrypt_init).
    if (qe.algorithm !== 'Range' || qe.queryType !== 'range') throw new MongoCryptBindingError('INVALID_ARGUMENT', 'EncryptExpression may only be used for range queries.');
  } else if (qe.queryType === 'range') {
    throw new MongoCryptBindingError('INVALID_ARGUMENT', 'Encrypt may not be used for range queries. Use EncryptExpression.');
  }
  const needs = new KeyNeedsCollector();
  needs.add({ keyId: qe.keyId });
  return qeKeysThen(needs, [], cache, kms, (keys) => readyStep(() => {
    const ctx = { keys: keys.qe };
    if (qe.algorithm === 'Range') {
      const range = { algorithm: 'Range' as const, keyId: qe.keyId, contentionFactor: qe.contentionFactor as bigint, rangeOptions: qe.rangeOptions as QeRangeOptions };
      if (options.expressionMode === true) return writeDocument({ v: encryptQeExpression(value, { ...range, queryType: 'range' }, ctx) });
      return writeDocument({ v: encryptQe(value, range, ctx) });
    }
    return writeDocument({
      v: encryptQe(value, {
        algorithm: qe.algorithm,
        keyId: qe.keyId,
        ...(qe.contentionFactor !== undefined ? { contentionFactor: qe.contentionFactor } : {}),
        ...(qe.queryType === 'equality' ? { queryType: 'equality' as const } : {}),
      }, ctx),
    });
  }));
}

/**
 * Explicit decryption of a Queryable Encryption value (11, 14, 15, 16): its keys in up to two
 * rounds (a stored indexed value names its user key under the index key's layer), then the value
 * with its exact BSON type, BSON to BSON.
 */
function qeExplicitDecryptStep(blobBson: Uint8Array, blob: Uint8Array, cache: KeyCache, kms: LocalMasterKeys): Step {
  return qeKeysThen(new KeyNeedsCollector(), [blob], cache, kms, (keys) => readyStep(() => decryptBsonDocument(blobBson, (id) => keys.aead(id), (b) => decryptQeValue(b, keys.qe))));
}
