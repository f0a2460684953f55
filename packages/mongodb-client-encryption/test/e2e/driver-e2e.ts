// Runs in a fresh Node process (driver-e2e.test.ts starts it): the official driver of one major
// against the in-process wire server, with require('mongodb-client-encryption') resolving to
// this package. Prints one JSON report of what it observed; the test asserts on it.
import { createRequire } from 'node:module';
import { readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Recorded before anything else loads: every native addon load goes through process.dlopen.
const dlopened: string[] = [];
const origDlopen = process.dlopen;
process.dlopen = function (module: unknown, filename: string, ...rest: unknown[]) {
  dlopened.push(filename);
  return (origDlopen as (...a: unknown[]) => unknown).call(process, module, filename, ...rest);
} as typeof process.dlopen;

const require = createRequire(import.meta.url);
// Every child process the driver might start (mongocryptd) is counted.
const childProcess = require('node:child_process') as typeof import('node:child_process');
const spawned: string[] = [];
for (const fn of ['spawn', 'fork', 'exec', 'execFile'] as const) {
  const orig = childProcess[fn] as (...a: unknown[]) => unknown;
  (childProcess as Record<string, unknown>)[fn] = (...args: unknown[]) => {
    spawned.push(String(args[0]));
    return orig(...args);
  };
}

const major = process.argv[2] === '6' ? '6' : '7';
const { startWireServer } = await import('../wire-server/server.js');
const bson = await import('bson');
const { Binary } = bson;
type Doc = Record<string, unknown>;

const driverPath = require.resolve(`mongodb${major}`);
const mongodb = require(`mongodb${major}`) as typeof import('mongodb7');
const driverRequire = createRequire(driverPath);
const report: Doc = { major, driverVersion: (driverRequire('../package.json') as { version: string }).version };
// The package the driver's own require('mongodb-client-encryption') finds (src/index.ts or dist/index.js).
const bindingDir = dirname(dirname(realpathSync(driverRequire.resolve('mongodb-client-encryption'))));
report.bindingPath = bindingDir;

// MONGODB_URI (a real mongod, FerretDB in CI) when set, else the test wire server in this process.
// What the server stores is read back with a plain client; what the driver sent is seen through
// command monitoring (the commands as they left the driver, after encryption).
const external = process.env.MONGODB_URI;
const server = external ? undefined : await startWireServer();
const uri = external ?? (server as { uri: string }).uri;
report.server = external ? 'MONGODB_URI' : 'test wire server';
const inspect = new mongodb.MongoClient(uri);
await inspect.connect();
const stored = async (ns: string): Promise<Doc[]> => {
  const dot = ns.indexOf('.');
  return inspect.db(ns.slice(0, dot)).collection(ns.slice(dot + 1)).find({}).toArray();
};
const commands: { name: string; db: string; body: Doc }[] = [];
const monitored = <T extends { on(event: 'commandStarted', fn: (e: { commandName: string; databaseName: string; command: Doc }) => void): unknown }>(client: T): T => {
  client.on('commandStarted', (e) => commands.push({ name: e.commandName, db: e.databaseName, body: e.command }));
  return client;
};
// A dedicated test server is assumed: the databases this script writes start empty.
for (const db of ['hr', 'keyvault', 'lmc', 'medical']) await inspect.db(db).dropDatabase();
const masterKey = new Uint8Array(96).map((_, i) => (i * 7 + 3) & 0xff);
const kmsProviders = { local: { key: masterKey } };
const keyVaultNamespace = 'keyvault.datakeys';
const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
const hex = (b: { buffer: Uint8Array; position?: number }) => Buffer.from(b.buffer.subarray(0, b.position ?? b.buffer.length)).toString('hex');
const errorOf = async (fn: () => Promise<unknown>): Promise<Doc> => {
  try {
    await fn();
    return { threw: false };
  } catch (e) {
    const err = e as Error & { cause?: Error & { code?: string } };
    return { threw: true, name: err.name, message: err.message, causeCode: err.cause?.code };
  }
};

const keyVaultClient = monitored(new mongodb.MongoClient(uri, { monitorCommands: true }));
let encrypted: import('mongodb7').MongoClient | undefined;
try {
  await keyVaultClient.connect();
  const ce = new mongodb.ClientEncryption(keyVaultClient, { keyVaultNamespace, kmsProviders });

  // createDataKey: the driver inserts the document finalize() returned.
  const keyId = await ce.createDataKey('local', { keyAltNames: ['alice'] });
  const keyDocs = await stored(keyVaultNamespace);
  report.keyDocs = keyDocs.map((d) => ({
    fields: Object.keys(d), idSubtype: (d._id as InstanceType<typeof Binary>).sub_type, idHex: hex(d._id as InstanceType<typeof Binary>),
    keyMaterialLength: (d.keyMaterial as InstanceType<typeof Binary>).position, keyAltNames: d.keyAltNames, masterKey: d.masterKey,
  }));
  report.keyIdHex = hex(keyId);

  // Explicit encryption, by id (deterministic) and by alt name (random); decryption of both.
  const det = await ce.encrypt('123-45-6789', { keyId, algorithm: DET });
  const rnd = await ce.encrypt(new mongodb.Int32(42), { keyAltName: 'alice', algorithm: RND });
  report.explicit = {
    detSubtype: det.sub_type, detFirstByte: det.buffer[0], detKeyIdHex: Buffer.from(det.buffer.subarray(1, 17)).toString('hex'), detLength: det.position, detHex: hex(det),
    rndSubtype: rnd.sub_type, rndFirstByte: rnd.buffer[0], rndLength: rnd.position,
    detPlain: await ce.decrypt(det), rndPlain: String(await ce.decrypt(rnd)),
  };
  // The same deterministic blob from fle-ts's own ClientEncryption over the stored key document.
  const { ClientEncryption: FleClientEncryption, MemoryKeyVault } = await import('@fle-ts/client');
  const own = new FleClientEncryption({ keyVault: new MemoryKeyVault(JSON.parse(mongodb.BSON.EJSON.stringify(keyDocs, { relaxed: false })) as never), kmsProviders });
  report.ownDetHex = hex(await own.encrypt('123-45-6789', { keyId: new Binary(keyId.buffer.subarray(0, 16), 4), algorithm: DET }));

  // Errors: an unknown key alt name; a Queryable Encryption contention factor out of range.
  report.unknownKey = await errorOf(() => ce.encrypt('x', { keyAltName: 'nobody', algorithm: DET }));
  report.qeContention = await errorOf(() => ce.encrypt('x', { keyId, algorithm: 'Indexed', contentionFactor: -1 }));

  // Automatic encryption with a schemaMap: insert, then find by the deterministic field.
  const schemaMap = {
    'hr.people': {
      bsonType: 'object',
      encryptMetadata: { keyId: [keyId] },
      properties: {
        ssn: { encrypt: { bsonType: 'string', algorithm: DET } },
        salary: { encrypt: { bsonType: 'int', algorithm: RND } },
      },
    },
  };
  encrypted = monitored(new mongodb.MongoClient(uri, { monitorCommands: true, autoEncryption: { keyVaultNamespace, kmsProviders, schemaMap } }));
  await encrypted.connect();
  const people = encrypted.db('hr').collection('people');
  await people.insertOne({ name: 'Ada', ssn: '123-45-6789', salary: 90000 });
  await people.insertOne({ name: 'Bob', ssn: '987-65-4321', salary: 80000 });
  const raw = await stored('hr.people');
  report.storedPeople = raw.map((d) => ({
    name: d.name,
    ssn: { subtype: (d.ssn as InstanceType<typeof Binary>)?.sub_type, firstByte: (d.ssn as InstanceType<typeof Binary>)?.buffer?.[0], isString: typeof d.ssn === 'string' },
    salary: { subtype: (d.salary as InstanceType<typeof Binary>)?.sub_type, firstByte: (d.salary as InstanceType<typeof Binary>)?.buffer?.[0] },
  }));
  report.storedSsnEqualsExplicitDet = hex(raw[0]?.ssn as InstanceType<typeof Binary>) === report.ownDetHex;
  const found = await people.findOne({ ssn: '123-45-6789' }, { projection: { name: 1, ssn: 1, salary: 1 } });
  report.found = found;
  const findCmd = [...commands].reverse().find((c) => c.name === 'find' && c.body.find === 'people');
  const eq = ((findCmd?.body.filter as Doc | undefined)?.ssn as Doc | undefined)?.$eq as InstanceType<typeof Binary> | undefined;
  report.findFilterSent = { subtype: eq?.sub_type, firstByte: eq?.buffer?.[0], hex: eq ? hex(eq) : undefined };
  report.countAll = (await people.find({}).toArray()).length;

  // Refused before anything is sent: an operator encrypted fields cannot support; $where.
  const before = commands.length;
  report.badOperator = await errorOf(() => people.findOne({ ssn: { $gt: '1' } }));
  report.whereOp = await errorOf(() => people.findOne({ $where: 'true' }));
  report.badInsertType = await errorOf(() => people.insertOne({ name: 'Cy', ssn: 12345 }));
  report.unsupportedCommand = await errorOf(() => people.aggregate([{ $addFields: { x: 1 } }]).toArray());
  report.sentAfterRefusals = commands.slice(before).filter((c) => c.db === 'hr').map((c) => c.name);
  report.peopleAfterRefusals = (await stored('hr.people')).length;

  // update / delete / distinct / findAndModify on the encrypted collection.
  await people.updateOne({ ssn: '987-65-4321' }, { $set: { ssn: '555-55-5555', salary: 85000 } });
  const updatedRaw = (await stored('hr.people')).find((d) => d.name === 'Bob') as Doc;
  report.updateStored = { ssnSubtype: (updatedRaw.ssn as InstanceType<typeof Binary>).sub_type, salarySubtype: (updatedRaw.salary as InstanceType<typeof Binary>).sub_type };
  report.afterUpdate = (await people.findOne({ ssn: '555-55-5555' }))?.salary;
  report.distinctNames = await people.distinct('name', { ssn: { $in: ['123-45-6789', '555-55-5555'] } });
  const fam = await people.findOneAndUpdate({ ssn: '123-45-6789' }, { $set: { salary: 91000 } }, { returnDocument: 'after' });
  report.findAndModify = (fam && 'value' in (fam as Doc) && (fam as Doc).ok !== undefined ? (fam as Doc).value : fam) as Doc | null;
  report.updateIncRefused = await errorOf(() => people.updateOne({ name: 'Ada' }, { $inc: { salary: 1 } }));
  report.estimatedCount = await people.estimatedDocumentCount();
  // The aggregate goes out as mongocryptd writes it ($group constants as {$const: v}, spec count.json);
  // FerretDB 1.x does not know $const and refuses it (the test accepts only that, and only on MONGODB_URI).
  try {
    report.countDocuments = await people.countDocuments({ ssn: { $in: ['123-45-6789', '555-55-5555'] } });
  } catch (e) {
    if (!external || !/Unrecognized expression '\$const'/.test((e as Error).message)) throw e;
    report.countDocumentsServerRefused = (e as Error).message;
  }
  const aggCmd = [...commands].reverse().find((c) => c.name === 'aggregate' && c.body.aggregate === 'people');
  const aggIn = ((((aggCmd?.body.pipeline as Doc[] | undefined)?.[0]?.$match as Doc | undefined)?.ssn as Doc | undefined)?.$in as InstanceType<typeof Binary>[] | undefined) ?? [];
  report.countDocumentsSent = aggIn.map((b) => [b.sub_type, b.buffer[0]]);
  const del = await people.deleteOne({ ssn: '555-55-5555' });
  report.deleted = del.deletedCount;
  report.peopleLeft = (await stored('hr.people')).map((d) => d.name);

  // A schema the server holds: the collection's $jsonSchema validator, read through NEED_MONGO_COLLINFO.
  // A server without validators (FerretDB 1.x) refuses the create; that is reported, not hidden.
  let created = true;
  try {
    await keyVaultClient.db('hr').createCollection('remote', {
      validator: { $jsonSchema: { bsonType: 'object', properties: { secret: { encrypt: { keyId: [keyId], bsonType: 'string', algorithm: DET } } } } },
    });
  } catch (e) {
    created = false;
    report.remoteSkipped = (e as Error).message;
  }
  if (created) {
    const remote = encrypted.db('hr').collection('remote');
    await remote.insertOne({ who: 'Ada', secret: 'opensesame' });
    const remoteRaw = (await stored('hr.remote'))[0] as Doc;
    report.remoteStored = { who: remoteRaw.who, secretSubtype: (remoteRaw.secret as InstanceType<typeof Binary>)?.sub_type, secretIsString: typeof remoteRaw.secret === 'string' };
    const remoteFound = await remote.findOne({ secret: 'opensesame' });
    report.remoteFound = remoteFound ? { who: remoteFound.who, secret: remoteFound.secret } : null;
    report.remoteBadOperator = await errorOf(() => remote.findOne({ secret: { $regex: 'open' } }));
  }

  // A bad schema in schemaMap: the first command on that collection is refused (libmongocrypt only
  // checks that schemaMap is BSON; the analyzer judges the schema: spec badSchema.json).
  report.badSchema = await errorOf(async () => {
    const bad = new mongodb.MongoClient(uri, {
      autoEncryption: { keyVaultNamespace, kmsProviders, schemaMap: { 'hr.bad': { bsonType: 'object', properties: { x: { encrypt: { keyId: [keyId], algorithm: DET } } } } } },
    });
    try {
      await bad.connect();
      await bad.db('hr').collection('bad').insertOne({ x: 'y' });
    } finally {
      await bad.close();
    }
  });

  // A collection without a schemaMap entry goes through NEED_MONGO_COLLINFO and is sent in clear.
  await encrypted.db('hr').collection('plain').insertOne({ note: 'clear' });
  report.plainStored = (await stored('hr.plain')).map((d) => d.note);
  report.listCollectionsForPlain = commands.some((c) => c.name === 'listCollections' && (c.body.filter as Doc | undefined)?.name === 'plain');

  // rewrapManyDataKey under the same local master key: every key rewritten, data still readable.
  const materialBefore = hex((await stored(keyVaultNamespace))[0]?.keyMaterial as InstanceType<typeof Binary>);
  const rewrap = await ce.rewrapManyDataKey({});
  report.rewrap = { matched: rewrap.bulkWriteResult?.matchedCount, modified: rewrap.bulkWriteResult?.modifiedCount };
  report.keyMaterialChanged = hex((await stored(keyVaultNamespace))[0]?.keyMaterial as InstanceType<typeof Binary>) !== materialBefore;
  const ce2 = new mongodb.ClientEncryption(keyVaultClient, { keyVaultNamespace, kmsProviders });
  report.decryptAfterRewrap = await ce2.decrypt(det);

  // For the libmongocrypt oracle (driver-e2e.test.ts): the key document as stored now, and Ada's
  // ciphertexts as the server holds them (written through this driver + fle-ts).
  const { EJSON } = mongodb.BSON;
  const ada = (await stored('hr.people')).find((d) => d.name === 'Ada') as Doc;
  report.forOracle = {
    masterKeyBase64: Buffer.from(masterKey).toString('base64'),
    keys: EJSON.stringify(await stored(keyVaultNamespace), { relaxed: false }),
    values: EJSON.stringify([{ v: ada.ssn }, { v: ada.salary }], { relaxed: false }),
  };

  // libmongocrypt-made key documents and ciphertexts (test-vectors/client, made by mcoracle):
  // read back through the driver + fle-ts; and fle-ts's deterministic output equals libmongocrypt's.
  const vector = EJSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../../test-vectors/client/auto-encryption-local.json'), 'utf8'), { relaxed: false }) as Doc;
  await keyVaultClient.db('lmc').collection('datakeys').insertMany(vector.keyDocuments as Doc[]);
  await keyVaultClient.db('medical').collection('patients').insertOne(vector.encryptedByLibmongocrypt as Doc);
  const lmcKms = { local: { key: Buffer.from(vector.masterKeyBase64 as string, 'base64') } };
  const lmcClient = new mongodb.MongoClient(uri, { autoEncryption: { keyVaultNamespace: 'lmc.datakeys', kmsProviders: lmcKms, schemaMap: { [vector.namespace as string]: vector.schema as Doc } } });
  try {
    await lmcClient.connect();
    const patients = lmcClient.db('medical').collection('patients');
    const read = await patients.findOne({ ssn: (vector.document as Doc).ssn });
    report.lmcRead = EJSON.stringify(read, { relaxed: false });
    report.lmcExpected = EJSON.stringify(vector.document, { relaxed: false });
    await patients.insertOne({ ...(vector.document as Doc), _id: 2 } as never);
    const mine = (await stored('medical.patients')).find((d) => (d._id as { value?: number }).value === 2 || d._id === 2) as Doc;
    const expected = vector.expectedDeterministic as Record<string, InstanceType<typeof Binary>>;
    const at = (d: Doc, path: string) => path.split('.').reduce<unknown>((cur, k) => (cur as Doc)[k], d) as InstanceType<typeof Binary>;
    report.lmcDeterministic = Object.fromEntries(Object.keys(expected).map((path) => [path, hex(at(mine, path)) === hex(expected[path] as InstanceType<typeof Binary>)]));
  } finally {
    await lmcClient.close();
  }

  // No mongocryptd anywhere: no client for it, nothing spawned, no connection to port 27020.
  const autoEncrypter = (encrypted as unknown as { autoEncrypter?: { _mongocryptdClient?: unknown; cryptSharedLibVersionInfo?: unknown } }).autoEncrypter;
  report.mongocryptdClient = autoEncrypter?._mongocryptdClient !== undefined;
  report.cryptShared = autoEncrypter?.cryptSharedLibVersionInfo !== null && autoEncrypter?.cryptSharedLibVersionInfo !== undefined;
} catch (e) {
  report.fatal = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
} finally {
  await encrypted?.close();
  await keyVaultClient.close();
  await inspect.close();
  await server?.close();
}

report.spawned = spawned;
report.dlopened = dlopened;
report.nativeInRequireCache = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
report.bindingPackageName = (JSON.parse(readFileSync(join(bindingDir, 'package.json'), 'utf8')) as { name: string }).name;
process.stdout.write(`${JSON.stringify(report, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
