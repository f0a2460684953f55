// MostRecentProvider + MetaStore: the published MetaStore vectors read through the provider itself
// (metastore-aes-hmac-2.json loaded into a MemoryMetaStoreTable, then metastore-data-tables-2.json
// decrypted by version from `amzn-ddb-meta-id`), and version creation, TTL and rotation.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeShared } from '../../../scripts/test-support/shared.js';
import {
  AttributeActions,
  decryptDynamodbItem,
  deserializeMaterialDescription,
  encryptDynamodbItem,
  JceNameLocalDelegatedKey,
  MemoryMetaStoreTable,
  MetaStore,
  MostRecentProvider,
  RawDecryptionMaterials,
  RawEncryptionMaterials,
  StaticCryptographicMaterialsProvider,
  type DynamoDbItem,
} from '../src/index.js';
import { ciphertextFile, comparable, expectedItems, keyOf, loadKeys } from './vectors.js';

for (const lang of ['python', 'java']) {
  describeShared(`MostRecentProvider over the ${lang} MetaStore vectors`, () => {
    it('metastore-data-tables-2.json: every item decrypts through MostRecentProvider(materialName) and verifies', async () => {
      const keys = loadKeys();
      const table = new MemoryMetaStoreTable();
      for (const row of ciphertextFile(lang, 'metastore-aes-hmac-2.json').metastore!) expect(await table.putItemIfAbsent(row)).toBe(true);
      const store = new MetaStore({
        table,
        tableName: 'metastore',
        materialsProvider: new StaticCryptographicMaterialsProvider({ decryptionMaterials: new RawDecryptionMaterials({ decryptionKey: keys.aesKey!, verificationKey: keys.hmacKey! }) }),
      });
      const provider = new MostRecentProvider({ providerStore: store, materialName: 'materialName', versionTtlMs: 60_000 });
      expect(await store.maxVersion('materialName')).toBe(0);
      const expected = expectedItems('v1');
      let decrypted = 0;
      for (const [tableName, items] of Object.entries(ciphertextFile(lang, 'metastore-data-tables-2.json'))) {
        for (const stored of items) {
          const e = expected.find((x) => x.table === tableName && keyOf(x.item, x) === keyOf(stored, x))!;
          const cfg = { materialsProvider: provider, encryptionContext: { tableName, partitionKeyName: e.partitionKeyName, ...(e.sortKeyName ? { sortKeyName: e.sortKeyName } : {}) }, attributeActions: e.actions };
          expect(comparable(await decryptDynamodbItem(stored, cfg))).toEqual(comparable(e.item));
          if ('*amzn-ddb-map-desc*' in stored) {
            expect(deserializeMaterialDescription((stored['*amzn-ddb-map-desc*'] as { B: Uint8Array }).B)['amzn-ddb-meta-id']).toBe('materialName#0');
            decrypted++;
          }
        }
      }
      expect(decrypted).toBe(15);
    });
  });
}

describe('MostRecentProvider: versions, TTL, rotation', () => {
  const aes = new JceNameLocalDelegatedKey(new Uint8Array(randomBytes(32)), 'AES', 'SYMMETRIC');
  const mac = new JceNameLocalDelegatedKey(new Uint8Array(randomBytes(32)), 'HmacSHA256', 'SYMMETRIC');
  const storeProvider = new StaticCryptographicMaterialsProvider({
    encryptionMaterials: new RawEncryptionMaterials({ encryptionKey: aes, signingKey: mac }),
    decryptionMaterials: new RawDecryptionMaterials({ decryptionKey: aes, verificationKey: mac }),
  });
  const item: DynamoDbItem = { pk: { S: 'k' }, secret: { S: 's3cr3t' } };
  const ctx = { tableName: 'Data', partitionKeyName: 'pk' };
  const metaId = (enc: DynamoDbItem): string => deserializeMaterialDescription((enc['*amzn-ddb-map-desc*'] as { B: Uint8Array }).B)['amzn-ddb-meta-id']!;

  it('creates version 0 when the material has none; keeps using the cached newest version until the TTL; then picks up a rotation', async () => {
    const table = new MemoryMetaStoreTable();
    const store = new MetaStore({ table, tableName: 'meta', materialsProvider: storeProvider });
    let now = 0;
    const provider = new MostRecentProvider({ providerStore: store, materialName: 'orders', versionTtlMs: 1000, now: () => now });
    const cfg = { materialsProvider: provider, encryptionContext: ctx, attributeActions: new AttributeActions() };
    const v0 = await encryptDynamodbItem(item, cfg);
    expect(metaId(v0)).toBe('orders#0');
    // The row is stored encrypted: its keys are not in the clear.
    const row = (await table.getItem('orders', 0))!;
    expect('B' in row.enc! && 'B' in row.t!).toBe(true);

    await store.getOrCreateProvider('orders', 1); // rotation by another writer
    now = 500;
    expect(metaId(await encryptDynamodbItem(item, cfg))).toBe('orders#0');
    now = 1500;
    const v1 = await encryptDynamodbItem(item, cfg);
    expect(metaId(v1)).toBe('orders#1');
    // Both versions decrypt, also through a fresh provider that only has the table.
    const reader = { ...cfg, materialsProvider: new MostRecentProvider({ providerStore: new MetaStore({ table, tableName: 'meta', materialsProvider: storeProvider }), materialName: 'orders', versionTtlMs: 0 }) };
    for (const enc of [v0, v1]) expect(await decryptDynamodbItem(enc, reader)).toEqual(item);
  });

  it('an item naming an unknown version is DDB_NO_MATERIALS; without meta-id DDB_BAD_MATERIAL_DESCRIPTION; a store row under another store key does not verify', async () => {
    const table = new MemoryMetaStoreTable();
    const store = new MetaStore({ table, tableName: 'meta', materialsProvider: storeProvider });
    const provider = new MostRecentProvider({ providerStore: store, materialName: 'm', versionTtlMs: 0 });
    const cfg = { materialsProvider: provider, encryptionContext: ctx, attributeActions: new AttributeActions() };
    const enc = await encryptDynamodbItem(item, cfg);
    const other = new MostRecentProvider({ providerStore: new MetaStore({ table: new MemoryMetaStoreTable(), tableName: 'meta', materialsProvider: storeProvider }), materialName: 'm', versionTtlMs: 0 });
    await expect(decryptDynamodbItem(enc, { ...cfg, materialsProvider: other })).rejects.toMatchObject({ code: 'DDB_NO_MATERIALS' });
    const staticEnc = await encryptDynamodbItem(item, { ...cfg, materialsProvider: storeProvider });
    await expect(decryptDynamodbItem(staticEnc, cfg)).rejects.toMatchObject({ code: 'DDB_BAD_MATERIAL_DESCRIPTION' });
    // The MetaStore table name is signed into each row: a store reading another table's rows refuses them.
    const wrongName = new MostRecentProvider({ providerStore: new MetaStore({ table, tableName: 'other', materialsProvider: storeProvider }), materialName: 'm', versionTtlMs: 0 });
    await expect(decryptDynamodbItem(enc, { ...cfg, materialsProvider: wrongName })).rejects.toMatchObject({ code: 'DDB_SIGNATURE_MISMATCH' });
  });
});
