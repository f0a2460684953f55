// makeDecryptionContext: every FLE1 ciphertext in a server reply, decrypted BSON to BSON in one
// pass (fle-format's decryptBsonDocument, what AutoEncrypter.decryptBson runs), after one
// NEED_MONGO_KEYS round for the keys the cache lacks (query-analysis.md §1 step 4).
import { decryptBsonDocument, FLE1_PARSE_MIN_LENGTH, fle1KeyIdsInBson } from '@fle-ts/fle-format';
import { KeyNeedsCollector } from '@fle-ts/client';
import { isBytes } from './bson-io.js';
import { readyStep, type Step } from './context.js';
import { MongoCryptBindingError } from './errors.js';
import type { KeyCache } from './key-cache.js';
import { KeyRequest, keysThen } from './key-step.js';
import type { LocalMasterKeys } from './local-kms.js';

/** The first step of a decryption context for `reply` (the whole reply, BSON). */
export function decryptionStep(reply: Uint8Array, cache: KeyCache, kms: LocalMasterKeys): Step {
  if (!isBytes(reply)) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'makeDecryptionContext needs the reply as BSON bytes');
  // libmongocrypt's order: a blob that parses (>= 19 bytes) has its key fetched first, so a short
  // blob with an unknown key reports the missing key (spec malformedCiphertext "Malformed data");
  // decryptBsonDocument still refuses it (BLOB_TOO_SHORT) before any decryption.
  const ids = fle1KeyIdsInBson(reply, undefined, FLE1_PARSE_MIN_LENGTH);
  if (ids.length === 0) return readyStep(() => reply);
  const needs = new KeyNeedsCollector();
  for (const id of ids) needs.addKeyIdBytes(id);
  return keysThen(new KeyRequest(needs, cache, kms), (keys) => readyStep(() => decryptBsonDocument(reply, (id) => keys.byId(id).key)));
}
