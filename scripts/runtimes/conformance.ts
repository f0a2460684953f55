// The runtime-neutral conformance checks: the same vectors, through the public package APIs,
// in every runtime of the matrix (Node, Chromium, workerd, Deno, Bun). No `node:` import, no
// `Buffer`, no file system: the vector files arrive as text (`VectorFiles`), embedded into the
// bundle by the driver (scripts/runtimes/bundle.mjs). Every detail string is deterministic, so the
// driver can require each runtime's results to equal Node's exactly.
import {
  AeadKey,
  aeadDecrypt,
  aeadEncrypt,
  ASYNC_NATIVE_THRESHOLD,
  bytesToHex,
  FleError,
  hexToBytes,
  randomBytes,
} from '@fle-ts/crypto-core';
import { blobKeyId, decryptValue, encryptValue, RawBsonValue } from '@fle-ts/fle-format';
import { KeyBroker, keyMaterialBytes, KmsProviders, LocalKmsProvider, MemoryKeyVault, parseKeyDocument } from '@fle-ts/keyvault';
import { AutoEncrypter, ClientEncryption } from '@fle-ts/client';
import { Binary, DBRef, EJSON, serialize } from 'bson';
import { dynamodbChecks } from './conformance-dynamodb.js';
import { kmsChecks } from './conformance-kms.js';
import { qeChecks } from './conformance-qe.js';

/** Vector files by path below test-vectors/ (e.g. `libmongocrypt/roundtrip/mcgrew.json`), as text. */
export type VectorFiles = Record<string, string>;

/** One check's outcome. `detail` is deterministic (no random bytes, no timings). */
export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

/** The files the checks read; the driver embeds those that exist. */
export const VECTOR_FILES = [
  'libmongocrypt/roundtrip/mcgrew.json',
  'spec-extra/fle1-known-answers.json',
  'spec-extra/keys/key1-document.json',
  'spec-extra/keys/key2-document.json',
  'spec-corpus/corpus.json',
  'spec-corpus/corpus-encrypted.json',
  'spec-corpus/corpus-key-local.json',
  'libmongocrypt/keys/12345678123498761234123456789012-local-document.json',
  'libmongocrypt/keys/12345678123498761234123456789012-key-material.txt',
  'libmongocrypt/keys/ABCDEFAB123498761234123456789012-local-document.json',
  'libmongocrypt/keys/ABCDEFAB123498761234123456789012-key-material.txt',
  'libmongocrypt/explicit-decrypt/FLE1DeterministicEncryptedValue.json',
  'libmongocrypt/explicit-decrypt/FLE1RandomEncryptedValue.json',
  // From this repository's test-vectors/ (always present), made with the real libmongocrypt 1.7.2.
  'fle-format/mcoracle-vectors.json',
  // @fle-ts/dynamodb: the checks of ./conformance-dynamodb.ts.
  'dynamodb/serialize_attribute.json',
  'dynamodb/encrypted_item/keys.json',
  'dynamodb/encrypted_item/plaintext.json',
  'dynamodb/encrypted_item/ciphertext/python/static-aes-hmac-1.json',
  'dynamodb/encrypted_item/ciphertext/java/wrapped-rsa-rsa-1.json',
  'dynamodb/encrypted_item/ciphertext/python/wrapped-rsa-rsa-1.json',
  // @fle-ts/qe: the checks of ./conformance-qe.ts (also in this repository's test-vectors/qe).
  'qe/cases/auto-encrypt.json',
  'qe/data/keys/12345678123498761234123456789012-key-material.txt',
  'qe/data/keys/12345678123498761234123456789013-key-material.txt',
  'qe/data/keys/ABCDEFAB123498761234123456789012-key-material.txt',
  'qe/data/fle2-insert-v2/mongocryptd-reply.json',
  'qe/data/fle2-insert-v2/encrypted-payload.json',
  'qe/data/fle2-insert-unindexed-v2/mongocryptd-reply.json',
  'qe/data/fle2-insert-unindexed-v2/encrypted-payload.json',
  'qe/data/fle2-find-equality-v2/mongocryptd-reply.json',
  'qe/data/fle2-find-equality-v2/encrypted-payload.json',
  'qe/data/fle2-insert-range/int32-v2/mongocryptd-reply.json',
  'qe/data/fle2-insert-range/int32-v2/encrypted-payload.json',
] as const;

