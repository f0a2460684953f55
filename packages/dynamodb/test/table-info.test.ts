// The helpers' table key schemas (src/table-info.ts, Python structures.py TableInfo and
// internal/utils.py TableInfoCache) and EncryptedClient's option checks, without a server.
import { describe, expect, it } from 'vitest';
import {
  AttributeActions,
  EncryptedClient,
  EncryptedTable,
  JceNameLocalDelegatedKey,
  RawDecryptionMaterials,
  RawEncryptionMaterials,
  StaticCryptographicMaterialsProvider,
  TableInfoCache,
  tableInfoFromDescription,
  type DescribeTableOutputLike,
  type DynamoDbClientLike,
} from '../src/index.js';

const key = (alg: string) => new JceNameLocalDelegatedKey(new Uint8Array(32).fill(7), alg, 'SYMMETRIC');
const provider = new StaticCryptographicMaterialsProvider({
  encryptionMaterials: new RawEncryptionMaterials({ encryptionKey: key('AES'), signingKey: key('HmacSHA256') }),
  decryptionMaterials: new RawDecryptionMaterials({ decryptionKey: key('AES'), verificationKey: key('HmacSHA256') }),
});

/** A client that describes tables (counted) and records item calls, answering them with nothing. */
function describingClient(answer: () => Promise<DescribeTableOutputLike>): DynamoDbClientLike & { describes: number; sent: string[] } {
  const record = (op: string) => async (): Promise<object> => {
    client.sent.push(op);
    return {};
  };
  const client = {
    describes: 0,
    sent: [] as string[],
    describeTable: async () => {
      client.describes++;
      return answer();
    },
    putItem: record('putItem'),
    getItem: record('getItem'),
    deleteItem: record('deleteItem'),
    updateItem: record('updateItem'),
    query: record('query'),
    scan: record('scan'),
    batchWriteItem: record('batchWriteItem'),
    batchGetItem: record('batchGetItem'),
    transactWriteItems: record('transactWriteItems'),
    transactGetItems: record('transactGetItems'),
  };
  return client;
}

const ORDERS: DescribeTableOutputLike = {
  Table: {
    KeySchema: [
      { AttributeName: 'orderId', KeyType: 'RANGE' },
      { AttributeName: 'customer', KeyType: 'HASH' },
    ],
    LocalSecondaryIndexes: [{ KeySchema: [{ AttributeName: 'customer', KeyType: 'HASH' }, { AttributeName: 'placedAt', KeyType: 'RANGE' }] }],
    GlobalSecondaryIndexes: [{ KeySchema: [{ AttributeName: 'status', KeyType: 'HASH' }] }],
  },
};

describe('TableInfo from DescribeTable', () => {
  it('reads HASH / RANGE in any order and collects secondary index keys', () => {
    expect(tableInfoFromDescription('Orders', ORDERS)).toEqual({ name: 'Orders', partitionKeyName: 'customer', sortKeyName: 'orderId', secondaryIndexKeys: ['customer', 'placedAt', 'status'] });
    expect(tableInfoFromDescription('T', { Table: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] } })).toEqual({ name: 'T', partitionKeyName: 'id', secondaryIndexKeys: [] });
  });

  it('no HASH key: DDB_TABLE_INFO', () => {
    expect(() => tableInfoFromDescription('T', {})).toThrow(expect.objectContaining({ code: 'DDB_TABLE_INFO' }));
    expect(() => tableInfoFromDescription('T', { Table: { KeySchema: [{ AttributeName: 'x', KeyType: 'RANGE' }] } })).toThrow(expect.objectContaining({ code: 'DDB_TABLE_INFO' }));
  });

  it('cache: one DescribeTable for concurrent and later requests; a failure is not cached', async () => {
    let fail = true;
    const client = describingClient(async () => {
      if (fail) throw new Error('throttled');
      return ORDERS;
    });
    const cache = new TableInfoCache(client);
    await expect(cache.tableInfo('Orders')).rejects.toMatchObject({ code: 'DDB_TABLE_INFO', cause: expect.objectContaining({ message: 'throttled' }) });
    fail = false;
    const [a, b] = await Promise.all([cache.tableInfo('Orders'), cache.tableInfo('Orders')]);
    await cache.tableInfo('Orders');
    expect(a).toBe(b);
    expect(client.describes).toBe(2);
  });

  it('known schemas skip DescribeTable; with describing off an unknown table is DDB_TABLE_INFO', async () => {
    const client = describingClient(async () => ORDERS);
    const cache = new TableInfoCache(client, [{ name: 'Known', partitionKeyName: 'pk' }], false);
    expect((await cache.tableInfo('Known')).partitionKeyName).toBe('pk');
    await expect(cache.tableInfo('Other')).rejects.toMatchObject({ code: 'DDB_TABLE_INFO' });
    await expect(cache.tableInfo('')).rejects.toMatchObject({ code: 'DDB_TABLE_INFO' });
    expect(client.describes).toBe(0);
  });
});

