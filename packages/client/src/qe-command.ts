// Automatic Queryable Encryption (v2) of commands from an `encryptedFieldsMap`: our own analysis
// writes markings (FLE2EncryptionPlaceholder, first byte 3) where mongocryptd / crypt_shared
// would (qe-filter.ts, qe-update.ts), then the marked command is encrypted as libmongocrypt
// encrypts a mongocryptd reply (`mongocrypt-ctx-encrypt.c` `_fle2_finalize`): every marking in
// document order, `encryptionInformation` stripped and appended again by the command's rule
// (`must_omit_encryptionInformation`), and `compactionTokens` / `cleanupTokens` appended for the
// compaction commands (`_fle2_append_compactionTokens`).
import { compactionTokens, encryptPlaceholder, parseFle2Placeholder, type QeKeyLookup, type RandomSource } from '@fle-ts/qe';
import type { Binary } from 'bson';
import { hasBinaryBytes, isPlainDocument, isSubtype6 } from './bson-types.js';
import { checkDepth, documentEntries, isDocumentInput, setField } from './document-entries.js';
import { FleClientError } from './errors.js';
import { markFilter, mentionsEncryptedPath, type FilterContext } from './qe-filter.js';
import type { QeCollection, QeField } from './qe-fields.js';
import { markDocument, markUpdate } from './qe-update.js';

export { parseEncryptedFields, type QeCollection, type QeField, type QeRangeIndex } from './qe-fields.js';

// Commands that carry encryptionInformation only when they hold an insert or find payload, and
// commands the server refuses it on (libmongocrypt 1.20 `must_omit_encryptionInformation`).
// Every other command (update, delete, findAndModify, explain, ...) always carries it.
const ELIGIBLE = new Set(['find', 'aggregate', 'distinct', 'count', 'insert']);
const PROHIBITED = new Set(['cleanupStructuredEncryptionData', 'create', 'collMod', 'createIndexes']);
// Commands libmongocrypt passes on untouched whatever the schema (`_check_cmd_for_auto_encrypt`: bypass).
const BYPASS = new Set([
  'getMore', 'authenticate', 'getnonce', 'logout', 'abortTransaction', 'commitTransaction', 'endSessions', 'startSession', 'drop', 'dropDatabase', 'dropIndexes',
  'killCursors', 'listCollections', 'listDatabases', 'listIndexes', 'renameCollection', 'ping', 'saslStart', 'saslContinue', 'killAllSessions', 'killSessions',
  'killAllSessionsByPattern', 'refreshSessions', 'hello', 'buildInfo', 'buildinfo', 'getCmdLineOpts', 'getLog', 'createSearchIndexes', 'listSearchIndexes',
  'dropSearchIndex', 'updateSearchIndex', 'serverStatus',
]);

/** True for a command libmongocrypt sends as it is, without looking for a schema (isMaster in any case too). */
export function bypassesAutoEncryption(name: string): boolean {
  return BYPASS.has(name) || name.toLowerCase() === 'ismaster';
}

// Commands passed on without analysis: they hold no values to encrypt.
const NO_VALUES = new Set(['create', 'collMod', 'createIndexes', 'compactStructuredEncryptionData', 'cleanupStructuredEncryptionData']);
// Payload kinds that make an eligible command carry encryptionInformation (`_mongocrypt_fle2_insert_update_find`, v2 ones).
const NEEDS_INFO = new Set([11, 12, 13]);
// Pipeline stages that read another collection, whose encryptedFields this analysis does not have.
const OTHER_COLLECTION_STAGES = new Set(['$lookup', '$graphLookup', '$unionWith']);

function filterOf(value: unknown, what: string, fields: readonly QeField[], ctx: FilterContext): unknown {
  if (value === undefined || value === null) return value;
  if (!isDocumentInput(value)) throw new FleClientError('INVALID_ARGUMENT', `${what} must be a document`);
  return markFilter(value as Record<string, unknown>, fields, ctx);
}

