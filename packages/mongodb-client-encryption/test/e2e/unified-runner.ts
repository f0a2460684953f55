// Runs in a fresh Node process (spec-unified-runner.test.ts starts it): the specification's
// unified CSFLE test files (../shared/test-vectors/spec-unified, format in
// ../shared/docs/unified-test-format.md) through the official driver of one major, whose
// require('mongodb-client-encryption') is this package, against the in-process test wire server
// (or MONGODB_URI). Implements the parts of the unified format these files use. Files keyed to an
// AWS data key run with a local stand-in key (same _id and alt names); their ciphertexts are
// compared on the clear first 18 bytes only (kind, key UUID, original BSON type). Prints one JSON
// line: every test with pass/fail and the first failed assertion.
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const major = process.argv[2] === '6' ? '6' : '7';
const dir = process.argv[3] as string;
const files = process.argv.slice(4);
const mongodb = require(`mongodb${major}`) as typeof import('mongodb7');
const { BSON, MongoClient, ClientEncryption, MongoServerError, MongoOperationTimeoutError } = mongodb;
const { Binary, EJSON } = BSON;
const { MongoCrypt } = await import('@fle-ts/mongodb-client-encryption');
const { startWireServer } = await import('../wire-server/server.js');

type Doc = Record<string, any>;
const external = process.env.MONGODB_URI;
const server = external ? undefined : await startWireServer();
const uri = external ?? (server as { uri: string }).uri;

// The spec's local master key (client-side-encryption-tests.md, "local" KMS placeholder).
const LOCAL_KEY = Buffer.from('Mng0NCt4ZHVUYUJCa1kxNkVyNUR1QURhZ2h2UzR2d2RrZzh0cFBwM3R6NmdWMDFBMUN3YkQ5aXRRMkhGRGdQV09wOGVNYUMxT2k3NjZKelhaQmRCZGJkTXVyZG9uSjFk', 'base64');
const REMOTE = ['aws', 'azure', 'gcp', 'kmip'];
// Commands the format says to ignore in event lists (security-sensitive; hello is never an expected event).
const IGNORED = new Set(['hello', 'ismaster', 'isMaster', 'saslStart', 'saslContinue', 'authenticate', 'getnonce', 'configureFailPoint', 'endSessions', 'killCursors']);

class Skip extends Error {}
class Mismatch extends Error {}

// ---- matching (unified-test-format.md "Evaluating Matches") ----

const isDoc = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v) && (v as Doc)._bsontype === undefined && !(v instanceof Date) && !(v instanceof Uint8Array);
const numberOf = (v: unknown): number | undefined => {
  if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
  const t = (v as Doc | null)?._bsontype;
  if (t === 'Int32' || t === 'Double' || t === 'Long') return Number((v as { valueOf(): unknown }).valueOf?.() ?? v) || Number((v as Doc).toString());
  return undefined;
};
function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'double';
  if (typeof v === 'bigint') return 'long';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Date) return 'date';
  if (v instanceof RegExp) return 'regex';
  const t = (v as Doc)._bsontype as string | undefined;
  const map: Record<string, string> = { Binary: 'binData', Int32: 'int', Long: 'long', Double: 'double', ObjectId: 'objectId', Decimal128: 'decimal', Timestamp: 'timestamp', BSONRegExp: 'regex', Code: 'javascript', MinKey: 'minKey', MaxKey: 'maxKey', BSONSymbol: 'symbol' };
  if (t) return t === 'Code' && (v as Doc).scope ? 'javascriptWithScope' : (map[t] ?? t);
  if (v instanceof Uint8Array) return 'binData';
  return 'object';
}
const hex = (b: Doc): string => Buffer.from((b.buffer ?? b) as Uint8Array).toString('hex');

