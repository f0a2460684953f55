// Properties of @fle-ts/qe that need no vectors: round trips of every allowed BSON type through
// Unindexed and Indexed, tampering and wrong keys detected with nothing decrypted, the types QE
// refuses refused, bad contention factors, truncated and unknown payloads (issue 14, "What it must show").
import { bytesToHex, hexToBytes, randomBytes } from '@fle-ts/crypto-core';
import { RawBsonValue, serializeBsonValue } from '@fle-ts/fle-format';
import { Binary, Decimal128, Double, Int32, Long, MaxKey, MinKey } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detScalar, randAny } from '../../fle-format/test/arbitraries.js';
import {
  andContentionFactorToken,
  chooseContentionFactor,
  compactionTokens,
  contentionFactor,
  decryptQe,
  decryptQeRaw,
  encryptQe,
  fixedRandomSource,
  keyLookupFrom,
  parseFindEqualityPayloadV2,
  parseFle2Placeholder,
  parseInsertUpdatePayloadV2,
  QeError,
  serializeFindEqualityPayloadV2,
  type QeKeyLookup,
} from '../src/index.js';

const USER_ID = hexToBytes('abcdefab123498761234123456789012');
const INDEX_ID = hexToBytes('12345678123498761234123456789012');
const USER_KEY = randomBytes(96);
const INDEX_KEY = randomBytes(96);
const keys: QeKeyLookup = keyLookupFrom([
  [USER_ID, USER_KEY],
  [INDEX_ID, INDEX_KEY],
]);
const keyId = new Binary(USER_ID, 4);
const indexKeyId = new Binary(INDEX_ID, 4);

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'no error';
  } catch (e) {
    return String((e as { code?: unknown }).code);
  }
}

function bin(b: Binary): Uint8Array {
  return b.buffer.subarray(0, b.position);
}

/** Value bytes as libmongocrypt hashes/encrypts them. */
function raw(value: unknown): string {
  const { type, bytes } = serializeBsonValue(value);
  return `${type}:${bytesToHex(bytes)}`;
}

describe('round trips', () => {
  it('Unindexed: every BSON type QE allows comes back with the same type and bytes', () => {
    fc.assert(
      fc.property(randAny, (v) => {
        const blob = encryptQe(v, { algorithm: 'Unindexed', keyId }, { keys });
        const back = decryptQeRaw(blob, keys);
        return bin(blob)[0] === 16 && `${back.bsonType}:${bytesToHex(back.bytes)}` === raw(v);
      }),
      { numRuns: 300 },
    );
  });
  it('Indexed insert (contention 0..8): every equality type comes back; d/s/l agree with the find payload for the same value', () => {
    fc.assert(
      fc.property(fc.oneof(detScalar, fc.boolean()), fc.integer({ min: 0, max: 8 }), (v, cm) => {
        const blob = encryptQe(v, { algorithm: 'Indexed', keyId, indexKeyId, contentionFactor: cm }, { keys });
        const back = decryptQeRaw(blob, keys);
        const ins = parseInsertUpdatePayloadV2(bin(blob));
        const find = parseFindEqualityPayloadV2(bin(encryptQe(v, { algorithm: 'Indexed', keyId, indexKeyId, contentionFactor: cm, queryType: 'equality' }, { keys })));
        const k = ins.contentionFactor;
        return (
          `${back.bsonType}:${bytesToHex(back.bytes)}` === raw(v) &&
          k >= 0n &&
          k <= BigInt(cm) &&
          find.maxContentionFactor === BigInt(cm) &&
          // The server derives insert tokens from find tokens (queryable-encryption.md §2): d = HMAC(find d, k).
          bytesToHex(andContentionFactorToken(find.edcDerivedToken, k)) === bytesToHex(ins.edcDerivedToken) &&
          bytesToHex(andContentionFactorToken(find.escDerivedToken, k)) === bytesToHex(ins.escDerivedToken) &&
          bytesToHex(find.serverDerivedFromDataToken) === bytesToHex(ins.serverDerivedFromDataToken) &&
          bytesToHex(ins.indexKeyId) === bytesToHex(INDEX_ID) &&
          bytesToHex(ins.value.subarray(0, 16)) === bytesToHex(USER_ID)
        );
      }),
      { numRuns: 200 },
    );
  });
  it('decryptQe gives the value back as a bson value (types kept)', () => {
    const blob = encryptQe(new Int32(123456), { algorithm: 'Indexed', keyId, contentionFactor: 0 }, { keys });
    expect(decryptQe(blob, keys)).toEqual(new Int32(123456));
    expect(decryptQe(encryptQe('x', { algorithm: 'Unindexed', keyId }, { keys }), keys)).toBe('x');
    expect(decryptQe(encryptQe('x', { algorithm: 'Unindexed', keyId }, { keys }), keys, { raw: true })).toBeInstanceOf(RawBsonValue);
  });
  it('a find payload is deterministic; inserts differ per call (fresh IVs)', () => {
    const o = { algorithm: 'Indexed', keyId, contentionFactor: 3, queryType: 'equality' } as const;
    expect(bytesToHex(bin(encryptQe('a', o, { keys })))).toBe(bytesToHex(bin(encryptQe('a', o, { keys }))));
    const i = { algorithm: 'Indexed', keyId, contentionFactor: 0 } as const;
    expect(bytesToHex(bin(encryptQe('a', i, { keys })))).not.toBe(bytesToHex(bin(encryptQe('a', i, { keys }))));
    const reparsed = parseFindEqualityPayloadV2(bin(encryptQe('a', o, { keys })));
    expect(bytesToHex(serializeFindEqualityPayloadV2(reparsed))).toBe(bytesToHex(bin(encryptQe('a', o, { keys }))));
  });
});

