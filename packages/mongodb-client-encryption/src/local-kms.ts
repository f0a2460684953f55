// Local KMS, synchronously. The driver's binding API is synchronous (finalize, feeding key
// documents), while keyvault's KmsProvider.wrap/unwrap are async by interface, so the same
// AEAD wrap (LMC `_mongocrypt_wrap_key` / `_mongocrypt_unwrap_key`: FLE1 AEAD, random IV, no
// associated data; fle1-spec.md §5) is called here on crypto-core's sync AeadKey.
import { Binary } from 'bson';
import { AeadKey, KEY_LENGTH, wipe } from '@fle-ts/crypto-core';
import { DATA_KEY_LENGTH, KeyVaultError, KmsProviders, keyMaterialBytes, parseProviderId, type DataKeyDocument, type KmsProvidersOptions } from '@fle-ts/keyvault';
import { MongoCryptBindingError } from './errors.js';
import { RemoteKms } from './remote-kms.js';

const NO_AAD = new Uint8Array(0);

function keyBytes(key: unknown, id: string): Uint8Array {
  if (typeof key === 'string') return new Uint8Array(Binary.createFromBase64(key).buffer); // a copy: Buffer.slice is a view
  if (key instanceof Uint8Array) return new Uint8Array(key);
  const b = key as Binary;
  if (b && b._bsontype === 'Binary') return new Uint8Array(b.buffer.subarray(0, b.position));
  throw new KeyVaultError('BAD_MASTER_KEY', `kmsProviders['${id}'].key must be 96 bytes or their base64 string`);
}

/** The local master keys of a `kmsProviders` document, usable without awaiting anything. */
export class LocalMasterKeys {
  readonly #keks = new Map<string, AeadKey>();
  readonly #configured: readonly string[];
  /** The remote providers of the same option (NEED_KMS requests). */
  readonly remote: RemoteKms;

  /** Validates `kmsProviders` with keyvault's rules (BAD_MASTER_KEY, UNKNOWN_KMS_PROVIDER, ...). */
  constructor(kmsProviders: Record<string, unknown>) {
    this.#configured = new KmsProviders(kmsProviders as KmsProvidersOptions).names();
    for (const [id, config] of Object.entries(kmsProviders)) {
      if (parseProviderId(id).type !== 'local' || config === undefined) continue;
      const bytes = keyBytes((config as { key?: unknown }).key, id);
      this.#keks.set(id, new AeadKey(bytes));
      wipe(bytes);
    }
    this.remote = new RemoteKms(kmsProviders);
  }

  /** True for a `local` / `local:<name>` provider id (wrapped here, no KMS request). */
  isLocal(provider: string): boolean {
    return parseProviderId(provider).type === 'local';
  }

  #kek(provider: string): AeadKey {
    const kek = this.#keks.get(provider);
    if (kek) return kek;
    const { type } = parseProviderId(provider);
    if (type !== 'local') {
      throw new MongoCryptBindingError('NOT_SUPPORTED', `KMS provider '${provider}' is not a local provider: its keys are wrapped through the NEED_KMS loop, not here`);
    }
    const configured = this.#configured.includes(provider);
    throw new KeyVaultError('KMS_PROVIDER_NOT_CONFIGURED', `KMS provider '${provider}' is ${configured ? 'configured without a key' : 'not configured'}: add {key: <96 bytes>} to kmsProviders`);
  }

  /** Wraps a 96-byte data key under `provider`'s master key: the `keyMaterial` bytes. */
  wrap(provider: string, dataKey: Uint8Array): Uint8Array {
    const kek = this.#kek(provider);
    if (dataKey.length !== DATA_KEY_LENGTH) throw new KeyVaultError('INVALID_KEY_MATERIAL', `keyMaterial should have length 96, but has length ${dataKey.length}`);
    return kek.encryptRandom(dataKey, NO_AAD);
  }

  /** Unwraps a key document's `keyMaterial`: the 96 raw bytes (the caller wipes them). */
  unwrapRaw(doc: DataKeyDocument): Uint8Array {
    const kek = this.#kek(doc.masterKey.provider);
    let raw: Uint8Array;
    try {
      raw = kek.decrypt(keyMaterialBytes(doc), NO_AAD);
    } catch (cause) {
      throw new KeyVaultError('UNWRAP_FAILED', `cannot unwrap data key with provider '${doc.masterKey.provider}': wrong master key, or the keyMaterial was changed`, { cause });
    }
    if (raw.length !== KEY_LENGTH) {
      wipe(raw);
      throw new KeyVaultError('UNWRAP_FAILED', `decrypted key is incorrect length, expected: 96, got: ${raw.length}`);
    }
    return raw;
  }

  /** Unwraps a key document's `keyMaterial` into a ready AEAD key (the raw bytes are wiped). */
  unwrap(doc: DataKeyDocument): AeadKey {
    const raw = this.unwrapRaw(doc);
    try {
      return new AeadKey(raw);
    } finally {
      wipe(raw);
    }
  }
}
