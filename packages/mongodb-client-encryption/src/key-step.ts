// NEED_MONGO_KEYS: what a context asks the key vault for, and how it takes the answers
// (libmongocrypt `mongocrypt-key-broker.c`; filter shape in driver-dropin.md, state table).
import { Binary, type Document } from 'bson';
import { AeadKey, bytesToHex, hexToBytes, KEY_LENGTH, wipe } from '@fle-ts/crypto-core';
import { KeyVaultError, keyMaterialBytes, parseKeyDocument, type DataKeyDocument } from '@fle-ts/keyvault';
import type { KeyNeeds } from '@fle-ts/client';
import { readDocument, writeDocument } from './bson-io.js';
import { MongoCryptBindingError } from './errors.js';
import type { KeyCache, ReadyKey } from './key-cache.js';
import type { LocalMasterKeys } from './local-kms.js';
import type { Step } from './context.js';
import { kmsThen } from './remote-kms.js';
import { MONGOCRYPT_CTX_NEED_MONGO_KEYS } from './states.js';

// libmongocrypt's text (`_mongocrypt_key_broker_docs_done`); drivers and spec tests match on it.
export const NOT_SATISFIED = 'not all keys requested were satisfied. Verify that key vault DB/collection name was correctly specified.';

/** The keys one context works with, once gathered (cache hits and fetched keys). */
export interface KeyLookup {
  byId(keyId: Uint8Array): ReadyKey;
  byAltName(name: string): ReadyKey;
}

/** Reads a key document the driver fed, with keyvault's validation (INVALID_KEY_DOCUMENT names the field). */
export function readKeyDocument(bytes: Uint8Array): DataKeyDocument {
  return parseKeyDocument(readDocument(bytes, 'key document', false));
}

/**
 * Gathers the keys of `needs`: what the cache holds now is kept for the whole context (so an
 * expiry in between cannot lose it); the rest is asked for with libmongocrypt's filter
 * `{$or: [{_id: {$in: [...]}}, {keyAltNames: {$in: [...]}}]}`.
 */
export class KeyRequest {
  readonly #cache: KeyCache;
  readonly #kms: LocalMasterKeys;
  readonly #ids = new Map<string, ReadyKey | undefined>();
  readonly #names = new Map<string, ReadyKey | undefined>();
  readonly #seen = new Set<string>();
  // Remote (aws) keys, unwrapped in one NEED_KMS round after the last document.
  readonly #remote: DataKeyDocument[] = [];

  constructor(needs: KeyNeeds, cache: KeyCache, kms: LocalMasterKeys) {
    this.#cache = cache;
    this.#kms = kms;
    for (const id of needs.ids) {
      const bytes = id.buffer.subarray(0, id.position);
      this.#ids.set(bytesToHex(bytes), cache.byId(bytes));
    }
    for (const n of needs.altNames) this.#names.set(n, cache.byAltName(n));
  }

  /** True when every key is in hand (no key-vault round trip needed). */
  get complete(): boolean {
    return [...this.#ids.values(), ...this.#names.values()].every((k) => k !== undefined);
  }

  /** The key-vault filter for the keys not in hand. */
  filter(): Uint8Array {
    const ids = [...this.#ids].filter(([, k]) => !k).map(([hex]) => new Binary(hexToBytes(hex), Binary.SUBTYPE_UUID));
    const names = [...this.#names].filter(([, k]) => !k).map(([n]) => n);
    const or: Document[] = [{ _id: { $in: ids } }, { keyAltNames: { $in: names } }];
    return writeDocument({ $or: or });
  }

  /** Takes one key document from the key vault: validated; a local one is unwrapped and cached now. */
  add(bytes: Uint8Array): void {
    const doc = readKeyDocument(bytes);
    const hex = bytesToHex(doc._id.buffer.subarray(0, doc._id.position));
    // LMC: "keys returned have duplicate keyAltNames or _id".
    if (this.#seen.has(hex) || (doc.keyAltNames ?? []).some((n) => this.#seen.has(`name:${n}`))) {
      throw new KeyVaultError('INVALID_KEY_DOCUMENT', 'keys returned have duplicate keyAltNames or _id');
    }
    this.#seen.add(hex);
    for (const n of doc.keyAltNames ?? []) this.#seen.add(`name:${n}`);
    if (this.#kms.isLocal(doc.masterKey.provider)) this.#accept(doc, this.#kms.unwrap(doc));
    else {
      this.#kms.remote.check(doc.masterKey.provider);
      this.#remote.push(doc);
    }
  }

  /**
   * The step after the last document: NEED_KMS (after NEED_KMS_CREDENTIALS for `{}` credentials)
   * to unwrap the remote keys, then `next`; `next` at once when every key was local.
   */
  unwrapRemote(next: () => Step): Step {
    if (this.#remote.length === 0) return next();
    const docs = this.#remote.splice(0);
    const remote = this.#kms.remote;
    return kmsThen(remote, docs.map((d) => d.masterKey), () => docs.map((d) => remote.decrypt(d.masterKey, keyMaterialBytes(d))), (raws) => {
      try {
        docs.forEach((d, i) => {
          const raw = raws[i] as Uint8Array;
          if (raw.length !== KEY_LENGTH) throw new KeyVaultError('UNWRAP_FAILED', `KMS provider '${d.masterKey.provider}' returned a data key of ${raw.length} bytes, expected 96`);
          this.#accept(d, new AeadKey(raw));
        });
      } finally {
        for (const r of raws) wipe(r);
      }
      return next();
    });
  }

  #accept(doc: DataKeyDocument, key: AeadKey): void {
    const hex = bytesToHex(doc._id.buffer.subarray(0, doc._id.position));
    const ready: ReadyKey = { keyId: hexToBytes(hex), key, keyAltNames: [...(doc.keyAltNames ?? [])] };
    this.#cache.put(ready);
    if (this.#ids.has(hex)) this.#ids.set(hex, ready);
    for (const n of ready.keyAltNames) if (this.#names.has(n)) this.#names.set(n, ready);
  }

  /** After the last document: every key must be there (else libmongocrypt's error). */
  finish(): KeyLookup {
    const missing = [...[...this.#ids].filter(([, k]) => !k).map(([hex]) => `_id ${hex}`), ...[...this.#names].filter(([, k]) => !k).map(([n]) => `keyAltName '${n}'`)];
    if (missing.length > 0) throw new MongoCryptBindingError('KEYS_NOT_SATISFIED', `${NOT_SATISFIED} Missing: ${missing.join(', ')}`);
    const ids = this.#ids;
    const names = this.#names;
    const gone = (what: string): never => {
      throw new MongoCryptBindingError('KEYS_NOT_SATISFIED', `internal: key ${what} was not gathered before use`);
    };
    return {
      byId: (keyId) => ids.get(bytesToHex(keyId)) ?? gone('id'),
      byAltName: (name) => names.get(name) ?? gone('alt name'),
    };
  }

}


/**
 * The step that gets `request`'s keys and then goes on with `then`: NEED_MONGO_KEYS when any key
 * is missing from the cache, else straight to `then` (libmongocrypt skips the state then too).
 */
export function keysThen(request: KeyRequest, then: (keys: KeyLookup) => Step): Step {
  if (request.complete) return then(request.finish());
  return {
    state: MONGOCRYPT_CTX_NEED_MONGO_KEYS,
    operation: request.filter(),
    feed: (document) => request.add(document),
    finish: () => request.unwrapRemote(() => then(request.finish())),
  };
}
