// A test-only MongoDB wire-protocol server over TCP, in memory (README.md here says what it
// emulates). Enough for the official driver's CSFLE paths: handshake, CRUD, cursors, key vault.
import { createServer, type Server, type Socket } from 'node:net';
import { deserialize, Long, serialize, type Document } from 'bson';
import { EXACT_DESERIALIZE_OPTIONS } from '@fle-ts/fle-format';
import { FailCommand } from './fail-point.js';
import { bsonEquals, compareValues, getPath, matches } from './match.js';
import { QeCommand, tagsOfStoredValue } from './qe-server.js';

const OP_REPLY = 1;
const OP_QUERY = 2004;
const OP_MSG = 2013;
const MAX_WIRE_VERSION = 21; // MongoDB 7.0

/** One collection: its documents in insertion order and its `create` options (validator, ...). */
interface Collection { docs: Document[]; options: Document; indexes: Document[] }

/** A command as the server logs it, for tests that check what reached the server. */
export interface LoggedCommand { readonly name: string; readonly db: string; readonly body: Document }

/** A running test server. */
export interface WireServer {
  readonly uri: string;
  readonly port: number;
  /** Every command received, in order (handshakes and monitoring included). */
  readonly commands: LoggedCommand[];
  /** The documents of `db.coll` as stored (BSON types kept exactly). */
  collection(ns: string): Document[];
  close(): Promise<void>;
}

class CommandError extends Error {
  constructor(readonly code: number, readonly codeName: string, message: string) {
    super(message);
  }
}

function cstringEnd(buf: Uint8Array, start: number): number {
  let i = start;
  while (buf[i] !== 0) i++;
  return i;
}

function readDoc(buf: Buffer, offset: number): { doc: Document; end: number } {
  const len = buf.readInt32LE(offset);
  return { doc: deserialize(buf.subarray(offset, offset + len), EXACT_DESERIALIZE_OPTIONS), end: offset + len };
}

/** The in-memory database and the command implementations. */
class Engine {
  readonly dbs = new Map<string, Map<string, Collection>>();
  readonly cursors = new Map<bigint, { ns: string; docs: Document[] }>();
  #nextCursor = 1n;
  #connectionId = 0;

  coll(db: string, name: string, create = true): Collection | undefined {
    let d = this.dbs.get(db);
    if (!d) {
      if (!create) return undefined;
      d = new Map();
      this.dbs.set(db, d);
    }
    let c = d.get(name);
    if (!c && create) {
      c = { docs: [], options: {}, indexes: [] };
      d.set(name, c);
    }
    return c;
  }

  hello(): Document {
    return {
      helloOk: true, ismaster: true, isWritablePrimary: true, maxBsonObjectSize: 16 * 1024 * 1024, maxMessageSizeBytes: 48_000_000,
      maxWriteBatchSize: 100_000, localTime: new Date(), logicalSessionTimeoutMinutes: 30, connectionId: ++this.#connectionId,
      minWireVersion: 0, maxWireVersion: MAX_WIRE_VERSION, readOnly: false, ok: 1,
    };
  }

