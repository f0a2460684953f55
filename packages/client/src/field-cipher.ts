import type { AeadKey } from '@fle-ts/crypto-core';
import { Binary } from 'bson';
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
  /** The data key for a 16-byte key UUID (a view; not kept), for BSON-to-BSON decryption. */
  aeadKey(keyId: Uint8Array): AeadKey;
  /**
   * The raw 96-byte data key for Queryable Encryption (tokens come from bytes 64..95), or
   * undefined when `prepare` did not gather it. Copies live until {@link FieldCipher.release}.
   * Optional: a source without it cannot handle QE values.
   */
  qeKey?(keyId: Uint8Array): Uint8Array | undefined;
  /** Wipes the raw key copies `qeKey` handed out. Idempotent. */
  release?(): void;
}

/** Fetches the keys named in `needs` (one batched lookup) and returns a cipher that holds them. */
export interface FieldCipherSource {
  prepare(needs: KeyNeeds): Promise<FieldCipher>;
}

/**
 * A Map key for a 16-byte key id at `bytes[offset..offset+16)`: one char per byte. Cheaper than
 * hex on the per-field decrypt path (1500 fields per document in the bulk benchmark).
 */
export function keyIdKey(bytes: Uint8Array, offset = 0): string {
  const b = bytes;
  const o = offset;
  return String.fromCharCode(
    b[o] as number, b[o + 1] as number, b[o + 2] as number, b[o + 3] as number, b[o + 4] as number, b[o + 5] as number,
    b[o + 6] as number, b[o + 7] as number, b[o + 8] as number, b[o + 9] as number, b[o + 10] as number, b[o + 11] as number,
    b[o + 12] as number, b[o + 13] as number, b[o + 14] as number, b[o + 15] as number,
  );
}

/** Collects key needs without duplicates. */
export class KeyNeedsCollector implements KeyNeeds {
  readonly ids: Binary[] = [];
  readonly altNames: string[] = [];
  readonly #seenIds = new Set<string>();
  readonly #seenNames = new Set<string>();

  /** How many distinct ids and alt names were added (to tell whether a round of fetching found new ones). */
  get size(): number {
    return this.ids.length + this.altNames.length;
  }

  /** Adds the key UUID at `bytes[offset..offset+16)`, copied only when it is new (1500 blobs, often one key). */
  addKeyIdBytes(bytes: Uint8Array, offset = 0): void {
    const k = keyIdKey(bytes, offset);
    if (this.#seenIds.has(k)) return;
    this.#seenIds.add(k);
    this.ids.push(new Binary(new Uint8Array(bytes.subarray(offset, offset + 16)), Binary.SUBTYPE_UUID));
  }

  /** Adds the key an encrypt rule names: its `keyId`, else its `keyAltName` (each once). */
  add(options: { keyId?: Binary; keyAltName?: string }): void {
    if (options.keyId) this.addKeyIdBytes(options.keyId.buffer);
    else if (options.keyAltName !== undefined && !this.#seenNames.has(options.keyAltName)) {
      this.#seenNames.add(options.keyAltName);
      this.altNames.push(options.keyAltName);
    }
  }
}
