// Issue 18's cached-key fast paths of automatic decryption (decryptBsonCached, decryptDocumentCached):
// with every key cached they must give exactly what the gather-fetch-decrypt path gives, and in
// every other case (a key not cached, a Queryable Encryption value, any error) step aside so the
// full path runs with its own key fetches and its own error order.
import { Binary, deserialize, Double, Int32, Long, serialize } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AeadKey, bytesToHex } from '@fle-ts/crypto-core';
import { encryptValue } from '@fle-ts/fle-format';
import { BrokerCipherSource, makeKeyBroker } from '../src/broker-cipher.js';
import { decryptBsonCached, decryptBsonWith, decryptDocumentCached, decryptDocumentWith } from '../src/decrypt-document.js';
import { AutoEncrypter, ClientEncryption, MemoryKeyVault, type KeyQuery } from '../src/index.js';
import { buildLocalKeyDocuments } from './key-support.js';

const MASTER = new Uint8Array(96).fill(0x42);
const built = buildLocalKeyDocuments(MASTER, 2);
// The data keys of key-support.ts: material fill(i * 7) for key i.
const keys = [new AeadKey(new Uint8Array(96).fill(7)), new AeadKey(new Uint8Array(96).fill(14))];
const ids = built.ids.map((b) => b.buffer.subarray(0, 16));

class CountingVault extends MemoryKeyVault {
  finds = 0;
  override async find(query: KeyQuery) {
    this.finds++;
    return super.find(query);
  }
}

function source(): { src: BrokerCipherSource; vault: CountingVault } {
  const vault = new CountingVault(built.docs);
  return { src: new BrokerCipherSource(makeKeyBroker({ keyVault: vault, kmsProviders: { local: { key: MASTER } } })), vault };
}

const blob = (v: unknown, k: number, det: boolean) => encryptValue(keys[k]!, ids[k]!, det ? 'deterministic' : 'random', v);

/** A document of clear and encrypted values (two keys, both algorithms), nested in documents and arrays. */
const leaf = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer().map((n) => new Int32(n | 0)),
  fc.double({ noNaN: true }).map((d) => new Double(d)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => Long.fromBigInt(n)),
  fc.boolean(),
);
const encrypted = fc.tuple(fc.oneof(fc.string({ maxLength: 30 }), fc.integer().map((n) => new Int32(n | 0))), fc.integer({ min: 0, max: 1 }), fc.boolean()).map(([v, k, det]) => blob(v, k, det));
const docArb = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, leaf, encrypted, tie('doc'), fc.array(tie('value'), { maxLength: 4 })),
  doc: fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).filter((k) => !k.includes('\0') && !k.startsWith('$')), tie('value'), { maxKeys: 6 }),
})).doc as fc.Arbitrary<Record<string, unknown>>;

