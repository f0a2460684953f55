// WrappedCryptographicMaterialsProvider (Python material_providers/wrapped.py + materials/wrapped.py,
// Java WrappedMaterialsProvider/WrappedRawMaterials): a fresh AES-256 content key per item, wrapped
// under an AES (AESWrap) or RSA (OAEP-SHA-256, legacy PKCS#1 v1.5) key and stored base64 in the
// material description (`amzn-ddb-env-key`, `-env-alg`, `-wrap-alg`).
import { randomBytes } from '@fle-ts/crypto-core';
import { fromBase64, toBase64 } from './base64.js';
import { JceNameLocalDelegatedKey } from './delegated-key.js';
import { DynamoDbEncryptionError } from './errors.js';
import { MaterialDescriptionKeys, type MaterialDescription } from './material-description.js';
import type { CryptographicMaterialsProvider, DecryptionMaterials, EncryptionContext, EncryptionMaterials } from './materials.js';

const DEFAULT_CONTENT_ALGORITHM = 'AES/256';

/** Options of {@link WrappedCryptographicMaterialsProvider}. */
export interface WrappedProviderOptions {
  /** HmacSHA256 key, or RSA private key (signs; its public half verifies). */
  readonly signingKey: JceNameLocalDelegatedKey;
  /** AES or RSA public/private key that wraps new content keys (needed to encrypt). */
  readonly wrappingKey?: JceNameLocalDelegatedKey;
  /** AES or RSA private key that unwraps stored content keys (needed to decrypt). */
  readonly unwrappingKey?: JceNameLocalDelegatedKey;
  /** Extra entries written to every item's material description. */
  readonly materialDescription?: MaterialDescription;
}

/** The content key length an `amzn-ddb-env-alg` value asks for ("AES/256" → 32; "AES" → any). */
function contentKeyLength(algorithm: string): number | undefined {
  const [name, bits] = algorithm.split('/', 2);
  if (name !== 'AES') throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_ALGORITHM', `content key algorithm '${algorithm.slice(0, 40)}' is not supported; only AES exists`);
  if (bits === undefined) return undefined;
  if (bits !== '128' && bits !== '192' && bits !== '256') throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_ALGORITHM', `content key size '${bits.slice(0, 10)}' is not an AES key size`);
  return Number(bits) / 8;
}

/** Wrapped materials: each item gets its own content key, wrapped into its material description. */
export class WrappedCryptographicMaterialsProvider implements CryptographicMaterialsProvider {
  readonly #o: WrappedProviderOptions;

  constructor(options: WrappedProviderOptions) {
    if (!(options?.signingKey instanceof JceNameLocalDelegatedKey)) {
      throw new DynamoDbEncryptionError('DDB_BAD_KEY', 'WrappedCryptographicMaterialsProvider needs a signingKey (JceNameLocalDelegatedKey)');
    }
    this.#o = options;
  }

  /** A fresh content key wrapped under the wrapping key. */
  encryptionMaterials(): EncryptionMaterials {
    const wrappingKey = this.#o.wrappingKey;
    if (!wrappingKey) throw new DynamoDbEncryptionError('DDB_NO_MATERIALS', 'this WrappedCryptographicMaterialsProvider has no wrappingKey, so it cannot encrypt');
    const desc = { ...(this.#o.materialDescription ?? {}) };
    const wrapAlg = desc[MaterialDescriptionKeys.CONTENT_KEY_WRAPPING_ALGORITHM] ?? wrappingKey.defaultWrappingAlgorithm();
    const contentAlg = desc[MaterialDescriptionKeys.CONTENT_ENCRYPTION_ALGORITHM] ?? DEFAULT_CONTENT_ALGORITHM;
    const content = randomBytes(contentKeyLength(contentAlg) ?? 32);
    const wrapped = wrappingKey.wrap(wrapAlg, content);
    const encryptionKey = new JceNameLocalDelegatedKey(content, 'AES', 'SYMMETRIC');
    content.fill(0);
    return {
      encryptionKey,
      signingKey: this.#o.signingKey,
      materialDescription: {
        ...desc,
        [MaterialDescriptionKeys.WRAPPED_DATA_KEY]: toBase64(wrapped),
        [MaterialDescriptionKeys.CONTENT_ENCRYPTION_ALGORITHM]: contentAlg,
        [MaterialDescriptionKeys.CONTENT_KEY_WRAPPING_ALGORITHM]: wrapAlg,
      },
    };
  }

  /** The content key unwrapped from the item's material description. */
  decryptionMaterials(context: EncryptionContext): DecryptionMaterials {
    const unwrappingKey = this.#o.unwrappingKey;
    if (!unwrappingKey) throw new DynamoDbEncryptionError('DDB_NO_MATERIALS', 'this WrappedCryptographicMaterialsProvider has no unwrappingKey, so it cannot decrypt');
    const desc = context.materialDescription ?? {};
    const wrappedText = desc[MaterialDescriptionKeys.WRAPPED_DATA_KEY];
    if (wrappedText === undefined) {
      throw new DynamoDbEncryptionError('DDB_BAD_MATERIAL_DESCRIPTION', `the material description has no '${MaterialDescriptionKeys.WRAPPED_DATA_KEY}': the item was not written by a wrapped provider`);
    }
    // Absent wrap-alg: the unwrapping key's own algorithm (plain "RSA" = PKCS#1 v1.5 in old Java items).
    const wrapAlg = desc[MaterialDescriptionKeys.CONTENT_KEY_WRAPPING_ALGORITHM] ?? unwrappingKey.algorithm;
    const length = contentKeyLength(desc[MaterialDescriptionKeys.CONTENT_ENCRYPTION_ALGORITHM] ?? DEFAULT_CONTENT_ALGORITHM);
    const content = unwrappingKey.unwrap(wrapAlg === 'AES' ? 'AESWrap' : wrapAlg, fromBase64(wrappedText, `'${MaterialDescriptionKeys.WRAPPED_DATA_KEY}'`));
    if (length !== undefined && content.length !== length) {
      throw new DynamoDbEncryptionError('DDB_UNWRAP_FAILED', `the unwrapped content key has ${content.length} bytes, not the ${length} its algorithm names`);
    }
    const decryptionKey = new JceNameLocalDelegatedKey(content, 'AES', 'SYMMETRIC');
    content.fill(0);
    return { decryptionKey, verificationKey: this.#o.signingKey, materialDescription: desc };
  }
}
