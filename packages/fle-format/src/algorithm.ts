import { FleFormatError } from './errors.js';

/** The two CSFLE (FLE1) algorithm names, as drivers spell them. */
export type Fle1Algorithm = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' | 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';

export const DETERMINISTIC: Fle1Algorithm = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
export const RANDOM: Fle1Algorithm = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';

// Queryable Encryption names LMC knows (`mongocrypt_ctx_setopt_algorithm`, fle1-spec.md §1 "Other algorithm facts").
const QE_NAMES = new Set(['indexed', 'unindexed', 'range', 'string', 'rangepreview', 'textpreview']);

/**
 * Maps an algorithm name to `'deterministic'` or `'random'`. The full FLE1 names are matched
 * case-insensitively as libmongocrypt does (`mongocrypt_ctx_setopt_algorithm`); the short forms
 * `'deterministic'` and `'random'` are accepted too.
 *
 * @example
 * normalizeAlgorithm('AEAD_AES_256_CBC_HMAC_SHA_512-Random'); // 'random'
 */
export function normalizeAlgorithm(name: string): 'deterministic' | 'random' {
  if (typeof name !== 'string') {
    throw new FleFormatError('BAD_ALGORITHM', `algorithm must be a string such as '${DETERMINISTIC}', got ${typeof name}`);
  }
  // Hot path: the exact spellings, without allocating a lower-cased copy.
  if (name === DETERMINISTIC || name === 'deterministic') return 'deterministic';
  if (name === RANDOM || name === 'random') return 'random';
  const lower = name.toLowerCase();
  if (lower === DETERMINISTIC.toLowerCase() || lower === 'deterministic') return 'deterministic';
  if (lower === RANDOM.toLowerCase() || lower === 'random') return 'random';
  if (QE_NAMES.has(lower)) {
    throw new FleFormatError(
      'BAD_ALGORITHM',
      `algorithm '${name}' is Queryable Encryption, which fle-ts does not support yet: use '${DETERMINISTIC}' or '${RANDOM}'`,
    );
  }
  throw new FleFormatError('BAD_ALGORITHM', `unsupported algorithm '${name}': use '${DETERMINISTIC}' or '${RANDOM}'`);
}

/**
 * The canonical FLE1 algorithm name for any spelling {@link normalizeAlgorithm} accepts: the one
 * parser behind `encryptValue`, `ClientEncryption.encrypt` and schema `encrypt.algorithm`, so
 * every entry accepts and refuses the same spellings (issue 11 item 17). Throws `BAD_ALGORITHM`.
 *
 * @example
 * parseFle1Algorithm('deterministic'); // 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic'
 */
export function parseFle1Algorithm(name: unknown): Fle1Algorithm {
  return normalizeAlgorithm(name as string) === 'deterministic' ? DETERMINISTIC : RANDOM;
}
