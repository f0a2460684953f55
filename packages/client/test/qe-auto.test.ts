// Automatic Queryable Encryption through AutoEncrypter.encryptCommand beyond insert/find equality:
// range fields (markings as mongocryptd writes them, payloads equal to explicit Range encryption
// with the same options and random bytes), the commands libmongocrypt + mongocryptd handle
// (update, delete, findAndModify, count, distinct, aggregate $match) and which of them carry
// encryptionInformation, a typed error for every refusal, and a fast-check property over random
// documents of equality, range and unindexed fields.
import { fixedRandomSource, parseFle2Placeholder, resetRangePayloadIdForTesting } from '@fle-ts/qe';
import { bytesToHex, randomBytes } from '@fle-ts/crypto-core';
import { Binary, Decimal128, deserialize, Double, Int32, Long, serialize } from 'bson';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { AutoEncrypter, ClientEncryption, MemoryKeyVault } from '../src/index.js';
import { collectMarkings, markQeCommand, parseEncryptedFields } from '../src/qe-command.js';
import { errorNameAndCode } from './qe-suite.js';

const kmsProviders = { local: { key: new Uint8Array(96).fill(7) } };
const keyVault = new MemoryKeyVault();
const ce = new ClientEncryption({ keyVault, kmsProviders });
let k1: Binary;
let k2: Binary;
let k3: Binary;

beforeAll(async () => {
  k1 = await ce.createDataKey('local');
  k2 = await ce.createDataKey('local');
  k3 = await ce.createDataKey('local');
});

const efc = () => ({
  fields: [
    { keyId: k1, path: 'ssn', bsonType: 'string', queries: { queryType: 'equality', contention: 0 } },
    { keyId: k2, path: 'age', bsonType: 'int', queries: { queryType: 'range', min: new Int32(0), max: new Int32(200), sparsity: new Long(1), trimFactor: new Int32(1), contention: 0 } },
    { keyId: k3, path: 'pay.amount', bsonType: 'double', queries: { queryType: 'range', min: new Double(0), max: new Double(1e6), precision: new Int32(2), contention: 0 } },
    { keyId: k1, path: 'born', bsonType: 'date', queries: { queryType: 'range' } },
    { keyId: k3, path: 'notes', bsonType: 'string' },
  ],
});
const NS = 'db.people';
const make = (random?: Uint8Array) => new AutoEncrypter({ keyVault, kmsProviders, encryptedFieldsMap: { [NS]: efc() }, ...(random ? { qeRandomSource: fixedRandomSource(random) } : {}) });
const hex = (v: unknown) => bytesToHex(serialize({ v }));
const kind = (b: unknown) => (b as Binary).buffer[0];
const rangeOptions = { min: new Int32(0), max: new Int32(200), sparsity: new Long(1), trimFactor: new Int32(1) };

const codeOf = errorNameAndCode;

/** The `v` spec of a range marking, as a plain document. */
function specOf(m: unknown): Record<string, any> {
  const b = m as Binary;
  const body = deserialize(b.buffer.subarray(1, b.position), { promoteValues: false });
  return body.v as Record<string, any>;
}

