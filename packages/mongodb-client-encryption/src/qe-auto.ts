// Automatic Queryable Encryption (v2) in makeEncryptionContext, as libmongocrypt does it for the
// driver (mongocrypt-ctx-encrypt.c): the collection's encryptedFields come from encryptedFieldsMap
// or listCollections (`options.encryptedFields`), the client package's analysis writes the markings
// crypt_shared would write (markQeCommand), the keys they name are fetched in NEED_MONGO_KEYS, and
// encryptMarkedCommand turns them into payloads and appends `encryptionInformation`.
import { Binary, type Document } from 'bson';
import { encryptedFieldsForServer, encryptMarkedCommand, FleClientError, KeyNeedsCollector, markQeCommand, parseEncryptedFields, qeCommandKeyIds, type QeCollection } from '@fle-ts/client';
import { readyStep, type Step } from './context.js';
import type { KeyCache } from './key-cache.js';
import type { LocalMasterKeys } from './local-kms.js';
import { writeDocument } from './bson-io.js';
import { qeKeysThen } from './qe-keys.js';
import { isDoc, refuse } from './refuse.js';
import { mongocryptdShape } from './mongocryptd-shape.js';

// Stands in for a keyAltName's key while the map is checked at construction (the real id is
// fetched when a command first reaches the collection).
const PLACEHOLDER_KEY_ID = new Binary(new Uint8Array(16), Binary.SUBTYPE_UUID);

/**
 * The encryptedFieldsMap option, checked now as libmongocrypt checks it
 * (`mongocrypt_setopt_encrypted_field_config_map`): namespaces "db.collection", each entry through
 * the client package's parseEncryptedFields (SCHEMA_INVALID naming the namespace and field; a
 * keyAltName field is checked with a stand-in id), and no namespace also in schemaMap.
 */
export function checkEncryptedFieldsMap(map: Document, schemaMap: { has(ns: string): boolean }): Map<string, Document> {
  const out = new Map<string, Document>();
  for (const [ns, ef] of Object.entries(map)) {
    if (!/^[^.]+\..+$/.test(ns)) throw new FleClientError('INVALID_ARGUMENT', `encryptedFieldsMap key '${ns}' must be a namespace "db.collection"`);
    if (schemaMap.has(ns)) throw new FleClientError('INVALID_ARGUMENT', `'${ns}' is in both schemaMap and encryptedFieldsMap: a collection is CSFLE or Queryable Encryption, not both`);
    const fields = isDoc(ef) && Array.isArray(ef.fields) ? (ef.fields as unknown[]) : undefined;
    const probe = fields ? { ...ef, fields: fields.map((f) => (isDoc(f) && f.keyId === undefined && typeof f.keyAltName === 'string' ? withKeyId(f, PLACEHOLDER_KEY_ID) : f)) } : ef;
    parseEncryptedFields(ns, probe);
    out.set(ns, ef as Document);
  }
  return out;
}

// Payload kinds that make libmongocrypt append encryptionInformation to a command sent unanalysed
// (bypassQueryAnalysis: values encrypted explicitly): insert/update (4, 11), find (5, 12),
// range find (10, 13), text find (18) (queryable-encryption.md §4, `must_omit_encryptionInformation`).
const PAYLOAD_KINDS = new Set([4, 5, 10, 11, 12, 13, 18]);

function holdsPayload(v: unknown, depth = 0): boolean {
  if (depth > 200) return false;
  const b = v as { _bsontype?: string; sub_type?: number; buffer?: Uint8Array; position?: number } | null;
  if (b?._bsontype === 'Binary') return b.sub_type === 6 && (b.position ?? 0) > 0 && PAYLOAD_KINDS.has(b.buffer![0]!);
  if (Array.isArray(v)) return v.some((x) => holdsPayload(x, depth + 1));
  if (isDoc(v)) return Object.values(v).some((x) => holdsPayload(x, depth + 1));
  return false;
}