describe('EncryptedClient / EncryptedTable options', () => {
  it('refuse a client without the SDK methods, missing materials, actions of the wrong type, no table name', () => {
    const client = describingClient(async () => ORDERS);
    expect(() => new EncryptedClient({ client: {} as DynamoDbClientLike, materialsProvider: provider })).toThrow(expect.objectContaining({ code: 'DDB_UNSUPPORTED_REQUEST' }));
    expect(() => new EncryptedClient({ client, materialsProvider: undefined as never })).toThrow(expect.objectContaining({ code: 'DDB_NO_MATERIALS' }));
    expect(() => new EncryptedClient({ client, materialsProvider: provider, attributeActions: { defaultAction: 'SIGN_ONLY' } as never })).toThrow(expect.objectContaining({ code: 'DDB_BAD_ACTIONS' }));
    expect(() => new EncryptedClient({ client, materialsProvider: provider, tableAttributeActions: { T: {} as never } })).toThrow(expect.objectContaining({ code: 'DDB_BAD_ACTIONS' }));
    expect(() => new EncryptedTable({ client, tableName: '', materialsProvider: provider })).toThrow(expect.objectContaining({ code: 'DDB_TABLE_INFO' }));
  });

  it('malformed requests are typed errors, sent nowhere', async () => {
    const client = describingClient(async () => ORDERS);
    const encrypted = new EncryptedClient({ client, materialsProvider: provider });
    await expect(encrypted.transactGetItems({ TransactItems: [{} as never] })).rejects.toMatchObject({ code: 'DDB_UNSUPPORTED_REQUEST' });
    await expect(encrypted.putItem({ Item: { customer: { S: 'c' }, orderId: { N: '1' } } } as never)).rejects.toMatchObject({ code: 'DDB_TABLE_INFO' });
    await expect(encrypted.putItem({ TableName: 'Orders', Item: undefined as never })).rejects.toMatchObject({ code: 'DDB_BAD_ATTRIBUTE' });
    await expect(encrypted.batchWriteItem({} as never)).rejects.toMatchObject({ code: 'DDB_UNSUPPORTED_REQUEST' });
    expect(client.sent).toEqual([]);
  });

  it('a given tableInfo is used as is (no DescribeTable), keys signed only, per-table actions applied', async () => {
    const client = describingClient(async () => ORDERS);
    const table = new EncryptedTable({ client, tableName: 'Orders', materialsProvider: provider, tableInfo: { partitionKeyName: 'customer', sortKeyName: 'orderId' }, attributeActions: new AttributeActions({ attributeActions: { status: 'SIGN_ONLY' } }) });
    const config = await table.encryptedClient.cryptoConfig('Orders');
    expect(config.encryptionContext).toEqual({ tableName: 'Orders', partitionKeyName: 'customer', sortKeyName: 'orderId' });
    expect(['customer', 'orderId', 'status', 'other'].map((n) => config.attributeActions.action(n))).toEqual(['SIGN_ONLY', 'SIGN_ONLY', 'SIGN_ONLY', 'ENCRYPT_AND_SIGN']);
    expect(client.describes).toBe(0);
  });

  it('batchWrite gives up with DDB_BATCH_INCOMPLETE when the server never processes a request', async () => {
    const client = describingClient(async () => ({ Table: { KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] } }));
    let calls = 0;
    client.batchWriteItem = async (input: object) => {
      calls++;
      return { UnprocessedItems: (input as { RequestItems: object }).RequestItems };
    };
    const table = new EncryptedTable({ client, tableName: 'T', materialsProvider: provider, maxBatchRetries: 2 });
    await expect(table.batchWrite([{ PutRequest: { Item: { id: { S: 'a' }, v: { S: 'x' } } } }])).rejects.toMatchObject({ code: 'DDB_BATCH_INCOMPLETE' });
    expect(calls).toBe(3);
  });
});
