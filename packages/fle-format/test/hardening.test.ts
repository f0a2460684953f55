// Regressions from issue 11 (attacking the public API): each test is the reproduction.
import { AeadKey, bytesToHex, MAX_NESTING_DEPTH } from '@fle-ts/crypto-core';
import { Binary, BSONError, deserialize, Int32, Long, serialize, UUID } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  blobKeyId,
  decryptBsonDocument,
  decryptValue,
  decryptValueAsync,
  deserializeBsonValue,
  encryptValue,
  EXACT_DESERIALIZE_OPTIONS,
  encryptValueAsync,
  fle1AssociatedData,
  fle1KeyIdsInBson,
  FleFormatError,
  keyIdBytes,
  parseBlob,
  parseFle1Blob,
  RawBsonValue,
  serializeBsonValue,
  serializeFle1Blob,
} from '../src/index.js';
import { checkBsonValue } from '../src/bson-validate.js';
import { randAny } from './arbitraries.js';
import { expectCode, TEST_KEY, TEST_KEY_ID } from './helpers.js';

const key = new AeadKey(TEST_KEY);
const lookup = (): AeadKey => key;

/**
 * An FLE1 Random blob whose plaintext is `plaintext` exactly, under a valid tag: what an
 * attacker holding the key, or a faulty writer, can make (fle1-spec.md §2).
 */
function seal(type: number, plaintext: Uint8Array): Binary {
  const aad = fle1AssociatedData(2, TEST_KEY_ID, type);
  const bytes = serializeFle1Blob({ subtype: 2, keyId: TEST_KEY_ID, bsonType: type, ciphertext: key.encryptRandom(plaintext, aad) });
  return new Binary(bytes, 6);
}

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** `levels` nested documents { a: { a: ... {} } } as BSON bytes, built without recursion. */
function nestedDocumentBytes(levels: number, innermost: Uint8Array = Uint8Array.of(5, 0, 0, 0, 0)): Uint8Array {
  // Each level adds int32 length, type 0x03, "a\0", and the closing NUL: 8 bytes.
  const total = innermost.length + 8 * (levels - 1);
  const out = new Uint8Array(total);
  for (let k = 0; k < levels - 1; k++) {
    const o = 7 * k;
    new DataView(out.buffer).setInt32(o, total - 8 * k, true);
    out.set([0x03, 0x61, 0x00], o + 4);
    out[total - 1 - k] = 0;
  }
  out.set(innermost, 7 * (levels - 1));
  return out;
}

/** A JS object nested `levels` deep: { a: { a: ... {} } } (the outermost object is level 1). */
function nestedObject(levels: number): Record<string, unknown> {
  let o: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) o = { a: o };
  return o;
}

/** `{ v: blob }` as BSON bytes. */
const inDocument = (blob: Binary): Uint8Array => serialize({ v: blob });

describe('item 1: values over js-bson 17 MiB serialization buffer', () => {
  it('an 18 MiB string round-trips whole (was truncated to 17,825,782 characters)', async () => {
    const big = 'x'.repeat(18 << 20);
    expect(decryptValue(key, encryptValue(key, TEST_KEY_ID, 'random', big))).toBe(big);
    // The async path (WebCrypto from 16 KiB on) and a document holding it.
    const back = (await decryptValueAsync(key, await encryptValueAsync(key, TEST_KEY_ID, 'random', { s: big }))) as { s: string };
    expect(back.s.length).toBe(big.length);
    expect(back.s === big).toBe(true);
  });

  it('serializeBsonValue gives the whole value for a multi-byte string and a large Binary', () => {
    const s = '\u00e9'.repeat(9 << 20); // 18 MiB of UTF-8
    const v = serializeBsonValue(s);
    expect(v.bytes.length).toBe(4 + (18 << 20) + 1);
    const bin = new Binary(new Uint8Array((17 << 20) + 9).fill(7), 0);
    expect(serializeBsonValue(bin).bytes.length).toBe(5 + (17 << 20) + 9);
  });
});

describe('an Invalid Date is refused, not stored as 1970-01-01', () => {
  it('alone, inside a document and inside an array', () => {
    for (const v of [new Date(NaN), { d: new Date('not a date') }, [new Date(0), new Date(NaN)]]) {
      expectCode(() => encryptValue(key, TEST_KEY_ID, 'random', v), 'UNSERIALIZABLE_VALUE', FleFormatError);
      expectCode(() => serializeBsonValue(v), 'UNSERIALIZABLE_VALUE', FleFormatError);
    }
    // A valid date still round-trips.
    expect(decryptValue(key, encryptValue(key, TEST_KEY_ID, 'deterministic', new Date(5)))).toEqual(new Date(5));
  });
});

