// MongoCrypt driven directly, the way the driver's StateMachine drives it: states, the BSON each
// state exchanges, the key cache, errors (with and without errorWrapper), and the refusals.
import { decodeTtlv, KmipTag } from '@fle-ts/kms';
import { Binary, deserialize, Double, Int32, Long, serialize, Timestamp, type Document } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AutoEncrypter, MemoryKeyVault } from '@fle-ts/client';
import { matchExpressionShape } from '../src/mongocryptd-shape.js';
import {
  MongoCrypt,
  MONGOCRYPT_CTX_DONE,
  MONGOCRYPT_CTX_ERROR,
  MONGOCRYPT_CTX_NEED_MONGO_COLLINFO,
  MONGOCRYPT_CTX_NEED_MONGO_KEYS,
  MONGOCRYPT_CTX_READY,
  type MongoCryptContext,
} from '@fle-ts/mongodb-client-encryption';

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
const masterKey = new Uint8Array(96).map((_, i) => (i * 13 + 5) & 0xff);
const kmsProviders = { local: { key: masterKey } };

class WrappedError extends Error {
  constructor(readonly inner: Error) {
    super(inner.message);
  }
}
const errorWrapper = (e: Error) => new WrappedError(e);

function crypt(extra: Record<string, unknown> = {}): MongoCrypt {
  return new MongoCrypt({ kmsProviders: serialize(kmsProviders), errorWrapper, ...extra });
}

function newKeyDoc(c: MongoCrypt, keyAltNames: string[] = [], keyMaterial?: Uint8Array): Document {
  const ctx = c.makeDataKeyContext(serialize({ provider: 'local' }), {
    keyAltNames: keyAltNames.map((keyAltName) => serialize({ keyAltName })),
    ...(keyMaterial ? { keyMaterial: serialize({ keyMaterial: new Binary(keyMaterial) }) } : {}),
  });
  expect(ctx.state).toBe(MONGOCRYPT_CTX_READY);
  const doc = deserialize(ctx.finalize());
  expect(ctx.state).toBe(MONGOCRYPT_CTX_DONE);
  return doc;
}

/** What the driver's StateMachine does, with a key vault and collection infos in memory. */
function drive(ctx: MongoCryptContext, keyDocs: Document[], collInfos: Document[] = [], trace: string[] = []): Uint8Array {
  for (;;) {
    switch (ctx.state) {
      case MONGOCRYPT_CTX_NEED_MONGO_COLLINFO:
        trace.push(`COLLINFO ${JSON.stringify(deserialize(ctx.nextMongoOperation()))}`);
        for (const info of collInfos) ctx.addMongoOperationResponse(serialize(info));
        ctx.finishMongoOperation();
        break;
      case MONGOCRYPT_CTX_NEED_MONGO_KEYS:
        trace.push('KEYS');
        deserialize(ctx.nextMongoOperation());
        for (const k of keyDocs) ctx.addMongoOperationResponse(serialize(k));
        ctx.finishMongoOperation();
        break;
      case MONGOCRYPT_CTX_READY:
        trace.push('READY');
        return ctx.finalize();
      default:
        throw new Error(`state ${ctx.state}: ${ctx.status.message}`);
    }
  }
}

