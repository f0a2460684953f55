// What a KMIP provider does around the KMIP messages, shared by the fetch-free async provider
// (kmip-provider.ts) and the driver drop-in's NEED_KMS loop (one request per round): where to
// connect, the local wrap under a 96-byte SecretData (LMC `_mongocrypt_wrap_key`: FLE1 AEAD,
// random IV, no associated data), and the delegated keyMaterial = IV (16 bytes) ‖ ciphertext
// (LMC `mongocrypt-kms-ctx.c` `_ctx_done_kmip_encrypt`).
import { AeadKey, FleCryptoError, KEY_LENGTH, wipe } from '@fle-ts/crypto-core';
import { parseEndpoint } from './endpoint.js';
import { KmsError } from './errors.js';
import { KMIP_SECRET_DATA_LENGTH, kmipDecryptRequest, parseKmipCryptResponse, parseKmipSecretData } from './kmip.js';

/** The KMIP port when the endpoint names none (LMC `DEFAULT_KMIP_PORT`). */
export const KMIP_DEFAULT_PORT = 5696;

const IV_LENGTH = 16;
// A data key is 96 bytes, as crypto-core's AEAD key.
const DATA_KEY_LENGTH = KEY_LENGTH;
const NO_AAD = new Uint8Array(0);

/**
 * Where a KMIP request for `provider` goes: `masterKeyEndpoint` (masterKey.endpoint) if set, else
 * `providerEndpoint` (kmsProviders[provider].endpoint); port 5696 unless given; a host without a dot
 * (`localhost`) is allowed. Throws KMS_BAD_OPTIONS when neither is set or the endpoint is malformed.
 */
export function kmipEndpoint(masterKeyEndpoint: unknown, providerEndpoint: unknown, provider: string): { host: string; port: number } {
  const raw = masterKeyEndpoint ?? providerEndpoint;
  if (raw === undefined) throw new KmsError('KMS_BAD_OPTIONS', provider, `no KMIP endpoint: set kmsProviders['${provider}'].endpoint or masterKey.endpoint`);
  const ep = parseEndpoint(raw, provider, 'the KMIP endpoint', { allowNoDot: true });
  return { host: ep.host, port: /:\d+$/.test(ep.hostAndPort) ? ep.port : KMIP_DEFAULT_PORT };
}

/** The 96-byte SecretData of a Get answer; KMS_BAD_RESPONSE for any other length. */
export function kmipSecretOfGet(response: Uint8Array, provider: string): Uint8Array {
  const s = parseKmipSecretData(response, provider);
  if (s.length !== KMIP_SECRET_DATA_LENGTH) throw new KmsError('KMS_BAD_RESPONSE', provider, `the KMIP SecretData has ${s.length} bytes, expected ${KMIP_SECRET_DATA_LENGTH}`);
  return s;
}

/** Wraps a 96-byte data key under a KMIP SecretData (wiped here): the keyMaterial. */
export function kmipWrapWithSecret(secret: Uint8Array, dataKey: Uint8Array, provider: string): Uint8Array {
  if (!(dataKey instanceof Uint8Array) || dataKey.length !== DATA_KEY_LENGTH) {
    wipe(secret);
    throw new KmsError('KMS_BAD_OPTIONS', provider, 'wrap needs a 96-byte data key');
  }
  const kek = new AeadKey(secret);
  wipe(secret);
  try {
    return kek.encryptRandom(dataKey, NO_AAD);
  } finally {
    kek.destroy();
  }
}

/** Unwraps keyMaterial with a KMIP SecretData (wiped here): the 96-byte data key. KMS_BAD_RESPONSE when it does not unwrap. */
export function kmipUnwrapWithSecret(secret: Uint8Array, keyMaterial: Uint8Array, provider: string): Uint8Array {
  const kek = new AeadKey(secret);
  wipe(secret);
  let key: Uint8Array;
  try {
    key = kek.decrypt(keyMaterial, NO_AAD);
  } catch (cause) {
    const why = cause instanceof FleCryptoError && cause.code === 'HMAC_MISMATCH' ? 'the tag does not match: wrong KMIP key, or the keyMaterial was changed' : 'the keyMaterial is malformed';
    throw new KmsError('KMS_BAD_RESPONSE', provider, `cannot unwrap the data key: ${why}`, { cause });
  } finally {
    kek.destroy();
  }
  return checkedDataKey(key, provider);
}

/** The keyMaterial (IV ‖ ciphertext) of a delegated Encrypt answer. */
export function kmipDelegatedKeyMaterial(response: Uint8Array, provider: string): Uint8Array {
  const { data, iv } = parseKmipCryptResponse(response, provider);
  if (iv?.length !== IV_LENGTH) throw new KmsError('KMS_BAD_RESPONSE', provider, 'the KMIP Encrypt answer has no 16-byte IVCounterNonce');
  const out = new Uint8Array(IV_LENGTH + data.length);
  out.set(iv);
  out.set(data, IV_LENGTH);
  return out;
}

/** The Decrypt request for delegated keyMaterial (IV ‖ ciphertext) under the server's key `keyId`. */
export function kmipDelegatedDecryptRequest(keyId: string, keyMaterial: Uint8Array, provider: string): Uint8Array {
  if (!(keyMaterial instanceof Uint8Array) || keyMaterial.length <= IV_LENGTH) throw new KmsError('KMS_BAD_OPTIONS', provider, 'delegated keyMaterial must be a 16-byte IV followed by the ciphertext');
  return kmipDecryptRequest(keyId, keyMaterial.subarray(IV_LENGTH), keyMaterial.subarray(0, IV_LENGTH), provider);
}

/** The data key of a delegated Decrypt answer. */
export function kmipDelegatedDataKey(response: Uint8Array, provider: string): Uint8Array {
  return checkedDataKey(parseKmipCryptResponse(response, provider).data, provider);
}

function checkedDataKey(key: Uint8Array, provider: string): Uint8Array {
  if (key.length !== DATA_KEY_LENGTH) {
    wipe(key);
    throw new KmsError('KMS_BAD_RESPONSE', provider, `the unwrapped data key has ${key.length} bytes, expected ${DATA_KEY_LENGTH}`);
  }
  return key;
}
