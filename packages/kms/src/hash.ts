// SHA-256 and HMAC-SHA-256, synchronous: SigV4 signing and the RS256 JWT must run inside the
// driver's synchronous KMS loop, where WebCrypto's promises cannot be awaited (issue 13). They are
// crypto-core's (FIPS 180-4 / RFC 4231 known answers there): one implementation in the project.
export { sha256, hmacSha256 } from '@fle-ts/crypto-core';