describe('item 6: a decrypted value is exactly one value of the declared type', () => {
  // An int32 blob whose plaintext is Int32(1) followed by a second element "": "INJECTED".
  // libmongocrypt reads the first value (Int32(1)); the old decryptValue returned "INJECTED".
  const injected = concat(Uint8Array.of(1, 0, 0, 0), Uint8Array.of(0x02, 0x00), serializeBsonValue('INJECTED').bytes);

  it('refuses trailing bytes after the value with MALFORMED_BSON, sync and async and raw', async () => {
    const blob = seal(0x10, injected);
    expectCode(() => decryptValue(key, blob), 'MALFORMED_BSON', FleFormatError);
    expectCode(() => decryptValue(key, blob, { raw: true }), 'MALFORMED_BSON', FleFormatError);
    expectCode(() => decryptValue(key, blob, { deserializeOptions: { promoteValues: true } }), 'MALFORMED_BSON', FleFormatError);
    await expect(decryptValueAsync(key, blob)).rejects.toMatchObject({ code: 'MALFORMED_BSON' });
    expectCode(() => decryptBsonDocument(inDocument(blob), lookup), 'MALFORMED_BSON', FleFormatError);
    expectCode(() => deserializeBsonValue(0x10, injected), 'MALFORMED_BSON', FleFormatError);
  });

  it('refuses a string followed by a second element, and a single trailing byte', () => {
    for (const [type, bytes] of [
      [0x02, concat(serializeBsonValue('a').bytes, Uint8Array.of(0x10, 0x00, 1, 0, 0, 0))],
      [0x12, concat(new Uint8Array(8), Uint8Array.of(0))],
      [0x08, Uint8Array.of(1, 0)],
    ] as const) {
      expectCode(() => decryptValue(key, seal(type, bytes)), 'MALFORMED_BSON', FleFormatError);
      expectCode(() => decryptBsonDocument(inDocument(seal(type, bytes)), lookup), 'MALFORMED_BSON', FleFormatError);
    }
  });
});

describe('item 7: decryptBsonDocument validates decrypted values as decryptValue does', () => {
  const cases: [string, number, Uint8Array][] = [
    ['bool byte 2', 0x08, Uint8Array.of(2)],
    ['invalid UTF-8 string', 0x02, Uint8Array.of(3, 0, 0, 0, 0xc3, 0x28, 0)],
    ['invalid UTF-8 inside a document', 0x03, serialize({ s: 'ab' }).map((b, i, a) => (i === a.length - 3 ? 0xff : b))],
    ['bool byte 7 inside an array', 0x04, Uint8Array.of(9, 0, 0, 0, 0x08, 0x30, 0, 7, 0)],
    ['invalid UTF-8 symbol', 0x0e, Uint8Array.of(2, 0, 0, 0, 0x80, 0)],
    ['regex option js-bson refuses', 0x0b, Uint8Array.of(0x61, 0, 0x7a, 0)],
    ['binary subtype 2 with a wrong inner length', 0x05, Uint8Array.of(5, 0, 0, 0, 2, 9, 0, 0, 0, 0)],
  ];
  for (const [what, type, plaintext] of cases) {
    it(`${what}: MALFORMED_BSON from both, never a BSONError`, () => {
      const blob = seal(type, plaintext);
      expectCode(() => decryptValue(key, blob), 'MALFORMED_BSON', FleFormatError);
      let out: Uint8Array | undefined;
      let thrown: unknown;
      try {
        out = decryptBsonDocument(inDocument(blob), lookup);
        deserialize(out, { bsonRegExp: true });
      } catch (e) {
        thrown = e;
      }
      expect(thrown).not.toBeInstanceOf(BSONError);
      expect(thrown).toBeInstanceOf(FleFormatError);
      expect((thrown as FleFormatError).code).toBe('MALFORMED_BSON');
    });
  }

  it('whatever bytes the validator accepts, js-bson reads (one validator, at least as strict as bson)', () => {
    // Valid values with up to three bytes overwritten: whatever checkBsonValue lets through
    // (so decryptValue hands to bson, and decryptBsonDocument emits) bson must read, with
    // decryptValue's options and with bson's utf8 validation. (bson's default bsonRegExp: false
    // compiles the pattern as a JS RegExp, which a valid BSON regex need not be.)
    const readOptions = [EXACT_DESERIALIZE_OPTIONS, { promoteValues: true, bsonRegExp: true }];
    fc.assert(
      fc.property(randAny, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), (value, edits) => {
        const { type, bytes } = serializeBsonValue(value);
        const b = new Uint8Array(bytes);
        for (const [at, byte] of edits) if (b.length > 0) b[at % b.length] = byte;
        try {
          checkBsonValue(type, b);
        } catch (e) {
          expect(e).toBeInstanceOf(FleFormatError);
          return;
        }
        const wrapped = concat(Uint8Array.of(0, 0, 0, 0, type, 0), b, Uint8Array.of(0));
        new DataView(wrapped.buffer).setInt32(0, wrapped.length, true);
        for (const options of readOptions) deserialize(wrapped, options);
        const doc = decryptBsonDocument(inDocument(seal(type, b)), lookup);
        for (const options of readOptions) deserialize(doc, options);
      }),
      { numRuns: 1000, seed: 11 },
    );
  });

  it('still accepts every valid value both ways', () => {
    const doc = { s: 'é', b: true, d: { x: [1, 'two', { y: false }] }, n: new Long(5) };
    const blob = encryptValue(key, TEST_KEY_ID, 'random', doc);
    expect(bytesToHex(decryptBsonDocument(inDocument(blob), lookup))).toBe(bytesToHex(serialize({ v: doc })));
  });
});

