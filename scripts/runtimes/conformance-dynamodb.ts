// The @fle-ts/dynamodb checks of the runtime matrix (issue 17 "Runs in every runtime"): the
// published DynamoDB Encryption Client vectors (../shared/test-vectors/dynamodb) through the public
// API, in every runtime, with deterministic details so each runtime must equal Node exactly.
import {
  AttributeActions,
  decryptDynamodbItem,
  encryptDynamodbItem,
  itemFromDynamodbJson,
  itemToDynamodbJson,
  JceNameLocalDelegatedKey,
  RawDecryptionMaterials,
  RawEncryptionMaterials,
  serializeAttribute,
  StaticCryptographicMaterialsProvider,
  WrappedCryptographicMaterialsProvider,
  type CryptographicMaterialsProvider,
  type DynamoDbItem,
  type EncryptionKeyType,
} from '@fle-ts/dynamodb';

type Files = Record<string, string>;
type Check = () => Promise<string> | string;

// Their vector files are listed in conformance.ts VECTOR_FILES (bundle.mjs reads that list).

const fromB64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const toB64 = (b: Uint8Array): string => btoa(String.fromCharCode(...b));

function keys(files: Files): Record<string, JceNameLocalDelegatedKey> {
  const raw = JSON.parse(files['dynamodb/encrypted_item/keys.json']!) as Record<string, { material?: string; algorithm: string; type: string }>;
  const out: Record<string, JceNameLocalDelegatedKey> = {};
  for (const [name, k] of Object.entries(raw)) if (k.material) out[name] = new JceNameLocalDelegatedKey(fromB64(k.material), k.algorithm, k.type.toUpperCase() as EncryptionKeyType);
  return out;
}

const ACTION = { encrypt: 'ENCRYPT_AND_SIGN', sign: 'SIGN_ONLY', nothing: 'DO_NOTHING' } as const;
type PlainJson = {
  actions: Record<string, { default: keyof typeof ACTION; override?: Record<string, keyof typeof ACTION> }>;
  items: Record<string, { index: { partition: string; sort?: string }; items: { attributes: Record<string, unknown>; action: string }[] }>;
};

/** Decrypts every signed item of a ciphertext file with the actions plaintext.json gives its key. */
async function decryptFile(files: Files, path: string, provider: CryptographicMaterialsProvider): Promise<string> {
  const plain = JSON.parse(files['dynamodb/encrypted_item/plaintext.json']!) as PlainJson;
  const tables = JSON.parse(files[path]!) as Record<string, Record<string, unknown>[]>;
  let n = 0;
  let sample = '';
  for (const [table, items] of Object.entries(tables)) {
    const t = plain.items[table]!;
    const keyOf = (x: Record<string, unknown>): string => JSON.stringify([x[t.index.partition], t.index.sort ? x[t.index.sort] : null]);
    for (const raw of items) {
      if (!('*amzn-ddb-map-sig*' in raw)) continue;
      const entry = t.items.find((e) => keyOf(e.attributes) === keyOf(raw));
      if (!entry) continue; // 2 java items have no plaintext counterpart (vectors README)
      const a = plain.actions[entry.action]!;
      const overrides = Object.fromEntries(Object.entries(a.override ?? {}).map(([k, v]) => [k, ACTION[v]]));
      const actions = new AttributeActions({ defaultAction: ACTION[a.default], attributeActions: overrides });
      const context = { tableName: table, partitionKeyName: t.index.partition, ...(t.index.sort ? { sortKeyName: t.index.sort } : {}) };
      const item = await decryptDynamodbItem(itemFromDynamodbJson(raw), { materialsProvider: provider, encryptionContext: context, attributeActions: actions });
      n++;
      if (!sample && item.stringValue && item.intValue) sample = JSON.stringify(itemToDynamodbJson({ s: item.stringValue, n: item.intValue }));
    }
  }
  return `${n} items decrypted and verified; ${sample}`;
}

