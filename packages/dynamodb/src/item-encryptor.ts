// encryptDynamodbItem / decryptDynamodbItem (Python encrypted/item.py, Java DynamoDBEncryptor):
// encrypt ENCRYPT_AND_SIGN attributes with AES/CBC/PKCS5Padding, sign every non-DO_NOTHING
// attribute with the table name, add `*amzn-ddb-map-desc*` and `*amzn-ddb-map-sig*`.
import { AttributeActions } from './actions.js';
import { AesCbcPkcs5 } from './aes-cbc.js';
import { attributeEntry, itemEntries, setOwn, type AttributeValue, type DynamoDbItem } from './attribute-value.js';
import { DynamoDbEncryptionError } from './errors.js';
import {
  CBC_PKCS5_MODE,
  deserializeMaterialDescription,
  MaterialDescriptionKeys,
  serializeMaterialDescription,
} from './material-description.js';
import type { CryptographicMaterialsProvider, EncryptionContext } from './materials.js';
import { deserializeAttribute, serializeAttribute } from './serialize.js';
import { stringToSign } from './signature.js';

/** The two attribute names the format reserves (Python `ReservedAttributes`). */
export const ReservedAttributes = {
  MATERIAL_DESCRIPTION: '*amzn-ddb-map-desc*',
  SIGNATURE: '*amzn-ddb-map-sig*',
} as const;

/** Everything the item encryptor needs (Python `CryptoConfig`). */
export interface CryptoConfig {
  readonly materialsProvider: CryptographicMaterialsProvider;
  readonly encryptionContext: EncryptionContext;
  readonly attributeActions: AttributeActions;
}

/** Actions with the context's partition and sort keys forced to at most SIGN_ONLY. */
function effectiveActions(config: CryptoConfig): AttributeActions {
  if (!(config.attributeActions instanceof AttributeActions)) {
    throw new DynamoDbEncryptionError('DDB_BAD_ACTIONS', 'cryptoConfig.attributeActions must be an AttributeActions');
  }
  const ctx = config.encryptionContext ?? {};
  return config.attributeActions.withIndexKeys(ctx.partitionKeyName, ctx.sortKeyName);
}

function copyItem(entries: [string, AttributeValue][]): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of entries) setOwn(out, k, v);
  return out;
}

function contentAlgorithm(keyAlgorithm: string, mode: string | undefined): void {
  // The one cipher of the format: `<key algorithm>` + `/CBC/PKCS5Padding` (§1).
  if (keyAlgorithm !== 'AES' || mode !== CBC_PKCS5_MODE) {
    throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_ALGORITHM', `attribute cipher '${keyAlgorithm.slice(0, 20)}${(mode ?? '(none)').slice(0, 40)}' is not supported; only AES/CBC/PKCS5Padding exists`);
  }
}

/**
 * Encrypts and signs one item (AWS SDK v3 AttributeValue shape). Returns a new item; the input is
 * not changed. Attributes ENCRYPT_AND_SIGN become {B: IV ‖ ciphertext}; partition and sort keys
 * named in the encryption context are never encrypted.
 */
export async function encryptDynamodbItem(item: DynamoDbItem, config: CryptoConfig): Promise<DynamoDbItem> {
  const entries = itemEntries(item, 'item');
  for (const [name, v] of entries) attributeEntry(v, `attribute '${name}'`);
  const actions = effectiveActions(config);
  if (actions.takeNoActions) return copyItem(entries);
  for (const reserved of Object.values(ReservedAttributes)) {
    if (entries.some(([k]) => k === reserved)) {
      throw new DynamoDbEncryptionError('DDB_RESERVED_ATTRIBUTE', `reserved attribute name '${reserved}' is not allowed in a plaintext item; rename the attribute`);
    }
  }
  const ctx: EncryptionContext = { ...config.encryptionContext, attributes: copyItem(entries) };
  const materials = await config.materialsProvider.encryptionMaterials(ctx);
  const description: Record<string, string> = { ...materials.materialDescription };
  description[MaterialDescriptionKeys.ATTRIBUTE_ENCRYPTION_MODE] = CBC_PKCS5_MODE;
  contentAlgorithm(materials.encryptionKey.algorithm, CBC_PKCS5_MODE);
  const cipher = new AesCbcPkcs5(materials.encryptionKey.contentKeyBytes());
  let out: [string, AttributeValue][];
  try {
    out = entries.map(([name, value]) => {
      if (actions.action(name) !== 'ENCRYPT_AND_SIGN') return [name, value];
      return [name, { B: cipher.encrypt(serializeAttribute(value, `attribute '${name}'`)) }];
    });
  } finally {
    cipher.destroy();
  }
  const signature = materials.signingKey.sign(stringToSign(out, actions, config.encryptionContext?.tableName));
  description[MaterialDescriptionKeys.SIGNING_KEY_ALGORITHM] = materials.signingKey.signingAlgorithm();
  const result = copyItem(out);
  setOwn(result, ReservedAttributes.SIGNATURE, { B: signature });
  setOwn(result, ReservedAttributes.MATERIAL_DESCRIPTION, { B: serializeMaterialDescription(description) });
  return result;
}