describe('MongoCrypt constructor and static surface', () => {
  it('reports crypt_shared (so the driver never starts mongocryptd) and a libmongocrypt version string', () => {
    const info = crypt().cryptSharedLibVersionInfo;
    expect(typeof info.version).toBe('bigint');
    expect(info.versionStr).toContain('fle-ts');
    expect(MongoCrypt.libmongocryptVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(crypt().status).toEqual({ type: 0, code: 0, message: '' });
  });

  it('accepts the options the driver passes, ignoring those with no meaning here', () => {
    expect(() => crypt({ cryptSharedLibSearchPaths: ['$SYSTEM'], cryptSharedLibPath: '/x/mongo_crypt_v1.so', logger: () => undefined, keyExpirationMS: 0, bypassQueryAnalysis: false, keyVaultClient: { any: 'object' }, encryptedFieldsMap: serialize({}) })).not.toThrow();
  });

  it('refuses, through errorWrapper: no kmsProviders, a short local key, a bad encryptedFieldsMap, a negative keyExpirationMS, a bad schema', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ kmsProviders: undefined }, 'kmsProviders is required'],
      [{ kmsProviders: serialize({ local: { key: new Uint8Array(10) } }) }, '96 bytes'],
      [{ encryptedFieldsMap: serialize({ 'db.c': { fields: [{ path: 'a', keyId: 'not a UUID' }] } }) }, "encryptedFieldsMap['db.c'].fields[0].keyId must be a UUID"],
      [{ encryptedFieldsMap: serialize({ 'db.c': { fields: [] } }), schemaMap: serialize({ 'db.c': { bsonType: 'object' } }) }, 'in both schemaMap and encryptedFieldsMap'],
      [{ keyExpirationMS: -1 }, 'keyExpirationMS'],
      [{ kmsProviders: new Uint8Array([1, 2, 3]) }, 'not a valid BSON document'],
    ];
    for (const [opts, text] of cases) {
      let thrown: unknown;
      try {
        crypt(opts);
      } catch (e) {
        thrown = e;
      }
      expect(thrown, text).toBeInstanceOf(WrappedError);
      expect((thrown as Error).message).toContain(text);
    }
    // A bad schema fails the first command on its collection, not the constructor: libmongocrypt
    // only checks that schemaMap is BSON, the analyzer judges the schema (spec badSchema.json).
    const bad = crypt({ schemaMap: serialize({ 'db.c': { bsonType: 'object', properties: { a: { encrypt: { algorithm: DET } } } } }) });
    expect(() => bad.makeEncryptionContext('db', serialize({ insert: 'c', documents: [{ a: 'x' }] }))).toThrow(WrappedError);
    expect(() => bad.makeEncryptionContext('db', serialize({ insert: 'c', documents: [{ a: 'x' }] }))).toThrow(/Invalid schema: schemaMap\['db\.c'\]/);
  });
});

describe('data keys', () => {
  it('makeDataKeyContext: READY at once, a key document in libmongocrypt field order that unwraps', () => {
    const c = crypt();
    const doc = newKeyDoc(c, ['alice', 'bob']);
    expect(Object.keys(doc)).toEqual(['_id', 'keyAltNames', 'keyMaterial', 'creationDate', 'updateDate', 'status', 'masterKey']);
    expect((doc._id as Binary).sub_type).toBe(4);
    expect((doc.keyMaterial as Binary).position).toBe(160);
    expect(doc.keyAltNames).toEqual(['alice', 'bob']);
    expect(doc.masterKey).toEqual({ provider: 'local' });
    expect(doc.status).toBe(0);
  });

  it('refuses a duplicate keyAltName, keyMaterial of the wrong length and an unconfigured provider; azure accessToken goes straight to its wrapkey request; kmip starts with a Register request to port 5696', () => {
    const c = crypt();
    expect(() => c.makeDataKeyContext(serialize({ provider: 'local' }), { keyAltNames: [serialize({ keyAltName: 'a' }), serialize({ keyAltName: 'a' })] })).toThrow(/duplicate keyAltNames/);
    expect(() => c.makeDataKeyContext(serialize({ provider: 'local' }), { keyMaterial: serialize({ keyMaterial: new Binary(new Uint8Array(95)) }) })).toThrow(/keyMaterial should have length 96, but has length 95/);
    expect(() => c.makeDataKeyContext(serialize({ provider: 'aws', region: 'us-east-1', key: 'arn:x' }), {})).toThrow(/KMS provider 'aws' is not configured/);
    const azure = crypt({ kmsProviders: serialize({ local: { key: masterKey }, azure: { accessToken: 't' }, kmip: { endpoint: 'kmip.example.com' } }) });
    const ctx = azure.makeDataKeyContext(serialize({ provider: 'azure', keyVaultEndpoint: 'v.vault.azure.net', keyName: 'k' }), {});
    expect(ctx.state).toBe(4); // NEED_KMS: no token round in accessToken mode
    const req = ctx.nextKMSRequest();
    expect([req?.endpoint, req?.kmsProvider]).toEqual(['v.vault.azure.net:443', 'azure']);
    expect(new TextDecoder().decode(req?.message)).toMatch(/^POST \/keys\/k\/\/wrapkey\?api-version=7\.1 HTTP\/1\.1\r\n[^]*\r\nAuthorization:Bearer t\r\n/);
    const kmip = azure.makeDataKeyContext(serialize({ provider: 'kmip' }), {});
    expect(kmip.state).toBe(4);
    const register = kmip.nextKMSRequest();
    expect([register?.endpoint, register?.kmsProvider, register?.bytesNeeded]).toEqual(['kmip.example.com:5696', 'kmip', 8]); // the TTLV header first
    const batch = (decodeTtlv(register?.message as Uint8Array, 'kmip')[0] as unknown as { items: { tag: number; items?: { tag: number; value?: unknown }[] }[] }).items[1];
    expect(batch?.items?.find((i) => i.tag === KmipTag.Operation)?.value).toBe(0x03); // Register (the SecretData)
  });

  it('rewrap: NEED_MONGO_KEYS with the filter as given, then {v: [documents]} with new keyMaterial that still unwraps to the same key', () => {
    const c = crypt();
    const doc = newKeyDoc(c, [], new Uint8Array(96).fill(7));
    const filter = serialize({ keyAltNames: { $exists: false } });
    const ctx = c.makeRewrapManyDataKeyContext(filter);
    expect(ctx.state).toBe(MONGOCRYPT_CTX_NEED_MONGO_KEYS);
    expect(Buffer.from(ctx.nextMongoOperation()).equals(Buffer.from(filter))).toBe(true);
    ctx.addMongoOperationResponse(serialize(doc));
    ctx.finishMongoOperation();
    const { v } = deserialize(ctx.finalize()) as { v: Document[] };
    expect(v).toHaveLength(1);
    expect((v[0]?._id as Binary).toString('hex')).toBe((doc._id as Binary).toString('hex'));
    expect((v[0]?.keyMaterial as Binary).toString('hex')).not.toBe((doc.keyMaterial as Binary).toString('hex'));
    // Same data key: a deterministic ciphertext is the same under the old and the rewrapped document.
    const enc = (d: Document) => deserialize(drive(crypt().makeExplicitEncryptionContext(serialize({ v: 'x' }), { keyId: (d._id as Binary).buffer, algorithm: DET }), [d])).v as Binary;
    expect(enc(v[0] as Document).toString('hex')).toBe(enc(doc).toString('hex'));
  });
});

