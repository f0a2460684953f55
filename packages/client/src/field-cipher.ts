import type { Binary } from 'bson';
import type { Fle1Algorithm } from './schema.js';

/** How one value is to be encrypted: exactly one of keyId / keyAltName. */
export interface FieldEncryptOptions {
  readonly keyId?: Binary;
  readonly keyAltName?: string;
  readonly algorithm: Fle1Algorithm;
}

/** The data keys an operation needs, gathered before any encryption so they are fetched in one call. */
export interface KeyNeeds {
  readonly ids: Binary[];
  readonly altNames: string[];
}

/**
 * Encrypts and decrypts single values with keys already in hand. Synchronous on purpose: the
 * engine first gathers every key a document needs, asks {@link FieldCipherSource.prepare} once,
 * then runs a tight loop (libmongocrypt's key broker does the same: collect, fetch, then encrypt).
 */
export interface FieldCipher {
  encrypt(value: unknown, options: FieldEncryptOptions): Binary;
  decrypt(blob: Binary): unknown;
}

/** Fetches the keys named in `needs` (one batched lookup) and returns a cipher that holds them. */
export interface FieldCipherSource {
  prepare(needs: KeyNeeds): Promise<FieldCipher>;
}

/** Collects key needs without duplicates. */
export class KeyNeedsCollector implements KeyNeeds {
  readonly ids: Binary[] = [];
  readonly altNames: string[] = [];
  readonly #seenIds = new Set<string>();
  readonly #seenNames = new Set<string>();

  add(options: { keyId?: Binary; keyAltName?: string }): void {
    if (options.keyId) {
      const hex = options.keyId.toString('hex');
      if (!this.#seenIds.has(hex)) {
        this.#seenIds.add(hex);
        this.ids.push(options.keyId);
      }
    } else if (options.keyAltName !== undefined && !this.#seenNames.has(options.keyAltName)) {
      this.#seenNames.add(options.keyAltName);
      this.altNames.push(options.keyAltName);
    }
  }
}
