// Finding, unwrapping and caching data keys (LMC `src/mongocrypt-key-broker.c`, `mongocrypt-cache-key.c`).
import type { Binary } from 'bson';
import { AeadKey, hexToBytes, wipe } from '@fle-ts/crypto-core';
import { KeyVaultError } from './errors.js';
import { binaryBytes, copyBytes, keyIdHex } from './bytes.js';
import { keyMaterialBytes, type DataKeyDocument } from './key-document.js';
import type { KeyVault } from './key-vault.js';
import type { KmsProviders } from './kms.js';

/** A usable data key: its id and the AEAD key object (schedules precomputed once). */
export interface CachedDataKey {
  readonly keyId: Uint8Array;
  readonly key: AeadKey;
  readonly keyAltNames: readonly string[];
}

/** Options of KeyBroker. */
export interface KeyBrokerOptions {
  keyVault: KeyVault;
  kmsProviders: KmsProviders;
  /** How long an unwrapped key stays cached; libmongocrypt's default 60000; 0 = never expire. */
  keyExpirationMS?: number;
  /** Clock in ms (tests inject one). */
  now?: () => number;
}

interface Entry { value: CachedDataKey; expiresAt: number }

const NOT_SATISFIED = 'not all keys requested were satisfied. Verify that key vault DB/collection name was correctly specified.';

/**
 * Gets data keys by id or alt name: one vault `find` for all the misses of a request, one unwrap
 * per key, then a cache hit is a Map lookup by hex id until the entry expires.
 */
export class KeyBroker {
  readonly #vault: KeyVault;
  readonly #kms: KmsProviders;
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #byId = new Map<string, Entry>();
  readonly #byAltName = new Map<string, string>();
  #inflight: Promise<void> | undefined;

  constructor(options: KeyBrokerOptions) {
    const ttl = options.keyExpirationMS ?? 60_000;
    if (!Number.isFinite(ttl) || ttl < 0) {
      throw new KeyVaultError('INVALID_ARGUMENT', `keyExpirationMS must be a non-negative number, got ${ttl}`);
    }
    this.#vault = options.keyVault;
    this.#kms = options.kmsProviders;
    this.#ttl = ttl;
    this.#now = options.now ?? Date.now;
  }

  /** Number of live cache entries (expired ones are dropped first). */
  get cacheSize(): number {
    this.#sweep();
    return this.#byId.size;
  }

