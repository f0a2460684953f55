// Queryable Encryption v2 through the client's public API (ClientEncryption, AutoEncrypter) on
// libmongocrypt's known answers: written once, run over ../shared/test-vectors/qe
// (qe.shared.test.ts) and the repository's copy test-vectors/qe (qe-vectors.test.ts).
// Keys come from the vector key documents in a MemoryKeyVault (local KEK = 96 zero bytes), so
// every value goes through the KeyBroker exactly as in an application.
import { bytesToHex, hexToBytes } from '@fle-ts/crypto-core';
import { fixedRandomSource, resetRangePayloadIdForTesting } from '@fle-ts/qe';
import { Binary, deserialize as bsonDeserialize, EJSON, serialize } from 'bson';
import { expect } from 'vitest';
import { collectMarkings, markQeCommand, parseEncryptedFields } from '../src/qe-command.js';
import { AutoEncrypter, ClientEncryption, MemoryKeyVault, type ClientEncryptOptions, type DataKeyDocument, type KeyQuery, type KeyVault } from '../src/index.js';
import { explicitEqualityCases, type ExplicitCase } from '../../qe/test/suite.js';

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

/** The cases' inline JSON uses single quotes ("{'v': 'value123'}"), and libbson reads 123.0 as a double. */
function inlineJson(text: string): Record<string, unknown> {
  return ejson(text.replace(/'/g, '"').replace(/(:\s*)(-?\d+\.\d+(?:[eE][-+]?\d+)?)/g, '$1{"$$numberDouble": "$2"}'));
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

/** The equality / unindexed cases of cases/explicit-encrypt.json (the others are Range): the qe package's list. */
export const explicitCases = explicitEqualityCases;

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
 * A server-made IndexedEqualityEncryptedValueV2 (iev-v2/FLECrudTest-insertOneV2.json, 14) or
 * IndexedRangeEncryptedValueV2 (FLECrudTest-insertOneRangeV2.json, 15) whose index
 * key (S_Key) and user key (K_Key) differ and are given as raw bytes: they are stored as key
 * documents under the vector ids (wrapped by createDataKey with `keyMaterial`, then re-keyed to
 * the vector `_id`), so decryption needs two fetch rounds, as libmongocrypt's key broker does.
 */
export async function runIevCase(read: Reader, file = 'FLECrudTest-insertOneV2.json'): Promise<{ value: unknown; finds: number }> {
  const c = JSON.parse(read(`data/iev-v2/${file}`)) as Record<string, string>;
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

export interface AutoCase {
  name: string;
  cmd: string;
  encryptedFieldConfigMap: string;
  markings: string;
  expect: string;
  rngHex?: string;
  rngBytesUsed?: number;
}

/** The three equality / unindexed cases of cases/auto-encrypt.json (the other 18 are range). */
export function autoCases(read: Reader): AutoCase[] {
  const names = new Set(['fle2-insert-v2', 'fle2-insert-unindexed-v2', 'fle2-find-equality-v2']);
  return (JSON.parse(read('cases/auto-encrypt.json')) as { cases: AutoCase[] }).cases.filter((c) => names.has(c.name));
}

/** Sets `ku` of every marking in `value` to its `ki` (what mongocryptd writes for a field with one keyId). */
function kuFromKi(value: unknown): unknown {
  const b = value as Binary;
  if ((b as { _bsontype?: string } | null)?._bsontype === 'Binary' && b.sub_type === 6 && b.buffer[0] === 3) {
    const body = bsonDeserialize(b.buffer.subarray(1, b.position), { promoteValues: false, bsonRegExp: true });
    body.ku = body.ki;
    return new Binary(new Uint8Array([3, ...serialize(body)]), 6);
  }
  if (Array.isArray(value)) return value.map(kuFromKi);
  if (value !== null && typeof value === 'object' && (value as { _bsontype?: string })._bsontype === undefined) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, kuFromKi(v)]));
  }
  return value;
}

