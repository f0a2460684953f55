// Queryable Encryption v2 through ClientEncryption / AutoEncrypter with keys from a key vault:
// round trips of every type QE allows, the option rules of the Node driver and libmongocrypt
// (mongocrypt-ctx-encrypt.c explicit_encrypt_init), refused types and payloads, key rounds.
import { bytesToHex } from '@fle-ts/crypto-core';
import { parseInsertUpdatePayloadV2 } from '@fle-ts/qe';
import { Binary, Decimal128, Double, Int32, Long, MinKey, serialize } from 'bson';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { detScalar, randAny } from '../../fle-format/test/arbitraries.js';
import { AutoEncrypter, ClientEncryption, MemoryKeyVault, RANDOM } from '../src/index.js';
import { errorNameAndCode } from './qe-suite.js';

const kmsProviders = { local: { key: new Uint8Array(96).fill(3) } };
const keyVault = new MemoryKeyVault();
const ce = new ClientEncryption({ keyVault, kmsProviders });
const auto = new AutoEncrypter({ keyVault, kmsProviders });
let keyId: Binary;
let indexKeyId: Binary;

beforeAll(async () => {
  keyId = await ce.createDataKey('local', { keyAltNames: ['user'] });
  indexKeyId = await ce.createDataKey('local');
});

const codeOf = errorNameAndCode;

const hex = (v: unknown): string => bytesToHex(serialize({ v }));
const first = (b: Binary): number => b.buffer[0]!;

describe('round trips through ClientEncryption (keys from the vault)', () => {
  it('Unindexed: every type QE allows comes back with its BSON type and bytes, through decrypt and decryptDocument', async () => {
    await fc.assert(
      fc.asyncProperty(randAny, async (v) => {
        const blob = await ce.encrypt(v, { algorithm: 'Unindexed', keyId });
        expect(first(blob)).toBe(16);
        expect(hex(await ce.decrypt(blob))).toBe(hex(v));
        expect(hex((await auto.decryptDocument({ v: blob })).v)).toBe(hex(v));
      }),
      { numRuns: 100 },
    );
  });
  it('Indexed (contention 0..8, optional separate index key): every equality type comes back; the payload names both keys', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(detScalar, fc.boolean()), fc.integer({ min: 0, max: 8 }), fc.boolean(), async (v, cf, separate) => {
        const blob = await ce.encrypt(v, { algorithm: 'Indexed', keyId, contentionFactor: cf, ...(separate ? { indexKeyId } : {}) });
        expect(first(blob)).toBe(11);
        const p = parseInsertUpdatePayloadV2(blob.buffer.subarray(0, blob.position));
        expect(p.contentionFactor <= BigInt(cf)).toBe(true);
        expect(bytesToHex(p.indexKeyId)).toBe(bytesToHex((separate ? indexKeyId : keyId).buffer));
        expect(hex(await ce.decrypt(blob))).toBe(hex(v));
        const bytes = await auto.decryptBson(serialize({ a: { v: blob } }));
        expect(bytesToHex(bytes)).toBe(bytesToHex(serialize({ a: { v } })));
      }),
      { numRuns: 100 },
    );
  });
  it('spellings: algorithm in any case (libmongocrypt), contentionFactor as number, bigint or Long, queryType in any case', async () => {
    for (const [algorithm, contentionFactor] of [['indexed', 2], ['INDEXED', 2n], ['Indexed', Long.fromNumber(2)]] as const) {
      expect(await ce.decrypt(await ce.encrypt('x', { algorithm, keyId, contentionFactor }))).toBe('x');
    }
    const find = await ce.encrypt('x', { algorithm: 'Indexed', keyId, contentionFactor: 2, queryType: 'Equality' });
    expect(first(find)).toBe(12);
    // A find payload is deterministic (no randomness): same bytes every time.
    expect(hex(await ce.encrypt('x', { algorithm: 'Indexed', keyId, contentionFactor: 2, queryType: 'equality' }))).toBe(hex(find));
  });
  it('one document mixing FLE1 and QE values (11, 16; a find payload left alone): one pass, one key fetch', async () => {
    const vault = new MemoryKeyVault((await ce.getKeys()).map((d) => ({ ...d })));
    const finds: unknown[] = [];
    const counting = Object.assign(Object.create(vault) as MemoryKeyVault, { find: (q: never) => (finds.push(q), vault.find(q)) });
    const a = new AutoEncrypter({ keyVault: counting, kmsProviders });
    const find = await ce.encrypt(5, { algorithm: 'Indexed', keyId, contentionFactor: 0, queryType: 'equality' });
    const doc = {
      f: await ce.encrypt('fle1', { keyId: indexKeyId, algorithm: RANDOM }),
      q: [await ce.encrypt(new Int32(7), { algorithm: 'Indexed', keyId, contentionFactor: 1 }), await ce.encrypt({ n: 1 }, { algorithm: 'Unindexed', keyId: indexKeyId })],
      find,
    };
    const out = await a.decryptDocument(doc);
    expect(hex(out)).toBe(hex({ f: 'fle1', q: [new Int32(7), { n: 1 }], find }));
    expect(finds).toHaveLength(1);
    expect(bytesToHex(await a.decryptBson(serialize(doc)))).toBe(bytesToHex(serialize(out)));
    expect(finds).toHaveLength(1); // cached now
  });
});

