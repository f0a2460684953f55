// The specification's unified CSFLE tests (../shared/test-vectors/spec-unified) at the analysis
// level: each operation becomes the command the driver sends and goes through MongoCrypt exactly
// as the driver would (schemaMap, or the remote $jsonSchema of the file's initialData through
// NEED_MONGO_COLLINFO; key documents through NEED_MONGO_KEYS), with a local stand-in for every AWS
// data key (same _id and alt names). An operation the file expects to fail must be refused; one it
// expects to succeed must be analysed. Events, results and outcomes need a server and are not
// checked here; error texts are fle-ts's own (counted, not compared). Where fle-ts does not yet do
// what a file expects, the case is in KNOWN_DIFFERENCES with the reason, and asserted to differ.
import { Binary, deserialize, EJSON, ObjectId, serialize, type Document } from 'bson';
import { expect, it } from 'vitest';
import { describeShared, readSharedText } from '../../../scripts/test-support/shared.js';
import { MongoCrypt, MONGOCRYPT_CTX_NEED_MONGO_COLLINFO, MONGOCRYPT_CTX_NEED_MONGO_KEYS, MONGOCRYPT_CTX_READY, type MongoCryptContext } from '@fle-ts/mongodb-client-encryption';

interface Operation { name: string; object: string; arguments?: Document; expectError?: { errorContains?: string; isError?: boolean } }
interface UnifiedFile {
  createEntities: Document[];
  initialData?: { databaseName: string; collectionName: string; documents: Document[]; createOptions?: Document }[];
  tests: { description: string; operations: Operation[] }[];
}

const FILES = [
  'badQueries', 'badSchema', 'basic', 'bypassAutoEncryption', 'bypassedCommand', 'count', 'countDocuments', 'delete', 'distinct',
  'explain', 'find', 'findOneAndDelete', 'findOneAndReplace', 'findOneAndUpdate', 'getMore', 'insert', 'keyAltName', 'localKMS',
  'localSchema', 'missingKey', 'noSchema', 'replaceOne', 'types', 'unsupportedCommand', 'updateMany', 'updateOne', 'aggregate',
];

// Errors the server raises after analysis (the file expects them; analysis must let the command through).
const SERVER_ERRORS = ['unable to find index'];

/** `file#test description#operation index`: what fle-ts does not do yet, asserted to differ. */
const KNOWN_DIFFERENCES: Record<string, string> = {};

function driverCommand(op: Operation, coll: string | undefined): Document {
  const a = op.arguments ?? {};
  const withId = (d: Document) => ('_id' in d ? d : { _id: new ObjectId(), ...d });
  switch (op.name) {
    case 'find': return { find: coll, filter: a.filter ?? {}, ...(a.sort ? { sort: a.sort } : {}), ...(a.limit ? { limit: a.limit } : {}), ...(a.batchSize ? { batchSize: a.batchSize } : {}) };
    case 'insertOne': return { insert: coll, documents: [withId(a.document)], ordered: true };
    case 'insertMany': return { insert: coll, documents: (a.documents as Document[]).map(withId), ordered: true };
    case 'updateOne': case 'updateMany': case 'replaceOne':
      // The driver itself refuses an update document without operators (before any encryption).
      if (op.name !== 'replaceOne' && !Object.keys(a.update as Document).every((k) => k.startsWith('$'))) throw new Error('Update document requires atomic operators');
      return { update: coll, updates: [{ q: a.filter, u: a.update ?? a.replacement, ...(op.name === 'updateMany' ? { multi: true } : {}), ...(a.upsert ? { upsert: true } : {}), ...(a.arrayFilters ? { arrayFilters: a.arrayFilters } : {}) }], ordered: true };
    case 'deleteOne': case 'deleteMany': return { delete: coll, deletes: [{ q: a.filter, limit: op.name === 'deleteOne' ? 1 : 0 }], ordered: true };
    case 'distinct': return { distinct: coll, key: a.fieldName, query: a.filter };
    case 'countDocuments': return { aggregate: coll, pipeline: [{ $match: a.filter }, { $group: { _id: 1, n: { $sum: 1 } } }], cursor: {} };
    case 'aggregate': return { aggregate: coll ?? 1, pipeline: a.pipeline, cursor: {} }; // on a database: {aggregate: 1}
    case 'findOneAndDelete': return { findAndModify: coll, query: a.filter, remove: true };
    case 'findOneAndReplace': return { findAndModify: coll, query: a.filter, update: a.replacement };
    case 'findOneAndUpdate': return { findAndModify: coll, query: a.filter, update: a.update };
    case 'mapReduce': return { mapReduce: coll, map: a.map, reduce: a.reduce, out: { inline: 1 } };
    case 'runCommand': return a.command as Document;
    default: throw new Error(`operation ${op.name} not translated`);
  }
}

