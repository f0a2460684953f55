import { Binary, Long } from 'bson';
import { decryptValue, encryptValue, FleFormatError, MIN_FLE1_BLOB_LENGTH, parseExplicitAlgorithm, parseFle1Blob, type ExplicitAlgorithm, type QeExplicitAlgorithm } from '@fle-ts/fle-format';
import { contentionFactor as checkContentionFactor, decryptQe, encryptQe, encryptQeExpression, parseRangeOptions, type QeRangeOptions, type RandomSource } from '@fle-ts/qe';
import { createDataKey, rewrapManyDataKey, type DataKeyDocument, type KeyBroker, type KeyFilter, type KeyVault, type KmsProviders, type MasterKeyOptions } from '@fle-ts/keyvault';
import { hasBinaryBytes, isSubtype6 } from './bson-types.js';
import { BrokerCipherSource, makeKeyBroker, makeKmsProviders, type KeySourceOptions } from './broker-cipher.js';
import { FleClientError } from './errors.js';
import { KeyNeedsCollector, type FieldEncryptOptions } from './field-cipher.js';
import { binaryPayload, checkRandomOption, isQeValueBytes, prepareWithQeKeys, qeLookup, type QeRandomOption } from './qe-values.js';
import { DETERMINISTIC, RANDOM, type Fle1Algorithm } from './schema.js';

/**
 * A master key as the Node driver spells it in `createDataKey(provider, { masterKey })` and
 * `rewrapManyDataKey(filter, { provider, masterKey })`: `provider` may be left out, it is taken
 * from the provider argument (keyvault's `masterKeyForProvider` holds that one rule).
 */
export type { MasterKeyOptions };

/** Options of {@link ClientEncryption} (the Node driver's names, minus the MongoClient; `qeRandomSource` is for tests only). */
export type ClientEncryptionOptions = KeySourceOptions & QeRandomOption;

/**
 * Options of {@link ClientEncryption.encrypt}, as the Node driver spells them
 * (`ClientEncryptionEncryptOptions`): exactly one of `keyId` / `keyAltName` (Queryable Encryption
 * takes `keyId` only, as libmongocrypt); `contentionFactor` and `queryType` for algorithms 'Indexed'
 * and 'Range'; `rangeOptions` for 'Range'.
 */
export interface ClientEncryptOptions {
  readonly keyId?: Binary;
  readonly keyAltName?: string;
  readonly algorithm: ExplicitAlgorithm | string;
  /** Indexed and Range: required, 0 ≤ cf < 2^63 − 1 (the field's `contention` in encryptedFields). Refused otherwise. */
  readonly contentionFactor?: bigint | number | Long;
  /**
   * 'equality' (Indexed only): make a find payload (12) to query with, instead of an insert payload (11).
   * 'range' (Range only): for {@link ClientEncryption.encryptExpression}.
   */
  readonly queryType?: string;
  /**
   * Range only, required there (the Node driver's `rangeOptions`, spec `RangeOpts`): `min`, `max`
   * (the field's BSON type), `sparsity` (default 2), `trimFactor`, `precision` (double and
   * decimal128); must match the field's `encryptedFields` entry. Validated by `@fle-ts/qe`'s
   * `parseRangeOptions` (libmongocrypt's `mc_RangeOpts_parse` rules and words).
   */
  readonly rangeOptions?: QeRangeOptions;
  /**
   * libmongocrypt's `index_key_id` (not an option of the Node driver): Indexed derives its tokens
   * from this key instead of `keyId`'s. Queryable Encryption only.
   */
  readonly indexKeyId?: Binary;
}

/** A checked Queryable Encryption request (from {@link checkEncryptOptions}). */
export interface QeEncryptRequest {
  readonly qe: true;
  readonly algorithm: QeExplicitAlgorithm;
  readonly keyId: Binary;
  readonly indexKeyId?: Binary;
  readonly contentionFactor?: bigint;
  readonly queryType?: 'equality' | 'range';
  /** Range: the options as given (checked once with `parseRangeOptions`; qe parses them again when encrypting). */
  readonly rangeOptions?: QeRangeOptions;
}

/** What {@link checkEncryptOptions} gives: a FLE1 request (FieldEncryptOptions) or a QE one. */
export type ExplicitEncryptRequest = (FieldEncryptOptions & { readonly qe?: false }) | QeEncryptRequest;

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

