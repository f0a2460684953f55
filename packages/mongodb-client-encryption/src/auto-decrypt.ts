// makeDecryptionContext: every FLE1 ciphertext and Queryable Encryption value (11, 14, 15, 16; v1's 6) in
// a server reply, decrypted BSON to BSON in one pass (fle-format's decryptBsonDocument, what
// AutoEncrypter.decryptBson runs), after the NEED_MONGO_KEYS rounds for the keys the cache lacks
// (query-analysis.md §1 step 4; a stored indexed value needs its index key before the user key
// it names is known, libmongocrypt `mongocrypt-ctx-decrypt.c`).
import { decryptBsonDocument, FLE1_PARSE_MIN_LENGTH, fle1KeyIdsInBson } from '@fle-ts/fle-format';
import { KeyNeedsCollector } from '@fle-ts/client';
import { isBytes } from './bson-io.js';
import { readyStep, type Step } from './context.js';
import { MongoCryptBindingError } from './errors.js';
import type { KeyCache } from './key-cache.js';
import type { LocalMasterKeys } from './local-kms.js';
import { qeKeysThen } from './qe-keys.js';
import { decryptQeValue, isQeValue } from './qe-v1.js';

/** The first step of a decryption context for `reply` (the whole reply, BSON). */
export function decryptionStep(reply: Uint8Array, cache: KeyCache, kms: LocalMasterKeys): Step {
  if (!isBytes(reply)) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'makeDecryptionContext needs the reply as BSON bytes');
  // libmongocrypt's order: a blob that parses (>= 19 bytes) has its key fetched first, so a short
  // blob with an unknown key reports the missing key (spec malformedCiphertext "Malformed data");
  // decryptBsonDocument still refuses it (BLOB_TOO_SHORT) before any decryption.
  const qe: Uint8Array[] = [];
  const ids = fle1KeyIdsInBson(reply, (blob) => {
    if (isQeValue(blob)) qe.push(blob);
  }, FLE1_PARSE_MIN_LENGTH);
  if (ids.length === 0 && qe.length === 0) return readyStep(() => reply);
  const needs = new KeyNeedsCollector();
  for (const id of ids) needs.addKeyIdBytes(id);
  // QE values through the other-blob hook; find payloads (12) and markings stay as they are.
  return qeKeysThen(needs, qe, cache, kms, (keys) => readyStep(() => decryptBsonDocument(reply, (id) => keys.aead(id), qe.length === 0 ? undefined : (blob) => (isQeValue(blob) ? decryptQeValue(blob, keys.qe) : undefined))));
}
