// KMS providers: wrap/unwrap of 96-byte data keys (fle1-spec.md §5 "Local master key and wrapping";
// LMC `_mongocrypt_wrap_key` / `_mongocrypt_unwrap_key`).
import { AeadKey, FleCryptoError, KEY_LENGTH, wipe } from '@fle-ts/crypto-core';
import type { RemoteProvidersOptions } from '@fle-ts/kms';
import { KeyVaultError } from './errors.js';
import { base64ToBytes, binaryBytes, copyBytes, isBinary } from './bytes.js';
import { parseProviderId, type MasterKey } from './master-key.js';

/** Length of a data key and of a local master key. */
export const DATA_KEY_LENGTH = 96;
// The wrap has no associated data (LMC `_mongocrypt_wrap_key` passes none).
const NO_AAD = new Uint8Array(0);

/**
 * One configured KMS provider (`name` is the full provider id, e.g. `"local"` or `"aws:eu"`).
 * The cloud ones (aws, azure, gcp, kmip) come from @fle-ts/kms; your own plug in the same way.
 */
export interface KmsProvider {
  readonly name: string;
  /**
   * Completes a new key's masterKey before `wrap` (KMIP: registers a key on the server and adds
   * the `keyId` it assigns); createDataKey and rewrapManyDataKey store what it returns.
   */
  prepareMasterKey?(masterKey: MasterKey): Promise<MasterKey>;
  /** Wraps a 96-byte data key; returns the `keyMaterial` bytes. */
  wrap(dataKey: Uint8Array, masterKey: MasterKey): Promise<Uint8Array>;
  /** Unwraps `keyMaterial`; returns the 96-byte data key (the caller wipes it). */
  unwrap(keyMaterial: Uint8Array, masterKey: MasterKey): Promise<Uint8Array>;
}

/** Local master key: 96 bytes, or their standard base64 (SPEC `LocalKMSOptions`). */
export interface LocalKmsOptions { key: Uint8Array | string | { buffer: Uint8Array; position: number; sub_type: number } }

/**
 * Driver-shaped `kmsProviders` option (SPEC "kmsProviders"). `local` entries are keyvault's own;
 * `aws`, `azure`, `gcp` and `kmip` entries (named ones too) become @fle-ts/kms providers, checked
 * as libmongocrypt checks them.
 */
export interface KmsProvidersOptions {
  local?: LocalKmsOptions;
  aws?: Record<string, unknown>;
  azure?: Record<string, unknown>;
  gcp?: Record<string, unknown>;
  kmip?: Record<string, unknown>;
  [namedProvider: `${'local' | 'aws' | 'azure' | 'gcp' | 'kmip'}:${string}`]: Record<string, unknown> | LocalKmsOptions | undefined;
}

function masterKeyBytes(key: unknown, provider: string): Uint8Array {
  let bytes: Uint8Array;
  if (typeof key === 'string') {
    try {
      bytes = base64ToBytes(key, `kmsProviders['${provider}'].key`);
    } catch (cause) {
      throw new KeyVaultError('BAD_MASTER_KEY', `kmsProviders['${provider}'].key is not valid base64: give 96 bytes or their base64`, { cause });
    }
  } else if (key instanceof Uint8Array) {
    bytes = copyBytes(key);
  } else if (isBinary(key)) {
    bytes = copyBytes(binaryBytes(key));
  } else {
    throw new KeyVaultError('BAD_MASTER_KEY', `kmsProviders['${provider}'].key must be 96 bytes (Uint8Array) or their base64 string`);
  }
  if (bytes.length !== DATA_KEY_LENGTH) {
    throw new KeyVaultError('BAD_MASTER_KEY', `local key must be 96 bytes: kmsProviders['${provider}'].key has ${bytes.length}`);
  }
  return bytes;
}

function checkMasterKeyArg(masterKey: unknown): asserts masterKey is MasterKey {
  if (typeof masterKey !== 'object' || masterKey === null) {
    throw new KeyVaultError('INVALID_MASTER_KEY', "masterKey must be a document like {provider: 'local'}");
  }
}