/**
 * bypassQueryAnalysis on a Queryable Encryption collection: the command is not analysed, but
 * encryptionInformation is still appended when it holds an explicitly made insert or find
 * payload (spec fle2v2-BypassQueryAnalysis.json: the insert goes out with it).
 */
export function qeBypassStep(ns: string, cmd: Record<string, unknown>, encryptedFields: Document, original: Uint8Array): Step {
  if (!holdsPayload(cmd)) return readyStep(() => original);
  const out: Record<string, unknown> = { ...cmd };
  delete out.encryptionInformation;
  // Not analysed, so not parsed either: the fields go to the server as they are (any query type).
  out.encryptionInformation = { type: 1, schema: { [ns]: encryptedFieldsForServer(ns, encryptedFields) } };
  return readyStep(() => writeDocument(out));
}

/**
 * create / collMod / createIndexes on a Queryable Encryption collection: a validator or partial
 * index filter naming an encrypted field (or a path through one) is refused in mongocryptd's words
 * (spec fle2v2-validatorAndPartialFieldExpression.json); otherwise the command goes out unchanged,
 * without encryptionInformation (libmongocrypt omits it on these commands).
 */
export function qeDefinitionStep(name: string, cmd: Record<string, unknown>, encryptedFields: Document, original: Uint8Array): Step {
  const filters: unknown[] = [];
  if (name === 'createIndexes') {
    for (const ix of Array.isArray(cmd.indexes) ? cmd.indexes : []) if (isDoc(ix) && ix.partialFilterExpression !== undefined) filters.push(ix.partialFilterExpression);
  } else if (cmd.validator !== undefined) filters.push(cmd.validator);
  // The paths only (any query type): the fields themselves are the server's to check here.
  const paths = (Array.isArray(encryptedFields.fields) ? (encryptedFields.fields as unknown[]) : []).flatMap((f) => (isDoc(f) && typeof f.path === 'string' ? [f.path] : []));
  const check = (f: unknown, depth: number): void => {
    if (depth > 100) refuse(`${name}: the filter is nested too deeply to be checked`);
    if (Array.isArray(f)) return f.forEach((x) => check(x, depth + 1));
    if (!isDoc(f)) return;
    for (const [k, v] of Object.entries(f)) {
      if (k.startsWith('$')) check(v, depth + 1);
      else if (paths.some((p) => p === k || p.startsWith(`${k}.`) || k.startsWith(`${p}.`))) {
        refuse(`Comparison to encrypted fields not supported: '${k}' in the ${name} command is encrypted`);
      }
    }
  };
  for (const f of filters) check(f, 0);
  return readyStep(() => original);
}

/** What a QE encryption context needs from its MongoCrypt. */
export interface QeSetup {
  readonly cache: KeyCache;
  readonly kms: LocalMasterKeys;
}

/**
 * A command on a Queryable Encryption collection: marked by the client package's analysis
 * (markQeCommand; what it does not support is refused there, nothing is sent in clear), the keys
 * it needs (qeCommandKeyIds: the markings' ki and ku; every field's key for compact / cleanup)
 * fetched in one NEED_MONGO_KEYS round, then encrypted in document order with
 * encryptionInformation and, for compact / cleanup, the compaction tokens (encryptMarkedCommand).
 */
