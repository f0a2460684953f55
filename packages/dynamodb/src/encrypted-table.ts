// EncryptedTable: one table's view of an EncryptedClient (Python encrypted/table.py EncryptedTable,
// and its batch_writer): the same calls without TableName, plus batch writes and reads that split
// requests into DynamoDB's limits (25 writes, 100 keys) and send unprocessed ones again.
import type { AttributeActions } from './actions.js';
import type { DynamoDbItem } from './attribute-value.js';
import {
  EncryptedClient,
  type DynamoDbClientLike,
  type ItemOutput,
  type ItemsOutput,
  type RequestOptions,
  type TableDeleteItemInput,
  type TableGetItemInput,
  type TablePutItemInput,
  type TableQueryInput,
  type TableUpdateItemInput,
  type WriteRequest,
} from './encrypted-client.js';
import { DynamoDbEncryptionError } from './errors.js';
import type { CryptographicMaterialsProvider } from './materials.js';
import type { TableInfo } from './table-info.js';

// BatchWriteItem takes at most 25 requests, BatchGetItem at most 100 keys (DynamoDB API reference).
const BATCH_WRITE_LIMIT = 25;
const BATCH_GET_LIMIT = 100;

/** Options of {@link EncryptedTable}. */
export interface EncryptedTableOptions {
  /** The DynamoDB client (the AWS SDK v3 `DynamoDB` class). */
  readonly client: DynamoDbClientLike;
  /** The table every call goes to. */
  readonly tableName: string;
  /** Materials for every item written and read. */
  readonly materialsProvider: CryptographicMaterialsProvider;
  /** The table's actions (default: everything ENCRYPT_AND_SIGN but the keys). */
  readonly attributeActions?: AttributeActions;
  /** The key schema, if known (else one DescribeTable on first use). */
  readonly tableInfo?: Omit<TableInfo, 'name'>;
  /** Times an unprocessed batch is sent again before DDB_BATCH_INCOMPLETE (default 8). */
  readonly maxBatchRetries?: number;
}

/** One table with transparent item encryption (Python `EncryptedTable`); see {@link EncryptedClient}. */
export class EncryptedTable {
  readonly tableName: string;
  /** The EncryptedClient the calls go through. */
  readonly encryptedClient: EncryptedClient;
  readonly #retries: number;

  constructor(options: EncryptedTableOptions) {
    if (typeof options?.tableName !== 'string' || options.tableName === '') throw new DynamoDbEncryptionError('DDB_TABLE_INFO', 'EncryptedTable needs a tableName');
    this.tableName = options.tableName;
    this.#retries = options.maxBatchRetries ?? 8;
    this.encryptedClient = new EncryptedClient({
      client: options.client,
      materialsProvider: options.materialsProvider,
      ...(options.attributeActions ? { attributeActions: options.attributeActions } : {}),
      ...(options.tableInfo ? { tableInfo: [{ ...options.tableInfo, name: options.tableName }] } : {}),
    });
  }

  /** PutItem, the item encrypted and signed. */
  putItem(input: TablePutItemInput, options?: RequestOptions): Promise<ItemOutput> {
    return this.encryptedClient.putItem({ ...input, TableName: this.tableName }, options);
  }

  /** GetItem, the item verified and decrypted. */
  getItem(input: TableGetItemInput, options?: RequestOptions): Promise<ItemOutput> {
    return this.encryptedClient.getItem({ ...input, TableName: this.tableName }, options);
  }

  /** DeleteItem. */
  deleteItem(input: TableDeleteItemInput, options?: RequestOptions): Promise<ItemOutput> {
    return this.encryptedClient.deleteItem({ ...input, TableName: this.tableName }, options);
  }

  /** UpdateItem of DO_NOTHING attributes only. */
  updateItem(input: TableUpdateItemInput, options?: RequestOptions): Promise<ItemOutput> {
    return this.encryptedClient.updateItem({ ...input, TableName: this.tableName }, options);
  }

  /** Query, every item verified and decrypted. */
  query(input: TableQueryInput, options?: RequestOptions): Promise<ItemsOutput> {
    return this.encryptedClient.query({ ...input, TableName: this.tableName }, options);
  }

  /** Scan, every item verified and decrypted. */
  scan(input: TableQueryInput = {}, options?: RequestOptions): Promise<ItemsOutput> {
    return this.encryptedClient.scan({ ...input, TableName: this.tableName }, options);
  }

  /** Every page of a Query, decrypted. */
  paginateQuery(input: TableQueryInput, options?: RequestOptions): AsyncGenerator<ItemsOutput, void, undefined> {
    return this.encryptedClient.paginateQuery({ ...input, TableName: this.tableName }, options);
  }

  /** Every page of a Scan, decrypted. */
  paginateScan(input: TableQueryInput = {}, options?: RequestOptions): AsyncGenerator<ItemsOutput, void, undefined> {
    return this.encryptedClient.paginateScan({ ...input, TableName: this.tableName }, options);
  }

  /**
   * Writes puts and deletes in BatchWriteItem calls of at most 25, each put encrypted, sending
   * unprocessed requests again (Python's batch_writer); DDB_BATCH_INCOMPLETE if some never go through.
   */
  async batchWrite(requests: readonly WriteRequest[], options?: RequestOptions): Promise<void> {
    for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) {
      let pending: readonly WriteRequest[] = requests.slice(i, i + BATCH_WRITE_LIMIT);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > this.#retries) throw incomplete('BatchWriteItem', pending.length, this.tableName);
        if (attempt > 0) await backoff(attempt);
        const out = await this.encryptedClient.batchWriteItem({ RequestItems: { [this.tableName]: pending } }, options);
        pending = out.UnprocessedItems?.[this.tableName] ?? [];
      }
    }
  }

  /** Reads items by key in BatchGetItem calls of at most 100, decrypted; order is the server's. */
  async batchGet(keys: readonly DynamoDbItem[], options?: RequestOptions): Promise<DynamoDbItem[]> {
    const items: DynamoDbItem[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending: readonly DynamoDbItem[] = keys.slice(i, i + BATCH_GET_LIMIT);
      for (let attempt = 0; pending.length > 0; attempt++) {
        if (attempt > this.#retries) throw incomplete('BatchGetItem', pending.length, this.tableName);
        if (attempt > 0) await backoff(attempt);
        const out = await this.encryptedClient.batchGetItem({ RequestItems: { [this.tableName]: { Keys: pending } } }, options);
        items.push(...(out.Responses?.[this.tableName] ?? []));
        pending = out.UnprocessedKeys?.[this.tableName]?.Keys ?? [];
      }
    }
    return items;
  }
}

function incomplete(op: string, count: number, table: string): DynamoDbEncryptionError {
  return new DynamoDbEncryptionError('DDB_BATCH_INCOMPLETE', `${op} on table '${table}': ${count} request(s) stayed unprocessed after every retry (throttling); try again later or raise the table's capacity`);
}

// Exponential backoff between resends of unprocessed requests (AWS guidance for BatchWriteItem).
function backoff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.min(50 * 2 ** attempt, 2_000)));
}
