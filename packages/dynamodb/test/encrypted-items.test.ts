// Every offline encrypted item of ../shared/test-vectors/dynamodb/encrypted_item (python and java):
// decrypts to plaintext.json and verifies with the materials its scenario names; and, where the
// format is deterministic given the stored IVs, fle-ts re-creates the stored bytes exactly.
import { expect, it } from 'vitest';
import { describeShared } from '../../../scripts/test-support/shared.js';
import {
  CryptoAction,
  AttributeActions,
  decryptDynamodbItem,
  deserializeMaterialDescription,
  JceNameLocalDelegatedKey,
  RawDecryptionMaterials,
  ReservedAttributes,
  serializeAttribute,
  serializeMaterialDescription,
  StaticCryptographicMaterialsProvider,
  stringToSign,
  WrappedCryptographicMaterialsProvider,
  type CryptographicMaterialsProvider,
  type DynamoDbItem,
} from '../src/index.js';
import { aesCbcPkcs5Encrypt } from '../src/aes-cbc.js';
import { ciphertextFile, expectedItems, keyOf, loadKeys, comparable, type ExpectedItem } from './vectors.js';

type Keys = Record<string, JceNameLocalDelegatedKey>;

interface Scenario {
  file: string;
  version: 'v0' | 'v1';
  provider: (keys: Keys, lang: string) => CryptographicMaterialsProvider;
  /** Key whose sign() re-creates the stored signature (deterministic HMAC / PKCS#1 v1.5). */
  signer: (keys: Keys, lang: string) => JceNameLocalDelegatedKey;
  /** Content key bytes for the byte-equal re-encryption check (static only). */
  staticContentKey?: string;
}

const staticAesHmac = (keys: Keys): CryptographicMaterialsProvider =>
  new StaticCryptographicMaterialsProvider({ decryptionMaterials: new RawDecryptionMaterials({ decryptionKey: keys.aesKey!, verificationKey: keys.hmacKey! }) });

/** Reads the provider-store item of metastore-aes-hmac-2.json and builds the wrapped provider its `enc`/`int` keys give. */
async function metastoreProvider(keys: Keys, lang: string): Promise<CryptographicMaterialsProvider> {
  const store = ciphertextFile(lang, 'metastore-aes-hmac-2.json').metastore!;
  expect(store).toHaveLength(1);
  const item = await decryptDynamodbItem(store[0]!, {
    materialsProvider: staticAesHmac(keys),
    encryptionContext: { tableName: 'metastore', partitionKeyName: 'N', sortKeyName: 'V' },
    attributeActions: new AttributeActions(),
  });
  const bytes = (name: string): Uint8Array => (item[name] as { B: Uint8Array }).B;
  const text = (name: string): string => (item[name] as { S: string }).S;
  expect(item.N).toEqual({ S: 'materialName' });
  return new WrappedCryptographicMaterialsProvider({
    unwrappingKey: new JceNameLocalDelegatedKey(bytes('enc'), text('encAlg'), 'SYMMETRIC'),
    signingKey: new JceNameLocalDelegatedKey(bytes('int'), text('intAlg'), 'SYMMETRIC'),
  });
}

const SCENARIOS: Scenario[] = [
  { file: 'static-aes-hmac-1.json', version: 'v0', provider: staticAesHmac, signer: (k) => k.hmacKey!, staticContentKey: 'aesKey' },
  { file: 'static-aes-hmac-3.json', version: 'v1', provider: staticAesHmac, signer: (k) => k.hmacKey!, staticContentKey: 'aesKey' },
  {
    file: 'wrapped-aes-hmac-1.json',
    version: 'v1',
    provider: (k) => new WrappedCryptographicMaterialsProvider({ unwrappingKey: k.aesKey!, signingKey: k.hmacKey! }),
    signer: (k) => k.hmacKey!,
  },
  {
    file: 'wrapped-rsa-rsa-1.json',
    version: 'v0',
    provider: (k) => new WrappedCryptographicMaterialsProvider({ unwrappingKey: k.rsaEncPriv!, signingKey: k.rsaSignPub! }),
    signer: (k) => k.rsaSignPriv!,
  },
];

