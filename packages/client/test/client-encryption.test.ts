// ClientEncryption and AutoEncrypter wired to keyvault + fle-format: the Node driver API surface
// (fle1-spec.md §6), argument errors, lower-layer errors passing through with their own codes,
// BSON types kept on decrypt, and the one-batched-key-fetch rule of automatic decryption.
import { Binary, deserialize, Double, Int32, Long, serialize, UUID } from 'bson';
import { describe, expect, it } from 'vitest';
import { AutoEncrypter, ClientEncryption, FleClientError, FleError, MemoryKeyVault, type KeyQuery, type KeyVault } from '../src/index.js';
import './binary-equality.js';

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RAND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
const master = new Uint8Array(96).fill(3);
const kmsProviders = { local: { key: master } };

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    expect(e).toBeInstanceOf(FleError);
    return (e as FleError).code;
  }
  return undefined;
}

/** A key vault that counts find calls, to check batching. */
class CountingVault extends MemoryKeyVault {
  finds = 0;
  override async find(query: KeyQuery) {
    this.finds++;
    return super.find(query);
  }
}

describe('ClientEncryption: explicit encryption (NODE client_encryption.ts)', () => {
  it('createDataKey returns a UUID; encrypt by id and by alt name give the same deterministic blob', async () => {
    const ce = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders });
    const keyId = await ce.createDataKey('local', { keyAltNames: ['alice'] });
    expect(keyId.sub_type).toBe(4);
    const a = await ce.encrypt('123-45-6789', { keyId, algorithm: DET });
    const b = await ce.encrypt('123-45-6789', { keyAltName: 'alice', algorithm: DET });
    expect(a.sub_type).toBe(6);
    expect(a).toEqual(b);
    expect(await ce.decrypt(a)).toBe('123-45-6789');
    const r = await ce.encrypt('x', { keyAltName: 'alice', algorithm: RAND });
    expect(r.buffer[0]).toBe(2);
    expect(await ce.decrypt(r)).toBe('x');
  });

  it('decrypt keeps BSON types: Int64 stays Long, Int32 stays Int32, Double stays Double, UUID stays subtype 4', async () => {
    const ce = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders });
    const keyId = await ce.createDataKey('local');
    const uuid = new UUID();
    for (const v of [new Long(5), new Int32(5), new Double(5)]) {
      const out = await ce.decrypt(await ce.encrypt(v, { keyId, algorithm: RAND }));
      expect(out).toEqual(v);
      expect((out as { _bsontype: string })._bsontype).toBe(v._bsontype);
    }
    const out = (await ce.decrypt(await ce.encrypt(uuid, { keyId, algorithm: DET }))) as Binary;
    expect(out.sub_type).toBe(4);
    expect(out.toString('hex')).toBe(uuid.toHexString(false));
  });

  it('issue 18: with the key cached, encrypt and decrypt skip the vault (sync fast path); the same bytes and values; a deleted key or a changed alt name still goes back to the vault', async () => {
    const vault = new CountingVault();
    const ce = new ClientEncryption({ keyVault: vault, kmsProviders });
    const keyId = await ce.createDataKey('local', { keyAltNames: ['alice'] });
    const first = await ce.encrypt('v', { keyId, algorithm: DET });
    const finds = vault.finds;
    for (let i = 0; i < 3; i++) {
      expect(await ce.encrypt('v', { keyId, algorithm: DET })).toEqual(first);
      expect(await ce.encrypt('v', { keyAltName: 'alice', algorithm: DET })).toEqual(first);
      expect(await ce.decrypt(first)).toBe('v');
      expect(await ce.decrypt(await ce.encrypt(new Int32(7), { keyId, algorithm: RAND }))).toEqual(new Int32(7));
    }
    // keyAltName resolved once; every later call is served from the broker's cache.
    expect(vault.finds - finds).toBeLessThanOrEqual(1);
    await ce.removeKeyAltName(keyId, 'alice');
    expect(await codeOf(ce.encrypt('v', { keyAltName: 'alice', algorithm: DET }))).toBe('KEY_NOT_FOUND');
    await ce.deleteKey(keyId);
    expect(await codeOf(ce.decrypt(first))).toBe('KEY_NOT_FOUND');
    expect(await codeOf(ce.encrypt('v', { keyId, algorithm: DET }))).toBe('KEY_NOT_FOUND');
    // A non-UUID keyId is refused exactly as before: the broker's INVALID_ARGUMENT.
    expect(await codeOf(ce.encrypt('v', { keyId: new Binary(new Uint8Array(16), 0), algorithm: DET }))).toBe('INVALID_ARGUMENT');
    await ce.close();
    expect(await codeOf(ce.decrypt(first))).toBe('CLOSED');
  });
  it('key management: getKey, getKeys, getKeyByAltName, addKeyAltName, removeKeyAltName, deleteKey', async () => {
    const ce = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders });
    const id = await ce.createDataKey('local', { keyAltNames: ['a'] });
    const id2 = await ce.createDataKey('local');
    expect((await ce.getKey(id))?._id).toEqual(id);
    expect(await ce.getKey(new Binary(new Uint8Array(16), 4))).toBeNull();
    expect((await ce.getKeys()).map((d) => d._id)).toEqual([id, id2]);
    expect((await ce.getKeyByAltName('a'))?._id).toEqual(id);
    expect(await ce.getKeyByAltName('nope')).toBeNull();
    expect((await ce.addKeyAltName(id, 'b'))?.keyAltNames).toEqual(['a']); // document before the change
    expect((await ce.getKeyByAltName('b'))?._id).toEqual(id);
    await ce.encrypt('v', { keyAltName: 'b', algorithm: DET });
    expect((await ce.removeKeyAltName(id, 'b'))?.keyAltNames).toEqual(['a', 'b']);
    expect(await codeOf(ce.encrypt('v', { keyAltName: 'b', algorithm: DET }))).toBe('KEY_NOT_FOUND');
    expect(await ce.deleteKey(id2)).toEqual({ deletedCount: 1 });
    expect(await ce.deleteKey(id2)).toEqual({ deletedCount: 0 });
    expect(await ce.getKeys()).toHaveLength(1);
  });

  it('rewrapManyDataKey re-wraps under a new master key; old ciphertexts still decrypt', async () => {
    const keyVault = new MemoryKeyVault();
    const ce = new ClientEncryption({ keyVault, kmsProviders });
    const id = await ce.createDataKey('local');
    const blob = await ce.encrypt('kept', { keyId: id, algorithm: RAND });
    const before = (await ce.getKey(id))?.keyMaterial;
    const result = await ce.rewrapManyDataKey({});
    expect(result.bulkWriteResult).toEqual({ insertedCount: 0, matchedCount: 1, modifiedCount: 1, deletedCount: 0, upsertedCount: 0, upsertedIds: {} });
    expect((await ce.getKey(id))?.keyMaterial).not.toEqual(before);
    expect(await new ClientEncryption({ keyVault, kmsProviders }).decrypt(blob)).toBe('kept');
    expect((await ce.rewrapManyDataKey({ keyAltNames: 'none' })).bulkWriteResult).toBeUndefined();
  });

  it('INVALID_ARGUMENT: both keyId and keyAltName, neither, a non-string alt name, a bad algorithm, a non-Binary keyId, bad options', async () => {
    const ce = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders });
    const keyId = await ce.createDataKey('local', { keyAltNames: ['k'] });
    expect(await codeOf(ce.encrypt('v', { keyId, keyAltName: 'k', algorithm: DET }))).toBe('INVALID_ARGUMENT');
    await expect(ce.encrypt('v', { keyId, keyAltName: 'k', algorithm: DET })).rejects.toThrow(/both "keyId" and "keyAltName"/);
    expect(await codeOf(ce.encrypt('v', { algorithm: DET }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(ce.encrypt('v', { keyAltName: 5 as never, algorithm: DET }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(ce.encrypt('v', { keyId, algorithm: 'Indexed' }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(ce.encrypt('v', { keyId: 'abc' as never, algorithm: DET }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => new ClientEncryption({ keyVault: {} as KeyVault, kmsProviders }))).toBe('INVALID_ARGUMENT');
    expect(await codeOf(() => new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders: undefined as never }))).toBe('INVALID_ARGUMENT');
  });

  it('NOT_A_CIPHERTEXT: decrypt of a non-subtype-6 value, an empty BinData 6, a marking', async () => {
    const ce = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders });
    expect(await codeOf(ce.decrypt(new Binary(new Uint8Array(90), 0)))).toBe('NOT_A_CIPHERTEXT');
    expect(await codeOf(ce.decrypt('x' as never))).toBe('NOT_A_CIPHERTEXT');
    expect(await codeOf(ce.decrypt(new Binary(new Uint8Array(0), 6)))).toBe('NOT_A_CIPHERTEXT');
    expect(await codeOf(ce.decrypt(new Binary(new Uint8Array([0, 1, 2]), 6)))).toBe('NOT_A_CIPHERTEXT');
  });

  it('lower-layer errors pass through with their own codes', async () => {
    const ce = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders });
    const keyId = await ce.createDataKey('local');
    expect(await codeOf(ce.encrypt(1.5, { keyId, algorithm: DET }))).toBe('FORBIDDEN_BSON_TYPE');
    expect(await codeOf(ce.encrypt(null, { keyId, algorithm: RAND }))).toBe('FORBIDDEN_BSON_TYPE');
    expect(await codeOf(ce.encrypt('v', { keyAltName: 'missing', algorithm: DET }))).toBe('KEY_NOT_FOUND');
    const blob = await ce.encrypt('v', { keyId, algorithm: DET });
    const tampered = new Binary(Uint8Array.from(blob.buffer.subarray(0, blob.position)), 6);
    tampered.buffer[30] = (tampered.buffer[30] as number) ^ 1;
    expect(await codeOf(ce.decrypt(tampered))).toBe('HMAC_MISMATCH');
    expect(await codeOf(ce.createDataKey('aws', { masterKey: { provider: 'aws', region: 'us-east-1', key: 'arn:aws:kms:us-east-1:1:key/x' } }))).toBe('KMS_PROVIDER_NOT_CONFIGURED');
  });
});