describe('cached-key fast paths against the full path', () => {
  it('property: with the keys cached, decryptBsonCached and decryptDocumentCached give the full path\'s result, without a key-vault find', async () => {
    const { src, vault } = source();
    await decryptBsonWith(src, serialize({ a: blob('warm', 0, true), b: blob('warm', 1, false) })); // caches both keys
    const finds = vault.finds;
    await fc.assert(
      fc.asyncProperty(docArb, async (doc) => {
        const bytes = serialize(doc);
        const fast = decryptBsonCached(src, bytes);
        const full = await decryptBsonWith(src, bytes);
        expect(fast).toBeDefined();
        expect(bytesToHex(fast!)).toBe(bytesToHex(full));
        const parsed = deserialize(bytes, { promoteValues: false });
        const fastDoc = decryptDocumentCached(src, parsed);
        const fullDoc = await decryptDocumentWith(src, parsed);
        expect(fastDoc).toBeDefined();
        expect(bytesToHex(serialize(fastDoc!))).toBe(bytesToHex(serialize(fullDoc)));
      }),
      { numRuns: 150 },
    );
    expect(vault.finds).toBe(finds); // everything came from the cache
  });

  it('a document without ciphertexts comes back as the same object / bytes, as from the full path', async () => {
    const { src } = source();
    const bytes = serialize({ a: 1, b: { c: 'x' } });
    expect(decryptBsonCached(src, bytes)).toBe(bytes);
    const doc = { a: 1 };
    expect(decryptDocumentCached(src, doc)).toBe(doc);
  });

  it('a key not cached: the fast paths step aside (undefined) and fetch nothing; AutoEncrypter then fetches it once', async () => {
    const { src, vault } = source();
    const bytes = serialize({ a: blob('x', 0, true) });
    expect(decryptBsonCached(src, bytes)).toBeUndefined();
    expect(decryptDocumentCached(src, deserialize(bytes))).toBeUndefined();
    expect(vault.finds).toBe(0);
    const auto = new AutoEncrypter({ keyVault: vault, kmsProviders: { local: { key: MASTER } } });
    expect(deserialize(await auto.decryptBson(bytes))).toEqual({ a: 'x' });
    expect(vault.finds).toBe(1);
    expect(deserialize(await auto.decryptBson(bytes))).toEqual({ a: 'x' }); // cached now: the fast path
    expect(await auto.decryptDocument(deserialize(bytes))).toEqual({ a: 'x' });
    expect(vault.finds).toBe(1);
  });

  it('a Queryable Encryption value sends the reply to the full path even with its key cached', async () => {
    const vault = new MemoryKeyVault();
    const options = { keyVault: vault, kmsProviders: { local: { key: MASTER } } };
    const ce = new ClientEncryption(options);
    const keyId = await ce.createDataKey('local');
    const qe = await ce.encrypt('q', { algorithm: 'Unindexed', keyId });
    const fle = await ce.encrypt('f', { algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random', keyId });
    const src = new BrokerCipherSource(makeKeyBroker(options));
    await decryptBsonWith(src, serialize({ fle })); // the key is cached
    expect(decryptBsonCached(src, serialize({ fle }))).toBeDefined();
    expect(decryptBsonCached(src, serialize({ fle, qe }))).toBeUndefined();
    expect(decryptDocumentCached(src, { fle, qe })).toBeUndefined();
    const auto = new AutoEncrypter(options);
    expect(deserialize(await auto.decryptBson(serialize({ fle, qe })))).toEqual({ fle: 'f', qe: 'q' });
    expect(await auto.decryptDocument({ fle, qe })).toEqual({ fle: 'f', qe: 'q' });
  });

  it('errors keep the full path\'s order: a tampered blob before a truncated one is still BLOB_TOO_SHORT (keys are gathered first)', async () => {
    const { src } = source();
    await decryptBsonWith(src, serialize({ a: blob('warm', 0, true) }));
    const bad = new Uint8Array(blob('x', 0, true).buffer);
    bad[40]! ^= 1;
    const short = new Binary(new Uint8Array(blob('y', 0, true).buffer.subarray(0, 40)), 6);
    const bytes = serialize({ a: new Binary(bad, 6), b: short });
    expect(decryptBsonCached(src, bytes)).toBeUndefined();
    await expect(decryptBsonWith(src, bytes)).rejects.toMatchObject({ code: 'BLOB_TOO_SHORT' });
    const auto = new AutoEncrypter({ keyVault: new MemoryKeyVault(built.docs), kmsProviders: { local: { key: MASTER } } });
    await auto.decryptBson(serialize({ a: blob('warm', 0, true) }));
    await expect(auto.decryptBson(bytes)).rejects.toMatchObject({ code: 'BLOB_TOO_SHORT' });
    await expect(auto.decryptDocument(deserialize(bytes))).rejects.toMatchObject({ code: 'BLOB_TOO_SHORT' });
    // Only a tampered blob: HMAC_MISMATCH either way.
    await expect(auto.decryptBson(serialize({ a: new Binary(bad, 6) }))).rejects.toMatchObject({ code: 'HMAC_MISMATCH' });
  });

  it('nesting past MAX_NESTING_DEPTH is NESTING_TOO_DEEP through the cached pass too', async () => {
    const { src } = source();
    await decryptBsonWith(src, serialize({ a: blob('warm', 0, true) }));
    let doc: Record<string, unknown> = { v: blob('deep', 0, true) };
    for (let i = 0; i < 300; i++) doc = { d: doc };
    expect(decryptDocumentCached(src, doc)).toBeUndefined();
    await expect(decryptDocumentWith(src, doc)).rejects.toMatchObject({ code: 'NESTING_TOO_DEEP' });
  });
});