describe('range fields: markings as mongocryptd writes them', () => {
  const coll = () => parseEncryptedFields(NS, efc());

  it('insert: a = 3 marking with the range insert spec {v, min, max, trimFactor} / {v, min, max, precision}, cm and s; a date field gets the int64 limits as bounds, sparsity 2, contention 8', () => {
    const born = new Date(0);
    const marked = markQeCommand({ insert: 'people', documents: [{ age: new Int32(30), pay: { amount: 12.5 }, born }] }, coll());
    const [age, amount, bornM] = collectMarkings(marked);
    const p = parseFle2Placeholder(age!.buffer.subarray(0, age!.position));
    expect([p.type, p.algorithm, p.maxContention, p.sparsity]).toEqual(['insert', 'Range', 0n, 1n]);
    expect(Object.keys(specOf(age))).toEqual(['v', 'min', 'max', 'trimFactor']);
    expect(Object.keys(specOf(amount))).toEqual(['v', 'min', 'max', 'precision']);
    const b = parseFle2Placeholder(bornM!.buffer.subarray(0, bornM!.position));
    expect([b.maxContention, b.sparsity]).toEqual([8n, 2n]);
    // The date bounds are ±2^63 ms: no JS Date holds them, so read the raw bytes.
    const raw = bornM!.buffer.subarray(0, bornM!.position);
    expect(bytesToHex(raw)).toContain(`096d696e00${'00'.repeat(7)}80`); // min: date -2^63
    expect(bytesToHex(raw)).toContain(`096d617800${'ff'.repeat(7)}7f`); // max: date 2^63 - 1
  });

  it('find: one comparison → {f: {$op: marking}} one-sided (open end ±Infinity); two in one operator document → one interval, {$and: [{f: {$gte: m}}, {f: {$lte: stub}}]} sharing a payloadId; $eq → [v, v]', () => {
    const marked = markQeCommand({ find: 'people', filter: { age: { $gt: new Int32(5) }, ssn: 'x', 'pay.amount': { $gte: 1.5, $lt: 10.25 } } }, coll());
    const f = marked.filter as Record<string, any>;
    expect(Object.keys(f)).toEqual(['$and']);
    // The other members first, then the range predicates (server processRangesInAndClause).
    expect(Object.keys(f.$and[0])).toEqual(['ssn']);
    const one = specOf(f.$and[1].age.$gt);
    expect(one.payloadId.value).toBe(0);
    expect(one.firstOperator.value).toBe(1);
    expect(one.secondOperator).toBeUndefined();
    expect(one.edgesInfo.lbIncluded).toBe(false);
    expect(one.edgesInfo.upperBound.value).toBe(Number.POSITIVE_INFINITY);
    expect(Object.keys(one.edgesInfo)).toEqual(['lowerBound', 'lbIncluded', 'upperBound', 'ubIncluded', 'trimFactor', 'indexMin', 'indexMax']);
    const two = f.$and[2].$and as Record<string, any>[];
    const first = specOf(two[0]!['pay.amount'].$gte);
    const stub = specOf(two[1]!['pay.amount'].$lt);
    expect([first.payloadId.value, first.firstOperator.value, first.secondOperator.value]).toEqual([1, 2, 3]);
    expect(Object.keys(stub)).toEqual(['payloadId', 'firstOperator', 'secondOperator']);
    expect(stub.payloadId.value).toBe(1);
    const eq = markQeCommand({ find: 'people', filter: { age: new Int32(7) } }, coll()).filter as Record<string, any>;
    const point = specOf(eq.$and[0].age.$gte).edgesInfo;
    expect([point.lowerBound.value, point.lbIncluded, point.upperBound.value, point.ubIncluded]).toEqual([7, true, 7, true]);
  });

  it('find: bounds on one side intersect ($gt 5, $gte 7 → $gte 7); an empty interval is $alwaysFalse with no marking; $in → $or of points, $ne / $nin → $nor; inside $and / $or / $nor', () => {
    const f1 = markQeCommand({ find: 'people', filter: { age: { $gt: new Int32(5), $gte: new Int32(7) } } }, coll()).filter as Record<string, any>;
    expect(specOf(f1.age.$gte).edgesInfo.lowerBound.value).toBe(7);
    const f2 = markQeCommand({ find: 'people', filter: { age: { $gt: new Int32(9), $lt: new Int32(9) } } }, coll()).filter;
    expect(f2).toEqual({ $alwaysFalse: 1 });
    const f3 = markQeCommand({ find: 'people', filter: { $or: [{ age: { $in: [new Int32(1), new Int32(2)] } }, { $nor: [{ age: { $ne: new Int32(3) } }] }] } }, coll()).filter as Record<string, any>;
    expect(f3.$or[0].$or).toHaveLength(2);
    expect(specOf(f3.$or[0].$or[1].$and[0].age.$gte).payloadId.value).toBe(1);
    expect(Object.keys(f3.$or[1].$nor[0])).toEqual(['$nor']);
    expect(specOf(f3.$or[1].$nor[0].$nor[0].$and[0].age.$gte).payloadId.value).toBe(2);
  });

  it('find: one-comparison members of an $and on the same range field are one interval, after the other members (server processRangesInAndClause); the payload equals encryptExpression of the same $and', async () => {
    const f = markQeCommand({ find: 'people', filter: { $and: [{ age: { $gte: new Int32(23) } }, { ssn: 'x' }, { age: { $lte: new Int32(35) } }] } }, coll()).filter as Record<string, any>;
    expect(Object.keys(f.$and[0])).toEqual(['ssn']);
    const [lo, hi] = f.$and[1].$and as Record<string, any>[];
    expect([specOf(lo!.age.$gte).firstOperator.value, specOf(lo!.age.$gte).secondOperator.value, specOf(hi!.age.$lte).payloadId.value]).toEqual([2, 4, 0]);
    const cmd = await make().encryptCommand('db', { find: 'people', filter: { $and: [{ age: { $gte: new Int32(23) } }, { age: { $lte: new Int32(35) } }] } });
    resetRangePayloadIdForTesting();
    const expr = await ce.encryptExpression({ $and: [{ age: { $gte: new Int32(23) } }, { age: { $lte: new Int32(35) } }] }, { algorithm: 'Range', queryType: 'range', keyId: k2, contentionFactor: 0, rangeOptions });
    expect(hex((cmd.filter as any).$and)).toBe(hex(expr.$and)); // {$and: [{age: {$gte: P}}, {age: {$lte: S}}]}, as encryptExpression
  });

  it('payloads: a range insert equals ClientEncryption.encrypt Range with the same options and random bytes; a two-sided find equals encryptExpression (payloadId 0)', async () => {
    const rng = randomBytes(4096);
    const cmd = await make(rng).encryptCommand('db', { insert: 'people', documents: [{ age: new Int32(42) }] });
    const ours = (cmd.documents as Record<string, Binary>[])[0]!.age!;
    expect(kind(ours)).toBe(11);
    const explicit = new ClientEncryption({ keyVault, kmsProviders, qeRandomSource: fixedRandomSource(rng) });
    expect(hex(ours)).toBe(hex(await explicit.encrypt(new Int32(42), { algorithm: 'Range', keyId: k2, contentionFactor: 0, rangeOptions })));
    const find = await make().encryptCommand('db', { find: 'people', filter: { age: { $gte: new Int32(20), $lt: new Int32(30) } } });
    resetRangePayloadIdForTesting();
    const expr = await ce.encryptExpression({ $and: [{ age: { $gte: new Int32(20) } }, { age: { $lt: new Int32(30) } }] }, { algorithm: 'Range', queryType: 'range', keyId: k2, contentionFactor: 0, rangeOptions });
    expect(hex((find.filter as Record<string, unknown>).$and)).toBe(hex(expr.$and));
    expect(Object.keys(find)).toEqual(['find', 'filter', 'encryptionInformation']);
  });

  it('JS numbers on a range field are written as its type when exact (a number for double, an integer for long); other types are BSON_TYPE_MISMATCH', () => {
    const c = coll();
    const [m] = collectMarkings(markQeCommand({ insert: 'people', documents: [{ pay: { amount: 3 } }] }, c));
    expect(specOf(m).v._bsontype).toBe('Double');
    expect(() => markQeCommand({ insert: 'people', documents: [{ age: new Long(3) }] }, c)).toThrow(expect.objectContaining({ code: 'BSON_TYPE_MISMATCH' }));
    expect(() => markQeCommand({ find: 'people', filter: { age: { $gt: 'x' } } }, c)).toThrow(expect.objectContaining({ code: 'BSON_TYPE_MISMATCH' }));
  });
});

