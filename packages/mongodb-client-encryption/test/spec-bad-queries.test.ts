// The specification's unified test badQueries.json (../shared/test-vectors/spec-unified), at the
// analysis level: each operation becomes the command the driver sends, goes through
// makeEncryptionContext with the file's remote $jsonSchema (NEED_MONGO_COLLINFO) and a local
// stand-in for its AWS data key (same _id and alt names). Every operation the file expects to
// fail must be refused; every one it expects to succeed must be analysed. Error texts are
// mongocryptd's and are not compared here (the report lists which match).
import { Binary, deserialize, EJSON, ObjectId, serialize, type Document } from 'bson';
import { expect, it } from 'vitest';
import { describeShared, readSharedText } from '../../../scripts/test-support/shared.js';
import { MongoCrypt, MONGOCRYPT_CTX_NEED_MONGO_COLLINFO, MONGOCRYPT_CTX_NEED_MONGO_KEYS, MONGOCRYPT_CTX_READY, type MongoCryptContext } from '@fle-ts/mongodb-client-encryption';

interface Operation { name: string; object: string; arguments: Document; expectError?: { errorContains?: string } }
interface UnifiedFile {
  initialData: { databaseName: string; collectionName: string; documents: Document[]; createOptions?: Document }[];
  tests: { description: string; operations: Operation[] }[];
}

const SERVER_ERRORS = ['unable to find index'];
const COLLECTIONS: Record<string, string> = { coll: 'default', coll_with_encrypted_id: 'coll_with_encrypted_id' };

/** The command the driver builds for a unified-format operation (it adds `_id` to inserts). */
function commandFor(op: Operation): Document {
  const coll = COLLECTIONS[op.object];
  const a = op.arguments;
  switch (op.name) {
    case 'find': return { find: coll, filter: a.filter };
    case 'insertOne': return { insert: coll, documents: [{ _id: new ObjectId(), ...a.document }], ordered: true };
    case 'updateOne': return { update: coll, updates: [{ q: a.filter, u: a.update, ...(a.arrayFilters ? { arrayFilters: a.arrayFilters } : {}) }], ordered: true };
    case 'distinct': return { distinct: coll, key: a.fieldName, query: a.filter };
    default: throw new Error(`operation ${op.name} not translated`);
  }
}

function drive(ctx: MongoCryptContext, collInfos: Document[], keys: Document[]): Document {
  for (;;) {
    if (ctx.state === MONGOCRYPT_CTX_NEED_MONGO_COLLINFO) {
      const { name } = deserialize(ctx.nextMongoOperation());
      for (const info of collInfos.filter((i) => i.name === name)) ctx.addMongoOperationResponse(serialize(info));
      ctx.finishMongoOperation();
    } else if (ctx.state === MONGOCRYPT_CTX_NEED_MONGO_KEYS) {
      for (const k of keys) ctx.addMongoOperationResponse(serialize(k));
      ctx.finishMongoOperation();
    } else if (ctx.state === MONGOCRYPT_CTX_READY) {
      return deserialize(ctx.finalize());
    } else {
      throw new Error(`state ${ctx.state}: ${ctx.status.message}`);
    }
  }
}

describeShared('spec unified badQueries.json at the analysis level (local stand-in key)', () => {
  const file = EJSON.parse(readSharedText('spec-unified/badQueries.json'), { relaxed: false }) as UnifiedFile;
  const masterKey = new Uint8Array(96).fill(3);
  const crypt = new MongoCrypt({ kmsProviders: serialize({ local: { key: masterKey } }), errorWrapper: (e) => e });
  // The stand-in: a local data key carrying the AWS key's _id and alt names.
  const aws = file.initialData.find((d) => d.collectionName === 'datakeys')?.documents[0] as Document;
  const made = deserialize(crypt.makeDataKeyContext(serialize({ provider: 'local' }), {}).finalize());
  const standIn = { ...made, _id: aws._id as Binary, keyAltNames: aws.keyAltNames };
  const collInfos = file.initialData.filter((d) => d.createOptions).map((d) => ({ name: d.collectionName, type: 'collection', options: d.createOptions }));
  const textMismatches: string[] = [];
  let cases = 0;

  for (const t of file.tests) {
    it(t.description, () => {
      for (const op of t.operations) {
        cases++;
        const run = () => drive(crypt.makeEncryptionContext('default', serialize(commandFor(op))), collInfos, [standIn]);
        // Errors the server raises, not the analyzer: analysis must let these commands through.
        if (op.expectError && !SERVER_ERRORS.some((e) => op.expectError?.errorContains?.includes(e))) {
          let message = '';
          expect(() => {
            try {
              run();
            } catch (e) {
              message = (e as Error).message;
              throw e;
            }
          }, `${op.name} ${EJSON.stringify(op.arguments)}`).toThrow();
          const want = op.expectError.errorContains;
          if (want && !message.includes(want)) textMismatches.push(`${want} <> ${message}`);
        } else {
          expect(run, `${op.name} ${EJSON.stringify(op.arguments)}`).not.toThrow();
        }
      }
    });
  }

  it('(report) operations checked and error texts that differ from mongocryptd/libmongocrypt', () => {
    expect(cases).toBeGreaterThan(40);
    console.log(`[badQueries] ${cases} operations; ${textMismatches.length} error texts differ from the spec's errorContains`);
  });
});
