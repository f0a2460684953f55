// MetaStore: the provider store of the most-recent provider (Python material_providers/store/meta.py,
// Java MetaStore). Each (material name, version) row of a DynamoDB table holds an AES-256 wrapping
// key `enc` and an HmacSHA256 signing key `int`, the row itself encrypted and signed by another
// materials provider; a row becomes a WrappedCryptographicMaterialsProvider whose items carry
// `amzn-ddb-meta-id: <name>#<version>`. The table is injected ({@link MetaStoreTable}), so this
// package needs no AWS SDK; {@link MemoryMetaStoreTable} is an in-memory one.
import { randomBytes } from '@fle-ts/crypto-core';
import { AttributeActions } from './actions.js';
import type { DynamoDbItem } from './attribute-value.js';
import { JceNameLocalDelegatedKey } from './delegated-key.js';
import { DynamoDbEncryptionError } from './errors.js';
import { decryptDynamodbItem, encryptDynamodbItem } from './item-encryptor.js';
import { MaterialDescriptionKeys, type MaterialDescription } from './material-description.js';
import type { CryptographicMaterialsProvider } from './materials.js';
import { WrappedCryptographicMaterialsProvider } from './wrapped-provider.js';

/** The rows' attribute names and fixed values (Python MetaStoreAttributeNames / MetaStoreValues). */
const N = 'N';
const V = 'V';
const MATERIAL_TYPE_VERSION = '0';

/** The DynamoDB table a MetaStore keeps its rows in: key N (S, material name) + V (N, version). */
export interface MetaStoreTable {
  /** A consistent read of one row, or undefined. */
  getItem(materialName: string, version: number): Promise<DynamoDbItem | undefined>;
  /** Writes a row unless one with the same key exists (condition attribute_not_exists); false if it existed. */
  putItemIfAbsent(item: DynamoDbItem): Promise<boolean>;
  /** The row with the highest version of a material (Query, ScanIndexForward false, Limit 1), or undefined. */
  latestItem(materialName: string): Promise<DynamoDbItem | undefined>;
}

/** An in-memory {@link MetaStoreTable} (tests, examples, single-process use). */
export class MemoryMetaStoreTable implements MetaStoreTable {
  readonly #rows = new Map<string, Map<number, DynamoDbItem>>();

  async getItem(materialName: string, version: number): Promise<DynamoDbItem | undefined> {
    return this.#rows.get(materialName)?.get(version);
  }

  async putItemIfAbsent(item: DynamoDbItem): Promise<boolean> {
    const name = (item[N] as { S?: string } | undefined)?.S;
    const version = Number((item[V] as { N?: string } | undefined)?.N);
    if (name === undefined || !Number.isInteger(version)) throw new DynamoDbEncryptionError('DDB_BAD_ATTRIBUTE', 'a MetaStore row needs N (S) and V (N, an integer)');
    const rows = this.#rows.get(name) ?? new Map<number, DynamoDbItem>();
    this.#rows.set(name, rows);
    if (rows.has(version)) return false;
    rows.set(version, item);
    return true;
  }

  async latestItem(materialName: string): Promise<DynamoDbItem | undefined> {
    const rows = this.#rows.get(materialName);
    if (!rows || rows.size === 0) return undefined;
    return rows.get(Math.max(...rows.keys()));
  }
}

function metaId(name: string, version: number): MaterialDescription {
  return { [MaterialDescriptionKeys.MATERIAL_ID]: `${name}#${version}` };
}

/** Provider store over a table whose rows are encrypted by `materialsProvider`. */
export class MetaStore {
  readonly #table: MetaStoreTable;
  readonly #tableName: string;
  readonly #provider: CryptographicMaterialsProvider;

  /** `tableName` is the MetaStore table's name: it is part of every row's signature. */
  constructor(o: { table: MetaStoreTable; tableName: string; materialsProvider: CryptographicMaterialsProvider }) {
    this.#table = o.table;
    this.#tableName = o.tableName;
    this.#provider = o.materialsProvider;
  }

  #config() {
    return {
      materialsProvider: this.#provider,
      encryptionContext: { tableName: this.#tableName, partitionKeyName: N, sortKeyName: V },
      attributeActions: new AttributeActions(),
    };
  }

