// makeEncryptionContext: the crypt_shared role. The command is analysed here with the client
// package's walkers (one query-analysis engine), the keys it names are fetched in one
// NEED_MONGO_KEYS round, and `finalize` re-runs the walk with the keys in hand
// (query-analysis.md §1: what libmongocrypt + the analyzer do together).
import type { Document } from 'bson';
import { encryptValue } from '@fle-ts/fle-format';
import {
  compileSchema,
  KeyNeedsCollector,
  resolvePath,
  walkDocument,
  walkFilter,
  walkUpdate,
  FleClientError,
  type SchemaNode,
  type ValueSink,
} from '@fle-ts/client';
import { readDocument, writeDocument } from './bson-io.js';
import { BYPASS_COMMANDS, COLLECTION_COMMANDS, ENVELOPE_FIELDS, EXPLAINABLE, KNOWN_FIELDS, STATEMENT_FIELDS } from './command-tables.js';
import { readyStep, type Step } from './context.js';
import { MongoCryptBindingError } from './errors.js';
import type { KeyCache } from './key-cache.js';
import { KeyRequest, keysThen } from './key-step.js';
import type { LocalMasterKeys } from './local-kms.js';
import { MONGOCRYPT_CTX_NEED_MONGO_COLLINFO } from './states.js';

/** What an encryption context needs from its MongoCrypt. */
export interface AutoEncryptionSetup {
  /** Compiled schemaMap entries by namespace. */
  readonly schemas: ReadonlyMap<string, SchemaNode>;
  readonly cache: KeyCache;
  readonly kms: LocalMasterKeys;
}

function refuse(message: string): never {
  throw new MongoCryptBindingError('COMMAND_NOT_SUPPORTED', message);
}

function isDoc(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as { _bsontype?: unknown })._bsontype === undefined && !(v instanceof Date) && !(v instanceof RegExp);
}

function checkFields(cmd: Record<string, unknown>, known: ReadonlySet<string>, where: string): void {
  for (const k of Object.keys(cmd)) {
    if (!known.has(k) && !ENVELOPE_FIELDS.has(k)) refuse(`'${k}' in ${where} on a collection with encrypted fields is not analysed by fle-ts yet; the command was not sent`);
  }
}

/** Projection values must be inclusion flags: an operator ($elemMatch, $slice, ...) may compare values. */
function checkProjection(projection: unknown, where: string): void {
  if (projection === undefined) return;
  if (!isDoc(projection)) refuse(`${where}: the projection must be a document`);
  for (const [field, v] of Object.entries(projection)) {
    if (isDoc(v)) refuse(`${where}: the projection of '${field}' uses an operator, which fle-ts does not analyse on a collection with encrypted fields`);
  }
}

function filterOf(v: unknown, where: string): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  if (!isDoc(v)) throw new FleClientError('INVALID_ARGUMENT', `${where} must be a document`);
  return v;
}

function statements(cmd: Record<string, unknown>, field: string, known: ReadonlySet<string>, name: string, rewrite: (s: Record<string, unknown>) => Record<string, unknown>): Record<string, unknown>[] {
  const list = cmd[field];
  if (!Array.isArray(list)) throw new FleClientError('INVALID_ARGUMENT', `${name}.${field} must be an array of documents`);
  return list.map((s, i) => {
    if (!isDoc(s)) throw new FleClientError('INVALID_ARGUMENT', `${name}.${field}[${i}] must be a document`);
    checkFields(s, known, `${name}.${field}[${i}]`);
    return rewrite(s);
  });
}

function updateOf(u: unknown, root: SchemaNode, sink: ValueSink, where: string): unknown {
  // Pipeline updates are not analysed (query-analysis.md §4: an error on encrypted collections).
  if (Array.isArray(u)) refuse(`${where}: a pipeline (aggregation) update on a collection with encrypted fields is not supported`);
  if (!isDoc(u)) throw new FleClientError('INVALID_ARGUMENT', `${where} must be an update or replacement document`);
  return walkUpdate(root, u, sink);
}

/**
 * Rewrites a command on a collection whose schema encrypts something: every value that lands in
 * or is compared to an encrypted field goes through `sink`. Returns the new command.
 */
