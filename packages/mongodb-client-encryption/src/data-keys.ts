// Data-key and rewrap contexts (ClientEncryption.createDataKey / rewrapManyDataKey). The driver
// writes the results itself: it inserts the key document, and `$set`s masterKey + keyMaterial of
// each rewrapped key (driver-dropin.md API table). Field order: LMC `mongocrypt-ctx-datakey.c` `_finalize`.
import { Binary, type Document } from 'bson';
import { randomBytes, wipe } from '@fle-ts/crypto-core';
import { DATA_KEY_LENGTH, KeyVaultError, keyMaterialBytes, newKeyId, parseMasterKey, type DataKeyDocument, type MasterKey } from '@fle-ts/keyvault';
import { isBytes, readDocument, writeDocument } from './bson-io.js';
import { readyStep, type Step } from './context.js';
import { MongoCryptBindingError } from './errors.js';
import { readKeyDocument } from './key-step.js';
import type { LocalMasterKeys } from './local-kms.js';
import { MONGOCRYPT_CTX_NEED_MONGO_KEYS } from './states.js';
import { kmsThen } from './remote-kms.js';

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

/**
 * A data-key context: READY at once for local KMS, after one NEED_KMS round for an aws key (two for
 * azure/gcp without a cached token: OAuth, then wrap; three for a kmip key without keyId: Register,
 * Activate, Get); `finalize` gives the new key document.
 */
export function dataKeyStep(kekBson: Uint8Array, options: DataKeyContextOptions, kms: LocalMasterKeys): Step {
  const masterKey = readKek(kekBson);
  const names = altNamesOf(options?.keyAltNames);
  const dataKey = dataKeyOf(options?.keyMaterial);
  if (!kms.isLocal(masterKey.provider)) {
    // The request is built at once (or after NEED_KMS_CREDENTIALS); the data key is wiped then.
    try {
      return kmsThen(kms.remote, [masterKey], () => {
        try {
          return [kms.remote.encrypt(masterKey, dataKey)];
        } finally {
          wipe(dataKey);
        }
      }, ([wrapped], [stored]) => keyDocumentStep(stored ?? masterKey, names, new Uint8Array(wrapped as Uint8Array)));
    } catch (e) {
      wipe(dataKey);
      throw e;
    }
  }
  let keyMaterial: Uint8Array;
  try {
    keyMaterial = kms.wrap(masterKey.provider, dataKey);
  } finally {
    wipe(dataKey);
  }
  return keyDocumentStep(masterKey, names, keyMaterial);
}

function keyDocumentStep(masterKey: MasterKey, names: string[], keyMaterial: Uint8Array): Step {
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
  if (newKek && !kms.isLocal(newKek.provider)) kms.remote.check(newKek.provider);
  const docs: DataKeyDocument[] = [];
  return {
    state: MONGOCRYPT_CTX_NEED_MONGO_KEYS,
    operation: filterBson,
    feed: (document) => {
      docs.push(readKeyDocument(document));
    },
    // Unwrap and wrap everything before READY, so a bad key fails the whole rewrap and nothing is
    // written: local keys here, remote ones in one NEED_KMS round each way (unwrap, then wrap).
    finish: () => {
      const remoteDocs = docs.filter((d) => !kms.isLocal(d.masterKey.provider));
      return kmsThen(kms.remote, remoteDocs.map((d) => d.masterKey), () => remoteDocs.map((d) => kms.remote.decrypt(d.masterKey, keyMaterialBytes(d))), (remoteRaws) => {
        const raws = docs.map((d) => (kms.isLocal(d.masterKey.provider) ? kms.unwrapRaw(d) : (remoteRaws[remoteDocs.indexOf(d)] as Uint8Array)));
        const targets = docs.map((d) => newKek ?? d.masterKey);
        const wrapped: (Uint8Array | undefined)[] = [];
        const remoteAt: number[] = [];
        try {
          targets.forEach((mk, i) => {
            if (kms.isLocal(mk.provider)) wrapped[i] = kms.wrap(mk.provider, raws[i] as Uint8Array);
            else remoteAt.push(i);
          });
          // Copies of the keys for the requests, which kmsThen builds at once, or after
          // NEED_KMS_CREDENTIALS when a provider is {}; wiped once the requests are built.
          const kept = remoteAt.map((i) => new Uint8Array(raws[i] as Uint8Array));
          return kmsThen(kms.remote, remoteAt.map((i) => targets[i] as MasterKey), () => {
            try {
              return remoteAt.map((i, j) => kms.remote.encrypt(targets[i] as MasterKey, kept[j] as Uint8Array));
            } finally {
              for (const k of kept) wipe(k);
            }
          }, (results, stored) => done(docs, targets, wrapped, remoteAt, results, stored));
        } finally {
          for (const r of raws) wipe(r);
        }
      });
    },
  };
}

/** READY with the rewrapped documents once every keyMaterial is known. */
function done(docs: DataKeyDocument[], targets: MasterKey[], wrapped: (Uint8Array | undefined)[], remoteAt: number[], results: Uint8Array[], stored: MasterKey[]): Step {
  remoteAt.forEach((i, j) => {
    wrapped[i] = new Uint8Array(results[j] as Uint8Array);
    targets[i] = stored[j] as MasterKey; // a KMIP key registered for this document has its new keyId
  });
  const now = new Date();
  const rewrapped = docs.map((d, i) => ({ ...d, masterKey: targets[i], keyMaterial: new Binary(wrapped[i] as Uint8Array, Binary.SUBTYPE_DEFAULT), updateDate: now }));
  return readyStep(() => writeDocument({ v: rewrapped }));
}
