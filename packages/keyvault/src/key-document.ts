// Key vault documents (fle1-spec.md §5 "Key vault document"; parser LMC `src/mongocrypt-key.c`,
// writer LMC `mongocrypt-ctx-datakey.c` `_finalize`; SPEC appendix "Key vault collection schema").
import { Binary, EJSON, Long } from 'bson';
import { KeyVaultError } from './errors.js';
import { binaryBytes, copyBinary, isBinary } from './bytes.js';
import { parseMasterKey, type MasterKey } from './master-key.js';
import { checkJsonTextDepth, checkValueDepth } from './depth.js';

/** A data key as stored in the key vault collection, with bson types. */
export interface DataKeyDocument {
  /** UUID, BinData subtype 4. */
  _id: Binary;
  /** Absent when the key has none. Unique across the vault. */
  keyAltNames?: string[];
  /** The wrapped 96-byte data key, BinData subtype 0 (160 bytes for local keys). */
  keyMaterial: Binary;
  creationDate: Date;
  updateDate: Date;
  /** 0 enabled, 1 disabled: informational only (SPEC), the key is used either way. */
  status: number;
  masterKey: MasterKey;
  /** Optional; must be 0 when present. */
  version?: Long | number;
}

const KNOWN = new Set(['_id', 'keyAltNames', 'keyMaterial', 'creationDate', 'updateDate', 'status', 'masterKey', 'version']);

function invalid(field: string, why: string): KeyVaultError {
  return new KeyVaultError('INVALID_KEY_DOCUMENT', `invalid key document: '${field}' ${why}`);
}

function looksLikeExtendedJson(doc: Record<string, unknown>): boolean {
  return Object.values(doc).some((v) => typeof v === 'object' && v !== null && !Array.isArray(v)
    && !isBinary(v) && !(v instanceof Date) && Object.keys(v).some((k) => k.startsWith('$')));
}

function integerValue(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? v : undefined;
  if (typeof v === 'object' && v !== null) {
    const t = (v as { _bsontype?: string })._bsontype;
    if (t === 'Int32' || t === 'Double') return integerValue((v as { value: number }).value);
    if (t === 'Long') return (v as Long).toNumber();
  }
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

function dateValue(v: unknown, field: string): Date {
  if (!(v instanceof Date) || Number.isNaN(v.getTime())) throw invalid(field, 'must be a date');
  return new Date(v.getTime());
}

/**
 * Validates a key document as `bson` deserializes it, as a plain object in canonical or relaxed
 * Extended JSON, or as Extended JSON text; returns a fresh document with fields in libmongocrypt's
 * order. Throws INVALID_KEY_DOCUMENT naming the field (missing, wrong type, unknown field),
 * INVALID_MASTER_KEY for a bad masterKey, NESTING_TOO_DEEP past MAX_NESTING_DEPTH levels.
 */
export function parseKeyDocument(input: string | Record<string, unknown> | DataKeyDocument): DataKeyDocument {
  let doc: Record<string, unknown>;
  if (typeof input === 'string') {
    checkJsonTextDepth(input, 'key document');
    try {
      doc = EJSON.parse(input, { relaxed: false }) as Record<string, unknown>;
    } catch (cause) {
      throw new KeyVaultError('INVALID_KEY_DOCUMENT', 'invalid key document: not valid Extended JSON', { cause });
    }
  } else {
    doc = input as Record<string, unknown>;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new KeyVaultError('INVALID_KEY_DOCUMENT', 'invalid key document: expected a document');
  }
  if (doc instanceof Map) {
    throw new KeyVaultError('INVALID_KEY_DOCUMENT', 'invalid key document: expected a plain document, got a Map (pass Object.fromEntries(map))');
  }
  checkValueDepth(doc, 'key document');
  if (looksLikeExtendedJson(doc)) {
    try {
      doc = EJSON.deserialize(doc, { relaxed: false }) as Record<string, unknown>;
    } catch (cause) {
      throw new KeyVaultError('INVALID_KEY_DOCUMENT', 'invalid key document: bad Extended JSON value', { cause });
    }
  }
  for (const field of Object.keys(doc)) {
    if (!KNOWN.has(field)) throw invalid(field, 'is an unrecognized field');
  }
  for (const field of ['_id', 'keyMaterial', 'creationDate', 'updateDate', 'status', 'masterKey']) {
    if (doc[field] === undefined) throw invalid(field, 'is missing (required)');
  }
  const id = doc._id;
  if (!isBinary(id) || id.sub_type !== Binary.SUBTYPE_UUID || id.position !== 16) {
    throw invalid('_id', 'is not a UUID (BinData subtype 4, 16 bytes)');
  }
  const material = doc.keyMaterial;
  if (!isBinary(material) || material.sub_type !== Binary.SUBTYPE_DEFAULT) {
    throw invalid('keyMaterial', 'must be BinData subtype 0');
  }
  let keyAltNames: string[] | undefined;
  if (doc.keyAltNames !== undefined) {
    if (!Array.isArray(doc.keyAltNames)) throw invalid('keyAltNames', 'must be an array of strings');
    keyAltNames = [];
    for (const name of doc.keyAltNames as unknown[]) {
      if (typeof name !== 'string') throw invalid('keyAltNames', 'holds a value that is not a string');
      if (keyAltNames.includes(name)) throw invalid('keyAltNames', 'holds a duplicate name');
      keyAltNames.push(name);
    }
  }
  const status = integerValue(doc.status);
  if (status === undefined) throw invalid('status', 'must be an integer');
  const masterKey: MasterKey = parseMasterKey(doc.masterKey, { stored: true });
  const out: DataKeyDocument = {
    _id: copyBinary(id),
    ...(keyAltNames && keyAltNames.length > 0 ? { keyAltNames } : {}),
    keyMaterial: copyBinary(material),
    creationDate: dateValue(doc.creationDate, 'creationDate'),
    updateDate: dateValue(doc.updateDate, 'updateDate'),
    status,
    masterKey,
  };
  if (doc.version !== undefined) {
    if (integerValue(doc.version) !== 0) throw invalid('version', 'must be 0');
    out.version = Long.fromNumber(0);
  }
  return out;
}

/** Canonical Extended JSON text of a key document (the form the FileKeyVault and mcoracle read). */
export function keyDocumentToEJSON(doc: DataKeyDocument, space?: number): string {
  return EJSON.stringify(doc as unknown as Record<string, unknown>, undefined, space, { relaxed: false });
}

/** A copy of a key document that shares no mutable state with the original. */
export function cloneKeyDocument(doc: DataKeyDocument): DataKeyDocument {
  const out: DataKeyDocument = {
    _id: copyBinary(doc._id),
    ...(doc.keyAltNames && doc.keyAltNames.length > 0 ? { keyAltNames: [...doc.keyAltNames] } : {}),
    keyMaterial: copyBinary(doc.keyMaterial),
    creationDate: new Date(doc.creationDate.getTime()),
    updateDate: new Date(doc.updateDate.getTime()),
    status: doc.status,
    masterKey: { ...doc.masterKey },
  };
  if (doc.version !== undefined) out.version = doc.version;
  return out;
}

/** The wrapped key bytes of a document. */
export function keyMaterialBytes(doc: DataKeyDocument): Uint8Array {
  return binaryBytes(doc.keyMaterial);
}