export function rewriteCommand(name: string, cmd: Record<string, unknown>, root: SchemaNode, sink: ValueSink): Record<string, unknown> {
  const known = KNOWN_FIELDS[name];
  if (!known) refuse(`command '${name}' on a collection with encrypted fields is not supported by fle-ts yet (insert, find, count, distinct, delete, update, findAndModify, aggregate, explain are)`);
  checkFields(cmd, known, name);
  const out: Record<string, unknown> = { ...cmd };
  const filter = (v: unknown, where: string): Record<string, unknown> | undefined => {
    const f = filterOf(v, where);
    return f === undefined ? undefined : walkFilter(root, f, sink);
  };
  switch (name) {
    case 'insert': {
      const docs = cmd.documents;
      if (!Array.isArray(docs)) throw new FleClientError('INVALID_ARGUMENT', 'insert.documents must be an array of documents');
      out.documents = docs.map((d, i) => {
        if (!isDoc(d)) throw new FleClientError('INVALID_ARGUMENT', `insert.documents[${i}] must be a document`);
        return walkDocument(root, d, d, '', sink);
      });
      break;
    }
    case 'find':
      checkProjection(cmd.projection, 'find');
      if (cmd.filter !== undefined) out.filter = filter(cmd.filter, 'find.filter');
      break;
    case 'count':
      if (cmd.query !== undefined) out.query = filter(cmd.query, 'count.query');
      break;
    case 'distinct':
      checkDistinctKey(cmd.key, root);
      if (cmd.query !== undefined) out.query = filter(cmd.query, 'distinct.query');
      break;
    case 'delete':
      out.deletes = statements(cmd, 'deletes', STATEMENT_FIELDS.delete as ReadonlySet<string>, name, (s) => ({ ...s, q: filter(s.q ?? {}, 'delete q') }));
      break;
    case 'update':
      out.updates = statements(cmd, 'updates', STATEMENT_FIELDS.update as ReadonlySet<string>, name, (s) => ({ ...s, q: filter(s.q ?? {}, 'update q'), u: updateOf(s.u, root, sink, 'update u') }));
      break;
    case 'aggregate':
      out.pipeline = rewritePipeline(cmd.pipeline, root, sink);
      break;
    case 'explain': {
      const inner = explained(cmd);
      out.explain = rewriteCommand(inner.name, inner.cmd, root, sink);
      break;
    }
    case 'findAndModify':
      checkProjection(cmd.fields, 'findAndModify');
      if (cmd.query !== undefined) out.query = filter(cmd.query, 'findAndModify.query');
      if (cmd.update !== undefined) out.update = updateOf(cmd.update, root, sink, 'findAndModify.update');
      break;
  }
  return out;
}

/** The command inside `explain` and its name (only the commands explain may wrap). */
function explained(cmd: Record<string, unknown>): { name: string; cmd: Record<string, unknown> } {
  const inner = cmd.explain;
  if (!isDoc(inner)) throw new FleClientError('INVALID_ARGUMENT', 'explain needs the command to explain as a document');
  const name = Object.keys(inner)[0] ?? '';
  if (!EXPLAINABLE.has(name)) refuse(`explain of '${name}' is not supported for auto encryption by fle-ts (${[...EXPLAINABLE].join(', ')} are)`);
  return { name, cmd: inner };
}

const isPath = (v: unknown): boolean => typeof v === 'string' && v.startsWith('$') && !v.startsWith('$$');
const isFlag = (v: unknown): boolean => typeof v === 'boolean' || typeof v === 'number' || ['Int32', 'Double', 'Long'].includes((v as { _bsontype?: string } | null)?._bsontype ?? '');

/** `$group` that compares no value with anything: `_id` a constant, a field path or a document of paths; accumulators `$sum` of a number, or `$first`/`$last`/`$push`/`$addToSet` of a path. */
function checkGroup(arg: unknown, i: number): void {
  if (!isDoc(arg)) throw new FleClientError('INVALID_ARGUMENT', `aggregate stage ${i}: $group needs a document`);
  for (const [field, v] of Object.entries(arg)) {
    if (field === '_id') {
      const ok = v === null || isFlag(v) || (typeof v === 'string' && (isPath(v) || !v.startsWith('$'))) || (isDoc(v) && Object.values(v).every(isPath));
      if (!ok) refuse(`aggregate stage ${i}: this $group _id is not analysed by fle-ts yet (a constant, a field path or a document of field paths is)`);
      continue;
    }
    const acc = isDoc(v) ? Object.entries(v) : [];
    const [op, operand] = acc[0] ?? ['', undefined];
    const ok = acc.length === 1 && ((op === '$sum' && isFlag(operand)) || (['$first', '$last', '$push', '$addToSet'].includes(op) && isPath(operand)));
    if (!ok) refuse(`aggregate stage ${i}: the $group accumulator '${field}' is not analysed by fle-ts yet ($sum of a number, $first/$last/$push/$addToSet of a field path are)`);
  }
}

/**
 * An aggregation pipeline on a collection with encrypted fields, in the subset fle-ts can analyse
 * without tracking fields through stages (query-analysis.md §6): `$match` while documents still
 * have the collection's shape (its filter goes through the same walker as find), then stages that
 * compare no value: `$limit $skip $sort $sample $count`, `$project` of 0/1 flags, `$group` as
 * {@link checkGroup}. After a reshaping stage a `$match` is refused: the schema no longer applies.
 */
