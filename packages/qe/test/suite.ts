// The QE v2 known-answer checks, written once and run over two roots with the same layout:
// ../shared/test-vectors/qe (all of it; qe.shared.test.ts) and the repository's
// test-vectors/qe (the subset copied by scripts/copy-qe-vectors.mjs; own-vectors.test.ts).
// Files are read inside the tests only, never while vitest collects them.
import { AeadKey, bytesToHex, hexToBytes } from '@fle-ts/crypto-core';
import { Binary, EJSON, serialize } from 'bson';
import { expect, it } from 'vitest';
import {
  andContentionFactorToken,
  compactionTokens,
  anchorPaddingKeyToken,
  anchorPaddingTokenRoot,
  anchorPaddingValueToken,
  collectionsLevel1Token,
  decryptInsertUpdatePayloadV2,
  decryptQe,
  decryptQeRaw,
  derivedFromDataToken,
  eccToken,
  ecocToken,
  edcToken,
  edcTwiceDerivedToken,
  encryptPlaceholder,
  encryptQe,
  escToken,
  escTwiceDerivedTagToken,
  escTwiceDerivedValueToken,
  fixedRandomSource,
  isQeDecryptable,
  keyLookupFrom,
  parseFindEqualityPayloadV2Body,
  qeKeyIdsForDecrypt,
  parseIndexedValueV2,
  parseInsertUpdatePayloadV2Body,
  parseUnindexedV2,
  decryptUnindexedV2,
  openServerLayer,
  openClientLayer,
  serializeFindEqualityPayloadV2,
  serverCountAndContentionFactorEncryptionToken,
  serverDataEncryptionLevel1Token,
  serverTokenDerivationLevel1Token,
  serverZerosEncryptionToken,
  textToken,
  type QeEncryptOptions,
  type QeKeyLookup,
  type TextTokenKind,
} from '../src/index.js';

/** Reads a text file below the root (`qe/...` layout). */
export type Reader = (relPath: string) => string;

const KEY_IDS = ['12345678123498761234123456789012', 'ABCDEFAB123498761234123456789012', '12345678123498761234123456789013'];

/** Unwrapped key material of the test keys, from `data/keys/<id>-key-material.txt` (96 bytes each). */
export function testKeys(read: Reader, ids = KEY_IDS): QeKeyLookup {
  return keyLookupFrom(ids.map((id) => [hexToBytes(id), hexToBytes(read(`data/keys/${id}-key-material.txt`).trim())] as const));
}

function ejson(text: string): Record<string, unknown> {
  return EJSON.parse(text, { relaxed: false }) as Record<string, unknown>;
}

