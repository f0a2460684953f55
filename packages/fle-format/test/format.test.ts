// Unit tests by spec section: fle1-spec.md §1 (algorithm names), §2 (blob, AAD, value bytes), §3 (types), §4 (kinds).
import { AeadKey, bytesToHex, FleCryptoError, FleError, hexToBytes } from '@fle-ts/crypto-core';
import {
  Binary,
  BSONRegExp,
  BSONSymbol,
  Code,
  DBRef,
  Decimal128,
  Double,
  Int32,
  Long,
  MaxKey,
  MinKey,
  ObjectId,
  serialize,
  Timestamp,
  UUID,
} from 'bson';
import { describe, expect, it } from 'vitest';
import {
  BLOB_KIND_NAMES,
  blobKeyId,
  blobKindName,
  BSON_ALIAS_BY_TYPE,
  BSON_TYPE_BY_ALIAS,
  BsonType,
  bsonTypeName,
  checkEncryptable,
  decryptValue,
  deserializeBsonValue,
  encryptValue,
  EXACT_DESERIALIZE_OPTIONS,
  fle1AssociatedData,
  FleFormatError,
  keyIdBytes,
  MIN_FLE1_BLOB_LENGTH,
  normalizeAlgorithm,
  parseExplicitAlgorithm,
  parseBlob,
  parseFle1Blob,
  RawBsonValue,
  serializeBsonValue,
  serializeFle1Blob,
} from '../src/index.js';
import { expectCode, TEST_KEY, TEST_KEY_ID } from './helpers.js';

const key = new AeadKey(TEST_KEY);
const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';

function bytesOf(b: Binary): Uint8Array {
  return b.buffer.subarray(0, b.position);
}

describe('§1 algorithm names (LMC mongocrypt_ctx_setopt_algorithm)', () => {
  it('matches the FLE1 names case-insensitively, and the short forms', () => {
    expect(normalizeAlgorithm(DET)).toBe('deterministic');
    expect(normalizeAlgorithm(RND)).toBe('random');
    expect(normalizeAlgorithm('aead_aes_256_cbc_hmac_sha_512-deterministic')).toBe('deterministic');
    expect(normalizeAlgorithm('AEAD_AES_256_CBC_HMAC_SHA_512-RANDOM')).toBe('random');
    expect(normalizeAlgorithm('deterministic')).toBe('deterministic');
    expect(normalizeAlgorithm('Random')).toBe('random');
  });

  it('refuses Queryable Encryption names with BAD_ALGORITHM naming QE', () => {
    for (const n of ['Indexed', 'Unindexed', 'Range', 'String', 'rangePreview', 'textPreview']) {
      const e = expectCode(() => normalizeAlgorithm(n), 'BAD_ALGORITHM', FleFormatError);
      expect(e.message).toContain('Queryable Encryption');
    }
  });

  it('parseExplicitAlgorithm: QE Indexed/Unindexed/Range in any case, FLE1 names as parseFle1Algorithm, RangePreview/text refused', () => {
    for (const n of ['Indexed', 'indexed', 'INDEXED']) expect(parseExplicitAlgorithm(n)).toBe('Indexed');
    for (const n of ['Unindexed', 'unIndexed', 'UNINDEXED']) expect(parseExplicitAlgorithm(n)).toBe('Unindexed');
    for (const n of ['Range', 'range', 'RANGE']) expect(parseExplicitAlgorithm(n)).toBe('Range');
    // normalizeAlgorithm (FLE1 only) still refuses Range, naming where it belongs.
    expect(expectCode(() => normalizeAlgorithm('Range'), 'BAD_ALGORITHM', FleFormatError).message).toContain("'Range'");
    expect(parseExplicitAlgorithm('deterministic')).toBe('AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic');
    expect(parseExplicitAlgorithm('AEAD_AES_256_CBC_HMAC_SHA_512-random')).toBe('AEAD_AES_256_CBC_HMAC_SHA_512-Random');
    expect(expectCode(() => parseExplicitAlgorithm('rangePreview'), 'BAD_ALGORITHM', FleFormatError).message).toContain("is deprecated, please use 'range'");
    for (const n of ['String', 'TextPreview']) expect(expectCode(() => parseExplicitAlgorithm(n), 'BAD_ALGORITHM', FleFormatError).message).toContain('not supported yet');
    for (const n of ['Indexed ', 'Range ', 'equality', '', 7, null]) expectCode(() => parseExplicitAlgorithm(n), 'BAD_ALGORITHM', FleFormatError);
  });

  it('refuses anything else with BAD_ALGORITHM', () => {
    expectCode(() => normalizeAlgorithm('AEAD_AES_256_CBC_HMAC_SHA_512'), 'BAD_ALGORITHM', FleFormatError);
    expectCode(() => normalizeAlgorithm(42 as unknown as string), 'BAD_ALGORITHM', FleFormatError);
    expectCode(() => encryptValue(key, TEST_KEY_ID, 'nope' as 'random', 'x'), 'BAD_ALGORITHM', FleFormatError);
  });
});

