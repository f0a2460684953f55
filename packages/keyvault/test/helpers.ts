// Shared test helpers for @fle-ts/keyvault.
import { Binary } from 'bson';
import { hexToBytes } from '@fle-ts/crypto-core';
import { KeyVaultError, type KeyVaultErrorCode } from '@fle-ts/keyvault';
import { expect } from 'vitest';

/** test-vectors/README.md "The two local master keys" (1): base64-decoded ONCE. */
export const SPEC_MASTER_KEY_B64 =
  'Mng0NCt4ZHVUYUJCa1kxNkVyNUR1QURhZ2h2UzR2d2RrZzh0cFBwM3R6NmdWMDFBMUN3YkQ5aXRRMkhGRGdQV09wOGVNYUMxT2k3NjZKelhaQmRCZGJkTXVyZG9uSjFk';
export const SPEC_MASTER_KEY = new Uint8Array(Buffer.from(SPEC_MASTER_KEY_B64, 'base64'));
/** (2) libmongocrypt's test KEK. */
export const ZERO_MASTER_KEY = new Uint8Array(96);

export function uuid(hex: string): Binary {
  return new Binary(hexToBytes(hex.replace(/-/g, '')), 4);
}

/** Awaits `p` and checks it rejects with a KeyVaultError of `code`; returns the error. */
export async function expectCode(p: Promise<unknown> | (() => unknown), code: KeyVaultErrorCode): Promise<KeyVaultError> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, `expected a KeyVaultError ${code}`).toBeInstanceOf(KeyVaultError);
  expect((err as KeyVaultError).code).toBe(code);
  return err as KeyVaultError;
}
