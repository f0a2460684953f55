// Explicit encryption and decryption contexts (ClientEncryption.encrypt / decrypt; the shapes
// `{v: value}` in, `{v: BinData 6}` out and back, driver-dropin.md API table).
import { Binary } from 'bson';
import { decryptBsonDocument, encryptValue, normalizeAlgorithm } from '@fle-ts/fle-format';
import { isFle1Ciphertext, type KeyNeeds } from '@fle-ts/client';
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
  if (options.expressionMode || options.queryType !== undefined || options.contentionFactor !== undefined || options.rangeOptions !== undefined || options.textOptions !== undefined) {
    throw new MongoCryptBindingError('NOT_SUPPORTED', 'queryType, contentionFactor, rangeOptions, textOptions and encryptExpression are Queryable Encryption, which fle-ts does not support yet');
  }
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
  if (!isFle1Ciphertext(blob)) {
    throw new MongoCryptBindingError('NOT_SUPPORTED', 'explicit decryption takes {v: BinData subtype 6} holding a CSFLE ciphertext (first byte 1 or 2); Queryable Encryption values are not supported yet');
  }
  // FLE1 blob: key UUID at bytes 1..17 (fle1-spec.md §2).
  const keyId = new Uint8Array(blob.buffer.subarray(1, 17));
  const request = new KeyRequest({ ids: [new Binary(keyId, Binary.SUBTYPE_UUID)], altNames: [] }, cache, kms);
  // BSON to BSON: the value keeps its exact type and bytes (DBPointer too).
  return keysThen(request, (keys) => readyStep(() => decryptBsonDocument(blobBson, (id) => keys.byId(id).key)));
}
