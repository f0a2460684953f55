import { wipe } from '@fle-ts/crypto-core';
import type { Binary } from 'bson';
import { decryptValue, encryptValue } from '@fle-ts/fle-format';
import { KeyBroker, KmsProviders, type CachedDataKey, type KeyVault, type KmsProvidersOptions, type KmsTransportOptions } from '@fle-ts/keyvault';
import { FleClientError } from './errors.js';
import { keyIdKey, type FieldCipher, type FieldCipherSource, type KeyNeeds } from './field-cipher.js';

/** Where keys come from: the options ClientEncryption and AutoEncrypter share (driver option names). */
export interface KeySourceOptions {
  /** The key vault (`MemoryKeyVault`, `FileKeyVault`, or your own `KeyVault`). */
  readonly keyVault: KeyVault;
  /**
   * The driver's option: `{ local: { key } }` (96 bytes or base64), `aws`, `azure`, `gcp`, `kmip`
   * and named ones (`'aws:eu'`), `{}` for on-demand credentials; or a built `KmsProviders`.
   */
  readonly kmsProviders: KmsProvidersOptions | KmsProviders;
  /** The Node driver's `credentialProviders`: `aws` is asked for credentials when `kmsProviders.aws` is `{}`. */
  readonly credentialProviders?: KmsTransportOptions['credentialProviders'];
  /**
   * How the cloud providers reach their KMS (fle-ts): `fetch` (route through a proxy or a test
   * double), `timeoutMs`, `maxAttempts`, `protocol: 'http:'` (loopback only), `azureImds`,
   * `gcpMetadata`, `kmipExchange` (mutual TLS, e.g. `nodeKmipExchange` from `@fle-ts/kms/node`).
   */
  readonly kmsOptions?: KmsTransportOptions;
  /** How long unwrapped data keys stay cached, in ms (default 60000 as in libmongocrypt; 0 = forever). */
  readonly keyExpirationMS?: number;
}

/** Validates the shared options and builds the KMS providers. */
export function makeKmsProviders(options: KeySourceOptions): KmsProviders {
  if (typeof options !== 'object' || options === null) throw new FleClientError('INVALID_ARGUMENT', 'options { keyVault, kmsProviders } are required');
  const vault = options.keyVault as Partial<KeyVault> | undefined;
  if (!vault || typeof vault.find !== 'function' || typeof vault.insert !== 'function') {
    throw new FleClientError('INVALID_ARGUMENT', 'options.keyVault must be a KeyVault (e.g. new MemoryKeyVault(keyDocuments))');
  }
  if (typeof options.kmsProviders !== 'object' || options.kmsProviders === null) {
    throw new FleClientError('INVALID_ARGUMENT', 'options.kmsProviders is required, e.g. { local: { key: <96-byte Uint8Array> } }');
  }
  if ((options as { tlsOptions?: unknown }).tlsOptions !== undefined) {
    // fetch has no per-request CA or client certificate: silently ignoring them would be worse.
    throw new FleClientError('INVALID_ARGUMENT', 'tlsOptions is not supported: HTTPS providers use fetch (pass a fetch that trusts your CA in kmsOptions.fetch); KMIP takes its certificates through kmsOptions.kmipExchange (nodeKmipExchange({ca, cert, key}) from @fle-ts/kms/node)');
  }
  if (options.kmsProviders instanceof KmsProviders) return options.kmsProviders;
  const remote = { ...options.kmsOptions, ...(options.credentialProviders ? { credentialProviders: options.credentialProviders } : {}) };
  return new KmsProviders(options.kmsProviders, [], remote);
}

/** The key broker (cache of unwrapped keys) for a set of options. */
export function makeKeyBroker(options: KeySourceOptions, kms = makeKmsProviders(options)): KeyBroker {
  return new KeyBroker({ keyVault: options.keyVault, kmsProviders: kms, ...(options.keyExpirationMS !== undefined ? { keyExpirationMS: options.keyExpirationMS } : {}) });
}


/**
 * FieldCipherSource over keyvault's KeyBroker and fle-format's value encryption: `prepare` makes
 * ONE `getKeys` call for everything an operation needs, then encryption and decryption are
 * synchronous Map lookups plus the AEAD.
 */
export class BrokerCipherSource implements FieldCipherSource {
  readonly #broker: KeyBroker;
  #closed = false;

  constructor(broker: KeyBroker) {
    this.#broker = broker;
  }

  /** Destroys every cached key (KeyBroker.close); later `prepare` calls throw `CLOSED`. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#broker.close();
  }

  #open(): void {
    if (this.#closed) throw new FleClientError('CLOSED', 'The ClientEncryption / AutoEncrypter was closed; create a new one');
  }

  /**
   * The data key a single-value operation names (`keyId` bytes or `keyAltName`) when the broker
   * has it cached and live, else undefined (then use {@link BrokerCipherSource.prepare}). Lets
   * ClientEncryption encrypt and decrypt without building key needs, Maps or promises per call
   * (issue 18); use the key before yielding. Throws `CLOSED` like prepare.
   */
  cachedKey(key: { readonly keyId?: Uint8Array | Binary; readonly keyAltName?: string }): CachedDataKey | undefined {
    this.#open();
    return key.keyId !== undefined ? this.#broker.cachedKeyById(key.keyId) : this.#broker.cachedKeyByAltName(key.keyAltName as string);
  }

  async prepare(needs: KeyNeeds): Promise<FieldCipher> {
    this.#open();
    const keys = needs.ids.length + needs.altNames.length === 0 ? [] : await this.#broker.getKeys({ ids: needs.ids, altNames: needs.altNames });
    this.#open(); // closed while the keys were fetched: do not hand them out
    const byId = new Map<string, CachedDataKey>();
    const byAltName = new Map<string, CachedDataKey>();
    needs.ids.forEach((id, i) => byId.set(keyIdKey(id.buffer), keys[i] as CachedDataKey));
    needs.altNames.forEach((name, i) => byAltName.set(name, keys[needs.ids.length + i] as CachedDataKey));
    // Raw copies for Queryable Encryption, made on first use and wiped by release().
    const material = new Map<string, Uint8Array>();
    const missing = (what: string): never => {
      throw new FleClientError('INVALID_ARGUMENT', `internal: key ${what} was not gathered before encryption`);
    };
    return {
      encrypt(value, options) {
        const k = options.keyId ? (byId.get(keyIdKey(options.keyId.buffer)) ?? missing('id')) : (byAltName.get(options.keyAltName as string) ?? missing('alt name'));
        return encryptValue(k.key, k.keyId, options.algorithm, value);
      },
      decrypt(blob) {
        // FLE1 blob: key UUID at bytes 1..17 (fle1-spec.md §2).
        const k = byId.get(keyIdKey(blob.buffer, 1)) ?? missing('id');
        return decryptValue(k.key, blob);
      },
      aeadKey(keyId) {
        return (byId.get(keyIdKey(keyId)) ?? missing('id')).key;
      },
      qeKey(keyId) {
        if (keyId.length !== 16) return undefined;
        const k = keyIdKey(keyId);
        let raw = material.get(k);
        if (raw === undefined) {
          const cached = byId.get(k);
          if (cached === undefined) return undefined;
          raw = cached.key.exportKeyMaterial();
          material.set(k, raw);
        }
        return raw;
      },
      release() {
        for (const raw of material.values()) wipe(raw);
        material.clear();
      },
    };
  }
}
