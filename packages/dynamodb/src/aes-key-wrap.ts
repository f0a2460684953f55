// AES Key Wrap (RFC 3394 §2.2), the JCE "AESWrap" the wrapped provider uses for its content key
// (Python delegated_keys/jce.py, wrapping transformation "AESWrap"). Belongs in crypto-core.
import { constantTimeEqual } from '@fle-ts/crypto-core';
import { AesKey } from './aes.js';
import { DynamoDbEncryptionError } from './errors.js';

const DEFAULT_IV = /* @__PURE__ */ new Uint8Array(8).fill(0xa6);

function xorCounter(a: Uint8Array, t: number): void {
  for (let i = 7, x = t; i >= 0 && x > 0; i--, x = Math.floor(x / 256)) a[i]! ^= x & 0xff;
}

/** Wraps `keyData` (a multiple of 8 bytes, at least 16) under the AES key `kek` (RFC 3394 §2.2.1). */
export function aesKeyWrap(kek: Uint8Array, keyData: Uint8Array): Uint8Array {
  if (keyData.length < 16 || keyData.length % 8 !== 0) throw new DynamoDbEncryptionError('DDB_BAD_KEY', 'AES key wrap needs key data of 16 or more bytes, a multiple of 8');
  const aes = new AesKey(kek);
  const n = keyData.length / 8;
  const out = new Uint8Array(8 + keyData.length);
  out.set(DEFAULT_IV);
  out.set(keyData, 8);
  const b = new Uint8Array(16);
  for (let j = 0; j < 6; j++) {
    for (let i = 1; i <= n; i++) {
      b.set(out.subarray(0, 8));
      b.set(out.subarray(8 * i, 8 * i + 8), 8);
      aes.encryptBlock(b);
      xorCounter(b, n * j + i);
      out.set(b.subarray(0, 8));
      out.set(b.subarray(8), 8 * i);
    }
  }
  b.fill(0);
  aes.destroy();
  return out;
}

/** Unwraps (RFC 3394 §2.2.2); a wrong key or altered input fails the integrity check: DDB_UNWRAP_FAILED. */
export function aesKeyUnwrap(kek: Uint8Array, wrapped: Uint8Array): Uint8Array {
  if (wrapped.length < 24 || wrapped.length % 8 !== 0) throw new DynamoDbEncryptionError('DDB_UNWRAP_FAILED', `an AESWrap-wrapped key must be 24 or more bytes, a multiple of 8 (got ${wrapped.length})`);
  const aes = new AesKey(kek);
  const n = wrapped.length / 8 - 1;
  const a = wrapped.slice(0, 8);
  const r = wrapped.slice(8);
  const b = new Uint8Array(16);
  for (let j = 5; j >= 0; j--) {
    for (let i = n; i >= 1; i--) {
      xorCounter(a, n * j + i);
      b.set(a);
      b.set(r.subarray(8 * (i - 1), 8 * i), 8);
      aes.decryptBlock(b);
      a.set(b.subarray(0, 8));
      r.set(b.subarray(8), 8 * (i - 1));
    }
  }
  b.fill(0);
  aes.destroy();
  if (!constantTimeEqual(a, DEFAULT_IV)) {
    r.fill(0);
    throw new DynamoDbEncryptionError('DDB_UNWRAP_FAILED', 'the wrapped content key failed the AES key wrap integrity check (wrong wrapping key, or the material description was altered)');
  }
  return r;
}
