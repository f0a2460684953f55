import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Binary } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  KEY_ALT_NAMES_INDEX, KmsProviders, MemoryKeyVault, MongoKeyVault, createDataKey, matchesFilter, parseKeyDocument,
  type DataKeyDocument, type KeyVault, type KeyVaultCollection,
} from '@fle-ts/keyvault';
import { FileKeyVault } from '@fle-ts/keyvault/node';
import { expectCode, uuid, ZERO_MASTER_KEY } from './helpers.js';
import { asCollection, FakeCollection } from './fake-collection.js';

function doc(idHex: string, altNames?: string[], provider = 'local'): DataKeyDocument {
  return parseKeyDocument({
    _id: uuid(idHex),
    ...(altNames ? { keyAltNames: altNames } : {}),
    keyMaterial: new Binary(new Uint8Array(160).fill(1), 0),
    creationDate: new Date(0),
    updateDate: new Date(0),
    status: 0,
    masterKey: { provider },
  });
}
const ID1 = '11111111111141118111111111111111';
const ID2 = '22222222222242228222222222222222';
const ID3 = '33333333333343338333333333333333';

// The same behaviour is required of every in-process store.
function storeContract(name: string, make: () => KeyVault): void {
  describe(`${name}: the KeyVault contract (SPEC ClientEncryption key management)`, () => {
    it('insert then find by ids and/or alt names, like {$or: [{_id: {$in}}, {keyAltNames: {$in}}]}', async () => {
      const v = make();
      await v.insert(doc(ID1, ['a', 'b']));
      await v.insert(doc(ID2));
      await v.insert(doc(ID3, ['c'], 'local:x'));
      expect((await v.find({ ids: [uuid(ID2)] })).map((d) => d._id.toString('hex'))).toEqual([ID2]);
      expect((await v.find({ altNames: ['b'] })).map((d) => d._id.toString('hex'))).toEqual([ID1]);
      const both = await v.find({ ids: [uuid(ID1).buffer, uuid(ID2)], altNames: ['a', 'c', 'nope'] });
      expect(both.map((d) => d._id.toString('hex')).sort()).toEqual([ID1, ID2, ID3]);
      expect(await v.find({ ids: [], altNames: [] })).toEqual([]);
      expect((await v.findAll()).length).toBe(3);
    });

    it('findByFilter: {}, {_id}, {keyAltNames: name}, {"masterKey.provider": x}, $ne/$in/$exists/$or', async () => {
      const v = make();
      await v.insert(doc(ID1, ['a', 'b']));
      await v.insert(doc(ID2));
      await v.insert(doc(ID3, ['c'], 'local:x'));
      const ids = async (f: Record<string, unknown>) => (await v.findByFilter(f)).map((d) => d._id.toString('hex')).sort();
      expect(await ids({})).toEqual([ID1, ID2, ID3]);
      expect(await ids({ _id: uuid(ID2) })).toEqual([ID2]);
      expect(await ids({ keyAltNames: 'b' })).toEqual([ID1]);
      expect(await ids({ 'masterKey.provider': 'local:x' })).toEqual([ID3]);
      expect(await ids({ keyAltNames: { $ne: 'a' } })).toEqual([ID2, ID3]);
      expect(await ids({ keyAltNames: { $exists: false } })).toEqual([ID2]);
      expect(await ids({ keyAltNames: { $in: ['c', 'zz'] } })).toEqual([ID3]);
      expect(await ids({ $or: [{ keyAltNames: 'a' }, { 'masterKey.provider': 'local:x' }] })).toEqual([ID1, ID3]);
      await expectCode(v.findByFilter({ status: { $gt: 0 } }), 'INVALID_ARGUMENT');
    });

    it('DUPLICATE_KEY_ID and DUPLICATE_KEY_ALT_NAME on insert change nothing', async () => {
      const v = make();
      await v.insert(doc(ID1, ['a']));
      await expectCode(v.insert(doc(ID1, ['z'])), 'DUPLICATE_KEY_ID');
      await expectCode(v.insert(doc(ID2, ['q', 'a'])), 'DUPLICATE_KEY_ALT_NAME');
      expect((await v.findAll()).length).toBe(1);
      expect(await v.find({ altNames: ['q', 'z'] })).toEqual([]);
    });

    it('addKeyAltName returns the document BEFORE, is idempotent, and refuses a duplicate without change', async () => {
      const v = make();
      await v.insert(doc(ID1, ['a']));
      await v.insert(doc(ID2));
      const before = await v.addKeyAltName(uuid(ID2), 'n');
      expect(before?.keyAltNames).toBeUndefined();
      expect((await v.find({ altNames: ['n'] }))[0]?._id.toString('hex')).toBe(ID2);
      expect((await v.addKeyAltName(uuid(ID2), 'n'))?.keyAltNames).toEqual(['n']);
      expect((await v.find({ ids: [uuid(ID2)] }))[0]?.keyAltNames).toEqual(['n']);
      await expectCode(v.addKeyAltName(uuid(ID2), 'a'), 'DUPLICATE_KEY_ALT_NAME');
      expect((await v.find({ ids: [uuid(ID2)] }))[0]?.keyAltNames).toEqual(['n']);
      expect(await v.addKeyAltName(uuid(ID3), 'x')).toBeNull();
    });

    it('removeKeyAltName returns the document BEFORE and removes the field when it empties', async () => {
      const v = make();
      await v.insert(doc(ID1, ['a', 'b']));
      expect((await v.removeKeyAltName(uuid(ID1), 'a'))?.keyAltNames).toEqual(['a', 'b']);
      expect((await v.removeKeyAltName(uuid(ID1), 'zz'))?.keyAltNames).toEqual(['b']);
      await v.removeKeyAltName(uuid(ID1), 'b');
      const [d] = await v.find({ ids: [uuid(ID1)] });
      expect(d && 'keyAltNames' in d).toBe(false);
      expect(await v.removeKeyAltName(uuid(ID2), 'a')).toBeNull();
      // the freed name can be used again
      await v.insert(doc(ID2, ['a']));
    });

    it('replace and delete by id', async () => {
      const v = make();
      await v.insert(doc(ID1, ['a']));
      const next = doc(ID1, ['a2']);
      next.status = 1;
      expect(await v.replace(next)).toBe(true);
      expect(await v.replace(doc(ID2))).toBe(false);
      expect((await v.find({ altNames: ['a'] }))).toEqual([]);
      expect((await v.find({ altNames: ['a2'] }))[0]?.status).toBe(1);
      expect(await v.delete(uuid(ID1))).toBe(true);
      expect(await v.delete(uuid(ID1))).toBe(false);
      expect(await v.findAll()).toEqual([]);
    });

    it('INVALID_ARGUMENT for a bad id or alt name type', async () => {
      const v = make();
      await expectCode(v.delete(new Uint8Array(3)), 'INVALID_ARGUMENT');
      await expectCode(v.delete(new Binary(new Uint8Array(16), 0)), 'INVALID_ARGUMENT');
      await expectCode(v.addKeyAltName(uuid(ID1), 5 as unknown as string), 'INVALID_ARGUMENT');
    });

    it('returned documents are copies: mutating them does not change the store', async () => {
      const v = make();
      await v.insert(doc(ID1, ['a']));
      const [d] = await v.findAll();
      d?.keyAltNames?.push('mutated');
      expect((await v.findAll())[0]?.keyAltNames).toEqual(['a']);
    });

    it('property: alt names stay unique across any sequence of adds and removes', async () => {
      await fc.assert(fc.asyncProperty(
        fc.array(fc.tuple(fc.boolean(), fc.constantFrom(ID1, ID2, ID3), fc.constantFrom('a', 'b', 'c')), { maxLength: 25 }),
        async (ops) => {
          const v = make();
          for (const id of [ID1, ID2, ID3]) await v.insert(doc(id));
          for (const [add, id, n] of ops) {
            if (add) await v.addKeyAltName(uuid(id), n).catch((e: { code?: string }) => expect(e.code).toBe('DUPLICATE_KEY_ALT_NAME'));
            else await v.removeKeyAltName(uuid(id), n);
          }
          const names = (await v.findAll()).flatMap((d) => d.keyAltNames ?? []);
          expect(new Set(names).size).toBe(names.length);
        }), { numRuns: 30 });
    });
  });
}

