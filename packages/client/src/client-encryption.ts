import { Binary } from 'bson';
import { createDataKey, rewrapManyDataKey, type DataKeyDocument, type KeyBroker, type KeyFilter, type KeyVault, type KmsProviders, type MasterKey } from '@fle-ts/keyvault';
import { isFle1Ciphertext, isSubtype6 } from './bson-types.js';
import { BrokerCipherSource, makeKeyBroker, makeKmsProviders, type KeySourceOptions } from './broker-cipher.js';
import { FleClientError } from './errors.js';
import type { FieldEncryptOptions } from './field-cipher.js';
import { DETERMINISTIC, RANDOM, type Fle1Algorithm } from './schema.js';

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
  readonly masterKey?: MasterKey;
  readonly keyAltNames?: readonly string[];
  /** A fixed 96-byte data key (the driver's `keyMaterial`); default: fresh random bytes. */
  readonly keyMaterial?: Uint8Array | Binary;
}

/** Options of {@link ClientEncryption.rewrapManyDataKey}: the new provider and masterKey. */
export interface RewrapOptions {
  readonly provider: string;
  readonly masterKey?: MasterKey;
}

/** What {@link ClientEncryption.rewrapManyDataKey} did: `bulkWriteResult` as the driver reports it (absent when nothing matched). */
export interface RewrapResult {
  readonly bulkWriteResult?: { readonly matchedCount: number; readonly modifiedCount: number };
  readonly keyIds: Binary[];
}

function checkAlgorithm(algorithm: unknown): Fle1Algorithm {
  if (typeof algorithm === 'string') {
    const lower = algorithm.toLowerCase();
    // libmongocrypt matches the names case-insensitively (`mongocrypt_ctx_setopt_algorithm`).
    if (lower === DETERMINISTIC.toLowerCase()) return DETERMINISTIC;
    if (lower === RANDOM.toLowerCase()) return RANDOM;
  }
  throw new FleClientError('INVALID_ARGUMENT', `algorithm must be '${DETERMINISTIC}' or '${RANDOM}' (Queryable Encryption algorithms are not supported)`);
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

  constructor(options: ClientEncryptionOptions) {
    this.#kms = makeKmsProviders(options);
    this.#vault = options.keyVault;
    this.#broker = makeKeyBroker(options, this.#kms);
    this.#source = new BrokerCipherSource(this.#broker);
  }

  /** Creates a data key wrapped by `provider`'s master key, stores it, and returns its `_id` (Binary subtype 4). */
  async createDataKey(provider: string, options: DataKeyOptions = {}): Promise<Binary> {
    if (typeof provider !== 'string') throw new FleClientError('INVALID_ARGUMENT', `provider must be a string such as 'local'`);
    return createDataKey(this.#vault, this.#kms, provider, options);
  }

  /** Encrypts one value into BinData subtype 6 with the key named by `keyId` or `keyAltName`. */
  async encrypt(value: unknown, options: ClientEncryptOptions): Promise<Binary> {
    const opts = checkEncryptOptions(options);
    const cipher = await this.#source.prepare(opts.keyId ? { ids: [opts.keyId], altNames: [] } : { ids: [], altNames: [opts.keyAltName as string] });
    return cipher.encrypt(value, opts);
  }

  /** Decrypts a FLE1 BinData subtype 6; the value keeps its BSON type (Int32, Long, Double, Binary subtype, …). */
  async decrypt(value: Binary): Promise<unknown> {
    if (!isSubtype6(value)) throw new FleClientError('NOT_A_CIPHERTEXT', 'decrypt expects a BSON Binary of subtype 6 (an encrypted value)');
    const first = value.position > 0 ? String(value.buffer[0]) : 'nothing (empty)';
    if (!isFle1Ciphertext(value)) {
      // libmongocrypt returns unknown kinds unchanged; a clear error is more useful (mcoracle README).
      throw new FleClientError('NOT_A_CIPHERTEXT', `decrypt handles CSFLE ciphertexts (first byte 1 or 2); this BinData 6 starts with ${first}`);
    }
    const keyId = new Binary(Uint8Array.from(value.buffer.subarray(1, 17)), Binary.SUBTYPE_UUID);
    const cipher = await this.#source.prepare({ ids: [keyId], altNames: [] });
    return cipher.decrypt(value);
  }

  /** The key document with this `_id`, or null. */
  async getKey(id: Binary): Promise<DataKeyDocument | null> {
    return (await this.#vault.find({ ids: [id] }))[0] ?? null;
  }

  /** Every key document in the key vault. */
  async getKeys(): Promise<DataKeyDocument[]> {
    return this.#vault.findAll();
  }

  /** The key document carrying `keyAltName`, or null. */
  async getKeyByAltName(keyAltName: string): Promise<DataKeyDocument | null> {
    if (typeof keyAltName !== 'string') throw new FleClientError('INVALID_ARGUMENT', 'keyAltName must be a string');
    return (await this.#vault.find({ altNames: [keyAltName] }))[0] ?? null;
  }

  /** Adds an alt name; returns the document before the change, or null when there is no such key. */
  async addKeyAltName(id: Binary, keyAltName: string): Promise<DataKeyDocument | null> {
    const before = await this.#vault.addKeyAltName(id, keyAltName);
    this.#broker.clear(); // cached alt-name mappings are stale now
    return before;
  }

  /** Removes an alt name; returns the document before the change, or null when there is no such key. */
  async removeKeyAltName(id: Binary, keyAltName: string): Promise<DataKeyDocument | null> {
    const before = await this.#vault.removeKeyAltName(id, keyAltName);
    this.#broker.clear();
    return before;
  }

  /** Deletes a key document. Values encrypted with it can no longer be decrypted. */
  async deleteKey(id: Binary): Promise<{ deletedCount: number }> {
    const deleted = await this.#vault.delete(id);
    this.#broker.clear();
    return { deletedCount: deleted ? 1 : 0 };
  }

  /** Re-wraps the keys matching `filter` under a new master key (or their current one without `options`). */
  async rewrapManyDataKey(filter: KeyFilter = {}, options?: RewrapOptions): Promise<RewrapResult> {
    const result = await rewrapManyDataKey(this.#vault, this.#kms, filter, options && { provider: options.provider, ...(options.masterKey ? { masterKey: options.masterKey } : {}) });
    this.#broker.clear();
    const n = result.rewrapped;
    return n > 0 ? { bulkWriteResult: { matchedCount: n, modifiedCount: n }, keyIds: result.keyIds } : { keyIds: result.keyIds };
  }
}
