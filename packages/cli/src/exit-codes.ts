import { isFleError } from '@fle-ts/crypto-core';

/**
 * The `fle` exit codes: stable, documented in the README ("Exit codes"). Scripts branch on these,
 * so a code's meaning never changes; new situations get new numbers.
 */
export const EXIT = {
  /** Done; nothing to report. */
  OK: 0,
  /** The command ran and found something: schema problems, malformed or undecryptable values. */
  FINDINGS: 1,
  /** The command line is wrong: unknown command or option, missing argument. */
  USAGE: 2,
  /** An input cannot be used: missing or unreadable file, malformed JSON / key file / key vault. */
  BAD_INPUT: 3,
  /** A key operation was refused: no such key, duplicate alt name, wrong master key. */
  KEY: 4,
  /** An output cannot be written: the file exists (never overwritten), no permission, a failed write. */
  OUTPUT: 5,
  /** The MongoDB server (`--uri`) could not be reached or refused a command. */
  SERVER: 6,
  /** A bug in fle: an error nobody anticipated. */
  INTERNAL: 70,
} as const;

/** One of the values of {@link EXIT}. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

// Error codes of the lower packages (their READMEs' error tables) by the exit code they mean here.
const EXIT_BY_ERROR_CODE: ReadonlyMap<string, ExitCode> = new Map<string, ExitCode>([
  ['USAGE', EXIT.USAGE],
  ['INVALID_ARGUMENT', EXIT.USAGE],
  ['FILE_EXISTS', EXIT.OUTPUT],
  ['WRITE_FAILED', EXIT.OUTPUT],
  ['STORE_WRITE_FAILED', EXIT.OUTPUT],
  ['KEY_NOT_FOUND', EXIT.KEY],
  ['DUPLICATE_KEY_ALT_NAME', EXIT.KEY],
  ['DUPLICATE_KEY_ID', EXIT.KEY],
  ['UNWRAP_FAILED', EXIT.KEY],
  ['HMAC_MISMATCH', EXIT.KEY],
  ['KMS_PROVIDER_NOT_CONFIGURED', EXIT.KEY],
  ['KMS_PROVIDER_NOT_SUPPORTED', EXIT.KEY],
  ['SERVER_FAILED', EXIT.SERVER],
]);

/**
 * The exit code for an error: usage, key and output errors by their `code`; any other fle-ts
 * error is a bad input (a file or value it could not use); a key vault collection the driver
 * could not read or write is a server error; anything else is a bug. A failed
 * document (`DOCUMENT_FAILED`) exits as its cause does.
 */
export function exitCodeFor(error: unknown): ExitCode {
  if (!isFleError(error)) return EXIT.INTERNAL;
  if (error.code === 'DOCUMENT_FAILED') return exitCodeFor(error.cause);
  // keyvault's MongoKeyVault reports a driver error as STORE_READ/WRITE_FAILED with it as cause.
  if (error.code.startsWith('STORE_') && /^Mongo/.test((error.cause as { name?: string } | undefined)?.name ?? '')) return EXIT.SERVER;
  return EXIT_BY_ERROR_CODE.get(error.code) ?? EXIT.BAD_INPUT;
}
