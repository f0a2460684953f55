// The driver spec corpus (specifications `client-side-encryption/corpus/`, tests/README.md §6), all
// 170 `kms: "local"` cases, through the public API: explicit cases with ClientEncryption by id and
// by alt name, auto cases with AutoEncrypter and corpus-schema.json, and decryptDocument of the whole
// encrypted corpus. Rules from ../shared/test-vectors/README.md (EJSON relaxed:false, the DBPointer
// quirk, the master key decoded once).
import { Binary, DBRef, deserialize, EJSON, ObjectId, serialize } from 'bson';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeShared, readSharedText } from '../../../scripts/test-support/shared.js';
import { AutoEncrypter, ClientEncryption, MemoryKeyVault, RawBsonValue } from '../src/index.js';
import './binary-equality.js';

// LOCAL_MASTERKEY of the spec's tests/README.md §6: base64-decode once; the 96 bytes are the key.
const LOCAL_MASTERKEY_B64 =
  'Mng0NCt4ZHVUYUJCa1kxNkVyNUR1QURhZ2h2UzR2d2RrZzh0cFBwM3R6NmdWMDFBMUN3YkQ5aXRRMkhGRGdQV09wOGVNYUMxT2k3NjZKelhaQmRCZGJkTXVyZG9uSjFk';
const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RAND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
const NS = 'db.coll';

interface CorpusCase {
  kms: string;
  type: string;
  algo: 'det' | 'rand';
  method: 'auto' | 'explicit';
  identifier: 'id' | 'altname';
  allowed: boolean;
  value: unknown;
}

function load<T>(name: string): T {
  return EJSON.parse(readSharedText(`spec-corpus/${name}`), { relaxed: false }) as T;
}

function bytes(b: Binary): Uint8Array {
  return b.buffer.subarray(0, b.position);
}

