export { MongoCrypt, type MongoCryptOptions } from './mongo-crypt.js';
export { MongoCryptContext, type MongoCryptStatus, type ErrorWrapper } from './context.js';
export type { ExplicitEncryptionContextOptions } from './explicit.js';
export type { DataKeyContextOptions } from './data-keys.js';
export { MongoCryptBindingError, type MongoCryptBindingErrorCode } from './errors.js';
export {
  MONGOCRYPT_CTX_ERROR,
  MONGOCRYPT_CTX_NEED_MONGO_COLLINFO,
  MONGOCRYPT_CTX_NEED_MONGO_MARKINGS,
  MONGOCRYPT_CTX_NEED_MONGO_KEYS,
  MONGOCRYPT_CTX_NEED_KMS,
  MONGOCRYPT_CTX_READY,
  MONGOCRYPT_CTX_DONE,
  MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS,
  type MongoCryptContextState,
} from './states.js';