describe('refused options (Node driver / libmongocrypt rules): typed errors before any key fetch', () => {
  it('option combinations', async () => {
    const ro = { min: new Int32(0), max: new Int32(200), sparsity: 1n, trimFactor: 1 };
    const cases: [Record<string, unknown>, string, RegExp][] = [
      [{ algorithm: 'Unindexed', keyId, queryType: 'equality' }, 'FleClientError:INVALID_ARGUMENT', /query type with no index type/],
      [{ algorithm: 'Unindexed', keyId, contentionFactor: 0 }, 'FleClientError:INVALID_ARGUMENT', /contention factor with no index type/],
      [{ algorithm: 'Indexed', keyId }, 'FleClientError:INVALID_ARGUMENT', /contention factor is required/],
      [{ algorithm: 'Indexed', keyId, contentionFactor: '1' }, 'FleClientError:INVALID_ARGUMENT', /number, bigint or Long/],
      [{ algorithm: RANDOM, keyId, contentionFactor: 0 }, 'FleClientError:INVALID_ARGUMENT', /cannot set both algorithm and contention factor/],
      [{ algorithm: RANDOM, keyId, queryType: 'equality' }, 'FleClientError:INVALID_ARGUMENT', /cannot set both algorithm and query type/],
      [{ algorithm: RANDOM, keyId, indexKeyId }, 'FleClientError:INVALID_ARGUMENT', /cannot set both algorithm and index key id/],
      [{ algorithm: 'Indexed', keyAltName: 'user', contentionFactor: 0 }, 'FleClientError:INVALID_ARGUMENT', /key alt name and index type/],
      [{ algorithm: 'Unindexed', keyAltName: 'user' }, 'FleClientError:INVALID_ARGUMENT', /key alt name and index type/],
      [{ algorithm: 'Indexed', keyId, keyAltName: 'user', contentionFactor: 0 }, 'FleClientError:INVALID_ARGUMENT', /both "keyId" and "keyAltName"/],
      [{ algorithm: 'Indexed', contentionFactor: 0 }, 'FleClientError:INVALID_ARGUMENT', /either "keyId" or "keyAltName"/],
      [{ algorithm: 'Indexed', keyId, contentionFactor: 0, queryType: 'range' }, 'FleClientError:INVALID_ARGUMENT', /query_type \(range\) must match index_type \(equality\)/],
      [{ algorithm: 'Indexed', keyId, contentionFactor: 0, queryType: 'prefix' }, 'FleClientError:INVALID_ARGUMENT', /not supported yet/],
      [{ algorithm: 'Indexed', keyId, contentionFactor: 0, queryType: 'bogus' }, 'FleClientError:INVALID_ARGUMENT', /unsupported queryType/],
      [{ algorithm: 'Range', keyId, contentionFactor: 0 }, 'FleClientError:INVALID_ARGUMENT', /range opts are required for range indexed algorithm/],
      [{ algorithm: 'Range', keyId, rangeOptions: ro }, 'FleClientError:INVALID_ARGUMENT', /contention factor is required for range indexed algorithm/],
      [{ algorithm: 'Range', keyId, contentionFactor: 0, rangeOptions: ro, queryType: 'equality' }, 'FleClientError:INVALID_ARGUMENT', /query_type \(equality\) must match index_type \(range\)/],
      [{ algorithm: 'Range', keyId, contentionFactor: 0, rangeOptions: ro, queryType: 'range' }, 'FleClientError:INVALID_ARGUMENT', /Encrypt may not be used for range queries. Use EncryptExpression/],
      [{ algorithm: 'Range', keyId, contentionFactor: 0, rangeOptions: ro, queryType: 'rangePreview' }, 'FleClientError:INVALID_ARGUMENT', /Query type 'rangePreview' is deprecated, please use 'range'/],
      [{ algorithm: 'Range', keyAltName: 'user', contentionFactor: 0, rangeOptions: ro }, 'FleClientError:INVALID_ARGUMENT', /key alt name and index type/],
      [{ algorithm: 'Indexed', keyId, contentionFactor: 0, rangeOptions: ro }, 'FleClientError:INVALID_ARGUMENT', /cannot set range opts with equality index type/],
      [{ algorithm: 'Unindexed', keyId, rangeOptions: ro }, 'FleClientError:INVALID_ARGUMENT', /cannot set range opts with no index type/],
      [{ algorithm: RANDOM, keyId, rangeOptions: ro }, 'FleClientError:INVALID_ARGUMENT', /cannot set both algorithm and range opts/],
      // rangeOptions through @fle-ts/qe's parseRangeOptions (mc_RangeOpts_parse), before any key fetch.
      [{ algorithm: 'Range', keyId, contentionFactor: 0, rangeOptions: { ...ro, sparsity: 0 } }, 'QeError:BAD_RANGE_OPTIONS', /sparsity must be 1 or larger/],
      [{ algorithm: 'Range', keyId, contentionFactor: 0, rangeOptions: { ...ro, bogus: 1 } }, 'QeError:BAD_RANGE_OPTIONS', /Unrecognized field: 'bogus'/],
      [{ algorithm: 'Range', keyId, contentionFactor: 0, rangeOptions: { ...ro, precision: 2 } }, 'QeError:BAD_RANGE_OPTIONS', /'precision' to be set with double or decimal128 index/],
      [{ algorithm: 'Range', keyId, contentionFactor: 0, rangeOptions: { min: new Int32(0), max: new Long(9) } }, 'QeError:BAD_RANGE_OPTIONS', /'min' and 'max' to be same type/],
      [{ algorithm: 'Range', keyId, contentionFactor: -1, rangeOptions: ro }, 'QeError:BAD_CONTENTION_FACTOR', /non-negative/],
      [{ algorithm: 'RangePreview', keyId, contentionFactor: 0 }, 'FleClientError:INVALID_ARGUMENT', /Algorithm 'RangePreview' is deprecated, please use 'range'/],
      [{ algorithm: 'String', keyId, contentionFactor: 0 }, 'FleClientError:INVALID_ARGUMENT', /not supported yet/],
      [{ algorithm: 'Indexed', keyId, contentionFactor: -1 }, 'QeError:BAD_CONTENTION_FACTOR', /non-negative/],
      [{ algorithm: 'Indexed', keyId, contentionFactor: 2n ** 63n - 1n }, 'QeError:BAD_CONTENTION_FACTOR', /INT64_MAX/],
      [{ algorithm: 'Indexed', keyId, contentionFactor: 1.5 }, 'QeError:BAD_CONTENTION_FACTOR', /integer/],
    ];
    const vault = new MemoryKeyVault(await ce.getKeys());
    let finds = 0;
    const orig = vault.find.bind(vault);
    vault.find = (q) => (finds++, orig(q));
    const c = new ClientEncryption({ keyVault: vault, kmsProviders });
    for (const [options, code, message] of cases) {
      let err: unknown;
      try {
        await c.encrypt('v', options as never);
      } catch (e) {
        err = e;
      }
      expect(`${(err as Error)?.name}:${(err as { code?: string })?.code}`, JSON.stringify(Object.keys(options))).toBe(code);
      expect((err as Error).message).toMatch(message);
    }
    expect(finds).toBe(0);
  });
  it('encryptExpression: only for range queries (libmongocrypt "EncryptExpression may only be used for range queries.")', async () => {
    const expr = { $and: [{ age: { $gte: 1 } }, { age: { $lt: 9 } }] };
    const rangeOptions = { min: new Int32(0), max: new Int32(200) };
    expect(await codeOf(ce.encryptExpression(expr, { algorithm: 'Indexed', keyId, contentionFactor: 0, queryType: 'equality' }))).toBe('FleClientError:INVALID_ARGUMENT');
    await expect(ce.encryptExpression(expr, { algorithm: 'Indexed', keyId, contentionFactor: 0 })).rejects.toThrow(/EncryptExpression may only be used for range queries\./);
    await expect(ce.encryptExpression(expr, { algorithm: 'Range', keyId, contentionFactor: 0, rangeOptions })).rejects.toThrow(/EncryptExpression may only be used for range queries\./);
    await expect(ce.encryptExpression(expr, { algorithm: 'Unindexed', keyId })).rejects.toThrow(/EncryptExpression may only be used for range queries\./);
    await expect(ce.encryptExpression(expr, { algorithm: RANDOM, keyId })).rejects.toThrow(/EncryptExpression may only be used for range queries\./);
    await expect(ce.encryptExpression(expr, { algorithm: 'Range', keyId, contentionFactor: 0, queryType: 'range' })).rejects.toThrow(/range opts are required/);
    await expect(ce.encryptExpression(null as never, { algorithm: 'Range', keyId, contentionFactor: 0, queryType: 'range', rangeOptions })).rejects.toThrow(/expression document/);
    // The expression's shape is qe's (mc_FLE2RangeFindDriverSpec_parse): one or two comparisons on one field.
    const bad = { $and: [{ age: { $gte: new Int32(1) } }, { height: { $lt: new Int32(9) } }] };
    expect(await codeOf(ce.encryptExpression(bad, { algorithm: 'Range', keyId, contentionFactor: 0, queryType: 'range', rangeOptions }))).toBe('QeError:BAD_OPTIONS');
  });
  it('types QE refuses: null, MinKey, an encrypted BinData (both); double, decimal128, document (Indexed)', async () => {
    for (const v of [null, new MinKey(), new Binary(new Uint8Array([16, 1]), 6)]) {
      expect(await codeOf(ce.encrypt(v, { algorithm: 'Unindexed', keyId }))).toBe('QeError:UNSUPPORTED_BSON_TYPE');
      expect(await codeOf(ce.encrypt(v, { algorithm: 'Indexed', keyId, contentionFactor: 0 }))).toBe('QeError:UNSUPPORTED_BSON_TYPE');
    }
    for (const v of [new Double(1.5), Decimal128.fromString('1'), { a: 1 }, [1]]) {
      expect(await codeOf(ce.encrypt(v, { algorithm: 'Indexed', keyId, contentionFactor: 0 }))).toBe('QeError:UNSUPPORTED_BSON_TYPE');
      expect(hex(await ce.decrypt(await ce.encrypt(v, { algorithm: 'Unindexed', keyId })))).toBe(hex(v));
    }
  });
});

