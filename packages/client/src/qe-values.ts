// Queryable Encryption (v2) values in the client: which blobs to decrypt, and their keys, fetched
// through the same FieldCipherSource (one KeyBroker) as FLE1 keys.
import { isQeDecryptable, qeKeyIdsForDecrypt, type QeKeyLookup, type RandomSource } from '@fle-ts/qe';
import type { Binary } from 'bson';
import { FleClientError } from './errors.js';
import { KeyNeedsCollector, type FieldCipher, type FieldCipherSource } from './field-cipher.js';

/** The test-only random source option that ClientEncryption and AutoEncrypter share. */
export interface QeRandomOption {
  /**
   * FOR TESTS ONLY: where Queryable Encryption takes its random bytes (IVs, the contention factor
   * choice), e.g. `fixedRandomSource(bytes)` from `@fle-ts/qe` to reproduce libmongocrypt's
   * known answers. Default (and what production must use): the runtime's CSPRNG. A fixed source
   * repeats IVs and contention factors.
   */
  readonly qeRandomSource?: RandomSource;
}

/** Checks the test-only random source option (a function or absent). */
export function checkRandomOption(options: QeRandomOption): RandomSource | undefined {
  const r = options.qeRandomSource;
  if (r !== undefined && typeof r !== 'function') throw new FleClientError('INVALID_ARGUMENT', 'qeRandomSource must be a function (n) => Uint8Array of n bytes (tests only)');
  return r;
}

/** First byte of a QE value the client decrypts: 11, 14, 15, 16 (`@fle-ts/qe` `isQeDecryptable`). */
export function isQeValueBytes(bytes: Uint8Array): boolean {
  return isQeDecryptable(bytes);
}

/** A QeKeyLookup over a prepared cipher's raw QE keys. */
export function qeLookup(cipher: FieldCipher): QeKeyLookup {
  return (id) => cipher.qeKey?.(id);
}

/**
 * Prepares a cipher holding every key `needs` names plus every key the QE `blobs` need, asking
 * the source again while a round finds new ids: an indexed value (14, 15) names its index key,
 * and only that key opens the layer naming the user key (libmongocrypt's key broker does the
 * same, `mongocrypt-ctx-decrypt.c`). At most two QE rounds; each round one batched fetch.
 */
export async function prepareWithQeKeys(source: FieldCipherSource, needs: KeyNeedsCollector, blobs: readonly Uint8Array[]): Promise<FieldCipher> {
  const none: QeKeyLookup = () => undefined;
  for (const b of blobs) for (const id of qeKeyIdsForDecrypt(b, none)) needs.addKeyIdBytes(id);
  let cipher = await source.prepare(needs);
  if (blobs.length === 0) return cipher;
  if (cipher.qeKey === undefined) throw new FleClientError('INVALID_ARGUMENT', 'this key source cannot give Queryable Encryption keys');
  for (;;) {
    const before = needs.size;
    const lookup = qeLookup(cipher);
    for (const b of blobs) for (const id of qeKeyIdsForDecrypt(b, lookup)) needs.addKeyIdBytes(id);
    if (needs.size === before) return cipher;
    cipher.release?.();
    cipher = await source.prepare(needs); // the first round's keys are cache hits now
  }
}

/** The payload bytes of a subtype-6 Binary. */
export function binaryPayload(b: Binary): Uint8Array {
  return b.buffer.subarray(0, b.position);
}