describe('§2 associated data = subtype || key_uuid || type (LMC _mongocrypt_ciphertext_serialize_associated_data)', () => {
  it('is the 18-byte header', () => {
    expect(bytesToHex(fle1AssociatedData(1, new Uint8Array(16), 2))).toBe('010000000000000000000000000000000002');
    expect(bytesToHex(fle1AssociatedData(2, TEST_KEY_ID, 0x10))).toBe(`02${bytesToHex(TEST_KEY_ID)}10`);
  });

  it('refuses what LMC refuses: subtype not 1/2, key id not 16 bytes, type 0', () => {
    expectCode(() => fle1AssociatedData(3 as 1, TEST_KEY_ID, 2), 'BAD_BLOB_FIELD', FleFormatError);
    expectCode(() => fle1AssociatedData(1, new Uint8Array(15), 2), 'BAD_KEY_ID', FleFormatError);
    expectCode(() => fle1AssociatedData(1, TEST_KEY_ID, 0), 'BAD_BLOB_FIELD', FleFormatError);
    expectCode(() => fle1AssociatedData(1, TEST_KEY_ID, 256), 'BAD_BLOB_FIELD', FleFormatError);
  });

  it('the AEAD of an encrypted value is bound to it: changing the header breaks the tag', () => {
    const blob = bytesOf(encryptValue(key, TEST_KEY_ID, DET, 'abc')).slice();
    blob[17] = 0x0d; // claim javascript instead of string
    expectCode(() => decryptValue(key, blob), 'HMAC_MISMATCH', FleCryptoError);
  });
});

