// Unified-format matching (a subset of ../../../shared/docs/unified-test-format.md "Evaluating
// Matches"), shared by the unified-test runners of keyvault and client.
import { Binary, EJSON } from 'bson';
import { expect } from 'vitest';

/** A value as canonical extended JSON (what the unified files spell). */
export const canonical = (v: unknown): unknown => JSON.parse(EJSON.stringify(v as Record<string, unknown>, { relaxed: false }));

const WRAPPER: Record<string, string> = { binData: '$binary', date: '$date', int: '$numberInt', long: '$numberLong', double: '$numberDouble', decimal: '$numberDecimal', objectId: '$oid' };

/** True when canonical `actual` has the unified format's BSON type `type`. */
function hasType(type: string, actual: unknown): boolean {
  if (type === 'string') return typeof actual === 'string';
  if (type === 'bool') return typeof actual === 'boolean';
  if (type === 'null') return actual === null;
  if (type === 'array') return Array.isArray(actual);
  const wrapper = WRAPPER[type];
  const isDoc = actual !== null && typeof actual === 'object' && !Array.isArray(actual);
  if (wrapper) return isDoc && wrapper in actual;
  if (type === 'object') return isDoc && !Object.keys(actual).some((k) => k.startsWith('$'));
  throw new Error(`unified matcher: $$type '${type}' not supported`);
}

// Unified-format matching (subset): $$unsetOrMatches, $$type, $$exists; extra keys allowed in actual documents.
export function matches(expected: unknown, actual: unknown, path = '$'): void {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    const e = expected as Record<string, unknown>;
    if (typeof e.$uuid === 'string') return matches(canonical(new Binary(Buffer.from(e.$uuid.replace(/-/g, ''), 'hex'), 4)), actual, path);
    if ('$$unsetOrMatches' in e) {
      if (actual === undefined) return;
      return matches(e.$$unsetOrMatches, actual, path);
    }
    if ('$$type' in e) {
      const types = Array.isArray(e.$$type) ? (e.$$type as string[]) : [String(e.$$type)];
      expect(types.some((t) => hasType(t, actual)), `${path} should be ${types.join(' or ')}`).toBe(true);
      return;
    }
    if ('$$exists' in e) {
      expect(actual !== undefined, path).toBe(e.$$exists);
      return;
    }
    // numbers in the expected side are plain JSON; the actual side is canonical ({$numberInt: "1"})
    const a = actual as Record<string, unknown>;
    expect(a !== null && typeof a === 'object', `${path} should be a document`).toBe(true);
    for (const [k, v] of Object.entries(e)) matches(v, a[k], `${path}.${k}`);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} should be an array`).toBe(true);
    expect((actual as unknown[]).length, `${path} length`).toBe(expected.length);
    expected.forEach((v, i) => matches(v, (actual as unknown[])[i], `${path}[${i}]`));
    return;
  }
  if (typeof expected === 'number' && actual !== null && typeof actual === 'object') {
    const n = Object.values(actual as Record<string, string>)[0];
    expect(Number(n), path).toBe(expected);
    return;
  }
  expect(actual, path).toEqual(expected);
}