/** The driver's BulkWriteResult counts for a rewrap: only updates, so everything but matched/modified is 0. */
export interface RewrapBulkWriteResult {
  readonly insertedCount: 0;
  readonly matchedCount: number;
  readonly modifiedCount: number;
  readonly deletedCount: 0;
  readonly upsertedCount: 0;
  readonly upsertedIds: Record<number, never>;
}

/** What {@link ClientEncryption.rewrapManyDataKey} did: `bulkWriteResult` as the driver reports it (absent when nothing matched). */
export interface RewrapResult {
  readonly bulkWriteResult?: RewrapBulkWriteResult;
  readonly keyIds: Binary[];
}

/**
 * The algorithm of explicit encryption, through fle-format's one parser (`parseExplicitAlgorithm`,
 * which reads FLE1 names as `parseFle1Algorithm` does), so `encrypt` accepts exactly the FLE1
 * spellings `encryptValue` and schemas accept (issue 11 item 17), plus 'Indexed' / 'Unindexed'.
 */
function checkAlgorithm(algorithm: unknown): ExplicitAlgorithm {
  try {
    return parseExplicitAlgorithm(algorithm);
  } catch (e) {
    if (e instanceof FleFormatError) throw new FleClientError('INVALID_ARGUMENT', e.message, { cause: e });
    throw e;
  }
}

function isBinary(x: unknown): x is Binary {
  return x instanceof Binary || (x as { _bsontype?: string } | null)?._bsontype === 'Binary';
}

/**
 * `queryType` as libmongocrypt reads it (`mongocrypt_ctx_setopt_query_type`, case-insensitive):
 * 'equality' or 'range'; 'rangePreview' is refused in libmongocrypt's words, the text query types
 * until fle-ts implements them.
 */
function checkQueryType(queryType: unknown): 'equality' | 'range' {
  if (typeof queryType !== 'string') throw new FleClientError('INVALID_ARGUMENT', `queryType must be a string such as 'equality' or 'range', got ${typeof queryType}`);
  const lower = queryType.toLowerCase();
  if (lower === 'equality') return 'equality';
  if (lower === 'range') return 'range';
  if (lower === 'rangepreview') throw new FleClientError('INVALID_ARGUMENT', "Query type 'rangePreview' is deprecated, please use 'range'");
  if (/^(prefix|suffix|substring)(preview)?$/.test(lower)) {
    throw new FleClientError('INVALID_ARGUMENT', `queryType '${queryType}' (text search) is not supported yet: use 'equality' (Indexed) or 'range' (Range)`);
  }
  throw new FleClientError('INVALID_ARGUMENT', `unsupported queryType '${queryType}': use 'equality' or 'range'`);
}

/** libmongocrypt's index type name of an algorithm (`_mongocrypt_index_type_to_string`). */
const INDEX_TYPE = { Indexed: 'equality', Range: 'range', Unindexed: 'none' } as const;

/**
 * The Queryable Encryption half of {@link checkEncryptOptions}: libmongocrypt's
 * `explicit_encrypt_init` rules (mongocrypt-ctx-encrypt.c), in its order and words.
 */
