// Queryable Encryption through MongoCrypt, driven directly as the driver's StateMachine drives it:
// encryptedFieldsMap and remote encryptedFields (NEED_MONGO_COLLINFO), the keys the markings name
// (NEED_MONGO_KEYS, by id and by keyAltName), encryptionInformation, auto and explicit decryption
// of QE values, explicit Indexed / Unindexed / Range, and the typed errors for bad QE input.
import { Binary, deserialize, Double, Int32, Long, serialize, type Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { AeadKey, bytesToHex } from '@fle-ts/crypto-core';
import { compactionTokens, decryptQe, encryptQe, keyLookupFrom, parseFindEqualityPayloadV2, parseInsertUpdatePayloadV2 } from '@fle-ts/qe';
import {
  MongoCrypt,
  MONGOCRYPT_CTX_NEED_MONGO_COLLINFO,
  MONGOCRYPT_CTX_NEED_MONGO_KEYS,
  MONGOCRYPT_CTX_READY,
  type MongoCryptContext,
} from '@fle-ts/mongodb-client-encryption';
import { buildIndexedValueV2 } from './wire-server/qe-server.js';

const masterKey = new Uint8Array(96).map((_, i) => (i * 7 + 3) & 0xff);
const kmsProviders = serialize({ local: { key: masterKey } });

class WrappedError extends Error {
  constructor(readonly inner: Error) {
    super(inner.message);
  }
}
const errorWrapper = (e: Error) => new WrappedError(e);
const crypt = (extra: Record<string, unknown> = {}) => new MongoCrypt({ kmsProviders, errorWrapper, ...extra });

function newKey(altNames: string[] = []): { doc: Document; id: Binary; raw: Uint8Array } {
  const doc = deserialize(crypt().makeDataKeyContext(serialize({ provider: 'local' }), { keyAltNames: altNames.map((keyAltName) => serialize({ keyAltName })) }).finalize());
  const raw = new AeadKey(masterKey).decrypt(new Uint8Array(doc.keyMaterial.buffer), new Uint8Array(0));
  return { doc, id: doc._id as Binary, raw };
}

interface Trace { collinfo: Document[]; keys: Document[] }

/** The driver's StateMachine with a key vault and collection infos in memory; records what each state asked. */
function drive(ctx: MongoCryptContext, keyDocs: Document[], collInfos: Document[] = [], trace: Trace = { collinfo: [], keys: [] }): Document {
  for (;;) {
    switch (ctx.state) {
      case MONGOCRYPT_CTX_NEED_MONGO_COLLINFO:
        trace.collinfo.push(deserialize(ctx.nextMongoOperation()));
        for (const info of collInfos) ctx.addMongoOperationResponse(serialize(info));
        ctx.finishMongoOperation();
        break;
      case MONGOCRYPT_CTX_NEED_MONGO_KEYS:
      {
        // What the key vault answers: only the documents the filter asks for.
        const filter = deserialize(ctx.nextMongoOperation());
        trace.keys.push(filter);
        const ids = new Set((filter.$or[0]._id.$in as Binary[]).map((b) => bytesToHex(bytes(b))));
        const names = new Set(filter.$or[1].keyAltNames.$in as string[]);
        for (const k of keyDocs) if (ids.has(bytesToHex(bytes(k._id))) || (k.keyAltNames ?? []).some((n: string) => names.has(n))) ctx.addMongoOperationResponse(serialize(k));
      }
        ctx.finishMongoOperation();
        break;
      case MONGOCRYPT_CTX_READY:
        return deserialize(ctx.finalize(), { promoteValues: false });
      default:
        throw new Error(`state ${ctx.state}: ${ctx.status.message}`);
    }
  }
}

const bytes = (b: Binary) => new Uint8Array(b.buffer.subarray(0, b.position));

const k1 = newKey(['alpha']);
const k2 = newKey();
const keys = keyLookupFrom([[bytes(k1.id), k1.raw], [bytes(k2.id), k2.raw]]);
const encryptedFields = {
  escCollection: 'enxcol_.people.esc',
  ecocCollection: 'enxcol_.people.ecoc',
  fields: [
    { keyId: k1.id, path: 'ssn', bsonType: 'string', queries: { queryType: 'equality', contention: new Long(0) } },
    { keyId: k2.id, path: 'notes', bsonType: 'string' },
  ],
};

describe('automatic Queryable Encryption (encryptedFieldsMap, remote encryptedFields)', () => {
  it('insert: the keys the markings name in one NEED_MONGO_KEYS round; payload 11 and 16; encryptionInformation is the map entry', () => {
    const c = crypt({ encryptedFieldsMap: serialize({ 'db.people': encryptedFields }) });
    const trace: Trace = { collinfo: [], keys: [] };
    const out = drive(c.makeEncryptionContext('db', serialize({ insert: 'people', documents: [{ _id: 1, ssn: '123', notes: 'hi' }], ordered: true })), [k1.doc, k2.doc], [], trace);
    expect(trace.collinfo).toEqual([]); // the map answers, listCollections is not asked
    expect(trace.keys).toHaveLength(1);
    const ids = (trace.keys[0]!.$or[0]._id.$in as Binary[]).map((b) => bytesToHex(bytes(b))).sort();
    expect(ids).toEqual([bytesToHex(bytes(k1.id)), bytesToHex(bytes(k2.id))].sort());
    const doc = out.documents[0];
    expect(doc.ssn.buffer[0]).toBe(11);
    expect(doc.notes.buffer[0]).toBe(16);
    expect(bytesToHex(parseInsertUpdatePayloadV2(bytes(doc.ssn)).indexKeyId)).toBe(bytesToHex(bytes(k1.id)));
    expect(serialize(out.encryptionInformation)).toEqual(serialize({ type: new Int32(1), schema: { 'db.people': encryptedFields } }));
    // What the drop-in made decrypts with the qe package (and through a decryption context below).
    expect(decryptQe(bytes(doc.ssn), keys)).toBe('123');
    expect(decryptQe(bytes(doc.notes), keys)).toBe('hi');
  });

  it('find: the equality payload (12) is byte-equal to the qe package\'s explicit find payload; a second command uses the key cache', () => {
    const c = crypt({ encryptedFieldsMap: serialize({ 'db.people': encryptedFields }) });
    const trace: Trace = { collinfo: [], keys: [] };
    const out = drive(c.makeEncryptionContext('db', serialize({ find: 'people', filter: { ssn: '123' } })), [k1.doc], [], trace);
    const expected = encryptQe('123', { algorithm: 'Indexed', keyId: k1.id, contentionFactor: 0, queryType: 'equality' }, { keys });
    expect(bytesToHex(bytes(out.filter.ssn.$eq))).toBe(bytesToHex(bytes(expected)));
    expect(parseFindEqualityPayloadV2(bytes(out.filter.ssn.$eq)).maxContentionFactor).toBe(0n);
    expect(out.encryptionInformation.schema['db.people'].fields).toHaveLength(2);
    drive(c.makeEncryptionContext('db', serialize({ find: 'people', filter: { ssn: '456' } })), [], [], trace);
    expect(trace.keys).toHaveLength(1);
  });

  it('the command goes out in crypt_shared\'s re-serialized shape, unless encryptedFields has no fields (then as it was)', () => {
    const c = crypt({ encryptedFieldsMap: serialize({ 'db.people': encryptedFields, 'db.plain': { fields: [] } }) });
    const out = drive(c.makeEncryptionContext('db', serialize({ find: 'people', filter: { _id: 1, ssn: '123' } })), [k1.doc]);
    expect(Object.keys(out.filter)).toEqual(['$and']);
    expect(out.filter.$and[0]).toEqual({ _id: { $eq: new Int32(1) } });
    expect(out.filter.$and[1].ssn.$eq.buffer[0]).toBe(12);
    const plain = serialize({ find: 'plain', filter: { _id: 1 } });
    expect(Buffer.from(serialize(drive(c.makeEncryptionContext('db', plain), [])))).toEqual(Buffer.from(plain));
  });

  it('remote encryptedFields: listCollections once (cached), QE preferred over a $jsonSchema validator', () => {
    const c = crypt();
    const trace: Trace = { collinfo: [], keys: [] };
    const info = { name: 'people', type: 'collection', options: { encryptedFields, validator: { $jsonSchema: { properties: { ssn: { encrypt: { keyId: [k1.id], bsonType: 'string', algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random' } } }, bsonType: 'object' } } } };
    const out = drive(c.makeEncryptionContext('db', serialize({ insert: 'people', documents: [{ ssn: '1' }] })), [k1.doc], [info], trace);
    expect(trace.collinfo).toEqual([{ name: 'people' }]);
    expect(out.documents[0].ssn.buffer[0]).toBe(11);
    drive(c.makeEncryptionContext('db', serialize({ find: 'people', filter: { ssn: '1' } })), [k1.doc], [info], trace);
    expect(trace.collinfo).toHaveLength(1);
  });

  it('a field keyed by keyAltName: the key is fetched by name, and create sends it translated to its keyId', () => {
    const ef = { fields: [{ path: 'ssn', bsonType: 'string', queries: { queryType: 'equality', contention: new Long(0) }, keyAltName: 'alpha' }] };
    const c = crypt({ encryptedFieldsMap: serialize({ 'db.people': ef }) });
    const trace: Trace = { collinfo: [], keys: [] };
    const created = drive(c.makeEncryptionContext('db', serialize({ create: 'people', encryptedFields: ef })), [k1.doc], [], trace);
    expect(trace.keys[0]!.$or[1]).toEqual({ keyAltNames: { $in: ['alpha'] } });
    expect(created.encryptedFields.fields[0].keyId).toEqual(k1.id);
    expect(created.encryptedFields.fields[0].keyAltName).toBeUndefined();
    const out = drive(c.makeEncryptionContext('db', serialize({ insert: 'people', documents: [{ ssn: 'x' }] })), [k1.doc], [], trace);
    expect(trace.keys).toHaveLength(1); // the key came by name and is cached by id
    expect(decryptQe(bytes(out.documents[0].ssn), keys)).toBe('x');
    expect(out.encryptionInformation.schema['db.people'].fields[0].keyId).toEqual(k1.id);
  });

  it('bypassQueryAnalysis: nothing analysed, but an explicit payload gets encryptionInformation; a command without one goes as is', () => {
    const c = crypt({ bypassQueryAnalysis: true });
    const info = { name: 'people', type: 'collection', options: { encryptedFields } };
    const payload = encryptQe('123', { algorithm: 'Indexed', keyId: k1.id, contentionFactor: 0 }, { keys });
    const out = drive(c.makeEncryptionContext('db', serialize({ insert: 'people', documents: [{ ssn: payload }] })), [], [info]);
    expect(out.encryptionInformation.schema['db.people'].escCollection).toBe('enxcol_.people.esc');
    const plain = serialize({ find: 'people', filter: { other: 1 } });
    expect(drive(crypt({ bypassQueryAnalysis: true }).makeEncryptionContext('db', plain), [], [info])).toEqual(deserialize(plain, { promoteValues: false }));
  });

  it('create / collMod / createIndexes: a validator or partial filter on an encrypted field is refused in mongocryptd\'s words', () => {
    const c = crypt({ encryptedFieldsMap: serialize({ 'db.people': encryptedFields }) });
    expect(() => drive(c.makeEncryptionContext('db', serialize({ create: 'people', encryptedFields, validator: { ssn: 'x' } })), [])).toThrow(/Comparison to encrypted fields not supported/);
    expect(() => drive(c.makeEncryptionContext('db', serialize({ createIndexes: 'people', indexes: [{ key: { a: 1 }, name: 'a', partialFilterExpression: { $and: [{ notes: 'x' }] } }] })), [])).toThrow(/Comparison to encrypted fields not supported/);
    const ok = serialize({ collMod: 'people', validator: { other: 1 } });
    expect(Buffer.from(serialize(drive(c.makeEncryptionContext('db', ok), [])))).toEqual(Buffer.from(ok));
  });

  it('compactStructuredEncryptionData / cleanupStructuredEncryptionData: every field\'s key, the qe package\'s tokens; encryptionInformation only on compact with a range field', () => {
    const c = crypt({ encryptedFieldsMap: serialize({ 'db.people': encryptedFields }) });
    const trace: Trace = { collinfo: [], keys: [] };
    const compact = drive(c.makeEncryptionContext('db', serialize({ compactStructuredEncryptionData: 'people' })), [k1.doc, k2.doc], [], trace);
    expect(trace.keys[0]!.$or[0]._id.$in.map((b: Binary) => bytesToHex(bytes(b)))).toEqual([bytesToHex(bytes(k1.id)), bytesToHex(bytes(k2.id))]);
    expect(serialize(compact.compactionTokens)).toEqual(serialize(compactionTokens(encryptedFields, keys)));
    expect(compact.encryptionInformation).toBeUndefined();
    const cleanup = drive(c.makeEncryptionContext('db', serialize({ cleanupStructuredEncryptionData: 'people' })), [], [], trace);
    expect(serialize(cleanup.cleanupTokens)).toEqual(serialize(compactionTokens(encryptedFields, keys)));
    expect(cleanup.encryptionInformation).toBeUndefined();
    // A range field (remote encryptedFields): {ecoc, anchorPaddingToken}, and encryptionInformation goes along.
    const rangeFields = { fields: [{ keyId: k1.id, path: 'age', bsonType: 'int', queries: { queryType: 'range', contention: new Long(0), min: new Int32(0), max: new Int32(9), sparsity: new Long(1), trimFactor: new Int32(1) } }] };
    const info = { name: 'ages', type: 'collection', options: { encryptedFields: rangeFields } };
    const rc = drive(crypt().makeEncryptionContext('db', serialize({ compactStructuredEncryptionData: 'ages' })), [k1.doc], [info]);
    expect(Object.keys(rc.compactionTokens.age)).toEqual(['ecoc', 'anchorPaddingToken']);
    expect(rc.encryptionInformation.schema['db.ages'].escCollection).toBe('enxcol_.ages.esc');
    // createIndexes on that collection: checked against the encrypted paths, then sent as it is.
    const ok = serialize({ createIndexes: 'ages', indexes: [{ key: { __safeContent__: 1 }, name: '__safeContent___1' }] });
    expect(Buffer.from(serialize(drive(crypt().makeEncryptionContext('db', ok), [], [info])))).toEqual(Buffer.from(ok));
  });

  it('decryption context: insert payloads (11), stored indexed values (14, two key rounds when index and user keys differ) and unindexed values (16)', () => {
    const c = crypt({ encryptedFieldsMap: serialize({ 'db.people': encryptedFields }) });
    const inserted = drive(c.makeEncryptionContext('db', serialize({ insert: 'people', documents: [{ ssn: '123', notes: 'hi' }] })), [k1.doc, k2.doc]);
    // What a server stores for the insert payload: the test server's mongod emulation, index key k2, user key k1.
    const ev = encryptQe('stored', { algorithm: 'Indexed', keyId: k1.id, indexKeyId: k2.id, contentionFactor: 0 }, { keys });
    const stored = buildIndexedValueV2(bytes(ev), 1n).value;
    const reply = serialize({ cursor: { firstBatch: [{ ...inserted.documents[0], stored: new Binary(stored, 6), find: encryptQe('f', { algorithm: 'Indexed', keyId: k1.id, contentionFactor: 0, queryType: 'equality' }, { keys }) }], id: new Long(0) }, ok: 1 });
    const trace: Trace = { collinfo: [], keys: [] };
    const out = drive(crypt().makeDecryptionContext(reply), [k1.doc, k2.doc], [], trace);
    const d = out.cursor.firstBatch[0];
    expect([d.ssn, d.notes, d.stored]).toEqual(['123', 'hi', 'stored']);
    expect(d.find.buffer[0]).toBe(12); // a find payload holds no ciphertext: left as it is (libmongocrypt)
    // Round 1: k1 (11's user key), k2 (16's key and 14's index key); 14's user key k1 is then in hand.
    expect(trace.keys).toHaveLength(1);
    // Only the stored value: the index key first, then the user key it names.
    const only = serialize({ v: new Binary(stored, 6) });
    const t2: Trace = { collinfo: [], keys: [] };
    expect(drive(crypt().makeDecryptionContext(only), [k1.doc, k2.doc], [], t2).v).toBe('stored');
    expect(t2.keys.map((f) => (f.$or[0]._id.$in as Binary[]).map((b) => bytesToHex(bytes(b))))).toEqual([[bytesToHex(bytes(k2.id))], [bytesToHex(bytes(k1.id))]]);
  });
});

describe('explicit Queryable Encryption (makeExplicitEncryptionContext / makeExplicitDecryptionContext as the driver calls them)', () => {
  const c = crypt();
  const encrypt = (v: unknown, o: Record<string, unknown>) => drive(c.makeExplicitEncryptionContext(serialize({ v }), { keyId: bytes(k1.id), ...o }), [k1.doc]).v;
  const decrypt = (b: Binary) => drive(c.makeExplicitDecryptionContext(serialize({ v: b })), [k1.doc, k2.doc]).v;

  it('Indexed insert (11) and find (12), Unindexed (16): round trips, the find payload byte-equal to the qe package', () => {
    const ins = encrypt('abc', { algorithm: 'Indexed', contentionFactor: 2 });
    expect(ins.buffer[0]).toBe(11);
    expect(decrypt(ins)).toBe('abc');
    const find = encrypt('abc', { algorithm: 'Indexed', contentionFactor: 2, queryType: 'equality' });
    expect(bytesToHex(bytes(find))).toBe(bytesToHex(bytes(encryptQe('abc', { algorithm: 'Indexed', keyId: k1.id, contentionFactor: 2, queryType: 'equality' }, { keys }))));
    const un = encrypt(new Int32(7), { algorithm: 'Unindexed' });
    expect(un.buffer[0]).toBe(16);
    expect(decrypt(un)).toEqual(new Int32(7));
  });

  it('Range insert (11 with edges) decrypts; encryptExpression (expressionMode) gives two range find payloads (13)', () => {
    const rangeOptions = serialize({ min: new Int32(0), max: new Int32(200), sparsity: new Long(1), trimFactor: new Int32(1) });
    const ins = encrypt(new Int32(42), { algorithm: 'Range', contentionFactor: 0, rangeOptions });
    expect(decrypt(ins)).toEqual(new Int32(42));
    const expr = drive(c.makeExplicitEncryptionContext(serialize({ v: { $and: [{ age: { $gte: new Int32(23) } }, { age: { $lte: new Int32(35) } }] } }), { keyId: bytes(k1.id), algorithm: 'Range', queryType: 'range', contentionFactor: 0, rangeOptions, expressionMode: true }), [k1.doc]).v;
    expect(expr.$and[0].age.$gte.buffer[0]).toBe(13);
    expect(expr.$and[1].age.$lte.buffer[0]).toBe(13);
  });

  it('explicit decryption of a stored indexed value (14)', () => {
    const ev = encryptQe('s', { algorithm: 'Indexed', keyId: k1.id, indexKeyId: k2.id, contentionFactor: 0 }, { keys });
    expect(decrypt(new Binary(buildIndexedValueV2(bytes(ev), 3n).value, 6))).toBe('s');
  });

  it('typed errors: wrong key, truncated and unknown payloads, contention out of range, an unsupported type, range for encrypt', () => {
    const inner = (f: () => unknown): { code?: string; name?: string; message: string } => {
      try {
        f();
      } catch (e) {
        return (e as WrappedError).inner as never;
      }
      throw new Error('no error');
    };
    // A value under k2's id whose key document holds other key material: the AEAD tag does not match, nothing is returned.
    const un = encrypt('secret', { algorithm: 'Unindexed' });
    const forged = new Binary(new Uint8Array([...bytes(un).subarray(0, 1), ...bytes(k2.id), ...bytes(un).subarray(17)]), 6);
    expect(inner(() => decrypt(forged))).toMatchObject({ code: 'HMAC_MISMATCH' });
    expect(inner(() => decrypt(new Binary(bytes(un).subarray(0, 30), 6)))).toMatchObject({ name: 'QeError', code: 'MALFORMED_PAYLOAD' });
    expect(inner(() => decrypt(new Binary(new Uint8Array([99, 1, 2]), 6)))).toMatchObject({ code: 'UNKNOWN_PAYLOAD_KIND' });
    expect(inner(() => encrypt('x', { algorithm: 'Indexed', contentionFactor: -1 }))).toMatchObject({ code: 'BAD_CONTENTION_FACTOR' });
    expect(inner(() => encrypt('x', { algorithm: 'Indexed', contentionFactor: 2n ** 63n }))).toMatchObject({ code: 'BAD_CONTENTION_FACTOR' });
    expect(inner(() => encrypt(new Double(1.5), { algorithm: 'Indexed', contentionFactor: 0 }))).toMatchObject({ code: 'UNSUPPORTED_BSON_TYPE' });
    expect(inner(() => encrypt('x', { algorithm: 'Unindexed', contentionFactor: 1 })).message).toMatch(/cannot set contention factor with no index type/);
    expect(inner(() => encrypt(new Int32(1), { algorithm: 'Range', queryType: 'range', contentionFactor: 0, rangeOptions: serialize({ min: new Int32(0), max: new Int32(9) }) })).message).toMatch(/Encrypt may not be used for range queries/);
    expect(inner(() => encrypt(new Int32(1), { algorithm: 'Range', contentionFactor: 0, rangeOptions: serialize({ min: new Int32(9), max: new Int32(0) }) }))).toMatchObject({ code: 'BAD_RANGE_OPTIONS' });
    // The same through automatic encryption: a value of the wrong type for its encryptedFields entry.
    const auto = crypt({ encryptedFieldsMap: serialize({ 'db.people': encryptedFields }) });
    expect(inner(() => drive(auto.makeEncryptionContext('db', serialize({ insert: 'people', documents: [{ ssn: new Int32(1) }] })), [k1.doc]))).toMatchObject({ code: 'BSON_TYPE_MISMATCH', message: expect.stringMatching(/^Cannot encrypt element of type: int: field 'ssn' is declared bsonType 'string'/) });
  });
});
