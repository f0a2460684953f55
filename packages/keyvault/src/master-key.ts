// masterKey documents (fle1-spec.md §5 "KMS providers"; SPEC appendix "masterKey contents";
// allowed-field checks as LMC `src/mongocrypt-kek.c`; cases: libmongocrypt/kek-tests.json).
import { KeyVaultError } from './errors.js';

/** The KMS provider types fle-ts knows the masterKey shape of. */
export type KmsProviderType = 'local' | 'aws' | 'azure' | 'gcp' | 'kmip';

/**
 * A data key's `masterKey` document: `provider` is a type (`"local"`) or a named provider
 * (`"local:tenant1"`); the other fields depend on the type (see the shapes below).
 */
export interface MasterKey {
  readonly provider: string;
  readonly [field: string]: unknown;
}
/** `{provider: "local"}` or `{provider: "local:<name>"}`: no other field. */
export interface LocalMasterKey extends MasterKey { readonly provider: 'local' | `local:${string}` }
/** AWS KMS: key ARN and region required, endpoint optional. */
export interface AwsMasterKey extends MasterKey { readonly region: string; readonly key: string; readonly endpoint?: string }
/** Azure Key Vault. */
export interface AzureMasterKey extends MasterKey { readonly keyVaultEndpoint: string; readonly keyName: string; readonly keyVersion?: string }
/** Google Cloud KMS. */
export interface GcpMasterKey extends MasterKey {
  readonly projectId: string; readonly location: string; readonly keyRing: string; readonly keyName: string;
  readonly keyVersion?: string; readonly endpoint?: string;
}
/** KMIP: keyId is created by the server when absent, and required in a stored key document. */
export interface KmipMasterKey extends MasterKey { readonly keyId?: string; readonly endpoint?: string; readonly delegated?: boolean }

interface Shape { required: readonly string[]; optional: readonly string[]; endpoints: readonly string[]; booleans?: readonly string[] }
const SHAPES: Record<KmsProviderType, Shape> = {
  local: { required: [], optional: [], endpoints: [] },
  aws: { required: ['region', 'key'], optional: ['endpoint'], endpoints: ['endpoint'] },
  azure: { required: ['keyVaultEndpoint', 'keyName'], optional: ['keyVersion'], endpoints: ['keyVaultEndpoint'] },
  gcp: { required: ['projectId', 'location', 'keyRing', 'keyName'], optional: ['keyVersion', 'endpoint'], endpoints: ['endpoint'] },
  kmip: { required: [], optional: ['keyId', 'endpoint', 'delegated'], endpoints: ['endpoint'], booleans: ['delegated'] },
};

/** A provider id split into its type and optional name. */
export interface ParsedProviderId { type: KmsProviderType; name?: string }

/**
 * Splits `"type"` or `"type:name"` (name `[a-zA-Z0-9_]+`, LMC `mc_kmsid_parse`). Unlike
 * libmongocrypt's prefix compare, the type must match exactly ("loc" is not "local").
 * Throws UNKNOWN_KMS_PROVIDER.
 */
export function parseProviderId(provider: string): ParsedProviderId {
  if (typeof provider !== 'string') {
    throw new KeyVaultError('UNKNOWN_KMS_PROVIDER', `a KMS provider id must be a string such as 'local' or 'local:name', got ${provider === null ? 'null' : typeof provider}`);
  }
  const colon = provider.indexOf(':');
  const type = colon < 0 ? provider : provider.slice(0, colon);
  if (!(type in SHAPES)) {
    throw new KeyVaultError('UNKNOWN_KMS_PROVIDER', `unknown KMS provider '${provider}': expected local, aws, azure, gcp or kmip, optionally followed by ':<name>'`);
  }
  if (colon < 0) return { type: type as KmsProviderType };
  const name = provider.slice(colon + 1);
  if (!/^[a-zA-Z0-9_]+$/.test(name)) {
    throw new KeyVaultError('UNKNOWN_KMS_PROVIDER', `invalid KMS provider name '${provider}': the name after ':' must match [a-zA-Z0-9_]+`);
  }
  return { type: type as KmsProviderType, name };
}

