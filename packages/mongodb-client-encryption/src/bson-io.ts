import { deserialize, serialize, type Document } from 'bson';
import { EXACT_DESERIALIZE_OPTIONS } from '@fle-ts/fle-format';
import { MongoCryptBindingError } from './errors.js';

/** True for bytes as the driver hands them (a Node Buffer is a Uint8Array). */
export function isBytes(v: unknown): v is Uint8Array {
  return v instanceof Uint8Array;
}

/**
 * Reads a BSON document the driver passed. `exact` keeps every BSON type distinct (Int32,
 * Double, Long, Binary subtypes: fle-format's EXACT_DESERIALIZE_OPTIONS) so that what is
 * re-serialized is the same bytes, type for type.
 */
export function readDocument(bytes: unknown, what: string, exact = true): Document {
  if (!isBytes(bytes)) throw new MongoCryptBindingError('INVALID_ARGUMENT', `${what} must be BSON bytes (Uint8Array)`);
  try {
    return exact ? deserialize(bytes, EXACT_DESERIALIZE_OPTIONS) : deserialize(bytes);
  } catch (cause) {
    throw new MongoCryptBindingError('INVALID_ARGUMENT', `${what} is not a valid BSON document`, { cause });
  }
}

/** Serializes a document for the driver (which deserializes it itself). */
export function writeDocument(doc: Document): Uint8Array {
  return serialize(doc);
}