  /** The key with this `_id`. Throws KEY_NOT_FOUND, UNWRAP_FAILED, KMS provider errors. */
  async getKeyById(id: Uint8Array | Binary): Promise<CachedDataKey> {
    // Hit path: one hex conversion and one Map lookup, no arrays.
    const hit = this.#byId.get(keyIdHex(id));
    if (this.#live(hit, this.#now())) return hit.value;
    const [k] = await this.getKeys({ ids: [id] });
    return k as CachedDataKey;
  }

  /** The key carrying `name` in keyAltNames. Throws KEY_NOT_FOUND. */
  async getKeyByAltName(name: string): Promise<CachedDataKey> {
    const hex = this.#byAltName.get(name);
    const hit = hex === undefined ? undefined : this.#byId.get(hex);
    if (this.#live(hit, this.#now()) && hit.value.keyAltNames.includes(name)) return hit.value;
    const [k] = await this.getKeys({ altNames: [name] });
    return k as CachedDataKey;
  }

  /**
   * Keys for all `ids` then all `altNames`, in that order (one result per request entry). Misses
   * are fetched with ONE vault find; any key not found → KEY_NOT_FOUND and nothing is returned.
   */
  async getKeys(request: { ids?: readonly (Uint8Array | Binary)[]; altNames?: readonly string[] }): Promise<CachedDataKey[]> {
    const ids = (request.ids ?? []).map((id) => keyIdHex(id));
    const altNames = [...(request.altNames ?? [])];
    const now = this.#now();
    for (;;) {
      const missIds = ids.filter((hex) => !this.#live(this.#byId.get(hex), now));
      const missNames = altNames.filter((n) => {
        const hex = this.#byAltName.get(n);
        return hex === undefined || !this.#live(this.#byId.get(hex), now);
      });
      if (missIds.length === 0 && missNames.length === 0) break;
      // Concurrent requests (e.g. many documents decrypted at once on a cold cache) wait for the
      // fetch already under way and look again, rather than each finding and unwrapping the key.
      if (this.#inflight) {
        await this.#inflight.catch(() => undefined);
        continue;
      }
      this.#sweep(); // expired entries are dropped, not kept around until overwritten
      const fetch = this.#vault.find({
        ids: [...new Set(missIds)].map((hex) => hexToBytes(hex)),
        altNames: [...new Set(missNames)],
      }).then((docs) => this.#admit(docs, now));
      this.#inflight = fetch;
      try {
        await fetch;
      } finally {
        if (this.#inflight === fetch) this.#inflight = undefined;
      }
      break;
    }
    const out: CachedDataKey[] = [];
    for (const hex of ids) out.push(this.#require(this.#byId.get(hex), now, `_id ${hex}`));
    for (const n of altNames) {
      const hex = this.#byAltName.get(n);
      out.push(this.#require(hex === undefined ? undefined : this.#byId.get(hex), now, `keyAltName '${n}'`, n));
    }
    return out;
  }

  /** Drops every cached key (e.g. after a rewrap or a delete). */
  clear(): void {
    this.#byId.clear();
    this.#byAltName.clear();
  }

  #live(e: Entry | undefined, now: number): e is Entry {
    return e !== undefined && (this.#ttl === 0 || now < e.expiresAt);
  }

  #require(e: Entry | undefined, now: number, what: string, altName?: string): CachedDataKey {
    if (!this.#live(e, now) || (altName !== undefined && !e.value.keyAltNames.includes(altName))) {
      throw new KeyVaultError('KEY_NOT_FOUND', `${NOT_SATISFIED} Missing: ${what}`);
    }
    return e.value;
  }

  async #admit(docs: DataKeyDocument[], now: number): Promise<void> {
    // LMC: "keys returned have duplicate keyAltNames or _id".
    const seenIds = new Set<string>();
    const seenNames = new Set<string>();
    for (const d of docs) {
      const hex = keyIdHex(d._id);
      if (seenIds.has(hex) || (d.keyAltNames ?? []).some((n) => seenNames.has(n))) {
        throw new KeyVaultError('INVALID_KEY_DOCUMENT', 'keys returned have duplicate keyAltNames or _id');
      }
      seenIds.add(hex);
      for (const n of d.keyAltNames ?? []) seenNames.add(n);
    }
    const unwrapped = await Promise.all(docs.map(async (d) => {
      const raw = await this.#kms.unwrap(keyMaterialBytes(d), d.masterKey);
      try {
        return new AeadKey(raw);
      } finally {
        wipe(raw);
      }
    }));
    docs.forEach((d, i) => {
      const hex = keyIdHex(d._id);
      const old = this.#byId.get(hex);
      for (const n of old?.value.keyAltNames ?? []) this.#byAltName.delete(n);
      const value: CachedDataKey = { keyId: copyBytes(binaryBytes(d._id)), key: unwrapped[i] as AeadKey, keyAltNames: [...(d.keyAltNames ?? [])] };
      this.#byId.set(hex, { value, expiresAt: now + this.#ttl });
      for (const n of value.keyAltNames) this.#byAltName.set(n, hex);
    });
  }

  #sweep(): void {
    const now = this.#now();
    for (const [hex, e] of this.#byId) {
      if (this.#ttl !== 0 && now >= e.expiresAt) {
        this.#byId.delete(hex);
        for (const n of e.value.keyAltNames) if (this.#byAltName.get(n) === hex) this.#byAltName.delete(n);
      }
    }
  }
}

