// KeyVault over a `mongodb` driver Collection (SPEC "Key Vault collection": reads with read concern
// majority, writes with write concern majority; commands as spec-extra/unified/*.json expect).
// No import of `mongodb`, not even of its types: it is an optional peer, and a consumer's
// `skipLibCheck: false` build must type-check without it (issue 11 item 14).
import { Binary } from 'bson';
import { KeyVaultError } from './errors.js';
import { copyBinary, isBinary, keyIdBytes, uuidBinary } from './bytes.js';
import { parseMasterKey } from './master-key.js';
import { parseKeyDocument, type DataKeyDocument } from './key-document.js';
import { checkKeyQuery, checkWrappingUpdate, type KeyFilter, type KeyQuery, type KeyVault, type KeyWrappingUpdate } from './key-vault.js';
import { checkAltName } from './memory-key-vault.js';
import { checkValueDepth } from './depth.js';

/** A BSON document as the driver takes and returns it. */
type Document = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the driver's own `Document`

/**
 * The Collection methods MongoKeyVault calls, written out structurally so that this package's
 * declarations need no `mongodb` types; a real driver `Collection` satisfies it (checked by a
 * type test against driver 7.x in test/mongo-collection-type.test.ts).
 */
export interface KeyVaultCollection {
  find(filter: Document, options?: Document): { toArray(): Promise<Document[]> };
  insertOne(doc: Document, options?: Document): Promise<unknown>;
  replaceOne(filter: Document, replacement: Document, options?: Document): Promise<{ matchedCount: number }>;
  updateOne(filter: Document, update: Document, options?: Document): Promise<{ matchedCount: number }>;
  deleteOne(filter: Document, options?: Document): Promise<{ deletedCount: number }>;
  findOneAndUpdate(filter: Document, update: Document | Document[], options: Document): Promise<unknown>;
  createIndex(keys: Document, options?: Document): Promise<string>;
}

const MAJORITY_READ = { readConcern: { level: 'majority' as const } };
const MAJORITY_WRITE = { writeConcern: { w: 'majority' as const } };

/** Name and spec of the unique partial index on keyAltNames (SPEC; `tests/README.md` §13). */
export const KEY_ALT_NAMES_INDEX = {
  key: { keyAltNames: 1 },
  options: { name: 'keyAltNames_1', unique: true, partialFilterExpression: { keyAltNames: { $exists: true } } },
} as const;

function isDuplicateKeyError(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 11000;
}

function duplicateError(e: unknown, what: string): KeyVaultError {
  const msg = e instanceof Error ? e.message : '';
  return /keyAltNames/.test(msg)
    ? new KeyVaultError('DUPLICATE_KEY_ALT_NAME', `${what}: a keyAltName is already used by another data key`, { cause: e })
    : new KeyVaultError('DUPLICATE_KEY_ID', `${what}: a data key with this _id already exists`, { cause: e });
}

function writeFailed(e: unknown, what: string): KeyVaultError {
  if (e instanceof KeyVaultError) return e;
  if (isDuplicateKeyError(e)) return duplicateError(e, what);
  return new KeyVaultError('STORE_WRITE_FAILED', `${what} failed in the key vault collection`, { cause: e });
}

function readFailed(e: unknown): KeyVaultError {
  if (e instanceof KeyVaultError) return e;
  return new KeyVaultError('STORE_READ_FAILED', 'reading the key vault collection failed', { cause: e });
}

// findOneAndUpdate returns the document (driver >= 6) or a ModifyResult {value} with includeResultMetadata.
function unwrapModifyResult(r: unknown): Document | null {
  if (r === null || r === undefined) return null;
  const m = r as { ok?: unknown; value?: unknown; lastErrorObject?: unknown };
  if ('lastErrorObject' in m && 'value' in m) return (m.value as Document | null) ?? null;
  return r as Document;
}

/** KeyVault backed by a MongoDB collection (e.g. `client.db('encryption').collection('__keyVault')`). */
export class MongoKeyVault implements KeyVault {
  readonly #coll: KeyVaultCollection;

  /** Wraps `collection`; call `ensureIndex()` once (or use `MongoKeyVault.create`). */
  constructor(collection: KeyVaultCollection) {
    this.#coll = collection;
  }

  /** Wraps `collection` and creates the keyAltNames unique partial index. */
  static async create(collection: KeyVaultCollection): Promise<MongoKeyVault> {
    const v = new MongoKeyVault(collection);
    await v.ensureIndex();
    return v;
  }