  #cursor(ns: string, docs: Document[], batchSize: number | undefined, key: 'firstBatch' | 'nextBatch', id?: bigint): Document {
    const n = batchSize && batchSize > 0 ? batchSize : docs.length;
    const batch = docs.slice(0, n);
    const rest = docs.slice(n);
    let cursorId = 0n;
    if (rest.length > 0) {
      cursorId = id ?? this.#nextCursor++;
      this.cursors.set(cursorId, { ns, docs: rest });
    } else if (id !== undefined) {
      this.cursors.delete(id);
    }
    return { cursor: { id: Long.fromBigInt(cursorId), ns, [key]: batch }, ok: 1 };
  }

  run(db: string, body: Document, sequences: Map<string, Document[]>): Document {
    const name = Object.keys(body)[0] ?? '';
    // Queryable Encryption: a command with encryptionInformation gets mongod's server-side part
    // emulated (qe-server.ts): payloads stored as indexed values with tags, find payloads as tag matches.
    const qe = typeof body.encryptionInformation === 'object' && body.encryptionInformation !== null && typeof body[name] === 'string'
      ? new QeCommand({ docs: (d, n) => (this.coll(d, n) as Collection).docs }, db, body[name] as string, body.encryptionInformation as Document)
      : undefined;
    if (qe) rewriteQeFilters(name, body, sequences, qe);
    const update = (doc: Document, u: Document | Document[]): void => applyQeUpdate(doc, u, qe);
    const num = (v: unknown): number | undefined => (v === undefined || v === null ? undefined : Number((v as { valueOf(): unknown }).valueOf()));
    switch (name) {
      case 'hello': case 'isMaster': case 'ismaster': return this.hello();
      case 'ping': case 'endSessions': return { ok: 1 };
      case 'buildInfo': case 'buildinfo': return { version: '7.0.0', versionArray: [7, 0, 0, 0], ok: 1 };
      case 'insert': {
        const c = this.coll(db, body.insert) as Collection;
        const docs = sequences.get('documents') ?? body.documents ?? [];
        const writeErrors: Document[] = [];
        let n = 0;
        docs.forEach((d: Document, index: number) => {
          if (d._id !== undefined && c.docs.some((x) => matches(x, { _id: d._id }))) {
            writeErrors.push({ index, code: 11000, errmsg: `E11000 duplicate key error collection: ${db}.${body.insert} index: _id_` });
          } else {
            c.docs.push(qe ? qe.storeDocument(d) : d);
            n++;
          }
        });
        return writeErrors.length > 0 ? { n, writeErrors, ok: 1 } : { n, ok: 1 };
      }
      case 'find': {
        const c = this.coll(db, body.find, false);
        let docs = (c?.docs ?? []).filter((d) => matches(d, body.filter));
        if (body.sort) docs = sortDocs(docs, body.sort);
        docs = docs.slice(num(body.skip) ?? 0);
        const limit = num(body.limit);
        if (limit) docs = docs.slice(0, Math.abs(limit));
        if (body.projection) docs = docs.map((d) => project(d, body.projection));
        if (body.singleBatch) return { cursor: { id: Long.ZERO, ns: `${db}.${body.find}`, firstBatch: docs }, ok: 1 };
        return this.#cursor(`${db}.${body.find}`, docs, num(body.batchSize), 'firstBatch');
      }
      case 'getMore': {
        const id = BigInt((body.getMore as Long).toString());
        const cur = this.cursors.get(id);
        if (!cur) throw new CommandError(43, 'CursorNotFound', `cursor id ${id} not found`);
        return this.#cursor(cur.ns, cur.docs, num(body.batchSize), 'nextBatch', id);
      }
      case 'killCursors': {
        const ids = (body.cursors as Long[]) ?? [];
        for (const id of ids) this.cursors.delete(BigInt(id.toString()));
        return { cursorsKilled: ids, cursorsNotFound: [], cursorsAlive: [], cursorsUnknown: [], ok: 1 };
      }
      case 'count': {
        const c = this.coll(db, body.count, false);
        return { n: (c?.docs ?? []).filter((d) => matches(d, body.query)).length, ok: 1 };
      }
      case 'delete': {
        const c = this.coll(db, body.delete, false);
        let n = 0;
        for (const s of sequences.get('deletes') ?? body.deletes ?? []) {
          if (!c) continue;
          const limit = num(s.limit) ?? 0;
          const idx = c.docs.map((d, i) => (matches(d, s.q) ? i : -1)).filter((i) => i >= 0);
          const remove = limit === 1 ? idx.slice(0, 1) : idx;
          for (const i of remove.reverse()) c.docs.splice(i, 1);
          n += remove.length;
        }
        return { n, ok: 1 };
      }
      case 'update': {
        const c = this.coll(db, body.update) as Collection;
        let n = 0;
        let nModified = 0;
        const upserted: Document[] = [];
        (sequences.get('updates') ?? body.updates ?? []).forEach((s: Document, index: number) => {
          const hits = c.docs.filter((d) => matches(d, s.q));
          const targets = s.multi ? hits : hits.slice(0, 1);
          for (const d of targets) {
            const before = serialize(d);
            update(d, s.u);
            n++;
            if (Buffer.compare(Buffer.from(before), Buffer.from(serialize(d))) !== 0) nModified++;
          }
          if (targets.length === 0 && s.upsert) {
            const isReplacement = !Array.isArray(s.u) && !Object.keys(s.u).some((k) => k.startsWith('$'));
            const doc: Document = { ...(isReplacement ? s.u : {}) };
            if (!isReplacement) update(doc, s.u);
            else if (qe) Object.assign(doc, qe.storeDocument(doc));
            c.docs.push(doc);
            upserted.push({ index, _id: doc._id });
            n++;
          }
        });
        return { n, nModified, ...(upserted.length ? { upserted } : {}), ok: 1 };
      }
      case 'distinct': {
        const c = this.coll(db, body.distinct, false);
        const values: unknown[] = [];
        for (const d of (c?.docs ?? []).filter((x) => matches(x, body.query))) {
          const v = getPath(d, body.key);
          if (v !== undefined && !values.some((x) => bsonEquals(x, v))) values.push(v);
        }
        return { values, ok: 1 };
      }
      case 'findAndModify': {
        const c = this.coll(db, body.findAndModify) as Collection;
        const i = c.docs.findIndex((d) => matches(d, body.query));
        if (i < 0) {
          if (!body.upsert || body.remove) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
          const doc: Document = {};
          update(doc, body.update);
          c.docs.push(doc);
          return { lastErrorObject: { n: 1, updatedExisting: false, upserted: doc._id }, value: body.new ? doc : null, ok: 1 };
        }
        const before = structuredCloneDoc(c.docs[i] as Document);
        if (body.remove) {
          c.docs.splice(i, 1);
          return { lastErrorObject: { n: 1 }, value: before, ok: 1 };
        }
        update(c.docs[i] as Document, body.update);
        return { lastErrorObject: { n: 1, updatedExisting: true }, value: body.new ? c.docs[i] : before, ok: 1 };
      }
      case 'aggregate': {
        // $match, $skip, $limit, $sort, $unwind, $project of flags and paths, and a $group with a constant _id and $sum of constants (what countDocuments sends).
        let docs = this.coll(db, body.aggregate, false)?.docs ?? [];
        for (const stage of body.pipeline as Document[]) {
          const [op, arg] = Object.entries(stage)[0] as [string, Document];
          if (op === '$match') docs = docs.filter((d) => matches(d, arg));
          else if (op === '$skip') docs = docs.slice(num(arg) ?? 0);
          else if (op === '$limit') docs = docs.slice(0, num(arg) ?? docs.length);
          else if (op === '$sort') docs = sortDocs(docs, arg);
          else if (op === '$unwind') {
            const path = String(typeof arg === 'string' ? arg : arg.path).slice(1);
            docs = docs.flatMap((d) => {
              const v = getPath(d, path);
              return Array.isArray(v) ? v.map((x) => { const c = structuredCloneDoc(d); const [parent, last] = parentOf(c, path); parent[last] = x; return c; }) : v === undefined ? [] : [d];
            });
          } else if (op === '$project') {
            // Inclusion flags and field-path values ({_id: 0, a: '$b'}).
            docs = docs.map((d) => {
              const out: Document = arg._id !== undefined && !num1(arg._id) ? {} : { _id: d._id };
              for (const [k, v] of Object.entries(arg)) if (k !== '_id') out[k] = typeof v === 'string' && v.startsWith('$') ? getPath(d, v.slice(1)) : getPath(d, k);
              return out;
            });
          }
          else if (op === '$group' && typeof arg._id !== 'string' && Object.entries(arg).every(([k, v]) => k === '_id' || num(constOf((v as Document).$sum)) !== undefined)) {
            // Constants as the driver sends them, or as mongocryptd writes them back ({$const: v}).
            const out: Document = { _id: constOf(arg._id) };
            for (const [k, v] of Object.entries(arg)) if (k !== '_id') out[k] = docs.length * (num(constOf((v as Document).$sum)) as number);
            docs = docs.length ? [out] : [];
          } else throw new CommandError(9, 'FailedToParse', `test server: unsupported aggregation stage ${op}`);
        }
        return { cursor: { id: Long.ZERO, ns: `${db}.${body.aggregate}`, firstBatch: docs }, ok: 1 };
      }
      case 'create': {
        const d = this.dbs.get(db);
        if (d?.has(body.create)) throw new CommandError(48, 'NamespaceExists', `Collection ${db}.${body.create} already exists.`);
        const { create: _, ...options } = body;
        for (const k of ['lsid', '$db', '$clusterTime', 'writeConcern', 'txnNumber', '$readPreference']) delete options[k];
        if (options.encryptedFields) {
          // mongod checks the state collection names (the spec's text; the code here is a generic BadValue)
          // and stores their defaults (listCollections shows them).
          const ef = options.encryptedFields as Document;
          for (const [key, suffix, what] of [['escCollection', 'esc', 'Encrypted State Collection'], ['ecocCollection', 'ecoc', 'Encrypted Compaction Collection']] as const) {
            if (ef[key] !== undefined && ef[key] !== `enxcol_.${body.create}.${suffix}`) throw new CommandError(2, 'BadValue', `${what} name should follow enxcol_.<collection>.${suffix} naming pattern`);
          }
          options.encryptedFields = { escCollection: `enxcol_.${body.create}.esc`, ecocCollection: `enxcol_.${body.create}.ecoc`, ...ef };
        }
        (this.coll(db, body.create) as Collection).options = options;
        return { ok: 1 };
      }
      case 'drop': {
        const removed = this.dbs.get(db)?.delete(body.drop);
        if (!removed) throw new CommandError(26, 'NamespaceNotFound', 'ns not found');
        return { ok: 1 };
      }
      case 'dropDatabase': this.dbs.delete(db); return { ok: 1 };
      case 'createIndexes': {
        const c = this.coll(db, body.createIndexes) as Collection;
        const before = c.indexes.length + 1;
        for (const ix of body.indexes as Document[]) if (!c.indexes.some((x) => x.name === ix.name)) c.indexes.push({ v: 2, ...ix });
        return { numIndexesBefore: before, numIndexesAfter: c.indexes.length + 1, createdCollectionAutomatically: false, ok: 1 };
      }
      case 'listIndexes': {
        const c = this.coll(db, body.listIndexes, false);
        if (!c) throw new CommandError(26, 'NamespaceNotFound', `ns does not exist: ${db}.${body.listIndexes}`);
        return { cursor: { id: Long.ZERO, ns: `${db}.${body.listIndexes}`, firstBatch: [{ v: 2, key: { _id: 1 }, name: '_id_' }, ...c.indexes] }, ok: 1 };
      }
      case 'collMod': {
        const c = this.coll(db, body.collMod, false);
        if (!c) throw new CommandError(26, 'NamespaceNotFound', 'ns does not exist');
        if (body.validator) c.options.validator = body.validator;
        return { ok: 1 };
      }
      case 'compactStructuredEncryptionData': case 'cleanupStructuredEncryptionData': {
        // mongod's required-field check; the compaction itself is not emulated (ESC/ECOC untouched).
        const field = name === 'compactStructuredEncryptionData' ? 'compactionTokens' : 'cleanupTokens';
        if (typeof body[field] !== 'object' || body[field] === null) throw new CommandError(40414, 'Location40414', `BSON field '${name}.${field}' is missing but a required field`);
        const stats = { read: Long.ZERO, inserted: Long.ZERO, updated: Long.ZERO, deleted: Long.ZERO };
        return { stats: { ecoc: stats, esc: stats }, ok: 1 };
      }
      case 'explain': return { queryPlanner: { namespace: `${db}.${Object.values(body.explain as Document)[0]}`, winningPlan: { stage: 'COLLSCAN' } }, explainVersion: '1', ok: 1 };
      case 'listCollections': {
        const d = this.dbs.get(db) ?? new Map<string, Collection>();
        const infos = [...d].map(([n, c]) => ({ name: n, type: 'collection', options: c.options, info: { readOnly: false } }))
          .filter((info) => matches(info, body.filter));
        const out = body.nameOnly ? infos.map((i) => ({ name: i.name, type: i.type })) : infos;
        return { cursor: { id: Long.ZERO, ns: `${db}.$cmd.listCollections`, firstBatch: out }, ok: 1 };
      }
      default:
        throw new CommandError(59, 'CommandNotFound', `no such command: '${name}'`);
    }
  }
}

