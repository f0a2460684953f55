import { MAX_NESTING_DEPTH } from '@fle-ts/crypto-core';
import { FleFormatError } from './errors.js';
import { bsonTypeName } from './type-rules.js';

/**
 * The one BSON byte validator of fle-format: element bounds for the one-pass document walkers
 * (bson-document.ts), and the full check of a decrypted value used by `decryptValue`,
 * `deserializeBsonValue` and `decryptBsonDocument` alike, so all refuse the same bytes with the
 * same codes (issue 11 item 7). Layouts: bsonspec.org.
 *
 * Nesting levels: a document or array is one level deeper than the document or array that
 * holds it; a code-with-scope's scope is a document at the code's position. The outermost
 * container counted is level 1 (the input document of a walker, or a decrypted value that is
 * itself a document or array). Level MAX_NESTING_DEPTH is accepted, one more is
 * `NESTING_TOO_DEEP` (issue 11 item 8).
 */

/** Little-endian int32 at `o`. */
export const i32 = (b: Uint8Array, o: number): number => b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);

/** `MALFORMED_BSON` for a malformed input document. */
export function malformedDocument(what: string): FleFormatError {
  return new FleFormatError('MALFORMED_BSON', `malformed BSON document: ${what}`);
}

/** `NESTING_TOO_DEEP`, with what to do about it. */
export function nestingTooDeep(what: string): FleFormatError {
  return new FleFormatError(
    'NESTING_TOO_DEEP',
    `${what} nests documents/arrays more than ${MAX_NESTING_DEPTH} levels deep (MAX_NESTING_DEPTH, the server's own bound): flatten it`,
  );
}

/** Throws `NESTING_TOO_DEEP` when a document or array sits at `level` > MAX_NESTING_DEPTH. */
export function checkLevel(level: number, what = 'the BSON document'): void {
  if (level > MAX_NESTING_DEPTH) throw nestingTooDeep(what);
}

/** End (exclusive) of the document at `start`, checked against `limit` (bsonspec.org: int32 length ... 0x00). */
export function documentEnd(b: Uint8Array, start: number, limit: number): number {
  if (limit - start < 5) throw malformedDocument('document shorter than 5 bytes');
  const length = i32(b, start);
  if (length < 5 || length > limit - start) throw malformedDocument('document length out of bounds');
  if (b[start + length - 1] !== 0) throw malformedDocument('document does not end with 0x00');
  return start + length;
}

/** Length of a BSON string value (int32 n, n bytes ending in 0x00) at `o`, checked against `limit`. */
function stringLength(b: Uint8Array, o: number, limit: number): number {
  if (limit - o < 5) throw malformedDocument('string out of bounds');
  const n = i32(b, o);
  if (n < 1 || n > limit - o - 4 || b[o + 3 + n] !== 0) throw malformedDocument('bad string length');
  return 4 + n;
}

/** End (exclusive, after the NUL) of the C string at `o`. */
export function cstringEnd(b: Uint8Array, o: number, limit: number): number {
  while (o < limit && b[o] !== 0) o++;
  if (o >= limit) throw malformedDocument('unterminated name');
  return o + 1;
}

/** Byte length of the value of BSON `type` at `o`, every length checked against `limit` (bounds only, no content). */
export function valueLength(type: number, b: Uint8Array, o: number, limit: number): number {
  let n: number;
  switch (type) {
    case 0x01: case 0x09: case 0x11: case 0x12: n = 8; break;
    case 0x02: case 0x0d: case 0x0e: n = stringLength(b, o, limit); break;
    case 0x03: case 0x04: n = documentEnd(b, o, limit) - o; break;
    case 0x05:
      if (limit - o < 5) throw malformedDocument('binary out of bounds');
      n = 5 + i32(b, o);
      if (n < 5) throw malformedDocument('negative binary length');
      break;
    case 0x06: case 0x0a: case 0x7f: case 0xff: n = 0; break;
    case 0x07: n = 12; break;
    case 0x08: n = 1; break;
    case 0x0b: n = cstringEnd(b, cstringEnd(b, o, limit), limit) - o; break;
    case 0x0c: n = stringLength(b, o, limit) + 12; break;
    case 0x0f: {
      // code_w_s: int32 total, string, document, and the three must agree.
      if (limit - o < 4) throw malformedDocument('code with scope out of bounds');
      n = i32(b, o);
      const code = stringLength(b, o + 4, limit);
      if (n < 4 + code + 5 || n > limit - o || documentEnd(b, o + 4 + code, o + n) !== o + n) throw malformedDocument('bad code with scope length');
      break;
    }
    case 0x10: n = 4; break;
    case 0x13: n = 16; break;
    default: throw malformedDocument(`unknown element type 0x${type.toString(16).padStart(2, '0')}`);
  }
  if (n > limit - o) throw malformedDocument(`${bsonTypeName(type)} value out of bounds`);
  return n;
}