function drive(ctx: MongoCryptContext, collInfos: Document[], keys: Document[]): void {
  for (;;) {
    if (ctx.state === MONGOCRYPT_CTX_NEED_MONGO_COLLINFO) {
      const { name } = deserialize(ctx.nextMongoOperation());
      for (const info of collInfos.filter((i) => i.name === name)) ctx.addMongoOperationResponse(serialize(info));
      ctx.finishMongoOperation();
    } else if (ctx.state === MONGOCRYPT_CTX_NEED_MONGO_KEYS) {
      for (const k of keys) ctx.addMongoOperationResponse(serialize(k));
      ctx.finishMongoOperation();
    } else if (ctx.state === MONGOCRYPT_CTX_READY) {
      ctx.finalize();
      return;
    } else {
      throw new Error(`state ${ctx.state}: ${ctx.status.message}`);
    }
  }
}

const masterKey = new Uint8Array(96).fill(3);
const kmsProviders = serialize({ local: { key: masterKey } });
const localKey = deserialize(new MongoCrypt({ kmsProviders }).makeDataKeyContext(serialize({ provider: 'local' }), {}).finalize());

/** A local data key standing in for a file's key document (AWS or local): same _id and alt names. */
function standIn(doc: Document): Document {
  return { ...localKey, _id: doc._id as Binary, ...(doc.keyAltNames ? { keyAltNames: doc.keyAltNames } : {}) };
}

describeShared('spec unified CSFLE tests at the analysis level (local stand-in keys)', () => {
  const seen = new Set<string>();
  let operations = 0;
  let textsDiffer = 0;

  for (const name of FILES) {
    const file = EJSON.parse(readSharedText(`spec-unified/${name}.json`), { relaxed: false }) as UnifiedFile;
    const clients = new Map<string, Document>();
    const databases = new Map<string, { client: string; name: string }>();
    const collections = new Map<string, { database: string; name: string }>();
    for (const e of file.createEntities) {
      if (e.client) clients.set(e.client.id, e.client.autoEncryptOpts ?? {});
      if (e.database) databases.set(e.database.id, { client: e.database.client, name: e.database.databaseName });
      if (e.collection) collections.set(e.collection.id, { database: e.collection.database, name: e.collection.collectionName });
    }
    const keys = (file.initialData ?? []).filter((d) => d.databaseName === 'keyvault').flatMap((d) => d.documents).map(standIn);
    const collInfos = (file.initialData ?? []).filter((d) => d.createOptions).map((d) => ({ name: d.collectionName, type: 'collection', options: d.createOptions }));

    for (const t of file.tests) {
      it(`${name}: ${t.description}`, () => {
        t.operations.forEach((op, index) => {
          const target = collections.get(op.object);
          const dbEntity = databases.get(target ? target.database : op.object);
          if (!dbEntity) return; // operations on clientEncryption or the test runner
          const opts = clients.get(dbEntity.client) ?? {};
          if (opts.bypassAutoEncryption === true) return; // the driver never makes an encryption context then
          operations++;
          const id = `${name}#${t.description}#${index}`;
          let error: Error | undefined;
          try {
            const crypt = new MongoCrypt({ kmsProviders, errorWrapper: (e) => e, ...(opts.schemaMap ? { schemaMap: serialize(opts.schemaMap) } : {}) });
            drive(crypt.makeEncryptionContext(dbEntity.name, serialize(driverCommand(op, target?.name))), collInfos, opts.keyVaultNamespace === 'keyvault.datakeys' ? keys : []);
          } catch (e) {
            error = e as Error;
          }
          const serverSide = SERVER_ERRORS.some((s) => op.expectError?.errorContains?.includes(s));
          const wantError = op.expectError !== undefined && !serverSide;
          const known = KNOWN_DIFFERENCES[id];
          if (known) seen.add(id);
          const label = `${id} ${EJSON.stringify(op.arguments ?? {})}${error ? ` -> ${error.message}` : ''}`;
          expect(error !== undefined, label).toBe(known ? !wantError : wantError);
          const want = op.expectError?.errorContains;
          if (wantError && error && want && !error.message.includes(want)) {
            textsDiffer++;
            if (process.env.FLE_SHOW_TEXTS) console.log(`TEXT ${want} <> ${error.message}`); // FLE_SHOW_TEXTS=1 lists them
          }
        });
      });
    }
  }

  it('(report) every known difference still differs; counts', () => {
    expect([...seen].sort()).toEqual(Object.keys(KNOWN_DIFFERENCES).sort());
    expect(operations).toBeGreaterThan(140);
    console.log(`[spec-unified analysis] ${FILES.length} files, ${operations} operations, ${Object.keys(KNOWN_DIFFERENCES).length} known differences, ${textsDiffer} error texts differ from errorContains`);
  });
});