function rewritePipeline(pipeline: unknown, root: SchemaNode, sink: ValueSink): unknown[] {
  if (!Array.isArray(pipeline)) throw new FleClientError('INVALID_ARGUMENT', 'aggregate.pipeline must be an array of stages');
  let shaped = true;
  return pipeline.map((stage, i) => {
    if (!isDoc(stage) || Object.keys(stage).length !== 1) throw new FleClientError('INVALID_ARGUMENT', `aggregate stage ${i} must be a document with one stage operator`);
    const [op, arg] = Object.entries(stage)[0] as [string, unknown];
    switch (op) {
      case '$match':
        if (!shaped) refuse(`aggregate stage ${i}: $match after a stage that reshapes documents is not analysed by fle-ts yet`);
        return { $match: walkFilter(root, filterOf(arg, `aggregate stage ${i} $match`) ?? {}, sink) };
      case '$limit': case '$skip': case '$sort': case '$sample':
        return stage;
      case '$count':
        shaped = false;
        return stage;
      case '$project':
        if (!isDoc(arg) || !Object.values(arg).every(isFlag)) refuse(`aggregate stage ${i}: $project with expressions is not analysed by fle-ts yet (0/1 flags are)`);
        shaped = false;
        return stage;
      case '$group':
        checkGroup(arg, i);
        shaped = false;
        return stage;
      default:
        return refuse(`aggregate stage ${op} on a collection with encrypted fields is not analysed by fle-ts yet ($match, $limit, $skip, $sort, $sample, $count, $project of flags, $group of paths are)`);
    }
  });
}

/**
 * distinct returns the key's values: ciphertexts of a UUID-keyed field come back and are
 * decrypted, but a field keyed by a JSON pointer cannot be (mongocryptd 51131, its text), and a
 * field inside an encrypted value has no values the server can see.
 */
function checkDistinctKey(key: unknown, root: SchemaNode): void {
  if (typeof key !== 'string') throw new FleClientError('INVALID_ARGUMENT', 'distinct.key must be a string');
  const where = resolvePath(root, key);
  if (where.kind === 'encrypted' && where.rule.keyId.kind === 'pointer') {
    refuse(`The distinct key is not allowed to be marked for encryption with a non-UUID keyId: '${key}'`);
  }
  if (where.kind === 'below') refuse(`distinct on '${key}': it lies inside the encrypted field '${where.encryptedPath}', whose content the server cannot see`);
}

// The server replaces Timestamp(0, 0) in an inserted top-level field by the current time, which it
// cannot do inside a ciphertext (query-analysis.md §5, mongocryptd's text).
function checkInsertedValue(name: string, path: string, value: unknown): void {
  const t = value as { _bsontype?: string; t?: number; i?: number } | null;
  if ((name === 'insert' || name === 'update' || name === 'findAndModify') && !path.includes('.') && t?._bsontype === 'Timestamp' && t.t === 0 && t.i === 0) {
    refuse(`A command that inserts cannot supply Timestamp(0, 0) for an encrypted top-level field at path: '${path}'`);
  }
}

/** Two passes over the command with the same walkers: gather and check, then (keys in hand) encrypt. */
function analyseAndEncrypt(name: string, cmd: Record<string, unknown>, root: SchemaNode, setup: AutoEncryptionSetup, original: Uint8Array): Step {
  const needs = new KeyNeedsCollector();
  let count = 0;
  // Pass 1: every rule checked, every key named; nothing encrypted (errors leave nothing half done).
  rewriteCommand(name, cmd, root, (path, value, options) => {
    checkInsertedValue(name, path, value);
    needs.add(options);
    count++;
    return value;
  });
  if (count === 0) return readyStep(() => original);
  return keysThen(new KeyRequest(needs, setup.cache, setup.kms), (keys) => readyStep(() => {
    // Pass 2, with every key in hand: the same walk, now encrypting.
    const encrypted = rewriteCommand(name, cmd, root, (_path, value, options) => {
      const k = options.keyId ? keys.byId(options.keyId.buffer.subarray(0, 16)) : keys.byAltName(options.keyAltName as string);
      return encryptValue(k.key, k.keyId, options.algorithm, value);
    });
    return writeDocument(encrypted as Document);
  }));
}

/** Does a `$jsonSchema` mention encryption anywhere (so a plain validator is no encryption schema)? */
function mentionsEncryption(v: unknown, depth = 0): boolean {
  if (depth > 100) return true; // deeper than any schema: treat as encrypting, so it gets compiled (and refused)
  if (Array.isArray(v)) return v.some((x) => mentionsEncryption(x, depth + 1));
  if (!isDoc(v)) return false;
  return Object.entries(v).some(([k, x]) => k === 'encrypt' || k === 'encryptMetadata' || mentionsEncryption(x, depth + 1));
}

