// Finding, unwrapping and caching data keys (LMC `src/mongocrypt-key-broker.c`, `mongocrypt-cache-key.c`).
import type { Binary } from 'bson';
import { AeadKey, bytesToHex, hexToBytes, wipe } from '@fle-ts/crypto-core';
import { KeyVaultError } from './errors.js';
import { binaryBytes, copyBytes, keyIdBytes, keyIdHex } from './bytes.js';
import { keyMaterialBytes, type DataKeyDocument } from './key-document.js';
import { checkKeyQuery, type KeyVault } from './key-vault.js';
import { isKmsProviders, type KmsProviders } from './kms.js';

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
/** The entries one fetch added, by hex id and by alt name. */
interface Admitted { byId: Map<string, Entry>; byAltName: Map<string, string> }

const NOT_SATISFIED = 'not all keys requested were satisfied. Verify that key vault DB/collection name was correctly specified.';

/**
 * Gets data keys by id or alt name: one vault `find` for all the misses of a request, one unwrap
 * per key, then a cache hit is a Map lookup by hex id until the entry expires.
 *
 * A key that leaves the cache (expiry, {@link KeyBroker.clear}, {@link KeyBroker.evict}, a refetch)
 * is destroyed: its AeadKey is wiped and refuses to encrypt or decrypt (KEY_DESTROYED). Why not
 * at once: callers use the keys they got synchronously right after the `await` (fle-ts's client
 * gathers every key of a document in one request, then encrypts without awaiting), and another
 * operation's sweep or clear() can run between that request resolving and its use. So a key
 * handed out in the current task is destroyed when that task ends (one `setTimeout(0)` later);
 * one not handed out in this task is destroyed at once. Keep a CachedDataKey no longer than the
 * task that got it; ask the broker again (a Map lookup while cached). {@link KeyBroker.close}
 * destroys everything at once. (Reference counting was the alternative: it needs every caller
 * to release its keys; this task-scoped lease asks nothing of callers and keeps getKeys' API.)
 */
export class KeyBroker {
  readonly #vault: KeyVault;
  readonly #kms: KmsProviders;
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #byId = new Map<string, Entry>();
  readonly #byAltName = new Map<string, string>();
  #inflight: Promise<void> | undefined;
  /** Keys handed out since the current task began; evicting one defers its destruction. */
  readonly #handedOut = new Set<AeadKey>();
  /** Evicted keys waiting for the end of the task that handed them out. */
  readonly #retired = new Set<AeadKey>();
  #taskEndScheduled = false;
  /** {@link KeyBroker.cachedKeyById}'s last id (a key id, not secret) and its hex. */
  readonly #lastId = new Uint8Array(16);
  #lastHex: string | undefined;
  #closed = false;

