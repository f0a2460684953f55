// MostRecentProvider (Python material_providers/most_recent.py CachingMostRecentProvider, Java
// CachingMostRecentProvider): encrypts with the newest version of a material in a MetaStore
// (creating version 0 when there is none), re-checks which version is newest at most every
// `versionTtlMs`, and decrypts with the version an item names. Rotation = a new version row.
import { DynamoDbEncryptionError } from './errors.js';
import type { CryptographicMaterialsProvider, DecryptionMaterials, EncryptionContext, EncryptionMaterials } from './materials.js';
import type { MetaStore } from './meta-store.js';
import type { WrappedCryptographicMaterialsProvider } from './wrapped-provider.js';

/** Options of {@link MostRecentProvider}. */
export interface MostRecentProviderOptions {
  readonly providerStore: MetaStore;
  readonly materialName: string;
  /** How long the newest version is trusted before the store is asked again (ms). */
  readonly versionTtlMs: number;
  /** Versions kept in memory (default 1000, as Python). */
  readonly cacheSize?: number;
  /** Clock (tests). */
  readonly now?: () => number;
}

/** Wrapped materials from the newest version of a MetaStore material, cached with a TTL. */
export class MostRecentProvider implements CryptographicMaterialsProvider {
  readonly #o: MostRecentProviderOptions;
  readonly #cache = new Map<number, Promise<WrappedCryptographicMaterialsProvider>>();
  #latest: { version: number; checkedAt: number } | undefined;

  constructor(options: MostRecentProviderOptions) {
    if (typeof options?.materialName !== 'string' || options.materialName === '') throw new DynamoDbEncryptionError('DDB_BAD_KEY', 'MostRecentProvider needs a materialName');
    if (!(options.versionTtlMs >= 0)) throw new DynamoDbEncryptionError('DDB_BAD_KEY', 'MostRecentProvider needs versionTtlMs >= 0');
    this.#o = options;
  }

  #now(): number {
    return (this.#o.now ?? Date.now)();
  }

  #remember(version: number, p: Promise<WrappedCryptographicMaterialsProvider>): Promise<WrappedCryptographicMaterialsProvider> {
    this.#cache.delete(version);
    this.#cache.set(version, p);
    // Least recently used out first (Map keeps insertion order).
    while (this.#cache.size > (this.#o.cacheSize ?? 1000)) this.#cache.delete(this.#cache.keys().next().value!);
    p.catch(() => this.#cache.delete(version));
    return p;
  }

  #versionProvider(version: number, create: boolean): Promise<WrappedCryptographicMaterialsProvider> {
    const hit = this.#cache.get(version);
    if (hit) return this.#remember(version, hit);
    const store = this.#o.providerStore;
    return this.#remember(version, create ? store.getOrCreateProvider(this.#o.materialName, version) : store.provider(this.#o.materialName, version));
  }

  /** Forgets the newest-version check, so the next encryption asks the store again. */
  refresh(): void {
    this.#latest = undefined;
  }

  /** Materials of the newest version (version 0 is created when the material has none). */
  async encryptionMaterials(context: EncryptionContext): Promise<EncryptionMaterials> {
    const now = this.#now();
    if (!this.#latest || now - this.#latest.checkedAt >= this.#o.versionTtlMs) {
      const max = await this.#o.providerStore.maxVersion(this.#o.materialName);
      this.#latest = { version: max ?? 0, checkedAt: now };
    }
    const provider = await this.#versionProvider(this.#latest.version, true);
    return provider.encryptionMaterials();
  }

  /** Materials of the version the item's `amzn-ddb-meta-id` names. */
  async decryptionMaterials(context: EncryptionContext): Promise<DecryptionMaterials> {
    const version = this.#o.providerStore.versionFromMaterialDescription(context.materialDescription ?? {});
    const provider = await this.#versionProvider(version, false);
    return provider.decryptionMaterials(context);
  }
}