describe('§2 blob layout (LMC mongocrypt-ciphertext.c)', () => {
  it('serializeFle1Blob writes header then ciphertext, no length field, and parseFle1Blob reads it back', () => {
    const ciphertext = Uint8Array.from({ length: 64 }, (_, i) => i);
    const bytes = serializeFle1Blob({ subtype: 2, keyId: TEST_KEY_ID, bsonType: 0x12, ciphertext });
    expect(bytes.length).toBe(82);
    expect(bytes[0]).toBe(2);
    expect(bytesToHex(bytes.subarray(1, 17))).toBe(bytesToHex(TEST_KEY_ID));
    expect(bytes[17]).toBe(0x12);
    const p = parseFle1Blob(bytes);
    expect(p.kind).toBe('FLE1RandomEncryptedValue');
    expect(bytesToHex(p.ciphertext)).toBe(bytesToHex(ciphertext));
    expect(bytesToHex(p.associatedData)).toBe(bytesToHex(bytes.subarray(0, 18)));
    expectCode(() => serializeFle1Blob({ subtype: 1, keyId: TEST_KEY_ID, bsonType: 2, ciphertext: [] as unknown as Uint8Array }), 'BAD_BLOB_FIELD', FleFormatError);
  });

  it('encryptValue output size = 82 + 16 * floor(len(P) / 16) and its header is the AAD', () => {
    for (const s of ['', 'a', 'x'.repeat(10), 'y'.repeat(11), 'z'.repeat(100)]) {
      const b = encryptValue(key, TEST_KEY_ID, RND, s);
      const p = serializeBsonValue(s).bytes.length;
      expect(b.position).toBe(82 + 16 * Math.floor(p / 16));
      expect(b.sub_type).toBe(6);
      expect(b.buffer[0]).toBe(2);
      expect(b.buffer[17]).toBe(2);
    }
  });

  it('plaintext is the value bytes without type and name (string "test" = 05000000 74657374 00)', () => {
    expect(bytesToHex(serializeBsonValue('test').bytes)).toBe('050000007465737400');
    expect(serializeBsonValue('test').type).toBe(2);
    expect(bytesToHex(serializeBsonValue(new Int32(1)).bytes)).toBe('01000000');
    expect(bytesToHex(serializeBsonValue(new Binary(new Uint8Array([7]), 4)).bytes)).toBe('010000000407');
  });

  it('deterministic blobs repeat, random ones do not; both decrypt', () => {
    const a = encryptValue(key, TEST_KEY_ID, DET, 'same');
    const b = encryptValue(key, TEST_KEY_ID, 'deterministic', 'same');
    expect(bytesToHex(bytesOf(a))).toBe(bytesToHex(bytesOf(b)));
    const c = encryptValue(key, TEST_KEY_ID, RND, 'same');
    const d = encryptValue(key, TEST_KEY_ID, 'random', 'same');
    expect(bytesToHex(bytesOf(c))).not.toBe(bytesToHex(bytesOf(d)));
    for (const x of [a, b, c, d]) expect(decryptValue(key, x)).toBe('same');
  });

  it('key ids: Uint8Array(16), UUID, Binary subtype 4; anything else BAD_KEY_ID', () => {
    const uuid = new UUID();
    const viaUuid = encryptValue(key, uuid, DET, 'k');
    const viaBytes = encryptValue(key, bytesOf(uuid).slice(), DET, 'k');
    expect(bytesToHex(bytesOf(viaUuid))).toBe(bytesToHex(bytesOf(viaBytes)));
    expect(bytesToHex(blobKeyId(viaUuid))).toBe(uuid.toHexString().replaceAll('-', ''));
    expect(bytesToHex(keyIdBytes(new Binary(TEST_KEY_ID, 4)))).toBe(bytesToHex(TEST_KEY_ID));
    expectCode(() => encryptValue(key, new Uint8Array(15), DET, 'k'), 'BAD_KEY_ID', FleFormatError);
    expectCode(() => encryptValue(key, new Binary(TEST_KEY_ID, 0), DET, 'k'), 'BAD_KEY_ID', FleFormatError);
    expectCode(() => encryptValue(key, new Binary(new Uint8Array(12), 4), DET, 'k'), 'BAD_KEY_ID', FleFormatError);
    expectCode(() => encryptValue(key, 'abc' as unknown as Uint8Array, DET, 'k'), 'BAD_KEY_ID', FleFormatError);
  });

  it('BAD_KEY when the key is not an AeadKey (e.g. the raw 96 bytes)', () => {
    expectCode(() => encryptValue(TEST_KEY as unknown as AeadKey, TEST_KEY_ID, DET, 'k'), 'BAD_KEY', FleFormatError);
    const blob = encryptValue(key, TEST_KEY_ID, DET, 'k');
    expectCode(() => decryptValue(null as unknown as AeadKey, blob), 'BAD_KEY', FleFormatError);
  });

  it('decrypt errors: wrong key and tampering are FleCryptoError, format errors are FleFormatError', () => {
    const blob = encryptValue(key, TEST_KEY_ID, DET, 'secret');
    const other = new AeadKey(TEST_KEY.map((x) => x ^ 0xff));
    expectCode(() => decryptValue(other, blob), 'HMAC_MISMATCH', FleCryptoError);
    expectCode(() => decryptValue(key, new Binary(bytesOf(blob), 0)), 'NOT_ENCRYPTED_BINARY', FleFormatError);
    expectCode(() => decryptValue(key, new Binary(bytesOf(blob), 4)), 'NOT_ENCRYPTED_BINARY', FleFormatError);
    expectCode(() => decryptValue(key, 'x' as unknown as Uint8Array), 'NOT_ENCRYPTED_BINARY', FleFormatError);
    expectCode(() => decryptValue(key, bytesOf(blob).subarray(0, 81)), 'BLOB_TOO_SHORT', FleFormatError);
    const e = expectCode(() => decryptValue(other, blob), 'HMAC_MISMATCH');
    expect(e).toBeInstanceOf(FleError);
    expect(e.message).not.toContain('secret');
  });

  it('MALFORMED_BSON when the authenticated plaintext is not one value of the stated type', () => {
    const aadFor = (t: number) => fle1AssociatedData(1, TEST_KEY_ID, t);
    const cases: [number, string][] = [
      [0x10, '010000'], // int32 needs 4 bytes
      [0x10, '0100000000'], // one byte too many
      [0x02, '05000000746573'], // string shorter than its length
      [0x02, '0500000074657374ff'], // string not NUL-terminated
      [0x03, '0600000000'], // document length prefix lies
      [0x20, '00'], // not a BSON type
    ];
    for (const [type, hex] of cases) {
      const c = key.encryptDeterministic(hexToBytes(hex), aadFor(type));
      const blob = serializeFle1Blob({ subtype: 1, keyId: TEST_KEY_ID, bsonType: type, ciphertext: c });
      expectCode(() => decryptValue(key, blob), 'MALFORMED_BSON', FleFormatError);
      expectCode(() => decryptValue(key, blob, { raw: true }), 'MALFORMED_BSON', FleFormatError);
    }
    expectCode(() => deserializeBsonValue(0x10, new Uint8Array(3)), 'MALFORMED_BSON', FleFormatError);
  });
});