type Check = () => Promise<string> | string;

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RAND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';

function fail(message: string): never {
  throw new Error(message);
}

function equalHex(what: string, got: Uint8Array, want: string): void {
  const hex = bytesToHex(got);
  if (hex !== want.toLowerCase()) fail(`${what}: got ${hex.slice(0, 32)}…, want ${want.slice(0, 32)}…`);
}

function base64ToBytes(b64: string): Uint8Array {
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

function binaryBytes(b: Binary): Uint8Array {
  return b.buffer.subarray(0, b.position);
}

/** A value's BSON bytes as hex: equality that keeps BSON types (Int32 vs Double, NaN, -0). */
function valueHex(v: unknown): string {
  return v instanceof RawBsonValue ? `${v.type}:${bytesToHex(v.bytes)}` : bytesToHex(serialize({ v }));
}

/** EJSON reads $dbPointer as a DBRef document; rebuild the BSON DBPointer (as own-vectors.test.ts does). */
function dbPointerInput(name: string, value: unknown): unknown {
  if (name !== 'dbPointer') return value;
  if (!(value instanceof DBRef)) fail('dbPointer vector did not parse as a DBRef');
  return RawBsonValue.dbPointer(value.db ? `${value.db}.${value.collection}` : value.collection, value.oid);
}

function ejson<T>(text: string): T {
  return EJSON.parse(text, { relaxed: false }) as T;
}

interface RoundtripCase {
  name: string;
  key: string;
  iv: string;
  aad?: string;
  plaintext: string;
  ciphertext: string;
}

interface KnownAnswers {
  local_master_key_base64: string;
  deterministic: Array<{
    name: string;
    data_key_material_base64?: string;
    data_key_material_hex?: string;
    key_id_base64: string;
    algorithm: string;
    value: string;
    expected_blob_base64: string;
  }>;
  key_unwrap: Array<{ document: string; expected_key_material_hex: string }>;
}

interface CorpusCase {
  kms: string;
  algo: 'det' | 'rand';
  allowed: boolean;
  type: string;
  value: unknown;
}

/** The checks, by name; each returns a deterministic detail or throws. */
function checks(files: VectorFiles): Array<[string, Check]> {
  const list: Array<[string, Check]> = [];
  const has = (...paths: string[]) => paths.every((p) => p in files);

  // Always present: they need no vector file.
  list.push(['crypto-core: randomBytes uses the runtime CSPRNG', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    if (a.every((x) => x === 0) || bytesToHex(a) === bytesToHex(b)) fail('random bytes are constant');
    return '2 x 32 random bytes, distinct';
  }]);
  list.push(['crypto-core: WebCrypto async path equals the sync path (64 KiB)', async () => {
    const key = new AeadKey(Uint8Array.from({ length: 96 }, (_, i) => i));
    const plaintext = Uint8Array.from({ length: 4 * ASYNC_NATIVE_THRESHOLD }, (_, i) => (i * 7) & 0xff);
    const aad = Uint8Array.of(1, 2, 3);
    const sync = key.encryptDeterministic(plaintext, aad);
    const async_ = await key.encryptAsync(plaintext, aad, 'deterministic');
    if (bytesToHex(sync) !== bytesToHex(async_)) fail('async ciphertext differs from sync');
    const back = await key.decryptAsync(async_, aad);
    if (bytesToHex(back) !== bytesToHex(plaintext)) fail('async decrypt lost bytes');
    return `${sync.length}-byte ciphertext, tag ${bytesToHex(sync.subarray(-8))}`;
  }]);
  list.push(['crypto-core: a tampered ciphertext fails with HMAC_MISMATCH', () => {
    const key = Uint8Array.from({ length: 96 }, (_, i) => 255 - i);
    const c = aeadEncrypt(key, Uint8Array.of(1, 2, 3), { deterministic: true });
    c[20]! ^= 1;
    try {
      aeadDecrypt(key, c);
    } catch (e) {
      if (e instanceof FleError && (e as FleError & { code: string }).code === 'HMAC_MISMATCH') return 'HMAC_MISMATCH';
      fail(`wrong error: ${String(e)}`);
    }
    fail('tampered ciphertext decrypted');
  }]);

  list.push(['client: createDataKey, encrypt and decrypt round trip with a fresh local key', async () => {
    const ce = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders: { local: { key: randomBytes(96) } } });
    const keyId = await ce.createDataKey('local', { keyAltNames: ['fresh'] });
    const values: unknown[] = ['text', 42, { nested: [1, 'two'] }, new Binary(Uint8Array.of(9, 8, 7))];
    for (const v of values) {
      for (const algorithm of [DET, RAND]) {
        if (algorithm === DET && typeof v === 'object' && !(v instanceof Binary)) continue;
        const blob = await ce.encrypt(v, algorithm === DET ? { keyAltName: 'fresh', algorithm } : { keyId, algorithm });
        if (valueHex(await ce.decrypt(blob)) !== valueHex(v)) fail(`${algorithm}: ${JSON.stringify(v)} did not round-trip`);
      }
    }
    const again = await ce.encrypt('text', { keyId, algorithm: DET });
    const first = await ce.encrypt('text', { keyAltName: 'fresh', algorithm: DET });
    if (bytesToHex(binaryBytes(again)) !== bytesToHex(binaryBytes(first))) fail('deterministic encryption is not deterministic');
    return `${values.length} values x 2 algorithms round-trip; det stable`;
  }]);

  list.push(['client: AutoEncrypter.decryptBson turns a BSON reply with nested ciphertexts into the plain BSON', async () => {
    const options = { keyVault: new MemoryKeyVault(), kmsProviders: { local: { key: randomBytes(96) } } };
    const ce = new ClientEncryption(options);
    const keyId = await ce.createDataKey('local');
    const plain = { _id: 1, ssn: '123-45-6789', billing: { card: '4111', exp: [1, 2] }, tags: ['a', { n: 2 }] };
    const stored = {
      _id: 1,
      ssn: await ce.encrypt(plain.ssn, { keyId, algorithm: DET }),
      billing: await ce.encrypt(plain.billing, { keyId, algorithm: RAND }),
      tags: ['a', { n: await ce.encrypt(2, { keyId, algorithm: DET }) }],
    };
    const out = await new AutoEncrypter(options).decryptBson(serialize(stored));
    const want = serialize(plain);
    if (bytesToHex(out) !== bytesToHex(want)) fail('decrypted BSON differs from the plain document');
    return `${out.length}-byte document, byte for byte`;
  }]);

  if (has('fle-format/mcoracle-vectors.json')) {
    list.push(['client: libmongocrypt-made vectors (test-vectors/fle-format/mcoracle-vectors.json) through ClientEncryption', async () => {
      const v = ejson<{
        master_key_base64: string;
        key_document: Record<string, unknown>;
        deterministic: Array<{ name: string; value: unknown; blob: Binary }>;
        random: Array<{ name: string; value: unknown; blob: Binary }>;
        refused: Array<{ name: string; value: unknown; algorithm: string }>;
      }>(files['fle-format/mcoracle-vectors.json']!);
      const ce = new ClientEncryption({
        keyVault: new MemoryKeyVault([v.key_document]),
        kmsProviders: { local: { key: base64ToBytes(v.master_key_base64) } },
      });
      const keyId = v.key_document['_id'] as Binary;
      for (const c of v.deterministic) {
        const value = dbPointerInput(c.name, c.value);
        equalHex(c.name, binaryBytes(await ce.encrypt(value, { keyId, algorithm: DET })), bytesToHex(binaryBytes(c.blob)));
      }
      for (const c of [...v.deterministic, ...v.random]) {
        if (valueHex(await ce.decrypt(c.blob)) !== valueHex(dbPointerInput(c.name, c.value))) fail(`${c.name}: decrypted wrong`);
      }
      for (const c of v.refused) {
        const refused = await ce.encrypt(c.value, { keyId, algorithm: c.algorithm }).then(() => false, (e) => e instanceof FleError);
        if (!refused) fail(`${c.name}: encrypted a value libmongocrypt refuses`);
      }
      return `${v.deterministic.length} det identical, ${v.deterministic.length + v.random.length} decrypted, ${v.refused.length} refused`;
    }]);
  }

  if (has('libmongocrypt/roundtrip/mcgrew.json')) {
    // draft-mcgrew-aead-aes-cbc-hmac-sha2-05 §5.4 in MongoDB's 96-byte-key form.
    const cases = JSON.parse(files['libmongocrypt/roundtrip/mcgrew.json']!) as RoundtripCase[];
    for (const c of cases) {
      list.push([`crypto-core: ${c.name} (libmongocrypt roundtrip/mcgrew.json)`, async () => {
        const key = new AeadKey(hexToBytes(c.key));
        const aad = hexToBytes(c.aad ?? '');
        equalHex('encrypt', key.encrypt(hexToBytes(c.plaintext), aad, hexToBytes(c.iv)), c.ciphertext);
        equalHex('decrypt', key.decrypt(hexToBytes(c.ciphertext), aad), c.plaintext);
        equalHex('decryptAsync', await key.decryptAsync(hexToBytes(c.ciphertext), aad), c.plaintext);
        return `encrypt and decrypt match (${c.ciphertext.length / 2} bytes)`;
      }]);
    }
  }

  if (has('spec-extra/fle1-known-answers.json')) {
    const kats = JSON.parse(files['spec-extra/fle1-known-answers.json']!) as KnownAnswers;
    for (const k of kats.deterministic) {
      list.push([`fle-format: deterministic KAT "${k.name}" (spec-extra/fle1-known-answers.json)`, () => {
        const material = k.data_key_material_hex
          ? hexToBytes(k.data_key_material_hex)
          : base64ToBytes(k.data_key_material_base64 ?? fail('no data key'));
        const keyId = new Binary(base64ToBytes(k.key_id_base64), Binary.SUBTYPE_UUID);
        const blob = encryptValue(new AeadKey(material), keyId, k.algorithm as 'deterministic', k.value);
        const want = bytesToHex(base64ToBytes(k.expected_blob_base64));
        equalHex('blob', binaryBytes(blob), want);
        if (decryptValue(new AeadKey(material), blob) !== k.value) fail('decrypt did not give the value back');
        return `blob ${want.slice(0, 16)}… (${want.length / 2} bytes)`;
      }]);
    }
    const master = base64ToBytes(kats.local_master_key_base64);
    for (const u of kats.key_unwrap) {
      if (!has(u.document)) continue;
      list.push([`keyvault: LocalKmsProvider unwraps ${u.document} (spec local master key)`, async () => {
        const doc = parseKeyDocument(files[u.document]!);
        equalHex('data key', await new LocalKmsProvider(master).unwrap(keyMaterialBytes(doc)), u.expected_key_material_hex);
        return `96-byte data key ${u.expected_key_material_hex.slice(0, 16)}…`;
      }]);
    }
  }

  for (const id of ['12345678123498761234123456789012', 'ABCDEFAB123498761234123456789012']) {
    const doc = `libmongocrypt/keys/${id}-local-document.json`;
    const material = `libmongocrypt/keys/${id}-key-material.txt`;
    if (!has(doc, material)) continue;
    list.push([`keyvault: LocalKmsProvider unwraps libmongocrypt keys/${id} (zero KEK)`, async () => {
      const d = parseKeyDocument(files[doc]!);
      const want = files[material]!.trim();
      equalHex('data key', await new LocalKmsProvider(new Uint8Array(96)).unwrap(keyMaterialBytes(d)), want);
      return `96-byte data key ${want.slice(0, 16)}…`;
    }]);
  }

  // libmongocrypt test/test-mongocrypt-ctx-decrypt.c (_test_explicit_decrypt): both FLE1 blobs decrypt
  // to {v: "foo"} with keys/ABCDEFAB… under the zero KEK; here through the KeyBroker (vault + KMS + cache).
  const keyDoc = 'libmongocrypt/keys/ABCDEFAB123498761234123456789012-local-document.json';
  for (const kind of ['Deterministic', 'Random']) {
    const blobFile = `libmongocrypt/explicit-decrypt/FLE1${kind}EncryptedValue.json`;
    if (!has(keyDoc, blobFile)) continue;
    list.push([`keyvault: KeyBroker finds, unwraps and decrypts ${blobFile}`, async () => {
      const broker = new KeyBroker({
        keyVault: new MemoryKeyVault([files[keyDoc]!]),
        kmsProviders: new KmsProviders({ local: { key: new Uint8Array(96) } }),
      });
      const blob = ejson<{ v: Binary }>(files[blobFile]!).v;
      const { key } = await broker.getKeyById(blobKeyId(blob));
      const value = decryptValue(key, blob);
      if (value !== 'foo') fail(`decrypted to ${String(value)}, want "foo"`);
      return `{v: "foo"}, ${broker.cacheSize} key cached`;
    }]);
  }

  const corpusFiles = ['spec-corpus/corpus.json', 'spec-corpus/corpus-encrypted.json', 'spec-corpus/corpus-key-local.json'];
  if (has(...corpusFiles, 'spec-extra/fle1-known-answers.json')) {
    list.push(...corpusChecks(files));
  }
  return list;
}

