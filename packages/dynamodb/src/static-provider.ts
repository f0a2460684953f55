// StaticCryptographicMaterialsProvider (Python material_providers/static.py, Java
// SymmetricStaticProvider/AsymmetricStaticProvider): the same materials for every item.
import { DynamoDbEncryptionError } from './errors.js';
import type { CryptographicMaterialsProvider, DecryptionMaterials, EncryptionMaterials } from './materials.js';

/** Gives fixed materials; either side may be left out for an encrypt-only or decrypt-only provider. */
export class StaticCryptographicMaterialsProvider implements CryptographicMaterialsProvider {
  readonly #encryption: EncryptionMaterials | undefined;
  readonly #decryption: DecryptionMaterials | undefined;

  /** `encryptionMaterials` and/or `decryptionMaterials` (RawEncryptionMaterials / RawDecryptionMaterials). */
  constructor(o: { encryptionMaterials?: EncryptionMaterials; decryptionMaterials?: DecryptionMaterials }) {
    this.#encryption = o.encryptionMaterials;
    this.#decryption = o.decryptionMaterials;
  }

  /** The fixed encryption materials; DDB_NO_MATERIALS when none were given. */
  encryptionMaterials(): EncryptionMaterials {
    if (!this.#encryption) throw new DynamoDbEncryptionError('DDB_NO_MATERIALS', 'this StaticCryptographicMaterialsProvider has no encryptionMaterials');
    return this.#encryption;
  }

  /** The fixed decryption materials; DDB_NO_MATERIALS when none were given. */
  decryptionMaterials(): DecryptionMaterials {
    if (!this.#decryption) throw new DynamoDbEncryptionError('DDB_NO_MATERIALS', 'this StaticCryptographicMaterialsProvider has no decryptionMaterials');
    return this.#decryption;
  }
}