describeShared('spec corpus, local KMS (tests/README.md §6)', () => {
  let corpus: Record<string, unknown>;
  let encrypted: Record<string, unknown>;
  let schema: Record<string, unknown>;
  let localKeyId: Binary;
  let ce: ClientEncryption;
  let auto: AutoEncrypter;
  let local: [string, CorpusCase][];
  const counts = { detExact: 0, randDecrypted: 0, disallowedThrew: 0 };
  const dbPointerCases = new Set<string>();

  /**
   * js-bson reads EJSON $dbPointer as a DBRef document (test-vectors README), so corpus.json cannot
   * give the DBPointer plaintext. fle-format returns decrypted DBPointers as RawBsonValue(0x0C);
   * check that it holds the corpus's namespace and ObjectId, then use it as the plaintext.
   */
  function dbPointerPlaintext(c: CorpusCase, decrypted: unknown): RawBsonValue {
    expect(decrypted).toBeInstanceOf(RawBsonValue);
    const raw = decrypted as RawBsonValue;
    expect(raw.type).toBe(0x0c);
    const ref = c.value as DBRef;
    expect(ref).toBeInstanceOf(DBRef);
    const view = new DataView(raw.bytes.buffer, raw.bytes.byteOffset, raw.bytes.length);
    const nsLength = view.getInt32(0, true); // string: int32 length (with NUL) | bytes | NUL, then 12-byte ObjectId
    expect(new TextDecoder().decode(raw.bytes.subarray(4, 4 + nsLength - 1))).toBe([ref.db, ref.collection].filter(Boolean).join('.')); // DBRef splits "db.coll"
    expect(new ObjectId(raw.bytes.slice(4 + nsLength, 4 + nsLength + 12)).equals(ref.oid as ObjectId)).toBe(true);
    return raw;
  }

  /** The plaintext of a case: corpus.json's value, or for DBPointer the checked raw value. */
  async function plaintextOf(name: string, c: CorpusCase): Promise<unknown> {
    if (c.type !== 'dbPointer') return c.value;
    dbPointerCases.add(name);
    return dbPointerPlaintext(c, await ce.decrypt((encrypted[name] as CorpusCase).value as Binary));
  }

  beforeAll(() => {
    corpus = load('corpus.json');
    encrypted = load('corpus-encrypted.json');
    schema = load('corpus-schema.json');
    const keyDoc = load<{ _id: Binary }>('corpus-key-local.json');
    localKeyId = keyDoc._id;
    const key = Uint8Array.from(atob(LOCAL_MASTERKEY_B64), (c) => c.charCodeAt(0));
    const keyVault = new MemoryKeyVault([keyDoc]);
    const kmsProviders = { local: { key } };
    ce = new ClientEncryption({ keyVault, kmsProviders });
    auto = new AutoEncrypter({ keyVault, kmsProviders, schemaMap: { [NS]: schema } });
    local = Object.entries(corpus).filter((e): e is [string, CorpusCase] => (e[1] as CorpusCase | undefined)?.kms === 'local');
  });

  it('has the 170 local cases the README counts', () => {
    expect(local).toHaveLength(170);
    expect(localKeyId.toString('base64')).toBe('LOCALAAAAAAAAAAAAAAAAA==');
  });

  async function checkEncrypted(name: string, c: CorpusCase, plaintext: unknown, ours: unknown): Promise<void> {
    const stored = (encrypted[name] as CorpusCase).value as Binary;
    expect(ours, name).toBeInstanceOf(Binary);
    const blob = ours as Binary;
    expect(blob.sub_type, name).toBe(6);
    if (c.algo === 'det') {
      expect(bytes(blob), name).toEqual(bytes(stored));
      counts.detExact++;
    } else {
      expect(blob.buffer[0], name).toBe(2);
      expect(bytes(blob), name).not.toEqual(bytes(stored));
      expect(await ce.decrypt(blob), name).toEqual(plaintext);
      expect(await ce.decrypt(stored), name).toEqual(plaintext);
      counts.randDecrypted++;
    }
  }

  it('explicit cases: deterministic byte for byte, random decrypts, disallowed throws (by id and by alt name)', async () => {
    for (const [name, c] of local.filter(([, c]) => c.method === 'explicit')) {
      const options = { algorithm: c.algo === 'det' ? DET : RAND, ...(c.identifier === 'id' ? { keyId: localKeyId } : { keyAltName: 'local' }) };
      if (!c.allowed) {
        await expect(ce.encrypt(c.value, options), name).rejects.toHaveProperty('code');
        expect((encrypted[name] as CorpusCase).value, name).toEqual(c.value);
        counts.disallowedThrew++;
        continue;
      }
      const plaintext = await plaintextOf(name, c);
      await checkEncrypted(name, c, plaintext, await ce.encrypt(plaintext, options));
    }
  });

  it('auto cases through AutoEncrypter and corpus-schema.json', async () => {
    const autoCases = local.filter(([, c]) => c.method === 'auto');
    const doc: Record<string, unknown> = { _id: corpus._id, altname_local: corpus.altname_local };
    const plaintexts = new Map<string, unknown>();
    for (const [name, c] of autoCases) {
      plaintexts.set(name, await plaintextOf(name, c));
      doc[name] = { ...c, value: plaintexts.get(name) };
    }
    const out = await auto.encryptDocument(NS, doc);
    for (const [name, c] of autoCases) {
      const field = out[name] as Record<string, unknown>;
      expect(field.kms, name).toBe('local'); // siblings of `value` stay in clear
      await checkEncrypted(name, c, plaintexts.get(name), field.value);
    }
  });

  it('decryptDocument of the encrypted corpus gives corpus.json for every local field', async () => {
    const doc: Record<string, unknown> = {};
    const want: Record<string, unknown> = {};
    for (const [name] of local) {
      doc[name] = encrypted[name];
      want[name] = { ...(corpus[name] as CorpusCase) };
    }
    const out = await auto.decryptDocument(doc);
    for (const [name, c] of local) {
      if (c.type === 'dbPointer' && c.allowed) {
        dbPointerPlaintext(c, (out[name] as CorpusCase).value);
        (want[name] as CorpusCase).value = (out[name] as CorpusCase).value; // checked just above
      }
    }
    expect(out).toEqual(want);
    // BinData subtype 4 stays subtype 4 (README: "BinData subtype 4 must stay subtype 4").
    const uuidCase = local.find(([, c]) => c.type === 'binData=04' && c.allowed)?.[0];
    expect(uuidCase).toBeDefined();
    expect(((out[uuidCase as string] as CorpusCase).value as Binary).sub_type).toBe(4);
  });

  it('decryptBson of the encrypted corpus (BSON bytes) gives the same document as decryptDocument, DBPointer as type 0x0C', async () => {
    const doc: Record<string, unknown> = {};
    for (const [name] of local) doc[name] = encrypted[name];
    const viaBson = deserialize(await auto.decryptBson(serialize(doc)), { promoteValues: false, bsonRegExp: true }) as Record<string, CorpusCase>;
    const viaJs = await auto.decryptDocument(doc);
    let pointers = 0;
    for (const [name] of local) {
      const js = (viaJs[name] as CorpusCase).value;
      if (js instanceof RawBsonValue) {
        // decryptDocument hands DBPointer back raw; decryptBson writes the element itself: type 0x0C, same bytes.
        const one = await auto.decryptBson(serialize({ v: (encrypted[name] as CorpusCase).value }));
        expect(one[4], name).toBe(0x0c);
        expect(Buffer.from(one.subarray(7, one.length - 1)).equals(Buffer.from(js.bytes)), name).toBe(true);
        pointers++;
        continue;
      }
      expect(viaBson[name], name).toEqual(deserialize(serialize({ v: viaJs[name] }), { promoteValues: false, bsonRegExp: true }).v);
    }
    expect(pointers).toBe(7);
  });

  it('counts: every local case was checked', () => {
    console.log(`[corpus local] det byte-exact ${counts.detExact}, rand decrypted ${counts.randDecrypted}, disallowed threw ${counts.disallowedThrew}; DBPointer cases (plaintext via RawBsonValue) ${dbPointerCases.size}`);
    expect(counts.detExact + counts.randDecrypted + counts.disallowedThrew).toBe(170);
    expect(dbPointerCases.size).toBe(7);
  });
});