/** The filters of a QE command with their find payloads turned into tag matches (qe-server.ts). */
function rewriteQeFilters(name: string, body: Document, sequences: Map<string, Document[]>, qe: QeCommand): void {
  const statements = (field: string): Document[] => sequences.get(field) ?? (body[field] as Document[] | undefined) ?? [];
  switch (name) {
    case 'find': if (body.filter) body.filter = qe.rewriteFilter(body.filter); break;
    case 'count': case 'distinct': if (body.query) body.query = qe.rewriteFilter(body.query); break;
    case 'findAndModify': if (body.query) body.query = qe.rewriteFilter(body.query); break;
    case 'delete': for (const s of statements('deletes')) s.q = qe.rewriteFilter(s.q); break;
    case 'update': for (const s of statements('updates')) s.q = qe.rewriteFilter(s.q); break;
    case 'aggregate': for (const stage of (body.pipeline as Document[]) ?? []) if (stage.$match) stage.$match = qe.rewriteFilter(stage.$match); break;
    default: break;
  }
}

/**
 * An update on a QE collection as mongod applies it: payloads in `$set` (or a replacement) stored
 * as indexed values, the tags of the values they overwrite removed from `__safeContent__` and
 * theirs added.
 */
function applyQeUpdate(doc: Document, u: Document | Document[], qe: QeCommand | undefined): void {
  if (!qe || Array.isArray(u)) return applyUpdate(doc, u);
  if (!Object.keys(u).some((k) => k.startsWith('$'))) {
    applyUpdate(doc, qe.storeDocument(u));
    return;
  }
  const set = u.$set as Document | undefined;
  if (!set) return applyUpdate(doc, u);
  const old = Object.keys(set).flatMap((k) => tagsOfStoredValue(getPath(doc, k)));
  const { doc: stored, tags } = qe.storeValues(set);
  applyUpdate(doc, { ...u, $set: stored });
  if (old.length === 0 && tags.length === 0) return;
  const kept = ((doc.__safeContent__ as { buffer: Uint8Array }[] | undefined) ?? []).filter((t) => !old.some((o) => Buffer.from(o).equals(Buffer.from(t.buffer))));
  doc.__safeContent__ = [...kept, ...tags];
}