describe('explicit encryption and decryption', () => {
  const c = crypt();
  const keyDoc = newKeyDoc(c, ['alice']);
  const keyId = (keyDoc._id as Binary).buffer.subarray(0, 16);

  it('asks for keys with libmongocrypt filter shape, then READY, finalize {v: BinData 6}, DONE', () => {
    const ctx = crypt().makeExplicitEncryptionContext(serialize({ v: 'hello' }), { keyId, algorithm: DET });
    expect(ctx.state).toBe(MONGOCRYPT_CTX_NEED_MONGO_KEYS);
    const filter = deserialize(ctx.nextMongoOperation());
    expect(Object.keys(filter)).toEqual(['$or']);
    expect(filter.$or).toHaveLength(2);
    expect((filter.$or[0]._id.$in[0] as Binary).toString('hex')).toBe(Buffer.from(keyId).toString('hex'));
    expect(filter.$or[1]).toEqual({ keyAltNames: { $in: [] } });
    ctx.addMongoOperationResponse(serialize(keyDoc));
    ctx.finishMongoOperation();
    expect(ctx.state).toBe(MONGOCRYPT_CTX_READY);
    const { v } = deserialize(ctx.finalize());
    expect(ctx.state).toBe(MONGOCRYPT_CTX_DONE);
    expect([(v as Binary).sub_type, (v as Binary).buffer[0]]).toEqual([6, 1]);
  });

  it('by keyAltName: the filter names it; the deterministic bytes equal fle-ts ClientEncryption over the same key', async () => {
    const ctx = crypt().makeExplicitEncryptionContext(serialize({ v: 'hello' }), { keyAltName: serialize({ keyAltName: 'alice' }), algorithm: DET });
    const filter = deserialize(ctx.nextMongoOperation());
    expect(filter.$or[0]).toEqual({ _id: { $in: [] } });
    expect(filter.$or[1]).toEqual({ keyAltNames: { $in: ['alice'] } });
    const blob = deserialize(drive(ctx, [keyDoc])).v as Binary;
    const { ClientEncryption } = await import('@fle-ts/client');
    const own = new ClientEncryption({ keyVault: new MemoryKeyVault([keyDoc as never]), kmsProviders });
    expect(blob.toString('hex')).toBe((await own.encrypt('hello', { keyAltName: 'alice', algorithm: DET })).toString('hex'));
  });

  it('keeps every BSON type through encrypt and decrypt (the {v} documents are byte-identical)', () => {
    for (const value of [new Int32(7), new Long(7), new Double(7), 'seven', new Date(7), new Binary(new Uint8Array([7]), 4), { nested: [1, 'x'] }]) {
      const input = serialize({ v: value });
      const blob = drive(c.makeExplicitEncryptionContext(input, { keyId, algorithm: RND }), [keyDoc]);
      const back = drive(c.makeExplicitDecryptionContext(blob), [keyDoc]);
      expect(Buffer.from(back).toString('hex')).toBe(Buffer.from(input).toString('hex'));
    }
  });

  it('the key cache: a second context for the same key skips NEED_MONGO_KEYS; keyExpirationMS ends that', async () => {
    const cached = crypt();
    const trace: string[] = [];
    drive(cached.makeExplicitEncryptionContext(serialize({ v: 1 }), { keyId, algorithm: RND }), [keyDoc], [], trace);
    drive(cached.makeExplicitEncryptionContext(serialize({ v: 2 }), { keyAltName: serialize({ keyAltName: 'alice' }), algorithm: RND }), [keyDoc], [], trace);
    expect(trace).toEqual(['KEYS', 'READY', 'READY']);
    const expiring = crypt({ keyExpirationMS: 1 });
    const trace2: string[] = [];
    drive(expiring.makeExplicitEncryptionContext(serialize({ v: 1 }), { keyId, algorithm: RND }), [keyDoc], [], trace2);
    await new Promise((r) => setTimeout(r, 5));
    drive(expiring.makeExplicitEncryptionContext(serialize({ v: 1 }), { keyId, algorithm: RND }), [keyDoc], [], trace2);
    expect(trace2).toEqual(['KEYS', 'READY', 'KEYS', 'READY']);
  });

  it('errors: no key (libmongocrypt message), a malformed key document, the wrong master key, bad QE options, not a ciphertext', () => {
    const none = crypt().makeExplicitEncryptionContext(serialize({ v: 'x' }), { keyId, algorithm: DET });
    expect(() => none.finishMongoOperation()).toThrow(/not all keys requested were satisfied/);
    expect(none.state).toBe(MONGOCRYPT_CTX_ERROR);
    expect(none.status.message).toMatch(/^not all keys requested were satisfied\. Verify that key vault DB\/collection name was correctly specified\./);
    expect(() => none.finalize()).toThrow(WrappedError);

    const bad = crypt().makeExplicitEncryptionContext(serialize({ v: 'x' }), { keyId, algorithm: DET });
    expect(() => bad.addMongoOperationResponse(serialize({ ...keyDoc, status: 'on' }))).toThrow(/status/);

    const other = new MongoCrypt({ kmsProviders: serialize({ local: { key: new Uint8Array(96).fill(1) } }), errorWrapper });
    const wrongKek = other.makeExplicitEncryptionContext(serialize({ v: 'x' }), { keyId, algorithm: DET });
    expect(() => wrongKek.addMongoOperationResponse(serialize(keyDoc))).toThrow(/cannot unwrap data key/);

    // Queryable Encryption options are checked in libmongocrypt's words (the client package's checkEncryptOptions).
    expect(() => c.makeExplicitEncryptionContext(serialize({ v: 'x' }), { keyId, algorithm: 'Indexed' })).toThrow(/contention factor is required for indexed algorithm/);
    expect(() => c.makeExplicitEncryptionContext(serialize({ v: 'x' }), { keyId, algorithm: DET, queryType: 'equality' })).toThrow(/cannot set both algorithm and query type/);
    // A marking (3) holds nothing to decrypt; an undefined first byte is not a payload at all: the qe package's typed errors.
    expect(() => c.makeExplicitDecryptionContext(serialize({ v: new Binary(new Uint8Array([3, 1, 2]), 6) }))).toThrow(expect.objectContaining({ inner: expect.objectContaining({ code: 'UNSUPPORTED_PAYLOAD_KIND' }) }));
    expect(() => c.makeExplicitDecryptionContext(serialize({ v: new Binary(new Uint8Array([200, 1, 2]), 6) }))).toThrow(expect.objectContaining({ inner: expect.objectContaining({ code: 'UNKNOWN_PAYLOAD_KIND' }) }));
  });

  it('without an errorWrapper (driver 6) nothing throws: the context goes to ERROR and keeps the message', () => {
    const plain = new MongoCrypt({ kmsProviders: serialize(kmsProviders) });
    const ctx = plain.makeExplicitEncryptionContext(serialize({ v: 'x' }), { keyId, algorithm: DET });
    ctx.finishMongoOperation();
    expect(ctx.state).toBe(MONGOCRYPT_CTX_ERROR);
    expect(ctx.status.type).toBe(1);
    expect(ctx.status.message).toMatch(/not all keys requested were satisfied/);
    expect(ctx.finalize().length).toBe(0); // no-op in ERROR
    const early = plain.makeExplicitDecryptionContext(serialize({ v: 'not a blob' }));
    expect(early.state).toBe(MONGOCRYPT_CTX_ERROR);
    expect(early.status.message).toContain('CSFLE ciphertext');
  });

  it('a call in the wrong state is refused and does not break the context', () => {
    const ctx = crypt().makeExplicitEncryptionContext(serialize({ v: 'x' }), { keyId, algorithm: DET });
    expect(() => ctx.finalize()).toThrow(/finalize is not allowed in state MONGOCRYPT_CTX_NEED_MONGO_KEYS/);
    expect(ctx.state).toBe(MONGOCRYPT_CTX_NEED_MONGO_KEYS);
    expect(ctx.nextKMSRequest()).toBeNull();
    expect(deserialize(drive(ctx, [keyDoc])).v).toBeInstanceOf(Binary);
  });
});

