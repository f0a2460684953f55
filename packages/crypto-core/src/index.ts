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