describe('tampering and wrong keys: typed errors, nothing decrypted', () => {
  it('any flipped bit of a 16 or 11 blob gives a typed error or the original value, never another value', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 30 }), fc.nat(), fc.boolean(), (s, n, indexed) => {
        const blob = bin(indexed ? encryptQe(s, { algorithm: 'Indexed', keyId, contentionFactor: 0 }, { keys }) : encryptQe(s, { algorithm: 'Unindexed', keyId }, { keys }));
        const bad = new Uint8Array(blob);
        const at = n % bad.length;
        bad[at]! ^= 1 << n % 8;
        try {
          const v = decryptQe(bad, keys);
          // Only bits outside what decryption reads may flip harmlessly: the insert payload's token
          // fields (d, s, p, e, l, k, u) are for the server. The value must then be the original.
          return indexed && v === s;
        } catch (e) {
          return e instanceof Error && typeof (e as { code?: unknown }).code === 'string';
        }
      }),
      { numRuns: 300 },
    );
  });
  it('a blob under a key that is not the one it names: HMAC_MISMATCH (16, 11)', () => {
    const other = keyLookupFrom([[USER_ID, randomBytes(96)]]);
    expect(codeOf(() => decryptQe(encryptQe('s', { algorithm: 'Unindexed', keyId }, { keys }), other))).toBe('HMAC_MISMATCH');
    expect(codeOf(() => decryptQe(encryptQe('s', { algorithm: 'Indexed', keyId, contentionFactor: 0 }, { keys }), other))).toBe('HMAC_MISMATCH');
  });
  it('a missing key: KEY_NOT_FOUND, for encryption (before any random byte is drawn) and decryption', () => {
    const none = keyLookupFrom([]);
    const rng = fixedRandomSource(new Uint8Array(64));
    expect(codeOf(() => encryptQe('s', { algorithm: 'Indexed', keyId, contentionFactor: 4 }, { keys: none, random: rng }))).toBe('KEY_NOT_FOUND');
    expect(rng.remaining()).toBe(64);
    expect(codeOf(() => decryptQe(encryptQe('s', { algorithm: 'Unindexed', keyId }, { keys }), none))).toBe('KEY_NOT_FOUND');
    expect(codeOf(() => encryptQe('s', { algorithm: 'Unindexed', keyId }, { keys: () => new Uint8Array(32) }))).toBe('BAD_KEY');
  });
  it('truncated payloads: typed errors at every length', () => {
    const blobs = [
      bin(encryptQe('abc', { algorithm: 'Unindexed', keyId }, { keys })),
      bin(encryptQe('abc', { algorithm: 'Indexed', keyId, contentionFactor: 1 }, { keys })),
    ];
    for (const b of blobs) {
      for (let n = 1; n < b.length; n++) {
        const code = codeOf(() => decryptQe(b.subarray(0, n), keys));
        expect(['MALFORMED_PAYLOAD', 'HMAC_MISMATCH', 'CIPHERTEXT_TOO_SHORT'], `length ${n} of ${b.length}`).toContain(code);
      }
    }
  });
  it('unknown and unsupported payload kinds', () => {
    expect(codeOf(() => decryptQe(new Uint8Array([99, 1, 2]), keys))).toBe('UNKNOWN_PAYLOAD_KIND');
    expect(codeOf(() => decryptQe(new Uint8Array(0), keys))).toBe('UNKNOWN_PAYLOAD_KIND');
    for (const k of [0, 1, 2, 3, 4, 5, 6, 7, 9, 12, 13, 17, 18]) expect(codeOf(() => decryptQe(new Uint8Array([k, 0, 0]), keys)), `kind ${k}`).toBe('UNSUPPORTED_PAYLOAD_KIND');
    expect(codeOf(() => decryptQe(new Binary(new Uint8Array([16]), 0), keys))).toBe('MALFORMED_PAYLOAD');
  });
});