/** The local KMS: wraps with the FLE1 AEAD under a 96-byte master key, random IV, no AAD. */
export class LocalKmsProvider implements KmsProvider {
  readonly name: string;
  readonly #kek: AeadKey;

  /** `key`: 96 bytes or their base64. `name`: `"local"` or `"local:<name>"`. */
  constructor(key: Uint8Array | string, name = 'local') {
    const { type } = parseProviderId(name);
    if (type !== 'local') throw new KeyVaultError('INVALID_ARGUMENT', `LocalKmsProvider name must be 'local' or 'local:<name>', got '${name}'`);
    this.name = name;
    const bytes = masterKeyBytes(key, name);
    this.#kek = new AeadKey(bytes);
    wipe(bytes);
  }

  #check(masterKey: MasterKey): void {
    checkMasterKeyArg(masterKey);
    if (masterKey.provider !== this.name) {
      throw new KeyVaultError('KMS_PROVIDER_NOT_CONFIGURED', `masterKey is for provider '${masterKey.provider}', not '${this.name}'`);
    }
  }

  async wrap(dataKey: Uint8Array, masterKey: MasterKey = { provider: this.name }): Promise<Uint8Array> {
    this.#check(masterKey);
    if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_LENGTH) {
      const n = dataKey instanceof Uint8Array ? dataKey.length : typeof dataKey;
      throw new KeyVaultError('INVALID_KEY_MATERIAL', `data encryption key is incorrect length, expected: 96, got: ${n}`);
    }
    return this.#kek.encryptRandom(dataKey, NO_AAD);
  }

  async unwrap(keyMaterial: Uint8Array, masterKey: MasterKey = { provider: this.name }): Promise<Uint8Array> {
    this.#check(masterKey);
    let key: Uint8Array;
    try {
      key = this.#kek.decrypt(keyMaterial, NO_AAD);
    } catch (cause) {
      const why = cause instanceof FleCryptoError && cause.code === 'HMAC_MISMATCH'
        ? 'the tag does not match: wrong master key, or the keyMaterial was changed'
        : 'the keyMaterial is malformed';
      throw new KeyVaultError('UNWRAP_FAILED', `cannot unwrap data key with provider '${this.name}': ${why}`, { cause });
    }
    if (key.length !== KEY_LENGTH) {
      wipe(key);
      throw new KeyVaultError('UNWRAP_FAILED', `decrypted key is incorrect length, expected: 96, got: ${key.length}`);
    }
    return key;
  }

  /** Wipes the master key held by this provider. */
  destroy(): void {
    this.#kek.destroy();
  }
}

/**
 * Options for the cloud providers (@fle-ts/kms `RemoteProvidersOptions`): `fetch`, `timeoutMs`,
 * `maxAttempts`, `backoffMs`, `sleep`, `protocol`, `now`, `credentialProviders`, `azureImds`,
 * `gcpMetadata`, `kmipExchange`.
 */
export type KmsTransportOptions = RemoteProvidersOptions;

/**
 * An aws/azure/gcp/kmip entry of the option: @fle-ts/kms is imported, and the entry checked and
 * built by its `remoteKmsProviders`, on first use. Loading it lazily keeps local-only processes
 * (the `fle` CLI streaming under a 40 MB heap) free of the cloud code.
 */
class DeferredRemoteProvider implements KmsProvider {
  readonly name: string;
  readonly #config: Record<string, unknown>;
  readonly #remote: RemoteProvidersOptions;
  #built: Promise<KmsProvider> | undefined;

  constructor(name: string, config: Record<string, unknown>, remote: RemoteProvidersOptions) {
    this.name = name;
    this.#config = config;
    this.#remote = remote;
  }

