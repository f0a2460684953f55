// Issue 11 regressions in the client layer, each written from its reproduction: inputs that lose
// predicates or fields (Map, own '__proto__' keys: item 3), inserts without an encrypted _id
// (item 4), deep nesting (item 8), short and malformed subtype-6 values (item 10), close()
// (item 12), the driver's createDataKey spelling (item 15), one algorithm parser and one type
// table for every public entry (item 17), and untyped errors from bad inputs.
import { Binary, deserialize, Int32, Long, ObjectId, serialize, Timestamp, Code, BSONSymbol, Decimal128, Double, MinKey, MaxKey, BSONRegExp } from 'bson';
import { describe, expect, it, vi } from 'vitest';
import { MAX_NESTING_DEPTH, AeadKey } from '@fle-ts/crypto-core';
import { encryptValue, encryptValueAsync } from '@fle-ts/fle-format';
import { KeyBroker } from '@fle-ts/keyvault';
import { decryptDocumentWith } from '../src/decrypt-document.js';
import { encryptDocumentWith, walkDocument } from '../src/encrypt-document.js';
import { encryptFilterWith } from '../src/encrypt-filter.js';
import { encryptUpdateWith } from '../src/encrypt-update.js';
import { AutoEncrypter, ClientEncryption, compileSchema, DETERMINISTIC, isFleError, MemoryKeyVault, RANDOM, type SchemaNode } from '../src/index.js';
import { FakeCipherSource, uuid } from './fake-cipher.js';
import './binary-equality.js';

const K1 = uuid(1);
const master = new Uint8Array(96).fill(3);
const kmsProviders = { local: { key: master } };

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (!isFleError(e)) throw new Error(`untyped error escaped: ${String(e)}`, { cause: e });
    return e.code;
  }
  return undefined;
}

const schema = {
  bsonType: 'object',
  encryptMetadata: { keyId: [K1] },
  properties: {
    ssn: { encrypt: { bsonType: 'string', algorithm: DETERMINISTIC } },
    contact: { bsonType: 'object', properties: { phone: { encrypt: { bsonType: 'string', algorithm: RANDOM } } } },
  },
};
const { root } = compileSchema(schema);

function isBlob(v: unknown): v is Binary {
  return v instanceof Binary && v.sub_type === 6;
}

/** The BSON a driver would send: what the output means on the wire. */
function wire(v: unknown): Record<string, unknown> {
  return deserialize(serialize(v as Record<string, unknown>), { promoteValues: false });
}

describe('item 1: values over 17 MiB round-trip whole through the client', () => {
  it('ClientEncryption.encrypt/decrypt and AutoEncrypter.encryptDocument/decryptDocument of an 18 MiB string', async () => {
    const keyVault = new MemoryKeyVault();
    const ce = new ClientEncryption({ keyVault, kmsProviders });
    const keyId = await ce.createDataKey('local');
    const big = 'x'.repeat(18 << 20); // the reproduction: was cut to 17,825,782 characters
    const back = await ce.decrypt(await ce.encrypt(big, { keyId, algorithm: RANDOM }));
    expect(typeof back === 'string' && back.length).toBe(big.length);
    expect(back === big).toBe(true);

    const auto = new AutoEncrypter({ keyVault, kmsProviders, schemaMap: { 'db.c': { bsonType: 'object', properties: { note: { encrypt: { keyId: [keyId], bsonType: 'string', algorithm: RANDOM } } } } } });
    const enc = await auto.encryptDocument('db.c', { _id: 1, note: big });
    expect(isBlob(enc.note)).toBe(true);
    const dec = (await auto.decryptDocument(enc)) as { note: string };
    expect(dec.note.length).toBe(big.length);
    expect(dec.note === big).toBe(true);
  });
});