describe('refused inputs', () => {
  it('types QE refuses: null, undefined, minKey, maxKey, encrypted binData (both); double, decimal128, object, array, code with scope (Indexed)', () => {
    for (const v of [null, undefined, new MinKey(), new MaxKey(), new Binary(new Uint8Array(3), 6)]) {
      expect(codeOf(() => encryptQe(v, { algorithm: 'Unindexed', keyId }, { keys })), String(v)).toBe('UNSUPPORTED_BSON_TYPE');
      expect(codeOf(() => encryptQe(v, { algorithm: 'Indexed', keyId, contentionFactor: 0 }, { keys })), String(v)).toBe('UNSUPPORTED_BSON_TYPE');
    }
    for (const v of [new Double(1.5), Decimal128.fromString('1'), { a: 1 }, [1]]) {
      expect(codeOf(() => encryptQe(v, { algorithm: 'Indexed', keyId, contentionFactor: 0 }, { keys }))).toBe('UNSUPPORTED_BSON_TYPE');
      expect(codeOf(() => encryptQe(v, { algorithm: 'Unindexed', keyId }, { keys }))).toBe('no error');
    }
  });
  it('contention factor: required for Indexed, refused for Unindexed, 0 <= cf < INT64_MAX, integers only', () => {
    expect(codeOf(() => encryptQe('a', { algorithm: 'Indexed', keyId }, { keys }))).toBe('BAD_CONTENTION_FACTOR');
    expect(codeOf(() => encryptQe('a', { algorithm: 'Unindexed', keyId, contentionFactor: 0 }, { keys }))).toBe('BAD_CONTENTION_FACTOR');
    for (const bad of [-1, -1n, 2n ** 63n - 1n, 2n ** 64n, 1.5, Number.NaN, '3', null]) {
      expect(codeOf(() => contentionFactor(bad)), String(bad)).toBe('BAD_CONTENTION_FACTOR');
    }
    expect(contentionFactor(Long.fromBigInt(2n ** 63n - 2n))).toBe(2n ** 63n - 2n);
  });
  it('options: unknown algorithm or queryType, queryType with Unindexed', () => {
    // QE 7.0's range v1 ('RangePreview') is refused, as libmongocrypt refuses it; Range needs rangeOptions.
    expect(codeOf(() => encryptQe('a', { algorithm: 'RangePreview' as 'Indexed', keyId, contentionFactor: 0 }, { keys }))).toBe('BAD_OPTIONS');
    expect(codeOf(() => encryptQe(1, { algorithm: 'Range', keyId, contentionFactor: 0 } as never, { keys }))).toBe('BAD_RANGE_OPTIONS');
    expect(codeOf(() => encryptQe('a', { algorithm: 'Indexed', keyId, contentionFactor: 0, queryType: 'range' as 'equality' }, { keys }))).toBe('BAD_OPTIONS');
    expect(codeOf(() => encryptQe('a', { algorithm: 'Unindexed', keyId, queryType: 'equality' }, { keys }))).toBe('BAD_OPTIONS');
    expect(codeOf(() => encryptQe('a', { algorithm: 'Unindexed', keyId: new Uint8Array(15) }, { keys }))).toBe('BAD_KEY_ID');
  });
  it('placeholders: text refused, bad fields typed', () => {
    const marking = (doc: string) => hexToBytes(`03${doc}`);
    // {t: 1, a: 4}: a text search marking.
    expect(codeOf(() => parseFle2Placeholder(marking('13000000107400010000001061000400000000')))).toBe('UNSUPPORTED_PAYLOAD_KIND');
    // {t: 1, a: 3}: a range marking without ki, ku, v (range markings are handled, this one is incomplete).
    expect(codeOf(() => parseFle2Placeholder(marking('13000000107400010000001061000300000000')))).toBe('BAD_PLACEHOLDER');
    // {t: 5}
    expect(codeOf(() => parseFle2Placeholder(marking('0c0000001074000500000000')))).toBe('BAD_PLACEHOLDER');
    expect(codeOf(() => parseFle2Placeholder(marking('0500000000')))).toBe('BAD_PLACEHOLDER');
    expect(codeOf(() => parseFle2Placeholder(hexToBytes('030600')))).toBe('BAD_PLACEHOLDER');
  });
});

