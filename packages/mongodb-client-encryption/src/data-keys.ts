// Data-key and rewrap contexts (ClientEncryption.createDataKey / rewrapManyDataKey). The driver
// writes the results itself: it inserts the key document, and `$set`s masterKey + keyMaterial of
// each rewrapped key (driver-dropin.md API table). Field order: LMC `mongocrypt-ctx-datakey.c` `_finalize`.
import { Binary, type Document } from 'bson';
import { randomBytes, wipe } from '@fle-ts/crypto-core';
import { DATA_KEY_LENGTH, KeyVaultError, newKeyId, parseMasterKey, type DataKeyDocument, type MasterKey } from '@fle-ts/keyvault';
import { isBytes, readDocument, writeDocument } from './bson-io.js';
import { readyStep, type Step } from './context.js';
import { MongoCryptBindingError } from './errors.js';
import { readKeyDocument } from './key-step.js';
import type { LocalMasterKeys } from './local-kms.js';
import { MONGOCRYPT_CTX_NEED_MONGO_KEYS } from './states.js';

/** What the driver passes to makeDataKeyContext besides the key encryption key. */
export interface DataKeyContextOptions {
  keyAltNames?: Uint8Array[];
  keyMaterial?: Uint8Array;
}

function readKek(kekBson: Uint8Array): MasterKey {
  return parseMasterKey(readDocument(kekBson, 'the key encryption key {provider, ...masterKey}', false));
}

function altNamesOf(list: unknown): string[] {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'keyAltNames must be an array of BSON documents {keyAltName: <string>}');
  const names: string[] = [];
  for (const item of list) {
    const n = readDocument(item, 'keyAltName', false).keyAltName;
    if (typeof n !== 'string') throw new MongoCryptBindingError('INVALID_ARGUMENT', 'each keyAltName must be the BSON document {keyAltName: <string>}');
    // LMC `mongocrypt_ctx_setopt_key_alt_name`: "duplicate keyAltNames found".
    if (names.includes(n)) throw new KeyVaultError('INVALID_ARGUMENT', `duplicate keyAltNames found: '${n}'`);
    names.push(n);
  }
  return names;
}

function dataKeyOf(keyMaterial: unknown): Uint8Array {
  if (keyMaterial === undefined) return randomBytes(DATA_KEY_LENGTH);
  if (!isBytes(keyMaterial)) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'keyMaterial must be the BSON document {keyMaterial: BinData}');
  const m = readDocument(keyMaterial, 'keyMaterial', false).keyMaterial as Binary | undefined;
  const n = m?._bsontype === 'Binary' ? m.position : undefined;
  // LMC's text: "keyMaterial should have length 96, but has length N".
  if (m === undefined || n !== DATA_KEY_LENGTH) throw new KeyVaultError('INVALID_KEY_MATERIAL', `keyMaterial should have length 96, but has length ${n ?? 'none'}`);
  return new Uint8Array(m.buffer.subarray(0, n));
}

/** A data-key context: READY at once for local KMS; `finalize` gives the new key document. */
export function dataKeyStep(kekBson: Uint8Array, options: DataKeyContextOptions, kms: LocalMasterKeys): Step {
  const masterKey = readKek(kekBson);
  const names = altNamesOf(options?.keyAltNames);
  const dataKey = dataKeyOf(options?.keyMaterial);
  let keyMaterial: Uint8Array;
  try {
    keyMaterial = kms.wrap(masterKey.provider, dataKey);
  } finally {
    wipe(dataKey);
  }
  return readyStep(() => {
    const now = new Date();
    const doc: Document = {
      _id: newKeyId(),
      ...(names.length > 0 ? { keyAltNames: names } : {}),
      keyMaterial: new Binary(keyMaterial, Binary.SUBTYPE_DEFAULT),
      creationDate: now,
      updateDate: new Date(now.getTime()),
      status: 0,
      masterKey,
    };
    return writeDocument(doc);
  });
}

/**
 * A rewrap context: NEED_MONGO_KEYS with the user's filter as is, then READY; `finalize` gives
 * `{v: [key documents]}` re-wrapped under the new key encryption key (or each key's own).
 */
export function rewrapStep(filterBson: Uint8Array, kekBson: Uint8Array | undefined, kms: LocalMasterKeys): Step {
  readDocument(filterBson, 'the rewrap filter', false);
  const newKek = kekBson === undefined || kekBson === null ? undefined : readKek(kekBson);
  const docs: DataKeyDocument[] = [];
  return {
    state: MONGOCRYPT_CTX_NEED_MONGO_KEYS,
    operation: filterBson,
    feed: (document) => {
      docs.push(readKeyDocument(document));
    },
    finish: () => {
      // Unwrap and wrap everything before READY, so a bad key fails the whole rewrap and nothing is written.
      const rewrapped = docs.map((d) => {
        const masterKey = newKek ?? d.masterKey;
        const raw = kms.unwrapRaw(d);
        try {
          return { ...d, masterKey, keyMaterial: new Binary(kms.wrap(masterKey.provider, raw), Binary.SUBTYPE_DEFAULT), updateDate: new Date() };
        } finally {
          wipe(raw);
        }
      });
      return readyStep(() => writeDocument({ v: rewrapped }));
    },
  };
}
