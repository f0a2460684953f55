// Test-only: compare bson Binary values by subtype and content. js-bson may over-allocate a
// Binary's internal buffer, so structural equality of two equal Binary objects can fail.
import { Binary } from 'bson';
import { expect } from 'vitest';

function binaryEquals(a: unknown, b: unknown): boolean | undefined {
  if (!(a instanceof Binary) || !(b instanceof Binary)) return undefined;
  if (a.sub_type !== b.sub_type || a.position !== b.position) return false;
  for (let i = 0; i < a.position; i++) if (a.buffer[i] !== b.buffer[i]) return false;
  return true;
}

expect.addEqualityTesters([binaryEquals]);
