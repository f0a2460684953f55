// decryptBsonDocument / fle1KeyIdsInBson: one-pass BSON-to-BSON decryption (bson-document.ts).
import { AeadKey, bytesToHex, FleCryptoError, FleError } from '@fle-ts/crypto-core';
import { Binary, BSONRegExp, Code, Int32, Long, serialize } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decryptBsonDocument, encryptValue, FLE1_PARSE_MIN_LENGTH, FleFormatError, fle1KeyIdsInBson, RawBsonValue } from '../src/index.js';
import { detScalar, doc, randAny } from './arbitraries.js';
import { expectCode, TEST_KEY, TEST_KEY_ID } from './helpers.js';

const KEYS = [new AeadKey(TEST_KEY), new AeadKey(TEST_KEY.map((b) => b ^ 0x5a))];
const IDS = [TEST_KEY_ID, TEST_KEY_ID.map((b) => b ^ 0xff)];
const lookup = (id: Uint8Array): AeadKey => {
  const i = IDS.findIndex((k) => bytesToHex(k) === bytesToHex(id));
  if (i < 0) throw new Error('unknown key');
  return KEYS[i]!;
};

/**
 * Encrypts some of `value`'s parts (chosen by `pick`): leaves with Random or Deterministic where
 * allowed, whole sub-documents and arrays with Random. Returns the encrypted copy.
 */
function encryptSome(value: unknown, pick: () => number): unknown {
  const choice = pick();
  const k = choice & 1;
  const isContainer = Array.isArray(value) || (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype);
  if (choice % 3 === 0) {
    try {
      return encryptValue(KEYS[k]!, IDS[k]!, 'random', value);
    } catch (e) {
      if (!(e instanceof FleFormatError)) throw e; // a forbidden type stays in clear
    }
  }
  if (!isContainer && choice % 3 === 1) {
    try {
      return encryptValue(KEYS[k]!, IDS[k]!, 'deterministic', value);
    } catch (e) {
      if (!(e instanceof FleFormatError)) throw e;
    }
  }
  if (Array.isArray(value)) return value.map((v) => encryptSome(v, pick));
  if (isContainer) return Object.fromEntries(Object.entries(value as object).map(([n, v]) => [n, encryptSome(v, pick)]));
  return value;
}

function picker(seed: number[]): () => number {
  let i = 0;
  return () => seed[i++ % seed.length]!;
}