describe('§2 value round trip keeps BSON types (decryptValue defaults)', () => {
  const values: [string, unknown, number][] = [
    ['string', 'héllo wörld', 0x02],
    ['int32 from number', 42, 0x10],
    ['Int32', new Int32(-7), 0x10],
    ['Long', Long.fromString('-9007199254740993'), 0x12],
    ['bigint', 12n, 0x12],
    ['double from number', 1.5, 0x01],
    ['Double integral', new Double(3), 0x01],
    ['Decimal128', Decimal128.fromString('1.10'), 0x13],
    ['bool', false, 0x08],
    ['ObjectId', new ObjectId('5f1d7e3b8a2c4e6b9d0f1a2b'), 0x07],
    ['Date', new Date(1_700_000_000_123), 0x09],
    ['regex', new BSONRegExp('^a.*b$', 'imx'), 0x0b],
    ['code', new Code('function () { return 1; }'), 0x0d],
    ['codeWScope', new Code('x', { y: new Int32(1) }), 0x0f],
    ['symbol', new BSONSymbol('sym'), 0x0e],
    ['timestamp', new Timestamp({ t: 123, i: 456 }), 0x11],
    ['UUID', new UUID('0f3ed10c-59d2-485b-bb6c-dad27ef79cca'), 0x05],
    ['binary 0', new Binary(new Uint8Array([1, 2, 3]), 0), 0x05],
    ['binary 0x80', new Binary(new Uint8Array([9]), 0x80), 0x05],
    ['document', { a: new Int32(1), b: { c: [new Long(2), 'd'] } }, 0x03],
    ['array', [new Int32(1), 'two', new Double(3)], 0x04],
  ];
  for (const [name, value, type] of values) {
    it(`${name} → type 0x${type.toString(16)} and back with the same bytes`, () => {
      const det = type !== 0x01 && type !== 0x13 && type !== 0x08 && type !== 0x03 && type !== 0x04 && type !== 0x0f;
      const blob = encryptValue(key, TEST_KEY_ID, det ? DET : RND, value);
      expect(parseFle1Blob(blob).bsonType).toBe(type);
      const back = decryptValue(key, blob);
      expect(bytesToHex(serialize({ v: back }))).toBe(bytesToHex(serialize({ v: value })));
      const again = encryptValue(key, TEST_KEY_ID, det ? DET : RND, back);
      expect(parseFle1Blob(again).bsonType).toBe(type);
      if (det) expect(bytesToHex(bytesOf(again))).toBe(bytesToHex(bytesOf(blob)));
    });
  }

  it('int32/double/int64 come back as Int32/Double/Long; binary subtype 4 stays 4', () => {
    expect(decryptValue(key, encryptValue(key, TEST_KEY_ID, DET, 5))).toBeInstanceOf(Int32);
    expect(decryptValue(key, encryptValue(key, TEST_KEY_ID, RND, 5.5))).toBeInstanceOf(Double);
    expect(decryptValue(key, encryptValue(key, TEST_KEY_ID, DET, 5n))).toBeInstanceOf(Long);
    const u = decryptValue(key, encryptValue(key, TEST_KEY_ID, DET, new UUID())) as Binary;
    expect(u.sub_type).toBe(4);
  });

  it('the string fast path agrees with js-bson: BOM kept, NUL inside kept, invalid UTF-8 refused', () => {
    const viaBson = { ...EXACT_DESERIALIZE_OPTIONS }; // another object: takes the js-bson document path
    for (const v of ['\uFEFFbom', 'a\u0000b', '', '\u{1F30D}']) {
      const blob = encryptValue(key, TEST_KEY_ID, DET, v);
      expect(decryptValue(key, blob)).toBe(v);
      expect(decryptValue(key, blob, { deserializeOptions: viaBson })).toBe(v);
    }
    for (const hex of ['03000000ff0000', '04000000c3280000'.slice(0, 14), '03000000c32800']) {
      const c = key.encryptDeterministic(hexToBytes(hex), fle1AssociatedData(1, TEST_KEY_ID, 2));
      const blob = serializeFle1Blob({ subtype: 1, keyId: TEST_KEY_ID, bsonType: 2, ciphertext: c });
      expectCode(() => decryptValue(key, blob), 'MALFORMED_BSON', FleFormatError);
      expectCode(() => decryptValue(key, blob, { deserializeOptions: viaBson }), 'MALFORMED_BSON', FleFormatError);
    }
  });

  it('deserializeOptions lets a caller ask for promoted JS values instead', () => {
    const blob = encryptValue(key, TEST_KEY_ID, DET, 5);
    expect(decryptValue(key, blob, { deserializeOptions: { promoteValues: true } })).toBe(5);
  });

  it('raw: true returns the type byte and value bytes', () => {
    const r = decryptValue(key, encryptValue(key, TEST_KEY_ID, DET, 'test'), { raw: true }) as RawBsonValue;
    expect(r).toBeInstanceOf(RawBsonValue);
    expect(r.type).toBe(2);
    expect(bytesToHex(r.bytes)).toBe('050000007465737400');
  });
});

