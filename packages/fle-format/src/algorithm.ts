import { FleFormatError } from './errors.js';

/** The two CSFLE (FLE1) algorithm names, as drivers spell them. */
export type Fle1Algorithm = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' | 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';

/** Deterministic FLE1 (blob subtype 1): equal values give equal ciphertexts, so they can be queried. */
export const DETERMINISTIC: Fle1Algorithm = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
/** Random FLE1 (blob subtype 2): a fresh IV each time; not queryable. */
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
      `algorithm '${name}' is Queryable Encryption, not CSFLE: use '${DETERMINISTIC}' or '${RANDOM}' here (ClientEncryption.encrypt takes 'Indexed', 'Unindexed' and 'Range')`,
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

/** The Queryable Encryption (v2) algorithms of explicit encryption that fle-ts implements. */
export type QeExplicitAlgorithm = 'Indexed' | 'Unindexed' | 'Range';

/** Every algorithm `ClientEncryption.encrypt` accepts: the two CSFLE names and the QE ones. */
export type ExplicitAlgorithm = Fle1Algorithm | QeExplicitAlgorithm;

/**
 * The algorithm of explicit encryption (`ClientEncryption.encrypt`), QE names included: matched
 * case-insensitively as libmongocrypt's `mongocrypt_ctx_setopt_algorithm` does ("indexed" →
 * 'Indexed'); FLE1 spellings as {@link parseFle1Algorithm}. 'Range' is range v2 (server 8.0);
 * 'RangePreview' is refused as libmongocrypt 1.20 refuses it ("Algorithm 'rangePreview' is
 * deprecated, please use 'range'"), text search ('String', 'TextPreview') as not supported yet.
 * Throws `BAD_ALGORITHM`.
 *
 * @example
 * parseExplicitAlgorithm('indexed'); // 'Indexed'
 * parseExplicitAlgorithm('RANGE'); // 'Range'
 * parseExplicitAlgorithm('deterministic'); // 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic'
 */
export function parseExplicitAlgorithm(name: unknown): ExplicitAlgorithm {
  if (typeof name === 'string') {
    const lower = name.toLowerCase();
    if (lower === 'indexed') return 'Indexed';
    if (lower === 'unindexed') return 'Unindexed';
    if (lower === 'range') return 'Range';
    if (lower === 'rangepreview') {
      throw new FleFormatError('BAD_ALGORITHM', `Algorithm '${name}' is deprecated, please use 'range' (libmongocrypt refuses range v1 since Range V2)`);
    }
    if (QE_NAMES.has(lower)) {
      throw new FleFormatError('BAD_ALGORITHM', `Queryable Encryption algorithm '${name}' (text search) is not supported yet: use 'Indexed' (equality), 'Range' or 'Unindexed'`);
    }
  }
  return parseFle1Algorithm(name);
}