/** Matches `actual` against `expected`; `approxBlobs` compares BinData 6 on its clear 18-byte header. */
function match(expected: unknown, actual: unknown, path: string, root: boolean, approxBlobs: boolean): void {
  const fail = (why: string) => {
    throw new Mismatch(`${path || '<root>'}: ${why}; expected ${EJSON.stringify(expected as Doc)}, actual ${actual === undefined ? 'undefined' : EJSON.stringify(actual as Doc)}`);
  };
  // The driver builds index keys as a Map (createIndex): compared as the document it serializes to.
  if (actual instanceof Map) actual = Object.fromEntries(actual);
  if (isDoc(expected)) {
    const keys = Object.keys(expected);
    if (keys.length === 1 && keys[0]?.startsWith('$$')) {
      const arg = expected[keys[0]];
      if (keys[0] === '$$type') {
        const want = Array.isArray(arg) ? arg : [arg];
        const got = typeName(actual);
        if (!(want.includes(got) || (want.includes('number') && ['int', 'long', 'double', 'decimal'].includes(got)))) fail(`type ${got}`);
        return;
      }
      if (keys[0] === '$$unsetOrMatches') {
        if (actual !== undefined) match(arg, actual, path, root, approxBlobs);
        return;
      }
      if (keys[0] === '$$exists') {
        if ((actual !== undefined) !== Boolean(arg)) fail('existence');
        return;
      }
      if (keys[0] === '$$lte') {
        if (!((numberOf(actual) ?? NaN) <= (numberOf(arg) ?? NaN))) fail('not <=');
        return;
      }
      throw new Skip(`special operator ${keys[0]} not implemented in this runner`);
    }
    if (!isDoc(actual)) fail('not a document');
    for (const k of keys) {
      const v = expected[k];
      const a = (actual as Doc)[k];
      if (isDoc(v) && ('$$exists' in v || '$$unsetOrMatches' in v) && Object.keys(v).length === 1) {
        match(v, a, `${path}.${k}`, false, approxBlobs);
        continue;
      }
      if (a === undefined) fail(`missing key ${k}`);
      match(v, a, `${path}.${k}`, false, approxBlobs);
    }
    if (!root) for (const k of Object.keys(actual as Doc)) if (!(k in expected)) fail(`extra key ${k}`);
    return;
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) fail('not an array');
    if ((actual as unknown[]).length !== expected.length) fail(`length ${(actual as unknown[]).length} != ${expected.length}`);
    expected.forEach((e, i) => match(e, (actual as unknown[])[i], `${path}[${i}]`, false, approxBlobs));
    return;
  }
  // The driver deserializes a BSON symbol as a JS string (js-bson promoteValues), as it does without encryption.
  if ((expected as Doc | null)?._bsontype === 'BSONSymbol' && typeof actual === 'string') {
    if (actual !== String((expected as Doc).value ?? expected)) fail('symbol differs');
    return;
  }
  const en = numberOf(expected);
  if (en !== undefined) {
    if (numberOf(actual) !== en) fail('number differs');
    return;
  }
  if ((expected as Doc | null)?._bsontype === 'Binary') {
    const e = expected as InstanceType<typeof Binary>;
    const a = actual as InstanceType<typeof Binary>;
    if (a?._bsontype !== 'Binary' || a.sub_type !== e.sub_type) fail('not the same binary subtype');
    const [eh, ah] = [hex(e), hex(a)];
    if (approxBlobs && e.sub_type === 6) {
      if (eh.slice(0, 36) !== ah.slice(0, 36)) fail('ciphertext header (kind, key UUID, BSON type) differs');
    } else if (eh !== ah) fail('bytes differ');
    return;
  }
  if (expected instanceof Date) {
    if (!(actual instanceof Date) || actual.getTime() !== expected.getTime()) fail('date differs');
    return;
  }
  if (expected === null || typeof expected !== 'object') {
    if (actual !== expected) fail('differs');
    return;
  }
  const canonical = (v: unknown) => (v instanceof RegExp ? EJSON.stringify(new BSON.BSONRegExp(v.source, v.flags) as unknown as Doc) : EJSON.stringify(v as Doc));
  if (typeName(expected) !== typeName(actual) || canonical(expected) !== canonical(actual)) fail('differs');
}

/** Exact equality for `outcome` (key order free; numbers by type-flexible value; blobs as in match). */
function matchExact(expected: unknown, actual: unknown, path: string, approxBlobs: boolean): void {
  match(expected, actual, path, false, approxBlobs);
}

