// EncryptedClient: the AWS SDK v3 DynamoDB client with transparent item encryption (Python
// encrypted/client.py EncryptedClient and internal/utils.py). Writes encrypt and sign every item,
// reads verify and decrypt every item (all or nothing: one bad item fails the call), the table's
// key schema comes from DescribeTable (cached) so partition and sort keys stay signed plaintext.
// The SDK is an optional peer: the client is typed structurally, nothing of it is imported.
import { AttributeActions } from './actions.js';
import type { DynamoDbItem } from './attribute-value.js';
import { DynamoDbEncryptionError } from './errors.js';
import {
  checkAttributeUpdates,
  checkConditionExpression,
  checkLegacyConditions,
  checkUpdateExpression,
  checkWholeItemRead,
  type ExpressionAttributeNames,
} from './expressions.js';
import { decryptDynamodbItem, encryptDynamodbItem, ReservedAttributes, type CryptoConfig } from './item-encryptor.js';
import type { CryptographicMaterialsProvider } from './materials.js';
import { TableInfoCache, type DescribeTableClient, type TableInfo } from './table-info.js';

/** Request fields shared by the operations (the rest of an SDK input passes through untouched). */
interface RequestBase {
  readonly ExpressionAttributeNames?: ExpressionAttributeNames;
  readonly [field: string]: unknown;
}

/** PutItem input without TableName (EncryptedTable). */
export interface TablePutItemInput extends RequestBase {
  readonly Item: DynamoDbItem;
  readonly ConditionExpression?: string;
  readonly ReturnValues?: string;
}
/** GetItem input without TableName; no ProjectionExpression / AttributesToGet. */
export interface TableGetItemInput extends RequestBase {
  readonly Key: DynamoDbItem;
}
/** DeleteItem input without TableName. */
export interface TableDeleteItemInput extends RequestBase {
  readonly Key: DynamoDbItem;
  readonly ConditionExpression?: string;
  readonly ReturnValues?: string;
}
/** UpdateItem input without TableName: only DO_NOTHING attributes may change. */
export interface TableUpdateItemInput extends TableDeleteItemInput {
  readonly UpdateExpression?: string;
}
/** Query or Scan input without TableName; no projection, filters only on attributes that are not encrypted. */
export interface TableQueryInput extends RequestBase {
  readonly KeyConditionExpression?: string;
  readonly FilterExpression?: string;
  readonly ExclusiveStartKey?: DynamoDbItem;
}
interface Named {
  readonly TableName: string;
}
/** PutItem input (AWS SDK v3 `PutItemCommandInput`), the item in plaintext. */
export interface PutItemInput extends TablePutItemInput, Named {}
/** GetItem input. */
export interface GetItemInput extends TableGetItemInput, Named {}
/** DeleteItem input. */
export interface DeleteItemInput extends TableDeleteItemInput, Named {}
/** UpdateItem input. */
export interface UpdateItemInput extends TableUpdateItemInput, Named {}
/** Query input. */
export interface QueryInput extends TableQueryInput, Named {}
/** Scan input. */
export type ScanInput = QueryInput;
/** One BatchWriteItem request. */
export type WriteRequest = { readonly PutRequest: { readonly Item: DynamoDbItem } } | { readonly DeleteRequest: { readonly Key: DynamoDbItem } };
/** BatchWriteItem input. */
export interface BatchWriteItemInput extends RequestBase {
  readonly RequestItems: { readonly [tableName: string]: readonly WriteRequest[] };
}
/** BatchGetItem input. */
export interface BatchGetItemInput extends RequestBase {
  readonly RequestItems: { readonly [tableName: string]: { readonly Keys: readonly DynamoDbItem[]; readonly [field: string]: unknown } };
}
/** One TransactWriteItems element. */
export interface TransactWriteItem {
  readonly Put?: PutItemInput;
  readonly Update?: UpdateItemInput;
  readonly Delete?: DeleteItemInput;
  readonly ConditionCheck?: DeleteItemInput;
}
/** TransactWriteItems input. */
export interface TransactWriteItemsInput extends RequestBase {
  readonly TransactItems: readonly TransactWriteItem[];
}
/** TransactGetItems input. */
export interface TransactGetItemsInput extends RequestBase {
  readonly TransactItems: readonly { readonly Get: GetItemInput }[];
}