/** Top-level inclusion or exclusion projection (`_id` included unless excluded). */
function project(doc: Document, projection: Document): Document {
  // Values arrive as Int32/Double wrappers (exact deserialization) or booleans; operators are not supported.
  const spec = Object.entries(projection).filter(([, v]) => typeof v !== 'object' || (v as { _bsontype?: unknown })._bsontype !== undefined);
  const on = (v: unknown) => Boolean(Number((v as { valueOf(): unknown }).valueOf()));
  const inclusive = spec.some(([k, v]) => k !== '_id' && on(v));
  const idOff = spec.some(([k, v]) => k === '_id' && !on(v));
  const out: Document = {};
  for (const [k, v] of Object.entries(doc)) {
    const rule = spec.find(([f]) => f === k);
    const keep = k === '_id' ? !idOff : inclusive ? rule !== undefined && on(rule[1]) : rule === undefined || on(rule[1]);
    if (keep) out[k] = v;
  }
  return out;
}

/** `{$const: v}` (mongocryptd's form of a constant in an aggregation expression) as v. */
function constOf(v: unknown): unknown {
  return typeof v === 'object' && v !== null && '$const' in v ? (v as Document).$const : v;
}

/** Documents in `sort` order (`{field: 1 | -1, ...}`). */
function sortDocs(docs: Document[], sort: Document): Document[] {
  const keys = Object.entries(sort).map(([k, d]) => [k, Number(num1(d)) < 0 ? -1 : 1] as const);
  return [...docs].sort((x, y) => {
    for (const [k, dir] of keys) {
      const c = compareValues(getPath(x, k), getPath(y, k));
      if (c !== 0) return c * dir;
    }
    return 0;
  });
}
const num1 = (v: unknown): number => Number((v as { valueOf(): unknown }).valueOf());