function checkQeOptions(options: ClientEncryptOptions, algorithm: QeExplicitAlgorithm): QeEncryptRequest {
  const { keyId, keyAltName, indexKeyId } = options;
  if (keyAltName !== undefined) {
    throw new FleClientError('INVALID_ARGUMENT', `cannot set both key alt name and index type: Queryable Encryption ('${algorithm}') needs "keyId" (find it with getKeyByAltName)`);
  }
  if (keyId === undefined) throw new FleClientError('INVALID_ARGUMENT', 'encrypt needs either "keyId" or "keyAltName"');
  if (!isBinary(keyId)) throw new FleClientError('INVALID_ARGUMENT', 'keyId must be a Binary subtype 4 (UUID), as createDataKey returns');
  if (indexKeyId !== undefined && !isBinary(indexKeyId)) throw new FleClientError('INVALID_ARGUMENT', 'indexKeyId must be a Binary subtype 4 (UUID)');
  const hasCf = options.contentionFactor !== undefined;
  const queryType = options.queryType === undefined ? undefined : checkQueryType(options.queryType);
  const { rangeOptions } = options;
  if (algorithm === 'Unindexed') {
    if (hasCf) throw new FleClientError('INVALID_ARGUMENT', "cannot set contention factor with no index type: algorithm 'Unindexed' takes no contentionFactor");
    if (queryType !== undefined) throw new FleClientError('INVALID_ARGUMENT', "cannot set query type with no index type: queryType needs algorithm 'Indexed' or 'Range'");
    if (rangeOptions !== undefined) throw new FleClientError('INVALID_ARGUMENT', "cannot set range opts with no index type: rangeOptions needs algorithm 'Range'");
    return { qe: true, algorithm, keyId, ...(indexKeyId ? { indexKeyId } : {}) };
  }
  if (algorithm === 'Indexed' && rangeOptions !== undefined) {
    throw new FleClientError('INVALID_ARGUMENT', "cannot set range opts with equality index type: rangeOptions needs algorithm 'Range'");
  }
  if (!hasCf) {
    const which = algorithm === 'Range' ? 'range indexed' : 'indexed';
    throw new FleClientError('INVALID_ARGUMENT', `contention factor is required for ${which} algorithm: set contentionFactor (the field's contention in encryptedFields, default 8)`);
  }
  if (algorithm === 'Range' && rangeOptions === undefined) {
    throw new FleClientError('INVALID_ARGUMENT', 'range opts are required for range indexed algorithm: set rangeOptions { min, max, sparsity, trimFactor, precision } as in encryptedFields');
  }
  // libmongocrypt checks the options (sparsity, ...) when they are set, before any key is fetched.
  if (rangeOptions !== undefined) parseRangeOptions(rangeOptions); // QeError BAD_RANGE_OPTIONS, libmongocrypt's words
  if (queryType !== undefined && queryType !== INDEX_TYPE[algorithm]) {
    throw new FleClientError('INVALID_ARGUMENT', `query_type (${queryType}) must match index_type (${INDEX_TYPE[algorithm]}): use queryType '${INDEX_TYPE[algorithm]}' with algorithm '${algorithm}'`);
  }
  const cf = options.contentionFactor;
  if (typeof cf !== 'number' && typeof cf !== 'bigint' && !(cf instanceof Long) && (cf as { _bsontype?: string } | null)?._bsontype !== 'Long') {
    throw new FleClientError('INVALID_ARGUMENT', `contentionFactor must be a number, bigint or Long, got ${typeof cf}`);
  }
  const contentionFactor = checkContentionFactor(cf); // QeError BAD_CONTENTION_FACTOR: < 0, ≥ INT64_MAX, not an integer
  return { qe: true, algorithm, keyId, contentionFactor, ...(indexKeyId ? { indexKeyId } : {}), ...(queryType ? { queryType } : {}), ...(rangeOptions ? { rangeOptions } : {}) };
}

/**
 * Checks encrypt options as the Node driver and libmongocrypt do (`MongoCryptInvalidArgumentError`,
 * `explicit_encrypt_init`): `{keyId | keyAltName, algorithm}` for CSFLE, and for Queryable
 * Encryption `{keyId, algorithm: 'Indexed' | 'Unindexed' | 'Range', contentionFactor, queryType, rangeOptions}`.
 * FLE1 with `contentionFactor`, `queryType`, `indexKeyId` or `rangeOptions` → INVALID_ARGUMENT
 * ("cannot set both algorithm and contention factor"). `rangeOptions` go through `@fle-ts/qe`'s
 * `parseRangeOptions` (QeError BAD_RANGE_OPTIONS).
 */