  #provider(): Promise<KmsProvider> {
    this.#built ??= import('@fle-ts/kms').then((kms) => {
      const [p] = kms.remoteKmsProviders({ [this.name]: this.#config }, withDeferredFailures(this.#remote, this.name, kms.KmsError));
      return p as KmsProvider;
    });
    return this.#built;
  }

  async prepareMasterKey(masterKey: MasterKey): Promise<MasterKey> {
    const p = await this.#provider();
    return typeof p.prepareMasterKey === 'function' ? p.prepareMasterKey(masterKey) : masterKey;
  }

  async wrap(dataKey: Uint8Array, masterKey: MasterKey): Promise<Uint8Array> {
    return (await this.#provider()).wrap(dataKey, masterKey);
  }

  async unwrap(keyMaterial: Uint8Array, masterKey: MasterKey): Promise<Uint8Array> {
    return (await this.#provider()).unwrap(keyMaterial, masterKey);
  }
}

/**
 * `aws: {}` without `credentialProviders.aws`, or a kmip entry without `kmipExchange`, is a valid
 * configuration until a key needs that provider (libmongocrypt asks for credentials only then), so
 * the failure is deferred to that use: a KmsError naming the provider and what to pass.
 */
function withDeferredFailures(remote: RemoteProvidersOptions, id: string, KmsError: typeof import('@fle-ts/kms').KmsError): RemoteProvidersOptions {
  return {
    ...remote,
    credentialProviders: {
      ...remote.credentialProviders,
      aws: remote.credentialProviders?.aws ?? (async () => {
        throw new KmsError('KMS_BAD_OPTIONS', id, "kmsProviders.aws is {} (on-demand credentials) but no credentialProviders.aws was given: pass one (e.g. awsCredentialChain({ env: process.env }) from @fle-ts/kms: environment, ECS, EC2) or the credentials");
      }),
    },
    kmipExchange: remote.kmipExchange ?? (async () => {
      throw new KmsError('KMS_BAD_OPTIONS', id, 'KMIP needs the kmipExchange option (mutual TLS to the KMIP server; e.g. nodeKmipExchange from @fle-ts/kms/node)');
    }),
  };
}

/** True for a KmsProviders, also one from another loaded copy of this package (duck-typed). */
export function isKmsProviders(v: unknown): v is KmsProviders {
  const k = v as Partial<KmsProviders> | null;
  return typeof k === 'object' && k !== null && typeof k.wrap === 'function' && typeof k.unwrap === 'function' && typeof k.get === 'function';
}

/** The configured providers, looked up by a key document's `masterKey.provider`. */
export class KmsProviders {
  readonly #providers = new Map<string, KmsProvider>();
  readonly #configured = new Set<string>();

  /**
   * Builds the providers from the driver-shaped option. Local keys are checked here
   * (BAD_MASTER_KEY); unknown provider ids throw UNKNOWN_KMS_PROVIDER; a malformed aws, azure,
   * gcp or kmip entry throws @fle-ts/kms's KmsError KMS_BAD_OPTIONS naming it when first used
   * (@fle-ts/kms is loaded only then, so local-only applications never load it). `remote` holds the
   * cloud providers' transport (fetch, timeouts, retries), `credentialProviders.aws` for an
   * `aws: {}` entry and `kmipExchange`; `custom` providers replace built ones of the same name.
   */
  constructor(options: KmsProvidersOptions = {}, custom: readonly KmsProvider[] = [], remote: KmsTransportOptions = {}) {
    if (typeof options !== 'object' || options === null || Array.isArray(options)) {
      throw new KeyVaultError('INVALID_ARGUMENT', 'kmsProviders must be a document such as {local: {key: <96 bytes or base64>}}');
    }
    if (!Array.isArray(custom)) throw new KeyVaultError('INVALID_ARGUMENT', 'custom KMS providers must be an array of KmsProvider');
    // A Map means the document it serializes to (as the driver would send it), not "no providers".
    const entries = options instanceof Map ? [...(options as Map<unknown, unknown>).entries()] : Object.entries(options);
    const cloud: Record<string, unknown> = {};
    for (const [id, config] of entries) {
      if (typeof id !== 'string') throw new KeyVaultError('UNKNOWN_KMS_PROVIDER', 'kmsProviders keys must be provider ids such as \'local\'');
      if (config === undefined) continue;
      const { type } = parseProviderId(id);
      this.#configured.add(id);
      if (type === 'local') {
        if (typeof config !== 'object' || config === null) {
          throw new KeyVaultError('BAD_MASTER_KEY', `kmsProviders['${id}'] must be {key: <96 bytes or base64>}`);
        }
        const extra = Object.keys(config).filter((k) => k !== 'key');
        if (extra.length > 0) throw new KeyVaultError('BAD_MASTER_KEY', `Unexpected field: '${extra[0]}' in kmsProviders['${id}']`);
        const bytes = masterKeyBytes((config as { key?: unknown }).key, id);
        this.#providers.set(id, new LocalKmsProvider(bytes, id));
        wipe(bytes);
      } else {
        cloud[id] = config;
      }
    }
    if (typeof remote !== 'object' || remote === null) throw new KeyVaultError('INVALID_ARGUMENT', 'the KMS transport options must be an object like {fetch, timeoutMs}');
    for (const [id, config] of Object.entries(cloud)) {
      if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new KeyVaultError('BAD_MASTER_KEY', `kmsProviders['${id}'] must be a document`);
      this.#providers.set(id, new DeferredRemoteProvider(id, config as Record<string, unknown>, remote));
    }
    for (const p of custom) this.register(p);
  }

  /** Adds or replaces a provider implementation (e.g. a cloud KMS client) under `provider.name`. */
  register(provider: KmsProvider): this {
    const p = provider as Partial<KmsProvider> | null;
    if (typeof p !== 'object' || p === null || typeof p.name !== 'string' || typeof p.wrap !== 'function' || typeof p.unwrap !== 'function') {
      throw new KeyVaultError('INVALID_ARGUMENT', 'a KmsProvider needs a string name and wrap/unwrap functions');
    }
    parseProviderId(provider.name);
    this.#providers.set(provider.name, provider);
    this.#configured.add(provider.name);
    return this;
  }

  /** True when `provider` has an implementation here. */
  has(provider: string): boolean {
    return this.#providers.has(provider);
  }

  /** Provider ids given in the options or registered. */
  names(): string[] {
    return [...this.#configured];
  }

  /**
   * The provider for `provider`. Throws UNKNOWN_KMS_PROVIDER for an id that is no provider type,
   * KMS_PROVIDER_NOT_CONFIGURED when the options do not name it.
   */
  get(provider: string): KmsProvider {
    const found = this.#providers.get(provider);
    if (found) return found;
    parseProviderId(provider);
    throw new KeyVaultError('KMS_PROVIDER_NOT_CONFIGURED', `KMS provider '${provider}' is not configured: add it to kmsProviders`);
  }

  /**
   * `masterKey` as it must be stored for a new key: the provider's `prepareMasterKey` result
   * (KMIP without keyId registers a key), else `masterKey` itself.
   */
  async prepareMasterKey(masterKey: MasterKey): Promise<MasterKey> {
    checkMasterKeyArg(masterKey);
    const p = this.get(masterKey.provider);
    if (typeof p.prepareMasterKey !== 'function') return masterKey;
    const prepared = await p.prepareMasterKey(masterKey);
    checkMasterKeyArg(prepared);
    if (prepared.provider !== masterKey.provider) {
      throw new KeyVaultError('INVALID_MASTER_KEY', `provider '${masterKey.provider}' prepared a masterKey for '${String(prepared.provider)}'`);
    }
    return prepared;
  }

  /** Wraps `dataKey` under `masterKey` (its provider must be configured). */
  async wrap(dataKey: Uint8Array, masterKey: MasterKey): Promise<Uint8Array> {
    checkMasterKeyArg(masterKey);
    return this.get(masterKey.provider).wrap(dataKey, masterKey);
  }

  /** Unwraps `keyMaterial` with the provider named by `masterKey`. */
  async unwrap(keyMaterial: Uint8Array, masterKey: MasterKey): Promise<Uint8Array> {
    checkMasterKeyArg(masterKey);
    return this.get(masterKey.provider).unwrap(keyMaterial, masterKey);
  }
}
