// encryptValueAsync / decryptValueAsync: the same blobs and errors as the sync path, on
// crypto-core's async AEAD (WebCrypto from ASYNC_NATIVE_THRESHOLD bytes on).
import { AeadKey, ASYNC_NATIVE_THRESHOLD, bytesToHex, FleCryptoError } from '@fle-ts/crypto-core';
import { Binary, Int32, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { decryptValue, decryptValueAsync, encryptValue, encryptValueAsync, FleFormatError } from '../src/index.js';
import { TEST_KEY, TEST_KEY_ID } from './helpers.js';

const key = new AeadKey(TEST_KEY);
const hex = (b: Binary) => bytesToHex(b.buffer.subarray(0, b.position));

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    expect(e instanceof FleFormatError || e instanceof FleCryptoError).toBe(true);
    return (e as FleFormatError).code;
  }
  return undefined;
}

describe('async value encryption (fle1-spec.md §1-2, same bytes as sync)', () => {
  const small = 'small value';
  const large = 'L'.repeat(ASYNC_NATIVE_THRESHOLD * 2 + 3); // runs on WebCrypto where present

  it('deterministic blobs equal the sync ones, small and large', async () => {
    for (const v of [small, large, new Int32(7)]) {
      expect(hex(await encryptValueAsync(key, TEST_KEY_ID, 'deterministic', v))).toBe(hex(encryptValue(key, TEST_KEY_ID, 'deterministic', v)));
    }
  });

  it('random blobs cross-decrypt between the sync and async paths', async () => {
    for (const v of [small, large, { big: large, n: new Int32(1) }]) {
      const a = await encryptValueAsync(key, TEST_KEY_ID, 'random', v);
      const b = encryptValue(key, TEST_KEY_ID, 'random', v);
      expect(bytesToHex(serialize({ v: decryptValue(key, a) }))).toBe(bytesToHex(serialize({ v })));
      expect(bytesToHex(serialize({ v: await decryptValueAsync(key, b) }))).toBe(bytesToHex(serialize({ v })));
    }
  });

  it('same error codes as the sync path', async () => {
    expect(await codeOf(encryptValueAsync(key, TEST_KEY_ID, 'deterministic', 1.5))).toBe('FORBIDDEN_BSON_TYPE');
    expect(await codeOf(encryptValueAsync(key, TEST_KEY_ID, 'Indexed' as 'random', 'x'))).toBe('BAD_ALGORITHM');
    const blob = encryptValue(key, TEST_KEY_ID, 'deterministic', large);
    const t = Uint8Array.from(blob.buffer.subarray(0, blob.position));
    t[t.length - 1]! ^= 1;
    expect(await codeOf(decryptValueAsync(key, t))).toBe('HMAC_MISMATCH');
    expect(await codeOf(decryptValueAsync(key, new Uint8Array(0)))).toBe('EMPTY_BLOB');
    expect(await codeOf(decryptValueAsync(key, Uint8Array.from([3, 5, 0, 0, 0, 0])))).toBe('UNSUPPORTED_BLOB_KIND');
    expect(await codeOf(decryptValueAsync(key, new Binary(new Uint8Array(90), 0)))).toBe('NOT_ENCRYPTED_BINARY');
  });
});