describe(`item 8: nesting deeper than MAX_NESTING_DEPTH (${MAX_NESTING_DEPTH}) is NESTING_TOO_DEEP`, () => {
  it('encryptValue: 5,000 levels give a typed error, not RangeError', async () => {
    expectCode(() => encryptValue(key, TEST_KEY_ID, 'random', nestedObject(5000)), 'NESTING_TOO_DEEP', FleFormatError);
    expectCode(() => encryptValue(key, TEST_KEY_ID, 'random', [nestedObject(5000)]), 'NESTING_TOO_DEEP', FleFormatError);
    await expect(encryptValueAsync(key, TEST_KEY_ID, 'random', nestedObject(5000))).rejects.toMatchObject({ code: 'NESTING_TOO_DEEP' });
  });

  it('encryptValue: exactly the limit is accepted and one more is refused (the value itself is level 1)', () => {
    const ok = encryptValue(key, TEST_KEY_ID, 'random', nestedObject(MAX_NESTING_DEPTH));
    expect(serialize({ v: decryptValue(key, ok) })).toEqual(serialize({ v: nestedObject(MAX_NESTING_DEPTH) }));
    expectCode(() => encryptValue(key, TEST_KEY_ID, 'random', nestedObject(MAX_NESTING_DEPTH + 1)), 'NESTING_TOO_DEEP', FleFormatError);
    // Arrays, Maps and code scopes count as levels too.
    let arr: unknown = [];
    for (let i = 1; i <= MAX_NESTING_DEPTH; i++) arr = [arr];
    expectCode(() => encryptValue(key, TEST_KEY_ID, 'random', arr), 'NESTING_TOO_DEEP', FleFormatError);
    expectCode(() => encryptValue(key, TEST_KEY_ID, 'random', new Map([['m', nestedObject(MAX_NESTING_DEPTH)]])), 'NESTING_TOO_DEEP', FleFormatError);
  });

  it('decryptValue: a plaintext nested 5,000 deep and 201 deep is refused; 200 is accepted', () => {
    expectCode(() => decryptValue(key, seal(0x03, nestedDocumentBytes(5000))), 'NESTING_TOO_DEEP', FleFormatError);
    expectCode(() => decryptValue(key, seal(0x03, nestedDocumentBytes(MAX_NESTING_DEPTH + 1))), 'NESTING_TOO_DEEP', FleFormatError);
    expectCode(() => decryptValue(key, seal(0x03, nestedDocumentBytes(5000)), { raw: true }), 'NESTING_TOO_DEEP', FleFormatError);
    expectCode(() => deserializeBsonValue(0x03, nestedDocumentBytes(MAX_NESTING_DEPTH + 1)), 'NESTING_TOO_DEEP', FleFormatError);
    expect(serialize({ v: decryptValue(key, seal(0x03, nestedDocumentBytes(MAX_NESTING_DEPTH))) })).toEqual(
      serialize({ v: nestedObject(MAX_NESTING_DEPTH) }),
    );
  });

  it('decryptBsonDocument and fle1KeyIdsInBson: input 5,000 deep, and the limit counted from the input document (level 1)', () => {
    const blob = encryptValue(key, TEST_KEY_ID, 'random', 'leaf');
    const leafDoc = serialize({ v: blob });
    const deep = nestedDocumentBytes(5000, leafDoc);
    expectCode(() => decryptBsonDocument(deep, lookup), 'NESTING_TOO_DEEP', FleFormatError);
    expectCode(() => fle1KeyIdsInBson(deep), 'NESTING_TOO_DEEP', FleFormatError);
    const atLimit = nestedDocumentBytes(MAX_NESTING_DEPTH, leafDoc);
    expect(fle1KeyIdsInBson(atLimit)).toHaveLength(1);
    expect(decryptBsonDocument(atLimit, lookup).length).toBe(nestedDocumentBytes(MAX_NESTING_DEPTH, serialize({ v: 'leaf' })).length);
    const over = nestedDocumentBytes(MAX_NESTING_DEPTH + 1, leafDoc);
    expectCode(() => decryptBsonDocument(over, lookup), 'NESTING_TOO_DEEP', FleFormatError);
    expectCode(() => fle1KeyIdsInBson(over), 'NESTING_TOO_DEEP', FleFormatError);
    // A decrypted sub-document continues the count from where its field sits: { v: <199 deep> } is 200.
    const sealed = seal(0x03, nestedDocumentBytes(MAX_NESTING_DEPTH - 1));
    expect(deserialize(decryptBsonDocument(inDocument(sealed), lookup))).toEqual({ v: nestedObject(MAX_NESTING_DEPTH - 1) });
    expectCode(() => decryptBsonDocument(inDocument(seal(0x03, nestedDocumentBytes(MAX_NESTING_DEPTH))), lookup), 'NESTING_TOO_DEEP', FleFormatError);
  });
});

