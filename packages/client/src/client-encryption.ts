import { Binary } from 'bson';
import { decryptValue, encryptValue, FleFormatError, parseFle1Algorithm, parseFle1Blob } from '@fle-ts/fle-format';
import { createDataKey, rewrapManyDataKey, type DataKeyDocument, type KeyBroker, type KeyFilter, type KeyVault, type KmsProviders, type MasterKeyOptions } from '@fle-ts/keyvault';
import { hasBinaryBytes, isSubtype6 } from './bson-types.js';
import { BrokerCipherSource, makeKeyBroker, makeKmsProviders, type KeySourceOptions } from './broker-cipher.js';
import { FleClientError } from './errors.js';
import type { FieldEncryptOptions } from './field-cipher.js';
import { DETERMINISTIC, RANDOM, type Fle1Algorithm } from './schema.js';

/**
 * A master key as the Node driver spells it in `createDataKey(provider, { masterKey })` and
 * `rewrapManyDataKey(filter, { provider, masterKey })`: `provider` may be left out, it is taken
 * from the provider argument (keyvault's `masterKeyForProvider` holds that one rule).
 */
export type { MasterKeyOptions };

/** Options of {@link ClientEncryption} (the Node driver's names, minus the MongoClient). */
export type ClientEncryptionOptions = KeySourceOptions;

/** Options of {@link ClientEncryption.encrypt}: exactly one of `keyId` / `keyAltName`. */
export interface ClientEncryptOptions {
  readonly keyId?: Binary;
  readonly keyAltName?: string;
  readonly algorithm: Fle1Algorithm | string;
}

/** Options of {@link ClientEncryption.createDataKey}. */
export interface DataKeyOptions {
  /** The master key fields (`{}` for local; `{ region, key }` for aws, ...); `provider` optional. */
  readonly masterKey?: MasterKeyOptions;
  readonly keyAltNames?: readonly string[];
  /** A fixed 96-byte data key (the driver's `keyMaterial`); default: fresh random bytes. */
  readonly keyMaterial?: Uint8Array | Binary;
}

/** Options of {@link ClientEncryption.rewrapManyDataKey}: the new provider and masterKey. */
export interface RewrapOptions {
  readonly provider: string;
  readonly masterKey?: MasterKeyOptions;
}

/** What {@link ClientEncryption.rewrapManyDataKey} did: `bulkWriteResult` as the driver reports it (absent when nothing matched). */
export interface RewrapResult {
  readonly bulkWriteResult?: { readonly matchedCount: number; readonly modifiedCount: number };
  readonly keyIds: Binary[];
}

/**
 * The algorithm of explicit encryption, through fle-format's one parser (`parseFle1Algorithm`),
 * so `encrypt` accepts exactly the spellings `encryptValue` and schemas accept (issue 11 item 17).
 */
function checkAlgorithm(algorithm: unknown): Fle1Algorithm {
  try {
    return parseFle1Algorithm(algorithm);
  } catch (e) {
    if (e instanceof FleFormatError) throw new FleClientError('INVALID_ARGUMENT', e.message, { cause: e });
    throw e;
  }
}

/** Checks `{keyId | keyAltName, algorithm}` as the Node driver does (`MongoCryptInvalidArgumentError`). */
export function checkEncryptOptions(options: ClientEncryptOptions): FieldEncryptOptions {
  if (typeof options !== 'object' || options === null) throw new FleClientError('INVALID_ARGUMENT', 'encrypt needs options { keyId | keyAltName, algorithm }');
  const algorithm = checkAlgorithm(options.algorithm);
  const { keyId, keyAltName } = options;
  if (keyId !== undefined && keyAltName !== undefined) throw new FleClientError('INVALID_ARGUMENT', '"options" cannot contain both "keyId" and "keyAltName"');
  if (keyId !== undefined) {
    if (!(keyId instanceof Binary) && (keyId as { _bsontype?: string } | null)?._bsontype !== 'Binary') {
      throw new FleClientError('INVALID_ARGUMENT', 'keyId must be a Binary subtype 4 (UUID), as createDataKey returns');
    }
    return { keyId, algorithm };
  }
  if (keyAltName !== undefined) {
    if (typeof keyAltName !== 'string') throw new FleClientError('INVALID_ARGUMENT', `keyAltName must be a string, got ${typeof keyAltName}`);
    return { keyAltName, algorithm };
  }
  throw new FleClientError('INVALID_ARGUMENT', 'encrypt needs either "keyId" or "keyAltName"');
}

/**
 * Explicit encryption and key management with the Node driver's method names
 * (NODE `client_encryption.ts`, fle1-spec.md §6), over any `KeyVault`.
 *
 * @example
 * const ce = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders: { local: { key } } });
 * const keyId = await ce.createDataKey('local', { keyAltNames: ['alice'] });
 * const blob = await ce.encrypt('123-45-6789', { keyId, algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' });
 */
export class ClientEncryption {
  readonly #vault: KeyVault;
  readonly #kms: KmsProviders;
  readonly #broker: KeyBroker;
  readonly #source: BrokerCipherSource;
  #closed = false;

  constructor(options: ClientEncryptionOptions) {
    this.#kms = makeKmsProviders(options);
    this.#vault = options.keyVault;
    this.#broker = makeKeyBroker(options, this.#kms);
    this.#source = new BrokerCipherSource(this.#broker);
  }

  #open(): void {
    if (this.#closed) throw new FleClientError('CLOSED', 'This ClientEncryption was closed; create a new one');
  }