function listOf(cmd: Record<string, unknown>, key: string, name: string): unknown[] {
  const list = cmd[key];
  if (!Array.isArray(list)) throw new FleClientError('INVALID_ARGUMENT', `${name} needs ${key}: [...]`);
  return list;
}

/** The pipeline with its leading `$match` stages marked; later stages may not name an encrypted path. */
function markPipeline(pipeline: unknown, fields: readonly QeField[], ctx: FilterContext): unknown[] {
  if (!Array.isArray(pipeline)) throw new FleClientError('INVALID_ARGUMENT', 'aggregate needs pipeline: [...]');
  let leading = true;
  return pipeline.map((stage, i) => {
    if (!isPlainDocument(stage) || Object.keys(stage).length !== 1) throw new FleClientError('INVALID_ARGUMENT', `pipeline stage ${i} must be a document with one stage operator`);
    const [name] = Object.keys(stage) as [string];
    if (OTHER_COLLECTION_STAGES.has(name)) throw new FleClientError('UNSUPPORTED_QUERY_OPERATOR', `${name} reads another collection, which automatic Queryable Encryption here cannot analyse`);
    if (leading && name === '$match') return { $match: filterOf(stage.$match, '$match', fields, ctx) };
    leading = false;
    const hit = mentionsEncryptedPath(stage, fields);
    if (hit) throw new FleClientError('UNSUPPORTED_QUERY_OPERATOR', `pipeline stage ${i} (${name}) names encrypted field '${hit}': only leading $match stages can query encrypted fields`);
    return stage;
  });
}

/**
 * The command with markings in place of the values to encrypt, as mongocryptd would answer it,
 * made from the collection's encryptedFields: `insert` documents; the filters of `find`, `count`,
 * `distinct`, `delete`, `update`, `findAndModify` and the leading `$match` stages of `aggregate`
 * (find markings); what `update` / `findAndModify` write (insert markings); the command inside
 * `explain`. `create`, `collMod`,
 * `createIndexes` and the compaction commands pass unchanged. Anything else is refused (never
 * sent in clear). Errors: FleClientError with codes UNSUPPORTED_QUERY_OPERATOR,
 * ENCRYPTED_FIELD_QUERY_NOT_ALLOWED, UNSUPPORTED_UPDATE_OPERATOR, BSON_TYPE_MISMATCH,
 * ARRAY_IN_ENCRYPTED_PATH, INVALID_ARGUMENT.
 */
