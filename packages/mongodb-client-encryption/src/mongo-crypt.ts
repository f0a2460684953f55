// The `MongoCrypt` class the mongodb driver loads with require('mongodb-client-encryption')
// (driver-dropin.md Q1, API table). Every call is synchronous, as the native binding's are.
import type { Document } from 'bson';
import { readDocument } from './bson-io.js';
import { MongoCryptContext, wrapError, type ErrorWrapper, type MongoCryptStatus, type Step } from './context.js';
import { dataKeyStep, rewrapStep, type DataKeyContextOptions } from './data-keys.js';
import { decryptionStep } from './auto-decrypt.js';
import { encryptionStep } from './auto-encrypt.js';
import { MongoCryptBindingError } from './errors.js';
import { explicitDecryptStep, explicitEncryptStep, type ExplicitEncryptionContextOptions } from './explicit.js';
import { CollInfoCache } from './collinfo-cache.js';
import { KeyCache } from './key-cache.js';
import { withMongocryptdTexts } from './mongocryptd-errors.js';
import { SchemaMap } from './schema-map.js';
import { LocalMasterKeys } from './local-kms.js';
import { checkEncryptedFieldsMap } from './qe-auto.js';

/** Constructor options, as the driver's AutoEncrypter and ClientEncryption pass them. */
export interface MongoCryptOptions {
  /** BSON `{local: {key}, ...}` (the driver serializes the user's kmsProviders). */
  kmsProviders?: Uint8Array;
  /** BSON `{"db.coll": $jsonSchema}`. */
  schemaMap?: Uint8Array;
  /** BSON `{"db.coll": encryptedFields}` (Queryable Encryption); a namespace may not also be in schemaMap. */
  encryptedFieldsMap?: Uint8Array;
  /** Send commands unanalysed (values encrypted explicitly); replies are still decrypted. */
  bypassQueryAnalysis?: boolean;
  /** How long unwrapped data keys stay cached (default 60000; 0 = forever). */
  keyExpirationMS?: number;
  /** The driver's constructor for its MongoCryptError. */
  errorWrapper?: ErrorWrapper;
  /** Accepted; fle-ts logs nothing. */
  logger?: (level: number, message: string) => void;
  /** Accepted and ignored: there is no library to load, fle-ts plays crypt_shared itself. */
  cryptSharedLibPath?: string;
  /** Accepted and ignored, as cryptSharedLibPath. */
  cryptSharedLibSearchPaths?: string[];
  /** Every other option ClientEncryption passes through (keyVaultClient, tlsOptions, ...) is ignored. */
  [other: string]: unknown;
}

// What the driver reads to decide against mongocryptd (auto_encrypter.ts): a non-null value
// means "crypt_shared is loaded", so no mongocryptd client and no spawn. The version is the
// query-analysis level fle-ts answers for: as crypt_shared 7.0 (version = major<<48 | minor<<32).
const CRYPT_SHARED_VERSION = Object.freeze({ version: 0x0007_0000_0000_0000n, versionStr: 'fle-ts (pure TypeScript query analysis, FLE1 and Queryable Encryption; plays mongo_crypt_v1 7.0.0)' });

const OK_STATUS: MongoCryptStatus = Object.freeze({ type: 0, code: 0, message: '' });

/**
 * libmongocrypt's `MongoCrypt` for the official `mongodb` driver, in pure TypeScript: CSFLE
 * (FLE1) and Queryable Encryption (v2: encryptedFieldsMap or remote encryptedFields, explicit
 * Indexed / Unindexed / Range), with local and remote KMS (through NEED_KMS), explicit and
 * automatic encryption, automatic decryption, data keys and rewrap. Install it under the name
 * `mongodb-client-encryption` (README).
 *
 * @example
 * const crypt = new MongoCrypt({ kmsProviders: serialize({ local: { key } }), errorWrapper: (e) => e });
 * const ctx = crypt.makeDataKeyContext(serialize({ provider: 'local' }), {});
 * const keyDoc = deserialize(ctx.finalize()); // READY at once for local KMS
 */
export class MongoCrypt {
  /** The libmongocrypt API level this binding answers for (the driver only prints it); 1.15.1 for keyAltName in encryptedFields. */
  static readonly libmongocryptVersion = '1.15.1+fle-ts';

