// AES/CBC/PKCS5Padding as the clients store an encrypted attribute: IV(16) ‖ ciphertext
// (docs/dynamodb-encryption.md §1; Python internal/crypto/jce_bridge/primitives.py).
// 32-byte keys run on crypto-core's AES-256 (one table-driven implementation, helper brief);
// 16- and 24-byte keys on ./aes.ts.
import { Aes256Key, cbcDecrypt, cbcEncrypt, randomBytes } from '@fle-ts/crypto-core';
import { AesKey } from './aes.js';
import { DynamoDbEncryptionError } from './errors.js';

const BLOCK = 16;

type Schedule = { readonly kind: 256; readonly key: Aes256Key } | { readonly kind: 0; readonly key: AesKey };

function cbcGeneric(aes: AesKey, iv: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
  const out = new Uint8Array(data.length);
  const prev = iv.slice();
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
  return out;
}

/**
 * AES/CBC/PKCS5Padding under one content key, its schedule expanded once and reused for every
 * attribute of an item. Call {@link AesCbcPkcs5.destroy} when done.
 */
export class AesCbcPkcs5 {
  readonly #s: Schedule;

  constructor(key: Uint8Array) {
    this.#s = key.length === 32 ? { kind: 256, key: new Aes256Key(key) } : { kind: 0, key: new AesKey(key) };
  }

  #cbc(iv: Uint8Array, data: Uint8Array, decrypt: boolean): Uint8Array {
    const s = this.#s;
    if (s.kind === 0) return cbcGeneric(s.key, iv, data, decrypt);
    const out = new Uint8Array(data.length);
    (decrypt ? cbcDecrypt : cbcEncrypt)(s.key, iv, 0, data, 0, data.length, out, 0);
    return out;
  }

  /** IV(16) ‖ AES-CBC(PKCS#7(plaintext)); the IV is random unless given (tests only). */
  encrypt(plaintext: Uint8Array, iv: Uint8Array = randomBytes(BLOCK)): Uint8Array {
    const pad = BLOCK - (plaintext.length % BLOCK);
    const padded = new Uint8Array(plaintext.length + pad);
    padded.set(plaintext);
    padded.fill(pad, plaintext.length);
    const out = new Uint8Array(BLOCK + padded.length);
    out.set(iv);
    out.set(this.#cbc(iv, padded, false), BLOCK);
    return out;
  }

  /** Inverse of {@link AesCbcPkcs5.encrypt}; bad length or padding is DDB_DECRYPTION_FAILED. */
  decrypt(data: Uint8Array, where: string): Uint8Array {
    if (data.length < 2 * BLOCK || data.length % BLOCK !== 0) {
      throw new DynamoDbEncryptionError('DDB_DECRYPTION_FAILED', `${where}: encrypted value has ${data.length} bytes, not IV + a whole number of AES blocks`);
    }
    const plain = this.#cbc(data.subarray(0, BLOCK), data.subarray(BLOCK), true);
    const pad = plain[plain.length - 1]!;
    let ok = pad >= 1 && pad <= BLOCK;
    for (let i = 1; ok && i <= pad; i++) ok = plain[plain.length - i] === pad;
    if (!ok) throw new DynamoDbEncryptionError('DDB_DECRYPTION_FAILED', `${where}: encrypted value has bad padding (wrong content key)`);
    return plain.slice(0, plain.length - pad);
  }

  /** Overwrites the key schedule. */
  destroy(): void {
    this.#s.key.destroy();
  }
}

/** One-shot {@link AesCbcPkcs5.encrypt}. */
export function aesCbcPkcs5Encrypt(key: Uint8Array, plaintext: Uint8Array, iv?: Uint8Array): Uint8Array {
  const c = new AesCbcPkcs5(key);
  try {
    return c.encrypt(plaintext, iv);
  } finally {
    c.destroy();
  }
}

/** One-shot {@link AesCbcPkcs5.decrypt}. */
export function aesCbcPkcs5Decrypt(key: Uint8Array, data: Uint8Array, where: string): Uint8Array {
  const c = new AesCbcPkcs5(key);
  try {
    return c.decrypt(data, where);
  } finally {
    c.destroy();
  }
}
