import { binaryField, int32Field, int64Field, readElements } from './bson-elements.js';
import { contentionFactor } from './contention.js';
import { QeError } from './errors.js';
import { expectKind, QeKind } from './kinds.js';

const WHAT = 'FLE2EncryptionPlaceholder';

/** What a marking asks for (LMC `mc-fle2-encryption-placeholder-private.h`). */
export interface Fle2Placeholder {
  /** t: 1 insert, 2 find. */
  type: 'insert' | 'find';
  /** a: 1 unindexed, 2 equality, 3 range (4 text is refused by this package). */
  algorithm: 'Unindexed' | 'Indexed' | 'Range';
  /** ki: the index key's id (tokens). */
  indexKeyId: Uint8Array;
  /** ku: the user key's id (value encryption). */
  userKeyId: Uint8Array;
  /** v: the value's BSON type. */
  bsonType: number;
  /** v: the value bytes, exactly as the marking holds them. */
  valueBytes: Uint8Array;
  /** cm: maximum contention factor (0 when absent). */
  maxContention: bigint;
  /** s: sparsity (range markings; 0 when absent). */
  sparsity?: bigint;
}

/**
 * Parses a marking: `0x03 || BSON{t, a, ki, ku, v, cm, s}` as query analysis (mongocryptd /
 * crypt_shared) or explicit encryption makes it (LMC `mc_FLE2EncryptionPlaceholder_parse`).
 * Range (a = 3) keeps `v` raw (its spec is parsed by the range module); text (a = 4) gives
 * `UNSUPPORTED_PAYLOAD_KIND`; bad fields `BAD_PLACEHOLDER`.
 *
 * @example
 * const p = parseFle2Placeholder(markingBytes); // { type: 'insert', algorithm: 'Indexed', ... }
 */
export function parseFle2Placeholder(bytes: Uint8Array): Fle2Placeholder {
  expectKind(bytes, QeKind.FLE2EncryptionPlaceholder, 'encrypting a marking');
  const f = readElements(bytes.subarray(1), WHAT, 'BAD_PLACEHOLDER');
  const t = int32Field(f, 't', WHAT, 'BAD_PLACEHOLDER');
  if (t !== 1 && t !== 2) throw new QeError('BAD_PLACEHOLDER', `${WHAT}: invalid placeholder type value: ${t}`);
  const a = int32Field(f, 'a', WHAT, 'BAD_PLACEHOLDER');
  if (a === 4) {
    throw new QeError('UNSUPPORTED_PAYLOAD_KIND', `${WHAT}: algorithm text search is not supported by @fle-ts/qe (equality, unindexed and range only)`);
  }
  if (a !== 1 && a !== 2 && a !== 3) throw new QeError('BAD_PLACEHOLDER', `${WHAT}: invalid algorithm value: ${a}`);
  const indexKeyId = binaryField(f, 'ki', 4, WHAT, 'BAD_PLACEHOLDER');
  const userKeyId = binaryField(f, 'ku', 4, WHAT, 'BAD_PLACEHOLDER');
  if (indexKeyId.length !== 16 || userKeyId.length !== 16) throw new QeError('BAD_PLACEHOLDER', `${WHAT}: key ids must be 16-byte UUIDs`);
  const v = f.get('v');
  if (!v) throw new QeError('BAD_PLACEHOLDER', `${WHAT}: the value 'v' is missing`);
  let maxContention = 0n;
  if (f.has('cm')) {
    try {
      maxContention = contentionFactor(int64Field(f, 'cm', WHAT, 'BAD_PLACEHOLDER'));
    } catch (e) {
      if (e instanceof QeError && e.code === 'BAD_CONTENTION_FACTOR') throw new QeError('BAD_PLACEHOLDER', `${WHAT}: ${e.message}`, { cause: e });
      throw e;
    }
  }
  // Range markings carry the sparsity in `s` (int64; libmongocrypt reads it for every marking).
  const sparsity = f.has('s') ? int64Field(f, 's', WHAT, 'BAD_PLACEHOLDER') : undefined;
  return {
    type: t === 1 ? 'insert' : 'find',
    algorithm: a === 1 ? 'Unindexed' : a === 2 ? 'Indexed' : 'Range',
    ...(sparsity !== undefined && { sparsity }),
    indexKeyId,
    userKeyId,
    bsonType: v.type,
    valueBytes: v.value,
    maxContention,
  };
}
