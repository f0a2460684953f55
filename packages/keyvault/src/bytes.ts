// Small helpers over bson's Binary (Uint8Array only; portable to browsers and workers).
import { Binary } from 'bson';
import { bytesToHex } from '@fle-ts/crypto-core';
import { KeyVaultError } from './errors.js';

/** True for a bson Binary (also a UUID, which extends it), even from another copy of `bson`. */
export function isBinary(v: unknown): v is Binary {
  return typeof v === 'object' && v !== null && (v as { _bsontype?: unknown })._bsontype === 'Binary'
    || v instanceof Binary;
}

/** The bytes of a Binary, exactly `position` long (its buffer may be larger). */
export function binaryBytes(b: Binary): Uint8Array {
  return b.buffer.subarray(0, b.position);
}

/**
 * A fresh copy. Not `.slice()`: bson hands out Node Buffers in Node, whose `slice` is a view,
 * and a view would let a wipe or a store mutation reach the caller's bytes.
 */
export function copyBytes(b: Uint8Array): Uint8Array {
  return new Uint8Array(b);
}

/** A key id as raw 16 bytes, from a Binary (subtype 4) or a Uint8Array. */
export function keyIdBytes(id: Uint8Array | Binary, what = 'key id'): Uint8Array {
  let bytes: Uint8Array;
  if (isBinary(id)) {
    if (id.sub_type !== Binary.SUBTYPE_UUID) {
      throw new KeyVaultError('INVALID_ARGUMENT', `${what} must be a UUID (BinData subtype 4), got subtype ${id.sub_type}`);
    }
    bytes = binaryBytes(id);
  } else if (id instanceof Uint8Array) {
    bytes = id;
  } else {
    throw new KeyVaultError('INVALID_ARGUMENT', `${what} must be a Binary (subtype 4) or a Uint8Array`);
  }
  if (bytes.length !== 16) {
    throw new KeyVaultError('INVALID_ARGUMENT', `${what} must be 16 bytes, got ${bytes.length}`);
  }
  return bytes;
}

/** Hex of a key id: the cache and store map key. */
export function keyIdHex(id: Uint8Array | Binary): string {
  return bytesToHex(keyIdBytes(id));
}

/** A new UUID Binary (subtype 4) holding a copy of `bytes`. */
export function uuidBinary(bytes: Uint8Array): Binary {
  if (!(bytes instanceof Uint8Array) || bytes.length !== 16) {
    throw new KeyVaultError('INVALID_ARGUMENT', `a UUID needs 16 bytes (Uint8Array), got ${bytes instanceof Uint8Array ? bytes.length : typeof bytes}`);
  }
  return new Binary(copyBytes(bytes), Binary.SUBTYPE_UUID);
}

/** A deep-enough copy of a Binary so stores never share buffers with callers. */
export function copyBinary(b: Binary): Binary {
  return new Binary(copyBytes(binaryBytes(b)), b.sub_type);
}

/** Decodes standard base64 (with or without padding); throws INVALID_ARGUMENT on other characters. */
export function base64ToBytes(s: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.replace(/=+$/, '').length % 4 === 1) {
    throw new KeyVaultError('INVALID_ARGUMENT', `${what} is not valid base64`);
  }
  return binaryBytes(Binary.createFromBase64(s));
}
