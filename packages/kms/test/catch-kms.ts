// The KmsError a call throws (failing the test when it throws nothing or something else).
import { expect } from 'vitest';
import { KmsError } from '../src/index.js';

function asKmsError(e: unknown): KmsError {
  expect(e).toBeInstanceOf(KmsError);
  return e as KmsError;
}

/** The KmsError `f` throws. */
export function catchKms(f: () => unknown): KmsError {
  try {
    f();
  } catch (e) {
    return asKmsError(e);
  }
  throw new Error('expected a KmsError');
}

/** The KmsError `p` rejects with. */
export async function catchKmsAsync(p: Promise<unknown>): Promise<KmsError> {
  try {
    await p;
  } catch (e) {
    return asKmsError(e);
  }
  throw new Error('expected a KmsError');
}
