// Creating data keys (LMC `mongocrypt-ctx-datakey.c` `_finalize`; fle1-spec.md §5).
import { Binary } from 'bson';
import { randomBytes, wipe } from '@fle-ts/crypto-core';
import { KeyVaultError } from './errors.js';
import { binaryBytes, copyBytes, isBinary, uuidBinary } from './bytes.js';
import type { DataKeyDocument } from './key-document.js';
import type { KeyVault } from './key-vault.js';
import { DATA_KEY_LENGTH, isKmsProviders, type KmsProviders } from './kms.js';
import { masterKeyForProvider, type MasterKey, type MasterKeyOptions } from './master-key.js';
import { checkAltName } from './memory-key-vault.js';

/** Options of createDataKey, as the driver names them. */
export interface CreateDataKeyOptions {
  /** The provider's fields (SPEC DataKeyOpts.masterKey); `provider` may be omitted or must repeat the argument. */
  masterKey?: MasterKeyOptions;
  keyAltNames?: readonly string[];
  /** The 96-byte data key; default 96 CSPRNG bytes. */
  keyMaterial?: Uint8Array | Binary;
  /** Clock for creationDate/updateDate (tests). */
  now?: () => number;
}

/** A random RFC 4122 version-4 UUID as BinData subtype 4. */
export function newKeyId(): Binary {
  const b = randomBytes(16);
  b[6] = ((b[6] as number) & 0x0f) | 0x40;
  b[8] = ((b[8] as number) & 0x3f) | 0x80;
  return uuidBinary(b);
}

/**
 * Creates a data key wrapped by `provider`, inserts it into `vault` and returns its `_id`.
 * Fields are written in libmongocrypt's order with status 0. Throws INVALID_KEY_MATERIAL (not 96
 * bytes), INVALID_ARGUMENT (alt names), DUPLICATE_KEY_ALT_NAME, INVALID_MASTER_KEY and the
 * provider errors of KmsProviders.get.
 */
export async function createDataKey(
  vault: KeyVault,
  kms: KmsProviders,
  provider: string,
  options: CreateDataKeyOptions | null = {},
): Promise<Binary> {
  if (typeof vault !== 'object' || vault === null || typeof vault.insert !== 'function') {
    throw new KeyVaultError('INVALID_ARGUMENT', 'createDataKey needs a KeyVault (e.g. new MemoryKeyVault())');
  }
  if (!isKmsProviders(kms)) throw new KeyVaultError('INVALID_ARGUMENT', 'createDataKey needs a KmsProviders');
  options ??= {}; // SPEC: createDataKey(kmsProvider, opts: DataKeyOpts | null)
  if (options.keyAltNames !== undefined && !Array.isArray(options.keyAltNames)) {
    throw new KeyVaultError('INVALID_ARGUMENT', 'keyAltNames must be an array of strings');
  }
  if (options.now !== undefined && typeof options.now !== 'function') throw new KeyVaultError('INVALID_ARGUMENT', 'now must be a function returning ms');
  const masterKey = masterKeyForProvider(provider, options.masterKey);
  const names: string[] = [];
  for (const n of options.keyAltNames ?? []) {
    checkAltName(n);
    // LMC `mongocrypt_ctx_setopt_key_alt_name`: "duplicate keyAltNames found".
    if (names.includes(n)) throw new KeyVaultError('INVALID_ARGUMENT', `duplicate keyAltNames found: '${n}'`);
    names.push(n);
  }
  let dataKey: Uint8Array;
  if (options.keyMaterial !== undefined) {
    const m = options.keyMaterial;
    const bytes = isBinary(m) ? binaryBytes(m) : m instanceof Uint8Array ? m : undefined;
    if (bytes === undefined || bytes.length !== DATA_KEY_LENGTH) {
      throw new KeyVaultError('INVALID_KEY_MATERIAL', `keyMaterial should have length 96, but has length ${bytes?.length ?? 'none'}`);
    }
    dataKey = copyBytes(bytes);
  } else {
    dataKey = randomBytes(DATA_KEY_LENGTH);
  }
  let wrapped: Uint8Array;
  let stored: MasterKey;
  try {
    // KMIP without keyId registers a key first; the keyId the server assigns is stored (LMC `_kms_kmip_start`).
    stored = typeof kms.prepareMasterKey === 'function' ? await kms.prepareMasterKey(masterKey) : masterKey;
    wrapped = await kms.wrap(dataKey, stored);
  } finally {
    wipe(dataKey);
  }
  const date = new Date(options.now ? options.now() : Date.now());
  const _id = newKeyId();
  const doc: DataKeyDocument = {
    _id,
    ...(names.length > 0 ? { keyAltNames: names } : {}),
    keyMaterial: new Binary(wrapped, Binary.SUBTYPE_DEFAULT),
    creationDate: date,
    updateDate: new Date(date.getTime()),
    status: 0,
    masterKey: stored,
  };
  await vault.insert(doc);
  return _id;
}