// ---- the AWS stand-in: local data keys with the same _id and alt names, initialData re-encrypted ----

function driveCrypt(ctx: any, keys: Doc[]): Doc {
  for (;;) {
    if (ctx.state === 3) {
      for (const k of keys) ctx.addMongoOperationResponse(BSON.serialize(k));
      ctx.finishMongoOperation();
    } else if (ctx.state === 5) {
      return BSON.deserialize(ctx.finalize(), { promoteValues: false, promoteBuffers: false, bsonRegExp: true });
    } else throw new Error(`stand-in crypt state ${ctx.state}: ${ctx.status.message}`);
  }
}
// One per file: its key cache must not keep another file's stand-in for the same key _id.
let standInCrypt = new MongoCrypt({ kmsProviders: BSON.serialize({ local: { key: LOCAL_KEY } }), errorWrapper: (e: Error) => e });

/** A local data key standing in for a remote-KMS key document (same _id and alt names). */
function standInKey(doc: Doc): Doc {
  const made = BSON.deserialize(standInCrypt.makeDataKeyContext(BSON.serialize({ provider: 'local' }), {}).finalize());
  return { ...made, _id: doc._id, ...(doc.keyAltNames ? { keyAltNames: doc.keyAltNames } : {}), status: doc.status ?? made.status };
}

/**
 * base64 of an AWS-keyed ciphertext -> its plaintext, read off the files themselves: a document
 * with a given _id appears in clear in an operation (document(s) to insert, expected results) and
 * encrypted in initialData, outcome or an expected insert command. Gathered over every file of the
 * folder (the same blobs recur), so a file without a clear copy still gets its data re-encrypted.
 */
function plaintextsOf(all: Doc[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const isBlob = (v: unknown) => (v as Doc)?._bsontype === 'Binary' && (v as Doc).sub_type === 6;
  const idKey = (d: Doc) => EJSON.stringify({ v: d._id });
  for (const file of all) {
    const plainDocs: Doc[] = [];
    const cipherDocs: Doc[] = [...(file.initialData ?? []).flatMap((d: Doc) => d.documents as Doc[])];
    for (const t of file.tests as Doc[]) {
      for (const o of (t.outcome ?? []) as Doc[]) cipherDocs.push(...(o.documents as Doc[]));
      for (const c of (t.expectEvents ?? []) as Doc[]) for (const ev of (c.events ?? []) as Doc[]) cipherDocs.push(...((ev.commandStartedEvent?.command?.documents ?? []) as Doc[]));
      for (const op of t.operations as Doc[]) {
        const a = op.arguments ?? {};
        if (a.document) plainDocs.push(a.document);
        if (Array.isArray(a.documents)) plainDocs.push(...a.documents);
        if (Array.isArray(op.expectResult)) plainDocs.push(...op.expectResult.filter(isDoc));
        else if (isDoc(op.expectResult)) plainDocs.push(op.expectResult);
      }
    }
    for (const c of cipherDocs) {
      if (!isDoc(c) || c._id === undefined) continue;
      for (const p of plainDocs) {
        if (p._id === undefined || idKey(p) !== idKey(c)) continue;
        for (const [k, v] of Object.entries(c)) {
          const clear = p[k];
          if (isBlob(v) && clear !== undefined && !isDoc(clear) && !isBlob(clear) && !(clear as Doc)?.$$type) out.set(Buffer.from((v as Doc).buffer).toString('base64'), clear);
        }
      }
    }
  }
  return out;
}

function reencrypt(value: unknown, plain: Map<string, unknown>, keys: Doc[]): unknown {
  if ((value as Doc)?._bsontype === 'Binary' && (value as Doc).sub_type === 6) {
    const bytes = Buffer.from((value as Doc).buffer as Uint8Array);
    const p = plain.get(bytes.toString('base64'));
    if (p === undefined || (bytes[0] !== 1 && bytes[0] !== 2)) return value;
    const algorithm = bytes[0] === 1 ? 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' : 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
    const ctx = standInCrypt.makeExplicitEncryptionContext(BSON.serialize({ v: p }), { keyId: bytes.subarray(1, 17), algorithm });
    return driveCrypt(ctx, keys).v;
  }
  if (Array.isArray(value)) return value.map((v) => reencrypt(v, plain, keys));
  if (isDoc(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, reencrypt(v, plain, keys)]));
  return value;
}

