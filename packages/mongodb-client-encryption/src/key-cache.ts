// Unwrapped data keys shared by every context of one MongoCrypt, as libmongocrypt's key cache
// (`mongocrypt-cache-key.c`): an entry lives `keyExpirationMS` (default 60000, 0 = forever).
import type { AeadKey } from '@fle-ts/crypto-core';
import { bytesToHex } from '@fle-ts/crypto-core';
import { MongoCryptBindingError } from './errors.js';

/** A usable data key. */
export interface ReadyKey {
  /** The key's `_id` bytes (16). */
  readonly keyId: Uint8Array;
  readonly key: AeadKey;
  readonly keyAltNames: readonly string[];
}

interface Entry { readonly value: ReadyKey; readonly expiresAt: number }

/** Keys by id (hex) and by alt name, with expiry. Synchronous. */
export class KeyCache {
  readonly #ttl: number;
  readonly #now: () => number;
  readonly #byId = new Map<string, Entry>();
  readonly #byAltName = new Map<string, string>();

  constructor(keyExpirationMS: number | undefined, now: () => number = Date.now) {
    const ttl = keyExpirationMS ?? 60_000;
    if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
      throw new MongoCryptBindingError('INVALID_ARGUMENT', `keyExpirationMS must be a non-negative number of milliseconds, got ${String(ttl)}`);
    }
    this.#ttl = ttl;
    this.#now = now;
  }

  #live(e: Entry | undefined): ReadyKey | undefined {
    if (e === undefined) return undefined;
    return this.#ttl === 0 || this.#now() < e.expiresAt ? e.value : undefined;
  }

  /** The live key with this id (16 bytes), or undefined. */
  byId(keyId: Uint8Array): ReadyKey | undefined {
    return this.#live(this.#byId.get(bytesToHex(keyId)));
  }

  /** The live key carrying `name`, or undefined. */
  byAltName(name: string): ReadyKey | undefined {
    const hex = this.#byAltName.get(name);
    const k = hex === undefined ? undefined : this.#live(this.#byId.get(hex));
    return k && k.keyAltNames.includes(name) ? k : undefined;
  }

  /** Adds or refreshes a key. */
  put(key: ReadyKey): void {
    const hex = bytesToHex(key.keyId);
    for (const n of this.#byId.get(hex)?.value.keyAltNames ?? []) this.#byAltName.delete(n);
    this.#byId.set(hex, { value: key, expiresAt: this.#now() + this.#ttl });
    for (const n of key.keyAltNames) this.#byAltName.set(n, hex);
  }
}