/** A response with its other fields ($metadata, ConsumedCapacity ...) passed through. */
interface ResponseBase {
  readonly [field: string]: unknown;
}
/** A response holding one item (GetItem) or the returned attributes (Put/Update/DeleteItem). */
export interface ItemOutput extends ResponseBase {
  readonly Item?: DynamoDbItem;
  readonly Attributes?: DynamoDbItem;
}
/** Query / Scan response with decrypted Items. */
export interface ItemsOutput extends ResponseBase {
  readonly Items?: DynamoDbItem[];
  readonly LastEvaluatedKey?: DynamoDbItem;
}
/** BatchWriteItem response; UnprocessedItems hold the plaintext requests again. */
export interface BatchWriteItemOutput extends ResponseBase {
  readonly UnprocessedItems?: { [tableName: string]: WriteRequest[] };
}
/** BatchGetItem response with decrypted Responses. */
export interface BatchGetItemOutput extends ResponseBase {
  readonly Responses?: { [tableName: string]: DynamoDbItem[] };
  readonly UnprocessedKeys?: BatchGetItemInput['RequestItems'];
}
/** TransactGetItems response with decrypted items. */
export interface TransactGetItemsOutput extends ResponseBase {
  readonly Responses?: { Item?: DynamoDbItem }[];
}

/**
 * The DynamoDB client methods the helpers call. The AWS SDK v3 `DynamoDB` class
 * (`new DynamoDB({...})` from `@aws-sdk/client-dynamodb`) has them all.
 */
export interface DynamoDbClientLike extends DescribeTableClient {
  putItem(input: object): Promise<object>;
  getItem(input: object): Promise<object>;
  deleteItem(input: object): Promise<object>;
  updateItem(input: object): Promise<object>;
  query(input: object): Promise<object>;
  scan(input: object): Promise<object>;
  batchWriteItem(input: object): Promise<object>;
  batchGetItem(input: object): Promise<object>;
  transactWriteItems(input: object): Promise<object>;
  transactGetItems(input: object): Promise<object>;
}

/** Options of {@link EncryptedClient}. */
export interface EncryptedClientOptions {
  /** The DynamoDB client (the AWS SDK v3 `DynamoDB` class). */
  readonly client: DynamoDbClientLike;
  /** Materials for every item written and read. */
  readonly materialsProvider: CryptographicMaterialsProvider;
  /** Actions for tables without their own (default: everything ENCRYPT_AND_SIGN but the keys). */
  readonly attributeActions?: AttributeActions;
  /** Actions per table name. */
  readonly tableAttributeActions?: { readonly [tableName: string]: AttributeActions };
  /** Key schemas known up front (no DescribeTable for these tables). */
  readonly tableInfo?: readonly TableInfo[];
  /** Call DescribeTable for tables not in tableInfo (default true, needs dynamodb:DescribeTable). */
  readonly autoRefreshTableIndexes?: boolean;
}

/** Per-request options: a CryptoConfig used as is for this request (Python's `crypto_config=`). */
export interface RequestOptions {
  readonly cryptoConfig?: CryptoConfig;
}

/**
 * A DynamoDB client whose reads and writes encrypt, sign, verify and decrypt items transparently
 * (Python `EncryptedClient`). Methods take and return the AWS SDK v3 shapes with plaintext items.
 * Refused with typed errors: partial reads (projections), conditions and filters reading encrypted
 * attributes, updates of signed attributes. Other operations: use {@link EncryptedClient.client}.
 */
export class EncryptedClient {
  /** The wrapped client, for operations on tables rather than items (CreateTable ...). */
  readonly client: DynamoDbClientLike;
  readonly #provider: CryptographicMaterialsProvider;
  readonly #actions: AttributeActions;
  readonly #tableActions: ReadonlyMap<string, AttributeActions>;
  readonly #tables: TableInfoCache;

  constructor(options: EncryptedClientOptions) {
    if (!options?.client || typeof options.client.putItem !== 'function' || typeof options.client.describeTable !== 'function') {
      throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_REQUEST', 'EncryptedClient needs a client with putItem, getItem, describeTable ...: pass the AWS SDK v3 DynamoDB class (new DynamoDB({...}))');
    }
    if (!options.materialsProvider) throw new DynamoDbEncryptionError('DDB_NO_MATERIALS', 'EncryptedClient needs a materialsProvider');
    this.client = options.client;
    this.#provider = options.materialsProvider;
    this.#actions = checkedActions(options.attributeActions ?? new AttributeActions(), 'attributeActions');
    this.#tableActions = new Map(Object.entries(options.tableAttributeActions ?? {}).map(([t, a]) => [t, checkedActions(a, `tableAttributeActions['${t}']`)]));
    this.#tables = new TableInfoCache(options.client, options.tableInfo ?? [], options.autoRefreshTableIndexes ?? true);
  }

