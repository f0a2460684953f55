// Keys as the Python client's JceNameLocalDelegatedKey holds them: bytes plus a JCE algorithm name
// and a key type (the same fields as test-vectors/dynamodb/encrypted_item/keys.json). One class
// does each job the format asks of a key: AES content encryption, AESWrap/RSA key wrapping, and
// HmacSHA256/SHA256withRSA signing (Python delegated_keys/jce.py, jce_bridge/primitives.py).
import { constantTimeEqual, hmacSha256 } from '@fle-ts/crypto-core';
import { aesKeyUnwrap, aesKeyWrap } from './aes-key-wrap.js';
import { DynamoDbEncryptionError } from './errors.js';
import {
  parseRsaPrivateKeyDer,
  parseRsaPublicKey,
  rsaOaepDecrypt,
  rsaOaepEncrypt,
  rsaPkcs1v15Decrypt,
  rsaPkcs1v15Encrypt,
  rsaSignSha256,
  rsaVerifySha256,
  type RsaPrivateKey,
  type RsaPublicKey,
} from './rsa.js';

/** The kind of key bytes: raw symmetric, DER SubjectPublicKeyInfo, or DER PKCS#8. */
export type EncryptionKeyType = 'SYMMETRIC' | 'PUBLIC' | 'PRIVATE';

/** JCE wrapping transformations the format uses (`amzn-ddb-wrap-alg`, §3). */
export const WrappingAlgorithms = {
  AES_WRAP: 'AESWrap',
  RSA_OAEP_SHA256: 'RSA/ECB/OAEPWithSHA-256AndMGF1Padding',
  /** Plain JCE "RSA" = PKCS#1 v1.5: old Java items without `amzn-ddb-wrap-alg`. */
  RSA_PKCS1: 'RSA',
} as const;

const SYMMETRIC_ALGORITHMS = new Set(['AES', 'HmacSHA256']);
const RSA_ALGORITHMS = new Set(['RSA', 'SHA256withRSA']);

/**
 * A local key with a JCE algorithm name: `AES` (content or wrapping key, 16/24/32 raw bytes),
 * `HmacSHA256` (signing key, raw bytes of any length), `RSA` or `SHA256withRSA` (DER public
 * SubjectPublicKeyInfo or private PKCS#8: wrapping, unwrapping, signing, verifying).
 */
export class JceNameLocalDelegatedKey {
  readonly algorithm: string;
  readonly keyType: EncryptionKeyType;
  readonly #bytes: Uint8Array;
  readonly #rsaPrivate: RsaPrivateKey | undefined;
  readonly #rsaPublic: RsaPublicKey | undefined;

  constructor(key: Uint8Array, algorithm: string, keyType: EncryptionKeyType) {
    if (!(key instanceof Uint8Array)) throw new DynamoDbEncryptionError('DDB_BAD_KEY', 'key material must be a Uint8Array');
    this.algorithm = algorithm;
    this.keyType = keyType;
    this.#bytes = key.slice();
    if (SYMMETRIC_ALGORITHMS.has(algorithm)) {
      if (keyType !== 'SYMMETRIC') throw new DynamoDbEncryptionError('DDB_BAD_KEY', `a ${algorithm} key must have key type SYMMETRIC`);
      if (algorithm === 'AES' && key.length !== 16 && key.length !== 24 && key.length !== 32) {
        throw new DynamoDbEncryptionError('DDB_BAD_KEY', `an AES key must be 16, 24 or 32 bytes (got ${key.length})`);
      }
      if (algorithm === 'HmacSHA256' && key.length === 0) throw new DynamoDbEncryptionError('DDB_BAD_KEY', 'an HmacSHA256 key must not be empty');
    } else if (RSA_ALGORITHMS.has(algorithm)) {
      if (keyType === 'SYMMETRIC') throw new DynamoDbEncryptionError('DDB_BAD_KEY', `an ${algorithm} key must have key type PUBLIC or PRIVATE`);
      if (keyType === 'PRIVATE') {
        this.#rsaPrivate = parseRsaPrivateKeyDer(key);
        this.#rsaPublic = { n: this.#rsaPrivate.n, e: this.#rsaPrivate.e, size: this.#rsaPrivate.size };
      } else {
        this.#rsaPublic = parseRsaPublicKey(key);
      }
    } else {
      throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_ALGORITHM', `key algorithm '${algorithm.slice(0, 40)}' is not supported; use AES, HmacSHA256, RSA or SHA256withRSA`);
    }
  }

