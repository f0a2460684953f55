// Queryable Encryption v2 through the client's public API (ClientEncryption, AutoEncrypter) on
// libmongocrypt's known answers: written once, run over ../shared/test-vectors/qe
// (qe.shared.test.ts) and the repository's copy test-vectors/qe (qe-vectors.test.ts).
// Keys come from the vector key documents in a MemoryKeyVault (local KEK = 96 zero bytes), so
// every value goes through the KeyBroker exactly as in an application.
import { bytesToHex, hexToBytes } from '@fle-ts/crypto-core';
import { fixedRandomSource } from '@fle-ts/qe';
import { Binary, EJSON, serialize } from 'bson';
import { expect } from 'vitest';
import { AutoEncrypter, ClientEncryption, MemoryKeyVault, type ClientEncryptOptions, type DataKeyDocument, type KeyQuery, type KeyVault } from '../src/index.js';

/** Reads a text file below the qe vector root. */
export type Reader = (relPath: string) => string;

export const KEY123 = '12345678123498761234123456789012';
export const KEYABC = 'ABCDEFAB123498761234123456789012';
const KEY013 = '12345678123498761234123456789013';
/** The `local` KMS key of every libmongocrypt QE test: 96 zero bytes. */
export const KEK = new Uint8Array(96);

/** A MemoryKeyVault that counts `find` calls (one per key-fetch round). */
export class CountingVault extends MemoryKeyVault {
  finds: KeyQuery[] = [];
  override async find(query: KeyQuery): Promise<DataKeyDocument[]> {
    this.finds.push(query);
    return super.find(query);
  }
}

/** A vault holding the three vector key documents. */
export function vectorVault(read: Reader, ids = [KEY123, KEYABC, KEY013]): CountingVault {
  return new CountingVault(ids.map((id) => read(`data/keys/${id}-local-document.json`)));
}

function ejson(text: string): Record<string, unknown> {
  return EJSON.parse(text, { relaxed: false }) as Record<string, unknown>;
}

