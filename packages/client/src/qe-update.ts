// Insert markings for what an update writes on a Queryable Encryption collection (server query
// analysis `replaceEncryptedFieldsInUpdate` / `EncryptionUpdateVisitor`): a replacement document
// is marked like an inserted one; `$set` / `$setOnInsert` values of encrypted fields (or of
// documents holding them) are marked; `$unset` is allowed; every other operator that touches an
// encrypted path is refused, since the server cannot compute on ciphertext.
import { isPlainDocument } from './bson-types.js';
import { documentEntries, setField } from './document-entries.js';
import { FleClientError } from './errors.js';
import { mentionsEncryptedPath } from './qe-filter.js';
import type { QeField } from './qe-fields.js';
import { equalityMarking, rangeInsertMarking } from './qe-markings.js';

/** The insert marking for a value of an encrypted field (equality, range or unindexed). */
export function insertMarking(field: QeField, value: unknown): unknown {
  return field.range ? rangeInsertMarking(field, value) : equalityMarking(field, 1, value);
}

/** Marks the encrypted fields of one document under `prefix` (copies along changed paths; the input is not modified). */
export function markDocument(doc: Record<string, unknown>, fields: readonly QeField[], prefix: string): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of documentEntries(doc, 'the document')) {
    const path = prefix ? `${prefix}.${k}` : k;
    const exact = fields.find((f) => f.path === path);
    let r = v;
    if (exact) {
      r = insertMarking(exact, v);
    } else if (fields.some((f) => f.path.startsWith(`${path}.`))) {
      if (Array.isArray(v)) throw new FleClientError('ARRAY_IN_ENCRYPTED_PATH', `an array at '${path}' lies on the path to an encrypted field`);
      if (isPlainDocument(v)) r = markDocument(v, fields, path);
    }
    if (r !== v) setField((out ??= { ...(doc instanceof Map ? Object.fromEntries(doc) : doc) }), k, r);
  }
  return out ?? doc;
}

const SETTERS = new Set(['$set', '$setOnInsert']);

/**
 * The update `u` with insert markings: a replacement document, an operator document, or a
 * pipeline (refused when it names an encrypted path). Errors: UNSUPPORTED_UPDATE_OPERATOR.
 */
export function markUpdate(u: unknown, fields: readonly QeField[]): unknown {
  if (Array.isArray(u)) {
    const hit = mentionsEncryptedPath(u, fields);
    if (hit) throw new FleClientError('UNSUPPORTED_UPDATE_OPERATOR', `a pipeline update may not read or write encrypted field '${hit}' (mongocryptd 6329902)`);
    return u;
  }
  if (!isPlainDocument(u)) throw new FleClientError('INVALID_ARGUMENT', 'an update must be a document or a pipeline');
  const keys = Object.keys(u);
  if (!keys.some((k) => k.startsWith('$'))) return markDocument(u, fields, '');
  const out: Record<string, unknown> = {};
  for (const [op, spec] of documentEntries(u, 'the update')) {
    if (!op.startsWith('$')) throw new FleClientError('INVALID_ARGUMENT', `an update mixes operators and the field '${op}'`);
    if (!isPlainDocument(spec)) {
      setField(out, op, spec);
      continue;
    }
    if (SETTERS.has(op)) {
      const marked: Record<string, unknown> = {};
      for (const [path, v] of documentEntries(spec, op)) setField(marked, path, setValue(path, v, fields));
      setField(out, op, marked);
      continue;
    }
    for (const path of Object.keys(spec)) {
      const field = fields.find((f) => f.path === path || f.path.startsWith(`${path}.`) || path.startsWith(`${f.path}.`));
      if (field === undefined) continue;
      // $unset removes the field (and its ciphertext) without reading it; nothing else can work on a ciphertext.
      if (op === '$unset' && !path.startsWith(`${field.path}.`)) continue;
      throw new FleClientError('UNSUPPORTED_UPDATE_OPERATOR', `${op} cannot work on encrypted field '${field.path}' (only $set, $setOnInsert and $unset can)`);
    }
    setField(out, op, spec);
  }
  return out;
}

function setValue(path: string, v: unknown, fields: readonly QeField[]): unknown {
  const exact = fields.find((f) => f.path === path);
  if (exact) return insertMarking(exact, v);
  const inside = fields.find((f) => path.startsWith(`${f.path}.`));
  if (inside) throw new FleClientError('UNSUPPORTED_UPDATE_OPERATOR', `$set cannot write '${path}' inside encrypted field '${inside.path}'`);
  if (fields.some((f) => f.path.startsWith(`${path}.`))) {
    if (Array.isArray(v)) throw new FleClientError('ARRAY_IN_ENCRYPTED_PATH', `an array at '${path}' lies on the path to an encrypted field`);
    if (isPlainDocument(v)) return markDocument(v, fields, path);
  }
  return v;
}