export function qeEncryptStep(ns: string, cmd: Record<string, unknown>, coll: QeCollection, setup: QeSetup): Step {
  let marked: Record<string, unknown>;
  try {
    marked = markQeCommand(cmd, coll);
  } catch (e) {
    // An inserted value of the wrong type: crypt_shared's text in front, as for CSFLE
    // (mongocryptd-errors.ts; spec fle2v2-Rangev2-*-Correctness.json "Wrong type: Insert").
    const wrongType = e instanceof FleClientError && e.code === 'BSON_TYPE_MISMATCH' && Object.keys(cmd)[0] === 'insert' ? /is declared bsonType '\w+' in encryptedFields, got an? (\w+)/.exec(e.message) : null;
    if (wrongType) throw new FleClientError('BSON_TYPE_MISMATCH', `Cannot encrypt element of type: ${wrongType[1]}: ${(e as Error).message}`, { cause: e });
    throw e;
  }
  // The markings' keys, and for compact / cleanup every field's key (their tokens come from them).
  const needs = new KeyNeedsCollector();
  for (const id of qeCommandKeyIds(marked, coll)) needs.addKeyIdBytes(id);
  return qeKeysThen(needs, [], setup.cache, setup.kms, (keys) => readyStep(() => {
    // With encrypted fields, crypt_shared writes the whole command back re-serialized (filters as
    // match expressions, update statements with multi/upsert), as for CSFLE (mongocryptd-shape.ts;
    // spec fle2v2-InsertFind-Unindexed.json: `{_id: 1}` goes out as `{_id: {$eq: 1}}`); with
    // `fields: []` it needs no encryption and libmongocrypt sends the command as it was
    // (fle2v2-EncryptedFields-vs-EncryptedFieldsMap.json).
    const shaped = coll.fields.length > 0 ? mongocryptdShape(Object.keys(marked)[0] ?? '', marked) : marked;
    const out = encryptMarkedCommand(shaped, ns, coll, keys.qe, undefined);
    // A payload the user encrypted explicitly (no marking) also makes libmongocrypt append it
    // (spec fle2v2-EncryptedFieldsMap-defaults.json: an insert with a ready-made payload).
    if (out.encryptionInformation === undefined && holdsPayload(out)) out.encryptionInformation = encryptionInformation(ns, coll);
    return writeDocument(out as Document);
  }));
}

/** `{type: 1, schema: {<ns>: encryptedFields}}` as libmongocrypt appends it (state collection names defaulted). */
function encryptionInformation(ns: string, coll: QeCollection): Document {
  return { type: 1, schema: { [ns]: encryptedFieldsForServer(ns, coll.encryptedFields) } };
}


/** A field entry with its keyAltName replaced, in place, by the keyId it names (libmongocrypt keeps the position). */
function withKeyId(field: Record<string, unknown>, keyId: Binary): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(field)) {
    if (k === 'keyAltName') out.keyId = keyId;
    else out[k] = v;
  }
  return out;
}

/**
 * encryptedFields whose fields name their key by `keyAltName` (libmongocrypt 1.15: spec
 * fle2v2-InsertFind-keyAltName.json): those keys are fetched by alt name (NEED_MONGO_KEYS, or the
 * cache), each keyAltName is replaced by the key's `_id`, and `then` gets the translated document
 * (the same object when nothing needed translating).
 */
export function resolveKeyAltNames(ef: Document, setup: QeSetup, then: (translated: Document) => Step): Step {
  const fields = Array.isArray(ef.fields) ? (ef.fields as unknown[]) : [];
  const named = (f: unknown): f is Record<string, unknown> & { keyAltName: string } => isDoc(f) && f.keyId === undefined && typeof f.keyAltName === 'string';
  if (!fields.some(named)) return then(ef);
  const needs = new KeyNeedsCollector();
  for (const f of fields) if (named(f)) needs.add({ keyAltName: f.keyAltName });
  return qeKeysThen(needs, [], setup.cache, setup.kms, (keys) => {
    return then({ ...ef, fields: fields.map((f) => (named(f) ? withKeyId(f, new Binary(keys.byAltName(f.keyAltName).keyId, Binary.SUBTYPE_UUID)) : f)) });
  });
}

/** The two commands that carry per-field tokens for the server's state collections. */
export const QE_STATE_COMMANDS: ReadonlySet<string> = new Set(['compactStructuredEncryptionData', 'cleanupStructuredEncryptionData']);