// fatal: invalid UTF-8 is an error, as js-bson's default utf8 validation of string values;
// ignoreBOM: a leading U+FEFF is part of the value, as js-bson keeps it.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** True when b[from..to) is valid UTF-8 (ASCII checked inline, the rest by the fatal decoder). */
function isUtf8(b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    if (b[i]! >= 0x80) {
      try {
        UTF8.decode(b.subarray(i, to)); // i is a character boundary: everything before is ASCII
        return true;
      } catch {
        return false;
      }
    }
  }
  return true;
}

/** Strings of up to this many bytes are tried as ASCII by {@link decodeStringValue} first. */
const SHORT_ASCII_MAX = 16;

/**
 * A BSON string value (int32 length including the NUL || UTF-8 || NUL) that is exactly
 * `bytes`, decoded: the string rule of {@link checkBsonValue} without building a document.
 * Returns undefined when `bytes` is not exactly one valid string.
 */
export function decodeStringValue(bytes: Uint8Array): string | undefined {
  const n = bytes.length;
  if (n < 5 || i32(bytes, 0) !== n - 4 || bytes[n - 1] !== 0) return undefined;
  if (n <= SHORT_ASCII_MAX + 5) {
    // A short ASCII string is its bytes as char codes: cheaper than a TextDecoder call below
    // ~24 characters, slower above (measured, issue 18). The first non-ASCII byte falls through.
    let s = '';
    let i = 4;
    for (; i < n - 1; i++) {
      const c = bytes[i]!;
      if (c >= 0x80) break;
      s += String.fromCharCode(c);
    }
    if (i === n - 1) return s;
  }
  try {
    return UTF8.decode(bytes.subarray(4, n - 1));
  } catch {
    return undefined;
  }
}

// Dates js-bson can hold: ECMAScript time values are within ±8.64e15 ms (ECMA-262 21.4.1.1);
// beyond that `new Date(ms)` is Invalid Date while libmongocrypt keeps the int64.
const MAX_DATE_MS = 8.64e15;
// BSONRegExp accepts only these option letters and sorts them (js-bson regexp.ts).
const REGEX_OPTIONS = new Set([0x69, 0x6c, 0x6d, 0x73, 0x75, 0x78]); // i l m s u x

/** What {@link checkBsonValue} found besides validity. */
export interface BsonValueCheck {
  /**
   * False when js-bson would not read the value back as the same bytes: a DBPointer (read as
   * DBRef), a date outside ±8.64e15 ms (Invalid Date), an array whose keys are not "0", "1", ...
   * (renumbered), a key or regex that is not valid UTF-8 (replaced by U+FFFD), or regex options
   * not in alphabetical order (sorted).
   */
  faithful: boolean;
}

/**
 * Checks that `bytes` are exactly one valid value of BSON `type` and nothing after it, with
 * every rule js-bson's reader enforces (bool 0/1, UTF-8 strings, code and symbols, regex
 * options, binary subtype 2 inner length, code_w_s lengths) and the nesting bound. `depth` is
 * the number of documents/arrays around the value (0 for a value on its own).
 * Throws `MALFORMED_BSON` or `NESTING_TOO_DEEP`.
 *
 * Trailing bytes are refused even though libmongocrypt reads the first value and ignores the
 * rest (`_mongocrypt_buffer_to_bson_value`): under a valid tag they can only come from a key
 * holder or a faulty writer, and a reader that picks one of two values is the type confusion
 * of issue 11 item 6 (an int32 blob read as a string). No correct encryptor writes them.
 */
export function checkBsonValue(type: number, bytes: Uint8Array, depth = 0): BsonValueCheck {
  const state = { faithful: true };
  let length: number;
  try {
    length = checkValue(type, bytes, 0, bytes.length, depth, state);
  } catch (e) {
    if (e instanceof FleFormatError && e.code === 'NESTING_TOO_DEEP') throw e;
    throw malformedValue(type, e instanceof Error ? e.message : String(e));
  }
  if (length !== bytes.length) throw malformedValue(type, `trailing bytes after the value: ${bytes.length - length}`);
  return state;
}