describe('refused and tampered values on decrypt', () => {
  it('a truncated payload, a flipped bit, a vault without the key, a find payload: typed errors, nothing decrypted', async () => {
    const blob = await ce.encrypt('secret', { algorithm: 'Unindexed', keyId });
    const bytes = blob.buffer.subarray(0, blob.position);
    expect(await codeOf(ce.decrypt(new Binary(bytes.subarray(0, 20), 6)))).toBe('QeError:MALFORMED_PAYLOAD');
    const flipped = new Uint8Array(bytes);
    flipped[flipped.length - 1]! ^= 1;
    expect(await codeOf(ce.decrypt(new Binary(flipped, 6)))).toBe('FleCryptoError:HMAC_MISMATCH');
    expect(await codeOf(auto.decryptDocument({ v: new Binary(flipped, 6) }))).toBe('FleCryptoError:HMAC_MISMATCH');
    expect(await codeOf(auto.decryptBson(serialize({ v: new Binary(flipped, 6) })))).toBe('FleCryptoError:HMAC_MISMATCH');
    const find = await ce.encrypt('secret', { algorithm: 'Indexed', keyId, contentionFactor: 0, queryType: 'equality' });
    expect(await codeOf(ce.decrypt(find))).toBe('FleClientError:NOT_A_CIPHERTEXT');
    const other = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders });
    expect(await codeOf(other.decrypt(blob))).toBe('KeyVaultError:KEY_NOT_FOUND');
  });
  it('a closed ClientEncryption refuses QE calls with CLOSED', async () => {
    const c = new ClientEncryption({ keyVault, kmsProviders });
    const blob = await c.encrypt('x', { algorithm: 'Unindexed', keyId });
    await c.close();
    expect(await codeOf(c.encrypt('x', { algorithm: 'Unindexed', keyId }))).toBe('FleClientError:CLOSED');
    expect(await codeOf(c.decrypt(blob))).toBe('FleClientError:CLOSED');
  });
  it('qeRandomSource must be a function (tests only; the default is the CSPRNG)', () => {
    expect(() => new ClientEncryption({ keyVault, kmsProviders, qeRandomSource: 5 as never })).toThrow(/qeRandomSource/);
  });
});