// ---- entities and operations ----

interface Ctx { entities: Map<string, any>; events: Map<string, Doc[]>; approx: boolean; standIn: boolean; failPoints: { name: string }[] }

/**
 * kmsProviders of an entity: the spec's local key for a `local` placeholder; a remote provider's
 * placeholder credentials (real ones are not published) become well-formed dummies, so the
 * provider is configured but any use of it fails (the remote-KMS files, listed by the test).
 * AWS-keyed files also get `local`, which wraps their stand-in keys.
 */
function kmsProvidersFor(given: Doc, standIn: boolean): Doc {
  const dummy: Record<string, string> = { privateKey: 'cGxhY2Vob2xkZXI=', endpoint: '127.0.0.1:9' };
  const out: Doc = {};
  for (const [name, opts] of Object.entries(given)) {
    const kind = name.split(':')[0] as string;
    if (kind === 'local') {
      const key = (opts as Doc).key;
      out[name] = { key: isDoc(key) && '$$placeholder' in key ? LOCAL_KEY : Buffer.from(String(key), 'base64') };
    } else if (REMOTE.includes(kind)) {
      out[name] = Object.fromEntries(Object.entries(opts as Doc).map(([k, v]) => [k, isDoc(v) && '$$placeholder' in v ? (dummy[k] ?? 'placeholder') : v]));
    } else out[name] = opts;
  }
  if (standIn) out.local ??= { key: LOCAL_KEY };
  return out;
}

async function createEntities(list: Doc[], ctx: Ctx): Promise<void> {
  for (const e of list) {
    const [kind, spec] = Object.entries(e)[0] as [string, Doc];
    if (kind === 'client') {
      const options: Doc = { monitorCommands: true };
      if (spec.autoEncryptOpts) {
        const a = { ...spec.autoEncryptOpts };
        a.kmsProviders = kmsProvidersFor(a.kmsProviders, ctx.standIn);
        if (a.keyExpirationMS !== undefined) a.keyExpirationMS = numberOf(a.keyExpirationMS);
        for (const k of Object.keys(a)) if (!['keyVaultNamespace', 'kmsProviders', 'schemaMap', 'bypassAutoEncryption', 'encryptedFieldsMap', 'bypassQueryAnalysis', 'keyExpirationMS', 'extraOptions'].includes(k)) throw new Skip(`autoEncryptOpts.${k}`);
        options.autoEncryption = a;
      }
      for (const k of Object.keys(spec)) if (!['id', 'autoEncryptOpts', 'observeEvents', 'uriOptions'].includes(k)) throw new Skip(`client option ${k}`);
      Object.assign(options, spec.uriOptions ?? {});
      const client = new MongoClient(uri, options);
      const events: Doc[] = [];
      ctx.events.set(spec.id, events);
      if ((spec.observeEvents ?? []).includes('commandStartedEvent')) {
        client.on('commandStarted', (ev: Doc) => {
          if (!IGNORED.has(ev.commandName)) events.push({ commandStartedEvent: { command: ev.command, commandName: ev.commandName, databaseName: ev.databaseName } });
        });
      }
      if ((spec.observeEvents ?? []).includes('commandSucceededEvent')) {
        client.on('commandSucceeded', (ev: Doc) => {
          if (!IGNORED.has(ev.commandName)) events.push({ commandSucceededEvent: { reply: ev.reply, commandName: ev.commandName } });
        });
      }
      await client.connect();
      ctx.entities.set(spec.id, client);
    } else if (kind === 'database') {
      ctx.entities.set(spec.id, ctx.entities.get(spec.client).db(spec.databaseName));
    } else if (kind === 'collection') {
      ctx.entities.set(spec.id, ctx.entities.get(spec.database).collection(spec.collectionName));
    } else if (kind === 'clientEncryption') {
      const o = { ...spec.clientEncryptionOpts };
      if (o.keyExpirationMS !== undefined) o.keyExpirationMS = numberOf(o.keyExpirationMS);
      const keyVaultClient = ctx.entities.get(o.keyVaultClient);
      o.kmsProviders = kmsProvidersFor(o.kmsProviders, ctx.standIn);
      delete o.keyVaultClient;
      ctx.entities.set(spec.id, new ClientEncryption(keyVaultClient, o as any));
    } else throw new Skip(`entity ${kind}`);
  }
}