function binaryOf(value: AttributeValue | undefined, what: string): Uint8Array {
  if (value === undefined) throw new DynamoDbEncryptionError('DDB_MISSING_SIGNATURE', `the item has no ${what} attribute: it was not written by the encryptor, or the attribute was removed`);
  const [type, v] = attributeEntry(value, what);
  if (type !== 'B' || !(v instanceof Uint8Array)) throw new DynamoDbEncryptionError('DDB_BAD_MATERIAL_DESCRIPTION', `the ${what} attribute must be binary (B)`);
  return v;
}

/**
 * Verifies and decrypts one item written by encryptDynamodbItem or the Python/Java clients.
 * The whole signature is checked before any attribute is decrypted; any failure throws and
 * returns nothing (no partial item).
 */
export async function decryptDynamodbItem(item: DynamoDbItem, config: CryptoConfig): Promise<DynamoDbItem> {
  const entries = itemEntries(item, 'item');
  const actions = effectiveActions(config);
  if (actions.takeNoActions) return copyItem(entries);
  const sigEntry = entries.find(([k]) => k === ReservedAttributes.SIGNATURE);
  if (!sigEntry) {
    throw new DynamoDbEncryptionError('DDB_MISSING_SIGNATURE', `the item has no '${ReservedAttributes.SIGNATURE}' attribute: it was not encrypted, or the signature was removed`);
  }
  const signature = binaryOf(sigEntry[1], `'${ReservedAttributes.SIGNATURE}'`);
  const descEntry = entries.find(([k]) => k === ReservedAttributes.MATERIAL_DESCRIPTION);
  const rest = entries.filter(([k]) => k !== ReservedAttributes.SIGNATURE && k !== ReservedAttributes.MATERIAL_DESCRIPTION);
  const description = descEntry
    ? deserializeMaterialDescription(binaryOf(descEntry[1], `'${ReservedAttributes.MATERIAL_DESCRIPTION}'`))
    : (config.encryptionContext?.materialDescription ?? {});
  const ctx: EncryptionContext = { ...config.encryptionContext, attributes: copyItem(rest), materialDescription: description };
  const materials = await config.materialsProvider.decryptionMaterials(ctx);

  const toSign = stringToSign(rest, actions, config.encryptionContext?.tableName);
  if (!materials.verificationKey.verify(toSign, signature)) {
    throw new DynamoDbEncryptionError('DDB_SIGNATURE_MISMATCH', 'the item signature does not verify: an attribute was changed, added or removed, or the key, table name or attribute actions differ from those it was written with');
  }
  const needsDecryption = rest.some(([name]) => actions.action(name) === 'ENCRYPT_AND_SIGN');
  if (!needsDecryption) return copyItem(rest);
  contentAlgorithm(materials.decryptionKey.algorithm, description[MaterialDescriptionKeys.ATTRIBUTE_ENCRYPTION_MODE]);
  const cipher = new AesCbcPkcs5(materials.decryptionKey.contentKeyBytes());
  const out: [string, AttributeValue][] = [];
  try {
    for (const [name, value] of rest) {
      if (actions.action(name) !== 'ENCRYPT_AND_SIGN') {
        out.push([name, value]);
        continue;
      }
      const [type, v] = attributeEntry(value, `attribute '${name}'`);
      if (type !== 'B') throw new DynamoDbEncryptionError('DDB_DECRYPTION_FAILED', `attribute '${name}' is ENCRYPT_AND_SIGN but stored as ${type}, not B: check the attribute actions`);
      out.push([name, deserializeAttribute(cipher.decrypt(v as Uint8Array, `attribute '${name}'`))]);
    }
  } finally {
    cipher.destroy();
  }
  return copyItem(out);
}