/**
 * One auto case through AutoEncrypter: (1) libmongocrypt's markings (mongocryptd-reply.json) →
 * encryptMarkedCommand → the whole command byte-equal to encrypted-payload.json (payloads,
 * encryptionInformation kept, appended or dropped), with the case's RNG queue; (2) fle-ts's own
 * analysis of cmd.json from the encryptedFieldsMap gives the same markings as mongocryptd, except
 * that the vector's markings use keyABC as user key where a real analysis uses the field's keyId
 * for both; (3) for the find, encryptCommand(cmd.json) holds the byte-equal find payload.
 */
export async function runAutoCase(read: Reader, c: AutoCase): Promise<number> {
  const reply = ejson(read(`data/${c.markings}`)) as { result: Record<string, unknown> };
  const encryptedFieldsMap = ejson(read(`data/${c.encryptedFieldConfigMap}`));
  const expected = ejson(read(`data/${c.expect}`));
  const rng = fixedRandomSource(hexToBytes(c.rngHex ?? ''));
  const kmsProviders = { local: { key: KEK } };
  const auto = new AutoEncrypter({ keyVault: vectorVault(read), kmsProviders, encryptedFieldsMap, qeRandomSource: rng });
  const got = await auto.encryptMarkedCommand('db.test', reply.result);
  expect(bytesToHex(serialize(got)), `${c.name}: command`).toBe(bytesToHex(serialize(expected)));
  expect(hexToBytes(c.rngHex ?? '').length - rng.remaining(), `${c.name}: random bytes used`).toBe(c.rngBytesUsed ?? 0);
  let proven = 1;
  const cmd = ejson(read(`data/${c.cmd}`));
  const coll = parseEncryptedFields('db.test', encryptedFieldsMap['db.test']);
  const ours = markQeCommand(cmd, coll);
  if (c.name !== 'fle2-find-equality-v2') {
    // Same command shape (mongocryptd echoes encryptionInformation, which libmongocrypt replaces anyway).
    const theirs = kuFromKi({ ...reply.result }) as Record<string, unknown>;
    delete theirs.encryptionInformation;
    expect(bytesToHex(serialize(ours)), `${c.name}: our markings`).toBe(bytesToHex(serialize(theirs)));
    proven++;
  } else {
    // The vector's reply is not a real find analysis (it holds `documents`); compare the marking itself.
    const [mine] = collectMarkings(ours);
    const [theirsMarking] = collectMarkings(kuFromKi(reply.result));
    expect(hexOf(mine), `${c.name}: our marking`).toBe(hexOf(theirsMarking));
    const full = await new AutoEncrypter({ keyVault: vectorVault(read), kmsProviders, encryptedFieldsMap }).encryptCommand('db', cmd);
    const payload = collectPayloads(expected)[0]!;
    const want = { find: 'test', filter: { value: { $eq: payload } }, encryptionInformation: { type: 1, schema: { 'db.test': encryptedFieldsMap['db.test'] } } };
    expect(bytesToHex(serialize(full)), `${c.name}: encryptCommand`).toBe(bytesToHex(serialize(want)));
    proven += 2;
  }
  return proven;
}

function collectPayloads(value: unknown, out: Binary[] = []): Binary[] {
  const b = value as Binary;
  if ((b as { _bsontype?: string } | null)?._bsontype === 'Binary') {
    if (b.sub_type === 6) out.push(b);
  } else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) collectPayloads(v, out);
  return out;
}

interface RangeCase extends ExplicitCase {
  rangeOpts?: { json?: string; file?: string };
  isExpression?: boolean;
  expectFinalizeError?: string;
  rngHex?: string;
}

/** The Range cases of cases/explicit-encrypt.json (inserts, encryptExpression finds, refusals). */
export function explicitRangeCases(read: Reader): RangeCase[] {
  return (JSON.parse(read('cases/explicit-encrypt.json')) as { cases: RangeCase[] }).cases.filter((c) => c.algorithm === 'Range');
}

/** What one Range case proved: payload bytes (insert or expression), libmongocrypt's error, or not expressible. */
export type RangeResult = 'insert' | 'expression' | 'error' | 'n/a';

