// A table's key schema as the encrypted helpers need it (Python structures.py TableInfo /
// TableIndex, internal/utils.py TableInfoCache): the primary key is signed, never encrypted; the
// secondary index keys are refused as ENCRYPT_AND_SIGN on write. Read once per table with
// DescribeTable and cached.
import { DynamoDbEncryptionError } from './errors.js';

/** The key schema of one table. */
export interface TableInfo {
  /** The table name (signed with every item). */
  readonly name: string;
  /** Partition (HASH) key attribute. */
  readonly partitionKeyName: string;
  /** Sort (RANGE) key attribute, if any. */
  readonly sortKeyName?: string;
  /** Key attributes of the local and global secondary indexes. */
  readonly secondaryIndexKeys?: readonly string[];
}

/** One KeySchema element as DescribeTable returns it. */
export interface KeySchemaElementLike {
  readonly AttributeName?: string;
  readonly KeyType?: string;
}

/** The part of a DescribeTable answer read here (AWS SDK v3 `DescribeTableCommandOutput`). */
export interface DescribeTableOutputLike {
  readonly Table?: {
    readonly KeySchema?: readonly KeySchemaElementLike[];
    readonly LocalSecondaryIndexes?: readonly { readonly KeySchema?: readonly KeySchemaElementLike[] }[];
    readonly GlobalSecondaryIndexes?: readonly { readonly KeySchema?: readonly KeySchemaElementLike[] }[];
  };
}

/** A client that can describe a table (the AWS SDK v3 `DynamoDB` class has this method). */
export interface DescribeTableClient {
  describeTable(input: { TableName: string }): Promise<DescribeTableOutputLike>;
}

/** The TableInfo of a DescribeTable answer; DDB_TABLE_INFO when it holds no HASH key. */
export function tableInfoFromDescription(name: string, description: DescribeTableOutputLike): TableInfo {
  const schema = description.Table?.KeySchema ?? [];
  const partition = schema.find((k) => k.KeyType === 'HASH')?.AttributeName;
  if (typeof partition !== 'string') throw new DynamoDbEncryptionError('DDB_TABLE_INFO', `DescribeTable for table '${name}' returned no HASH key in its KeySchema`);
  const sort = schema.find((k) => k.KeyType === 'RANGE')?.AttributeName;
  const indexes = [...(description.Table?.LocalSecondaryIndexes ?? []), ...(description.Table?.GlobalSecondaryIndexes ?? [])];
  const secondary = new Set<string>();
  for (const index of indexes) for (const k of index.KeySchema ?? []) if (typeof k.AttributeName === 'string') secondary.add(k.AttributeName);
  return { name, partitionKeyName: partition, ...(sort !== undefined ? { sortKeyName: sort } : {}), secondaryIndexKeys: [...secondary] };
}

/** TableInfo per table name: given ones first, else one DescribeTable per table, cached (failures are not). */
export class TableInfoCache {
  readonly #client: DescribeTableClient;
  readonly #known = new Map<string, TableInfo>();
  readonly #pending = new Map<string, Promise<TableInfo>>();
  readonly #describe: boolean;

  /** `known`: key schemas given up front; `describe` false: never call DescribeTable. */
  constructor(client: DescribeTableClient, known: readonly TableInfo[] = [], describe = true) {
    this.#client = client;
    for (const info of known) this.#known.set(info.name, info);
    this.#describe = describe;
  }

  /** The key schema of `tableName`. */
  async tableInfo(tableName: string): Promise<TableInfo> {
    if (typeof tableName !== 'string' || tableName === '') throw new DynamoDbEncryptionError('DDB_TABLE_INFO', 'a request names no TableName');
    const known = this.#known.get(tableName);
    if (known) return known;
    if (!this.#describe) {
      throw new DynamoDbEncryptionError('DDB_TABLE_INFO', `no key schema for table '${tableName}': pass it in tableInfo, or allow DescribeTable (autoRefreshTableIndexes)`);
    }
    let pending = this.#pending.get(tableName);
    if (!pending) {
      pending = this.#client.describeTable({ TableName: tableName }).then(
        (d) => {
          const info = tableInfoFromDescription(tableName, d);
          this.#known.set(tableName, info);
          return info;
        },
        (e: unknown) => {
          throw e instanceof DynamoDbEncryptionError
            ? e
            : new DynamoDbEncryptionError('DDB_TABLE_INFO', `DescribeTable for table '${tableName}' failed; check the table exists and dynamodb:DescribeTable is allowed, or pass tableInfo`, { cause: e });
        },
      );
      this.#pending.set(tableName, pending);
      // A failure is not cached: the next request asks again.
      pending.catch(() => this.#pending.delete(tableName));
    }
    return pending;
  }
}