describe('§2 RawBsonValue: DBPointer, which js-bson cannot build', () => {
  // DBPointer value = string namespace || 12-byte ObjectId (bsonspec.org, element 0x0C).
  const ns = '0500000064622e6300';
  const oid = '5f1d7e3b8a2c4e6b9d0f1a2b';
  const pointer = new RawBsonValue(0x0c, hexToBytes(ns + oid));

  it('encrypts deterministically with type byte 0x0C and decrypts back to a RawBsonValue', () => {
    const blob = encryptValue(key, TEST_KEY_ID, DET, pointer);
    expect(blob.buffer[17]).toBe(0x0c);
    const back = decryptValue(key, blob) as RawBsonValue;
    expect(back).toBeInstanceOf(RawBsonValue);
    expect(bytesToHex(back.bytes)).toBe(ns + oid);
    expect(bytesToHex(bytesOf(encryptValue(key, TEST_KEY_ID, DET, back)))).toBe(bytesToHex(bytesOf(blob)));
    // js-bson would have read it as a DBRef document:
    expect(decryptValue(key, blob, { raw: false, deserializeOptions: {} })).toBeInstanceOf(RawBsonValue);
    expect(deserializeBsonValue(0x0c, back.bytes)).toBeInstanceOf(DBRef);
  });

  it('RawBsonValue.dbPointer builds namespace string || ObjectId', () => {
    expect(bytesToHex(RawBsonValue.dbPointer('db.c', new ObjectId(oid)).bytes)).toBe(ns + oid);
    expect(bytesToHex(RawBsonValue.dbPointer('db.c', hexToBytes(oid)).bytes)).toBe(ns + oid);
    expectCode(() => RawBsonValue.dbPointer('a\0b', hexToBytes(oid)), 'UNSERIALIZABLE_VALUE', FleFormatError);
    expectCode(() => RawBsonValue.dbPointer('db.c', new Uint8Array(11)), 'UNSERIALIZABLE_VALUE', FleFormatError);
  });

  it('refuses bytes that are not one value of the type (MALFORMED_BSON) and bad constructions', () => {
    expectCode(() => encryptValue(key, TEST_KEY_ID, DET, new RawBsonValue(0x0c, hexToBytes(ns))), 'MALFORMED_BSON', FleFormatError);
    expectCode(() => encryptValue(key, TEST_KEY_ID, DET, new RawBsonValue(0x02, new Uint8Array(0))), 'MALFORMED_BSON', FleFormatError);
    expectCode(() => new RawBsonValue(0, new Uint8Array(1)), 'UNSERIALIZABLE_VALUE', FleFormatError);
    expectCode(() => new RawBsonValue(2, [1] as unknown as Uint8Array), 'UNSERIALIZABLE_VALUE', FleFormatError);
  });

  it('type rules apply to raw values too', () => {
    expectCode(() => encryptValue(key, TEST_KEY_ID, DET, new RawBsonValue(0x08, new Uint8Array([1]))), 'FORBIDDEN_BSON_TYPE', FleFormatError);
  });
});