  /** Creates `{keyAltNames: 1}` unique with partialFilterExpression `{keyAltNames: {$exists: true}}`. */
  async ensureIndex(): Promise<void> {
    try {
      await this.#coll.createIndex({ ...KEY_ALT_NAMES_INDEX.key }, {
        ...KEY_ALT_NAMES_INDEX.options,
        partialFilterExpression: { keyAltNames: { $exists: true } },
        ...MAJORITY_WRITE,
      });
    } catch (e) {
      throw writeFailed(e, 'creating the keyAltNames index');
    }
  }

  async #findDocs(filter: Document): Promise<DataKeyDocument[]> {
    let raw: Document[];
    try {
      raw = await this.#coll.find(filter, MAJORITY_READ).toArray();
    } catch (e) {
      throw readFailed(e);
    }
    return raw.map((d) => parseKeyDocument(d));
  }

  /** One find: `{$or: [{_id: {$in: ids}}, {keyAltNames: {$in: altNames}}]}` as libmongocrypt sends. */
  async find(query: KeyQuery): Promise<DataKeyDocument[]> {
    checkKeyQuery(query);
    const ids = (query.ids ?? []).map((id) => uuidBinary(keyIdBytes(id)));
    const names = [...(query.altNames ?? [])];
    if (ids.length === 0 && names.length === 0) return [];
    return this.#findDocs({ $or: [{ _id: { $in: ids } }, { keyAltNames: { $in: names } }] });
  }

  async findByFilter(filter: KeyFilter = {}): Promise<DataKeyDocument[]> {
    checkValueDepth(filter, 'key vault filter'); // before the driver's recursive serializer sees it
    return this.#findDocs(filter as Document);
  }

  async findAll(): Promise<DataKeyDocument[]> {
    return this.#findDocs({});
  }

  async insert(doc: DataKeyDocument): Promise<void> {
    const d = parseKeyDocument(doc);
    try {
      await this.#coll.insertOne(d as unknown as Document, MAJORITY_WRITE);
    } catch (e) {
      throw writeFailed(e, 'insert');
    }
  }

  async replace(doc: DataKeyDocument): Promise<boolean> {
    const d = parseKeyDocument(doc);
    try {
      const r = await this.#coll.replaceOne({ _id: d._id }, d as unknown as Document, MAJORITY_WRITE);
      return r.matchedCount > 0;
    } catch (e) {
      throw writeFailed(e, 'replace');
    }
  }

  /** updateOne `{$set: {masterKey, keyMaterial}, $currentDate: {updateDate: true}}` as the spec's rewrap sends. */
  async updateKeyWrapping(id: Uint8Array | Binary, update: KeyWrappingUpdate): Promise<boolean> {
    checkWrappingUpdate(update);
    const _id = uuidBinary(keyIdBytes(id));
    const material = update.keyMaterial;
    if (!isBinary(material) || material.sub_type !== Binary.SUBTYPE_DEFAULT) {
      throw new KeyVaultError('INVALID_KEY_DOCUMENT', "invalid key document: 'keyMaterial' must be BinData subtype 0");
    }
    const masterKey = parseMasterKey(update.masterKey, { stored: true });
    try {
      const r = await this.#coll.updateOne({ _id },
        { $set: { masterKey, keyMaterial: copyBinary(material) }, $currentDate: { updateDate: true } }, MAJORITY_WRITE);
      return r.matchedCount > 0;
    } catch (e) {
      throw writeFailed(e, 'updating the key wrapping');
    }
  }

  async delete(id: Uint8Array | Binary): Promise<boolean> {
    const _id = uuidBinary(keyIdBytes(id));
    try {
      const r = await this.#coll.deleteOne({ _id }, MAJORITY_WRITE);
      return r.deletedCount > 0;
    } catch (e) {
      throw writeFailed(e, 'delete');
    }
  }

  async addKeyAltName(id: Uint8Array | Binary, name: string): Promise<DataKeyDocument | null> {
    checkAltName(name);
    const _id = uuidBinary(keyIdBytes(id));
    let r: unknown;
    try {
      r = await this.#coll.findOneAndUpdate({ _id }, { $addToSet: { keyAltNames: name } },
        { ...MAJORITY_WRITE, returnDocument: 'before' });
    } catch (e) {
      throw writeFailed(e, `addKeyAltName('${name}')`);
    }
    const before = unwrapModifyResult(r);
    return before ? parseKeyDocument(before) : null;
  }

  async removeKeyAltName(id: Uint8Array | Binary, name: string): Promise<DataKeyDocument | null> {
    checkAltName(name);
    const _id = uuidBinary(keyIdBytes(id));
    // The spec's pipeline update (unified/removeKeyAltName.json): drop the field when it would empty.
    const pipeline = [{
      $set: {
        keyAltNames: {
          $cond: [
            { $eq: ['$keyAltNames', [name]] },
            '$$REMOVE',
            { $filter: { input: '$keyAltNames', cond: { $ne: ['$$this', name] } } },
          ],
        },
      },
    }];
    let r: unknown;
    try {
      r = await this.#coll.findOneAndUpdate({ _id }, pipeline, { ...MAJORITY_WRITE, returnDocument: 'before' });
    } catch (e) {
      throw writeFailed(e, `removeKeyAltName('${name}')`);
    }
    const before = unwrapModifyResult(r);
    return before ? parseKeyDocument(before) : null;
  }
}