/** The cases' inline JSON uses single quotes ("{'v': 'value123'}"); libbson reads it as JSON. */
function inlineJson(text: string): Record<string, unknown> {
  return ejson(text.replace(/'/g, '"'));
}

function binBytes(b: unknown): Uint8Array {
  const bin = b as Binary;
  return bin.buffer.subarray(0, bin.position);
}

/** Every BinData subtype 6 in a document, by dotted path. */
function encryptedByPath(doc: unknown, path = '', out = new Map<string, Uint8Array>()): Map<string, Uint8Array> {
  if (doc instanceof Binary || (doc as { _bsontype?: string } | null)?._bsontype === 'Binary') {
    if ((doc as Binary).sub_type === 6) out.set(path, binBytes(doc));
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) encryptedByPath(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Tokens: data/tokens/{mc,server}.json (LMC test/test-mc-tokens.c).

/** Every token of the chain from root, value and contention factor, named as the token files name them. */
function allTokens(root: Uint8Array, value: Uint8Array, cf: bigint): Map<string, Uint8Array> {
  const t = new Map<string, Uint8Array>();
  const c1 = collectionsLevel1Token(root);
  const sd1 = serverTokenDerivationLevel1Token(root);
  const edc = edcToken(c1);
  const esc = escToken(c1);
  const ecc = eccToken(c1);
  t.set('collectionsLevel1Token', c1);
  t.set('ServerTokenDerivationLevel1Token', sd1);
  t.set('serverDataEncryptionLevel1Token', serverDataEncryptionLevel1Token(root));
  t.set('EDCToken', edc);
  t.set('ESCToken', esc);
  t.set('ECCToken', ecc);
  t.set('ECOCToken', ecocToken(c1));
  for (const [name, parent] of [['EDC', edc], ['ESC', esc], ['ECC', ecc]] as const) {
    const d = derivedFromDataToken(parent, value);
    t.set(`${name}DerivedFromDataToken`, d);
    t.set(`${name}DerivedFromDataTokenAndContentionFactor`, andContentionFactorToken(d, cf));
  }
  t.set('EDCTwiceDerivedToken', edcTwiceDerivedToken(t.get('EDCDerivedFromDataTokenAndContentionFactor')!));
  t.set('ESCTwiceDerivedTagToken', escTwiceDerivedTagToken(t.get('ESCDerivedFromDataTokenAndContentionFactor')!));
  t.set('ESCTwiceDerivedValueToken', escTwiceDerivedValueToken(t.get('ESCDerivedFromDataTokenAndContentionFactor')!));
  const sdd = derivedFromDataToken(sd1, value);
  t.set('serverDerivedFromDataToken', sdd);
  t.set('serverCountAndContentionFactorEncryptionToken', serverCountAndContentionFactorEncryptionToken(sdd));
  t.set('serverZerosEncryptionToken', serverZerosEncryptionToken(sdd));
  const apRoot = anchorPaddingTokenRoot(esc);
  t.set('AnchorPaddingTokenRoot', apRoot);
  t.set('AnchorPaddingKeyToken', anchorPaddingKeyToken(apRoot));
  t.set('AnchorPaddingValueToken', anchorPaddingValueToken(apRoot));
  for (const kind of ['Exact', 'Substring', 'Suffix', 'Prefix'] as TextTokenKind[]) {
    for (const [name, parent] of [['EDC', edc], ['ESC', esc]] as const) {
      const tt = textToken(parent, kind);
      const d = derivedFromDataToken(tt, value);
      t.set(`${name}Text${kind}Token`, tt);
      t.set(`${name}Text${kind}DerivedFromDataToken`, d);
      t.set(`${name}Text${kind}DerivedFromDataTokenAndContentionFactorToken`, andContentionFactorToken(d, cf));
    }
    const st = textToken(sd1, kind);
    t.set(`ServerText${kind}Token`, st);
    t.set(`ServerText${kind}DerivedFromDataToken`, derivedFromDataToken(st, value));
  }
  return t;
}

/** Registers the token-file tests; returns nothing. `files` are relative to the root. */
export function tokenTests(read: Reader, files: string[]): void {
  for (const file of files) {
    it(`${file}: every token byte for byte`, () => {
      const doc = JSON.parse(read(file)) as Record<string, string | number>;
      const computed = allTokens(hexToBytes(String(doc.root)), hexToBytes(String(doc.value)), BigInt(doc.contentionFactor!));
      const names = Object.keys(doc).filter((k) => !['root', 'value', 'contentionFactor'].includes(k));
      let equal = 0;
      for (const name of names) {
        expect(computed.has(name), `${file}: ${name} is derived`).toBe(true);
        expect(bytesToHex(computed.get(name)!), `${file}: ${name}`).toBe(String(doc[name]).toLowerCase());
        equal++;
      }
      expect(equal).toBe(54);
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Explicit encryption: cases/explicit-encrypt.json (LMC _test_encrypt_fle2_explicit).

export interface ExplicitCase {
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

/** The equality / unindexed cases (the rest are Range, out of scope). */
export function explicitEqualityCases(read: Reader): ExplicitCase[] {
  const all = (JSON.parse(read('cases/explicit-encrypt.json')) as { cases: ExplicitCase[] }).cases;
  return all.filter((c) => c.algorithm === 'Indexed' || c.algorithm === 'Unindexed');
}

function uuid(hex: string): Binary {
  return new Binary(hexToBytes(hex), 4);
}

/** Runs one explicit case; returns 'bytes' when the output equals libmongocrypt's, 'error' when the expected error came. */
export function runExplicitCase(read: Reader, c: ExplicitCase, keys: QeKeyLookup): 'bytes' | 'error' {
  const msg = c.msg.json ? inlineJson(c.msg.json) : ejson(read(`data/${c.msg.file}`));
  const options: QeEncryptOptions = { algorithm: c.algorithm as 'Indexed' | 'Unindexed', keyId: uuid(c.keyId) };
  if (c.indexKeyId) options.indexKeyId = uuid(c.indexKeyId);
  if (c.contentionFactor !== undefined) options.contentionFactor = BigInt(c.contentionFactor);
  if (c.queryType) options.queryType = c.queryType as 'equality';
  if (c.expectInitError) {
    let code = 'no error';
    try {
      encryptQe(msg.v, options, { keys, random: fixedRandomSource(new Uint8Array(0)) });
    } catch (e) {
      code = String((e as { code?: unknown }).code);
    }
    // libmongocrypt: "contention must be non-negative" / "contention must be < INT64_MAX".
    expect(code, c.desc).toBe('BAD_CONTENTION_FACTOR');
    return 'error';
  }
  const random = fixedRandomSource(hexToBytes(c.rngHex ?? ''));
  const got = encryptQe(msg.v, options, { keys, random });
  const expected = c.expect!.json ? inlineJson(c.expect!.json) : ejson(read(`data/${c.expect!.file}`));
  expect(bytesToHex(binBytes(got)), c.desc).toBe(bytesToHex(binBytes(expected.v)));
  // The same random bytes, in the same order, as libmongocrypt consumed.
  expect(hexToBytes(c.rngHex ?? '').length - random.remaining(), `${c.desc}: random bytes used`).toBe(c.rngBytesUsed ?? 0);
  return 'bytes';
}

// ---------------------------------------------------------------------------------------------
// Automatic encryption: cases/auto-encrypt.json (markings in mongocryptd-reply.json).

interface AutoCase {
  name: string;
  markings: string;
  expect: string;
  rngHex?: string;
  rngBytesUsed?: number;
}

const AUTO_SUPPORTED = new Set(['fle2-insert-v2', 'fle2-insert-unindexed-v2', 'fle2-find-equality-v2']);

/** The three equality / unindexed auto cases (the other 18 are range). */
export function autoEqualityCases(read: Reader): AutoCase[] {
  const all = (JSON.parse(read('cases/auto-encrypt.json')) as { cases: AutoCase[] }).cases;
  return all.filter((c) => AUTO_SUPPORTED.has(c.name));
}

/** Encrypts every marking of the reply and compares with the payload at the same path of the expected command. */
export function runAutoCase(read: Reader, c: AutoCase, keys: QeKeyLookup): number {
  const reply = ejson(read(`data/${c.markings}`));
  const expected = encryptedByPath(ejson(read(`data/${c.expect}`)));
  const markings = encryptedByPath((reply as { result: unknown }).result);
  const random = fixedRandomSource(hexToBytes(c.rngHex ?? ''));
  let n = 0;
  for (const [path, marking] of markings) {
    expect(marking[0], `${c.name}: ${path} is a marking`).toBe(3);
    const got = encryptPlaceholder(marking, { keys, random });
    expect(bytesToHex(binBytes(got)), `${c.name}: ${path}`).toBe(bytesToHex(expected.get(path)!));
    n++;
  }
  expect(n, `${c.name}: markings`).toBeGreaterThan(0);
  expect(hexToBytes(c.rngHex ?? '').length - random.remaining(), `${c.name}: random bytes used`).toBe(c.rngBytesUsed ?? 0);
  return n;
}

// ---------------------------------------------------------------------------------------------
// Decryption: cases/explicit-decrypt.json, data/iev-v2, inline/payload-known-answers.json.

interface DecryptCase {
  file: string;
  first_byte: number;
  expect: unknown;
}

/** 'decrypted' | 'ignored' per explicit-decrypt case, after checking what can be checked. */
export function runDecryptCase(read: Reader, c: DecryptCase, keys: QeKeyLookup): 'decrypted' | 'ignored' {
  const blob = ejson(read(`data/${c.file}`)).v as Binary;
  expect(binBytes(blob)[0]).toBe(c.first_byte);
  if (c.expect === 'ignored') {
    // libmongocrypt returns a find payload unchanged: there is nothing to decrypt.
    expect(isQeDecryptable(blob)).toBe(false);
    return 'ignored';
  }
  expect(isQeDecryptable(blob)).toBe(true);
  // Every case needs only keyABC (cases/explicit-decrypt.json keys_needed), also for 14 (S_Key = K_Key).
  expect(qeKeyIdsForDecrypt(blob, keyLookupFrom([])).map(bytesToHex)).toEqual(['abcdefab123498761234123456789012']);
  expect(new Set(qeKeyIdsForDecrypt(blob, keys).map(bytesToHex))).toEqual(new Set(['abcdefab123498761234123456789012']));
  const want = EJSON.deserialize(c.expect as Record<string, unknown>, { relaxed: false }) as { v: unknown };
  const got = decryptQe(blob, keys);
  expect(EJSON.stringify({ v: got }, { relaxed: false })).toBe(EJSON.stringify(want, { relaxed: false }));
  return 'decrypted';
}

/** data/iev-v2/FLECrudTest-insertOne{V2,RangeV2}.json: parse, metadata blocks, both layers, value, key rounds. Returns the value. */
export function runIevCase(read: Reader, file: string): unknown {
  const c = JSON.parse(read(file)) as Record<string, string | number | string[]>;
  const bytes = hexToBytes(String(c.payload));
  const parsed = parseIndexedValueV2(bytes);
  expect(parsed.kind).toBe(c.type === 'range' ? 15 : 14);
  expect(bytesToHex(parsed.indexKeyId)).toBe(String(c.S_KeyId).toLowerCase());
  expect(parsed.bsonType).toBe(c.bson_value_type);
  expect(parsed.metadata.map(bytesToHex)).toEqual(c.metadata);
  const inner = openServerLayer(parsed, hexToBytes(String(c.S_Key)));
  expect(bytesToHex(inner.userKeyId)).toBe(String(c.K_KeyId).toLowerCase());
  expect(bytesToHex(openClientLayer(inner.userKeyId, inner.clientEncryptedValue, hexToBytes(String(c.K_Key))))).toBe(c.bson_value);
  const keys = keyLookupFrom([
    [hexToBytes(String(c.S_KeyId)), hexToBytes(String(c.S_Key))],
    [hexToBytes(String(c.K_KeyId)), hexToBytes(String(c.K_Key))],
  ]);
  expect(bytesToHex(decryptQeRaw(bytes, keys).bytes)).toBe(c.bson_value);
  // Key rounds: first the index key (S_KeyId), then, once it is loaded, the user key (K_KeyId).
  expect(qeKeyIdsForDecrypt(bytes, keyLookupFrom([])).map(bytesToHex)).toEqual([String(c.S_KeyId).toLowerCase()]);
  expect(qeKeyIdsForDecrypt(bytes, keys).map(bytesToHex)).toEqual([String(c.S_KeyId).toLowerCase(), String(c.K_KeyId).toLowerCase()]);
  return decryptQe(bytes, keys);
}

interface KnownAnswer {
  name: string;
  input?: string;
  key?: string;
  inputBson?: string;
  expectKeyId?: string;
  expectOriginalBsonType?: number;
  expectPlaintext?: string;
  expect?: Record<string, string>;
  negative?: { input: string; expectError: string };
}

/** inline/payload-known-answers.json: the 4 equality / unindexed cases (the 5th is FindRangePayloadV2). */
export function runKnownAnswers(read: Reader): number {
  const { cases } = JSON.parse(read('inline/payload-known-answers.json')) as { cases: KnownAnswer[] };
  let n = 0;
  for (const c of cases) {
    if (c.name.startsWith('FLE2UnindexedEncryptedValueV2 decrypt')) {
      const p = parseUnindexedV2(hexToBytes(c.input!));
      expect(bytesToHex(p.keyId)).toBe(c.expectKeyId);
      expect(p.bsonType).toBe(c.expectOriginalBsonType);
      expect(bytesToHex(decryptUnindexedV2(p, hexToBytes(c.key!)))).toBe(c.expectPlaintext);
      // A CTR (QE v1 style) ciphertext under a valid tag: "ciphertext length is not a multiple of block size".
      const neg = parseUnindexedV2(hexToBytes(c.negative!.input));
      expect(() => decryptUnindexedV2(neg, hexToBytes(c.key!))).toThrowError(expect.objectContaining({ code: 'BAD_CIPHERTEXT_LENGTH' }) as Error);
      n++;
    } else if (c.name === 'FLE2InsertUpdatePayloadV2 parse') {
      const p = parseInsertUpdatePayloadV2Body(hexToBytes(c.input!).subarray(1));
      const e = c.expect!;
      expect(bytesToHex(p.edcDerivedToken)).toBe(e.edcDerivedToken);
      expect(bytesToHex(p.escDerivedToken)).toBe(e.escDerivedToken);
      expect(bytesToHex(p.encryptedTokens)).toBe(e.encryptedTokens);
      expect(bytesToHex(p.indexKeyId)).toBe(e.indexKeyId);
      expect(bytesToHex(p.value)).toBe(e.value);
      expect(bytesToHex(p.serverEncryptionToken)).toBe(e.serverEncryptionToken);
      expect(bytesToHex(p.serverDerivedFromDataToken)).toBe(e.serverDerivedFromDataToken);
      expect(bytesToHex(p.value.subarray(0, 16))).toBe(e.userKeyId);
      n++;
    } else if (c.name === 'FLE2InsertUpdatePayloadV2 decrypt of v') {
      const p = parseInsertUpdatePayloadV2Body(hexToBytes(c.input!).subarray(1));
      expect(bytesToHex(decryptInsertUpdatePayloadV2(p, hexToBytes(c.key!)))).toBe(c.expectPlaintext);
      n++;
    } else if (c.name === 'FLE2FindEqualityPayloadV2 parse + serialize') {
      const p = parseFindEqualityPayloadV2Body(hexToBytes(c.inputBson!));
      expect(bytesToHex(p.edcDerivedToken)).toBe(c.expect!.edcDerivedToken);
      expect(bytesToHex(p.escDerivedToken)).toBe(c.expect!.escDerivedToken);
      expect(bytesToHex(p.serverDerivedFromDataToken)).toBe(c.expect!.serverDerivedFromDataToken);
      expect(bytesToHex(serializeFindEqualityPayloadV2(p).subarray(1))).toBe(c.inputBson);
      n++;
    }
  }
  return n;
}

/** The key documents unwrap (FLE1 AEAD under the 96-zero-byte local KEK) to the key material the tests use. */
export function runKeyDocuments(read: Reader, ids = KEY_IDS): void {
  const kek = new AeadKey(new Uint8Array(96));
  for (const id of ids) {
    const doc = ejson(read(`data/keys/${id}-local-document.json`)) as { keyMaterial: Binary };
    expect(bytesToHex(kek.decrypt(binBytes(doc.keyMaterial), new Uint8Array(0))), id).toBe(read(`data/keys/${id}-key-material.txt`).trim().toLowerCase());
  }
}


// ---------------------------------------------------------------------------------------------
// compactionTokens / cleanupTokens: data/compact/*, data/cleanup/* (LMC test-mongocrypt-compact.c, -cleanup.c).

/** The token sub-document from collinfo.json's encryptedFields equals the expected command's, as BSON bytes; or the expected error. */
export function runCompactionCase(read: Reader, dir: string, keys: QeKeyLookup): 'bytes' | 'error' {
  const info = ejson(read(`data/${dir}/collinfo.json`)) as { options: { encryptedFields: unknown } };
  const field = dir.startsWith('cleanup/') ? 'cleanupTokens' : 'compactionTokens';
  if (dir.endsWith('missing-key-id')) {
    // libmongocrypt: "unable to find 'keyId' or 'keyAltName' in 'field' document".
    expect(() => compactionTokens(info.options.encryptedFields, keys), dir).toThrowError(expect.objectContaining({ code: 'BAD_ENCRYPTED_FIELDS' }) as Error);
    return 'error';
  }
  const expected = ejson(read(`data/${dir}/encrypted-payload.json`))[field] as Record<string, unknown>;
  const got = compactionTokens(info.options.encryptedFields, keys);
  expect(bytesToHex(serialize({ ...got })), dir).toBe(bytesToHex(serialize(expected)));
  return 'bytes';
}

/** The compaction and cleanup cases, by folder. */
export const COMPACTION_DIRS = [
  'compact/success',
  'compact/anchor-pad',
  'compact/no-range',
  'compact/no-fields',
  'compact/missing-key-id',
  'compact/text-search',
  'cleanup/success',
  'cleanup/no-fields',
  'cleanup/missing-key-id',
  'cleanup/text-search',
];
