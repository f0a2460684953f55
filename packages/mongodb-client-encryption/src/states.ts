// The context states and their numbers, as libmongocrypt's `mongocrypt_ctx_state_t`
// (mongocrypt.h) and the driver's state_machine.ts compare them (driver-dropin.md, state table).

/** The context failed; `status` holds the error. */
export const MONGOCRYPT_CTX_ERROR = 0;
/** The driver runs listCollections (`nextMongoOperation`) and feeds back the collection infos. */
export const MONGOCRYPT_CTX_NEED_MONGO_COLLINFO = 1;
/** Never entered: fle-ts plays crypt_shared and does query analysis itself. */
export const MONGOCRYPT_CTX_NEED_MONGO_MARKINGS = 2;
/** The driver finds the key documents of `nextMongoOperation`'s filter in the key vault. */
export const MONGOCRYPT_CTX_NEED_MONGO_KEYS = 3;
/** Remote (aws) keys: the driver sends the requests of `nextKMSRequest()` (remote-kms.ts). */
export const MONGOCRYPT_CTX_NEED_KMS = 4;
/** `finalize()` returns the result. */
export const MONGOCRYPT_CTX_READY = 5;
/** Finalized; nothing more to do. */
export const MONGOCRYPT_CTX_DONE = 6;
/** An aws provider given as `{}`: the driver provides credentials (`provideKMSProviders`). */
export const MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS = 7;

/** A context state number. */
export type MongoCryptContextState = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** State names for error messages (the driver's `stateToString`). */
export const STATE_NAMES: Readonly<Record<MongoCryptContextState, string>> = {
  0: 'MONGOCRYPT_CTX_ERROR',
  1: 'MONGOCRYPT_CTX_NEED_MONGO_COLLINFO',
  2: 'MONGOCRYPT_CTX_NEED_MONGO_MARKINGS',
  3: 'MONGOCRYPT_CTX_NEED_MONGO_KEYS',
  4: 'MONGOCRYPT_CTX_NEED_KMS',
  5: 'MONGOCRYPT_CTX_READY',
  6: 'MONGOCRYPT_CTX_DONE',
  7: 'MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS',
};