describe('§2 values bson cannot encode (UNSERIALIZABLE_VALUE)', () => {
  it('functions and JS symbols', () => {
    expectCode(() => encryptValue(key, TEST_KEY_ID, RND, () => 1), 'UNSERIALIZABLE_VALUE', FleFormatError);
    expectCode(() => encryptValue(key, TEST_KEY_ID, RND, Symbol('s')), 'UNSERIALIZABLE_VALUE', FleFormatError);
  });
  it('a bigint outside int64 (bson would silently wrap it)', () => {
    expectCode(() => encryptValue(key, TEST_KEY_ID, DET, 2n ** 63n), 'UNSERIALIZABLE_VALUE', FleFormatError);
    expectCode(() => encryptValue(key, TEST_KEY_ID, DET, -(2n ** 63n) - 1n), 'UNSERIALIZABLE_VALUE', FleFormatError);
    expect(decryptValue(key, encryptValue(key, TEST_KEY_ID, DET, 2n ** 63n - 1n))).toEqual(Long.fromBigInt(2n ** 63n - 1n));
    // ...also inside documents, arrays, Maps and code scopes (random encryption of containers).
    for (const v of [{ a: { b: [1, 2n ** 64n] } }, [-(2n ** 70n)], new Map([['m', 2n ** 63n]]), new Code('x', { s: 2n ** 63n })]) {
      expectCode(() => encryptValue(key, TEST_KEY_ID, RND, v), 'UNSERIALIZABLE_VALUE', FleFormatError);
    }
    const fine = { a: [2n ** 63n - 1n, -(2n ** 63n)], d: new Date(0), b: new Binary(new Uint8Array([1]), 0) };
    expect(bytesToHex(serialize({ v: decryptValue(key, encryptValue(key, TEST_KEY_ID, RND, fine)) }))).toBe(bytesToHex(serialize({ v: fine })));
  });
  it('a cyclic document', () => {
    const a: Record<string, unknown> = {};
    a.self = a;
    expectCode(() => encryptValue(key, TEST_KEY_ID, RND, a), 'UNSERIALIZABLE_VALUE', FleFormatError);
  });
});