/** The cases' inline JSON uses single quotes ("{'v': 'value123'}"); libbson reads it as JSON. */
function inlineJson(text: string): Record<string, unknown> {
  return ejson(text.replace(/'/g, '"'));
}

function uuid(hex: string): Binary {
  return new Binary(hexToBytes(hex), 4);
}

function hexOf(b: unknown): string {
  const bin = b as Binary;
  return bytesToHex(bin.buffer.subarray(0, bin.position));
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (e) {
    return String((e as { code?: unknown }).code);
  }
}

interface ExplicitCase {
  desc: string;
  algorithm: string;
  keyId: string;
  indexKeyId?: string;
  contentionFactor?: number | string;
  queryType?: string;
  msg: { json?: string; file?: string };
  expect?: { json?: string; file?: string };
  expectInitError?: string;
  rngHex?: string;
  rngBytesUsed?: number;
}

/** The equality / unindexed cases of cases/explicit-encrypt.json (the others are Range). */
export function explicitCases(read: Reader): ExplicitCase[] {
  const all = (JSON.parse(read('cases/explicit-encrypt.json')) as { cases: ExplicitCase[] }).cases;
  return all.filter((c) => c.algorithm === 'Indexed' || c.algorithm === 'Unindexed');
}

/**
 * One explicit case through `ClientEncryption.encrypt`. `driverOnly` spells the options as the
 * Node driver can (no `indexKeyId`): it runs only where that gives libmongocrypt's bytes (the
 * case has no separate index key, is Unindexed, which uses the user key only, or is a find, which
 * uses the index key only and so is asked with keyId = the index key). Returns what was proven,
 * or 'n/a' when driverOnly cannot express the case.
 */
export async function runExplicitCase(read: Reader, c: ExplicitCase, driverOnly: boolean): Promise<'bytes' | 'error' | 'n/a'> {
  const msg = c.msg.json ? inlineJson(c.msg.json) : ejson(read(`data/${c.msg.file}`));
  let keyId = c.keyId;
  let indexKeyId = c.indexKeyId;
  if (driverOnly && indexKeyId !== undefined) {
    if (c.algorithm === 'Unindexed') indexKeyId = undefined;
    else if (c.queryType === 'equality') [keyId, indexKeyId] = [indexKeyId, undefined];
    else return 'n/a';
  }
  const options: ClientEncryptOptions = {
    algorithm: c.algorithm,
    keyId: uuid(keyId),
    ...(indexKeyId ? { indexKeyId: uuid(indexKeyId) } : {}),
    ...(c.contentionFactor !== undefined ? { contentionFactor: BigInt(c.contentionFactor) } : {}),
    ...(c.queryType ? { queryType: c.queryType } : {}),
  };
  const rng = fixedRandomSource(hexToBytes(c.rngHex ?? ''));
  const vault = vectorVault(read);
  const ce = new ClientEncryption({ keyVault: vault, kmsProviders: { local: { key: KEK } }, qeRandomSource: rng });
  if (c.expectInitError) {
    // libmongocrypt: "contention must be non-negative" / "contention must be < INT64_MAX"; refused before any key fetch.
    expect(await codeOf(ce.encrypt(msg.v, options)), c.desc).toBe('BAD_CONTENTION_FACTOR');
    expect(vault.finds, c.desc).toHaveLength(0);
    return 'error';
  }
  const got = await ce.encrypt(msg.v, options);
  const expected = c.expect!.json ? inlineJson(c.expect!.json) : ejson(read(`data/${c.expect!.file}`));
  expect(got.sub_type).toBe(6);
  expect(hexOf(got), c.desc).toBe(hexOf(expected.v));
  // The same random bytes, in the same order, as libmongocrypt consumed; the keys in one fetch.
  expect(hexToBytes(c.rngHex ?? '').length - rng.remaining(), `${c.desc}: random bytes used`).toBe(c.rngBytesUsed ?? 0);
  expect(vault.finds, `${c.desc}: key fetches`).toHaveLength(1);
  // What ClientEncryption made, it decrypts (finds hold no ciphertext).
  if (c.queryType === undefined) expect(serialize({ v: await ce.decrypt(got) })).toEqual(serialize({ v: msg.v }));
  return 'bytes';
}

interface DecryptCase {
  file: string;
  first_byte: number;
  expect: Record<string, unknown> | 'ignored';
}

/** cases/explicit-decrypt.json. */
export function decryptCases(read: Reader): DecryptCase[] {
  return (JSON.parse(read('cases/explicit-decrypt.json')) as { cases: DecryptCase[] }).cases;
}

/**
 * One explicit-decrypt case through ClientEncryption.decrypt, AutoEncrypter.decryptDocument and
 * AutoEncrypter.decryptBson: all three give the expected value with its BSON type (compared as
 * BSON bytes). A find payload (12): decryptDocument / decryptBson leave it as is (libmongocrypt's
 * `expect_ignored`); ClientEncryption.decrypt refuses it with NOT_A_CIPHERTEXT (fle-ts's choice).
 */
export async function runDecryptCase(read: Reader, c: DecryptCase): Promise<'decrypted' | 'ignored'> {
  const doc = ejson(read(`data/${c.file}`));
  const blob = doc.v as Binary;
  expect(blob.buffer[0], c.file).toBe(c.first_byte);
  const kmsProviders = { local: { key: KEK } };
  const ce = new ClientEncryption({ keyVault: vectorVault(read, [KEYABC]), kmsProviders });
  const vault = vectorVault(read, [KEYABC]);
  const auto = new AutoEncrypter({ keyVault: vault, kmsProviders });
  if (c.expect === 'ignored') {
    expect(await codeOf(ce.decrypt(blob)), c.file).toBe('NOT_A_CIPHERTEXT');
    expect(await auto.decryptDocument(doc)).toBe(doc);
    const bytes = serialize(doc);
    expect(await auto.decryptBson(bytes)).toBe(bytes);
    expect(vault.finds).toHaveLength(0);
    return 'ignored';
  }
  const want = serialize(EJSON.deserialize(c.expect, { relaxed: false }) as Record<string, unknown>);
  expect(bytesToHex(serialize({ v: await ce.decrypt(blob) })), `${c.file}: ClientEncryption.decrypt`).toBe(bytesToHex(want));
  expect(bytesToHex(serialize(await auto.decryptDocument(doc))), `${c.file}: decryptDocument`).toBe(bytesToHex(want));
  expect(bytesToHex(await auto.decryptBson(serialize(doc))), `${c.file}: decryptBson`).toBe(bytesToHex(want));
  return 'decrypted';
}

/**
 * A server-made IndexedEqualityEncryptedValueV2 (iev-v2/FLECrudTest-insertOneV2.json) whose index
 * key (S_Key) and user key (K_Key) differ and are given as raw bytes: they are stored as key
 * documents under the vector ids (wrapped by createDataKey with `keyMaterial`, then re-keyed to
 * the vector `_id`), so decryption needs two fetch rounds, as libmongocrypt's key broker does.
 */
export async function runIevCase(read: Reader): Promise<{ value: unknown; finds: number }> {
  const c = JSON.parse(read('data/iev-v2/FLECrudTest-insertOneV2.json')) as Record<string, string>;
  const kmsProviders = { local: { key: KEK } };
  const maker = new ClientEncryption({ keyVault: new MemoryKeyVault(), kmsProviders });
  const docs: DataKeyDocument[] = [];
  for (const [id, key] of [[c.S_KeyId!, c.S_Key!], [c.K_KeyId!, c.K_Key!]] as const) {
    const made = (await maker.getKey(await maker.createDataKey('local', { keyMaterial: hexToBytes(key) })))!;
    docs.push({ ...made, _id: uuid(id) });
  }
  const vault = new CountingVault(docs);
  const v = new Binary(hexToBytes(c.payload!), 6);
  const ce = new ClientEncryption({ keyVault: vault as KeyVault, kmsProviders });
  const value = await ce.decrypt(v);
  const finds = vault.finds.length;
  const auto = new AutoEncrypter({ keyVault: new CountingVault(docs), kmsProviders });
  expect(serialize(await auto.decryptDocument({ a: [{ v }] }))).toEqual(serialize({ a: [{ v: value }] }));
  expect(bytesToHex(await auto.decryptBson(serialize({ a: [{ v }] })))).toBe(bytesToHex(serialize({ a: [{ v: value }] })));
  return { value, finds };
}