  /** The raw key bytes of an AES content key (used by the item encryptor only). */
  contentKeyBytes(): Uint8Array {
    if (this.algorithm !== 'AES') throw new DynamoDbEncryptionError('DDB_BAD_KEY', `a ${this.algorithm} key cannot encrypt attributes; the content key must be AES`);
    return this.#bytes;
  }

  /** The signing algorithm name written to `amzn-ddb-map-signingAlg`. */
  signingAlgorithm(): string {
    if (this.algorithm === 'HmacSHA256') return 'HmacSHA256';
    if (this.#rsaPublic) return 'SHA256withRSA';
    throw new DynamoDbEncryptionError('DDB_BAD_KEY', `a ${this.algorithm} key cannot sign items; use an HmacSHA256 or RSA key`);
  }

  /** Signs the string to sign (HMAC-SHA-256, or SHA256withRSA with a private key). */
  sign(data: Uint8Array): Uint8Array {
    if (this.algorithm === 'HmacSHA256') return hmacSha256(this.#bytes, data);
    if (this.#rsaPrivate) return rsaSignSha256(this.#rsaPrivate, data);
    throw new DynamoDbEncryptionError('DDB_BAD_KEY', `a ${this.algorithm} ${this.keyType} key cannot sign; use an HmacSHA256 key or an RSA private key`);
  }

  /** Verifies a signature over the string to sign, comparing in constant time. */
  verify(data: Uint8Array, signature: Uint8Array): boolean {
    if (this.algorithm === 'HmacSHA256') return constantTimeEqual(hmacSha256(this.#bytes, data), signature);
    if (this.#rsaPublic) return rsaVerifySha256(this.#rsaPublic, data, signature);
    throw new DynamoDbEncryptionError('DDB_BAD_KEY', `a ${this.algorithm} key cannot verify signatures; use an HmacSHA256 or RSA key`);
  }

  /** The wrapping transformation this key uses by default (Python `_WRAPPING_TRANSFORMATION`). */
  defaultWrappingAlgorithm(): string {
    if (this.algorithm === 'AES') return WrappingAlgorithms.AES_WRAP;
    if (this.#rsaPublic) return WrappingAlgorithms.RSA_OAEP_SHA256;
    throw new DynamoDbEncryptionError('DDB_BAD_KEY', `a ${this.algorithm} key cannot wrap content keys; use an AES or RSA key`);
  }

  /** Wraps a content key with `algorithm` (AESWrap, RSA OAEP-SHA-256, or RSA PKCS#1 v1.5). */
  wrap(algorithm: string, contentKey: Uint8Array): Uint8Array {
    if (algorithm === WrappingAlgorithms.AES_WRAP && this.algorithm === 'AES') return aesKeyWrap(this.#bytes, contentKey);
    if (this.#rsaPublic && algorithm === WrappingAlgorithms.RSA_OAEP_SHA256) return rsaOaepEncrypt(this.#rsaPublic, contentKey);
    if (this.#rsaPublic && algorithm === WrappingAlgorithms.RSA_PKCS1) return rsaPkcs1v15Encrypt(this.#rsaPublic, contentKey);
    throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_ALGORITHM', `a ${this.algorithm} key cannot wrap with '${algorithm.slice(0, 60)}'`);
  }

  /** Unwraps a content key wrapped with `algorithm`; failure is DDB_UNWRAP_FAILED. */
  unwrap(algorithm: string, wrapped: Uint8Array): Uint8Array {
    if (algorithm === WrappingAlgorithms.AES_WRAP && this.algorithm === 'AES') return aesKeyUnwrap(this.#bytes, wrapped);
    if (this.#rsaPrivate && algorithm === WrappingAlgorithms.RSA_OAEP_SHA256) return rsaOaepDecrypt(this.#rsaPrivate, wrapped);
    if (this.#rsaPrivate && algorithm === WrappingAlgorithms.RSA_PKCS1) return rsaPkcs1v15Decrypt(this.#rsaPrivate, wrapped);
    throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_ALGORITHM', `a ${this.algorithm} ${this.keyType} key cannot unwrap '${algorithm.slice(0, 60)}'`);
  }
}
