/**
 * Deepest nesting of documents and arrays that any fle-ts walker follows (encrypt, decrypt,
 * schema compile, filter analysis, key-vault parsing); deeper input is refused with a typed
 * `NESTING_TOO_DEEP` error instead of overflowing the call stack. 200 is the server's own
 * bound (BSONDepth::kDefaultMaxAllowableDepth), so no document mongod accepts is refused.
 */
export const MAX_NESTING_DEPTH = 200;
