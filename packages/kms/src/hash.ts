// SHA-256 and HMAC-SHA-256, synchronous: SigV4 signing must run inside the driver's synchronous KMS
// loop, where WebCrypto's promises cannot be awaited (issue 13). @noble/hashes is audited, pure and
// tree-shakable (README "Dependencies").
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';

/** SHA-256 of `data` (32 bytes). */
export function sha256(data: Uint8Array): Uint8Array {
  return nobleSha256(data);
}

/** HMAC-SHA-256 of `data` under `key` (32 bytes). */
export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return hmac(nobleSha256, key, data);
}