describe('AutoEncrypter wiring', () => {
  it('SCHEMA_INVALID from the constructor names the namespace and the path', async () => {
    const make = () => new AutoEncrypter({ keyVault: new MemoryKeyVault(), kmsProviders, schemaMap: { 'db.c': { properties: { a: { encrypt: { keyId: 'x', algorithm: RAND } } } } } });
    expect(make).toThrow(FleClientError);
    expect(make).toThrow(/schemaMap\['db\.c'\].*properties\.a\.encrypt\.keyId/);
    expect(await codeOf(make)).toBe('SCHEMA_INVALID');
    expect(await codeOf(() => new AutoEncrypter({ keyVault: new MemoryKeyVault(), kmsProviders, schemaMap: { nodot: {} } }))).toBe('INVALID_ARGUMENT');
  });

  it('encryptUpdate through the public API: $set encrypted, pipeline refused', async () => {
    const keyVault = new MemoryKeyVault();
    const keyId = await new ClientEncryption({ keyVault, kmsProviders }).createDataKey('local');
    const schema = { bsonType: 'object', properties: { ssn: { encrypt: { keyId: [keyId], algorithm: DET, bsonType: 'string' } } } };
    const auto = new AutoEncrypter({ keyVault, kmsProviders, schemaMap: { 'db.c': schema } });
    const u = await auto.encryptUpdate('db.c', { $set: { ssn: '1' } });
    const f = await auto.encryptFilter('db.c', { ssn: '1' });
    expect((u.$set as { ssn: Binary }).ssn).toEqual((f.ssn as { $eq: Binary }).$eq);
    expect(await codeOf(auto.encryptUpdate('db.c', [{ $set: { ssn: '1' } }]))).toBe('UNSUPPORTED_UPDATE_OPERATOR');
  });

  it('a namespace without a schema passes documents, filters and updates through', async () => {
    const auto = new AutoEncrypter({ keyVault: new MemoryKeyVault(), kmsProviders, schemaMap: {} });
    const doc = { a: 1 };
    expect(await auto.encryptDocument('db.other', doc)).toBe(doc);
    expect(await auto.encryptFilter('db.other', doc)).toBe(doc);
    expect(await auto.encryptUpdate('db.other', { $inc: { a: 1 } })).toEqual({ $inc: { a: 1 } });
  });

  it('decryptDocument of 1500 fields under 1500 keys makes ONE key-vault lookup (bulk-decrypt benchmark shape)', async () => {
    const keyVault = new CountingVault();
    const ce = new ClientEncryption({ keyVault, kmsProviders });
    const doc: Record<string, unknown> = {};
    const ids: Binary[] = [];
    for (let i = 0; i < 1500; i++) ids.push(await ce.createDataKey('local'));
    for (let i = 0; i < 1500; i++) doc[`f${i}`] = await ce.encrypt(`value ${i}`, { keyId: ids[i] as Binary, algorithm: DET });
    const auto = new AutoEncrypter({ keyVault, kmsProviders });
    keyVault.finds = 0;
    const out = await auto.decryptDocument(doc);
    expect(keyVault.finds).toBe(1);
    expect(out.f0).toBe('value 0');
    expect(out.f1499).toBe('value 1499');
    keyVault.finds = 0;
    await auto.decryptDocument(doc); // cached now
    expect(keyVault.finds).toBe(0);
  });

  it('decryptBson of the same 1500-field document: ONE key-vault lookup, and the BSON of decryptDocument', async () => {
    const keyVault = new CountingVault();
    const ce = new ClientEncryption({ keyVault, kmsProviders });
    const doc: Record<string, unknown> = { plain: 1, nested: { arr: [] as unknown[] } };
    const ids: Binary[] = [];
    for (let i = 0; i < 1500; i++) ids.push(await ce.createDataKey('local'));
    for (let i = 0; i < 1500; i++) doc[`f${i}`] = await ce.encrypt(`value ${i}`, { keyId: ids[i] as Binary, algorithm: i % 2 ? DET : RAND });
    (doc.nested as { arr: unknown[] }).arr.push(await ce.encrypt(new Long(7), { keyId: ids[0] as Binary, algorithm: DET }));
    const auto = new AutoEncrypter({ keyVault, kmsProviders });
    keyVault.finds = 0;
    const out = await auto.decryptBson(serialize(doc));
    expect(keyVault.finds).toBe(1);
    expect(Buffer.from(out).equals(Buffer.from(serialize(await auto.decryptDocument(doc))))).toBe(true);
    const plainDoc = { plain: 1, nested: { arr: [new Long(7)] }, ...Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`f${i}`, `value ${i}`])) };
    expect(Buffer.from(out).equals(Buffer.from(serialize(plainDoc)))).toBe(true);
    const none = serialize({ a: 1 });
    expect(await auto.decryptBson(none)).toBe(none);
  });

  it('decryptBson: a missing key is KEY_NOT_FOUND, a tampered blob HMAC_MISMATCH, bad bytes MALFORMED_BSON', async () => {
    const keyVault = new MemoryKeyVault();
    const ce = new ClientEncryption({ keyVault, kmsProviders });
    const bytes = serialize({ a: await ce.encrypt('v', { keyId: await ce.createDataKey('local'), algorithm: DET }) });
    const stranger = new AutoEncrypter({ keyVault: new MemoryKeyVault(), kmsProviders });
    expect(await codeOf(stranger.decryptBson(bytes))).toBe('KEY_NOT_FOUND');
    const auto = new AutoEncrypter({ keyVault, kmsProviders });
    const tampered = Uint8Array.from(bytes); // serialize gives a Buffer, whose slice() is a view
    tampered[tampered.length - 3]! ^= 1;
    expect(await codeOf(auto.decryptBson(tampered))).toBe('HMAC_MISMATCH');
    expect(await codeOf(auto.decryptBson(bytes.subarray(1)))).toBe('MALFORMED_BSON');
    expect(deserialize(await auto.decryptBson(bytes))).toEqual({ a: 'v' });
  });

  it('a missing key in decryptDocument fails with KEY_NOT_FOUND and nothing half-decrypted is returned', async () => {
    const other = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders });
    const blob = await other.encrypt('v', { keyId: await other.createDataKey('local'), algorithm: DET });
    const auto = new AutoEncrypter({ keyVault: new MemoryKeyVault(), kmsProviders });
    expect(await codeOf(auto.decryptDocument({ a: blob }))).toBe('KEY_NOT_FOUND');
  });
});