function match(expected: ExpectedItem[], table: string, item: DynamoDbItem): ExpectedItem | undefined {
  return expected.find((e) => e.table === table && keyOf(e.item, e) === keyOf(item, e));
}

const counts: Record<string, { decrypted: number; unmatched: number; plain: number }> = {};

for (const lang of ['python', 'java']) {
  describeShared(`encrypted_item/ciphertext/${lang}`, () => {
    const cases: [string, string, (keys: Keys) => Promise<CryptographicMaterialsProvider>, Scenario['version'], Scenario | undefined][] = [
      ...SCENARIOS.map((s) => [s.file, s.file, async (k: Keys) => s.provider(k, lang), s.version, s] as const),
      ['metastore-data-tables-2.json', 'metastore-data-tables-2.json (MetaStore item of metastore-aes-hmac-2.json)', (k: Keys) => metastoreProvider(k, lang), 'v1', undefined],
    ] as never;
    for (const [file, title, makeProvider, version, scenario] of cases) {
      it(`${title}: every item decrypts to plaintext.json and verifies`, async () => {
        const keys = loadKeys();
        const provider = await makeProvider(keys);
        const expected = expectedItems(version);
        const tables = ciphertextFile(lang, file);
        const c = (counts[`${lang}/${file}`] = { decrypted: 0, unmatched: 0, plain: 0 });
        for (const [table, items] of Object.entries(tables)) {
          for (const stored of items) {
            const e = match(expected, table, stored);
            if (!e) {
              // 2 java items of static-aes-hmac-3.json have no plaintext counterpart (vectors README).
              c.unmatched++;
              continue;
            }
            const config = {
              materialsProvider: provider,
              encryptionContext: { tableName: table, partitionKeyName: e.partitionKeyName, ...(e.sortKeyName ? { sortKeyName: e.sortKeyName } : {}) },
              attributeActions: e.actions,
            };
            const plain = await decryptDynamodbItem(stored, config);
            expect(comparable(plain)).toEqual(comparable(e.item));
            if (ReservedAttributes.SIGNATURE in stored) c.decrypted++;
            else c.plain++;
            if (!scenario || !(ReservedAttributes.SIGNATURE in stored)) continue;

            // Byte-equal re-creation: signature (HMAC and PKCS#1 v1.5 are deterministic) and material description.
            const actions = e.actions.withIndexKeys(e.partitionKeyName, e.sortKeyName);
            const rest = Object.entries(stored).filter(([k]) => k !== ReservedAttributes.SIGNATURE && k !== ReservedAttributes.MATERIAL_DESCRIPTION);
            const sig = (stored[ReservedAttributes.SIGNATURE] as { B: Uint8Array }).B;
            expect(scenario.signer(keys, lang).sign(stringToSign(rest, actions, table))).toEqual(sig);
            const descBytes = (stored[ReservedAttributes.MATERIAL_DESCRIPTION] as { B: Uint8Array }).B;
            // Python writes names sorted (the format); Java writes them in HashMap order, so only python is byte-equal.
            if (lang === 'python') expect(serializeMaterialDescription(deserializeMaterialDescription(descBytes))).toEqual(descBytes);
            // Static: each encrypted attribute is AES-CBC(aesKey, serialize(plaintext)) under its stored IV.
            if (scenario.staticContentKey) {
              const key = keys[scenario.staticContentKey]!.contentKeyBytes();
              for (const [name, value] of rest) {
                if (actions.action(name) !== CryptoAction.ENCRYPT_AND_SIGN) continue;
                const ct = (value as { B: Uint8Array }).B;
                expect(aesCbcPkcs5Encrypt(key, serializeAttribute(plain[name]!), ct.subarray(0, 16))).toEqual(ct);
              }
            }
          }
        }
        expect(c.decrypted).toBeGreaterThan(0);
        expect(c.decrypted + c.plain + c.unmatched).toBe(Object.values(tables).flat().length);
        expect(c.unmatched).toBe(lang === 'java' && file === 'static-aes-hmac-3.json' ? 2 : 0);
        console.log(`[dynamodb vectors] ${lang}/${file}: ${c.decrypted} signed items decrypted+verified, ${c.plain} DO_NOTHING items, ${c.unmatched} without plaintext`);
      });
    }
  });
}