describe('automatic QE: AutoEncrypter.encryptCommand with encryptedFieldsMap (insert, find equality)', () => {
  const efc = () => ({
    fields: [
      { keyId, path: 'ssn', bsonType: 'string', queries: { queryType: 'equality', contention: 2 } },
      { keyId: indexKeyId, path: 'info.age', bsonType: 'int', queries: [{ queryType: 'equality' }] },
      { keyId, path: 'notes', bsonType: 'string' },
    ],
  });
  const make = () => new AutoEncrypter({ keyVault, kmsProviders, encryptedFieldsMap: { 'db.people': efc() } });
  // libmongocrypt 1.20 sends the state collection names it defaults (mc-schema-broker.c append_encryptedFields).
  const sent = () => ({ ...efc(), escCollection: 'enxcol_.people.esc', ecocCollection: 'enxcol_.people.ecoc' });

  it('insert: every encrypted field becomes its payload (11 equality, 16 unindexed), nested paths too; encryptionInformation appended; the stored values decrypt back', async () => {
    const a = make();
    const doc = { _id: 1, ssn: '123-45-6789', info: { age: 42, city: 'x' }, notes: 'private', other: true };
    const cmd = await a.encryptCommand('db', { insert: 'people', documents: [doc], ordered: true });
    const d = (cmd.documents as Record<string, unknown>[])[0]!;
    expect(first(d.ssn as Binary)).toBe(11);
    expect(first((d.info as Record<string, unknown>).age as Binary)).toBe(11);
    expect(first(d.notes as Binary)).toBe(16);
    expect(Object.keys(cmd)).toEqual(['insert', 'documents', 'ordered', 'encryptionInformation']);
    expect(cmd.encryptionInformation).toEqual({ type: 1, schema: { 'db.people': sent() } });
    expect(hex(await a.decryptDocument(d))).toBe(hex(doc));
    expect(doc.ssn).toBe('123-45-6789'); // the input is not modified
  });
  it('find: $eq / plain values, $in, $ne, $nin under $and / $or become find payloads (12) equal to explicit encryption with queryType equality', async () => {
    const a = make();
    const cmd = await a.encryptCommand('db', { find: 'people', filter: { $or: [{ ssn: '1' }, { 'info.age': { $in: [1, 2] } }], notes2: 5, ssn: { $ne: '3' } } });
    const f = cmd.filter as Record<string, any>;
    const explicitFind = (v: unknown, cf: number, id: Binary) => ce.encrypt(v, { algorithm: 'Indexed', keyId: id, contentionFactor: cf, queryType: 'equality' });
    expect(hex(f.$or[0].ssn.$eq)).toBe(hex(await explicitFind('1', 2, keyId)));
    expect(hex(f.$or[1]['info.age'].$in[1])).toBe(hex(await explicitFind(2, 8, indexKeyId))); // default contention 8
    expect(hex(f.ssn.$ne)).toBe(hex(await explicitFind('3', 2, keyId)));
    expect(f.notes2).toBe(5);
    expect(cmd.encryptionInformation).toEqual({ type: 1, schema: { 'db.people': sent() } });
    // No encrypted field in the filter: no payload, no encryptionInformation (libmongocrypt omits it).
    expect(await a.encryptCommand('db', { find: 'people', filter: { other: 1 } })).toEqual({ find: 'people', filter: { other: 1 } });
  });
  it('refusals: unindexed field queried, range operators on an equality field, a parent of an encrypted field, an array on the path, a bsonType mismatch, other commands, rangePreview fields, a namespace in both maps', async () => {
    const a = make();
    const code = (p: Promise<unknown>) => codeOf(p);
    expect(await code(a.encryptCommand('db', { find: 'people', filter: { notes: 'x' } }))).toBe('FleClientError:ENCRYPTED_FIELD_QUERY_NOT_ALLOWED');
    expect(await code(a.encryptCommand('db', { find: 'people', filter: { ssn: { $gt: 'a' } } }))).toBe('FleClientError:UNSUPPORTED_QUERY_OPERATOR');
    expect(await code(a.encryptCommand('db', { find: 'people', filter: { info: { age: 1 } } }))).toBe('FleClientError:ENCRYPTED_FIELD_QUERY_NOT_ALLOWED');
    expect(await code(a.encryptCommand('db', { find: 'people', filter: { $expr: { $eq: ['$ssn', 'a'] } } }))).toBe('FleClientError:UNSUPPORTED_QUERY_OPERATOR');
    expect(await code(a.encryptCommand('db', { insert: 'people', documents: [{ info: [{ age: 1 }] }] }))).toBe('FleClientError:ARRAY_IN_ENCRYPTED_PATH');
    expect(await code(a.encryptCommand('db', { insert: 'people', documents: [{ ssn: 5 }] }))).toBe('FleClientError:BSON_TYPE_MISMATCH');
    expect(await code(a.encryptCommand('db', { mapReduce: 'people', map: 'f' }))).toBe('FleClientError:INVALID_ARGUMENT');
    expect(await code(a.encryptCommand('db', { insert: 'people', documents: [{ ssn: null }] }))).toBe('FleClientError:BSON_TYPE_MISMATCH');
    const preview = { fields: [{ keyId, path: 'n', bsonType: 'int', queries: { queryType: 'rangePreview' } }] };
    expect(() => new AutoEncrypter({ keyVault, kmsProviders, encryptedFieldsMap: { 'db.c': preview } })).toThrow(/rangePreview/);
    expect(() => new AutoEncrypter({ keyVault, kmsProviders, encryptedFieldsMap: { 'db.c': { fields: [{ keyAltName: 'x', path: 'a' }] } } })).toThrow(/UUID/);
    expect(() => new AutoEncrypter({ keyVault, kmsProviders, schemaMap: { 'db.c': {} }, encryptedFieldsMap: { 'db.c': { fields: [] } } })).toThrow(/both/);
    // A collection in neither map: unchanged.
    const plain = { insert: 'other', documents: [{ ssn: 'x' }] };
    expect(await a.encryptCommand('db', plain)).toBe(plain);
  });
  it('encryptMarkedCommand: markings from elsewhere (mongocryptd, crypt_shared) in document order; encryptionInformation dropped when only unindexed values remain', async () => {
    const a = make();
    const marked = await a.encryptCommand('db', { insert: 'people', documents: [{ notes: 'n' }] });
    expect(first((marked.documents as Record<string, Binary>[])[0]!.notes!)).toBe(16);
    expect(marked.encryptionInformation).toBeUndefined();
    expect(await codeOf(a.encryptMarkedCommand('db.nope', {}))).toBe('FleClientError:INVALID_ARGUMENT');
  });
  it('CSFLE namespaces (schemaMap) go through encryptDocument / encryptFilter', async () => {
    const a = new AutoEncrypter({
      keyVault,
      kmsProviders,
      schemaMap: { 'db.fle1': { bsonType: 'object', properties: { ssn: { encrypt: { keyId: [keyId], bsonType: 'string', algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' } } } } },
    });
    const ins = await a.encryptCommand('db', { insert: 'fle1', documents: [{ ssn: 'a' }] });
    expect(first((ins.documents as Record<string, Binary>[])[0]!.ssn!)).toBe(1);
    const find = await a.encryptCommand('db', { find: 'fle1', filter: { ssn: 'a' } });
    expect(hex((find.filter as Record<string, any>).ssn.$eq)).toBe(hex((ins.documents as Record<string, Binary>[])[0]!.ssn));
  });
});

describe('automatic QE: nesting', () => {
  it('a command nested past MAX_NESTING_DEPTH: NESTING_TOO_DEEP, not a stack overflow', async () => {
    const a = new AutoEncrypter({ keyVault, kmsProviders, encryptedFieldsMap: { 'db.c': { fields: [] } } });
    let deep: Record<string, unknown> = { x: 1 };
    for (let i = 0; i < 300; i++) deep = { d: deep };
    expect(await codeOf(a.encryptMarkedCommand('db.c', { insert: 'c', documents: [deep] }))).toBe('FleClientError:NESTING_TOO_DEEP');
  });
});
