// HKDF-SHA-256 (RFC 5869) on crypto-core's HMAC-SHA-256: the direct KMS provider derives its
// encryption and signing keys with it (Python material_providers/aws_kms.py `_hkdf`, salt None =
// 32 zero bytes). Belongs in crypto-core.
import { concatBytes, hmacSha256 } from '@fle-ts/crypto-core';

/** HKDF-SHA-256 with an empty salt: `length` bytes (at most 8160) of output keying material. */
export function hkdfSha256(ikm: Uint8Array, info: Uint8Array, length: number, salt: Uint8Array = new Uint8Array(32)): Uint8Array {
  const prk = hmacSha256(salt.length ? salt : new Uint8Array(32), ikm);
  const out = new Uint8Array(length);
  let t: Uint8Array = new Uint8Array(0);
  for (let i = 1, off = 0; off < length; i++) {
    t = hmacSha256(prk, concatBytes(t, info, Uint8Array.of(i)));
    out.set(t.subarray(0, Math.min(32, length - off)), off);
    off += 32;
  }
  prk.fill(0);
  t.fill(0);
  return out;
}
