import { FleError } from '@fle-ts/crypto-core';

/** Error codes of the driver binding. Errors of the lower layers keep their own classes and codes. */
export type MongoCryptBindingErrorCode =
  /** A constructor or make*Context argument is missing, of the wrong type, or not valid BSON. */
  | 'INVALID_ARGUMENT'
  /** Something fle-ts does not implement yet: text search options, the kmip provider here, an algorithm. */
  | 'NOT_SUPPORTED'
  /** A command that automatic encryption refuses, or one fle-ts cannot yet analyse on an encrypted collection. */
  | 'COMMAND_NOT_SUPPORTED'
  /** The key vault did not return every key a context needs (libmongocrypt's message). */
  | 'KEYS_NOT_SATISFIED'
  /** A context method was called in a state where it is not allowed. */
  | 'WRONG_STATE';

/**
 * Thrown by `@fle-ts/mongodb-client-encryption`; the driver sees it through its `errorWrapper`
 * (a `MongoCryptError` whose `cause` is this error), as with the native binding.
 */
export class MongoCryptBindingError extends FleError {
  declare readonly code: MongoCryptBindingErrorCode;
  constructor(code: MongoCryptBindingErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  override get name(): 'MongoCryptBindingError' {
    return 'MongoCryptBindingError';
  }
}