describe('§3 type rules (LMC _permitted_for_encryption)', () => {
  const detForbidden = ['double', 'decimal', 'bool', 'object', 'array', 'javascriptWithScope'] as const;
  const alwaysForbidden = ['null', 'undefined', 'minKey', 'maxKey'] as const;

  it('aliases map both ways for all 21 types', () => {
    expect(BSON_TYPE_BY_ALIAS.size).toBe(21);
    for (const [alias, t] of BSON_TYPE_BY_ALIAS) {
      expect(BSON_ALIAS_BY_TYPE.get(t)).toBe(alias);
      expect(bsonTypeName(t)).toBe(alias);
    }
    expect(BsonType.int).toBe(0x10);
    expect(bsonTypeName(0x42)).toBe('0x42');
  });

  it('deterministic refuses double, decimal, bool, object, array, javascriptWithScope, saying use Random', () => {
    for (const a of detForbidden) {
      const e = expectCode(() => checkEncryptable(BsonType[a], 'deterministic'), 'FORBIDDEN_BSON_TYPE', FleFormatError);
      expect(e.message).toContain(`'${a}'`);
      expect(e.message).toContain('deterministic');
      expect(e.message).toContain('use Random');
      expect(() => checkEncryptable(BsonType[a], 'random')).not.toThrow();
    }
    expect(expectCode(() => checkEncryptable(3, 'deterministic'), 'FORBIDDEN_BSON_TYPE').message).toContain('use Random for objects');
  });

  it('both refuse null, undefined, minKey, maxKey and binData subtype 6', () => {
    for (const a of alwaysForbidden) {
      for (const algo of ['deterministic', 'random'] as const) {
        const e = expectCode(() => checkEncryptable(BsonType[a], algo), 'FORBIDDEN_BSON_TYPE', FleFormatError);
        expect(e.message).toContain(`'${a}'`);
      }
    }
    expectCode(() => checkEncryptable(5, 'random', 6), 'FORBIDDEN_BSON_TYPE', FleFormatError);
    expect(() => checkEncryptable(5, 'deterministic', 4)).not.toThrow();
    expectCode(() => checkEncryptable(0x42, 'random'), 'FORBIDDEN_BSON_TYPE', FleFormatError);
  });

  it('encryptValue applies them to JS values', () => {
    for (const v of [null, undefined, new MinKey(), new MaxKey()]) {
      expectCode(() => encryptValue(key, TEST_KEY_ID, RND, v), 'FORBIDDEN_BSON_TYPE', FleFormatError);
    }
    for (const v of [1.5, true, { a: 1 }, [1], Decimal128.fromString('1'), new Code('x', {})]) {
      expectCode(() => encryptValue(key, TEST_KEY_ID, DET, v), 'FORBIDDEN_BSON_TYPE', FleFormatError);
    }
    const encrypted = encryptValue(key, TEST_KEY_ID, RND, 'x');
    expectCode(() => encryptValue(key, TEST_KEY_ID, RND, encrypted), 'FORBIDDEN_BSON_TYPE', FleFormatError);
  });

  it('every other type is allowed under both', () => {
    for (const a of ['string', 'binData', 'objectId', 'date', 'regex', 'dbPointer', 'javascript', 'symbol', 'int', 'timestamp', 'long'] as const) {
      expect(() => checkEncryptable(BsonType[a], 'deterministic')).not.toThrow();
      expect(() => checkEncryptable(BsonType[a], 'random')).not.toThrow();
    }
  });
});

