// `fle migrate`: encrypt fields of an existing collection in place, in batches, resumable.
//
// Safety rests on three facts. (1) Each document is replaced whole by one replaceOne (a
// single-document write is atomic on the server), so it is either all plaintext or all encrypted,
// never half. (2) The replaceOne filter is the document's pre-image (its _id and every top-level
// field as read), so a document another client changed meanwhile is not overwritten with stale
// data: it is read again and encrypted from its new state. (3) A field already BinData subtype 6
// is never encrypted again (explicitEncryptTransform keeps it), so re-reading documents after an
// interruption, between their replacement and the checkpoint, changes nothing. The checkpoint (the
// last _id done, in `_id` order) only saves re-reading; correctness never depends on it.
// Runtime-neutral: the collections are structural (a driver Collection satisfies them).
import { deserialize, serialize } from 'bson';
import { isFleError } from '@fle-ts/crypto-core';
import { CliError } from './errors.js';
import type { DocumentTransform } from './transform.js';

/** A BSON document as the driver takes and returns it. */
type Document = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the driver's own `Document`

/** What migrate calls on the collection it encrypts. */
export interface MigrateCollection {
  find(filter: Document, options?: Document): { toArray(): Promise<Document[]> };
  replaceOne(filter: Document, replacement: Document, options?: Document): Promise<{ matchedCount: number }>;
}

/** What migrate calls on the checkpoint collection. */
export interface CheckpointCollection {
  findOne(filter: Document, options?: Document): Promise<Document | null>;
  replaceOne(filter: Document, replacement: Document, options?: Document): Promise<unknown>;
}

/** The checkpoint collection's name, in the migrated collection's database. */
export const CHECKPOINT_COLLECTION = '__fleMigrate';

/** Counts of a run (cumulative over resumed runs in the checkpoint). */
export interface MigrateCounts {
  /** Documents read. */
  read: number;
  /** Documents replaced by their encrypted version (dry run: that would be). */
  encrypted: number;
  /** Documents with nothing to encrypt (fields missing or already encrypted). */
  unchanged: number;
  /** Documents that changed under every retry (left as they are, reported). */
  conflicts: number;
  /** Documents that could not be encrypted, left out with skipBad. */
  failed: number;
}

/** Options of {@link migrateCollection}. */
export interface MigrateOptions {
  collection: MigrateCollection;
  checkpoints: CheckpointCollection;
  /** The migrated namespace: the checkpoint's `_id`. */
  namespace: string;
  /** A text naming what is encrypted how (fields, algorithm, key): a checkpoint of another plan is refused. */
  plan: string;
  /** Encrypts one document (fields already encrypted kept as they are). */
  transform: DocumentTransform;
  /** True when `doc` has a field to encrypt (present and not yet BinData subtype 6). */
  needsWork: (doc: Document) => boolean;
  batchSize: number;
  /** Read and encrypt in memory, write nothing (no document, no checkpoint). */
  dryRun?: boolean;
  /** Ignore (and then overwrite) an unfinished checkpoint. */
  restart?: boolean;
  /** Leave out documents whose encryption fails (counted in `failed`) instead of stopping. */
  skipBad?: (id: unknown, error: Error) => void;
  /** Called after each batch. */
  onBatch?: (counts: MigrateCounts) => void;
  /** Replacement attempts for a document that keeps changing; default 3. */
  retries?: number;
}

/** What a run did. */
export interface MigrateResult extends MigrateCounts {
  /** True when the run continued from an unfinished checkpoint. */
  resumed: boolean;
}

// Read as stored: no promotion of Int32/Double/Long to JS numbers (a Double 1.0 written back
// from a JS number would become an Int32), BSON regular expressions kept whatever their flags.
const RAW_READ = { promoteValues: false, promoteLongs: false, promoteBuffers: false, bsonRegExp: true };

/** An independent copy of a document with every BSON type kept (the transform changes its input). */
function cloneDocument(doc: Document): Document {
  return deserialize(serialize(doc), RAW_READ);
}

/**
 * The replaceOne filter matching `doc` only as it was read: its _id and each top-level field by
 * `$eq` (embedded documents compare whole, field order included). Names a filter cannot hold
 * (dotted or `$`-prefixed) are left out: such a field is still replaced with the rest.
 */