/** Driver options from operation arguments: numbers as JS numbers (the driver ignores an Int32 batchSize). */
function plainOptions(o: Doc): Doc {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => [k, numberOf(v) ?? v]));
}

function findOptions(a: Doc): Doc {
  const { filter: _f, ...rest } = a;
  return plainOptions(rest);
}

async function runOperation(op: Doc, ctx: Ctx): Promise<unknown> {
  const a: Doc = op.arguments ?? {};
  const o = ctx.entities.get(op.object);
  if (op.object === 'testRunner') {
    switch (op.name) {
      case 'wait': await new Promise((r) => setTimeout(r, a.ms)); return undefined;
      case 'failPoint': {
        // Recorded so the test loop turns it off afterwards (unified-test-format.md "failPoint").
        await ctx.entities.get(a.client).db('admin').command(a.failPoint);
        ctx.failPoints.push({ name: a.failPoint.configureFailPoint });
        return undefined;
      }
      case 'assertCollectionExists': case 'assertCollectionNotExists': {
        const names = (await internal.db(a.databaseName).listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name);
        if (names.includes(a.collectionName) !== (op.name === 'assertCollectionExists')) throw new Mismatch(`${op.name} ${a.collectionName}: ${names}`);
        return undefined;
      }
      case 'assertIndexExists': case 'assertIndexNotExists': {
        // A collection that does not exist has no index (a dropped QE collection, fle2v2-CreateCollection.json).
        const names = (await internal.db(a.databaseName).collection(a.collectionName).listIndexes().toArray().catch((e: Doc) => { if (e.code === 26) return []; throw e; })).map((i: Doc) => i.name);
        if (names.includes(a.indexName) !== (op.name === 'assertIndexExists')) throw new Mismatch(`${op.name} ${a.indexName}: ${names}`);
        return undefined;
      }
      default: throw new Skip(`testRunner operation ${op.name}`);
    }
  }
  if (o === undefined) throw new Error(`no entity ${op.object}`);
  switch (op.name) {
    // collection
    case 'insertOne': return o.insertOne(a.document);
    case 'insertMany': return o.insertMany(a.documents, a.ordered === undefined ? {} : { ordered: a.ordered });
    case 'find': return o.find(a.filter ?? {}, findOptions(a)).toArray();
    case 'aggregate': return o.aggregate(a.pipeline, findOptions({ ...a, pipeline: undefined })).toArray();
    case 'countDocuments': return o.countDocuments(a.filter ?? {});
    case 'estimatedDocumentCount': return o.estimatedDocumentCount();
    case 'distinct': return o.distinct(a.fieldName, a.filter ?? {});
    case 'updateOne': case 'updateMany': {
      const { filter, update, ...rest } = a;
      return o[op.name](filter, update, plainOptions(rest));
    }
    case 'replaceOne': {
      const { filter, replacement, ...rest } = a;
      return o.replaceOne(filter, replacement, plainOptions(rest));
    }
    case 'deleteOne': case 'deleteMany': return o[op.name](a.filter, findOptions(a));
    case 'findOneAndDelete': return o.findOneAndDelete(a.filter, findOptions(a));
    case 'findOneAndReplace': { const { filter, replacement, ...rest } = a; return o.findOneAndReplace(filter, replacement, plainOptions(rest)); }
    case 'findOneAndUpdate': { const { filter, update, ...rest } = a; return o.findOneAndUpdate(filter, update, plainOptions(rest)); }
    // The driver has no mapReduce helper any more; the command itself goes out as the spec's runners send it.
    case 'mapReduce': return o.s.db.command({ mapReduce: o.collectionName, map: a.map, reduce: a.reduce, out: a.out ?? { inline: 1 } });
    case 'bulkWrite': return o.bulkWrite(a.requests, a.ordered === undefined ? {} : { ordered: a.ordered });
    case 'createIndex': { const { keys, ...rest } = a; return o.createIndex(keys, plainOptions(rest)); }
    // database
    case 'runCommand': return o.command(a.command);
    case 'createCollection': { const { collection, ...rest } = a; await o.createCollection(collection, rest); return undefined; }
    case 'dropCollection': {
      // Servers since 7.0 drop a missing collection silently; driver 6 still reports the older 'ns not found' as an error.
      const { collection, ...rest } = a;
      return o.dropCollection(collection, rest).catch((e: Doc) => { if (e.code !== 26) throw e; return false; });
    }
    // clientEncryption
    case 'createDataKey': return o.createDataKey(a.kmsProvider, a.opts ?? {});
    case 'getKey': return o.getKey(a.id);
    case 'getKeys': return o.getKeys().toArray();
    case 'getKeyByAltName': return o.getKeyByAltName(a.keyAltName);
    case 'deleteKey': return o.deleteKey(a.id);
    case 'addKeyAltName': return o.addKeyAltName(a.id, a.keyAltName);
    case 'removeKeyAltName': return o.removeKeyAltName(a.id, a.keyAltName);
    case 'encrypt': return o.encrypt(a.value, a.opts);
    case 'decrypt': return o.decrypt(a.value);
    case 'rewrapManyDataKey': return o.rewrapManyDataKey(a.filter, a.opts);
    default: throw new Skip(`operation ${op.name}`);
  }
}

