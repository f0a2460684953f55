// What `fle encrypt` and `fle decrypt` do to one document, through @fle-ts/client's public API.
import type { Binary } from 'bson';
import type { AutoEncrypter, ClientEncryption, ClientEncryptOptions } from '@fle-ts/client';
import { RawBsonValue } from '@fle-ts/fle-format';
import { CliError } from './errors.js';

/** One document in, one document out (the input may be changed: it is freshly parsed). */
export type DocumentTransform = (doc: Record<string, unknown>) => Promise<Record<string, unknown>>;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !('_bsontype' in v);
}

function isEncrypted(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { _bsontype?: unknown })._bsontype === 'Binary' && (v as Binary).sub_type === 6;
}

/**
 * Explicit encryption of the fields at `paths` (dotted, through embedded documents) with one
 * key and algorithm, as `ClientEncryption.encrypt` does for each value. A missing field is left
 * out; a field that is already BinData subtype 6 is kept as it is (so a run can be repeated);
 * an array on the way to a field is an error (FLE1 encrypts a whole array, not into one).
 */
export function explicitEncryptTransform(ce: ClientEncryption, paths: readonly string[], options: ClientEncryptOptions): DocumentTransform {
  const split = paths.map((p) => ({ path: p, parts: p.split('.') }));
  return async (doc) => {
    for (const { path, parts } of split) {
      let parent: Record<string, unknown> | undefined = doc;
      for (const part of parts.slice(0, -1)) {
        const next: unknown = Object.hasOwn(parent, part) ? parent[part] : undefined;
        if (Array.isArray(next)) throw new CliError('BAD_INPUT', `field ${path}: an array sits above it; encrypt the whole array (--field ${parts.slice(0, parts.indexOf(part) + 1).join('.')}) instead`);
        parent = isPlainObject(next) ? next : undefined;
        if (!parent) break;
      }
      const last = parts[parts.length - 1]!;
      if (!parent || !Object.hasOwn(parent, last) || isEncrypted(parent[last])) continue;
      const encrypted = await ce.encrypt(parent[last], options);
      Object.defineProperty(parent, last, { value: encrypted, enumerable: true, writable: true, configurable: true });
    }
    return doc;
  };
}

/** Automatic encryption by the schema of `namespace` (AutoEncrypter.encryptDocument). */
export function automaticEncryptTransform(auto: AutoEncrypter, namespace: string): DocumentTransform {
  return async (doc) => (await auto.encryptDocument(namespace, doc)) as Record<string, unknown>;
}

// A decrypted DBPointer comes back as a RawBsonValue (fle-format README), which bson's EJSON would
// write as a plain object: refuse rather than write a different value.
function rejectRawValues(v: unknown, path: string): void {
  if (v instanceof RawBsonValue) {
    throw new CliError('BAD_INPUT', `field ${path} decrypts to a BSON type 0x${v.type.toString(16).padStart(2, '0')} value that Extended JSON output cannot hold (js-bson has no DBPointer); decrypt this collection with a driver instead`);
  }
  if (Array.isArray(v)) v.forEach((x, i) => rejectRawValues(x, `${path}.${i}`));
  else if (isPlainObject(v)) for (const k of Object.keys(v)) rejectRawValues(v[k], path ? `${path}.${k}` : k);
}

/** Decryption of every FLE1 value anywhere in the document (AutoEncrypter.decryptDocument). */
export function decryptTransform(auto: AutoEncrypter): DocumentTransform {
  return async (doc) => {
    const plain = (await auto.decryptDocument(doc)) as Record<string, unknown>;
    rejectRawValues(plain, '');
    return plain;
  };
}

/**
 * True when `doc` has something for explicitEncryptTransform to do at one of `paths`: a value that
 * is not BinData subtype 6 yet, or an array on the way (which the transform reports as an error).
 * `fle migrate` leaves a document without either untouched.
 */
export function needsExplicitEncryption(paths: readonly string[]): (doc: Record<string, unknown>) => boolean {
  const split = paths.map((p) => p.split('.'));
  return (doc) =>
    split.some((parts) => {
      let cur: unknown = doc;
      for (const part of parts) {
        if (Array.isArray(cur)) return true;
        if (!isPlainObject(cur) || !Object.hasOwn(cur, part)) return false;
        cur = cur[part];
      }
      return !isEncrypted(cur);
    });
}