  constructor(options: KeyBrokerOptions) {
    if (typeof options !== 'object' || options === null || typeof options.keyVault?.find !== 'function' || !isKmsProviders(options.kmsProviders)) {
      throw new KeyVaultError('INVALID_ARGUMENT', 'KeyBroker needs {keyVault: a KeyVault, kmsProviders: a KmsProviders}');
    }
    const ttl = options.keyExpirationMS ?? 60_000;
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
      throw new KeyVaultError('INVALID_ARGUMENT', `keyExpirationMS must be a non-negative number, got ${String(ttl)}`);
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

  /** The key with this `_id`. Throws KEY_NOT_FOUND, UNWRAP_FAILED, KMS provider errors, CLOSED. */
  async getKeyById(id: Uint8Array | Binary): Promise<CachedDataKey> {
    this.#checkOpen();
    // Hit path: one hex conversion and one Map lookup, no arrays.
    const hit = this.#byId.get(keyIdHex(id));
    if (this.#live(hit, this.#now())) return this.#handOut(hit.value);
    const [k] = await this.getKeys({ ids: [id] });
    return k as CachedDataKey;
  }

  /** The key carrying `name` in keyAltNames. Throws KEY_NOT_FOUND, CLOSED. */
  async getKeyByAltName(name: string): Promise<CachedDataKey> {
    this.#checkOpen();
    const hex = this.#byAltName.get(name);
    const hit = hex === undefined ? undefined : this.#byId.get(hex);
    if (this.#live(hit, this.#now()) && hit.value.keyAltNames.includes(name)) return this.#handOut(hit.value);
    const [k] = await this.getKeys({ altNames: [name] });
    return k as CachedDataKey;
  }

  /**
   * The key with this `_id` when it is cached and live, else undefined; never fetches. The
   * synchronous hit path of {@link KeyBroker.getKeyById} (no promise), for callers that use the
   * key before they next yield and fall back to getKeys on undefined. Throws CLOSED, and
   * INVALID_ARGUMENT for an id that is not a UUID (as getKeys).
   */
  cachedKeyById(id: Uint8Array | Binary): CachedDataKey | undefined {
    this.#checkOpen();
    // The hex of the last id asked for, kept: one key serves most calls, and a fresh hex string
    // (building it, hashing it for the Map) was most of this lookup's cost.
    const bytes = keyIdBytes(id);
    const last = this.#lastId;
    let hex = this.#lastHex;
    for (let i = 0; i < 16 && hex !== undefined; i++) if (bytes[i] !== last[i]) hex = undefined;
    if (hex === undefined) {
      hex = bytesToHex(bytes);
      last.set(bytes);
      this.#lastHex = hex;
    }
    const hit = this.#byId.get(hex);
    return this.#live(hit, this.#now()) ? this.#handOut(hit.value) : undefined;
  }

  /** {@link KeyBroker.cachedKeyById} by alt name: the cached live key carrying `name`, else undefined; never fetches. */
  cachedKeyByAltName(name: string): CachedDataKey | undefined {
    this.#checkOpen();
    const hex = this.#byAltName.get(name);
    const hit = hex === undefined ? undefined : this.#byId.get(hex);
    return this.#live(hit, this.#now()) && hit.value.keyAltNames.includes(name) ? this.#handOut(hit.value) : undefined;
  }

  /**
   * Keys for all `ids` then all `altNames`, in that order (one result per request entry). Misses
   * are fetched with ONE vault find; any key not found → KEY_NOT_FOUND and nothing is returned.
   * CLOSED after {@link KeyBroker.close}.
   */
  async getKeys(request: { ids?: readonly (Uint8Array | Binary)[]; altNames?: readonly string[] }): Promise<CachedDataKey[]> {
    this.#checkOpen();
    checkKeyQuery(request);
    const ids = (request.ids ?? []).map((id) => keyIdHex(id));
    const altNames = [...(request.altNames ?? [])];
    const now = this.#now();
    // What this request fetched itself: served from here even if a concurrent sweep, clear() or
    // forgetAltNames() ran between the fetch and this continuation (no spurious KEY_NOT_FOUND).
    let fetched: Admitted | undefined;
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
        this.#checkOpen();
        continue;
      }
      this.#sweep(); // expired entries are dropped, not kept around until overwritten
      const fetch = this.#vault.find({
        ids: [...new Set(missIds)].map((hex) => hexToBytes(hex)),
        altNames: [...new Set(missNames)],
      }).then((docs) => this.#admit(docs, now));
      const settled = fetch.then(() => undefined, () => undefined);
      this.#inflight = settled;
      try {
        fetched = await fetch;
      } finally {
        if (this.#inflight === settled) this.#inflight = undefined;
      }
      break;
    }
    const byId = (hex: string | undefined) => hex === undefined ? undefined : fetched?.byId.get(hex) ?? this.#byId.get(hex);
    const out: CachedDataKey[] = [];
    for (const hex of ids) out.push(this.#require(byId(hex), now, `_id ${hex}`));
    for (const n of altNames) {
      out.push(this.#require(byId(fetched?.byAltName.get(n) ?? this.#byAltName.get(n)), now, `keyAltName '${n}'`, n));
    }
    for (const k of out) this.#handOut(k);
    return out;
  }

  /**
   * Drops and destroys every cached key (at the end of the current task for keys handed out in it,
   * see the class doc). For a changed alt name use {@link KeyBroker.forgetAltNames}: the keys
   * themselves are still right, and in-flight operations keep them.
   */
  clear(): void {
    for (const e of this.#byId.values()) this.#retire(e.value.key);
    this.#byId.clear();
    this.#byAltName.clear();
  }

  /**
   * Forgets which alt name points to which key, keeping the keys: the next request by alt name
   * asks the vault again. Call after adding or removing an alt name; no key is destroyed.
   */
  forgetAltNames(): void {
    this.#byAltName.clear();
  }

  /** Drops and destroys the cached key with this `_id` (e.g. after deleting it); true when it was cached. */
  evict(id: Uint8Array | Binary): boolean {
    const hex = keyIdHex(id);
    const e = this.#byId.get(hex);
    if (e === undefined) return false;
    this.#drop(hex, e);
    return true;
  }

  /**
   * Destroys every key at once, including keys handed out in the current task and keys evicted but
   * not yet destroyed; a fetch under way ends with CLOSED. Every later get throws CLOSED; clear()
   * and close() may still be called.
   */
  close(): void {
    this.#closed = true;
    for (const e of this.#byId.values()) e.value.key.destroy();
    for (const k of this.#retired) k.destroy();
    for (const k of this.#handedOut) k.destroy();
    this.#byId.clear();
    this.#byAltName.clear();
    this.#retired.clear();
    this.#handedOut.clear();
  }

  #checkOpen(): void {
    if (this.#closed) throw new KeyVaultError('CLOSED', 'this KeyBroker was closed and its keys destroyed; create a new one');
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

  // Marks a key as in use until the current task ends (see the class doc).
  #handOut(value: CachedDataKey): CachedDataKey {
    this.#handedOut.add(value.key);
    if (!this.#taskEndScheduled) {
      this.#taskEndScheduled = true;
      setTimeout(() => this.#endTask(), 0);
    }
    return value;
  }

  #endTask(): void {
    this.#taskEndScheduled = false;
    for (const k of this.#retired) k.destroy();
    this.#retired.clear();
    this.#handedOut.clear();
  }

  #retire(key: AeadKey): void {
    if (this.#handedOut.has(key)) this.#retired.add(key);
    else key.destroy();
  }

  #drop(hex: string, e: Entry): void {
    this.#byId.delete(hex);
    for (const n of e.value.keyAltNames) if (this.#byAltName.get(n) === hex) this.#byAltName.delete(n);
    this.#retire(e.value.key);
  }

  async #admit(docs: DataKeyDocument[], now: number): Promise<Admitted> {
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
    const settled = await Promise.allSettled(docs.map(async (d) => {
      const raw = await this.#kms.unwrap(keyMaterialBytes(d), d.masterKey);
      try {
        return new AeadKey(raw);
      } finally {
        wipe(raw);
      }
    }));
    const failed = settled.find((r) => r.status === 'rejected');
    if (failed || this.#closed) {
      // Nothing of a failed batch is cached, so nothing may outlive it unwiped.
      for (const r of settled) if (r.status === 'fulfilled') r.value.destroy();
      this.#checkOpen();
      throw (failed as PromiseRejectedResult).reason;
    }
    const admitted: Admitted = { byId: new Map(), byAltName: new Map() };
    docs.forEach((d, i) => {
      const hex = keyIdHex(d._id);
      const old = this.#byId.get(hex);
      if (old) this.#drop(hex, old);
      const key = (settled[i] as PromiseFulfilledResult<AeadKey>).value;
      const value: CachedDataKey = { keyId: copyBytes(binaryBytes(d._id)), key, keyAltNames: [...(d.keyAltNames ?? [])] };
      const entry = { value, expiresAt: now + this.#ttl };
      this.#handOut(value); // about to be returned: a clear() before the caller resumes must not destroy it
      this.#byId.set(hex, entry);
      admitted.byId.set(hex, entry);
      for (const n of value.keyAltNames) {
        this.#byAltName.set(n, hex);
        admitted.byAltName.set(n, hex);
      }
    });
    return admitted;
  }

  #sweep(): void {
    const now = this.#now();
    for (const [hex, e] of this.#byId) {
      if (this.#ttl !== 0 && now >= e.expiresAt) this.#drop(hex, e);
    }
  }
}
