export { FleError, FleCryptoError, isFleError, type FleCryptoErrorCode } from './errors.js';
export { MAX_NESTING_DEPTH } from './limits.js';
export {
  AeadKey,
  aeadEncrypt,
  aeadDecrypt,
  ciphertextLength,
  KEY_LENGTH,
  IV_LENGTH,
  TAG_LENGTH,
  MIN_CIPHERTEXT_LENGTH,
  ASYNC_NATIVE_THRESHOLD,
  type AeadEncryptOptions,
  type AeadIvChoice,
} from './aead.js';
export { assertBytes, bytesToHex, hexToBytes, concatBytes, constantTimeEqual, randomBytes, wipe } from './bytes.js';
export { sha256, Sha256 } from './sha256.js';
export { hmacSha256, HmacSha256, HmacSha256Key } from './hmac-sha256.js';
export { aes256CtrXor, aes256CtrEncrypt, aes256CtrDecrypt } from './aes-ctr.js';
export { qeAeadEncrypt, qeAeadDecrypt, qeAeadCiphertextLength, type QeAeadMode } from './aead-sha256.js';
export { Aes256Key, cbcEncrypt, cbcDecrypt, AES_SBOX, AES_INV_SBOX, gfXtime, gfMul } from './aes.js';
export { bytesToBase64, decodeBase64Strict } from './base64.js';