export function preImageFilter(doc: Document): Document {
  const filter: Document = { _id: doc._id };
  for (const k of Object.keys(doc)) {
    if (k === '_id' || k.includes('.') || k.startsWith('$')) continue;
    filter[k] = { $eq: doc[k] };
  }
  return filter;
}

function zero(): MigrateCounts {
  return { read: 0, encrypted: 0, unchanged: 0, conflicts: 0, failed: 0 };
}

/**
 * Encrypts the collection in `_id` order, `batchSize` documents per read, saving a checkpoint
 * (`{_id: namespace, plan, lastId, counts, done}`) after each batch; a later run with the same
 * plan continues after `lastId`. A finished checkpoint starts a new pass (documents inserted since
 * are encrypted; the others are unchanged). A document whose encryption fails stops the run
 * (DOCUMENT_FAILED naming its _id, the checkpoint kept before it) unless `skipBad`.
 */
export async function migrateCollection(o: MigrateOptions): Promise<MigrateResult> {
  const checkpoint = o.dryRun ? null : await o.checkpoints.findOne({ _id: o.namespace });
  let resumed = false;
  let lastId: unknown;
  const counts = zero();
  if (checkpoint && !checkpoint.done && !o.restart) {
    if (checkpoint.plan !== o.plan) {
      throw new CliError('CHECKPOINT_MISMATCH', `an unfinished migration of ${o.namespace} with other options (${String(checkpoint.plan)}) is recorded in ${CHECKPOINT_COLLECTION}: run it again with those options to finish it, or pass --restart to start this one instead`);
    }
    resumed = true;
    lastId = checkpoint.lastId;
    Object.assign(counts, checkpoint.counts ?? {});
  }
  const save = async (done: boolean): Promise<void> => {
    if (o.dryRun) return;
    await o.checkpoints.replaceOne({ _id: o.namespace }, { _id: o.namespace, plan: o.plan, lastId, counts: { ...counts }, done, updatedAt: new Date() }, { upsert: true });
  };
  const retries = o.retries ?? 3;
  for (;;) {
    const filter = lastId === undefined ? {} : { _id: { $gt: lastId } };
    const batch = await o.collection.find(filter, { ...RAW_READ, sort: { _id: 1 }, limit: o.batchSize }).toArray();
    if (batch.length === 0) break;
    for (const first of batch) {
      counts.read++;
      let doc: Document | undefined = first;
      let outcome: 'encrypted' | 'unchanged' | 'conflict' | 'failed' = 'conflict';
      for (let attempt = 0; attempt < retries && doc; attempt++) {
        if (!o.needsWork(doc)) {
          outcome = 'unchanged';
          break;
        }
        const filterOf = preImageFilter(doc);
        let encrypted: Document;
        try {
          encrypted = await o.transform(cloneDocument(doc));
        } catch (e) {
          if (!isFleError(e)) throw e;
          if (!o.skipBad) {
            await save(false);
            throw new CliError('DOCUMENT_FAILED', `document _id ${describeId(doc._id)}: ${e.message}; nothing was written to it (the run stops here; --skip-bad leaves such documents as they are)`, { cause: e });
          }
          o.skipBad(doc._id, e);
          outcome = 'failed';
          break;
        }
        if (o.dryRun) {
          outcome = 'encrypted';
          break;
        }
        const r = await o.collection.replaceOne(filterOf, encrypted);
        if (r.matchedCount === 1) {
          outcome = 'encrypted';
          break;
        }
        // Changed or deleted since it was read: read it again (gone → nothing to do).
        [doc] = await o.collection.find({ _id: first._id }, { ...RAW_READ, limit: 1 }).toArray();
        if (!doc) outcome = 'unchanged';
      }
      if (outcome === 'encrypted') counts.encrypted++;
      else if (outcome === 'unchanged') counts.unchanged++;
      else if (outcome === 'failed') counts.failed++;
      else counts.conflicts++;
      lastId = first._id;
    }
    await save(false);
    o.onBatch?.({ ...counts });
    if (batch.length < o.batchSize) break;
  }
  await save(true);
  return { ...counts, resumed };
}

function describeId(id: unknown): string {
  try {
    return JSON.stringify(id) ?? String(id);
  } catch {
    return String(id);
  }
}