describe('item 9: values js-bson cannot represent come back as RawBsonValue, bytes kept', () => {
  const int64 = (v: bigint): Uint8Array => {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigInt64(0, v, true);
    return b;
  };

  it('a date beyond ±8.64e15 ms keeps its int64 (libmongocrypt keeps it; js-bson makes Invalid Date)', () => {
    for (const ms of [8_640_000_000_000_001n, -(2n ** 63n), 2n ** 63n - 1n]) {
      const blob = seal(0x09, int64(ms));
      const back = decryptValue(key, blob) as RawBsonValue;
      expect(back).toBeInstanceOf(RawBsonValue);
      expect(back.type).toBe(0x09);
      expect(new DataView(back.bytes.buffer, back.bytes.byteOffset).getBigInt64(0, true)).toBe(ms);
      // Re-encrypting the result seals the same plaintext again.
      const again = decryptValue(key, encryptValue(key, TEST_KEY_ID, 'random', back), { raw: true }) as RawBsonValue;
      expect(bytesToHex(again.bytes)).toBe(bytesToHex(int64(ms)));
    }
    // In range: still a Date.
    expect(decryptValue(key, seal(0x09, int64(8_640_000_000_000_000n)))).toEqual(new Date(8.64e15));
  });

  it('a document holding such a date, or an array with non-index keys, is returned whole as RawBsonValue', () => {
    const dateDoc = concat(Uint8Array.of(16, 0, 0, 0, 0x09, 0x64, 0), int64(2n ** 62n), Uint8Array.of(0));
    const back = decryptValue(key, seal(0x03, dateDoc)) as RawBsonValue;
    expect(back).toBeInstanceOf(RawBsonValue);
    expect(bytesToHex(back.bytes)).toBe(bytesToHex(dateDoc));
    // { "0": 1, "5": 2 } and { "a": 1 } stored as arrays: js-bson renumbers them to [1, 2] / [1].
    for (const keys of [['0', '5'], ['a'], ['1', '2'], ['00']]) {
      const arr = serialize(Object.fromEntries(keys.map((k, i) => [k, new Int32(i + 1)])));
      const r = decryptValue(key, seal(0x04, arr)) as RawBsonValue;
      expect(r).toBeInstanceOf(RawBsonValue);
      expect(bytesToHex(r.bytes)).toBe(bytesToHex(arr));
      const inObject = concat(Uint8Array.of(arr.length + 8, 0, 0, 0, 0x04, 0x61, 0), arr, Uint8Array.of(0));
      expect(decryptValue(key, seal(0x03, inObject))).toBeInstanceOf(RawBsonValue);
      // decryptBsonDocument copies the bytes: keys kept.
      const out = decryptBsonDocument(inDocument(seal(0x04, arr)), lookup);
      expect(bytesToHex(out)).toContain(bytesToHex(arr));
    }
    // Canonical arrays are still arrays.
    expect(decryptValue(key, seal(0x04, serialize({ 0: new Int32(1), 1: new Int32(2) })))).toEqual([new Int32(1), new Int32(2)]);
  });
});