storeContract('MemoryKeyVault', () => new MemoryKeyVault());
const scratch = mkdtempSync(join(tmpdir(), 'fle-ts-keyvault-'));
let n = 0;
storeContract('FileKeyVault', () => new FileKeyVault(join(scratch, `vault-${n++}.json`)));

describe('MemoryKeyVault construction', () => {
  it('starts from documents and validates them', async () => {
    expect(new MemoryKeyVault([doc(ID1), doc(ID2)]).size).toBe(2);
    await expectCode(() => new MemoryKeyVault([doc(ID1, ['a']), doc(ID2, ['a'])]), 'DUPLICATE_KEY_ALT_NAME');
    await expectCode(() => new MemoryKeyVault([{ _id: 1 }]), 'INVALID_KEY_DOCUMENT');
  });
  it('matchesFilter compares Binary ids by bytes', () => {
    expect(matchesFilter(doc(ID1), { _id: uuid(ID1) })).toBe(true);
    expect(matchesFilter(doc(ID1), { _id: uuid(ID2) })).toBe(false);
  });
});

describe('FileKeyVault (Node entry point): one Extended JSON file, atomic writes', () => {
  it('writes canonical Extended JSON that another FileKeyVault (and parseKeyDocument) reads back', async () => {
    const path = join(scratch, 'persist.json');
    const a = new FileKeyVault(path);
    const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY } });
    const id = await createDataKey(a, kms, 'local', { keyAltNames: ['persisted'] });
    const text = readFileSync(path, 'utf8');
    expect(text).toContain('"$binary"');
    expect(text).toContain('"$numberInt":"0"');
    const b = new FileKeyVault(path);
    const [d] = await b.find({ altNames: ['persisted'] });
    expect(d?._id.toString('hex')).toBe(id.toString('hex'));
    // no temporary files are left behind
    expect(readdirSync(scratch).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a crash mid-write (temp file half written) or a failed rename is STORE_WRITE_FAILED; the vault file is intact', async () => {
    const fs = await import('node:fs/promises');
    const dir = mkdtempSync(join(tmpdir(), 'fle-ts-kv-fail-'));
    const path = join(dir, 'v.json');
    await new FileKeyVault(path).insert(doc(ID1, ['a']));
    const before = readFileSync(path, 'utf8');
    const written: string[] = [];
    // The lock file (issue 11 item 2) is written first and for real; the vault's temp file fails.
    const halfWrite = { ...fs, writeFile: async (p: string, data: string, o: { encoding: 'utf8'; flag?: string }) => {
      if (p.endsWith('.lock')) return fs.writeFile(p, data, o);
      written.push(p);
      await fs.writeFile(p, data.slice(0, data.length >> 1));
      throw new Error('disk full');
    } };
    const e = await expectCode(new FileKeyVault(path, { fs: halfWrite }).insert(doc(ID2)), 'STORE_WRITE_FAILED');
    expect((e.cause as Error).message).toBe('disk full');
    expect(written[0]).not.toBe(path); // the write went to a temporary file, not the vault
    const failRename = { ...fs, rename: async () => { throw new Error('EXDEV'); } };
    await expectCode(new FileKeyVault(path, { fs: failRename }).addKeyAltName(uuid(ID1), 'b'), 'STORE_WRITE_FAILED');
    expect(readFileSync(path, 'utf8')).toBe(before);
    expect((await new FileKeyVault(path).findAll()).map((d) => d.keyAltNames)).toEqual([['a']]);
    expect(readdirSync(dir)).toEqual(['v.json']); // temporary files removed
  });

  it('STORE_READ_FAILED for a file that is not a JSON array; INVALID_KEY_DOCUMENT for a bad document in it', async () => {
    const path = join(scratch, 'bad.json');
    writeFileSync(path, '{"not": "an array"}');
    await expectCode(new FileKeyVault(path).findAll(), 'STORE_READ_FAILED');
    writeFileSync(path, 'garbage');
    await expectCode(new FileKeyVault(path).findAll(), 'STORE_READ_FAILED');
    writeFileSync(path, '[{"_id": 1}]');
    await expectCode(new FileKeyVault(path).findAll(), 'INVALID_KEY_DOCUMENT');
  });

  it('concurrent writes from one object are serialized: none is lost', async () => {
    const v = new FileKeyVault(join(scratch, 'concurrent.json'));
    await Promise.all([ID1, ID2, ID3].map((id, i) => v.insert(doc(id, [`n${i}`]))));
    expect((await v.findAll()).length).toBe(3);
  });
});