  /**
   * Drops and destroys every cached data key (the key broker's `clear`); every later call throws
   * `CLOSED`. Idempotent. The key vault itself is not closed: it belongs to the caller.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#source.close();
  }

  /**
   * Creates a data key wrapped by `provider`'s master key, stores it, and returns its `_id` (Binary subtype 4).
   * `options.masterKey` is spelled as the Node driver does: its `provider` may be left out.
   */
  async createDataKey(provider: string, options: DataKeyOptions = {}): Promise<Binary> {
    this.#open();
    if (typeof provider !== 'string') throw new FleClientError('INVALID_ARGUMENT', `provider must be a string such as 'local'`);
    return createDataKey(this.#vault, this.#kms, provider, options ?? {});
  }

  /** Encrypts one value into BinData subtype 6 with the key named by `keyId` or `keyAltName`. */
  async encrypt(value: unknown, options: ClientEncryptOptions): Promise<Binary> {
    this.#open();
    const opts = checkEncryptOptions(options);
    // Key cached: encrypt at once, no key-needs arrays, Maps or awaits (issue 18); else fetch it.
    const cached = this.#source.cachedKey(opts);
    if (cached) return encryptValue(cached.key, cached.keyId, opts.algorithm, value);
    const cipher = await this.#source.prepare(opts.keyId ? { ids: [opts.keyId], altNames: [] } : { ids: [], altNames: [opts.keyAltName as string] });
    return cipher.encrypt(value, opts);
  }

  /**
   * Decrypts a FLE1 BinData subtype 6; the value keeps its BSON type (Int32, Long, Double, Binary subtype, …).
   * The blob is parsed (fle-format's `parseFle1Blob`) before its key is looked up, so a truncated
   * blob is `BLOB_TOO_SHORT` here as in `decryptBson` (issue 11 item 10).
   */
  async decrypt(value: Binary): Promise<unknown> {
    this.#open();
    if (!isSubtype6(value)) throw new FleClientError('NOT_A_CIPHERTEXT', 'decrypt expects a BSON Binary of subtype 6 (an encrypted value)');
    if (!hasBinaryBytes(value)) throw new FleClientError('NOT_A_CIPHERTEXT', 'decrypt expects a bson Binary with its bytes; this subtype 6 object has no byte buffer');
    const first = value.position > 0 ? value.buffer[0] : undefined;
    if (first !== 1 && first !== 2) {
      // libmongocrypt returns unknown kinds unchanged; a clear error is more useful (mcoracle README).
      throw new FleClientError('NOT_A_CIPHERTEXT', `decrypt handles CSFLE ciphertexts (first byte 1 or 2); this BinData 6 starts with ${first ?? 'nothing (empty)'}`);
    }
    const { keyId } = parseFle1Blob(value);
    const cached = this.#source.cachedKey({ keyId });
    if (cached) return decryptValue(cached.key, value);
    const cipher = await this.#source.prepare({ ids: [new Binary(Uint8Array.from(keyId), Binary.SUBTYPE_UUID)], altNames: [] });
    return cipher.decrypt(value);
  }

  /** The key document with this `_id`, or null. */
  async getKey(id: Binary): Promise<DataKeyDocument | null> {
    this.#open();
    return (await this.#vault.find({ ids: [id] }))[0] ?? null;
  }

  /** Every key document in the key vault. */
  async getKeys(): Promise<DataKeyDocument[]> {
    this.#open();
    return this.#vault.findAll();
  }

  /** The key document carrying `keyAltName`, or null. */
  async getKeyByAltName(keyAltName: string): Promise<DataKeyDocument | null> {
    this.#open();
    if (typeof keyAltName !== 'string') throw new FleClientError('INVALID_ARGUMENT', 'keyAltName must be a string');
    return (await this.#vault.find({ altNames: [keyAltName] }))[0] ?? null;
  }

  /** Adds an alt name; returns the document before the change, or null when there is no such key. */
  async addKeyAltName(id: Binary, keyAltName: string): Promise<DataKeyDocument | null> {
    this.#open();
    const before = await this.#vault.addKeyAltName(id, keyAltName);
    this.#broker.forgetAltNames(); // the mappings are stale; the key material is not
    return before;
  }

  /** Removes an alt name; returns the document before the change, or null when there is no such key. */
  async removeKeyAltName(id: Binary, keyAltName: string): Promise<DataKeyDocument | null> {
    this.#open();
    const before = await this.#vault.removeKeyAltName(id, keyAltName);
    this.#broker.forgetAltNames();
    return before;
  }

  /** Deletes a key document. Values encrypted with it can no longer be decrypted. */
  async deleteKey(id: Binary): Promise<{ deletedCount: number }> {
    this.#open();
    const deleted = await this.#vault.delete(id);
    this.#broker.evict(id); // destroys the cached key: a deleted key must not keep encrypting
    return { deletedCount: deleted ? 1 : 0 };
  }

  /** Re-wraps the keys matching `filter` under a new master key (or their current one without `options`). */
  async rewrapManyDataKey(filter: KeyFilter = {}, options?: RewrapOptions): Promise<RewrapResult> {
    this.#open();
    if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) throw new FleClientError('INVALID_ARGUMENT', 'rewrapManyDataKey needs a filter document ({} for every key)');
    // The data keys themselves do not change, so the cache stays valid.
    const result = await rewrapManyDataKey(this.#vault, this.#kms, filter, options);
    const n = result.rewrapped;
    return n > 0 ? { bulkWriteResult: { matchedCount: n, modifiedCount: n }, keyIds: result.keyIds } : { keyIds: result.keyIds };
  }
}
