// The KMIP provider (`kmip` or `kmip:<name>`), after libmongocrypt's flows
// (LMC `src/mongocrypt-ctx-datakey.c` `_kms_kmip_start`, `mongocrypt-kms-ctx.c`):
// - default: the key's 96-byte KMIP SecretData wraps the data key locally with the FLE1 AEAD
//   (random IV, no associated data), as the local provider does; unwrap Gets the secret again.
// - `delegated: true`: the KMIP server's AES-256 key encrypts the data key (AES-CBC, PKCS5, random
//   IV); keyMaterial = IV (16 bytes) ‖ ciphertext.
// The transport is injected (`exchange`): KMIP needs mutual TLS to port 5696, which Node, Deno and
// Bun can open but browsers and Workers cannot (no client certificates); `@fle-ts/kms/node` has
// Node's. A new masterKey (without keyId) needs `prepareMasterKey` first: keyvault's KmsProvider
// interface returns keyMaterial only, not the keyId the server assigns.
import { KEY_LENGTH, randomBytes, wipe } from '@fle-ts/crypto-core';
import { KmsError } from './errors.js';
import {
  checkKmipResponse, KMIP_SECRET_DATA_LENGTH, kmipActivateRequest, kmipCreateRequest, kmipEncryptRequest, kmipGetRequest,
  kmipRegisterSecretDataRequest, parseKmipUniqueIdentifier,
} from './kmip.js';
import {
  kmipDelegatedDataKey, kmipDelegatedDecryptRequest, kmipDelegatedKeyMaterial, kmipEndpoint, kmipSecretOfGet, kmipUnwrapWithSecret, kmipWrapWithSecret,
} from './kmip-wrap.js';
import type { MasterKeyLike, RemoteKmsProvider } from './providers.js';

/** Sends one KMIP request over a fresh mutually authenticated TLS connection and returns the whole answer. */
export type KmipExchange = (host: string, port: number, request: Uint8Array) => Promise<Uint8Array>;

/** Options of {@link createKmipKmsProvider}. */
export interface KmipProviderOptions {
  /** The transport (e.g. `nodeKmipExchange({ca, cert, key})` from `@fle-ts/kms/node`). */
  readonly exchange: KmipExchange;
  /** `kmsProviders.kmip.endpoint`: `host[:port]` (default port 5696), used when the masterKey has none. */
  readonly endpoint?: string;
}

/** A KMIP provider: keyvault's KmsProvider plus `prepareMasterKey` for keys without a keyId. */
export interface KmipKmsProvider extends RemoteKmsProvider {
  /**
   * Returns `masterKey` with a `keyId`: unchanged when it has one, otherwise a new 96-byte
   * SecretData Registered and Activated (or, `delegated`, a new AES key Created and Activated).
   */
  prepareMasterKey(masterKey: MasterKeyLike): Promise<MasterKeyLike>;
}

/** A KMIP provider over `options.exchange`. */
export function createKmipKmsProvider(name: string, options: KmipProviderOptions): KmipKmsProvider {
  if (typeof name !== 'string' || !(name === 'kmip' || /^kmip:[a-zA-Z0-9_]+$/.test(name))) {
    throw new KmsError('KMS_BAD_OPTIONS', String(name), "a kmip provider must be named 'kmip' or 'kmip:<name>' with a name of [a-zA-Z0-9_]+");
  }
  if (options === null || typeof options !== 'object' || typeof options.exchange !== 'function') {
    throw new KmsError('KMS_BAD_OPTIONS', name, 'a kmip provider needs an exchange function (mutual TLS to the KMIP server), e.g. nodeKmipExchange from @fle-ts/kms/node');
  }
  const check = (mk: MasterKeyLike): void => {
    if (mk === null || typeof mk !== 'object' || mk.provider !== name) {
      throw new KmsError('KMS_BAD_OPTIONS', name, `masterKey is for provider '${mk !== null && typeof mk === 'object' ? String(mk.provider) : typeof mk}', not '${name}'`);
    }
  };
  const send = async (mk: MasterKeyLike, request: Uint8Array): Promise<Uint8Array> => {
    const { host, port } = kmipEndpoint(mk.endpoint, options.endpoint, name);
    try {
      return await options.exchange(host, port, request);
    } catch (cause) {
      if (cause instanceof KmsError) throw cause;
      throw new KmsError('KMS_NETWORK', name, `KMIP exchange with ${host}:${port} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    }
  };
  const keyId = (mk: MasterKeyLike): string => {
    if (typeof mk.keyId !== 'string' || mk.keyId.length === 0) {
      throw new KmsError('KMS_BAD_OPTIONS', name, 'masterKey.keyId is missing: call prepareMasterKey(masterKey) first to register a KMIP key');
    }
    return mk.keyId;
  };
  const secret = async (mk: MasterKeyLike): Promise<Uint8Array> => kmipSecretOfGet(await send(mk, kmipGetRequest(keyId(mk), name)), name);
  return {
    name,
    async prepareMasterKey(masterKey) {
      check(masterKey);
      if (typeof masterKey.keyId === 'string' && masterKey.keyId.length > 0) return masterKey;
      let id: string;
      if (masterKey.delegated === true) {
        id = parseKmipUniqueIdentifier(await send(masterKey, kmipCreateRequest()), name);
      } else {
        const s = randomBytes(KMIP_SECRET_DATA_LENGTH);
        try {
          id = parseKmipUniqueIdentifier(await send(masterKey, kmipRegisterSecretDataRequest(s, name)), name);
        } finally {
          wipe(s);
        }
      }
      checkKmipResponse(await send(masterKey, kmipActivateRequest(id, name)), name);
      return { ...masterKey, keyId: id };
    },
    async wrap(dataKey, masterKey) {
      check(masterKey);
      if (!(dataKey instanceof Uint8Array) || dataKey.length !== KEY_LENGTH) throw new KmsError('KMS_BAD_OPTIONS', name, `wrap needs a 96-byte data key`);
      if (masterKey.delegated === true) return kmipDelegatedKeyMaterial(await send(masterKey, kmipEncryptRequest(keyId(masterKey), dataKey, name)), name);
      return kmipWrapWithSecret(await secret(masterKey), dataKey, name);
    },
    async unwrap(keyMaterial, masterKey) {
      check(masterKey);
      if (masterKey.delegated === true) return kmipDelegatedDataKey(await send(masterKey, kmipDelegatedDecryptRequest(keyId(masterKey), keyMaterial, name)), name);
      return kmipUnwrapWithSecret(await secret(masterKey), keyMaterial, name);
    },
  };
}