  readonly #wrap: ErrorWrapper | undefined;
  readonly #kms: LocalMasterKeys;
  readonly #cache: KeyCache;
  readonly #schemas: SchemaMap;
  readonly #bypassQueryAnalysis: boolean;
  readonly #collInfos = new CollInfoCache();
  readonly #encryptedFieldsMap: ReadonlyMap<string, Document>;

  constructor(options: MongoCryptOptions) {
    const wrapper = typeof options?.errorWrapper === 'function' ? options.errorWrapper : undefined;
    this.#wrap = wrapper;
    try {
      if (typeof options !== 'object' || options === null) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'MongoCrypt needs an options object');
      if (options.kmsProviders === undefined) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'kmsProviders is required (BSON {local: {key: <96 bytes>}})');
      this.#kms = new LocalMasterKeys(readDocument(options.kmsProviders, 'kmsProviders', false));
      this.#schemas = new SchemaMap(options.schemaMap === undefined ? {} : readDocument(options.schemaMap, 'schemaMap', false));
      // Exact types: encryptedFields go out again verbatim as encryptionInformation (contention stays a Long).
      this.#encryptedFieldsMap = checkEncryptedFieldsMap(options.encryptedFieldsMap === undefined ? {} : readDocument(options.encryptedFieldsMap, 'encryptedFieldsMap', true), this.#schemas);
      this.#cache = new KeyCache(options.keyExpirationMS);
      this.#bypassQueryAnalysis = options.bypassQueryAnalysis === true;
    } catch (e) {
      throw wrapError(wrapper, e);
    }
  }

  /** The driver's check for crypt_shared: never null, so the driver never starts mongocryptd. */
  get cryptSharedLibVersionInfo(): { version: bigint; versionStr: string } {
    return CRYPT_SHARED_VERSION;
  }

  /** Always OK: construction errors are thrown. */
  get status(): MongoCryptStatus {
    return OK_STATUS;
  }

  /** Where the cryptography runs (the driver does not read it). */
  get cryptoHooksProvider(): 'js' {
    return 'js';
  }

  // A context that cannot start: thrown through errorWrapper (driver 7), else a context in ERROR.
  #context(make: () => Step): MongoCryptContext {
    let first: Step | { error: unknown };
    try {
      first = make();
    } catch (error) {
      if (this.#wrap) throw wrapError(this.#wrap, error);
      first = { error };
    }
    return new MongoCryptContext(first, this.#wrap);
  }

  /** Auto encryption of one command sent to database `db` (the command's BSON). */
  makeEncryptionContext(db: string, command: Uint8Array): MongoCryptContext {
    const setup = { schemas: this.#schemas, cache: this.#cache, kms: this.#kms, collInfos: this.#collInfos, encryptedFieldsMap: this.#encryptedFieldsMap, bypassQueryAnalysis: this.#bypassQueryAnalysis };
    if (this.#bypassQueryAnalysis) return this.#context(() => encryptionStep(db, command, setup));
    return this.#context(() => withMongocryptdTexts(() => encryptionStep(db, command, setup)));
  }

  /** Auto decryption of one whole server reply (BSON). */
  makeDecryptionContext(reply: Uint8Array): MongoCryptContext {
    return this.#context(() => withMongocryptdTexts(() => decryptionStep(reply, this.#cache, this.#kms)));
  }

  /** Explicit encryption of `{v: value}` (BSON). */
  makeExplicitEncryptionContext(value: Uint8Array, options: ExplicitEncryptionContextOptions): MongoCryptContext {
    return this.#context(() => explicitEncryptStep(value, options, this.#cache, this.#kms));
  }

  /** Explicit decryption of `{v: BinData 6}` (BSON). */
  makeExplicitDecryptionContext(value: Uint8Array): MongoCryptContext {
    return this.#context(() => explicitDecryptStep(value, this.#cache, this.#kms));
  }

  /** A new data key under `keyEncryptionKey` (BSON `{provider, ...masterKey}`). */
  makeDataKeyContext(keyEncryptionKey: Uint8Array, options: DataKeyContextOptions): MongoCryptContext {
    return this.#context(() => dataKeyStep(keyEncryptionKey, options, this.#kms));
  }

  /** Re-wraps the keys matching `filter` (BSON) under `keyEncryptionKey`, or each key's own master key. */
  makeRewrapManyDataKeyContext(filter: Uint8Array, keyEncryptionKey?: Uint8Array): MongoCryptContext {
    return this.#context(() => rewrapStep(filter, keyEncryptionKey, this.#kms));
  }
}
