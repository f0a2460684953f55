// Interoperability with libmongocrypt 1.7.2 (../shared/tools/mcoracle) through the public API, in
// both directions, with a data key fle-ts creates and one libmongocrypt creates: its deterministic
// ciphertexts equal ours byte for byte, it decrypts ours (explicit and AutoEncrypter output), we
// decrypt its ciphertexts.
import { Binary, BSONRegExp, Code, Decimal128, Double, EJSON, Int32, Long, ObjectId, Timestamp } from 'bson';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeOracle, runOracle, tempFile } from '../../../scripts/test-support/mcoracle.js';
import { AutoEncrypter, ClientEncryption, MemoryKeyVault } from '../src/index.js';

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RAND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';

const DET_VALUES: unknown[] = [
  'hello', '', 'ünïcødé ✓', 'x'.repeat(1000), new Int32(-7), new Long(1234567890123n), new ObjectId('0123456789abcdef01234567'),
  new Date(1700000000000), new BSONRegExp('^a.*b$', 'i'), new Code('function () { return 1; }'), new Timestamp({ t: 5, i: 7 }),
  new Binary(new Uint8Array([1, 2, 3]), 0), new Binary(new Uint8Array(16).fill(9), 4),
];
const RAND_ONLY: unknown[] = [new Double(1.5), new Decimal128('1.25'), true, { a: 'b', n: new Int32(1) }, ['x', new Int32(2)], new Code('x', { y: new Int32(1) })];

function toRelaxedFalse(values: unknown[]): string {
  return EJSON.stringify(values.map((v) => ({ v })), { relaxed: false });
}
function parseOracle(out: string): { v?: unknown; error?: string }[] {
  return EJSON.parse(out, { relaxed: false }) as { v?: unknown; error?: string }[];
}
function bytes(b: Binary): Uint8Array {
  return b.buffer.subarray(0, b.position);
}

describeOracle('interop with libmongocrypt (mcoracle)', () => {
  const master = globalThis.crypto.getRandomValues(new Uint8Array(96));
  const masterB64 = btoa(String.fromCharCode(...master));
  let keyVault: MemoryKeyVault;
  let ce: ClientEncryption;
  let ourKeyId: Binary;
  let theirKeyId: Binary;
  let keysFile: string;

  beforeAll(async () => {
    // One key made by libmongocrypt, one by fle-ts, in one key vault both sides read.
    const theirs = EJSON.parse(runOracle(['datakey', '--master', masterB64, '--alt', 'theirs']), { relaxed: false }) as { _id: Binary };
    theirKeyId = theirs._id;
    keyVault = new MemoryKeyVault([theirs]);
    ce = new ClientEncryption({ keyVault, kmsProviders: { local: { key: master } } });
    ourKeyId = await ce.createDataKey('local', { keyAltNames: ['ours'] });
    const docs = [await ce.getKey(theirKeyId), await ce.getKey(ourKeyId)];
    keysFile = tempFile('keys.json', EJSON.stringify(docs, { relaxed: false }));
  });

  function oracleEncrypt(values: unknown[], algorithm: string, key: { id?: Binary; alt?: string }): { v?: unknown; error?: string }[] {
    const sel = key.id ? ['--key-id', key.id.toString('base64')] : ['--alt', key.alt as string];
    return parseOracle(runOracle(['encrypt', '--master', masterB64, '--keys', keysFile, '--algorithm', algorithm, ...sel, '--values', tempFile('values.json', toRelaxedFalse(values))]));
  }
  function oracleDecrypt(blobs: unknown[]): unknown[] {
    return parseOracle(runOracle(['decrypt', '--master', masterB64, '--keys', keysFile, '--values', tempFile('blobs.json', toRelaxedFalse(blobs))])).map((r) => {
      if (r.error) throw new Error(`mcoracle: ${r.error}`);
      return r.v;
    });
  }

  for (const which of ['ours', 'theirs'] as const) {
    describe(`data key created by ${which === 'ours' ? 'fle-ts' : 'libmongocrypt'}`, () => {
      it('deterministic: libmongocrypt output equals ours byte for byte (by id and by alt name)', async () => {
        const id = which === 'ours' ? ourKeyId : theirKeyId;
        const theirsById = oracleEncrypt(DET_VALUES, DET, { id });
        const theirsByAlt = oracleEncrypt(DET_VALUES, DET, { alt: which });
        for (let i = 0; i < DET_VALUES.length; i++) {
          const mine = await ce.encrypt(DET_VALUES[i], { keyId: id, algorithm: DET });
          const mineAlt = await ce.encrypt(DET_VALUES[i], { keyAltName: which, algorithm: DET });
          expect(bytes(theirsById[i]?.v as Binary), `value ${i}`).toEqual(bytes(mine));
          expect(bytes(theirsByAlt[i]?.v as Binary), `value ${i}`).toEqual(bytes(mineAlt));
          expect(await ce.decrypt(theirsById[i]?.v as Binary)).toEqual(DET_VALUES[i]);
        }
      });

      it('random: each side decrypts the other', async () => {
        const all = [...DET_VALUES, ...RAND_ONLY];
        const id = which === 'ours' ? ourKeyId : theirKeyId;
        const mine = await Promise.all(all.map((v) => ce.encrypt(v, { keyId: id, algorithm: RAND })));
        expect(oracleDecrypt(mine)).toEqual(all);
        const theirs = oracleEncrypt(all, RAND, { id });
        for (let i = 0; i < all.length; i++) expect(await ce.decrypt(theirs[i]?.v as Binary)).toEqual(all[i]);
      });

      it('both refuse the same types for deterministic encryption', async () => {
        const theirs = oracleEncrypt(RAND_ONLY, DET, { alt: which });
        for (let i = 0; i < RAND_ONLY.length; i++) {
          expect(theirs[i]?.error).toMatch(/BSON type invalid/);
          await expect(ce.encrypt(RAND_ONLY[i], { keyAltName: which, algorithm: DET })).rejects.toHaveProperty('code');
        }
      });
    });
  }

  it('AutoEncrypter output decrypts in libmongocrypt; its deterministic fields equal libmongocrypt explicit encryption', async () => {
    const schema = {
      bsonType: 'object',
      properties: {
        ssn: { encrypt: { keyId: [theirKeyId], algorithm: DET, bsonType: 'string' } },
        billing: { encrypt: { keyId: '/keyName', algorithm: RAND } },
      },
    };
    const auto = new AutoEncrypter({ keyVault, kmsProviders: { local: { key: master } }, schemaMap: { 'db.c': schema } });
    const doc = { _id: 1, keyName: 'ours', ssn: '123-45-6789', billing: { card: '4111', n: new Int32(3) } };
    const out = await auto.encryptDocument('db.c', doc);
    expect(oracleDecrypt([out.ssn, out.billing])).toEqual([doc.ssn, doc.billing]);
    expect(bytes(oracleEncrypt([doc.ssn], DET, { id: theirKeyId })[0]?.v as Binary)).toEqual(bytes(out.ssn as Binary));
    const filter = await auto.encryptFilter('db.c', { ssn: '123-45-6789' });
    expect(bytes((filter.ssn as { $eq: Binary }).$eq)).toEqual(bytes(out.ssn as Binary));
    expect(await auto.decryptDocument(out)).toEqual(doc);
  });
});