  #wrapped(name: string, version: number, enc: JceNameLocalDelegatedKey, int: JceNameLocalDelegatedKey): WrappedCryptographicMaterialsProvider {
    return new WrappedCryptographicMaterialsProvider({ signingKey: int, wrappingKey: enc, unwrappingKey: enc, materialDescription: metaId(name, version) });
  }

  async #load(name: string, version: number): Promise<WrappedCryptographicMaterialsProvider | undefined> {
    const stored = await this.#table.getItem(name, version);
    if (!stored) return undefined;
    const row = await decryptDynamodbItem(stored, this.#config());
    const s = (a: string): string | undefined => (row[a] as { S?: string } | undefined)?.S;
    const b = (a: string): Uint8Array | undefined => (row[a] as { B?: Uint8Array } | undefined)?.B;
    const enc = b('enc');
    const int = b('int');
    const encAlg = s('encAlg');
    const intAlg = s('intAlg');
    if (!enc || !int || !encAlg || !intAlg) throw new DynamoDbEncryptionError('DDB_BAD_MATERIAL_DESCRIPTION', `MetaStore row '${name}#${version}' lacks enc, encAlg, int or intAlg`);
    if (s('t') !== MATERIAL_TYPE_VERSION) throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_ALGORITHM', `MetaStore row '${name}#${version}' has an unsupported material type (t must be "0")`);
    return this.#wrapped(name, version, new JceNameLocalDelegatedKey(enc, encAlg, 'SYMMETRIC'), new JceNameLocalDelegatedKey(int, intAlg, 'SYMMETRIC'));
  }

  /** The provider of an existing version; DDB_NO_MATERIALS when the row does not exist. */
  async provider(materialName: string, version: number): Promise<WrappedCryptographicMaterialsProvider> {
    const p = await this.#load(materialName, version);
    if (!p) throw new DynamoDbEncryptionError('DDB_NO_MATERIALS', `MetaStore has no version ${version} of material '${materialName}'`);
    return p;
  }

  /** The provider of a version, creating the row with fresh keys if absent (a concurrent creator wins; its keys are used). */
  async getOrCreateProvider(materialName: string, version: number): Promise<WrappedCryptographicMaterialsProvider> {
    const encBytes = randomBytes(32);
    const intBytes = randomBytes(32);
    const row: DynamoDbItem = {
      [N]: { S: materialName },
      [V]: { N: String(version) },
      t: { S: MATERIAL_TYPE_VERSION },
      encAlg: { S: 'AES' },
      enc: { B: encBytes },
      intAlg: { S: 'HmacSHA256' },
      int: { B: intBytes },
    };
    const created = await this.#table.putItemIfAbsent(await encryptDynamodbItem(row, this.#config()));
    if (!created) return this.provider(materialName, version);
    const p = this.#wrapped(materialName, version, new JceNameLocalDelegatedKey(encBytes, 'AES', 'SYMMETRIC'), new JceNameLocalDelegatedKey(intBytes, 'HmacSHA256', 'SYMMETRIC'));
    encBytes.fill(0);
    intBytes.fill(0);
    return p;
  }

  /** The highest version of a material, or undefined when it has none. */
  async maxVersion(materialName: string): Promise<number | undefined> {
    const row = await this.#table.latestItem(materialName);
    if (!row) return undefined;
    const v = Number((row[V] as { N?: string } | undefined)?.N);
    if (!Number.isInteger(v)) throw new DynamoDbEncryptionError('DDB_BAD_ATTRIBUTE', `MetaStore row of '${materialName}' has a V that is not an integer`);
    return v;
  }

  /** The version an item's `amzn-ddb-meta-id` names (`<name>#<version>`). */
  versionFromMaterialDescription(description: MaterialDescription): number {
    const id = description[MaterialDescriptionKeys.MATERIAL_ID];
    const hash = id?.lastIndexOf('#') ?? -1;
    const version = id && hash >= 0 ? Number(id.slice(hash + 1)) : NaN;
    if (!Number.isInteger(version) || version < 0) {
      throw new DynamoDbEncryptionError('DDB_BAD_MATERIAL_DESCRIPTION', `the material description has no valid '${MaterialDescriptionKeys.MATERIAL_ID}' (<name>#<version>): the item was not written by a most-recent provider`);
    }
    return version;
  }
}