const ITERABLE_RESULTS = new Set(['find', 'aggregate', 'getKeys']);

function checkError(err: Error & Doc, want: Doc): void {
  const isServer = err instanceof MongoServerError;
  if (want.isClientError === true && isServer) throw new Mismatch(`expected a client error, got server error: ${err.message}`);
  if (want.isClientError === false && !isServer) throw new Mismatch(`expected a server error, got: ${err.message}`);
  if (want.errorContains !== undefined && !String(err.message).toLowerCase().includes(String(want.errorContains).toLowerCase())) {
    throw new Mismatch(`error text: expected to contain "${want.errorContains}", got "${err.message}"`);
  }
  if (want.errorCode !== undefined && err.code !== want.errorCode) throw new Mismatch(`error code ${err.code} != ${want.errorCode}`);
  if (want.errorCodeName !== undefined && err.codeName !== want.errorCodeName) throw new Mismatch(`error codeName ${err.codeName} != ${want.errorCodeName}`);
  // The driver's CSOT error (timeoutMS): MongoOperationTimeoutError, in 6.x and 7.x.
  if (want.isTimeoutError !== undefined && (err instanceof MongoOperationTimeoutError) !== want.isTimeoutError) {
    throw new Mismatch(`expected ${want.isTimeoutError ? 'a' : 'no'} timeout error, got ${err.name}: ${err.message}`);
  }
  for (const k of Object.keys(want)) if (!['isError', 'isClientError', 'errorContains', 'errorCode', 'errorCodeName', 'isTimeoutError'].includes(k)) throw new Skip(`expectError.${k}`);
}

// ---- the file / test loop ----

const internal = new MongoClient(uri);
await internal.connect();
// FerretDB answers buildInfo with its own version beside the MongoDB one it emulates.
const buildInfo = await internal.db('admin').command({ buildInfo: 1 });
const results: Doc[] = [];

const readSpec = (name: string): Doc => EJSON.parse(readFileSync(join(dir, name), 'utf8'), { relaxed: false }) as Doc;
const plaintexts = plaintextsOf(readdirSync(dir).filter((f) => f.endsWith('.json')).map(readSpec));