describe('range encryptedFields: checked by @fle-ts/qe range-option rules, typed SCHEMA_INVALID naming the field', () => {
  const bad = (queries: Record<string, unknown>, bsonType = 'int') => () => parseEncryptedFields(NS, { fields: [{ keyId: k1, path: 'n', bsonType, queries: { queryType: 'range', ...queries } }] });
  it.each([
    ['min > max', { min: new Int32(5), max: new Int32(1) }, 'int', /min must be less than max/],
    ['precision on an int field', { min: new Int32(0), max: new Int32(9), precision: new Int32(1) }, 'int', /precision/],
    ['sparsity 0', { sparsity: new Long(0) }, 'int', /sparsity/],
    ['trimFactor negative', { trimFactor: new Int32(-1) }, 'int', /trimFactor/],
    ['double bounds without precision', { min: new Double(0), max: new Double(1) }, 'double', /precision/],
    ['min of another type', { min: new Long(0), max: new Long(9) }, 'int', /min/],
    ['an unknown option', { sparse: 1 }, 'int', /unknown field 'sparse'/],
    ['no range bsonType', {}, 'string', /bsonType/],
  ])('%s', (_name, queries, bsonType, message) => {
    expect(bad(queries, bsonType)).toThrow(message);
    expect(bad(queries, bsonType)).toThrow(expect.objectContaining({ name: 'FleClientError', code: 'SCHEMA_INVALID' }));
  });
});

