import { FleError } from '@fle-ts/crypto-core';

/** Error codes of the command line. Stable: match on `code`, not on `message`. */
export type CliErrorCode =
  /** Unknown command or option, a missing or malformed argument (exit 2). */
  | 'USAGE'
  /** A file fle would create exists; fle never overwrites (exit 5). */
  | 'FILE_EXISTS'
  /** Writing an output file failed (exit 5). */
  | 'WRITE_FAILED'
  /** A file cannot be read (exit 3). */
  | 'READ_FAILED'
  /** A master key file that holds neither 96 raw bytes nor their base64 (exit 3). */
  | 'BAD_MASTER_KEY_FILE'
  /** A dump or schema that is not the JSON / Extended JSON it must be (exit 3). */
  | 'BAD_INPUT'
  /** No key matches the `--id` / `--key-alt-name` given (exit 4). */
  | 'KEY_NOT_FOUND'
  /** One document of an encrypt/decrypt run failed; `cause` is the error, whose code sets the exit code. */
  | 'DOCUMENT_FAILED'
  /** `schema infer`: the sample and the choices give a schema automatic encryption refuses (exit 3). */
  | 'SCHEMA_INVALID'
  /** `--uri` was given but the optional `mongodb` driver is not installed (exit 3). */
  | 'DRIVER_MISSING'
  /** The MongoDB server could not be reached or refused a command (exit 6). */
  | 'SERVER_FAILED'
  /** A `fle migrate` checkpoint that does not belong to this run's collection and fields (exit 3). */
  | 'CHECKPOINT_MISMATCH';

/** Thrown by `@fle-ts/cli`. Messages name files and fields, never key bytes. */
export class CliError extends FleError {
  declare readonly code: CliErrorCode;
  constructor(code: CliErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }

  override get name(): 'CliError' {
    return 'CliError';
  }
}