for (const name of files) {
  const file = readSpec(`${name}.json`);
  const initial: Doc[] = file.initialData ?? [];
  const keyDocs = initial.filter((d) => d.databaseName === 'keyvault').flatMap((d) => d.documents as Doc[]);
  // A file is "AWS-keyed" when a key document it stores is wrapped by a remote KMS and something
  // must unwrap it (automatic encryption, explicit encrypt/decrypt); key-management operations
  // (getKey, deleteKey, ...) read and write key documents as they are, so those stay exact.
  const unwraps = file.createEntities.some((e: Doc) => e.client?.autoEncryptOpts)
    || (file.tests as Doc[]).some((t) => (t.operations as Doc[]).some((o) => o.name === 'encrypt' || o.name === 'decrypt'));
  const standIn = unwraps && keyDocs.some((k) => REMOTE.includes(String(k.masterKey?.provider).split(':')[0] as string));
  const standIns = new Map<string, Doc>();
  standInCrypt = new MongoCrypt({ kmsProviders: BSON.serialize({ local: { key: LOCAL_KEY } }), errorWrapper: (e: Error) => e });
  const keyFor = (k: Doc): Doc => {
    if (!standIn || !REMOTE.includes(String(k.masterKey?.provider).split(':')[0] as string)) return k;
    const id = hex(k._id);
    if (!standIns.has(id)) standIns.set(id, standInKey(k));
    return standIns.get(id) as Doc;
  };
  const localKeys = keyDocs.map(keyFor);
  const plain = plaintexts;

  for (const t of file.tests as Doc[]) {
    const r: Doc = { file: name, test: t.description, standIn };
    results.push(r);
    const ctx: Ctx = { entities: new Map(), events: new Map(), approx: standIn, standIn, failPoints: [] };
    try {
      if (t.skipReason) throw new Skip(`skipReason: ${t.skipReason}`);
      // Queryable Encryption files ask for a replica set (QE's state collections); the test wire
      // server emulates mongod's QE side (test/wire-server/qe-server.ts) on one node, for 7.0 and,
      // for range, 8.0 payloads, so it stands in for that replica set.
      const qeFile = name.startsWith('fle2v2-') && !external;
      for (const req of [...(file.runOnRequirements ?? []), ...(t.runOnRequirements ?? [])] as Doc[]) {
        if (req.topologies && !req.topologies.includes('single') && !(qeFile && req.topologies.includes('replicaset'))) throw new Skip(`needs topology ${req.topologies}`);
        if (req.maxServerVersion && req.maxServerVersion < '7.0') throw new Skip(`needs server <= ${req.maxServerVersion}`);
        if (req.minServerVersion && Number(req.minServerVersion.split('.')[0]) > (qeFile ? 8 : 7)) throw new Skip(`needs server >= ${req.minServerVersion}`);
      }
      // initialData: drop, create (with its options), insert, through the internal client.
      const namespaces = new Set<string>([...initial, ...(t.outcome ?? [])].map((d: Doc) => `${d.databaseName}.${d.collectionName}`));
      for (const ns of namespaces) {
        const [db, coll] = [ns.slice(0, ns.indexOf('.')), ns.slice(ns.indexOf('.') + 1)];
        // A QE collection goes with its state collections (unified-test-format.md initialData: drop with encryptedFields).
        const encryptedFields = initial.find((d) => `${d.databaseName}.${d.collectionName}` === ns)?.createOptions?.encryptedFields;
        await internal.db(db).dropCollection(coll, encryptedFields ? { encryptedFields } : {}).catch(() => undefined);
      }
      for (const d of initial) {
        const db = internal.db(d.databaseName);
        await db.createCollection(d.collectionName, d.createOptions ?? {});
        const docs = (d.documents as Doc[]).map((x) => (d.databaseName === 'keyvault' ? keyFor(x) : (standIn ? reencrypt(x, plain, localKeys) : x) as Doc));
        if (docs.length) await db.collection(d.collectionName).insertMany(docs, { writeConcern: { w: 'majority' } });
      }
      await createEntities(file.createEntities, ctx);
      for (const [i, op] of (t.operations as Doc[]).entries()) {
        let result: unknown;
        let error: (Error & Doc) | undefined;
        try {
          result = await runOperation(op, ctx);
        } catch (e) {
          if (e instanceof Skip || e instanceof Mismatch) throw e;
          error = e as Error & Doc;
        }
        const where = `operation ${i} (${op.name})`;
        if (op.expectError) {
          if (!error) throw new Mismatch(`${where}: expected an error, got ${EJSON.stringify({ result } as Doc)}`);
          try { checkError(error, op.expectError); } catch (e) { (e as Error).message = `${where}: ${(e as Error).message}`; throw e; }
        } else if (error) {
          throw new Mismatch(`${where}: unexpected error ${error.name}: ${error.message}`);
        } else if (op.expectResult !== undefined) {
          const rootElems = ITERABLE_RESULTS.has(op.name);
          try {
            if (rootElems && Array.isArray(op.expectResult)) {
              if (!Array.isArray(result) || result.length !== op.expectResult.length) throw new Mismatch(`result length ${(result as unknown[])?.length} != ${op.expectResult.length}: ${EJSON.stringify(result as Doc)}`);
              op.expectResult.forEach((e: unknown, j: number) => match(e, (result as unknown[])[j], `[${j}]`, true, ctx.approx));
            } else match(op.expectResult, result, '', isDoc(op.expectResult), ctx.approx);
          } catch (e) { (e as Error).message = `${where}: ${(e as Error).message}`; throw e; }
        }
      }
      for (const client of ctx.entities.values()) if (client instanceof MongoClient) await client.close();
      for (const want of (t.expectEvents ?? []) as Doc[]) {
        if (want.eventType && want.eventType !== 'command') throw new Skip(`expectEvents eventType ${want.eventType}`);
        const got = ctx.events.get(want.client) ?? [];
        const expected = want.events as Doc[];
        const seq = want.ignoreExtraEvents ? got.slice(0, expected.length) : got;
        if (seq.length !== expected.length) throw new Mismatch(`events of ${want.client}: ${seq.length} observed, ${expected.length} expected: ${got.map((g) => (Object.values(g)[0] as Doc).commandName).join(',')}`);
        expected.forEach((ev, j) => {
          const [type, spec] = Object.entries(ev)[0] as [string, Doc];
          if (type !== 'commandStartedEvent' && type !== 'commandSucceededEvent') throw new Skip(`event ${type}`);
          const g = seq[j]?.[type] as Doc | undefined;
          if (g === undefined) throw new Mismatch(`event ${j}: expected a ${type}, got ${Object.keys(seq[j] ?? {})[0]}`);
          if (spec.reply) {
            try { match(spec.reply, g.reply, '', true, ctx.approx); } catch (e) { (e as Error).message = `event ${j} (${g.commandName} reply): ${(e as Error).message}`; throw e; }
          }
          if (spec.commandName !== undefined && spec.commandName !== g.commandName) throw new Mismatch(`event ${j}: commandName ${g.commandName} != ${spec.commandName}`);
          if (spec.databaseName !== undefined && spec.databaseName !== g.databaseName) throw new Mismatch(`event ${j}: databaseName ${g.databaseName} != ${spec.databaseName}`);
          if (spec.command) {
            try { match(spec.command, g.command, '', true, ctx.approx); } catch (e) { (e as Error).message = `event ${j} (${g.commandName}): ${(e as Error).message}`; throw e; }
          }
        });
      }
      for (const want of (t.outcome ?? []) as Doc[]) {
        const got = await internal.db(want.databaseName).collection(want.collectionName).find({}, { sort: { _id: 1 }, readConcern: { level: 'local' } } as Doc).toArray();
        try { matchExact(want.documents, got, `outcome ${want.databaseName}.${want.collectionName}`, ctx.approx); } catch (e) { throw e; }
      }
      r.ok = true;
    } catch (e) {
      r.ok = false;
      r.skipped = e instanceof Skip;
      r.error = e instanceof Skip || e instanceof Mismatch ? (e as Error).message : `${(e as Error).name}: ${(e as Error).message}`;
    } finally {
      // A fail point is server-wide: the internal client turns it off.
      for (const fp of ctx.failPoints) await internal.db('admin').command({ configureFailPoint: fp.name, mode: 'off' }).catch(() => undefined);
      for (const client of ctx.entities.values()) if (client instanceof MongoClient) await client.close().catch(() => undefined);
    }
  }
}

await internal.close();
await server?.close();
console.log(JSON.stringify({ major, server: external ? 'MONGODB_URI' : 'test wire server', ferretdb: buildInfo.ferretdbVersion ?? null, results }));