describe('commands on a QE collection', () => {
  it('update: q gets find markings, $set / $setOnInsert values and replacements insert markings; $unset passes; encryptionInformation always (libmongocrypt must_omit: update is not eligible to omit it)', async () => {
    const a = make();
    const cmd = await a.encryptCommand('db', {
      update: 'people',
      updates: [
        { q: { ssn: 'a' }, u: { $set: { age: new Int32(3), pay: { amount: 1.25 }, other: 1 }, $setOnInsert: { notes: 'n' }, $unset: { born: '' } } },
        { q: { other: 1 }, u: { ssn: 'b', age: new Int32(9) }, upsert: true },
      ],
    });
    const [u1, u2] = cmd.updates as Record<string, any>[];
    expect(kind(u1!.q.ssn.$eq)).toBe(12);
    expect([kind(u1!.u.$set.age), kind(u1!.u.$set.pay.amount), kind(u1!.u.$setOnInsert.notes)]).toEqual([11, 11, 16]);
    expect(u1!.u.$set.other).toBe(1);
    expect(u1!.u.$unset).toEqual({ born: '' });
    expect([kind(u2!.u.ssn), kind(u2!.u.age), u2!.upsert]).toEqual([11, 11, true]);
    expect(cmd.encryptionInformation).toBeDefined();
    // No encrypted value at all: update and delete still carry it, find does not.
    expect((await a.encryptCommand('db', { update: 'people', updates: [{ q: { other: 1 }, u: { $set: { other: 2 } } }] })).encryptionInformation).toBeDefined();
    expect((await a.encryptCommand('db', { delete: 'people', deletes: [{ q: { other: 1 }, limit: 1 }] })).encryptionInformation).toBeDefined();
    expect((await a.encryptCommand('db', { find: 'people', filter: { other: 1 } })).encryptionInformation).toBeUndefined();
    expect((await a.encryptCommand('db', { count: 'people', query: { other: 1 } })).encryptionInformation).toBeUndefined();
  });

  it('delete, findAndModify, count, distinct and aggregate (leading $match stages): filters marked, range and equality; the stored values decrypt back', async () => {
    const a = make();
    const del = await a.encryptCommand('db', { delete: 'people', deletes: [{ q: { age: { $lte: new Int32(10) } }, limit: 0 }] });
    expect(kind((del.deletes as Record<string, any>[])[0]!.q.age.$lte)).toBe(13);
    const fam = await a.encryptCommand('db', { findAndModify: 'people', query: { ssn: 'x' }, update: { $set: { ssn: 'y' } }, new: true });
    expect([kind((fam.query as any).ssn.$eq), kind((fam.update as any).$set.ssn)]).toEqual([12, 11]);
    expect(await a.decryptDocument({ ssn: (fam.update as any).$set.ssn })).toEqual({ ssn: 'y' });
    const count = await a.encryptCommand('db', { count: 'people', query: { 'pay.amount': { $gt: 2.5 } } });
    expect(kind((count.query as any)['pay.amount'].$gt)).toBe(13);
    expect(count.encryptionInformation).toBeDefined();
    const distinct = await a.encryptCommand('db', { distinct: 'people', key: 'other', query: { ssn: 'q' } });
    expect(kind((distinct.query as any).ssn.$eq)).toBe(12);
    const agg = await a.encryptCommand('db', { aggregate: 'people', pipeline: [{ $match: { ssn: 's' } }, { $match: { age: { $gt: new Int32(1) } } }, { $group: { _id: '$other' } }], cursor: {} });
    const [m1, m2, g] = agg.pipeline as Record<string, any>[];
    expect([kind(m1!.$match.ssn.$eq), kind(m2!.$match.age.$gt)]).toEqual([12, 13]);
    // The two $match stages are one command: payloadIds keep counting.
    expect(g).toEqual({ $group: { _id: '$other' } });
    expect(agg.encryptionInformation).toBeDefined();
  });

  it('create / collMod / createIndexes pass unchanged with no encryptionInformation; explain: the explained command is marked and carries encryptionInformation inside; libmongocrypt\'s bypassed commands come back as they are; bulkWrite markings are refused', async () => {
    const a = make();
    const create = { create: 'people', encryptedFields: efc() };
    expect(await a.encryptCommand('db', create)).toEqual(create);
    expect(await a.encryptCommand('db', { createIndexes: 'people', indexes: [] })).toEqual({ createIndexes: 'people', indexes: [] });
    const explain = await a.encryptCommand('db', { explain: { find: 'people', filter: { ssn: 'a' } }, verbosity: 'queryPlanner' });
    expect(Object.keys(explain)).toEqual(['explain', 'verbosity']);
    expect(Object.keys(explain.explain as object)).toEqual(['find', 'filter', 'encryptionInformation']);
    expect(kind((explain.explain as any).filter.ssn.$eq)).toBe(12);
    for (const bypassed of [{ getMore: new Long(5), collection: 'people' }, { drop: 'people' }, { listIndexes: 'people' }, { ismaster: 1 }]) expect(await a.encryptCommand('db', bypassed)).toBe(bypassed);
    expect(await codeOf(a.encryptCommand('db', { explain: 'people' }))).toBe('FleClientError:INVALID_ARGUMENT');
    expect(await codeOf(a.encryptMarkedCommand(NS, { bulkWrite: 1, ops: [] }))).toBe('FleClientError:INVALID_ARGUMENT');
  });

  it('refusals, each a typed FleClientError', async () => {
    const a = make();
    const q = (filter: Record<string, unknown>) => codeOf(a.encryptCommand('db', { find: 'people', filter }));
    const up = (u: unknown) => codeOf(a.encryptCommand('db', { update: 'people', updates: [{ q: {}, u }] }));
    expect(await up({ $inc: { age: 1 } })).toBe('FleClientError:UNSUPPORTED_UPDATE_OPERATOR');
    expect(await up({ $rename: { ssn: 'x' } })).toBe('FleClientError:UNSUPPORTED_UPDATE_OPERATOR');
    expect(await up({ $push: { 'pay.amount': 1 } })).toBe('FleClientError:UNSUPPORTED_UPDATE_OPERATOR');
    expect(await up({ $unset: { 'pay.amount.x': '' } })).toBe('FleClientError:UNSUPPORTED_UPDATE_OPERATOR');
    expect(await up({ $set: { 'ssn.x': 1 } })).toBe('FleClientError:UNSUPPORTED_UPDATE_OPERATOR');
    expect(await up({ $set: { pay: [{ amount: 1 }] } })).toBe('FleClientError:ARRAY_IN_ENCRYPTED_PATH');
    expect(await up({ $set: { age: 'old' } })).toBe('FleClientError:BSON_TYPE_MISMATCH');
    expect(await up([{ $set: { x: '$ssn' } }])).toBe('FleClientError:UNSUPPORTED_UPDATE_OPERATOR');
    expect(await q({ age: { $gt: new Int32(201) } })).toBe('FleClientError:ENCRYPTED_FIELD_QUERY_NOT_ALLOWED');
    expect(await q({ 'pay.amount': { $lt: Number.NaN } })).toBe('FleClientError:ENCRYPTED_FIELD_QUERY_NOT_ALLOWED');
    expect(await q({ age: { $exists: true } })).toBe('FleClientError:UNSUPPORTED_QUERY_OPERATOR');
    expect(await q({ ssn: { $gte: 'a' } })).toBe('FleClientError:UNSUPPORTED_QUERY_OPERATOR');
    expect(await q({ notes: { $gt: 'a' } })).toBe('FleClientError:ENCRYPTED_FIELD_QUERY_NOT_ALLOWED');
    expect(await q({ pay: { amount: 1 } })).toBe('FleClientError:ENCRYPTED_FIELD_QUERY_NOT_ALLOWED');
    expect(await codeOf(a.encryptCommand('db', { distinct: 'people', key: 'pay.amount' }))).toBe('FleClientError:ENCRYPTED_FIELD_QUERY_NOT_ALLOWED');
    expect(await codeOf(a.encryptCommand('db', { distinct: 'people', key: 'pay' }))).toBe('FleClientError:ENCRYPTED_FIELD_QUERY_NOT_ALLOWED');
    const agg = (pipeline: unknown[]) => codeOf(a.encryptCommand('db', { aggregate: 'people', pipeline, cursor: {} }));
    expect(await agg([{ $project: { x: 1 } }, { $match: { ssn: 'a' } }])).toBe('FleClientError:UNSUPPORTED_QUERY_OPERATOR');
    expect(await agg([{ $group: { _id: '$age' } }])).toBe('FleClientError:UNSUPPORTED_QUERY_OPERATOR');
    expect(await agg([{ $lookup: { from: 'x', localField: 'a', foreignField: 'b', as: 'c' } }])).toBe('FleClientError:UNSUPPORTED_QUERY_OPERATOR');
    expect(await agg([{ $match: { $expr: { $gt: ['$age', 1] } } }])).toBe('FleClientError:UNSUPPORTED_QUERY_OPERATOR');
  });

  it('compactStructuredEncryptionData: compactionTokens per field (range: {ecoc, anchorPaddingToken}) and encryptionInformation (a range field exists); cleanup: cleanupTokens, never encryptionInformation', async () => {
    const a = make();
    const compact = await a.encryptCommand('db', { compactStructuredEncryptionData: 'people' });
    expect(Object.keys(compact)).toEqual(['compactStructuredEncryptionData', 'encryptionInformation', 'compactionTokens']);
    const tokens = compact.compactionTokens as Record<string, any>;
    expect(Object.keys(tokens)).toEqual(['notes', 'born', 'pay.amount', 'age', 'ssn']);
    expect(Object.keys(tokens.age)).toEqual(['ecoc', 'anchorPaddingToken']);
    expect(tokens.ssn.position).toBe(32);
    const cleanup = await a.encryptCommand('db', { cleanupStructuredEncryptionData: 'people' });
    expect(Object.keys(cleanup)).toEqual(['cleanupStructuredEncryptionData', 'cleanupTokens']);
    expect(hex(cleanup.cleanupTokens)).toBe(hex(tokens));
  });
});