describe('§4 every subtype-6 kind (LMC mc-fle-blob-subtype-private.h)', () => {
  it('names 0..18 and nothing else', () => {
    expect(BLOB_KIND_NAMES.length).toBe(19);
    expect(blobKindName(0)).toBe('FLE1EncryptionPlaceholder');
    expect(blobKindName(8)).toBe('FLE2TransientRaw');
    expect(blobKindName(16)).toBe('FLE2UnindexedEncryptedValueV2');
    expect(blobKindName(18)).toBe('FLE2FindTextPayload');
    expect(blobKindName(19)).toBeUndefined();
    expect(blobKindName(-1)).toBeUndefined();
  });

  it('parses each layout; non-FLE1 kinds are UNSUPPORTED_BLOB_KIND for decryption', () => {
    const doc = serialize({ v: 'x', a: 1 });
    const header = (b: number) => Uint8Array.from([b, ...TEST_KEY_ID, 0x02]);
    for (let b = 0; b <= 18; b++) {
      let bytes: Uint8Array;
      if ([0, 3, 4, 5, 10, 11, 12, 13, 18].includes(b)) bytes = Uint8Array.from([b, ...doc]);
      else if (b === 1 || b === 2) bytes = Uint8Array.from([...header(b), ...new Uint8Array(64)]);
      else bytes = Uint8Array.from([...header(b), 1, 2, 3]);
      const p = parseBlob(bytes);
      expect(p.subtype).toBe(b);
      expect(p.kind).toBe(BLOB_KIND_NAMES[b]);
      if ('keyId' in p) {
        expect(bytesToHex(p.keyId)).toBe(bytesToHex(TEST_KEY_ID));
        expect(p.bsonType).toBe(2);
      }
      if ('indexKeyId' in p) expect(bytesToHex(p.indexKeyId)).toBe(bytesToHex(TEST_KEY_ID));
      if ('payload' in p && [0, 3, 4, 5, 10, 11, 12, 13, 18].includes(b)) expect(bytesToHex(p.payload)).toBe(bytesToHex(doc));
      if (b !== 1 && b !== 2) {
        const e = expectCode(() => decryptValue(key, bytes), 'UNSUPPORTED_BLOB_KIND', FleFormatError);
        expect(e.message).toContain(BLOB_KIND_NAMES[b]);
        expectCode(() => parseFle1Blob(bytes), 'UNSUPPORTED_BLOB_KIND', FleFormatError);
        if (![6, 16].includes(b)) expectCode(() => blobKeyId(bytes), 'UNSUPPORTED_BLOB_KIND', FleFormatError);
      }
    }
  });

  it('EMPTY_BLOB, UNKNOWN_BLOB_KIND, BLOB_TOO_SHORT, MALFORMED_BSON payloads', () => {
    expectCode(() => parseBlob(new Uint8Array(0)), 'EMPTY_BLOB', FleFormatError);
    expectCode(() => parseBlob(new Binary(new Uint8Array(0), 6)), 'EMPTY_BLOB', FleFormatError);
    expectCode(() => parseBlob(Uint8Array.from([19, 0, 0])), 'UNKNOWN_BLOB_KIND', FleFormatError);
    expectCode(() => parseBlob(Uint8Array.from([255])), 'UNKNOWN_BLOB_KIND', FleFormatError);
    expectCode(() => parseBlob(new Uint8Array(MIN_FLE1_BLOB_LENGTH - 1).fill(1, 0, 1)), 'BLOB_TOO_SHORT', FleFormatError);
    expect(parseBlob(new Uint8Array(MIN_FLE1_BLOB_LENGTH).fill(1, 0, 1)).kind).toBe('FLE1DeterministicEncryptedValue');
    expectCode(() => parseBlob(Uint8Array.from([2, 1, 2])), 'BLOB_TOO_SHORT', FleFormatError);
    expectCode(() => parseBlob(Uint8Array.from([6, ...new Uint8Array(17)])), 'BLOB_TOO_SHORT', FleFormatError);
    expectCode(() => parseBlob(Uint8Array.from([14, ...new Uint8Array(17)])), 'BLOB_TOO_SHORT', FleFormatError);
    expectCode(() => parseBlob(Uint8Array.from([0, 5, 0, 0])), 'BLOB_TOO_SHORT', FleFormatError);
    expectCode(() => parseBlob(Uint8Array.from([0, 6, 0, 0, 0, 0])), 'MALFORMED_BSON', FleFormatError);
    expectCode(() => parseBlob(Uint8Array.from([0, 5, 0, 0, 0, 1])), 'MALFORMED_BSON', FleFormatError);
    expect(parseBlob(Uint8Array.from([0, 5, 0, 0, 0, 0])).kind).toBe('FLE1EncryptionPlaceholder');
    expect(parseBlob(Uint8Array.from([8])).kind).toBe('FLE2TransientRaw');
  });
});
