// Runs in a fresh Node process (driver-qe.test.ts starts it): Queryable Encryption through the
// official driver of one major, whose require('mongodb-client-encryption') is this package,
// against the test wire server (always: its server-side QE is emulated, test/wire-server/qe-server.ts).
// createEncryptedCollection, automatic equality/unindexed insert and find on a collection whose
// encryptedFields come from listCollections, explicit Indexed/Unindexed, and explicit Range with
// encryptExpression on a bypassQueryAnalysis client. Prints one JSON report; the test asserts on it.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const major = process.argv[2] === '6' ? '6' : '7';
const mongodb = require(`mongodb${major}`) as typeof import('mongodb7');
const { Int32, Long } = mongodb.BSON;
const { startWireServer } = await import('../wire-server/server.js');
type Doc = Record<string, any>;

const server = await startWireServer();
const report: Doc = { major };
const kmsProviders = { local: { key: new Uint8Array(96).map((_, i) => (i * 11 + 1) & 0xff) } };
const keyVaultNamespace = 'keyvault.datakeys';
const commands: Doc[] = [];
const monitored = (c: import('mongodb7').MongoClient) => {
  c.on('commandStarted', (e) => commands.push({ name: e.commandName, body: e.command }));
  return c;
};
const kind = (v: unknown) => ((v as { sub_type?: number })?.sub_type === 6 ? (v as { buffer: Uint8Array }).buffer[0] : undefined);
const plain = new mongodb.MongoClient(server.uri);
const clients: import('mongodb7').MongoClient[] = [plain];
try {
  await plain.connect();
  const ce = new mongodb.ClientEncryption(plain, { keyVaultNamespace, kmsProviders });

  // createEncryptedCollection: a data key per field, state collections, the collection, the index.
  const { encryptedFields } = await ce.createEncryptedCollection(plain.db('clinic'), 'patients', {
    provider: 'local',
    createCollectionOptions: { encryptedFields: { fields: [{ path: 'ssn', bsonType: 'string', keyId: null, queries: { queryType: 'equality', contention: new Long(0) } }, { path: 'notes', bsonType: 'string', keyId: null }] } },
  });
  report.collections = (await plain.db('clinic').listCollections().toArray()).map((c) => c.name).sort();
  report.keyIds = (encryptedFields.fields as Doc[]).map((f) => f.keyId?.sub_type);

  // Automatic QE: no encryptedFieldsMap, so the encryptedFields come from listCollections.
  const auto = monitored(new mongodb.MongoClient(server.uri, { monitorCommands: true, autoEncryption: { keyVaultNamespace, kmsProviders } }));
  clients.push(auto);
  await auto.connect();
  const patients = auto.db('clinic').collection('patients');
  await patients.insertOne({ _id: 1, ssn: '123-45-6789', notes: 'allergic to penicillin' } as Doc);
  await patients.insertOne({ _id: 2, ssn: '987-65-4321', notes: 'none' } as Doc);
  report.found = await patients.find({ ssn: '987-65-4321' }).toArray();
  report.foundIn = (await patients.find({ ssn: { $in: ['123-45-6789', 'nobody'] } }).toArray()).map((d) => d._id);
  const stored = await plain.db('clinic').collection('patients').find({}).toArray();
  report.stored = stored.map((d) => ({ ssn: kind(d.ssn), notes: kind(d.notes), tags: (d.__safeContent__ as unknown[] | undefined)?.length }));
  const insert = commands.find((c) => c.name === 'insert' && c.body.insert === 'patients')?.body;
  report.insertSent = { ssn: kind(insert?.documents[0].ssn), notes: kind(insert?.documents[0].notes), ei: Object.keys(insert?.encryptionInformation?.schema ?? {}) };
  const find = commands.find((c) => c.name === 'find' && c.body.find === 'patients')?.body;
  report.findSent = { ssn: kind(find?.filter?.ssn?.$eq), ei: find?.encryptionInformation !== undefined };
  report.listCollections = commands.filter((c) => c.name === 'listCollections').length;

  // Explicit Indexed / Unindexed with the keys createEncryptedCollection made.
  const keyId = (encryptedFields.fields as Doc[])[0]!.keyId;
  const ins = await ce.encrypt('explicit', { keyId, algorithm: 'Indexed', contentionFactor: 0 });
  const un = await ce.encrypt(new Int32(5), { keyId, algorithm: 'Unindexed' });
  report.explicit = { ins: kind(ins), un: kind(un), insBack: await ce.decrypt(ins), unBack: await ce.decrypt(un) };

  // Range: explicit values on a bypassQueryAnalysis client, queried with encryptExpression.
  const rangeOptions = { min: new Int32(0), max: new Int32(150), sparsity: new Long(1), trimFactor: new Int32(1) };
  const { encryptedFields: ageFields } = await ce.createEncryptedCollection(plain.db('clinic'), 'ages', {
    provider: 'local',
    createCollectionOptions: { encryptedFields: { fields: [{ path: 'age', bsonType: 'int', keyId: null, queries: { queryType: 'range', contention: new Long(0), ...rangeOptions } }] } },
  });
  const ageKey = (ageFields.fields as Doc[])[0]!.keyId;
  const bypass = monitored(new mongodb.MongoClient(server.uri, { monitorCommands: true, autoEncryption: { keyVaultNamespace, kmsProviders, bypassQueryAnalysis: true } }));
  clients.push(bypass);
  await bypass.connect();
  const ages = bypass.db('clinic').collection('ages');
  for (const [id, age] of [[1, 20], [2, 30], [3, 40], [4, 35]] as const) {
    await ages.insertOne({ _id: id, age: await ce.encrypt(new Int32(age), { keyId: ageKey, algorithm: 'Range', contentionFactor: 0, rangeOptions }) } as Doc);
  }
  const expr = await ce.encryptExpression({ $and: [{ age: { $gte: new Int32(30) } }, { age: { $lt: new Int32(40) } }] }, { keyId: ageKey, algorithm: 'Range', queryType: 'range', contentionFactor: 0, rangeOptions });
  report.rangeFound = (await ages.find(expr).sort({ _id: 1 }).toArray()).map((d) => [d._id, d.age]);
  report.rangeStored = (await plain.db('clinic').collection('ages').find({}).toArray()).map((d) => kind(d.age));
  report.rangeInsertHasEi = commands.some((c) => c.name === 'insert' && c.body.insert === 'ages' && c.body.encryptionInformation !== undefined);
} catch (e) {
  report.fatal = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
} finally {
  for (const c of clients) await c.close();
  await server.close();
}
console.log(JSON.stringify(report));