/**
 * {@link checkBsonValue} on `b[start..end)` in place, without the result: what the bulk
 * decryptor runs on each plaintext where it lands in its output buffer (no copy, no view).
 */
export function checkBsonValueIn(type: number, b: Uint8Array, start: number, end: number, depth: number): void {
  let length: number;
  try {
    length = checkValue(type, b, start, end, depth, { faithful: true });
  } catch (e) {
    if (e instanceof FleFormatError && e.code === 'NESTING_TOO_DEEP') throw e;
    throw malformedValue(type, e instanceof Error ? e.message : String(e));
  }
  if (length !== end - start) throw malformedValue(type, `trailing bytes after the value: ${end - start - length}`);
}

function malformedValue(type: number, what: string): FleFormatError {
  return new FleFormatError(
    'MALFORMED_BSON',
    `bytes are not exactly one valid BSON '${bsonTypeName(type)}' value (${what}); decrypted, this means malformed encrypted bson from a faulty encryptor`,
  );
}

/** Length of the value of `type` at `o`, content checked; `depth` = containers around it. */
function checkValue(type: number, b: Uint8Array, o: number, limit: number, depth: number, state: { faithful: boolean }): number {
  const n = valueLength(type, b, o, limit);
  switch (type) {
    case 0x02: case 0x0d: case 0x0e:
      if (!isUtf8(b, o + 4, o + n - 1)) throw malformedDocument('invalid UTF-8 in a string');
      break;
    case 0x03: case 0x04:
      checkDocument(b, o, o + n, depth + 1, type === 0x04, state);
      break;
    case 0x05:
      // Subtype 2 (old binary) holds its own int32 length, which must be the rest (js-bson refuses otherwise).
      if (b[o + 4] === 0x02 && (n < 9 || i32(b, o + 5) !== n - 9)) throw malformedDocument('binary subtype 2 inner length');
      break;
    case 0x08:
      if (b[o]! > 1) throw malformedDocument('boolean byte other than 0 or 1');
      break;
    case 0x09: {
      const ms = i32(b, o + 4) * 0x1_0000_0000 + (i32(b, o) >>> 0);
      if (!(Math.abs(ms) <= MAX_DATE_MS)) state.faithful = false;
      break;
    }
    case 0x0b: {
      const patternEnd = cstringEnd(b, o, limit) - 1;
      if (!isUtf8(b, o, patternEnd)) state.faithful = false;
      for (let i = patternEnd + 1; i < o + n - 1; i++) {
        if (!REGEX_OPTIONS.has(b[i]!)) throw malformedDocument('regex option other than i, l, m, s, u, x');
        if (i > patternEnd + 1 && b[i]! < b[i - 1]!) state.faithful = false;
      }
      break;
    }
    case 0x0c:
      if (!isUtf8(b, o + 4, o + n - 13)) throw malformedDocument('invalid UTF-8 in a DBPointer namespace');
      state.faithful = false;
      break;
    case 0x0f: {
      const code = 4 + i32(b, o + 4);
      if (!isUtf8(b, o + 8, o + 4 + code - 1)) throw malformedDocument('invalid UTF-8 in code');
      checkDocument(b, o + 4 + code, o + n, depth + 1, false, state);
      break;
    }
  }
  return n;
}

/** Every element of the document at `start` (level `level`), checked as {@link checkValue}. */
function checkDocument(b: Uint8Array, start: number, limit: number, level: number, isArray: boolean, state: { faithful: boolean }): void {
  checkLevel(level, 'the value');
  const end = documentEnd(b, start, limit) - 1;
  let index = 0;
  for (let i = start + 4; i < end; index++) {
    const v = cstringEnd(b, i + 1, end);
    if (state.faithful && (isArray ? !isIndexKey(b, i + 1, v - 1, index) : !isUtf8(b, i + 1, v - 1))) state.faithful = false;
    i = v + checkValue(b[i]!, b, v, end, level, state);
  }
}

/** True when b[from..to) is the decimal `index` ("0", "1", ...), the only keys js-bson keeps in an array. */
function isIndexKey(b: Uint8Array, from: number, to: number, index: number): boolean {
  const s = String(index);
  if (to - from !== s.length) return false;
  for (let k = 0; k < s.length; k++) if (b[from + k] !== s.charCodeAt(k)) return false;
  return true;
}
