// Key rotation (LMC `src/mongocrypt-ctx-rewrap-many-datakey.c`; NODE `rewrapManyDataKey`; fle1-spec.md §5 "Rewrap").
import { Binary } from 'bson';
import { wipe } from '@fle-ts/crypto-core';
import { KeyVaultError } from './errors.js';
import { keyIdHex } from './bytes.js';
import { keyMaterialBytes } from './key-document.js';
import type { KeyFilter, KeyVault, KeyWrappingUpdate } from './key-vault.js';
import type { KmsProviders } from './kms.js';
import { masterKeyForProvider, type MasterKey, type MasterKeyOptions } from './master-key.js';

/** Where to rewrap to; absent = each key's current provider and masterKey (a fresh wrap). */
export interface RewrapManyDataKeyOptions {
  provider: string;
  /** The provider's fields; `provider` may be omitted (it comes from `provider`) or must repeat it. */
  masterKey?: MasterKeyOptions;
  /** Clock for updateDate (tests). */
  now?: () => number;
}

/** What rewrapManyDataKey did. */
export interface RewrapManyDataKeyResult {
  /** Documents written. */
  rewrapped: number;
  /** The `_id`s written, in order. */
  keyIds: Binary[];
}

/**
 * Re-wraps every key matching `filter` under a new master key (or rewraps under its current one
 * when `options` is absent), setting `keyMaterial`, `masterKey` and `updateDate`. All keys are
 * unwrapped and re-wrapped before the first write, so a KMS failure writes nothing; then each
 * document gets those three fields in ONE write (KeyVault.updateKeyWrapping; other fields, e.g.
 * an alt name added meanwhile, untouched), so a store failure midway (STORE_WRITE_FAILED, `cause`
 * kept, message gives the count written) leaves every key readable under its old or new master key.
 */
export async function rewrapManyDataKey(
  vault: KeyVault,
  kms: KmsProviders,
  filter: KeyFilter = {},
  options?: RewrapManyDataKeyOptions,
): Promise<RewrapManyDataKeyResult> {
  let target: MasterKey | undefined;
  if (options) {
    target = masterKeyForProvider(options.provider, options.masterKey);
    kms.get(target.provider); // fail before any read when the target is not configured
  }
  const docs = await vault.findByFilter(filter);
  const updated: { id: Binary; update: KeyWrappingUpdate }[] = [];
  for (const doc of docs) {
    const dataKey = await kms.unwrap(keyMaterialBytes(doc), doc.masterKey);
    let wrapped: Uint8Array;
    let masterKey: MasterKey;
    try {
      // A new target is prepared per key, as libmongocrypt makes one datakey context per key
      // (KMIP without keyId: each key gets its own registered secret and stores its keyId).
      masterKey = target && typeof kms.prepareMasterKey === 'function' ? await kms.prepareMasterKey(target) : (target ?? doc.masterKey);
      wrapped = await kms.wrap(dataKey, masterKey);
    } finally {
      wipe(dataKey);
    }
    updated.push({ id: doc._id, update: {
      keyMaterial: new Binary(wrapped, Binary.SUBTYPE_DEFAULT),
      masterKey: { ...masterKey },
      updateDate: new Date(options?.now ? options.now() : Date.now()),
    } });
  }
  const keyIds: Binary[] = [];
  for (const { id, update } of updated) {
    let ok: boolean;
    try {
      // Only the three rewrap fields: an alt name added meanwhile must survive (issue 11 item 5).
      ok = await vault.updateKeyWrapping(id, update);
    } catch (cause) {
      throw new KeyVaultError('STORE_WRITE_FAILED',
        `rewrapManyDataKey: writing key ${keyIdHex(id)} failed after ${keyIds.length} of ${updated.length} keys were rewrapped; every key is still readable under its old or new master key, run it again`,
        { cause });
    }
    // A key deleted since the find is simply not rewrapped.
    if (ok) keyIds.push(id);
  }
  return { rewrapped: keyIds.length, keyIds };
}