describe('property: random documents over equality, range and unindexed fields', () => {
  const value = {
    ssn: fc.string({ maxLength: 12 }),
    age: fc.integer({ min: 0, max: 200 }).map((n) => new Int32(n)),
    amount: fc.integer({ min: 0, max: 100_000_000 }).map((n) => new Double(n / 100)),
    born: fc.integer({ min: -1e12, max: 1e12 }).map((n) => new Date(n)),
    notes: fc.string({ maxLength: 12 }),
  };
  const plain = fc.oneof(fc.string(), fc.integer().map((n) => new Int32(n)), fc.boolean(), fc.constant(null), fc.double({ noNaN: true }).map((d) => new Double(d)), fc.constant(Decimal128.fromString('1.5')));
  const docs = fc.record(
    {
      ssn: value.ssn,
      age: value.age,
      pay: fc.record({ amount: value.amount, currency: fc.constantFrom('EUR', 'USD') }, { requiredKeys: ['currency'] }),
      born: value.born,
      notes: value.notes,
      other: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !k.startsWith('$') && !k.includes('.') && !k.includes('\0')), plain, { maxKeys: 3 }),
      flag: plain,
    },
    { requiredKeys: [] },
  );

  it('every encrypted field of the insert is a payload (11 indexed / range, 16 unindexed), every other value is unchanged byte for byte, and decryptDocument gives the document back', async () => {
    const a = make();
    const paths = ['ssn', 'age', 'pay.amount', 'born', 'notes'];
    const at = (d: Record<string, any>, p: string) => p.split('.').reduce<any>((o, k) => (o === undefined ? undefined : o[k]), d);
    await fc.assert(
      fc.asyncProperty(docs, async (doc) => {
        const cmd = await a.encryptCommand('db', { insert: 'people', documents: [doc] });
        const out = (cmd.documents as Record<string, any>[])[0]!;
        for (const p of paths) {
          const before = at(doc, p);
          if (before === undefined) expect(at(out, p)).toBeUndefined();
          else expect(kind(at(out, p))).toBe(p === 'notes' ? 16 : 11);
        }
        const strip = (d: Record<string, any>) => {
          const { ssn: _s, age: _a, born: _b, notes: _n, ...rest } = d;
          return { ...rest, ...(d.pay ? { pay: { currency: d.pay.currency } } : {}) };
        };
        expect(hex(strip(out))).toBe(hex(strip(doc)));
        expect(hex(await a.decryptDocument(out))).toBe(hex(doc));
        expect(cmd.encryptionInformation !== undefined).toBe(paths.some((p) => p !== 'notes' && at(doc, p) !== undefined));
      }),
      { numRuns: 40 },
    );
  });
});