describe('decryptBsonDocument', () => {
  it('property: any document with any mix of encrypted parts decrypts to exactly the BSON of the plain document', () => {
    fc.assert(
      fc.property(doc, fc.array(fc.nat(), { minLength: 1, maxLength: 16 }), (plain, seed) => {
        const pick = picker(seed);
        // The top level stays a document; anything below it may be encrypted.
        const enc = Object.fromEntries(Object.entries(plain).map(([n, v]) => [n, encryptSome(v, pick)]));
        const bytes = serialize(enc);
        const out = decryptBsonDocument(bytes, lookup);
        expect(bytesToHex(out)).toBe(bytesToHex(serialize(plain)));
      }),
      { numRuns: 300 },
    );
  });

  it('property: a whole Random-encrypted value of any type comes back byte for byte', () => {
    fc.assert(
      fc.property(randAny, (v) => {
        const out = decryptBsonDocument(serialize({ a: 1, v: encryptValue(KEYS[0]!, IDS[0]!, 'random', v), z: 'end' }), lookup);
        expect(bytesToHex(out)).toBe(bytesToHex(serialize({ a: 1, v, z: 'end' })));
      }),
      { numRuns: 300 },
    );
  });

  it('property: fle1KeyIdsInBson lists each key once, and decryption asks only for those keys', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(detScalar, fc.boolean()), { maxLength: 8 }), (pairs) => {
        const d: Record<string, unknown> = {};
        pairs.forEach(([v, second], i) => (d[`f${i}`] = encryptValue(KEYS[+second]!, IDS[+second]!, 'deterministic', v)));
        const bytes = serialize(d);
        const expected = [...new Set(pairs.map(([, s]) => bytesToHex(IDS[+s]!)))];
        expect(fle1KeyIdsInBson(bytes).map(bytesToHex)).toEqual(expected);
        const asked = new Set<string>();
        decryptBsonDocument(bytes, (id) => (asked.add(bytesToHex(id)), lookup(id)));
        expect([...asked].sort()).toEqual([...expected].sort());
      }),
      { numRuns: 200 },
    );
  });

  it('keeps types exactly: Int32, Int64, regex, code, UUID and a DBPointer (RawBsonValue) inside nested documents and arrays', () => {
    const ptr = RawBsonValue.dbPointer('db.coll', new Uint8Array(12).fill(7));
    const values = { i: new Int32(42), l: Long.fromNumber(42), r: new BSONRegExp('^a', 'i'), c: new Code('x'), u: new Binary(new Uint8Array(16).fill(1), 4) };
    const enc = { nested: { arr: [encryptValue(KEYS[0]!, IDS[0]!, 'deterministic', ptr)], ...Object.fromEntries(Object.entries(values).map(([n, v]) => [n, encryptValue(KEYS[1]!, IDS[1]!, 'deterministic', v)])) } };
    const out = decryptBsonDocument(serialize(enc), lookup);
    // The array element: type 0x0C, name "0", then exactly the DBPointer bytes.
    const expectedArray = new Uint8Array([...new Uint8Array(4), 0x0c, 0x30, 0, ...ptr.bytes, 0]);
    new DataView(expectedArray.buffer).setInt32(0, expectedArray.length, true);
    expect(bytesToHex(out)).toContain(bytesToHex(expectedArray));
    const withoutPtr = decryptBsonDocument(serialize({ nested: { ...enc.nested, arr: [] } }), lookup);
    expect(bytesToHex(withoutPtr)).toBe(bytesToHex(serialize({ nested: { arr: [], ...values } })));
  });

  it('leaves other subtype-6 kinds (markings, Queryable Encryption payloads) and other binaries unchanged', () => {
    const d = { m: new Binary(new Uint8Array([0, 1, 2]), 6), qe: new Binary(new Uint8Array([6, ...new Uint8Array(40)]), 6), b: new Binary(new Uint8Array([1, 2]), 0) };
    const bytes = serialize(d);
    expect(fle1KeyIdsInBson(bytes)).toEqual([]);
    expect(bytesToHex(decryptBsonDocument(bytes, () => { throw new Error('no key needed'); }))).toBe(bytesToHex(bytes));
  });

  it('the other-blob hooks: fle1KeyIdsInBson reports every non-FLE1 BinData 6 payload; decryptBsonDocument replaces what decryptOther returns, in the same pass as FLE1', () => {
    const fle1 = encryptValue(KEYS[0]!, IDS[0]!, 'random', 'one');
    const qe = new Binary(new Uint8Array([16, ...new Uint8Array(60).fill(7)]), 6);
    const find = new Binary(new Uint8Array([12, 1, 2, 3]), 6);
    const bytes = serialize({ a: fle1, n: { q: qe, arr: [find, new Binary(new Uint8Array([16, 9]), 0)] } });
    const seen: string[] = [];
    expect(fle1KeyIdsInBson(bytes, (b) => seen.push(bytesToHex(b.subarray(0, 2))))).toEqual([IDS[0]]);
    expect(seen).toEqual(['1007', '0c01']);
    const other = (b: Uint8Array) => (b[0] === 16 ? { bsonType: 0x10, bytes: new Uint8Array([42, 0, 0, 0]) } : undefined);
    const out = decryptBsonDocument(bytes, lookup, other);
    expect(bytesToHex(out)).toBe(bytesToHex(serialize({ a: 'one', n: { q: new Int32(42), arr: [find, new Binary(new Uint8Array([16, 9]), 0)] } })));
    // A hook's value is validated like an FLE1 plaintext: an int32 of 3 bytes is MALFORMED_BSON.
    expectCode(() => decryptBsonDocument(bytes, lookup, (b) => (b[0] === 16 ? { bsonType: 0x10, bytes: new Uint8Array(3) } : undefined)), 'MALFORMED_BSON', FleFormatError);
  });

  it('a tampered blob fails with HMAC_MISMATCH, a short one with BLOB_TOO_SHORT, an unknown key with the lookup error', () => {
    const blob = encryptValue(KEYS[0]!, IDS[0]!, 'random', 'secret');
    const bytes = serialize({ v: blob });
    const tampered = bytes.slice();
    tampered[tampered.length - 3]! ^= 1;
    expectCode(() => decryptBsonDocument(tampered, lookup), 'HMAC_MISMATCH', FleCryptoError);
    const short = serialize({ v: new Binary(blob.buffer.subarray(0, 40), 6) });
    expectCode(() => decryptBsonDocument(short, lookup), 'BLOB_TOO_SHORT', FleFormatError);
    expectCode(() => fle1KeyIdsInBson(short), 'BLOB_TOO_SHORT', FleFormatError);
    expect(() => decryptBsonDocument(bytes, () => { throw new Error('unknown key'); })).toThrow('unknown key');
    // The wrong key for the id: the tag does not match.
    expectCode(() => decryptBsonDocument(bytes, () => KEYS[1]!), 'HMAC_MISMATCH', FleCryptoError);
  });

  it('minBlobLength = FLE1_PARSE_MIN_LENGTH lists the key of a 19..81-byte blob (libmongocrypt order); decryption still refuses it; under 19 bytes stays BLOB_TOO_SHORT', () => {
    const blob = encryptValue(KEYS[0]!, IDS[0]!, 'deterministic', 'secret');
    const short = serialize({ v: new Binary(blob.buffer.subarray(0, 40), 6) });
    expect(fle1KeyIdsInBson(short, undefined, FLE1_PARSE_MIN_LENGTH)).toEqual([IDS[0]]);
    expectCode(() => decryptBsonDocument(short, lookup), 'BLOB_TOO_SHORT', FleFormatError);
    const tiny = serialize({ v: new Binary(blob.buffer.subarray(0, FLE1_PARSE_MIN_LENGTH - 1), 6) });
    expectCode(() => fle1KeyIdsInBson(tiny, undefined, FLE1_PARSE_MIN_LENGTH), 'BLOB_TOO_SHORT', FleFormatError);
    // A lower value is clamped: no key id is ever read past a blob's end.
    expectCode(() => fle1KeyIdsInBson(tiny, undefined, 2), 'BLOB_TOO_SHORT', FleFormatError);
  });

  it('a decrypted value that is not valid BSON of its recorded type is MALFORMED_BSON, with no plaintext in the message', () => {
    // A validly encrypted blob whose plaintext is a broken string (length says 100, 3 bytes follow).
    const aad = new Uint8Array([2, ...IDS[0]!, 0x02]);
    const secret = new Uint8Array([100, 0, 0, 0, 0x53, 0x45, 0]);
    const c = KEYS[0]!.encryptRandom(secret, aad);
    const bytes = serialize({ v: new Binary(new Uint8Array([...aad, ...c]), 6) });
    const e = expectCode(() => decryptBsonDocument(bytes, lookup), 'MALFORMED_BSON', FleFormatError);
    expect(e.message).not.toContain('SE');
  });

  it('malformed documents are MALFORMED_BSON: truncated, bad lengths, unknown types, trailing bytes, not bytes', () => {
    const good = serialize({ a: 'x', b: { c: new Int32(1) }, d: encryptValue(KEYS[0]!, IDS[0]!, 'random', 'y') });
    const cases: Uint8Array[] = [
      new Uint8Array(0),
      good.subarray(0, good.length - 1),
      new Uint8Array([...good, 0]),
      Uint8Array.from(good, (b, i) => (i === 4 ? 0x42 : b)), // unknown element type
      Uint8Array.from(good, (b, i) => (i === 7 ? 0xff : b)), // string length far too long
      Uint8Array.from(good, (b, i) => (i === good.length - 1 ? 1 : b)), // no closing 0x00
    ];
    for (const bad of cases) {
      expectCode(() => decryptBsonDocument(bad, lookup), 'MALFORMED_BSON', FleFormatError);
      expectCode(() => fle1KeyIdsInBson(bad), 'MALFORMED_BSON', FleFormatError);
    }
    expectCode(() => decryptBsonDocument('not bytes' as unknown as Uint8Array, lookup), 'MALFORMED_BSON', FleFormatError);
  });

  it('property: arbitrary or mutated bytes only ever give typed errors (FleError), never hang or crash', () => {
    const seedDoc = serialize({ a: 'x', n: [1, { m: encryptValue(KEYS[0]!, IDS[0]!, 'random', 'y') }], r: new BSONRegExp('a', 'i'), c: new Code('f', { s: 1 }) });
    const mutated = fc.array(fc.tuple(fc.nat({ max: seedDoc.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }).map((edits) => {
      const b = seedDoc.slice();
      for (const [i, v] of edits) b[i] = v;
      return b;
    });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), mutated), (bytes) => {
        for (const run of [() => decryptBsonDocument(bytes, lookup), () => fle1KeyIdsInBson(bytes)]) {
          try {
            run();
          } catch (e) {
            if (e instanceof Error && e.message === 'unknown key') continue;
            expect(e).toBeInstanceOf(FleError);
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