/** The parent object of a dotted path (created on the way) and the last segment. */
function parentOf(doc: Document, path: string): [Document, string] {
  const parts = path.split('.');
  const last = parts.pop() as string;
  let target = doc;
  for (const p of parts) target = (target[p] ??= {});
  return [target, last];
}

/** An aggregation expression of the subset pipeline updates here use ($cond $eq $ne $filter, paths, $$this, $$REMOVE). */
function evaluate(expr: unknown, doc: Document, vars: Document): unknown {
  if (typeof expr === 'string' && expr.startsWith('$$')) {
    const [name, ...rest] = expr.slice(2).split('.');
    const v = name === 'REMOVE' ? undefined : name === 'ROOT' || name === 'CURRENT' ? doc : vars[name as string];
    return rest.length ? getPath(v, rest.join('.')) : v;
  }
  if (typeof expr === 'string' && expr.startsWith('$')) return getPath(doc, expr.slice(1));
  if (Array.isArray(expr)) return expr.map((e) => evaluate(e, doc, vars));
  if (typeof expr !== 'object' || expr === null || (expr as Document)._bsontype !== undefined || expr instanceof Date) return expr;
  const [op, arg] = Object.entries(expr as Document)[0] ?? ['', undefined];
  const args = (): unknown[] => (Array.isArray(arg) ? arg : [arg]).map((a) => evaluate(a, doc, vars));
  switch (op) {
    case '$literal': case '$const': return arg;
    case '$eq': { const [x, y] = args(); return bsonEquals(x, y); }
    case '$ne': { const [x, y] = args(); return !bsonEquals(x, y); }
    case '$cond': {
      const [c, t, f] = Array.isArray(arg) ? arg : [(arg as Document).if, (arg as Document).then, (arg as Document).else];
      return evaluate(c, doc, vars) ? evaluate(t, doc, vars) : evaluate(f, doc, vars);
    }
    case '$filter': {
      const input = evaluate((arg as Document).input, doc, vars);
      if (!Array.isArray(input)) return null;
      const as = ((arg as Document).as as string | undefined) ?? 'this';
      return input.filter((x) => evaluate((arg as Document).cond, doc, { ...vars, [as]: x }));
    }
    default:
      if (op.startsWith('$')) throw new CommandError(9, 'FailedToParse', `test server: unsupported expression ${op}`);
      return Object.fromEntries(Object.entries(expr as Document).map(([k, v]) => [k, evaluate(v, doc, vars)]));
  }
}