// Endpoint = [scheme://]host[:port][/path] (LMC `_mongocrypt_endpoint_new`: "invalid endpoint").
const ENDPOINT = /^(?:[a-zA-Z][a-zA-Z0-9+.-]*:\/\/)?[A-Za-z0-9._-]+(?::[0-9]{1,5})?(?:\/[^\s]*)?$/;

/**
 * Validates a masterKey document and returns a plain copy with `provider` first.
 * `stored: true` applies the rules of a key document already in the vault (KMIP needs keyId).
 * Throws INVALID_MASTER_KEY naming the field, or UNKNOWN_KMS_PROVIDER.
 */
export function parseMasterKey(input: unknown, options: { stored?: boolean } = {}): MasterKey {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new KeyVaultError('INVALID_MASTER_KEY', "masterKey must be a document like {provider: 'local'}");
  }
  const doc = input as Record<string, unknown>;
  const provider = doc.provider;
  if (typeof provider !== 'string') {
    throw new KeyVaultError('INVALID_MASTER_KEY', "masterKey.provider must be a string such as 'local' or 'local:name'");
  }
  const { type } = parseProviderId(provider);
  const shape = SHAPES[type];
  const out: Record<string, unknown> = { provider };
  for (const [field, value] of Object.entries(doc)) {
    if (field === 'provider' || value === undefined) continue;
    if (!shape.required.includes(field) && !shape.optional.includes(field)) {
      throw new KeyVaultError('INVALID_MASTER_KEY', `Unexpected field: '${field}' in masterKey for provider '${provider}'`);
    }
    if (shape.booleans?.includes(field)) {
      if (typeof value !== 'boolean') throw new KeyVaultError('INVALID_MASTER_KEY', `expected boolean ${field} in masterKey`);
    } else if (typeof value !== 'string') {
      throw new KeyVaultError('INVALID_MASTER_KEY', `expected UTF-8 ${field} in masterKey for provider '${provider}'`);
    } else if (shape.endpoints.includes(field) && !ENDPOINT.test(value)) {
      throw new KeyVaultError('INVALID_MASTER_KEY', `invalid endpoint in masterKey.${field}: expected host[:port]`);
    }
    out[field] = value;
  }
  for (const field of shape.required) {
    if (out[field] === undefined) {
      throw new KeyVaultError('INVALID_MASTER_KEY', `masterKey for provider '${provider}' is missing required field '${field}'`);
    }
  }
  if (options.stored && type === 'kmip' && out.keyId === undefined) {
    throw new KeyVaultError('INVALID_MASTER_KEY', 'keyId required for KMIP in a stored key document');
  }
  return out as MasterKey;
}

/**
 * A masterKey as ClientEncryption callers spell it (SPEC "DataKeyOpts.masterKey",
 * "RewrapManyDataKeyOpts"): the provider's fields without `provider`, which comes from the
 * provider argument; a `provider` field is allowed when it repeats that argument.
 */
export interface MasterKeyOptions {
  readonly provider?: string;
  readonly [field: string]: unknown;
}

/**
 * The masterKey for a key created or rewrapped with `provider`: `masterKey` (driver spelling, see
 * {@link MasterKeyOptions}) with `provider` filled in, then checked by parseMasterKey. Throws
 * INVALID_MASTER_KEY when `masterKey` is not a document or names another provider.
 */
export function masterKeyForProvider(provider: string, masterKey?: MasterKeyOptions): MasterKey {
  if (masterKey === undefined) return parseMasterKey({ provider });
  if (typeof masterKey !== 'object' || masterKey === null || Array.isArray(masterKey)) {
    throw new KeyVaultError('INVALID_MASTER_KEY', "masterKey must be a document of the provider's fields, e.g. {region, key} for 'aws' or {} for 'local'");
  }
  const given: unknown = masterKey.provider;
  if (given !== undefined && given !== provider) {
    const shown = typeof given === 'string' ? `'${given}'` : `a ${typeof given}`;
    throw new KeyVaultError('INVALID_MASTER_KEY', `masterKey.provider ${shown} does not match provider '${provider}': omit it or repeat the provider`);
  }
  return parseMasterKey({ ...masterKey, provider });
}