/**
 * One explicit Range case through `ClientEncryption.encrypt` (insert) or `encryptExpression`
 * (find), with the vector key documents in a MemoryKeyVault and the case's RNG queue: the whole
 * result byte-equal to libmongocrypt's (`{v: payload}` or `{v: {$and: [...]}}`), the same number
 * of random bytes read, one key fetch; or refused with libmongocrypt's message as a typed error.
 * `driverOnly` leaves out `indexKeyId` as the Node driver must: a find then names the index key
 * as `keyId` (a find uses the index key only); an insert with a separate index key is 'n/a'.
 * Each insert payload is also decrypted back to the value through ClientEncryption.decrypt and
 * AutoEncrypter.decryptBson, and so is libmongocrypt's own payload.
 */
export async function runExplicitRangeCase(read: Reader, c: RangeCase, driverOnly: boolean): Promise<RangeResult> {
  const load = (x: { json?: string; file?: string }): Record<string, unknown> => (x.json ? inlineJson(x.json) : ejson(read(`data/${x.file}`)));
  const msg = load(c.msg);
  let keyId = c.keyId;
  let indexKeyId = c.indexKeyId;
  if (driverOnly && indexKeyId !== undefined && indexKeyId !== keyId) {
    if (!c.isExpression) return 'n/a';
    [keyId, indexKeyId] = [indexKeyId, undefined];
  }
  const options: ClientEncryptOptions = {
    algorithm: c.algorithm,
    keyId: uuid(keyId),
    ...(indexKeyId !== undefined ? { indexKeyId: uuid(indexKeyId) } : {}),
    contentionFactor: BigInt(c.contentionFactor ?? 0),
    ...(c.queryType ? { queryType: c.queryType } : {}),
    rangeOptions: c.rangeOpts ? load(c.rangeOpts) : {},
  };
  const rngBytes = hexToBytes(c.rngHex ?? '');
  const rng = fixedRandomSource(rngBytes);
  const vault = vectorVault(read);
  const kmsProviders = { local: { key: KEK } };
  const ce = new ClientEncryption({ keyVault: vault, kmsProviders, qeRandomSource: rng });
  resetRangePayloadIdForTesting(); // libmongocrypt's tests start payloadIds at 0 too
  const run = (): Promise<unknown> => (c.isExpression ? ce.encryptExpression(msg.v as Record<string, unknown>, options) : ce.encrypt(msg.v, options));
  if (c.expectFinalizeError !== undefined) {
    const err = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((err as Error | undefined)?.name, c.desc).toBe('QeError');
    expect((err as Error).message, c.desc).toContain(c.expectFinalizeError);
    return 'error';
  }
  const got = { v: await run() };
  const expected = load(c.expect!);
  expect(bytesToHex(serialize(got)), c.desc).toBe(bytesToHex(serialize(expected)));
  expect(rngBytes.length - rng.remaining(), `${c.desc}: random bytes used`).toBe(c.rngBytesUsed ?? 0);
  expect(vault.finds, `${c.desc}: key fetches`).toHaveLength(1);
  if (c.isExpression) return 'expression';
  // The payload (ours, byte-equal to libmongocrypt's) decrypts to the value with its BSON type.
  const want = bytesToHex(serialize({ v: msg.v }));
  const auto = new AutoEncrypter({ keyVault: vectorVault(read), kmsProviders });
  expect(bytesToHex(serialize({ v: await ce.decrypt(got.v as Binary) })), `${c.desc}: decrypt`).toBe(want);
  expect(bytesToHex(await auto.decryptBson(serialize(expected))), `${c.desc}: decryptBson`).toBe(want);
  return 'insert';
}

/** `<error name>:<code>` of what a promise or call throws, or 'no error' (the QE tests' refusal checks). */
export async function errorNameAndCode(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
    return 'no error';
  } catch (e) {
    return `${(e as Error).name}:${String((e as { code?: unknown }).code)}`;
  }
}