/** The checks, appended to conformance.ts's list when their files are present. */
export function dynamodbChecks(files: Files): Array<[string, Check]> {
  const has = (...p: string[]) => p.every((x) => x in files);
  const list: Array<[string, Check]> = [];
  if (has('dynamodb/serialize_attribute.json')) {
    list.push(['dynamodb: serialize_attribute.json (Python/Java attribute serialization)', () => {
      const cases = JSON.parse(files['dynamodb/serialize_attribute.json']!) as { attribute: unknown; serialized: string }[];
      for (const [i, c] of cases.entries()) {
        const got = toB64(serializeAttribute(itemFromDynamodbJson({ a: c.attribute }).a!));
        if (got !== c.serialized) throw new Error(`case ${i}: ${got} != ${c.serialized}`);
      }
      return `${cases.length}/${cases.length} serialized byte for byte`;
    }]);
  }
  const ks = 'dynamodb/encrypted_item/keys.json';
  const pt = 'dynamodb/encrypted_item/plaintext.json';
  const staticPath = 'dynamodb/encrypted_item/ciphertext/python/static-aes-hmac-1.json';
  if (has(ks, pt, staticPath)) {
    list.push(['dynamodb: python static-aes-hmac-1.json (AES-128-CBC, HmacSHA256) decrypts and verifies', () => {
      const k = keys(files);
      return decryptFile(files, staticPath, new StaticCryptographicMaterialsProvider({ decryptionMaterials: new RawDecryptionMaterials({ decryptionKey: k.aesKey!, verificationKey: k.hmacKey! }) }));
    }]);
  }
  for (const lang of ['python', 'java']) {
    const path = `dynamodb/encrypted_item/ciphertext/${lang}/wrapped-rsa-rsa-1.json`;
    if (!has(ks, pt, path)) continue;
    list.push([`dynamodb: ${lang} wrapped-rsa-rsa-1.json (${lang === 'java' ? 'RSA PKCS#1 v1.5' : 'RSA-OAEP-SHA256/MGF1-SHA1'} unwrap, SHA256withRSA) decrypts and verifies`, () => {
      const k = keys(files);
      return decryptFile(files, path, new WrappedCryptographicMaterialsProvider({ unwrappingKey: k.rsaEncPriv!, signingKey: k.rsaSignPub! }));
    }]);
  }
  if (has(ks)) {
    list.push(['dynamodb: encrypt then decrypt with wrapped RSA (OAEP wrap, SHA256withRSA sign)', async () => {
      const k = keys(files);
      const provider = new WrappedCryptographicMaterialsProvider({ wrappingKey: k.rsaEncPub!, unwrappingKey: k.rsaEncPriv!, signingKey: k.rsaSignPriv! });
      const cfg = { materialsProvider: provider, encryptionContext: { tableName: 'T', partitionKeyName: 'pk' }, attributeActions: new AttributeActions() };
      const item: DynamoDbItem = { pk: { S: 'k' }, m: { M: { a: { NS: ['2', '1.50'] }, b: { BOOL: true } } } };
      const back = await decryptDynamodbItem(await encryptDynamodbItem(item, cfg), cfg);
      return JSON.stringify(itemToDynamodbJson(back));
    }]);
    list.push(['dynamodb: static AES-128 + HmacSHA256 round trip', async () => {
      const k = keys(files);
      const provider = new StaticCryptographicMaterialsProvider({
        encryptionMaterials: new RawEncryptionMaterials({ encryptionKey: k.aesKey!, signingKey: k.hmacKey! }),
        decryptionMaterials: new RawDecryptionMaterials({ decryptionKey: k.aesKey!, verificationKey: k.hmacKey! }),
      });
      const cfg = { materialsProvider: provider, encryptionContext: { tableName: 'T', partitionKeyName: 'pk' }, attributeActions: new AttributeActions() };
      const back = await decryptDynamodbItem(await encryptDynamodbItem({ pk: { S: 'k' }, s: { SS: ['b', 'a'] }, bin: { B: Uint8Array.of(1, 2, 3) } }, cfg), cfg);
      return JSON.stringify(itemToDynamodbJson(back));
    }]);
  }
  return list;
}