/** A pipeline update: `$set` / `$addFields` / `$unset` stages ($$REMOVE drops a field). */
function applyPipeline(doc: Document, pipeline: Document[]): void {
  for (const stage of pipeline) {
    const [op, arg] = Object.entries(stage)[0] as [string, Document];
    if (op === '$set' || op === '$addFields') {
      const values = Object.entries(arg).map(([k, e]) => [k, evaluate(e, doc, {})] as const);
      for (const [k, v] of values) {
        const [parent, last] = parentOf(doc, k);
        if (v === undefined) delete parent[last];
        else parent[last] = v;
      }
    } else if (op === '$unset') {
      for (const k of Array.isArray(arg) ? arg : [arg]) { const [parent, last] = parentOf(doc, String(k)); delete parent[last]; }
    } else throw new CommandError(9, 'FailedToParse', `test server: unsupported pipeline update stage ${op}`);
  }
}

/** Update operators ($set $unset $currentDate $inc $mul $max $min $push $addToSet $pop $pull $pullAll $rename), a pipeline, or a replacement (keeping `_id`). */
function applyUpdate(doc: Document, u: Document | Document[]): void {
  if (Array.isArray(u)) {
    applyPipeline(doc, u);
    return;
  }
  const ops = Object.keys(u);
  if (!ops.some((k) => k.startsWith('$'))) {
    const id = doc._id;
    for (const k of Object.keys(doc)) delete doc[k];
    Object.assign(doc, { _id: id, ...u });
    return;
  }
  for (const [op, fields] of Object.entries(u as Record<string, Document>)) {
    for (const [path, v] of Object.entries(fields)) {
      if (path.includes('$')) throw new CommandError(2, 'BadValue', `test server: positional update paths are not supported: ${path}`);
      const [target, last] = parentOf(doc, path);
      const cur = target[last];
      const each = (x: unknown): unknown[] => (typeof x === 'object' && x !== null && '$each' in x ? ((x as Document).$each as unknown[]) : [x]);
      switch (op) {
        case '$set': target[last] = v; break;
        case '$unset': delete target[last]; break;
        case '$currentDate': target[last] = new Date(); break;
        case '$inc': target[last] = (num1(cur ?? 0)) + num1(v); break;
        case '$mul': target[last] = (num1(cur ?? 0)) * num1(v); break;
        case '$max': if (cur === undefined || compareValues(v, cur) > 0) target[last] = v; break;
        case '$min': if (cur === undefined || compareValues(v, cur) < 0) target[last] = v; break;
        case '$push': target[last] = [...((cur as unknown[] | undefined) ?? []), ...each(v)]; break;
        case '$addToSet': {
          const arr = [...((cur as unknown[] | undefined) ?? [])];
          for (const x of each(v)) if (!arr.some((y) => bsonEquals(x, y))) arr.push(x);
          target[last] = arr;
          break;
        }
        case '$pop': if (Array.isArray(cur) && cur.length) target[last] = num1(v) < 0 ? cur.slice(1) : cur.slice(0, -1); break;
        case '$pull': if (Array.isArray(cur)) target[last] = cur.filter((x) => !(typeof v === 'object' && v !== null && !(v as Document)._bsontype ? matches({ x }, { x: v }) : bsonEquals(x, v))); break;
        case '$pullAll': if (Array.isArray(cur)) target[last] = cur.filter((x) => !(v as unknown[]).some((y) => bsonEquals(x, y))); break;
        case '$rename': if (cur !== undefined) { delete target[last]; const [t2, l2] = parentOf(doc, String(v)); t2[l2] = cur; } break;
        default: throw new CommandError(9, 'FailedToParse', `test server: unsupported update operator ${op}`);
      }
    }
  }
}

