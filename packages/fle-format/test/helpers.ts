import { expect } from 'vitest';

/** Asserts that `fn` throws an error whose `code` is `code` and whose class is `cls`. */
export function expectCode(fn: () => unknown, code: string, cls?: abstract new (...a: never[]) => Error): Error {
  let thrown: unknown;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown, `expected an error with code ${code}`).toBeInstanceOf(cls ?? Error);
  expect((thrown as { code?: string }).code).toBe(code);
  return thrown as Error;
}

/** A fixed 96-byte test key 0x00..0x5f. */
export const TEST_KEY = Uint8Array.from({ length: 96 }, (_, i) => i);
/** A fixed key id. */
export const TEST_KEY_ID = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);
