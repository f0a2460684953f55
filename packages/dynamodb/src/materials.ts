// Cryptographic materials and the provider contract (Python materials/__init__.py, raw.py,
// material_providers/__init__.py), and the encryption context a provider sees.
import type { DynamoDbItem } from './attribute-value.js';
import type { JceNameLocalDelegatedKey } from './delegated-key.js';
import type { MaterialDescription } from './material-description.js';

/** What the provider knows about the item (Python `EncryptionContext`). */
export interface EncryptionContext {
  /** Table name; part of the signature when set. */
  readonly tableName?: string;
  /** Partition key attribute name (never encrypted). */
  readonly partitionKeyName?: string;
  /** Sort key attribute name (never encrypted). */
  readonly sortKeyName?: string;
  /** The item's attributes (plaintext on encrypt, stored values on decrypt); set by the encryptor. */
  readonly attributes?: DynamoDbItem;
  /** The material description: the user's on encrypt, the item's `*amzn-ddb-map-desc*` on decrypt. */
  readonly materialDescription?: MaterialDescription;
}

/** Materials to encrypt and sign one item. */
export interface EncryptionMaterials {
  readonly materialDescription: MaterialDescription;
  readonly encryptionKey: JceNameLocalDelegatedKey;
  readonly signingKey: JceNameLocalDelegatedKey;
}

/** Materials to verify and decrypt one item. */
export interface DecryptionMaterials {
  readonly materialDescription: MaterialDescription;
  readonly decryptionKey: JceNameLocalDelegatedKey;
  readonly verificationKey: JceNameLocalDelegatedKey;
}

/** A source of materials per item (static, wrapped, KMS, most recent ...). */
export interface CryptographicMaterialsProvider {
  /** Materials to encrypt an item in `context`. */
  encryptionMaterials(context: EncryptionContext): EncryptionMaterials | Promise<EncryptionMaterials>;
  /** Materials to decrypt an item whose stored material description is `context.materialDescription`. */
  decryptionMaterials(context: EncryptionContext): DecryptionMaterials | Promise<DecryptionMaterials>;
  /**
   * Drops cached state (Python `refresh()`). The item encryptor never calls it (as Python 3.x's
   * does not), so a most-recent provider's cache lives for its TTL.
   */
  refresh?(): void;
}

/** Fixed encryption materials (Python `RawEncryptionMaterials`). */
export class RawEncryptionMaterials implements EncryptionMaterials {
  readonly materialDescription: MaterialDescription;
  readonly encryptionKey: JceNameLocalDelegatedKey;
  readonly signingKey: JceNameLocalDelegatedKey;
  /** An AES content key, an HmacSHA256 or RSA private signing key, and an optional description. */
  constructor(o: { signingKey: JceNameLocalDelegatedKey; encryptionKey: JceNameLocalDelegatedKey; materialDescription?: MaterialDescription }) {
    this.signingKey = o.signingKey;
    this.encryptionKey = o.encryptionKey;
    this.materialDescription = { ...(o.materialDescription ?? {}) };
  }
}

/** Fixed decryption materials (Python `RawDecryptionMaterials`). */
export class RawDecryptionMaterials implements DecryptionMaterials {
  readonly materialDescription: MaterialDescription;
  readonly decryptionKey: JceNameLocalDelegatedKey;
  readonly verificationKey: JceNameLocalDelegatedKey;
  /** An AES content key, an HmacSHA256 or RSA (public or private) verification key. */
  constructor(o: { verificationKey: JceNameLocalDelegatedKey; decryptionKey: JceNameLocalDelegatedKey; materialDescription?: MaterialDescription }) {
    this.verificationKey = o.verificationKey;
    this.decryptionKey = o.decryptionKey;
    this.materialDescription = { ...(o.materialDescription ?? {}) };
  }
}
