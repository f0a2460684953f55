// The command rewrite of the crypt_shared role: which parts of each command are documents, filters
// or updates, handed to the client package's walkers (one query-analysis engine), and the checks
// mongocryptd makes beyond them (query-analysis.md §2-§5).
import { FleClientError, resolvePath, walkDocument, walkFilter, walkUpdate, type SchemaNode, type ValueSink } from '@fle-ts/client';
import { ENVELOPE_FIELDS, EXPLAINABLE, KNOWN_FIELDS, STATEMENT_FIELDS } from './command-tables.js';
import { rewritePipeline } from './pipeline.js';
import { isDoc, refuse } from './refuse.js';

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
export function explained(cmd: Record<string, unknown>): { name: string; cmd: Record<string, unknown> } {
  const inner = cmd.explain;
  if (!isDoc(inner)) throw new FleClientError('INVALID_ARGUMENT', 'explain needs the command to explain as a document');
  const name = Object.keys(inner)[0] ?? '';
  if (!EXPLAINABLE.has(name)) refuse(`explain of '${name}' is not supported for auto encryption by fle-ts (${[...EXPLAINABLE].join(', ')} are)`);
  return { name, cmd: inner };
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
export function checkInsertedValue(name: string, path: string, value: unknown): void {
  const t = value as { _bsontype?: string; t?: number; i?: number } | null;
  if ((name === 'insert' || name === 'update' || name === 'findAndModify') && !path.includes('.') && t?._bsontype === 'Timestamp' && t.t === 0 && t.i === 0) {
    refuse(`A command that inserts cannot supply Timestamp(0, 0) for an encrypted top-level field at path: '${path}'`);
  }
}