/** The schema a listCollections reply gives (its `$jsonSchema` validator), as libmongocrypt takes it. */
function schemaFromCollInfo(info: Document, ns: string): SchemaNode | undefined {
  if (info.type === 'view') refuse(`cannot auto encrypt a view: '${ns}' is a view`);
  const validator = (info.options as Document | undefined)?.validator as Document | undefined;
  const schema = validator?.$jsonSchema;
  if (schema === undefined || !mentionsEncryption(schema)) return undefined;
  if (Object.keys(validator as Document).length > 1) {
    refuse(`the validator of '${ns}' combines $jsonSchema with other query operators, which fle-ts does not analyse; use a schemaMap entry`);
  }
  try {
    return compileSchema(schema).root;
  } catch (e) {
    if (e instanceof FleClientError) throw new FleClientError(e.code, `the $jsonSchema validator of '${ns}' (from listCollections): ${e.message}`, { cause: e });
    throw e;
  }
}

/**
 * The first step of an encryption context for `cmdBson` sent to database `db`: pass-through
 * commands are READY at once; collection commands take the schemaMap entry or, without one,
 * the collection's validator (NEED_MONGO_COLLINFO with `{name: <collection>}`).
 */
export function encryptionStep(db: string, cmdBson: Uint8Array, setup: AutoEncryptionSetup): Step {
  if (typeof db !== 'string' || db.length === 0) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'makeEncryptionContext needs the database name');
  const cmd = readDocument(cmdBson, 'the command') as Record<string, unknown>;
  const name = Object.keys(cmd)[0];
  if (name === undefined) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'the command is an empty document');
  if (BYPASS_COMMANDS.has(name)) return readyStep(() => cmdBson);
  // libmongocrypt's text for commands outside the allow-list (query-analysis.md §2).
  if (!COLLECTION_COMMANDS.has(name)) refuse(`command not supported for auto encryption: ${name}`);
  // explain names its collection in the command it wraps.
  const target = name === 'explain' ? explained(cmd) : { name, cmd };
  const coll = target.cmd[target.name];
  if (typeof coll !== 'string') {
    refuse(`non-collection command not supported for auto encryption: ${target.name}`);
  }
  const ns = `${db}.${coll}`;
  const withSchema = (root: SchemaNode | undefined): Step => {
    if (!root?.hasEncryption) return passThrough(name, cmd, cmdBson);
    return analyseAndEncrypt(name, cmd, root, setup, cmdBson);
  };
  if (setup.schemas.has(ns)) return withSchema(setup.schemas.get(ns));
  let remote: SchemaNode | undefined;
  let seen = 0;
  return {
    state: MONGOCRYPT_CTX_NEED_MONGO_COLLINFO,
    operation: writeDocument({ name: coll }),
    feed: (document) => {
      const info = readDocument(document, 'collection info', true);
      if (info.name !== coll) return;
      if (++seen > 1) refuse(`listCollections returned more than one collection named '${coll}'`);
      remote = schemaFromCollInfo(info, ns);
    },
    finish: () => withSchema(remote),
  };
}

// Commands that can reach another collection, whose schema this context does not hold.
const CROSS_COLLECTION_STAGES = new Set(['$lookup', '$graphLookup', '$unionWith', '$out', '$merge']);

function reachesOtherCollections(v: unknown, depth = 0): boolean {
  if (depth > 100) return true;
  if (Array.isArray(v)) return v.some((x) => reachesOtherCollections(x, depth + 1));
  if (!isDoc(v)) return false;
  return Object.entries(v).some(([k, x]) => CROSS_COLLECTION_STAGES.has(k) || reachesOtherCollections(x, depth + 1));
}

/**
 * A collection command on a collection without encryption is sent as is, unless it could carry
 * values into a collection that has encryption: a pipeline reaching other collections (whose
 * schemas this context has not fetched, so it cannot know they are clear) or a validator /
 * partial index naming encrypted fields.
 */
function passThrough(name: string, cmd: Record<string, unknown>, cmdBson: Uint8Array): Step {
  if (reachesOtherCollections(cmd)) {
    refuse('aggregate with $lookup/$graphLookup/$unionWith/$out/$merge is not analysed by fle-ts yet (the other collection may hold encrypted fields); use a client without autoEncryption for it');
  }
  if ((name === 'create' || name === 'collMod' || name === 'createIndexes') && mentionsEncryption(cmd)) {
    refuse(`${name} with an encryption $jsonSchema is not analysed by fle-ts yet; the command was not sent`);
  }
  return readyStep(() => cmdBson);
}
