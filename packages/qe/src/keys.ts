import { bytesToHex } from '@fle-ts/crypto-core';
import { QeError } from './errors.js';

/**
 * How QE finds a data key: by its 16-byte UUID `_id`, the unwrapped 96-byte key material, or
 * undefined when unknown. Synchronous: fetch and unwrap keys first (the key vault and KMS live
 * above this package).
 */
export type QeKeyLookup = (keyId: Uint8Array) => Uint8Array | undefined;

/**
 * A lookup over a fixed set of keys, by id hex (for tests and small apps).
 *
 * @example
 * const keys = keyLookupFrom([[keyId16, keyMaterial96]]);
 */
export function keyLookupFrom(entries: Iterable<readonly [Uint8Array, Uint8Array]>): QeKeyLookup {
  const map = new Map<string, Uint8Array>();
  for (const [id, key] of entries) map.set(bytesToHex(id), key);
  return (id) => map.get(bytesToHex(id));
}

/** The 96-byte key for `keyId`, or `KEY_NOT_FOUND` / `BAD_KEY`. `role` names it in messages (ids are not secret). */
export function requireKey(keys: QeKeyLookup, keyId: Uint8Array, role: string): Uint8Array {
  const key = keys(keyId);
  if (key === undefined || key === null) {
    throw new QeError('KEY_NOT_FOUND', `${role} ${formatUuid(keyId)} was not found: load it into the key lookup first`);
  }
  if (!(key instanceof Uint8Array) || key.length !== 96) {
    throw new QeError('BAD_KEY', `${role} ${formatUuid(keyId)} must be 96 bytes of unwrapped key material, got ${key instanceof Uint8Array ? key.length : typeof key}`);
  }
  return key;
}

/** A UUID as 8-4-4-4-12 hex, for messages. */
export function formatUuid(id: Uint8Array): string {
  const h = bytesToHex(id);
  return h.length === 32 ? `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}` : h;
}
