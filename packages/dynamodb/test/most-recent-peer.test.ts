// MostRecentProvider/MetaStore against the Python client's CachingMostRecentProvider/MetaStore, both
// on one DynamoDB table in moto (PyPI moto[server], AWS's emulator): rows Python writes are read by
// fle-ts and rows fle-ts writes are read by Python, and items encrypted under each side's version
// decrypt on the other. fle-ts reaches the table through a test-only MetaStoreTable over the
// DynamoDB JSON API (SigV4 by @fle-ts/kms), since this package has no AWS SDK client yet.
import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signSigV4 } from '@fle-ts/kms';
import { REPO_ROOT } from '../../../scripts/test-support/shared.js';
import {
  AttributeActions,
  decryptDynamodbItem,
  deserializeMaterialDescription,
  encryptDynamodbItem,
  itemFromDynamodbJson,
  itemToDynamodbJson,
  JceNameLocalDelegatedKey,
  MetaStore,
  MostRecentProvider,
  RawDecryptionMaterials,
  RawEncryptionMaterials,
  StaticCryptographicMaterialsProvider,
  type DynamoDbItem,
  type MetaStoreTable,
} from '../src/index.js';
import { describeMoto, startMoto } from '../../kms/test/net-support.js';
import { comparable } from './vectors.js';

const CREDS = { accessKeyId: 'AKIDMETASTORE', secretAccessKey: 'metastore-secret' };
const REGION = 'us-east-1';
const META_TABLE = 'MetaStoreTable';
const SCRIPT = join(REPO_ROOT, 'packages/dynamodb/test/peer/python_peer.py');
const pythonReady = spawnSync('python3', ['-c', 'import dynamodb_encryption_sdk, boto3'], { encoding: 'utf8' }).status === 0;

/** A MetaStoreTable over moto's DynamoDB JSON API (GetItem, PutItem with a condition, Query). */
function motoTable(port: number): MetaStoreTable {
  const call = async (op: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const text = JSON.stringify(body);
    const signed = signSigV4({
      method: 'POST', pathAndQuery: '/', region: REGION, service: 'dynamodb', ...CREDS, date: new Date(), body: text,
      headers: [['Content-Type', 'application/x-amz-json-1.0'], ['X-Amz-Target', `DynamoDB_20120810.${op}`], ['Host', `127.0.0.1:${port}`]],
    });
    const headers = Object.fromEntries(signed.headers.filter(([n]) => !['host', 'content-length'].includes(n.toLowerCase())));
    const res = await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers, body: text });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  return {
    async getItem(name, version) {
      const r = await call('GetItem', { TableName: META_TABLE, Key: { N: { S: name }, V: { N: String(version) } }, ConsistentRead: true });
      expect(r.status).toBe(200);
      return r.json.Item ? itemFromDynamodbJson(r.json.Item) : undefined;
    },
    async putItemIfAbsent(item) {
      const r = await call('PutItem', { TableName: META_TABLE, Item: itemToDynamodbJson(item), ConditionExpression: 'attribute_not_exists(#n)', ExpressionAttributeNames: { '#n': 'N' } });
      if (r.status === 400 && String(r.json.__type).includes('ConditionalCheckFailed')) return false;
      expect(r.status).toBe(200);
      return true;
    },
    async latestItem(name) {
      const r = await call('Query', {
        TableName: META_TABLE, KeyConditionExpression: '#n = :n', ExpressionAttributeNames: { '#n': 'N' }, ExpressionAttributeValues: { ':n': { S: name } },
        ScanIndexForward: false, Limit: 1, ConsistentRead: true,
      });
      expect(r.status).toBe(200);
      const items = r.json.Items as unknown[];
      return items.length ? itemFromDynamodbJson(items[0]) : undefined;
    },
  };
}

describeMoto('MostRecentProvider + MetaStore against the Python client on one moto table', () => {
  let moto: { port: number; stop: () => void };
  const aes = new Uint8Array(randomBytes(32));
  const mac = new Uint8Array(randomBytes(32));
  const sym = (k: Uint8Array, a: string): JceNameLocalDelegatedKey => new JceNameLocalDelegatedKey(k, a, 'SYMMETRIC');
  const rows = new StaticCryptographicMaterialsProvider({
    encryptionMaterials: new RawEncryptionMaterials({ encryptionKey: sym(aes, 'AES'), signingKey: sym(mac, 'HmacSHA256') }),
    decryptionMaterials: new RawDecryptionMaterials({ decryptionKey: sym(aes, 'AES'), verificationKey: sym(mac, 'HmacSHA256') }),
  });
  const items: DynamoDbItem[] = [
    { pk: { S: 'p1' }, secret: { S: 'alpha' }, n: { NS: ['1', '2.5'] } },
    { pk: { S: 'p2' }, secret: { B: Uint8Array.of(9, 8, 7) } },
  ];

  async function python(op: 'encrypt' | 'decrypt', input: DynamoDbItem[]): Promise<Record<string, unknown>[]> {
    const request = {
      op, table: 'Data', partition: 'pk', sort: null, actions: { default: 'ENCRYPT_AND_SIGN' }, items: input.map(itemToDynamodbJson),
      provider: { kind: 'most_recent', metaTable: META_TABLE, materialName: 'shared', aesKey: Buffer.from(aes).toString('base64'), hmacKey: Buffer.from(mac).toString('base64') },
    };
    const child = promisify(execFile)('python3', [SCRIPT], {
      encoding: 'utf8',
      env: {
        ...process.env, AWS_ACCESS_KEY_ID: CREDS.accessKeyId, AWS_SECRET_ACCESS_KEY: CREDS.secretAccessKey, AWS_DEFAULT_REGION: REGION,
        AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${moto.port}`, AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
      },
    });
    child.child.stdin!.end(JSON.stringify(request));
    const out = (JSON.parse((await child).stdout) as { items: Record<string, unknown>[] }).items;
    for (const o of out) expect(o.error).toBeUndefined();
    return out;
  }

  beforeAll(async () => {
    moto = await startMoto();
  });
  afterAll(() => moto?.stop());

  it.runIf(pythonReady)('Python writes version 0 and items; fle-ts reads its row and the items; fle-ts writes version 1; Python reads both', async () => {
    const fromPython = (await python('encrypt', items)).map(itemFromDynamodbJson);
    const metaId = (x: DynamoDbItem): string => deserializeMaterialDescription((x['*amzn-ddb-map-desc*'] as { B: Uint8Array }).B)['amzn-ddb-meta-id']!;
    expect(fromPython.map(metaId)).toEqual(['shared#0', 'shared#0']);

    const store = new MetaStore({ table: motoTable(moto.port), tableName: META_TABLE, materialsProvider: rows });
    expect(await store.maxVersion('shared')).toBe(0);
    const cfg = { materialsProvider: new MostRecentProvider({ providerStore: store, materialName: 'shared', versionTtlMs: 0 }), encryptionContext: { tableName: 'Data', partitionKeyName: 'pk' }, attributeActions: new AttributeActions() };
    for (const [i, x] of fromPython.entries()) expect(comparable(await decryptDynamodbItem(x, cfg))).toEqual(comparable(items[i]!));

    await store.getOrCreateProvider('shared', 1); // a row written by fle-ts
    const ours = await Promise.all(items.map((i) => encryptDynamodbItem(i, cfg)));
    expect(ours.map(metaId)).toEqual(['shared#1', 'shared#1']);
    const back = await python('decrypt', [...ours, ...fromPython]);
    back.forEach((b, i) => expect(comparable(itemFromDynamodbJson(b))).toEqual(comparable(items[i % 2]!)));
  });
});