// ---- MongoKeyVault against a recording fake of the driver Collection --------------------------


storeContract('MongoKeyVault (fake collection)', () => new MongoKeyVault(asCollection(new FakeCollection())));

describe('MongoKeyVault: commands as the spec unified tests expect', () => {
  it('create() makes the unique partial index on keyAltNames', async () => {
    const f = new FakeCollection();
    await MongoKeyVault.create(asCollection(f));
    expect(f.calls).toEqual([{ method: 'createIndex', args: [{ keyAltNames: 1 }, {
      name: 'keyAltNames_1', unique: true, partialFilterExpression: { keyAltNames: { $exists: true } }, writeConcern: { w: 'majority' },
    }] }]);
    expect(KEY_ALT_NAMES_INDEX.options.unique).toBe(true);
  });

  it('find sends {$or: [{_id: {$in}}, {keyAltNames: {$in}}]} with read concern majority (unified/localKMS.json)', async () => {
    const f = new FakeCollection();
    const v = new MongoKeyVault(asCollection(f));
    await v.find({ ids: [uuid(ID1).buffer] });
    const [filter, options] = f.calls[0]?.args as [{ $or: [{ _id: { $in: Binary[] } }, { keyAltNames: { $in: string[] } }] }, unknown];
    expect(filter.$or[0]._id.$in[0]?.sub_type).toBe(4);
    expect(filter.$or[0]._id.$in[0]?.toString('hex')).toBe(ID1);
    expect(filter.$or[1]).toEqual({ keyAltNames: { $in: [] } });
    expect(options).toEqual({ readConcern: { level: 'majority' } });
  });

  it('insert, delete, replace use write concern majority (unified/createDataKey.json, deleteKey.json)', async () => {
    const f = new FakeCollection();
    const v = new MongoKeyVault(asCollection(f));
    await createDataKey(v, new KmsProviders({ local: { key: ZERO_MASTER_KEY } }), 'local');
    const [inserted, opts] = f.calls[0]?.args as [DataKeyDocument, unknown];
    expect(f.calls[0]?.method).toBe('insertOne');
    expect(Object.keys(inserted)).toEqual(['_id', 'keyMaterial', 'creationDate', 'updateDate', 'status', 'masterKey']);
    expect(opts).toEqual({ writeConcern: { w: 'majority' } });
    await v.replace(inserted);
    expect(f.calls[1]?.args[2]).toEqual({ writeConcern: { w: 'majority' } });
    expect(await v.delete(inserted._id)).toBe(true);
    expect(f.calls[2]).toMatchObject({ method: 'deleteOne', args: [{ _id: inserted._id }, { writeConcern: { w: 'majority' } }] });
  });

  it('addKeyAltName is findOneAndUpdate $addToSet returning the document before (unified/addKeyAltName.json)', async () => {
    const f = new FakeCollection();
    const v = new MongoKeyVault(asCollection(f));
    await v.insert(doc(ID1));
    f.calls = [];
    await v.addKeyAltName(uuid(ID1), 'new_key_alt_name');
    expect(f.calls[0]?.args.slice(1)).toEqual([{ $addToSet: { keyAltNames: 'new_key_alt_name' } }, { writeConcern: { w: 'majority' }, returnDocument: 'before' }]);
  });

  it('removeKeyAltName sends the spec pipeline update (unified/removeKeyAltName.json)', async () => {
    const f = new FakeCollection();
    const v = new MongoKeyVault(asCollection(f));
    await v.insert(doc(ID1, ['does_not_exist', 'x']));
    f.calls = [];
    await v.removeKeyAltName(uuid(ID1), 'does_not_exist');
    expect(f.calls[0]?.args.slice(1)).toEqual([
      [{ $set: { keyAltNames: { $cond: [{ $eq: ['$keyAltNames', ['does_not_exist']] }, '$$REMOVE', { $filter: { input: '$keyAltNames', cond: { $ne: ['$$this', 'does_not_exist'] } } }] } } }],
      { writeConcern: { w: 'majority' }, returnDocument: 'before' },
    ]);
  });

  it('maps server errors: E11000 on keyAltNames → DUPLICATE_KEY_ALT_NAME, on _id → DUPLICATE_KEY_ID, others → STORE_WRITE_FAILED / STORE_READ_FAILED', async () => {
    const f = new FakeCollection();
    const v = new MongoKeyVault(asCollection(f));
    const dup = (msg: string) => Object.assign(new Error(msg), { code: 11000 });
    f.failNext = dup('E11000 duplicate key error collection: keyvault.datakeys index: keyAltNames_1 dup key');
    await expectCode(v.addKeyAltName(uuid(ID1), 'a'), 'DUPLICATE_KEY_ALT_NAME');
    f.failNext = dup('E11000 duplicate key error collection: keyvault.datakeys index: _id_ dup key');
    await expectCode(v.insert(doc(ID1)), 'DUPLICATE_KEY_ID');
    f.failNext = new Error('network');
    const e = await expectCode(v.replace(doc(ID1)), 'STORE_WRITE_FAILED');
    expect((e.cause as Error).message).toBe('network');
    f.failNext = new Error('network');
    await expectCode(v.findAll(), 'STORE_READ_FAILED');
  });

  it('accepts the driver < 6 ModifyResult shape from findOneAndUpdate', async () => {
    const f = new FakeCollection();
    await f.mem.insert(doc(ID1, ['a']));
    const orig = f.findOneAndUpdate.bind(f);
    f.findOneAndUpdate = async (...a: Parameters<FakeCollection['findOneAndUpdate']>) => ({ ok: 1, value: await orig(...a), lastErrorObject: {} }) as never;
    expect((await new MongoKeyVault(asCollection(f)).addKeyAltName(uuid(ID1), 'b'))?.keyAltNames).toEqual(['a']);
  });

  it('the module imports nothing from mongodb, not even types (optional peer; issue 11 item 14)', () => {
    const src = readFileSync(new URL('../src/mongo-key-vault.ts', import.meta.url), 'utf8');
    expect(src).not.toMatch(/from 'mongodb'/);
  });
});