/** A copy that shares no nested object with the stored document (BSON round trip, types kept). */
function structuredCloneDoc(doc: Document): Document {
  return deserialize(serialize(doc), EXACT_DESERIALIZE_OPTIONS);
}

function opMsgReply(requestId: number, responseTo: number, doc: Document): Buffer {
  const body = serialize(doc);
  const out = Buffer.alloc(16 + 4 + 1 + body.length);
  out.writeInt32LE(out.length, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(responseTo, 8);
  out.writeInt32LE(OP_MSG, 12);
  out.writeUInt32LE(0, 16);
  out.writeUInt8(0, 20);
  Buffer.from(body).copy(out, 21);
  return out;
}

function opReply(requestId: number, responseTo: number, doc: Document): Buffer {
  const body = serialize(doc);
  const out = Buffer.alloc(16 + 20 + body.length);
  out.writeInt32LE(out.length, 0);
  out.writeInt32LE(requestId, 4);
  out.writeInt32LE(responseTo, 8);
  out.writeInt32LE(OP_REPLY, 12);
  out.writeInt32LE(0, 16); // responseFlags
  out.writeBigInt64LE(0n, 20); // cursorID
  out.writeInt32LE(0, 28); // startingFrom
  out.writeInt32LE(1, 32); // numberReturned
  Buffer.from(body).copy(out, 36);
  return out;
}

/**
 * Starts the server on 127.0.0.1 (`port` 0 = any free port).
 *
 * @example
 * const server = await startWireServer();
 * const client = new MongoClient(server.uri);
 */
export async function startWireServer(port = 0): Promise<WireServer> {
  const engine = new Engine();
  const commands: LoggedCommand[] = [];
  const sockets = new Set<Socket>();
  const failCommand = new FailCommand();
  let nextRequestId = 1;

  const execute = (db: string, body: Document, sequences: Map<string, Document[]>): Document => {
    const name = Object.keys(body)[0] ?? '';
    try {
      if (name === 'configureFailPoint') {
        if (db !== 'admin') throw new CommandError(13, 'Unauthorized', 'configureFailPoint may only be run against the admin database.');
        failCommand.configure(body);
        return { ok: 1 };
      }
      return engine.run(db, body, sequences);
    } catch (e) {
      if (e instanceof CommandError) return { ok: 0, errmsg: e.message, code: e.code, codeName: e.codeName };
      return { ok: 0, errmsg: e instanceof Error ? e.message : String(e), code: 8, codeName: 'UnknownError' };
    }
  };

  const handle = (socket: Socket, msg: Buffer): void => {
    const requestId = msg.readInt32LE(4);
    const opCode = msg.readInt32LE(12);
    if (opCode === OP_MSG) {
      const flags = msg.readUInt32LE(16);
      const end = flags & 1 ? msg.length - 4 : msg.length; // checksumPresent
      let offset = 20;
      let body: Document = {};
      const sequences = new Map<string, Document[]>();
      while (offset < end) {
        const kind = msg.readUInt8(offset++);
        if (kind === 0) {
          const r = readDoc(msg, offset);
          body = r.doc;
          offset = r.end;
        } else {
          const size = msg.readInt32LE(offset);
          const stop = offset + size;
          const idEnd = cstringEnd(msg, offset + 4);
          const id = msg.subarray(offset + 4, idEnd).toString('utf8');
          const docs: Document[] = [];
          let p = idEnd + 1;
          while (p < stop) {
            const r = readDoc(msg, p);
            docs.push(r.doc);
            p = r.end;
          }
          sequences.set(id, docs);
          offset = stop;
        }
      }
      const db = String(body.$db ?? 'admin');
      const name = Object.keys(body)[0] ?? '';
      commands.push({ name, db, body });
      const respond = (): void => {
        if (socket.destroyed) return; // the client gave up (a timeout) while the fail point blocked
        if (fail?.closeConnection) { socket.destroy(); return; }
        const reply = fail?.errorCode !== undefined
          ? { ok: 0, errmsg: "Failing command via 'failCommand' failpoint", code: fail.errorCode }
          : execute(db, body, sequences);
        if (!(flags & 2)) socket.write(opMsgReply(nextRequestId++, requestId, reply)); // moreToCome: no reply
      };
      // mongod's failCommand: blocks first, then closes, fails or runs the command (fail-point.ts).
      const fail = failCommand.take(name);
      if (fail && fail.blockMS > 0) setTimeout(respond, fail.blockMS);
      else respond();
    } else if (opCode === OP_QUERY) {
      const nsEnd = cstringEnd(msg, 20);
      const ns = msg.subarray(20, nsEnd).toString('utf8');
      const { doc } = readDoc(msg, nsEnd + 1 + 8);
      const body = (doc.$query as Document | undefined) ?? doc;
      commands.push({ name: Object.keys(body)[0] ?? '', db: ns.split('.')[0] ?? 'admin', body });
      socket.write(opReply(nextRequestId++, requestId, execute(ns.split('.')[0] ?? 'admin', body, new Map())));
    } else {
      socket.destroy(new Error(`test server: unsupported opCode ${opCode}`));
    }
  };

  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      while (pending.length >= 4) {
        const len = pending.readInt32LE(0);
        if (pending.length < len) break;
        handle(socket, pending.subarray(0, len));
        pending = pending.subarray(len);
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  return {
    uri: `mongodb://127.0.0.1:${boundPort}/?directConnection=true`,
    port: boundPort,
    commands,
    collection(ns: string): Document[] {
      const dot = ns.indexOf('.');
      return engine.coll(ns.slice(0, dot), ns.slice(dot + 1), false)?.docs ?? [];
    },
    async close(): Promise<void> {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

