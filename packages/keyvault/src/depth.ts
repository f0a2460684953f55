// The nesting bound of every keyvault walker (issue 11 item 8): MAX_NESTING_DEPTH from crypto-core,
// checked without recursing, so deep input is a typed NESTING_TOO_DEEP instead of a RangeError.
import { MAX_NESTING_DEPTH } from '@fle-ts/crypto-core';
import { KeyVaultError } from './errors.js';

/** The error for input nesting deeper than MAX_NESTING_DEPTH; `what` names the input. */
export function nestingTooDeep(what: string): KeyVaultError {
  return new KeyVaultError('NESTING_TOO_DEEP',
    `${what} nests documents/arrays deeper than ${MAX_NESTING_DEPTH} levels (MAX_NESTING_DEPTH, the server's own limit); flatten it`);
}

/**
 * Throws NESTING_TOO_DEEP when JSON text nests `[`/`{` deeper than MAX_NESTING_DEPTH. A scan, not
 * a parse: brackets inside strings are skipped; malformed text is left for JSON.parse to refuse.
 */
export function checkJsonTextDepth(text: string, what: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_NESTING_DEPTH) throw nestingTooDeep(what);
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
}

/**
 * Throws NESTING_TOO_DEEP when a value nests objects, arrays or Maps deeper than
 * MAX_NESTING_DEPTH (the value itself is level 1). Iterative; a cycle counts as endless nesting.
 * bson values (Binary, Long, …), dates and byte arrays are leaves.
 */
export function checkValueDepth(value: unknown, what: string): void {
  // Deepest level each object was seen at: a shared sub-object is walked again only deeper.
  const seen = new Map<object, number>();
  const stack: [unknown, number][] = [[value, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [v, depth] = top;
    if (!isContainer(v)) continue;
    if (depth > MAX_NESTING_DEPTH) throw nestingTooDeep(what);
    if ((seen.get(v) ?? 0) >= depth) continue;
    seen.set(v, depth);
    const children = v instanceof Map ? v.values() : Array.isArray(v) ? v : Object.values(v);
    for (const c of children) stack.push([c, depth + 1]);
  }
}

function isContainer(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !(v instanceof Date) && !ArrayBuffer.isView(v)
    && (v as { _bsontype?: unknown })._bsontype === undefined;
}