describe('randomness', () => {
  it('contention choice is libmongocrypt rejection sampling over a little-endian u64', () => {
    expect(chooseContentionFactor(0n, fixedRandomSource(new Uint8Array(0)))).toBe(0n);
    expect(chooseContentionFactor(1n, fixedRandomSource(hexToBytes('0100000000000000')))).toBe(1n);
    expect(chooseContentionFactor(9n, fixedRandomSource(hexToBytes('0d00000000000000')))).toBe(3n);
    // cm = 2: 2^64 mod 3 = 1, so 0 is redrawn and 5 mod 3 = 2 is taken.
    const rng = fixedRandomSource(hexToBytes('00000000000000000500000000000000'));
    expect(chooseContentionFactor(2n, rng)).toBe(2n);
    expect(rng.remaining()).toBe(0);
  });
  it('an exhausted or misbehaving random source is RANDOM_SOURCE_FAILED', () => {
    expect(codeOf(() => encryptQe('a', { algorithm: 'Unindexed', keyId }, { keys, random: fixedRandomSource(new Uint8Array(15)) }))).toBe('RANDOM_SOURCE_FAILED');
    expect(codeOf(() => encryptQe('a', { algorithm: 'Unindexed', keyId }, { keys, random: () => new Uint8Array(3) }))).toBe('RANDOM_SOURCE_FAILED');
  });
  it('QeError has a literal name, a code, and is a FleError', () => {
    const e = new QeError('BAD_OPTIONS', 'x');
    expect(e.name).toBe('QeError');
    expect(e.code).toBe('BAD_OPTIONS');
  });
});


describe('compactionTokens: bad encryptedFields are typed errors', () => {
  const field = (extra: Record<string, unknown>) => ({ fields: [{ keyId, path: 'a', ...extra }] });
  it('refuses what libmongocrypt refuses, and keyAltName (not resolved here)', () => {
    expect(codeOf(() => compactionTokens({}, keys))).toBe('BAD_ENCRYPTED_FIELDS');
    expect(codeOf(() => compactionTokens({ fields: [{ path: 'a' }] }, keys))).toBe('BAD_ENCRYPTED_FIELDS');
    expect(codeOf(() => compactionTokens({ fields: [{ keyAltName: 'k', path: 'a' }] }, keys))).toBe('BAD_ENCRYPTED_FIELDS');
    expect(codeOf(() => compactionTokens({ fields: [{ keyId: new Binary(USER_ID, 0), path: 'a' }] }, keys))).toBe('BAD_ENCRYPTED_FIELDS');
    expect(codeOf(() => compactionTokens(field({ queries: { queryType: 'rangePreview' } }), keys))).toBe('BAD_ENCRYPTED_FIELDS');
    expect(codeOf(() => compactionTokens(field({ queries: { queryType: 'nope' } }), keys))).toBe('BAD_ENCRYPTED_FIELDS');
    expect(codeOf(() => compactionTokens({ fields: [{ keyId: new Binary(randomBytes(16), 4), path: 'a' }] }, keys))).toBe('KEY_NOT_FOUND');
  });
  it('a path named __proto__ is an own key, not a prototype change', () => {
    const t = compactionTokens({ fields: [{ keyId, path: '__proto__' }] }, keys);
    expect(Object.keys(t)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(t)).toBe(null);
  });
});