/** Local-KMS unwrap: FLE1 AEAD decryption, master key as AEAD key, empty AAD (fle1-spec.md §5). */
function unwrapLocal(master: Uint8Array, keyMaterial: Binary): Uint8Array {
  return aeadDecrypt(master, binaryBytes(keyMaterial));
}

/** The spec corpus, kms "local" cases (spec tests/README.md §6; test-vectors/README.md "spec-corpus/"). */
function corpusChecks(files: VectorFiles): Array<[string, Check]> {
  const load = () => {
    const kats = JSON.parse(files['spec-extra/fle1-known-answers.json']!) as KnownAnswers;
    const plain = ejson<Record<string, unknown>>(files['spec-corpus/corpus.json']!);
    const stored = ejson<Record<string, CorpusCase>>(files['spec-corpus/corpus-encrypted.json']!);
    const keyDoc = ejson<{ _id: Binary; keyMaterial: Binary }>(files['spec-corpus/corpus-key-local.json']!);
    const key = new AeadKey(unwrapLocal(base64ToBytes(kats.local_master_key_base64), keyDoc.keyMaterial));
    const cases = Object.entries(plain).filter(
      (e): e is [string, CorpusCase] => typeof e[1] === 'object' && e[1] !== null && (e[1] as CorpusCase).kms === 'local',
    );
    return { cases, stored, key, keyId: keyDoc._id };
  };
  const algorithm = (c: CorpusCase) => (c.algo === 'det' ? 'deterministic' : 'random');
  return [
    ['fle-format: spec corpus local det cases encrypt byte for byte', () => {
      const { cases, stored, key, keyId } = load();
      let n = 0;
      for (const [name, c] of cases) {
        // dbPointer: js-bson's EJSON turns it into a DBRef, so it cannot be re-encrypted from corpus.json.
        if (c.algo !== 'det' || !c.allowed || c.type === 'dbPointer') continue;
        const want = binaryBytes(stored[name]!.value as Binary);
        equalHex(name, binaryBytes(encryptValue(key, keyId, 'deterministic', c.value)), bytesToHex(want));
        n++;
      }
      return `${n} det blobs identical`;
    }],
    ['fle-format: spec corpus local cases decrypt to the corpus values', () => {
      const { cases, stored, key, keyId } = load();
      let n = 0;
      for (const [name, c] of cases) {
        if (!c.allowed) continue;
        const blob = stored[name]!.value as Binary;
        if (c.type !== 'dbPointer' && valueHex(decryptValue(key, blob)) !== valueHex(c.value)) fail(`${name}: wrong value`);
        if (c.algo === 'rand' && c.type !== 'dbPointer') {
          const ours = encryptValue(key, keyId, 'random', c.value);
          if (valueHex(decryptValue(key, ours)) !== valueHex(c.value)) fail(`${name}: own random blob does not round-trip`);
        }
        n++;
      }
      return `${n} stored blobs decrypted`;
    }],
    ['client: ClientEncryption over the corpus key (MemoryKeyVault, local KMS) matches the corpus', async () => {
      const kats = JSON.parse(files['spec-extra/fle1-known-answers.json']!) as KnownAnswers;
      const { cases, stored, keyId } = load();
      const ce = new ClientEncryption({
        keyVault: new MemoryKeyVault([files['spec-corpus/corpus-key-local.json']!]),
        kmsProviders: { local: { key: base64ToBytes(kats.local_master_key_base64) } },
      });
      let det = 0;
      let decrypted = 0;
      for (const [name, c] of cases) {
        if (!c.allowed || c.type === 'dbPointer') continue;
        // Alternate key id and alt name ("local" is the corpus key's keyAltName).
        const byName = (det + decrypted) % 2 === 1;
        const opts = { ...(byName ? { keyAltName: 'local' } : { keyId }), algorithm: c.algo === 'det' ? DET : RAND };
        const ours = await ce.encrypt(c.value, opts);
        if (c.algo === 'det') {
          equalHex(name, binaryBytes(ours), bytesToHex(binaryBytes(stored[name]!.value as Binary)));
          det++;
        }
        if (valueHex(await ce.decrypt(stored[name]!.value as Binary)) !== valueHex(c.value)) fail(`${name}: stored blob decrypted wrong`);
        if (valueHex(await ce.decrypt(ours)) !== valueHex(c.value)) fail(`${name}: own blob decrypted wrong`);
        decrypted++;
      }
      return `${det} det identical, ${decrypted} decrypted`;
    }],
    ['fle-format: spec corpus local forbidden cases refuse to encrypt', () => {
      const { cases, key, keyId } = load();
      const codes = new Set<string>();
      let n = 0;
      for (const [name, c] of cases) {
        if (c.allowed) continue;
        try {
          encryptValue(key, keyId, algorithm(c), c.value);
        } catch (e) {
          if (!(e instanceof FleError)) fail(`${name}: not an FleError: ${String(e)}`);
          codes.add((e as FleError & { code: string }).code);
          n++;
          continue;
        }
        fail(`${name}: encrypted a forbidden value`);
      }
      return `${n} refused (${[...codes].sort().join(', ')})`;
    }],
  ];
}

/** Runs every check whose vector files are present; never throws. */
export async function runConformance(files: VectorFiles): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const [name, check] of [...checks(files), ...dynamodbChecks(files), ...qeChecks(files), ...kmsChecks(files)]) {
    try {
      results.push({ name, ok: true, detail: await check() });
    } catch (e) {
      results.push({ name, ok: false, detail: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
  }
  return results;
}

/** A short name of the runtime this runs in (for the report only). */
export function runtimeName(): string {
  const g = globalThis as Record<string, any>;
  if (g.Deno) return `deno ${g.Deno.version.deno}`;
  if (g.Bun) return `bun ${g.Bun.version}`;
  if (g.navigator?.userAgent === 'Cloudflare-Workers') return 'workerd';
  if (g.process?.versions?.node) return `node ${g.process.versions.node}`;
  return g.navigator?.userAgent ?? 'unknown';
}