describe('item 10: short blobs and Binary-like objects give typed errors', () => {
  it('subtype-6 FLE1 blobs of 1..81 bytes are BLOB_TOO_SHORT from every parser', () => {
    for (let n = 1; n < 82; n++) {
      for (const first of [1, 2]) {
        const bytes = new Uint8Array(n);
        bytes[0] = first;
        const bin = new Binary(bytes, 6);
        expectCode(() => parseBlob(bin), 'BLOB_TOO_SHORT', FleFormatError);
        expectCode(() => parseFle1Blob(bytes), 'BLOB_TOO_SHORT', FleFormatError);
        expectCode(() => blobKeyId(bin), 'BLOB_TOO_SHORT', FleFormatError);
        expectCode(() => decryptValue(key, bin), 'BLOB_TOO_SHORT', FleFormatError);
        expectCode(() => fle1KeyIdsInBson(inDocument(bin)), 'BLOB_TOO_SHORT', FleFormatError);
        expectCode(() => decryptBsonDocument(inDocument(bin), lookup), 'BLOB_TOO_SHORT', FleFormatError);
      }
    }
  });

  it('a Binary-like object without a byte buffer is NOT_ENCRYPTED_BINARY / BAD_KEY_ID, not a TypeError', () => {
    for (const fake of [
      { _bsontype: 'Binary', sub_type: 6 },
      { _bsontype: 'Binary', sub_type: 6, buffer: [1, 2, 3], position: 3 },
      { _bsontype: 'Binary', sub_type: 6, buffer: new Uint8Array(100), position: 200 },
    ]) {
      expectCode(() => parseBlob(fake as unknown as Binary), 'NOT_ENCRYPTED_BINARY', FleFormatError);
      expectCode(() => decryptValue(key, fake as unknown as Binary), 'NOT_ENCRYPTED_BINARY', FleFormatError);
      expectCode(() => blobKeyId(fake as unknown as Binary), 'NOT_ENCRYPTED_BINARY', FleFormatError);
      const id = { ...fake, sub_type: 4 } as unknown as Binary;
      expectCode(() => keyIdBytes(id), 'BAD_KEY_ID', FleFormatError);
      expectCode(() => encryptValue(key, id, 'random', 'x'), 'BAD_KEY_ID', FleFormatError);
    }
  });
});

describe('item 15: one key id normaliser', () => {
  it('serializeFle1Blob and fle1AssociatedData accept the UUID key ids encryptValue accepts', () => {
    const uuid = new UUID(TEST_KEY_ID);
    const binary = new Binary(TEST_KEY_ID, 4);
    const expected = bytesToHex(fle1AssociatedData(1, TEST_KEY_ID, 2));
    expect(bytesToHex(fle1AssociatedData(1, uuid, 2))).toBe(expected);
    expect(bytesToHex(fle1AssociatedData(1, binary, 2))).toBe(expected);
    const blob = encryptValue(key, uuid, 'deterministic', 'v');
    const parsed = parseFle1Blob(blob);
    const rebuilt = serializeFle1Blob({ subtype: 1, keyId: uuid, bsonType: parsed.bsonType, ciphertext: parsed.ciphertext });
    expect(bytesToHex(rebuilt)).toBe(bytesToHex(blob.buffer.subarray(0, blob.position)));
    // ...and refuse the same things: subtype 0, wrong lengths.
    expectCode(() => fle1AssociatedData(1, new Binary(TEST_KEY_ID, 0), 2), 'BAD_KEY_ID', FleFormatError);
    expectCode(() => serializeFle1Blob({ subtype: 1, keyId: new Uint8Array(15), bsonType: 2, ciphertext: parsed.ciphertext }), 'BAD_KEY_ID', FleFormatError);
  });
});
