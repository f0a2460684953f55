// AES/CBC/PKCS5Padding as the clients store an encrypted attribute: IV(16) ‖ ciphertext
// (docs/dynamodb-encryption.md §1; Python internal/crypto/jce_bridge/primitives.py).
// 32-byte keys run on crypto-core's AES-256 (one table-driven implementation, helper brief);
// 16- and 24-byte keys on ./aes.ts.
import { Aes256Key, cbcDecrypt, cbcEncrypt, randomBytes } from '@fle-ts/crypto-core';
import { AesKey } from './aes.js';
import { DynamoDbEncryptionError } from './errors.js';

const BLOCK = 16;

function cbcGeneric(key: Uint8Array, iv: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
  const aes = new AesKey(key);
  const out = new Uint8Array(data.length);
  const prev = iv.slice();
  try {
    for (let i = 0; i < data.length; i += BLOCK) {
      if (decrypt) {
        out.set(data.subarray(i, i + BLOCK), i);
        aes.decryptBlock(out, i);
        for (let j = 0; j < BLOCK; j++) out[i + j]! ^= prev[j]!;
        prev.set(data.subarray(i, i + BLOCK));
      } else {
        for (let j = 0; j < BLOCK; j++) out[i + j] = data[i + j]! ^ prev[j]!;
        aes.encryptBlock(out, i);
        prev.set(out.subarray(i, i + BLOCK));
      }
    }
  } finally {
    aes.destroy();
  }
  return out;
}

function cbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
  if (key.length !== 32) return cbcGeneric(key, iv, data, decrypt);
  const k = new Aes256Key(key);
  try {
    const out = new Uint8Array(data.length);
    (decrypt ? cbcDecrypt : cbcEncrypt)(k, iv, 0, data, 0, data.length, out, 0);
    return out;
  } finally {
    k.destroy();
  }
}

/** IV(16) ‖ AES-CBC(key, PKCS#7(plaintext)); the IV is random unless given (tests only). */
export function aesCbcPkcs5Encrypt(key: Uint8Array, plaintext: Uint8Array, iv: Uint8Array = randomBytes(BLOCK)): Uint8Array {
  const pad = BLOCK - (plaintext.length % BLOCK);
  const padded = new Uint8Array(plaintext.length + pad);
  padded.set(plaintext);
  padded.fill(pad, plaintext.length);
  const out = new Uint8Array(BLOCK + padded.length);
  out.set(iv);
  out.set(cbc(key, iv, padded, false), BLOCK);
  return out;
}

/** Inverse of {@link aesCbcPkcs5Encrypt}; bad length or padding is DDB_DECRYPTION_FAILED. */
export function aesCbcPkcs5Decrypt(key: Uint8Array, data: Uint8Array, where: string): Uint8Array {
  if (data.length < 2 * BLOCK || data.length % BLOCK !== 0) {
    throw new DynamoDbEncryptionError('DDB_DECRYPTION_FAILED', `${where}: encrypted value has ${data.length} bytes, not IV + a whole number of AES blocks`);
  }
  const plain = cbc(key, data.subarray(0, BLOCK), data.subarray(BLOCK), true);
  const pad = plain[plain.length - 1]!;
  let ok = pad >= 1 && pad <= BLOCK;
  for (let i = 1; ok && i <= pad; i++) ok = plain[plain.length - i] === pad;
  if (!ok) throw new DynamoDbEncryptionError('DDB_DECRYPTION_FAILED', `${where}: encrypted value has bad padding (wrong content key)`);
  return plain.slice(0, plain.length - pad);
}