  /** The CryptoConfig of a table: its actions with the primary key signed only, its key names. */
  async cryptoConfig(tableName: string): Promise<CryptoConfig> {
    const info = await this.#tables.tableInfo(tableName);
    const actions = (this.#tableActions.get(tableName) ?? this.#actions).withIndexKeys(info.partitionKeyName, info.sortKeyName);
    return {
      materialsProvider: this.#provider,
      encryptionContext: { tableName, partitionKeyName: info.partitionKeyName, ...(info.sortKeyName !== undefined ? { sortKeyName: info.sortKeyName } : {}) },
      attributeActions: actions,
    };
  }

  /** PutItem with the item encrypted and signed; ReturnValues ALL_OLD comes back decrypted. */
  async putItem(input: PutItemInput, options?: RequestOptions): Promise<ItemOutput> {
    const config = await this.#config(input.TableName, options);
    checkWrite(input, config.attributeActions, 'PutItem');
    const Item = await this.#encrypt(input.Item, config, 'PutItem');
    const out = (await this.client.putItem({ ...input, Item })) as ItemOutput;
    return input.ReturnValues === 'ALL_OLD' ? withDecrypted(out, 'Attributes', config) : out;
  }

  /** GetItem with the item verified and decrypted (no projections). */
  async getItem(input: GetItemInput, options?: RequestOptions): Promise<ItemOutput> {
    checkWholeItemRead(input, 'GetItem');
    const config = await this.#config(input.TableName, options);
    return withDecrypted((await this.client.getItem(input)) as ItemOutput, 'Item', config);
  }

  /** DeleteItem (the key is plaintext); ReturnValues ALL_OLD comes back decrypted. */
  async deleteItem(input: DeleteItemInput, options?: RequestOptions): Promise<ItemOutput> {
    const config = await this.#config(input.TableName, options);
    checkWrite(input, config.attributeActions, 'DeleteItem');
    const out = (await this.client.deleteItem(input)) as ItemOutput;
    return input.ReturnValues === 'ALL_OLD' ? withDecrypted(out, 'Attributes', config) : out;
  }

  /**
   * UpdateItem limited to DO_NOTHING attributes (anything else would break the signature: Python
   * refuses every update_item). ReturnValues ALL_OLD / ALL_NEW come back decrypted.
   */
  async updateItem(input: UpdateItemInput, options?: RequestOptions): Promise<ItemOutput> {
    const config = await this.#config(input.TableName, options);
    checkUpdate(input, config.attributeActions, 'UpdateItem');
    const out = (await this.client.updateItem(input)) as ItemOutput;
    return input.ReturnValues === 'ALL_OLD' || input.ReturnValues === 'ALL_NEW' ? withDecrypted(out, 'Attributes', config) : out;
  }

  /** Query with every returned item verified and decrypted (one bad item fails the call). */
  async query(input: QueryInput, options?: RequestOptions): Promise<ItemsOutput> {
    return this.#multiGet(input, options, 'Query', (i) => this.client.query(i));
  }

  /** Scan with every returned item verified and decrypted (one bad item fails the call). */
  async scan(input: ScanInput, options?: RequestOptions): Promise<ItemsOutput> {
    return this.#multiGet(input, options, 'Scan', (i) => this.client.scan(i));
  }

  /** Every page of a Query (following LastEvaluatedKey), decrypted. */
  async *paginateQuery(input: QueryInput, options?: RequestOptions): AsyncGenerator<ItemsOutput, void, undefined> {
    yield* this.#pages(input, (i) => this.query(i, options));
  }

  /** Every page of a Scan (following LastEvaluatedKey), decrypted. */
  async *paginateScan(input: ScanInput, options?: RequestOptions): AsyncGenerator<ItemsOutput, void, undefined> {
    yield* this.#pages(input, (i) => this.scan(i, options));
  }

  /**
   * BatchWriteItem with every PutRequest item encrypted (DeleteRequests pass). UnprocessedItems come
   * back as the plaintext requests they were, ready to be sent again through this client.
   */
  async batchWriteItem(input: BatchWriteItemInput, options?: RequestOptions): Promise<BatchWriteItemOutput> {
    const requestItems: Record<string, WriteRequest[]> = {};
    // Unprocessed puts are matched back by their signature (unique per encrypted item).
    const bySignature = new Map<string, WriteRequest>();
    for (const [table, requests] of Object.entries(requestItems0(input))) {
      const config = await this.#config(table, options);
      requestItems[table] = await Promise.all(
        requests.map(async (r) => {
          if (!('PutRequest' in r) || r.PutRequest === undefined) return r;
          const Item = await this.#encrypt(r.PutRequest.Item, config, `BatchWriteItem '${table}'`);
          const signature = signatureKey(Item);
          if (signature !== undefined) bySignature.set(`${table}\u0000${signature}`, r);
          return { PutRequest: { ...r.PutRequest, Item } };
        }),
      );
    }
    const out = (await this.client.batchWriteItem({ ...input, RequestItems: requestItems })) as BatchWriteItemOutput;
    if (!out.UnprocessedItems) return out;
    const unprocessed: Record<string, WriteRequest[]> = {};
    for (const [table, requests] of Object.entries(out.UnprocessedItems)) {
      unprocessed[table] = requests.map((r) => {
        if (!('PutRequest' in r) || r.PutRequest === undefined) return r;
        const signature = signatureKey(r.PutRequest.Item);
        return (signature !== undefined ? bySignature.get(`${table}\u0000${signature}`) : undefined) ?? r;
      });
    }
    return { ...out, UnprocessedItems: unprocessed };
  }

  /** BatchGetItem with every returned item verified and decrypted (no projections). */
  async batchGetItem(input: BatchGetItemInput, options?: RequestOptions): Promise<BatchGetItemOutput> {
    const requestItems = input.RequestItems ?? {};
    const configs = new Map<string, CryptoConfig>();
    for (const [table, request] of Object.entries(requestItems)) {
      checkWholeItemRead(request, `BatchGetItem '${table}'`);
      configs.set(table, await this.#config(table, options));
    }
    const out = (await this.client.batchGetItem(input)) as BatchGetItemOutput;
    if (!out.Responses) return out;
    const responses: Record<string, DynamoDbItem[]> = {};
    for (const [table, items] of Object.entries(out.Responses)) {
      const config = configs.get(table) ?? (await this.#config(table, options));
      responses[table] = await Promise.all(items.map((item) => decryptDynamodbItem(item, config)));
    }
    return { ...out, Responses: responses };
  }

  /** TransactWriteItems: Put items encrypted, Update limited to DO_NOTHING attributes, conditions checked. */
  async transactWriteItems(input: TransactWriteItemsInput, options?: RequestOptions): Promise<ResponseBase> {
    const items = await Promise.all(
      (input.TransactItems ?? []).map(async (t, i) => {
        const where = `TransactWriteItems[${i}]`;
        if (t.Put) {
          const config = await this.#config(t.Put.TableName, options);
          checkWrite(t.Put, config.attributeActions, `${where}.Put`);
          return { ...t, Put: { ...t.Put, Item: await this.#encrypt(t.Put.Item, config, `${where}.Put`) } };
        }
        if (t.Update) checkUpdate(t.Update, (await this.#config(t.Update.TableName, options)).attributeActions, `${where}.Update`);
        if (t.Delete) checkWrite(t.Delete, (await this.#config(t.Delete.TableName, options)).attributeActions, `${where}.Delete`);
        if (t.ConditionCheck) checkWrite(t.ConditionCheck, (await this.#config(t.ConditionCheck.TableName, options)).attributeActions, `${where}.ConditionCheck`);
        return t;
      }),
    );
    return (await this.client.transactWriteItems({ ...input, TransactItems: items })) as ResponseBase;
  }

  /** TransactGetItems with every returned item verified and decrypted (no projections). */
  async transactGetItems(input: TransactGetItemsInput, options?: RequestOptions): Promise<TransactGetItemsOutput> {
    const gets = input.TransactItems ?? [];
    const configs = await Promise.all(
      gets.map(async (t, i) => {
        if (!t?.Get) throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_REQUEST', `TransactGetItems[${i}] has no Get`);
        checkWholeItemRead(t.Get, `TransactGetItems[${i}].Get`);
        return this.#config(t.Get.TableName, options);
      }),
    );
    const out = (await this.client.transactGetItems(input)) as TransactGetItemsOutput;
    if (!out.Responses) return out;
    const responses = await Promise.all(out.Responses.map((r, i) => (r.Item ? decryptDynamodbItem(r.Item, configs[i]!).then((Item) => ({ ...r, Item })) : r)));
    return { ...out, Responses: responses };
  }

  async #config(tableName: string, options: RequestOptions | undefined): Promise<CryptoConfig> {
    return options?.cryptoConfig ?? this.cryptoConfig(tableName);
  }

  /** Encrypts one item, refusing ENCRYPT_AND_SIGN on a secondary index key (it would index ciphertext). */
  async #encrypt(item: DynamoDbItem, config: CryptoConfig, where: string): Promise<DynamoDbItem> {
    const table = config.encryptionContext.tableName;
    if (table !== undefined) {
      const info = await this.#tables.tableInfo(table).catch(() => undefined);
      for (const key of info?.secondaryIndexKeys ?? []) {
        if (Object.hasOwn(item ?? {}, key) && config.attributeActions.action(key) === 'ENCRYPT_AND_SIGN') {
          throw new DynamoDbEncryptionError('DDB_BAD_ACTIONS', `${where}: attribute '${key}' is a secondary index key of table '${table}' and would be stored encrypted; set it to SIGN_ONLY or DO_NOTHING`);
        }
      }
    }
    return encryptDynamodbItem(item, config);
  }

  async #multiGet(input: QueryInput, options: RequestOptions | undefined, op: string, send: (input: object) => Promise<object>): Promise<ItemsOutput> {
    checkWholeItemRead(input, op);
    const config = await this.#config(input.TableName, options);
    const actions = config.attributeActions;
    checkConditionExpression(input.KeyConditionExpression, input.ExpressionAttributeNames, actions, `${op} KeyConditionExpression`);
    checkConditionExpression(input.FilterExpression, input.ExpressionAttributeNames, actions, `${op} FilterExpression`);
    for (const legacy of ['KeyConditions', 'QueryFilter', 'ScanFilter']) checkLegacyConditions(input[legacy], actions, `${op} ${legacy}`);
    const out = (await send(input)) as ItemsOutput;
    if (!out.Items) return out;
    return { ...out, Items: await Promise.all(out.Items.map((item) => decryptDynamodbItem(item, config))) };
  }

  async *#pages(input: QueryInput, read: (input: QueryInput) => Promise<ItemsOutput>): AsyncGenerator<ItemsOutput, void, undefined> {
    let start = input.ExclusiveStartKey;
    do {
      const page = await read(start === undefined ? input : { ...input, ExclusiveStartKey: start });
      yield page;
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }
}

function checkedActions(actions: unknown, where: string): AttributeActions {
  if (!(actions instanceof AttributeActions)) throw new DynamoDbEncryptionError('DDB_BAD_ACTIONS', `${where} must be an AttributeActions`);
  return actions;
}

function requestItems0(input: BatchWriteItemInput): { readonly [tableName: string]: readonly WriteRequest[] } {
  if (!input?.RequestItems || typeof input.RequestItems !== 'object') throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_REQUEST', 'BatchWriteItem needs RequestItems');
  return input.RequestItems;
}

/** Conditions of a put, delete or condition check: none may read an encrypted attribute. */
function checkWrite(input: RequestBase, actions: AttributeActions, where: string): void {
  checkConditionExpression(input.ConditionExpression, input.ExpressionAttributeNames, actions, `${where} ConditionExpression`);
  checkLegacyConditions(input.Expected, actions, `${where} Expected`);
}

function checkUpdate(input: UpdateItemInput, actions: AttributeActions, where: string): void {
  checkUpdateExpression(input.UpdateExpression, input.ExpressionAttributeNames, actions, `${where} UpdateExpression`);
  checkAttributeUpdates(input.AttributeUpdates, actions, `${where} AttributeUpdates`);
  checkWrite(input, actions, where);
}

async function withDecrypted(out: ItemOutput, field: 'Item' | 'Attributes', config: CryptoConfig): Promise<ItemOutput> {
  const item = out[field];
  if (item === undefined) return out;
  return { ...out, [field]: await decryptDynamodbItem(item, config) };
}

/** The item's signature bytes as a map key (hex), or undefined when it carries none. */
function signatureKey(item: DynamoDbItem | undefined): string | undefined {
  const sig = item?.[ReservedAttributes.SIGNATURE];
  if (!sig || !('B' in sig) || !(sig.B instanceof Uint8Array)) return undefined;
  return Array.from(sig.B, (b) => b.toString(16).padStart(2, '0')).join('');
}