export function markQeCommand(cmd: Record<string, unknown>, coll: QeCollection): Record<string, unknown> {
  const name = Object.keys(cmd)[0];
  const { fields } = coll;
  const ctx: FilterContext = { nextPayloadId: 0 };
  switch (name) {
    case 'insert':
      return { ...cmd, documents: listOf(cmd, 'documents', 'insert').map((d) => (isPlainDocument(d) ? markDocument(d, fields, '') : d)) };
    case 'find':
      return cmd.filter === undefined ? cmd : { ...cmd, filter: filterOf(cmd.filter, 'find filter', fields, ctx) };
    case 'count':
      return cmd.query === undefined ? cmd : { ...cmd, query: filterOf(cmd.query, 'count query', fields, ctx) };
    case 'distinct': {
      const key = cmd.key;
      if (typeof key !== 'string') throw new FleClientError('INVALID_ARGUMENT', 'distinct needs key: "<field>"');
      const hit = fields.find((f) => f.path === key || f.path.startsWith(`${key}.`) || key.startsWith(`${f.path}.`));
      if (hit) throw new FleClientError('ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', `distinct on '${key}' would read encrypted field '${hit.path}': the server cannot list the distinct values of a ciphertext`);
      return cmd.query === undefined ? cmd : { ...cmd, query: filterOf(cmd.query, 'distinct query', fields, ctx) };
    }
    case 'aggregate':
      return { ...cmd, pipeline: markPipeline(cmd.pipeline, fields, ctx) };
    case 'delete':
      return {
        ...cmd,
        deletes: listOf(cmd, 'deletes', 'delete').map((d) => (isPlainDocument(d) ? { ...d, q: filterOf(d.q, 'delete q', fields, ctx) } : d)),
      };
    case 'update':
      return {
        ...cmd,
        updates: listOf(cmd, 'updates', 'update').map((u) => {
          if (!isPlainDocument(u)) throw new FleClientError('INVALID_ARGUMENT', 'each update must be a document { q, u }');
          return { ...u, q: filterOf(u.q, 'update q', fields, ctx), u: markUpdate(u.u, fields) };
        }),
      };
    case 'findAndModify': {
      const out: Record<string, unknown> = { ...cmd };
      if (cmd.query !== undefined) out.query = filterOf(cmd.query, 'findAndModify query', fields, ctx);
      if (cmd.update !== undefined) out.update = markUpdate(cmd.update, fields);
      return out;
    }
    case 'explain': {
      // The explained command is analysed as it is; encryptionInformation goes inside it.
      const inner = cmd.explain;
      if (!isPlainDocument(inner) || Object.keys(inner)[0] === 'explain') throw new FleClientError('INVALID_ARGUMENT', 'explain needs the command to explain as a document');
      return { ...cmd, explain: markQeCommand(inner, coll) };
    }
    default:
      if (name !== undefined && NO_VALUES.has(name)) return cmd;
      throw new FleClientError('INVALID_ARGUMENT', `automatic Queryable Encryption does not support '${String(name)}' on a collection with encryptedFields`);
  }
}

/** True for a marking (BinData 6, first byte 3). */
function isMarking(v: unknown): v is Binary {
  return isSubtype6(v) && hasBinaryBytes(v) && v.position > 0 && v.buffer[0] === 3;
}

/** Every marking of `value` in document order. Nesting past MAX_NESTING_DEPTH → `NESTING_TOO_DEEP`. */
export function collectMarkings(value: unknown, out: Binary[] = [], depth = 1): Binary[] {
  if (isMarking(value)) out.push(value);
  else if (Array.isArray(value)) {
    checkDepth(depth, 'The command');
    for (const v of value) collectMarkings(v, out, depth + 1);
  } else if (isDocumentInput(value)) {
    checkDepth(depth, 'The command');
    for (const [, v] of documentEntries(value, 'the command')) collectMarkings(v, out, depth + 1);
  }
  return out;
}

/** The key ids (ki, ku) the markings name. */
export function markingKeyIds(markings: readonly Binary[]): Uint8Array[] {
  const ids: Uint8Array[] = [];
  for (const m of markings) {
    const p = parseFle2Placeholder(m.buffer.subarray(0, m.position));
    ids.push(p.indexKeyId, p.userKeyId);
  }
  return ids;
}

function replaceMarkings(value: unknown, f: (m: Binary) => Binary): unknown {
  if (isMarking(value)) return f(value);
  if (Array.isArray(value)) return value.map((v) => replaceMarkings(v, f));
  if (isDocumentInput(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of documentEntries(value, 'the command')) setField(out, k, replaceMarkings(v, f));
    return out;
  }
  return value;
}

/**
 * `encryptedFields` as libmongocrypt sends them to the server (`mc-schema-broker.c`
 * `append_encryptedFields`): as given, then `escCollection` / `ecocCollection`
 * (`enxcol_.<coll>.esc|ecoc`) and `fields: []` when missing.
 */
export function encryptedFieldsForServer(ns: string, encryptedFields: Record<string, unknown>): Record<string, unknown> {
  const coll = ns.slice(ns.indexOf('.') + 1);
  const out: Record<string, unknown> = {};
  for (const [k, v] of documentEntries(encryptedFields, 'encryptedFields')) setField(out, k, v);
  if (!('escCollection' in out)) out.escCollection = `enxcol_.${coll}.esc`;
  if (!('ecocCollection' in out)) out.ecocCollection = `enxcol_.${coll}.ecoc`;
  if (!('fields' in out)) out.fields = [];
  return out;
}