describe('automatic encryption (makeEncryptionContext) and decryption', () => {
  const keyDoc = newKeyDoc(crypt(), ['alice']);
  const keyId = new Binary((keyDoc._id as Binary).buffer.subarray(0, 16), 4);
  const schema = {
    bsonType: 'object',
    encryptMetadata: { keyId: [keyId] },
    properties: {
      ssn: { encrypt: { bsonType: 'string', algorithm: DET } },
      card: { bsonType: 'object', properties: { number: { encrypt: { bsonType: 'string', algorithm: RND } } } },
    },
  };
  const c = crypt({ schemaMap: serialize({ 'db.people': schema }) });
  const auto = new AutoEncrypter({ keyVault: new MemoryKeyVault([keyDoc as never]), kmsProviders, schemaMap: { 'db.people': schema } });

  it('insert: the same engine as AutoEncrypter (deterministic bytes equal), random fields encrypted, the rest untouched', async () => {
    const doc = { _id: 1, name: 'Ada', ssn: '123', card: { number: '4111', exp: '12/30' } };
    const trace: string[] = [];
    const out = deserialize(drive(c.makeEncryptionContext('db', serialize({ insert: 'people', documents: [doc], ordered: true, lsid: { id: 1 } })), [keyDoc], [], trace));
    expect(trace).toEqual(['KEYS', 'READY']);
    const sent = out.documents[0];
    const expected = await auto.encryptDocument('db.people', doc);
    expect((sent.ssn as Binary).toString('hex')).toBe((expected.ssn as Binary).toString('hex'));
    expect([(sent.card.number as Binary).sub_type, (sent.card.number as Binary).buffer[0]]).toEqual([6, 2]);
    expect([sent.name, sent.card.exp, out.ordered]).toEqual(['Ada', '12/30', true]);
  });

  it('find: implicit equality becomes {$eq: ciphertext}; $in elements each encrypted; the filter in mongocryptd\'s shape', async () => {
    const out = deserialize(drive(c.makeEncryptionContext('db', serialize({ find: 'people', filter: { ssn: '123', $or: [{ ssn: { $in: ['1', '2'] } }, { name: 'x' }] }, limit: 1 })), [keyDoc]));
    const expected = await auto.encryptFilter('db.people', { ssn: '123', $or: [{ ssn: { $in: ['1', '2'] } }, { name: 'x' }] });
    // The same ciphertexts as AutoEncrypter, written back as a match expression (spec bulk.json: $and of $eq).
    expect(Buffer.from(serialize(out.filter)).equals(Buffer.from(serialize(matchExpressionShape(expected as Document))))).toBe(true);
    expect(out.filter.$and[0].ssn.$eq).toBeInstanceOf(Binary);
    expect(out.filter.$and[1].$or[1]).toEqual({ name: { $eq: 'x' } });
  });

  it('pass-through: bypass commands and collections without encryption are sent byte for byte; collinfo is asked by {name}', () => {
    const ping = serialize({ ping: 1, $db: 'admin' });
    expect(Buffer.from(drive(c.makeEncryptionContext('admin', ping), [])).equals(Buffer.from(ping))).toBe(true);
    const trace: string[] = [];
    const plainInsert = serialize({ insert: 'other', documents: [{ ssn: 'clear on purpose' }] });
    const out = drive(c.makeEncryptionContext('db', plainInsert), [], [{ name: 'other', type: 'collection', options: {} }], trace);
    expect(Buffer.from(out).equals(Buffer.from(plainInsert))).toBe(true);
    expect(trace).toEqual(['COLLINFO {"name":"other"}', 'READY']);
  });

  it('a remote $jsonSchema validator encrypts; a plain validator does not; a view is refused', () => {
    const validator = { $jsonSchema: schema };
    const out = deserialize(drive(c.makeEncryptionContext('db', serialize({ insert: 'remote', documents: [{ ssn: '9' }] })), [keyDoc], [{ name: 'remote', type: 'collection', options: { validator } }]));
    expect(out.documents[0].ssn).toBeInstanceOf(Binary);
    const plainValidator = serialize({ insert: 'v', documents: [{ ssn: '9' }] });
    const same = drive(c.makeEncryptionContext('db', plainValidator), [], [{ name: 'v', type: 'collection', options: { validator: { $jsonSchema: { required: ['ssn'] } } } }]);
    expect(Buffer.from(same).equals(Buffer.from(plainValidator))).toBe(true);
    expect(() => drive(c.makeEncryptionContext('db', serialize({ find: 'vw', filter: {} })), [], [{ name: 'vw', type: 'view', options: {} }])).toThrow(/cannot auto encrypt a view/);
  });

  it('refuses what is not understood, before anything is sent', () => {
    const refused: [Document, RegExp][] = [
      [{ mapReduce: 'people' }, /command not supported for auto encryption: mapReduce/],
      [{ explain: { insert: 'people', documents: [] } }, /explain of 'insert'/],
      [{ aggregate: 1, pipeline: [], cursor: {} }, /non-collection command not supported for auto encryption: aggregate/],
      [{ find: 'people', filter: {}, min: { ssn: '1' } }, /'min' in find/],
      [{ find: 'people', projection: { card: { $elemMatch: { number: '4111' } } } }, /projection/],
      [{ update: 'people', updates: [{ q: {}, u: [{ $set: { ssn: '1' } }] }] }, /pipeline/],
      [{ update: 'people', updates: [{ q: {}, u: { $set: { ssn: '1' } }, arrayFilters: [{ 'e.ssn': '1' }] }] }, /'arrayFilters'/],
      [{ aggregate: 'people', pipeline: [{ $addFields: { x: 1 } }], cursor: {} }, /aggregate stage \$addFields/],
      [{ aggregate: 'people', pipeline: [{ $group: { _id: '$name' } }, { $match: { ssn: '1' } }], cursor: {} }, /\$match after a stage that reshapes/],
      [{ aggregate: 'people', pipeline: [{ $group: { _id: '$name', top: { $max: '$ssn' } } }], cursor: {} }, /accumulator 'top'/],
      [{ aggregate: 'people', pipeline: [{ $project: { ssn: { $concat: ['$ssn', 'x'] } } }], cursor: {} }, /\$project with expressions/],
      [{ aggregate: 'other', pipeline: [{ $lookup: { from: 'people', as: 'p', pipeline: [{ $match: { ssn: '1' } }] } }], cursor: {} }, /\$lookup/],
      [{ create: 'newcoll', validator: { $jsonSchema: schema } }, /create with an encryption \$jsonSchema/],
      [{ insert: 'people', documents: [{ ssn: 5 }] }, /BSON type int/],
      [{ find: 'people', filter: { ssn: null } }, /null/],
    ];
    for (const [cmd, text] of refused) {
      expect(() => drive(c.makeEncryptionContext('db', serialize(cmd)), [keyDoc], [{ name: 'other', type: 'collection', options: {} }]), JSON.stringify(cmd)).toThrow(text);
    }
  });

  it('aggregate: sent as is on a clear collection; refused when a stage reaches another collection, schemaMap or not', () => {
    const agg = serialize({ aggregate: 'other', pipeline: [{ $match: { a: 1 } }, { $group: { _id: '$a' } }], cursor: {} });
    expect(Buffer.from(drive(c.makeEncryptionContext('db', agg), [], [{ name: 'other', type: 'collection', options: {} }])).equals(Buffer.from(agg))).toBe(true);
    const noSchemaMap = crypt();
    const out = serialize({ aggregate: 'other', pipeline: [{ $match: { a: 1 } }, { $out: 'people' }], cursor: {} });
    expect(() => drive(noSchemaMap.makeEncryptionContext('db', out), [], [{ name: 'other', type: 'collection', options: {} }])).toThrow(/\$out/);
  });

  it('a JSON-pointer keyId: the key is asked for by the alt name the document holds', () => {
    const pointer = crypt({ schemaMap: serialize({ 'db.notes': { bsonType: 'object', properties: { body: { encrypt: { keyId: '/owner', algorithm: RND } } } } }) });
    const ctx = pointer.makeEncryptionContext('db', serialize({ insert: 'notes', documents: [{ owner: 'alice', body: 'secret' }] }));
    expect(ctx.state).toBe(MONGOCRYPT_CTX_NEED_MONGO_KEYS);
    expect(deserialize(ctx.nextMongoOperation()).$or[1]).toEqual({ keyAltNames: { $in: ['alice'] } });
    const out = deserialize(drive(ctx, [keyDoc]));
    expect(out.documents[0].owner).toBe('alice');
    expect([(out.documents[0].body as Binary).sub_type, (out.documents[0].body as Binary).buffer[0]]).toEqual([6, 2]);
    expect(() => drive(pointer.makeEncryptionContext('db', serialize({ find: 'notes', filter: { body: 'secret' } })), [keyDoc])).toThrow(/only works when inserting whole documents|Random/);
  });

  it('distinct: the key may be a UUID-keyed encrypted field, not a pointer-keyed one or one inside an encrypted value', () => {
    const d = crypt({ schemaMap: serialize({ 'db.d': { bsonType: 'object', properties: { byId: { encrypt: { keyId: [keyId], bsonType: 'string', algorithm: DET } }, byName: { encrypt: { keyId: '/owner', algorithm: RND } } } } }) });
    const ok = serialize({ distinct: 'd', key: 'byId', query: { byId: 'x' } });
    expect(deserialize(drive(d.makeEncryptionContext('db', ok), [keyDoc])).query.byId.$eq).toBeInstanceOf(Binary);
    expect(() => drive(d.makeEncryptionContext('db', serialize({ distinct: 'd', key: 'byName', query: {} })), [keyDoc])).toThrow(/The distinct key is not allowed to be marked for encryption with a non-UUID keyId/);
    expect(() => drive(d.makeEncryptionContext('db', serialize({ distinct: 'd', key: 'byId.part', query: {} })), [keyDoc])).toThrow(/inside the encrypted field 'byId'/);
  });

  it('Timestamp(0, 0) in an encrypted top-level field of an insert is refused (the server would replace it); other timestamps encrypt', () => {
    const t = crypt({ schemaMap: serialize({ 'db.t': { bsonType: 'object', properties: { at: { encrypt: { keyId: [keyId], algorithm: RND } } } } }) });
    expect(() => drive(t.makeEncryptionContext('db', serialize({ insert: 't', documents: [{ at: new Timestamp({ t: 0, i: 0 }) }] })), [keyDoc])).toThrow(/cannot supply Timestamp\(0, 0\)/);
    const out = deserialize(drive(t.makeEncryptionContext('db', serialize({ insert: 't', documents: [{ at: new Timestamp({ t: 1, i: 1 }) }] })), [keyDoc]));
    expect((out.documents[0].at as Binary).sub_type).toBe(6);
  });

  it('aggregate: $match filters encrypted like find (countDocuments shape); explain wraps an analysed command', async () => {
    const expected = await auto.encryptFilter('db.people', { ssn: '123' });
    const agg = deserialize(drive(c.makeEncryptionContext('db', serialize({ aggregate: 'people', pipeline: [{ $match: { ssn: '123' } }, { $skip: 1 }, { $limit: 5 }, { $group: { _id: 1, n: { $sum: 1 } } }], cursor: {} })), [keyDoc]));
    expect(Buffer.from(serialize(agg.pipeline[0].$match)).equals(Buffer.from(serialize(expected as Document)))).toBe(true);
    // Constants of $group as mongocryptd writes them back (spec count.json).
    expect(agg.pipeline.slice(1)).toEqual([{ $skip: 1 }, { $limit: 5 }, { $group: { _id: { $const: 1 }, n: { $sum: { $const: 1 } } } }]);
    const ex = deserialize(drive(c.makeEncryptionContext('db', serialize({ explain: { find: 'people', filter: { ssn: '123' } }, verbosity: 'queryPlanner' })), [keyDoc]));
    expect(Buffer.from(serialize(ex.explain.filter)).equals(Buffer.from(serialize(expected as Document)))).toBe(true);
    expect(ex.verbosity).toBe('queryPlanner');
    expect(() => drive(c.makeEncryptionContext('db', serialize({ explain: { find: 'people', filter: { ssn: { $gt: '1' } } } })), [keyDoc])).toThrow(/\$gt/);
  });

  it('bypassQueryAnalysis sends commands as they are (explicitly encrypted values)', () => {
    const b = crypt({ schemaMap: serialize({ 'db.people': schema }), bypassQueryAnalysis: true });
    const cmd = serialize({ insert: 'people', documents: [{ ssn: 'already handled' }] });
    expect(Buffer.from(drive(b.makeEncryptionContext('db', cmd), [])).equals(Buffer.from(cmd))).toBe(true);
  });

  it('decryption: a reply without ciphertext is READY at once and unchanged; nested ciphertexts are decrypted in place', () => {
    const reply = serialize({ cursor: { firstBatch: [{ a: 1 }], id: new Long(0) }, ok: 1 });
    const trace: string[] = [];
    expect(Buffer.from(drive(c.makeDecryptionContext(reply), [], [], trace)).equals(Buffer.from(reply))).toBe(true);
    expect(trace).toEqual(['READY']);
    const inserted = deserialize(drive(c.makeEncryptionContext('db', serialize({ insert: 'people', documents: [{ ssn: '123', card: { number: '4111' } }] })), [keyDoc]));
    const encReply = serialize({ cursor: { firstBatch: [inserted.documents[0], { arr: [inserted.documents[0].ssn] }], id: new Long(0) }, ok: 1 });
    const fresh = crypt();
    const out = deserialize(drive(fresh.makeDecryptionContext(encReply), [keyDoc]));
    expect(out.cursor.firstBatch).toEqual([{ ssn: '123', card: { number: '4111' } }, { arr: ['123'] }]);
  });

  it('decryption of a short FLE1 blob (spec malformedCiphertext "Malformed data"): its key is requested first, as libmongocrypt does; a missing key reports NOT_SATISFIED, a present key still never decrypts it', () => {
    const short = Buffer.from('AQAAa2V2aW4gYWxiZXJ0c29uCg==', 'base64'); // 19 bytes: kind 1, key UUID, type, one byte
    const reply = serialize({ cursor: { firstBatch: [{ _id: 3, encrypted_string: new Binary(short, 6) }], id: new Long(0) }, ok: 1 });
    const ctx = crypt().makeDecryptionContext(reply);
    expect(ctx.state).toBe(MONGOCRYPT_CTX_NEED_MONGO_KEYS);
    // The key filter names the blob's UUID (as BinData 4 bytes in the filter document).
    expect(Buffer.from(ctx.nextMongoOperation()).includes(Buffer.concat([Buffer.from([16, 0, 0, 0, 4]), short.subarray(1, 17)]))).toBe(true);
    expect(() => drive(ctx, [])).toThrow(/not all keys requested were satisfied/);
    // The key exists: the blob is still refused (BLOB_TOO_SHORT) and nothing is returned.
    const keyDoc = { ...newKeyDoc(crypt()), _id: new Binary(short.subarray(1, 17), 4) };
    expect(() => drive(crypt().makeDecryptionContext(reply), [keyDoc])).toThrow(/FLE1 blob must be at least 82 bytes, got 19/);
    // Under libmongocrypt's parse minimum (19) no key is asked for: refused at once.
    const tiny = serialize({ v: new Binary(short.subarray(0, 18), 6) });
    expect(() => drive(crypt().makeDecryptionContext(tiny), [keyDoc])).toThrow(/at least 19 bytes, got 18/);
  });

  it('property: a plaintext never reaches the command bytes for an encrypted field (insert, find, update)', () => {
    const marker = fc.string({ minLength: 4, maxLength: 20 }).map((s) => `PLAINTEXT-${s}`);
    const enc = new TextEncoder();
    const contains = (hay: Uint8Array, needle: string) => Buffer.from(hay).includes(Buffer.from(enc.encode(needle)));
    fc.assert(fc.property(marker, marker, fc.string(), (ssn, card, name) => {
      const cmds: Document[] = [
        { insert: 'people', documents: [{ name, ssn, card: { number: card } }] },
        { find: 'people', filter: { $and: [{ ssn }, { ssn: { $nin: [ssn, `${ssn}x`] } }], name } },
        { update: 'people', updates: [{ q: { ssn }, u: { $set: { ssn, card: { number: card } } } }] },
        { delete: 'people', deletes: [{ q: { ssn: { $ne: ssn } }, limit: 1 }] },
      ];
      for (const cmd of cmds) {
        const out = drive(c.makeEncryptionContext('db', serialize(cmd)), [keyDoc]);
        expect(contains(out, ssn) || contains(out, card)).toBe(false);
      }
    }), { numRuns: 100 });
  });
});
