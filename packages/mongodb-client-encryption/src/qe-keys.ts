// NEED_MONGO_KEYS for Queryable Encryption: raw 96-byte keys for the qe package, and the extra
// round libmongocrypt's key broker makes for stored indexed values (14, 15): only the index key
// opens the layer that names the user key (`mongocrypt-ctx-decrypt.c`, `mongocrypt-key-broker.c`).
import type { AeadKey } from '@fle-ts/crypto-core';
import { bytesToHex, wipe } from '@fle-ts/crypto-core';
import { KeyNeedsCollector, type KeyNeeds } from '@fle-ts/client';
import type { QeKeyLookup } from '@fle-ts/qe';
import { qeValueKeyIds } from './qe-v1.js';
import { readyStep, type Step } from './context.js';
import type { KeyCache, ReadyKey } from './key-cache.js';
import { KeyRequest, keysThen } from './key-step.js';
import type { LocalMasterKeys } from './local-kms.js';
import { MongoCryptBindingError } from './errors.js';
import { MONGOCRYPT_CTX_READY } from './states.js';

/** Every key one context gathered, by id and alt name, as AEAD keys (FLE1) and raw bytes (QE). */
export interface GatheredKeys {
  /** The raw key bytes for the qe package (undefined when not gathered). */
  readonly qe: QeKeyLookup;
  /** A gathered key by id (FLE1 decryption); KEYS_NOT_SATISFIED when absent. */
  aead(keyId: Uint8Array): AeadKey;
  /** A gathered key by alt name; KEYS_NOT_SATISFIED when absent. */
  byAltName(name: string): ReadyKey;
}

const none: QeKeyLookup = () => undefined;

/**
 * Gathers the keys of `needs` plus every key the QE values `blobs` need, in as many NEED_MONGO_KEYS
 * rounds as new ids appear (two at most: the index keys, then the user keys under them; a round
 * whose keys are all cached is skipped), then goes on with `then`. Raw key copies are wiped once
 * the READY step has been finalized.
 */
export function qeKeysThen(needs: KeyNeeds, blobs: readonly Uint8Array[], cache: KeyCache, kms: LocalMasterKeys, then: (keys: GatheredKeys) => Step): Step {
  const held = new Map<string, ReadyKey>();
  const names = new Map<string, ReadyKey>();
  const raw = new Map<string, Uint8Array>();
  const lookup: QeKeyLookup = (id) => {
    if (id.length !== 16) return undefined;
    const h = bytesToHex(id);
    let r = raw.get(h);
    if (r === undefined) {
      const k = held.get(h);
      if (k === undefined) return undefined;
      r = k.key.exportKeyMaterial();
      raw.set(h, r);
    }
    return r;
  };
  const missing = (what: string): never => {
    throw new MongoCryptBindingError('KEYS_NOT_SATISFIED', `internal: key ${what} was not gathered before use`);
  };
  const gathered: GatheredKeys = {
    qe: lookup,
    aead: (id) => (held.get(bytesToHex(id)) ?? missing('id')).key,
    byAltName: (n) => names.get(n) ?? missing('alt name'),
  };
  const first = new KeyNeedsCollector();
  for (const id of needs.ids) first.addKeyIdBytes(id.buffer.subarray(0, 16));
  for (const n of needs.altNames) first.add({ keyAltName: n });
  for (const b of blobs) for (const id of qeValueKeyIds(b, none)) first.addKeyIdBytes(id);
  const finish = (): Step => {
    const step = then(gathered);
    if (step.state !== MONGOCRYPT_CTX_READY) return step;
    return readyStep(() => {
      try {
        return step.finalize();
      } finally {
        for (const r of raw.values()) wipe(r);
        raw.clear();
      }
    });
  };
  const round = (n: KeyNeedsCollector): Step =>
    keysThen(new KeyRequest(n, cache, kms), (keys) => {
      for (const id of n.ids) {
        const bytes = id.buffer.subarray(0, 16);
        held.set(bytesToHex(bytes), keys.byId(bytes));
      }
      for (const name of n.altNames) {
        const k = keys.byAltName(name);
        names.set(name, k);
        held.set(bytesToHex(k.keyId), k);
      }
      const more = new KeyNeedsCollector();
      for (const b of blobs) for (const id of qeValueKeyIds(b, lookup)) if (!held.has(bytesToHex(id))) more.addKeyIdBytes(id);
      return more.size > 0 ? round(more) : finish();
    });
  return round(first);
}