/**
 * Whether libmongocrypt sends `encryptionInformation` with a command (`must_omit_encryptionInformation`):
 * compactStructuredEncryptionData only with range fields; never create, collMod, createIndexes,
 * cleanupStructuredEncryptionData; find, aggregate, distinct, count and insert only with an
 * insert or find payload; every other command always.
 */
export function carriesEncryptionInformation(name: string, hasPayload: boolean, coll: QeCollection): boolean {
  if (name === 'compactStructuredEncryptionData') return coll.fields.some((f) => f.range !== undefined);
  if (PROHIBITED.has(name)) return false;
  return ELIGIBLE.has(name) ? hasPayload : true;
}

/**
 * Every key a marked command needs: the markings' key ids, and for the compaction commands the
 * key of every field (their tokens come from each field's key).
 */
export function qeCommandKeyIds(marked: Record<string, unknown>, coll: QeCollection): Uint8Array[] {
  const ids = markingKeyIds(collectMarkings(marked));
  const name = Object.keys(marked)[0];
  if (name === 'compactStructuredEncryptionData' || name === 'cleanupStructuredEncryptionData') {
    for (const f of coll.fields) ids.push(new Uint8Array(f.keyId.buffer.subarray(0, 16)));
  }
  return ids;
}

/**
 * Encrypts every marking of a marked command in document order (so random bytes are drawn in
 * libmongocrypt's order), strips any `encryptionInformation` the marked command carried and
 * appends `{type: 1, schema: {<ns>: encryptedFields}}` again where libmongocrypt does
 * ({@link carriesEncryptionInformation}; nested in `explain`), appends `compactionTokens` /
 * `cleanupTokens` for the compaction commands (after `encryptionInformation`, as libmongocrypt).
 * `keys` must hold every key of {@link qeCommandKeyIds}.
 */
export function encryptMarkedCommand(marked: Record<string, unknown>, ns: string, coll: QeCollection, keys: QeKeyLookup, random: RandomSource | undefined): Record<string, unknown> {
  collectMarkings(marked); // the depth check before the unchecked rebuild below
  const name = Object.keys(marked)[0] ?? '';
  if (name === 'bulkWrite') throw new FleClientError('INVALID_ARGUMENT', 'bulkWrite on a Queryable Encryption collection is not supported here (libmongocrypt puts encryptionInformation in nsInfo)');
  let hasPayload = false;
  const out = replaceMarkings(marked, (m) => {
    const b = encryptPlaceholder(m, { keys, ...(random ? { random } : {}) });
    if (NEEDS_INFO.has(b.buffer[0]!)) hasPayload = true;
    return b;
  }) as Record<string, unknown>;
  delete out.encryptionInformation;
  const info = { type: 1, schema: { [ns]: encryptedFieldsForServer(ns, coll.encryptedFields) } };
  const explained = name === 'explain' && isPlainDocument(out.explain) ? { ...out.explain } : undefined;
  if (explained) {
    // explain always carries it, inside the explained command (`insert_encryptionInformation`).
    delete explained.encryptionInformation;
    setField(explained, 'encryptionInformation', info);
    out.explain = explained;
  } else if (carriesEncryptionInformation(name, hasPayload, coll)) setField(out, 'encryptionInformation', info);
  if (name === 'compactStructuredEncryptionData' || name === 'cleanupStructuredEncryptionData') {
    const tokens = compactionTokens(coll.encryptedFields, keys);
    setField(out, name === 'cleanupStructuredEncryptionData' ? 'cleanupTokens' : 'compactionTokens', tokens);
  }
  return out;
}
