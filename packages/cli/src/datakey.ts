// The `fle datakey` operations on any KeyVault, through @fle-ts/keyvault's public API only.
import { Binary } from 'bson';
import {
  createDataKey,
  LocalKmsProvider,
  KmsProviders,
  rewrapManyDataKey,
  type DataKeyDocument,
  type KeyFilter,
  type KeyVault,
} from '@fle-ts/keyvault';
import { CliError } from './errors.js';
import { formatUuid } from './key-id.js';

/** A key document as `fle datakey list --json` prints it: no key material, ids as UUID text. */
export interface KeySummary {
  id: string;
  keyAltNames: string[];
  provider: string;
  creationDate: string;
  updateDate: string;
  status: number;
}

/** Which key a command acts on: `--id` or `--key-alt-name`. */
export type KeySelector = { id: Uint8Array } | { altName: string };

/** The printable summary of a key document. */
export function summarizeKey(doc: DataKeyDocument): KeySummary {
  return {
    id: formatUuid(doc._id.buffer.subarray(0, 16)),
    keyAltNames: [...(doc.keyAltNames ?? [])],
    provider: doc.masterKey.provider,
    creationDate: doc.creationDate.toISOString(),
    updateDate: doc.updateDate.toISOString(),
    status: doc.status,
  };
}

/** The key document `selector` names; none → `KEY_NOT_FOUND`. */
export async function findKey(vault: KeyVault, selector: KeySelector): Promise<DataKeyDocument> {
  const docs = 'id' in selector ? await vault.find({ ids: [selector.id] }) : await vault.find({ altNames: [selector.altName] });
  const doc = docs[0];
  if (!doc) {
    const what = 'id' in selector ? `id ${formatUuid(selector.id)}` : `key alt name '${selector.altName}'`;
    throw new CliError('KEY_NOT_FOUND', `no data key with ${what} in the key vault`);
  }
  return doc;
}

/** Creates a data key wrapped by the local master key under `provider` (`local` or `local:<name>`); returns its summary. */
export async function createKey(vault: KeyVault, masterKey: Uint8Array, provider: string, keyAltNames: string[]): Promise<KeySummary> {
  const kms = new KmsProviders({ [provider]: { key: masterKey } });
  const id = await createDataKey(vault, kms, provider, keyAltNames.length > 0 ? { keyAltNames } : {});
  return summarizeKey(await findKey(vault, { id: id.buffer.subarray(0, 16) }));
}

/** Every key of the vault, summarized, in the vault's order. */
export async function listKeys(vault: KeyVault): Promise<KeySummary[]> {
  return (await vault.findAll()).map(summarizeKey);
}

/** Adds or removes one alt name of the selected key. Returns whether the key changed. */
export async function changeAltName(vault: KeyVault, selector: KeySelector, action: 'add' | 'remove', name: string): Promise<{ key: KeySummary; changed: boolean }> {
  const before = await findKey(vault, selector);
  const had = (before.keyAltNames ?? []).includes(name);
  if (action === 'add') await vault.addKeyAltName(before._id, name);
  else await vault.removeKeyAltName(before._id, name);
  const after = await findKey(vault, { id: before._id.buffer.subarray(0, 16) });
  return { key: summarizeKey(after), changed: action === 'add' ? !had : had };
}

/** Deletes the selected key. Data encrypted with it can never be decrypted again. */
export async function deleteKey(vault: KeyVault, selector: KeySelector): Promise<KeySummary> {
  const doc = await findKey(vault, selector);
  await vault.delete(doc._id);
  return summarizeKey(doc);
}

/**
 * Re-wraps the keys of `provider` (all, or the selected one) from `oldMasterKey` to
 * `newMasterKey`, keeping the provider name, so applications only swap the key file.
 * keyvault's `rewrapManyDataKey` does the work (all unwraps before the first write); one
 * provider that unwraps with the old key and wraps with the new one lets it keep the name.
 */
export async function rewrapKeys(
  vault: KeyVault,
  oldMasterKey: Uint8Array,
  newMasterKey: Uint8Array,
  provider: string,
  selector?: KeySelector,
): Promise<{ rewrapped: number; keyIds: string[] }> {
  const oldKms = new LocalKmsProvider(oldMasterKey, provider);
  const newKms = new LocalKmsProvider(newMasterKey, provider);
  try {
    const kms = new KmsProviders().register({
      name: provider,
      unwrap: (keyMaterial, masterKey) => oldKms.unwrap(keyMaterial, masterKey),
      wrap: (dataKey, masterKey) => newKms.wrap(dataKey, masterKey),
    });
    const filter: KeyFilter = { 'masterKey.provider': provider };
    if (selector) {
      const doc = await findKey(vault, selector);
      filter._id = new Binary(doc._id.buffer.subarray(0, 16), 4);
    }
    const { rewrapped, keyIds } = await rewrapManyDataKey(vault, kms, filter, { provider });
    return { rewrapped, keyIds: keyIds.map((id) => formatUuid(id.buffer.subarray(0, 16))) };
  } finally {
    oldKms.destroy();
    newKms.destroy();
  }
}