describe('item 3: Map inputs and own __proto__ keys keep their meaning through every walker', () => {
  it('a JSON.parse filter { "__proto__": "x" } keeps its predicate (it used to become {} = match all)', async () => {
    const filter = JSON.parse('{"__proto__": "x"}') as Record<string, unknown>;
    const out = await encryptFilterWith(new FakeCipherSource(), root, filter);
    expect(serialize(out)).toEqual(serialize(filter));
    expect(Object.keys(wire(out))).toEqual(['__proto__']);
  });

  it('a filter __proto__ key beside an encrypted field: both predicates survive, the output keeps its prototype', async () => {
    const filter = JSON.parse('{"__proto__": {"polluted": 1}, "ssn": "1"}') as Record<string, unknown>;
    const out = await encryptFilterWith(new FakeCipherSource(), root, filter);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect((out as { polluted?: unknown }).polluted).toBeUndefined();
    const sent = wire(out);
    expect(Object.keys(sent)).toEqual(['__proto__', 'ssn']);
    expect(Object.getOwnPropertyDescriptor(sent, '__proto__')?.value).toEqual({ polluted: new Int32(1) });
    expect(isBlob((sent.ssn as { $eq: unknown }).$eq)).toBe(true);
  });

  it('a Map filter keeps every predicate and encrypts the ones on encrypted fields', async () => {
    const filter = new Map<string, unknown>([['name', 'bob'], ['ssn', '1'], ['$or', [new Map([['ssn', '2']]), { age: 3 }]]]);
    const out = await encryptFilterWith(new FakeCipherSource(), root, filter as never);
    const sent = wire(out);
    expect(Object.keys(sent)).toEqual(['name', 'ssn', '$or']);
    expect(sent.name).toBe('bob');
    expect(isBlob((sent.ssn as { $eq: unknown }).$eq)).toBe(true);
    const or = sent.$or as Record<string, unknown>[];
    expect(isBlob((or[0]?.ssn as { $eq: unknown }).$eq)).toBe(true);
    expect(or[1]).toEqual({ age: new Int32(3) });
  });

  it('a Map filter without encrypted fields serializes exactly as the input', async () => {
    const filter = new Map<string, unknown>([['name', 'bob']]);
    const out = await encryptFilterWith(new FakeCipherSource(), root, filter as never);
    expect(serialize(out)).toEqual(serialize(filter));
  });

  it('a Map operator document on an encrypted field is rewritten, not dropped', async () => {
    const filter = { ssn: new Map([['$in', ['1', '2']]]) };
    const out = await encryptFilterWith(new FakeCipherSource(), root, filter);
    const sent = wire(out);
    const list = (sent.ssn as { $in: unknown[] }).$in;
    expect(list).toHaveLength(2);
    expect(list.every(isBlob)).toBe(true);
  });

  it('encryptDocument: a Map sub-document is walked (it used to become {}), a Map document too', async () => {
    const doc = { name: 'a', contact: new Map<string, unknown>([['phone', '555'], ['city', 'Oslo']]) };
    const out = await encryptDocumentWith(new FakeCipherSource(), root, doc);
    const sent = wire(out);
    const contact = sent.contact as Record<string, unknown>;
    expect(Object.keys(contact)).toEqual(['phone', 'city']);
    expect(isBlob(contact.phone)).toBe(true);
    expect(contact.city).toBe('Oslo');
    const top = await encryptDocumentWith(new FakeCipherSource(), root, new Map<string, unknown>([['ssn', '1'], ['x', 2]]) as never);
    const sentTop = wire(top);
    expect(Object.keys(sentTop)).toEqual(['ssn', 'x']);
    expect(isBlob(sentTop.ssn)).toBe(true);
  });

  it('encryptDocument: own __proto__ keys stay own fields and never re-prototype the output', async () => {
    const doc = JSON.parse('{"__proto__": {"ssn": "x"}, "ssn": "1", "contact": {"__proto__": "p", "phone": "5"}}') as Record<string, unknown>;
    const out = await encryptDocumentWith(new FakeCipherSource(), root, doc);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(out.contact)).toBe(Object.prototype);
    const sent = wire(out);
    expect(Object.keys(sent)).toEqual(['__proto__', 'ssn', 'contact']);
    expect(Object.getOwnPropertyDescriptor(sent, '__proto__')?.value).toEqual({ ssn: 'x' });
    expect(isBlob(sent.ssn)).toBe(true);
    const contact = sent.contact as Record<string, unknown>;
    expect(Object.keys(contact)).toEqual(['__proto__', 'phone']);
    expect(isBlob(contact.phone)).toBe(true);
  });

  it('encryptUpdate: $set through a Map and a __proto__ path keep every field', async () => {
    const update = { $set: new Map<string, unknown>([['ssn', '1'], ['other', 2]]) };
    const sent = wire(await encryptUpdateWith(new FakeCipherSource(), root, update as never));
    const set = sent.$set as Record<string, unknown>;
    expect(Object.keys(set)).toEqual(['ssn', 'other']);
    expect(isBlob(set.ssn)).toBe(true);
    const proto = JSON.parse('{"$set": {"__proto__": "x", "ssn": "1"}}') as Record<string, unknown>;
    const out2 = await encryptUpdateWith(new FakeCipherSource(), root, proto);
    const set2 = (out2 as { $set: Record<string, unknown> }).$set;
    expect(Object.getPrototypeOf(set2)).toBe(Object.prototype);
    expect(Object.keys(wire(out2).$set as object)).toEqual(['__proto__', 'ssn']);
    const replacement = new Map<string, unknown>([['ssn', '1'], ['keep', true]]);
    const sent3 = wire(await encryptUpdateWith(new FakeCipherSource(), root, replacement as never));
    expect(Object.keys(sent3)).toEqual(['ssn', 'keep']);
    expect(isBlob(sent3.ssn)).toBe(true);
  });

  it('decryptDocument: ciphertexts under __proto__ keys and inside Maps are decrypted, the prototype is kept', async () => {
    const src = new FakeCipherSource();
    const enc = await encryptDocumentWith(src, root, { ssn: '1' });
    const blob = enc.ssn as Binary;
    const doc = deserialize(serialize({ a: 1 }));
    Object.defineProperty(doc, '__proto__', { value: { inner: blob }, enumerable: true, writable: true, configurable: true });
    const out = (await decryptDocumentWith(src, doc)) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['a', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toEqual({ inner: '1' });
    const map = await decryptDocumentWith(src, new Map<string, unknown>([['s', blob], ['n', 1]]));
    expect(map).toBeInstanceOf(Map);
    expect([...map.entries()]).toEqual([['s', '1'], ['n', 1]]);
    const nested = (await decryptDocumentWith(src, { m: new Map([['s', blob]]) })) as { m: Map<string, unknown> };
    expect(nested.m.get('s')).toBe('1');
  });

  it('compileSchema reads Maps by their entries (a Map schema used to compile to "encrypt nothing")', async () => {
    const mapSchema = new Map<string, unknown>([
      ['bsonType', 'object'],
      ['properties', new Map([['ssn', new Map<string, unknown>([['encrypt', { keyId: [K1], bsonType: 'string', algorithm: DETERMINISTIC }]])]])],
    ]);
    const compiled = compileSchema(mapSchema);
    expect(compiled.root.hasEncryption).toBe(true);
    const out = await encryptDocumentWith(new FakeCipherSource(), compiled.root, { ssn: '1' });
    expect(isBlob(out.ssn)).toBe(true);
  });

  it('a Map schemaMap is read by its entries (it used to look empty, so documents were stored in the clear)', async () => {
    const auto = new AutoEncrypter({ keyVault: new MemoryKeyVault(), kmsProviders, schemaMap: new Map([['db.c', schema]]) });
    expect(await codeOf(auto.encryptDocument('db.c', { ssn: 5 }))).toBe('BSON_TYPE_MISMATCH');
    expect(await codeOf(() => new AutoEncrypter({ keyVault: new MemoryKeyVault(), kmsProviders, schemaMap: new Map([[1, schema]]) as never }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => new AutoEncrypter({ keyVault: new MemoryKeyVault(), kmsProviders, schemaMap: 'db.c' as never }))).toBe('INVALID_ARGUMENT');
  });

  it('a JSON schema whose field is literally named "__proto__" encrypts that field', async () => {
    const parsed = JSON.parse('{"bsonType": "object", "properties": {"__proto__": {"encrypt": {"bsonType": "string", "algorithm": "AEAD_AES_256_CBC_HMAC_SHA_512-Random"}}}}') as Record<string, unknown>;
    const withKey = { ...parsed, encryptMetadata: { keyId: [K1] } };
    const compiled = compileSchema(withKey);
    const doc = JSON.parse('{"__proto__": "secret", "a": 1}') as Record<string, unknown>;
    const sent = wire(await encryptDocumentWith(new FakeCipherSource(), compiled.root, doc));
    expect(Object.keys(sent)).toEqual(['__proto__', 'a']);
    expect(isBlob(Object.getOwnPropertyDescriptor(sent, '__proto__')?.value)).toBe(true);
  });

  it('what cannot be represented is a typed error, never a silently smaller filter or document', async () => {
    const src = new FakeCipherSource();
    const sym = { [Symbol('s')]: 1, name: 'a' };
    expect(await codeOf(encryptFilterWith(src, root, sym))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(encryptFilterWith(src, root, new Map<unknown, unknown>([[1, 'x']]) as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(encryptDocumentWith(src, root, { contact: new Map<unknown, unknown>([[Symbol('x'), 1]]) }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(encryptUpdateWith(src, root, { $set: new Map<unknown, unknown>([[2, 1]]) } as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(decryptDocumentWith(src, new Map<unknown, unknown>([[2, 1]])))).toBe('INVALID_ARGUMENT');
  });
});

describe('item 4: inserting without _id when the schema encrypts _id (query-analysis.md §5)', () => {
  const idSchema = compileSchema({
    bsonType: 'object',
    properties: { _id: { encrypt: { keyId: [K1], bsonType: 'objectId', algorithm: DETERMINISTIC } }, a: { bsonType: 'int' } },
  }).root;

  it('refuses with MISSING_ENCRYPTED_ID instead of returning a document the driver fills with a plaintext _id', async () => {
    expect(await codeOf(encryptDocumentWith(new FakeCipherSource(), idSchema, { a: 1 }))).toBe('MISSING_ENCRYPTED_ID');
    await expect(encryptDocumentWith(new FakeCipherSource(), idSchema, { a: 1 })).rejects.toThrow(/_id/);
  });

  it('with an _id, it is encrypted as before; _id encrypted through additionalProperties counts too', async () => {
    const out = await encryptDocumentWith(new FakeCipherSource(), idSchema, { _id: new ObjectId(), a: 1 });
    expect(isBlob(out._id)).toBe(true);
    const viaAdditional = compileSchema({ bsonType: 'object', additionalProperties: { encrypt: { keyId: [K1], bsonType: 'string', algorithm: DETERMINISTIC } } }).root;
    expect(await codeOf(encryptDocumentWith(new FakeCipherSource(), viaAdditional, { a: 'x' }))).toBe('MISSING_ENCRYPTED_ID');
  });

  it('Timestamp(0, 0) in an encrypted top-level field is refused (spec-unified badQueries), elsewhere it is not', async () => {
    const tsSchema = compileSchema({ bsonType: 'object', properties: { random: { encrypt: { keyId: [K1], algorithm: RANDOM } }, o: { bsonType: 'object', properties: { r: { encrypt: { keyId: [K1], algorithm: RANDOM } } } } } }).root;
    const zero = new Timestamp({ t: 0, i: 0 });
    expect(await codeOf(encryptDocumentWith(new FakeCipherSource(), tsSchema, { random: zero }))).toBe('INSERT_TIMESTAMP_ZERO');
    expect(isBlob((await encryptDocumentWith(new FakeCipherSource(), tsSchema, { random: new Timestamp({ t: 1, i: 0 }) })).random)).toBe(true);
    expect((await encryptDocumentWith(new FakeCipherSource(), tsSchema, { clear: zero })).clear).toBe(zero);
    const nested = await encryptDocumentWith(new FakeCipherSource(), tsSchema, { o: { r: zero } });
    expect(isBlob((nested.o as Record<string, unknown>).r)).toBe(true);
  });

  it('a schema that does not encrypt _id still accepts documents without one', async () => {
    const out = await encryptDocumentWith(new FakeCipherSource(), root, { ssn: '1' });
    expect('_id' in out).toBe(false);
  });
});

function nestObjects(depth: number, leaf: unknown, key = 'a'): Record<string, unknown> {
  let d: Record<string, unknown> = { [key]: leaf };
  for (let i = 1; i < depth; i++) d = { [key]: d };
  return d;
}

function nestArrays(depth: number, leaf: unknown): unknown[] {
  let d: unknown[] = [leaf];
  for (let i = 1; i < depth; i++) d = [d];
  return d;
}

/** A schema node chain a.a.a...(depth)...: an encrypted leaf `depth` levels down, built without compileSchema. */
function deepNode(depth: number): SchemaNode {
  let node: SchemaNode = { encrypt: { schemaPath: 'x', algorithm: RANDOM, keyId: { kind: 'id', id: K1 }, bsonTypes: undefined }, properties: new Map(), patternProperties: [], hasEncryption: true };
  for (let i = 0; i < depth; i++) node = { properties: new Map([['a', node]]), patternProperties: [], hasEncryption: true };
  return node;
}

describe('item 8: deep nesting is a typed NESTING_TOO_DEEP, not a RangeError', () => {
  const DEEP = 5000;
  const src = new FakeCipherSource();

  it(`decryptDocument: ${DEEP} nested documents and arrays`, async () => {
    expect(await codeOf(decryptDocumentWith(src, nestObjects(DEEP, 1)))).toBe('NESTING_TOO_DEEP');
    expect(await codeOf(decryptDocumentWith(src, { a: nestArrays(DEEP, 1) }))).toBe('NESTING_TOO_DEEP');
  });

  it(`decryptDocument: up to MAX_NESTING_DEPTH (${MAX_NESTING_DEPTH}) levels still decrypts`, async () => {
    const enc = await encryptDocumentWith(src, root, { ssn: '1' });
    const ok = nestObjects(MAX_NESTING_DEPTH, enc.ssn);
    let cur: unknown = await decryptDocumentWith(src, ok);
    for (let i = 1; i < MAX_NESTING_DEPTH; i++) cur = (cur as { a: unknown }).a;
    expect((cur as { a: unknown }).a).toBe('1');
    expect(await codeOf(decryptDocumentWith(src, nestObjects(MAX_NESTING_DEPTH + 1, enc.ssn)))).toBe('NESTING_TOO_DEEP');
  });

  it(`compileSchema: ${DEEP} nested properties, items and $jsonSchema logical keywords`, async () => {
    let s: Record<string, unknown> = { encrypt: { keyId: [K1], algorithm: RANDOM } };
    for (let i = 0; i < DEEP; i++) s = { bsonType: 'object', properties: { a: s } };
    expect(await codeOf(() => compileSchema(s))).toBe('NESTING_TOO_DEEP');
    let items: Record<string, unknown> = { bsonType: 'int' };
    for (let i = 0; i < DEEP; i++) items = { items: items };
    expect(await codeOf(() => compileSchema({ properties: { a: items } }))).toBe('NESTING_TOO_DEEP');
    let any: unknown = { bsonType: 'int' };
    for (let i = 0; i < DEEP; i++) any = { anyOf: [any] };
    expect(await codeOf(() => compileSchema({ properties: { a: any } }))).toBe('NESTING_TOO_DEEP');
  });

  it(`encryptDocument / walkDocument: a ${DEEP}-level schema path`, async () => {
    const node = deepNode(DEEP);
    expect(await codeOf(encryptDocumentWith(src, node, nestObjects(DEEP, 'x')))).toBe('NESTING_TOO_DEEP');
    expect(await codeOf(() => walkDocument(node, nestObjects(DEEP, 'x'), undefined, '', (_p, v) => v))).toBe('NESTING_TOO_DEEP');
  });

  it(`encryptFilter: ${DEEP} nested $and / $nor / $not`, async () => {
    let f: Record<string, unknown> = { ssn: '1' };
    for (let i = 0; i < DEEP; i++) f = { $and: [f] };
    expect(await codeOf(encryptFilterWith(src, root, f))).toBe('NESTING_TOO_DEEP');
    let g: Record<string, unknown> = { $eq: '1' };
    for (let i = 0; i < DEEP; i++) g = { $not: g };
    expect(await codeOf(encryptFilterWith(src, root, { ssn: g }))).toBe('NESTING_TOO_DEEP');
  });

  it(`encryptUpdate: a ${DEEP}-level $set value and replacement along a deep schema`, async () => {
    const node = deepNode(DEEP);
    expect(await codeOf(encryptUpdateWith(src, node, { $set: { a: nestObjects(DEEP, 'x') } }))).toBe('NESTING_TOO_DEEP');
    expect(await codeOf(encryptUpdateWith(src, node, nestObjects(DEEP, 'x')))).toBe('NESTING_TOO_DEEP');
  });
});

describe('item 9 (client part): decryptDocument places decrypted values as fle-format returns them', () => {
  it('a decrypted array with a non-index key and an out-of-range date value are not rebuilt by the walker', async () => {
    const odd: unknown[] = [1, 2];
    (odd as unknown as Record<string, unknown>).k = 3;
    const farDate = Long.fromString('9223372036854775807');
    const values = [odd, farDate];
    let next = 0;
    const src = {
      prepare: async () => ({ encrypt: () => { throw new Error('unused'); }, decrypt: () => values[next++], aeadKey: () => { throw new Error('unused'); } }),
    };
    const blob = (first: number): Binary => new Binary(Uint8Array.from({ length: 90 }, (_, i) => (i === 0 ? first : 5)), 6);
    const sparse: unknown[] = [];
    sparse[2] = 'x';
    const out = (await decryptDocumentWith(src, { a: blob(2), d: blob(1), keep: sparse })) as Record<string, unknown>;
    expect(out.a).toBe(odd);
    expect(out.d).toBe(farDate);
    expect(out.keep).toBe(sparse);
  });
});

describe('item 10: short and malformed subtype-6 values give the same typed code everywhere', () => {
  it('lengths 1..81 with first byte 1 or 2: BLOB_TOO_SHORT from ClientEncryption.decrypt, decryptDocument and decryptBson', async () => {
    const keyVault = new MemoryKeyVault();
    const ce = new ClientEncryption({ keyVault, kmsProviders });
    const auto = new AutoEncrypter({ keyVault, kmsProviders });
    await ce.createDataKey('local');
    for (let n = 1; n <= 81; n++) {
      for (const first of [1, 2]) {
        const bytes = new Uint8Array(n).fill(7);
        bytes[0] = first;
        const blob = new Binary(bytes, 6);
        expect([n, await codeOf(ce.decrypt(blob))]).toEqual([n, 'BLOB_TOO_SHORT']);
        expect([n, await codeOf(auto.decryptDocument({ v: blob }))]).toEqual([n, 'BLOB_TOO_SHORT']);
        expect([n, await codeOf(auto.decryptBson(serialize({ v: blob })))]).toEqual([n, 'BLOB_TOO_SHORT']);
      }
    }
  });

  it('a Binary-like object without a usable buffer is a typed error, not a TypeError', async () => {
    const keyVault = new MemoryKeyVault();
    const ce = new ClientEncryption({ keyVault, kmsProviders });
    const auto = new AutoEncrypter({ keyVault, kmsProviders });
    const fakes = [{ _bsontype: 'Binary', sub_type: 6 }, { _bsontype: 'Binary', sub_type: 6, buffer: null, position: 90 }, { _bsontype: 'Binary', sub_type: 6, buffer: 'x'.repeat(90), position: 90 }];
    for (const fake of fakes) {
      expect(await codeOf(ce.decrypt(fake as never))).toBe('NOT_A_CIPHERTEXT');
      expect(await codeOf(auto.decryptDocument({ v: fake }))).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('item 12: close() on ClientEncryption and AutoEncrypter', () => {
  it('closes the key broker (destroying cached keys), is idempotent, and every later call throws CLOSED', async () => {
    const close = vi.spyOn(KeyBroker.prototype, 'close');
    const keyVault = new MemoryKeyVault();
    const ce = new ClientEncryption({ keyVault, kmsProviders });
    const keyId = await ce.createDataKey('local', { keyAltNames: ['k'] });
    const blob = await ce.encrypt('v', { keyId, algorithm: DETERMINISTIC });
    const before = close.mock.calls.length;
    await ce.close();
    expect(close.mock.calls.length).toBe(before + 1);
    await ce.close();
    expect(await codeOf(ce.encrypt('v', { keyId, algorithm: DETERMINISTIC }))).toBe('CLOSED');
    expect(await codeOf(ce.decrypt(blob))).toBe('CLOSED');
    expect(await codeOf(ce.createDataKey('local'))).toBe('CLOSED');
    expect(await codeOf(ce.getKeys())).toBe('CLOSED');
    expect(await codeOf(ce.rewrapManyDataKey({}))).toBe('CLOSED');

    const auto = new AutoEncrypter({ keyVault, kmsProviders, schemaMap: { 'db.c': schema } });
    await auto.decryptDocument({ v: blob });
    const beforeAuto = close.mock.calls.length;
    await auto.close();
    await auto.close();
    expect(close.mock.calls.length).toBe(beforeAuto + 1);
    expect(await codeOf(auto.decryptDocument({ v: blob }))).toBe('CLOSED');
    expect(await codeOf(auto.decryptBson(serialize({ v: blob })))).toBe('CLOSED');
    expect(await codeOf(auto.encryptDocument('db.c', { ssn: '1' }))).toBe('CLOSED');
    expect(await codeOf(auto.encryptFilter('db.c', { ssn: '1' }))).toBe('CLOSED');
    expect(await codeOf(auto.encryptUpdate('db.c', { $set: { ssn: '1' } }))).toBe('CLOSED');
    close.mockRestore();
  });
});

describe('item 15: createDataKey and rewrapManyDataKey with the masterKey spelled as the Node driver does', () => {
  it("createDataKey('local', { masterKey: {} }) takes the provider from the first argument", async () => {
    const ce = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders });
    const id = await ce.createDataKey('local', { masterKey: {} });
    expect((await ce.getKey(id))?.masterKey).toEqual({ provider: 'local' });
    const r = await ce.rewrapManyDataKey({}, { provider: 'local', masterKey: {} });
    expect(r.keyIds).toHaveLength(1);
    // A contradicting provider is still refused by keyvault.
    expect(await codeOf(ce.createDataKey('local', { masterKey: { provider: 'aws' } }))).toBe('INVALID_MASTER_KEY');
  });
});

describe('item 17: one algorithm parser and one type table behind every public entry', () => {
  const spellings: unknown[] = [
    DETERMINISTIC, RANDOM, DETERMINISTIC.toLowerCase(), RANDOM.toUpperCase(), 'deterministic', 'random', 'Deterministic', 'RANDOM',
    'Indexed', 'unindexed', 'Range', '', ' deterministic', `${DETERMINISTIC} `, 'AEAD_AES_256_CBC_HMAC_SHA_512', 5, null, undefined,
  ];

  it('ce.encrypt, encryptValue and encryptValueAsync accept exactly the same spellings; a schema only the two exact names', async () => {
    const keyVault = new MemoryKeyVault();
    const ce = new ClientEncryption({ keyVault, kmsProviders });
    const keyId = await ce.createDataKey('local');
    const key = new AeadKey(new Uint8Array(96).fill(9));
    const verdicts: Record<string, boolean[]> = {};
    for (const algorithm of spellings) {
      const schemaOk = (await codeOf(() => compileSchema({ properties: { a: { encrypt: { keyId: [K1], bsonType: 'string', algorithm } } } }))) === undefined;
      const results = [
        (await codeOf(ce.encrypt('v', { keyId, algorithm: algorithm as string }))) === undefined,
        (await codeOf(() => encryptValue(key, K1, algorithm as never, 'v'))) === undefined,
        (await codeOf(encryptValueAsync(key, K1, algorithm as never, 'v'))) === undefined,
      ];
      verdicts[String(algorithm)] = results;
      // ce.encrypt also takes the Queryable Encryption names (issue 14; fle-format's parseExplicitAlgorithm,
      // whose FLE1 half is parseFle1Algorithm): there the FLE1-only value encryptors differ by design.
      const qeName = typeof algorithm === 'string' && ['indexed', 'unindexed'].includes(algorithm.toLowerCase());
      if (!qeName) expect(new Set(results).size, `algorithm ${JSON.stringify(algorithm)}: ${results.join(',')}`).toBe(1);
      // mongocryptd's $jsonSchema enum: exact names only, and never a name the explicit API refuses.
      expect(schemaOk, `schema algorithm ${JSON.stringify(algorithm)}`).toBe(algorithm === DETERMINISTIC || algorithm === RANDOM);
    }
    expect(verdicts.deterministic).toEqual([true, true, true]);
    // Indexed without contentionFactor is refused by ce.encrypt too (libmongocrypt: "contention factor is required").
    expect(verdicts.Indexed).toEqual([false, false, false]);
    expect(verdicts.unindexed).toEqual([true, false, false]);
    expect(verdicts.Range).toEqual([false, false, false]);
  });

  it('explicit and automatic encryption accept and refuse the same BSON types per algorithm', async () => {
    const keyVault = new MemoryKeyVault();
    const ce = new ClientEncryption({ keyVault, kmsProviders });
    const keyId = await ce.createDataKey('local');
    const key = new AeadKey(new Uint8Array(96).fill(9));
    const samples: [string, unknown][] = [
      ['string', 's'], ['int', new Int32(1)], ['long', Long.fromNumber(2)], ['double', new Double(1.5)], ['decimal', Decimal128.fromString('1')],
      ['bool', true], ['date', new Date(0)], ['objectId', new ObjectId()], ['binData', new Binary(new Uint8Array(3), 0)],
      ['binData', new Binary(new Uint8Array(3), 6)], ['regex', new BSONRegExp('a', 'i')], ['javascript', new Code('f()')],
      ['javascriptWithScope', new Code('f()', { a: 1 })], ['symbol', new BSONSymbol('s')], ['timestamp', new Timestamp({ t: 1, i: 1 })],
      ['object', { a: 1 }], ['array', [1]], ['null', null], ['minKey', new MinKey()], ['maxKey', new MaxKey()],
    ];
    for (const algorithm of [DETERMINISTIC, RANDOM]) {
      for (const [alias, value] of samples) {
        const explicit = (await codeOf(ce.encrypt(value, { keyId, algorithm }))) === undefined;
        const direct = (await codeOf(() => encryptValue(key, K1, algorithm, value))) === undefined;
        let automatic: boolean;
        try {
          const s = compileSchema({ properties: { a: { encrypt: { keyId: [keyId], bsonType: alias, algorithm } } } });
          const a = new AutoEncrypter({ keyVault, kmsProviders, schemaMap: { 'db.c': { properties: { a: { encrypt: { keyId: [keyId], bsonType: alias, algorithm } } } } } });
          expect(s.root.hasEncryption).toBe(true);
          automatic = (await codeOf(a.encryptDocument('db.c', { a: value }))) === undefined;
        } catch (e) {
          expect(isFleError(e)).toBe(true);
          automatic = false;
        }
        const row = [explicit, direct, automatic];
        expect(new Set(row).size, `${alias} ${algorithm}: explicit ${explicit}, encryptValue ${direct}, automatic ${automatic}`).toBe(1);
      }
    }
  });
});

describe('bad inputs to the public entries are typed errors', () => {
  it('non-object documents, null, arrays, numbers: FleError with a stable code', async () => {
    const keyVault = new MemoryKeyVault();
    const auto = new AutoEncrypter({ keyVault, kmsProviders, schemaMap: { 'db.c': schema } });
    for (const bad of [null, undefined, 5, 'x', [1], [{ ssn: '1' }], new Date(0)]) {
      expect(await codeOf(auto.encryptDocument('db.c', bad as never))).toBe('INVALID_ARGUMENT');
      expect(await codeOf(auto.encryptFilter('db.c', bad as never))).toBe('INVALID_ARGUMENT');
    }
    expect(await codeOf(auto.encryptUpdate('db.c', null as never))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(auto.encryptDocument(5 as never, {}))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(auto.decryptBson('x' as never))).not.toBeUndefined();
    const ce = new ClientEncryption({ keyVault, kmsProviders });
    expect(await codeOf(ce.rewrapManyDataKey(null as never))).toBe('INVALID_ARGUMENT');
  });

  it('error messages never carry the plaintext of a refused value', async () => {
    const auto = new AutoEncrypter({ keyVault: new MemoryKeyVault(), kmsProviders, schemaMap: { 'db.c': schema } });
    const secret = 'SECRET-4111-1111';
    for (const p of [
      auto.encryptDocument('db.c', { ssn: new BSONSymbol(secret), contact: { phone: secret } }),
      auto.encryptDocument('db.c', { ssn: { [secret]: 1 } }),
      auto.encryptFilter('db.c', { ssn: { $regex: secret } }),
      auto.encryptFilter('db.c', { ssn: { $gt: secret } }),
    ]) {
      const e = await p.then(() => undefined, (x: unknown) => x);
      expect(isFleError(e)).toBe(true);
      expect(String((e as Error).message)).not.toContain(secret);
    }
  });
});