export function checkEncryptOptions(options: ClientEncryptOptions): ExplicitEncryptRequest {
  if (typeof options !== 'object' || options === null) throw new FleClientError('INVALID_ARGUMENT', 'encrypt needs options { keyId | keyAltName, algorithm }');
  const { keyId, keyAltName } = options;
  if (keyId !== undefined && keyAltName !== undefined) throw new FleClientError('INVALID_ARGUMENT', '"options" cannot contain both "keyId" and "keyAltName"');
  const parsed = checkAlgorithm(options.algorithm);
  if (parsed === 'Indexed' || parsed === 'Unindexed' || parsed === 'Range') return checkQeOptions(options, parsed);
  const algorithm: Fle1Algorithm = parsed;
  for (const [name, words] of [['contentionFactor', 'contention factor'], ['queryType', 'query type'], ['indexKeyId', 'index key id'], ['rangeOptions', 'range opts']] as const) {
    if (options[name] !== undefined) {
      throw new FleClientError('INVALID_ARGUMENT', `cannot set both algorithm and ${words}: "${name}" is Queryable Encryption, use algorithm ${name === 'rangeOptions' ? "'Range'" : "'Indexed' or 'Range'"} (or leave it out for '${algorithm}')`);
    }
  }
  if (keyId !== undefined) {
    if (!isBinary(keyId)) {
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
  readonly #random: RandomSource | undefined;
  #closed = false;

  constructor(options: ClientEncryptionOptions) {
    this.#kms = makeKmsProviders(options);
    this.#vault = options.keyVault;
    this.#random = checkRandomOption(options);
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

  /**
   * Encrypts one value into BinData subtype 6 with the key named by `keyId` or `keyAltName`:
   * CSFLE (the two AEAD_AES_256_CBC_HMAC_SHA_512 algorithms) or Queryable Encryption v2
   * ('Indexed': an insert payload (11), or a find payload (12) with `queryType: 'equality'`;
   * 'Range': an insert payload (11) with one token set per edge, `rangeOptions` required;
   * 'Unindexed': a stored value (16)), byte-compatible with libmongocrypt 1.20. A range query
   * goes through {@link encryptExpression} ("Encrypt may not be used for range queries").
   */
  async encrypt(value: unknown, options: ClientEncryptOptions): Promise<Binary> {
    this.#open();
    const opts = checkEncryptOptions(options);
    if (opts.qe && opts.queryType === 'range') {
      throw new FleClientError('INVALID_ARGUMENT', "Encrypt may not be used for range queries. Use EncryptExpression: ce.encryptExpression({ $and: [...] }, options)");
    }
    if (opts.qe) return this.#encryptQe(value, opts);
    // Key cached: encrypt at once, no key-needs arrays, Maps or awaits (issue 18); else fetch it.
    const cached = this.#source.cachedKey(opts);
    if (cached) return encryptValue(cached.key, cached.keyId, opts.algorithm, value);
    const cipher = await this.#source.prepare(opts.keyId ? { ids: [opts.keyId], altNames: [] } : { ids: [], altNames: [opts.keyAltName as string] });
    return cipher.encrypt(value, opts);
  }

  /**
   * Fetches the request's keys (user and index key, one round, as libmongocrypt's key broker
   * requests both), runs `run` with them, and releases the cipher.
   */
  async #withQeKeys<T>(opts: QeEncryptRequest, run: (ctx: { keys: ReturnType<typeof qeLookup>; random?: RandomSource }) => T): Promise<T> {
    const needs = new KeyNeedsCollector();
    needs.add({ keyId: opts.keyId });
    if (opts.indexKeyId) needs.add({ keyId: opts.indexKeyId });
    const cipher = await prepareWithQeKeys(this.#source, needs, []);
    try {
      return run({ keys: qeLookup(cipher), ...(this.#random ? { random: this.#random } : {}) });
    } finally {
      cipher.release?.();
    }
  }

  async #encryptQe(value: unknown, opts: QeEncryptRequest): Promise<Binary> {
    const common = {
      keyId: opts.keyId,
      ...(opts.indexKeyId ? { indexKeyId: opts.indexKeyId } : {}),
    };
    return this.#withQeKeys(opts, (ctx) => {
      if (opts.algorithm === 'Range') {
        return encryptQe(value, { algorithm: 'Range', ...common, contentionFactor: opts.contentionFactor!, rangeOptions: opts.rangeOptions! }, ctx);
      }
      return encryptQe(
        value,
        {
          algorithm: opts.algorithm,
          ...common,
          ...(opts.contentionFactor !== undefined ? { contentionFactor: opts.contentionFactor } : {}),
          ...(opts.queryType === 'equality' ? { queryType: opts.queryType } : {}),
        },
        ctx,
      );
    });
  }

  /**
   * Encrypts a range query (the Node driver's `encryptExpression`, algorithm 'Range' with
   * `queryType: 'range'`): `{ $and: [ { f: { $gt | $gte: a } }, { f: { $lt | $lte: b } } ] }`
   * (one side may be left out; the aggregate form `{ $and: [ { $gt: ['$f', a] }, ... ] }` too).
   * Returns the same expression with the two bounds replaced by the two find payloads (13) that
   * libmongocrypt makes: the first holds the mincover tokens, the second names the same
   * payloadId. Pass it as the filter (or inside `$expr` for the aggregate form).
   * Deterministic: no random bytes. Other algorithms and query types are refused as
   * libmongocrypt refuses them ("EncryptExpression may only be used for range queries.").
   */
  async encryptExpression(expression: Record<string, unknown>, options: ClientEncryptOptions): Promise<Record<string, unknown>> {
    this.#open();
    if (typeof expression !== 'object' || expression === null) throw new FleClientError('INVALID_ARGUMENT', 'encryptExpression needs an expression document such as { $and: [...] }');
    const opts = checkEncryptOptions(options);
    if (!opts.qe || opts.algorithm !== 'Range' || opts.queryType !== 'range') {
      throw new FleClientError('INVALID_ARGUMENT', "EncryptExpression may only be used for range queries. Use algorithm 'Range' with queryType 'range' (encrypt for the other algorithms)");
    }
    const rangeOpts = { algorithm: 'Range' as const, queryType: 'range' as const, keyId: opts.keyId, ...(opts.indexKeyId ? { indexKeyId: opts.indexKeyId } : {}), contentionFactor: opts.contentionFactor!, rangeOptions: opts.rangeOptions! };
    return this.#withQeKeys(opts, (ctx) => encryptQeExpression(expression, rangeOpts, ctx));
  }

  /**
   * Decrypts a BinData subtype 6: a CSFLE ciphertext (first byte 1 or 2) or a Queryable Encryption
   * value (11 insert payload, 14 / 15 stored indexed values, 16 unindexed). The value keeps its
   * BSON type (Int32, Long, Double, Binary subtype, …). A FLE1 blob is parsed (fle-format's
   * `parseFle1Blob`) before its key is looked up, so a truncated blob is `BLOB_TOO_SHORT` here as
   * in `decryptBson` (issue 11 item 10); a QE value's keys are fetched in up to two rounds
   * (index key, then the user key it names).
   */
  async decrypt(value: Binary): Promise<unknown> {
    this.#open();
    if (!isSubtype6(value)) throw new FleClientError('NOT_A_CIPHERTEXT', 'decrypt expects a BSON Binary of subtype 6 (an encrypted value)');
    if (!hasBinaryBytes(value)) throw new FleClientError('NOT_A_CIPHERTEXT', 'decrypt expects a bson Binary with its bytes; this subtype 6 object has no byte buffer');
    const first = value.position > 0 ? value.buffer[0] : undefined;
    if (first !== 1 && first !== 2) {
      if (isQeValueBytes(binaryPayload(value))) return this.#decryptQe(value);
      // libmongocrypt returns other kinds (find payloads, markings) unchanged; a clear error is more useful (mcoracle README).
      throw new FleClientError(
        'NOT_A_CIPHERTEXT',
        `decrypt handles CSFLE ciphertexts (first byte 1 or 2) and Queryable Encryption values (11, 14, 15, 16); this BinData 6 starts with ${first ?? 'nothing (empty)'}${first === 12 ? ' (a find payload: it holds no ciphertext)' : ''}`,
      );
    }
    // A blob long enough to be valid (82 bytes, MIN_FLE1_BLOB_LENGTH): its key id read in place
    // as a plain view (no parsed object, no Node Buffer views; issue 18). Shorter ones go
    // through parseFle1Blob, which refuses them with BLOB_TOO_SHORT.
    const buf = value.buffer;
    const keyId = value.position >= MIN_FLE1_BLOB_LENGTH ? new Uint8Array(buf.buffer, buf.byteOffset + 1, 16) : parseFle1Blob(value).keyId;
    const cached = this.#source.cachedKey({ keyId });
    if (cached) return decryptValue(cached.key, value);
    const cipher = await this.#source.prepare({ ids: [new Binary(Uint8Array.from(keyId), Binary.SUBTYPE_UUID)], altNames: [] });
    return cipher.decrypt(value);
  }

  async #decryptQe(value: Binary): Promise<unknown> {
    const cipher = await prepareWithQeKeys(this.#source, new KeyNeedsCollector(), [binaryPayload(value)]);
    try {
      return decryptQe(value, qeLookup(cipher));
    } finally {
      cipher.release?.();
    }
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
    return n > 0
      ? { bulkWriteResult: { insertedCount: 0, matchedCount: n, modifiedCount: n, deletedCount: 0, upsertedCount: 0, upsertedIds: {} }, keyIds: result.keyIds }
      : { keyIds: result.keyIds };
  }
}
