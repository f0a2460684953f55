// The automatic-encryption engine against a fake cipher: schema rules (fle1-spec.md §7), document
// walking, filter rewriting (query-analysis.md §3), update rewriting (§4), decryption walking.
import { Binary, BSONRegExp, Double, Int32, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { decryptDocumentWith } from '../src/decrypt-document.js';
import { encryptDocumentWith } from '../src/encrypt-document.js';
import { encryptFilterWith } from '../src/encrypt-filter.js';
import { encryptUpdateWith } from '../src/encrypt-update.js';
import { compileSchema, DETERMINISTIC, RANDOM } from '../src/schema.js';
import { FakeCipherSource, uuid } from './fake-cipher.js';

const K1 = uuid(1);
const K2 = uuid(2);

const patientSchema = {
  bsonType: 'object',
  encryptMetadata: { keyId: [K1] },
  properties: {
    ssn: { encrypt: { bsonType: 'string', algorithm: DETERMINISTIC } },
    billing: { encrypt: { bsonType: 'object', algorithm: RANDOM } },
    contact: {
      bsonType: 'object',
      encryptMetadata: { keyId: [K2], algorithm: DETERMINISTIC },
      properties: {
        phone: { encrypt: { bsonType: 'string' } },
        email: { encrypt: { bsonType: 'string', algorithm: RANDOM } },
      },
    },
    owner: { encrypt: { bsonType: 'int', algorithm: DETERMINISTIC, keyId: '/keyName' } },
  },
  patternProperties: { '^note_': { encrypt: { algorithm: RANDOM } } },
};

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

async function asyncCodeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

function isBlob(v: unknown, first: number): boolean {
  return v instanceof Binary && v.sub_type === 6 && v.buffer[0] === first;
}

describe('schema compilation (fle1-spec.md §7)', () => {
  it('inherits algorithm and keyId from encryptMetadata; a nested encrypt overrides', () => {
    const { root } = compileSchema(patientSchema);
    expect(root.properties.get('ssn')?.encrypt).toMatchObject({ algorithm: DETERMINISTIC, keyId: { kind: 'id', id: K1 }, bsonTypes: ['string'] });
    const contact = root.properties.get('contact');
    expect(contact?.properties.get('phone')?.encrypt).toMatchObject({ algorithm: DETERMINISTIC, keyId: { kind: 'id', id: K2 } });
    expect(contact?.properties.get('email')?.encrypt).toMatchObject({ algorithm: RANDOM, keyId: { kind: 'id', id: K2 } });
    expect(root.properties.get('owner')?.encrypt?.keyId).toEqual({ kind: 'pointer', pointer: '/keyName' });
  });

  const bad: [string, unknown, RegExp][] = [
    ['encrypt inside items', { bsonType: 'object', properties: { a: { bsonType: 'array', items: { encrypt: { keyId: [K1], algorithm: RANDOM } } } } }, /properties\.a\.items\.encrypt/],
    ['encrypt inside additionalItems', { bsonType: 'object', properties: { a: { additionalItems: { encrypt: { keyId: [K1], algorithm: RANDOM } } } } }, /additionalItems/],
    ['encrypt inside anyOf', { anyOf: [{ properties: { a: { encrypt: { keyId: [K1], algorithm: RANDOM } } } }] }, /anyOf/],
    ['deterministic with two types', { properties: { a: { encrypt: { keyId: [K1], algorithm: DETERMINISTIC, bsonType: ['string', 'int'] } } } }, /properties\.a\.encrypt.*exactly one bsonType/],
    ['deterministic without bsonType', { properties: { a: { encrypt: { keyId: [K1], algorithm: DETERMINISTIC } } } }, /exactly one bsonType/],
    ['deterministic double', { properties: { a: { encrypt: { keyId: [K1], algorithm: DETERMINISTIC, bsonType: 'double' } } } }, /'double' cannot be encrypted with deterministic/],
    ['deterministic object', { properties: { a: { encrypt: { keyId: [K1], algorithm: DETERMINISTIC, bsonType: 'object' } } } }, /'object'/],
    ['never-encryptable type', { properties: { a: { encrypt: { keyId: [K1], algorithm: RANDOM, bsonType: 'null' } } } }, /'null'/],
    ['encrypt with a sibling keyword', { properties: { a: { bsonType: 'string', encrypt: { keyId: [K1], algorithm: RANDOM } } } }, /properties\.a.*'bsonType'/],
    ['unknown keyword', { properties: { a: { minimum: 3 } } }, /properties\.a\.minimum/],
    ['unknown field in encrypt', { properties: { a: { encrypt: { keyId: [K1], algorithm: RANDOM, iv: 1 } } } }, /unknown field 'iv'/],
    ['no keyId anywhere', { properties: { a: { encrypt: { algorithm: RANDOM } } } }, /no keyId/],
    ['no algorithm anywhere', { properties: { a: { encrypt: { keyId: [K1] } } } }, /no algorithm/],
    ['bad algorithm', { properties: { a: { encrypt: { keyId: [K1], algorithm: 'AES' } } } }, /algorithm must be/],
    ['keyId with a non-UUID', { properties: { a: { encrypt: { keyId: [new Binary(new Uint8Array(16), 0)], algorithm: RANDOM } } } }, /keyId must be/],
    ['keyId string that is not a pointer', { properties: { a: { encrypt: { keyId: 'alice', algorithm: RANDOM } } } }, /JSON pointer/],
    ['properties under a non-object bsonType', { properties: { a: { bsonType: 'string', properties: { b: { encrypt: { keyId: [K1], algorithm: RANDOM } } } } } }, /properties\.a.*bsonType 'object'/],
    ['random top-level _id', { properties: { _id: { encrypt: { keyId: [K1], algorithm: RANDOM } } } }, /_id/],
    ['random top-level _id through additionalProperties', { additionalProperties: { encrypt: { keyId: [K1], algorithm: RANDOM } } }, /^Invalid encryption schema at 'additionalProperties'.*_id/],
    ['dotted property holding encryption', { properties: { 'a.b': { encrypt: { keyId: [K1], algorithm: RANDOM } } } }, /dotted/],
    ['invalid pattern', { patternProperties: { '(': { encrypt: { keyId: [K1], algorithm: RANDOM } } } }, /regular expression/],
  ];
  for (const [name, schema, message] of bad) {
    it(`rejects at load time: ${name}`, () => {
      expect(() => compileSchema(schema)).toThrow(message);
      expect(codeOf(() => compileSchema(schema))).toBe('SCHEMA_INVALID');
    });
  }
});

describe('encryptDocument (schema-driven insert)', () => {
  const { root } = compileSchema(patientSchema);
  const doc = {
    _id: 1,
    name: 'Jon Doe',
    ssn: '241-01-1234',
    billing: { type: 'visa', number: '4111' },
    contact: { phone: '555', email: 'a@b', city: 'Oslo' },
    keyName: 'alice',
    owner: 7,
    note_1: 'private',
  };

  it('encrypts every marked field, leaves the rest, batches key lookups, does not mutate the input', async () => {
    const src = new FakeCipherSource({ alice: K2 });
    const before = structuredClone(doc);
    const out = await encryptDocumentWith(src, root, doc);
    expect(doc).toEqual(before);
    expect(out.name).toBe('Jon Doe');
    expect(isBlob(out.ssn, 1)).toBe(true);
    expect(isBlob(out.billing, 2)).toBe(true);
    const contact = out.contact as Record<string, unknown>;
    expect(isBlob(contact.phone, 1)).toBe(true);
    expect(isBlob(contact.email, 2)).toBe(true);
    expect(contact.city).toBe('Oslo');
    expect(isBlob(out.owner, 1)).toBe(true);
    expect(isBlob(out.note_1, 2)).toBe(true);
    expect(src.prepareCalls).toHaveLength(1);
    expect(src.prepareCalls[0]?.ids.map((b) => b.buffer[0])).toEqual([1, 2]);
    expect(src.prepareCalls[0]?.altNames).toEqual(['alice']);
    expect(await decryptDocumentWith(src, out)).toEqual(doc);
  });

  it('BSON_TYPE_MISMATCH when a value does not match bsonType, and nothing is encrypted', async () => {
    const src = new FakeCipherSource({ alice: K2 });
    const p = encryptDocumentWith(src, root, { ...doc, contact: { phone: 555 } });
    expect(await asyncCodeOf(p)).toBe('BSON_TYPE_MISMATCH');
    await expect(encryptDocumentWith(src, root, { ...doc, contact: { phone: 555 } })).rejects.toThrow(/contact\.phone/);
    expect(src.encryptCalls).toBe(0);
    expect(src.prepareCalls).toHaveLength(0);
  });

  it('BSON_TYPE_MISMATCH for never-encryptable values under a typeless random rule', async () => {
    const src = new FakeCipherSource();
    expect(await asyncCodeOf(encryptDocumentWith(src, root, { note_x: null }))).toBe('BSON_TYPE_MISMATCH');
  });

  it('KEY_POINTER_INVALID when the keyId pointer names no string', async () => {
    const src = new FakeCipherSource();
    expect(await asyncCodeOf(encryptDocumentWith(src, root, { owner: 7 }))).toBe('KEY_POINTER_INVALID');
    expect(await asyncCodeOf(encryptDocumentWith(src, root, { owner: 7, keyName: 3 }))).toBe('KEY_POINTER_INVALID');
  });

  it('ARRAY_IN_ENCRYPTED_PATH when an array sits above an encrypted field', async () => {
    expect(await asyncCodeOf(encryptDocumentWith(new FakeCipherSource(), root, { contact: [{ phone: '1' }] }))).toBe('ARRAY_IN_ENCRYPTED_PATH');
  });

  it('encrypts a whole array with Random', async () => {
    const { root: r } = compileSchema({ properties: { tags: { encrypt: { keyId: [K1], algorithm: RANDOM, bsonType: 'array' } } } });
    const src = new FakeCipherSource();
    const out = await encryptDocumentWith(src, r, { tags: ['a', 'b'] });
    expect(isBlob(out.tags, 2)).toBe(true);
    expect(await decryptDocumentWith(src, out)).toEqual({ tags: ['a', 'b'] });
  });

  it('INVALID_ARGUMENT for a non-document', async () => {
    expect(await asyncCodeOf(encryptDocumentWith(new FakeCipherSource(), root, [] as never))).toBe('INVALID_ARGUMENT');
  });

  it('patternProperties apply; additionalProperties only when nothing matched', async () => {
    const { root: r } = compileSchema({
      properties: { _id: { bsonType: 'string' }, keep: { bsonType: 'string' } },
      patternProperties: { '^s_': { encrypt: { keyId: [K1], algorithm: DETERMINISTIC, bsonType: 'string' } } },
      additionalProperties: { encrypt: { keyId: [K1], algorithm: RANDOM } },
    });
    const out = await encryptDocumentWith(new FakeCipherSource(), r, { _id: 'x', keep: 'k', s_a: 'v', other: 1 });
    expect(out.keep).toBe('k');
    expect(isBlob(out.s_a, 1)).toBe(true);
    expect(isBlob(out.other, 2)).toBe(true);
  });
});

describe('encryptFilter (query-analysis.md §3)', () => {
  const { root } = compileSchema(patientSchema);
  const src = new FakeCipherSource();
  const enc = (f: Record<string, unknown>) => encryptFilterWith(src, root, f);

  it('implicit equality becomes $eq of the ciphertext; equals what insert stores', async () => {
    const stored = await encryptDocumentWith(src, root, { ssn: '1' });
    const f = await enc({ ssn: '1', name: 'x' });
    expect(f).toEqual({ ssn: { $eq: stored.ssn }, name: 'x' });
  });

  it('$eq, $ne, $in, $nin, $not inside $and/$or/$nor; $exists passes', async () => {
    const f = await enc({ $and: [{ ssn: { $in: ['1', '2'] } }, { $or: [{ 'contact.phone': { $ne: '3' } }, { $nor: [{ ssn: { $not: { $eq: '4' } } }] }] }], billing: { $exists: true } });
    const and = f.$and as Record<string, Record<string, unknown>>[];
    expect((and[0]?.ssn?.$in as unknown[]).every((b) => isBlob(b, 1))).toBe(true);
    const or = and[1]?.$or as unknown as Record<string, Record<string, unknown>>[];
    expect(isBlob(or[0]?.['contact.phone']?.$ne, 1)).toBe(true);
    const nor = or[1]?.$nor as unknown as Record<string, Record<string, Record<string, unknown>>>[];
    expect(isBlob(nor[0]?.ssn?.$not?.$eq, 1)).toBe(true);
    expect(f.billing).toEqual({ $exists: true });
    expect(src.prepareCalls.at(-1)?.ids).toHaveLength(2); // K1 (ssn) and K2 (contact.phone), once each
  });

  const errors: [string, Record<string, unknown>, string, RegExp][] = [
    ['null equality', { ssn: null }, 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', /'ssn'.*null/],
    ['null inside $in', { ssn: { $in: ['1', null] } }, 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', /\$in/],
    ['regex value', { ssn: /1/ }, 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', /regular expression/],
    ['BSONRegExp value', { ssn: new BSONRegExp('1') }, 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', /regular expression/],
    ['$regex', { ssn: { $regex: '1' } }, 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', /\$regex/],
    ['$not regex', { ssn: { $not: /1/ } }, 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', /\$not/],
    ['$gt', { ssn: { $gt: '1' } }, 'UNSUPPORTED_QUERY_OPERATOR', /'ssn' uses \$gt/],
    ['$elemMatch', { 'contact.phone': { $elemMatch: { a: 1 } } }, 'UNSUPPORTED_QUERY_OPERATOR', /contact\.phone.*\$elemMatch/],
    ['random field equality', { billing: { a: 1 } }, 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', /'billing'.*Random/],
    ['random field $in', { 'contact.email': { $in: ['x'] } }, 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', /contact\.email.*\$in/],
    ['inside a random field', { 'billing.type': 'visa' }, 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', /billing\.type.*inside/],
    ['object that holds encrypted fields', { contact: { phone: '1' } }, 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', /'contact'/],
    ['pointer keyId field', { owner: 3 }, 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', /owner/],
    ['type mismatch', { ssn: 5 }, 'BSON_TYPE_MISMATCH', /ssn/],
    ['$where', { $where: 'true' }, 'UNSUPPORTED_QUERY_OPERATOR', /\$where/],
    ['$text', { $text: { $search: 'x' } }, 'UNSUPPORTED_QUERY_OPERATOR', /\$text/],
    ['$expr', { $expr: { $eq: ['$ssn', '1'] } }, 'UNSUPPORTED_QUERY_OPERATOR', /\$expr/],
    ['$and of a non-array', { $and: { ssn: '1' } }, 'INVALID_ARGUMENT', /\$and/],
    ['$in of a non-array', { ssn: { $in: '1' } }, 'INVALID_ARGUMENT', /\$in/],
  ];
  for (const [name, filter, code, message] of errors) {
    it(`${code}: ${name}`, async () => {
      await expect(enc(filter)).rejects.toThrow(message);
      expect(await asyncCodeOf(enc(filter))).toBe(code);
    });
  }

  it('$exists is fine on random fields and inside encrypted values', async () => {
    expect(await enc({ billing: { $exists: false }, 'billing.type': { $exists: true } })).toEqual({ billing: { $exists: false }, 'billing.type': { $exists: true } });
  });
});

describe('encryptUpdate (query-analysis.md §4)', () => {
  const { root } = compileSchema(patientSchema);
  const src = new FakeCipherSource({ alice: K2 });
  const enc = (u: Record<string, unknown> | unknown[]) => encryptUpdateWith(src, root, u);

  it('$set encrypts, including a sub-document that holds encrypted fields; $unset passes', async () => {
    const u = await enc({ $set: { ssn: '9', 'contact.phone': '1', contact: { phone: '2', city: 'x' }, name: 'n' }, $unset: { billing: '' } });
    const set = u.$set as Record<string, unknown>;
    expect(isBlob(set.ssn, 1)).toBe(true);
    expect(isBlob(set['contact.phone'], 1)).toBe(true);
    expect(isBlob((set.contact as Record<string, unknown>).phone, 1)).toBe(true);
    expect((set.contact as Record<string, unknown>).city).toBe('x');
    expect(set.name).toBe('n');
    expect(u.$unset).toEqual({ billing: '' });
  });

  it('replacement documents are encrypted like inserts', async () => {
    const u = await enc({ ssn: '1', keyName: 'alice', owner: 3 });
    expect(isBlob(u.ssn, 1)).toBe(true);
    expect(isBlob(u.owner, 1)).toBe(true);
  });

  it('$rename between fields with the same metadata passes', async () => {
    const { root: r } = compileSchema({ properties: { a: { encrypt: { keyId: [K1], algorithm: DETERMINISTIC, bsonType: 'string' } }, b: { encrypt: { keyId: [K1], algorithm: DETERMINISTIC, bsonType: 'string' } } } });
    expect(await encryptUpdateWith(src, r, { $rename: { a: 'b', x: 'y' } })).toEqual({ $rename: { a: 'b', x: 'y' } });
  });

  const errors: [string, Record<string, unknown> | unknown[], string][] = [
    ['$inc on an encrypted field', { $inc: { ssn: 1 } }, 'UNSUPPORTED_UPDATE_OPERATOR'],
    ['$push on an encrypted field', { $push: { 'contact.phone': 1 } }, 'UNSUPPORTED_UPDATE_OPERATOR'],
    ['$setOnInsert on an encrypted field', { $setOnInsert: { ssn: '1' } }, 'UNSUPPORTED_UPDATE_OPERATOR'],
    ['$set inside a random field', { $set: { 'billing.type': 'x' } }, 'UNSUPPORTED_UPDATE_OPERATOR'],
    ['positional update on an encrypted path', { $set: { 'contact.$.phone': '1' } }, 'UNSUPPORTED_UPDATE_OPERATOR'],
    ['pipeline update', [{ $set: { a: 1 } }], 'UNSUPPORTED_UPDATE_OPERATOR'],
    ['$rename clear to encrypted', { $rename: { name: 'ssn' } }, 'RENAME_METADATA_MISMATCH'],
    ['$rename det to random', { $rename: { ssn: 'billing' } }, 'RENAME_METADATA_MISMATCH'],
    ['$set type mismatch', { $set: { ssn: 1 } }, 'BSON_TYPE_MISMATCH'],
    ['$set of a pointer-keyed field', { $set: { owner: 1 } }, 'ENCRYPTED_FIELD_QUERY_NOT_ALLOWED'],
    ['$set array over encrypted fields', { $set: { contact: [] } }, 'ARRAY_IN_ENCRYPTED_PATH'],
    ['operators mixed with fields', { $set: { a: 1 }, b: 2 }, 'INVALID_ARGUMENT'],
  ];
  for (const [name, update, code] of errors) {
    it(`${code}: ${name}`, async () => {
      expect(await asyncCodeOf(enc(update))).toBe(code);
    });
  }

  it('other operators on clear fields pass through', async () => {
    expect(await enc({ $inc: { visits: 1 }, $push: { log: 'x' } })).toEqual({ $inc: { visits: 1 }, $push: { log: 'x' } });
  });
});

describe('decryptDocument (LMC TRAVERSE_MATCH_CIPHERTEXT)', () => {
  it('decrypts FLE1 blobs anywhere, in one batched key fetch, and leaves other subtype-6 kinds alone', async () => {
    const src = new FakeCipherSource();
    const cipher = await src.prepare({ ids: [], altNames: [] });
    const blobs = Array.from({ length: 50 }, (_, i) => cipher.encrypt(`v${i}`, { keyId: uuid(i + 1), algorithm: RANDOM }));
    const marking = new Binary(new Uint8Array([0, 1, 2]), 6);
    // A QE find payload (12) holds no ciphertext: left alone as libmongocrypt does (QE values 11/14/15/16 are decrypted: qe.test.ts).
    const qe = new Binary(new Uint8Array([12, 1, 2]), 6);
    const empty = new Binary(new Uint8Array(0), 6);
    const doc = { a: blobs.slice(0, 10), b: { c: blobs.slice(10) }, m: marking, q: qe, e: empty, n: new Long(5), d: new Double(1.5), i: new Int32(3) };
    src.prepareCalls = [];
    const out = await decryptDocumentWith(src, doc);
    expect(src.prepareCalls).toHaveLength(1);
    expect(src.prepareCalls[0]?.ids).toHaveLength(50);
    expect(out.a).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
    expect(out.b.c).toEqual(Array.from({ length: 40 }, (_, i) => `v${i + 10}`));
    expect(out.m).toBe(marking);
    expect(out.q).toBe(qe);
    expect(out.e).toBe(empty);
    expect(out.n).toBe(doc.n);
    expect(doc.a[0]).toBe(blobs[0]);
    // A truncated QE unindexed value (16) is a typed error now, before any key is fetched.
    src.prepareCalls = [];
    await expect(decryptDocumentWith(src, { q: new Binary(new Uint8Array([16, 1, 2]), 6) })).rejects.toMatchObject({ name: 'QeError', code: 'MALFORMED_PAYLOAD' });
    expect(src.prepareCalls).toHaveLength(0);
  });

  it('rebuilt documents keep every field in order: clear fields before and after the first blob, an own __proto__, symbol fields', async () => {
    // Issue 18 builds the copy field by field from the first change instead of spreading the
    // input: the result must be what `{ ...doc }` plus the replaced fields gave.
    const src = new FakeCipherSource();
    const cipher = await src.prepare({ ids: [], altNames: [] });
    const blob = (v: string) => cipher.encrypt(v, { keyId: uuid(1), algorithm: RANDOM });
    const sym = Symbol('s');
    const hidden = Symbol('hidden');
    const doc = JSON.parse('{"x": 1, "__proto__": "p", "a": "clear", "2": "index-like"}') as Record<string | symbol, unknown>;
    doc.b = blob('one');
    doc.c = 'after';
    doc.d = { inner: blob('two'), keep: 3 };
    doc[sym] = 'sym value';
    Object.defineProperty(doc, hidden, { value: 'not enumerable', enumerable: false });
    const out = (await decryptDocumentWith(src, doc)) as Record<string | symbol, unknown>;
    const expected = { ...doc } as Record<string | symbol, unknown>;
    expected.b = 'one';
    expected.d = { inner: 'two', keep: 3 };
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Reflect.ownKeys(out)).toEqual(Reflect.ownKeys(expected));
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toBe('p');
    for (const k of Reflect.ownKeys(expected)) expect(out[k as string]).toEqual(expected[k as string]);
    expect(out[hidden]).toBeUndefined();
    expect(doc.b).toBeInstanceOf(Binary); // the input is not modified
  });

  it('returns the same document when nothing is encrypted, without fetching keys', async () => {
    const src = new FakeCipherSource();
    const doc = { a: 1 };
    expect(await decryptDocumentWith(src, doc)).toBe(doc);
    expect(src.prepareCalls).toHaveLength(0);
  });
});
