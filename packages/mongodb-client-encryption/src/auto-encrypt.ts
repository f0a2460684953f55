// makeEncryptionContext: the crypt_shared role. The command is analysed here with the client
// package's walkers (one query-analysis engine), the keys it names are fetched in one
// NEED_MONGO_KEYS round, and `finalize` re-runs the walk with the keys in hand
// (query-analysis.md §1: what libmongocrypt + the analyzer do together).
import type { Document } from 'bson';
import { encryptValue } from '@fle-ts/fle-format';
import { KeyNeedsCollector, parseEncryptedFields, resolvePath, walkFilter, type SchemaNode, type ValueSink } from '@fle-ts/client';
import { readDocument, writeDocument } from './bson-io.js';
import { BYPASS_COMMANDS, COLLECTION_COMMANDS } from './command-tables.js';
import { checkInsertedValue, explained, rewriteCommand } from './command-rewrite.js';
import { readyStep, type Step } from './context.js';
import { MongoCryptBindingError } from './errors.js';
import { mongocryptdShape } from './mongocryptd-shape.js';
import type { CollInfoCache } from './collinfo-cache.js';
import type { SchemaMap } from './schema-map.js';
import type { KeyCache } from './key-cache.js';
import { KeyRequest, keysThen } from './key-step.js';
import type { LocalMasterKeys } from './local-kms.js';
import { isDoc, refuse } from './refuse.js';
import { mentionsEncryption, schemaFromCollInfo } from './remote-schema.js';
import { MONGOCRYPT_CTX_NEED_MONGO_COLLINFO } from './states.js';
import { QE_STATE_COMMANDS, qeBypassStep, qeDefinitionStep, qeEncryptStep, resolveKeyAltNames } from './qe-auto.js';

/** What an encryption context needs from its MongoCrypt. */
export interface AutoEncryptionSetup {
  /** Compiled schemaMap entries by namespace. */
  readonly schemas: Pick<SchemaMap, 'has' | 'get'>;
  readonly cache: KeyCache;
  readonly kms: LocalMasterKeys;
  /** Schemas already read from listCollections (absent: every context asks again). */
  readonly collInfos?: CollInfoCache;
  /** encryptedFieldsMap entries by namespace, as given (Queryable Encryption; wins over schemaMap and remote). */
  readonly encryptedFieldsMap?: ReadonlyMap<string, Document>;
  /** bypassQueryAnalysis: nothing analysed; a QE command still gets encryptionInformation when it holds payloads. */
  readonly bypassQueryAnalysis?: boolean;
}

/** Two passes over the command with the same walkers: gather and check, then (keys in hand) encrypt. */
function analyseAndEncrypt(name: string, cmd: Record<string, unknown>, root: SchemaNode, setup: AutoEncryptionSetup, original: Uint8Array): Step {
  // mongocryptd refuses a schema that encrypts _id (badQueries.json 'an insert with encrypted
  // field on _id errors'), and checks Timestamp(0, 0) in inserted top-level fields before types.
  if (resolvePath(root, '_id').kind === 'encrypted') refuse("Invalid schema containing the 'encrypt' keyword.: '_id' cannot be encrypted (the server must see it)");
  if (name === 'update' && Array.isArray(cmd.updates)) {
    // An array-filter update path ('a.$[i].x') below an encrypted field (mongocryptd's text).
    for (const st of cmd.updates) {
      const u = isDoc(st) ? st.u : undefined;
      if (!isDoc(u)) continue;
      for (const fields of Object.values(u)) {
        if (!isDoc(fields)) continue;
        for (const path of Object.keys(fields)) {
          const at = path.indexOf('.$[');
          if (at > 0 && resolvePath(root, path.slice(0, at)).kind === 'encrypted') refuse(`Array update operations not allowed on encrypted values: '${path}'`);
        }
      }
    }
  }
  if (name === 'insert' && Array.isArray(cmd.documents)) {
    for (const d of cmd.documents) {
      if (isDoc(d)) for (const [k, v] of Object.entries(d)) if (resolvePath(root, k).kind === 'encrypted') checkInsertedValue(name, k, v);
    }
  }
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
    return writeDocument(mongocryptdShape(name, encrypted) as Document);
  }));
}

/**
 * The first step of an encryption context for `cmdBson` sent to database `db`: pass-through
 * commands are READY at once; collection commands take the encryptedFieldsMap entry (Queryable
 * Encryption), the schemaMap entry or, without either, what listCollections says
 * (NEED_MONGO_COLLINFO with `{name: <collection>}`): `options.encryptedFields` (QE) before a
 * `$jsonSchema` validator (CSFLE). `create` reads its own encryptedFields and asks nothing.
 */
export function encryptionStep(db: string, cmdBson: Uint8Array, setup: AutoEncryptionSetup): Step {
  if (typeof db !== 'string' || db.length === 0) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'makeEncryptionContext needs the database name');
  const bypass = setup.bypassQueryAnalysis === true;
  const cmd = readDocument(cmdBson, 'the command') as Record<string, unknown>;
  const name = Object.keys(cmd)[0];
  if (name === undefined) throw new MongoCryptBindingError('INVALID_ARGUMENT', 'the command is an empty document');
  if (BYPASS_COMMANDS.has(name)) return readyStep(() => cmdBson);
  // libmongocrypt's text for commands outside the allow-list (query-analysis.md §2).
  if (!COLLECTION_COMMANDS.has(name) && !QE_STATE_COMMANDS.has(name)) {
    if (bypass) return readyStep(() => cmdBson);
    refuse(`command not supported for auto encryption: ${name}`);
  }
  // explain names its collection in the command it wraps.
  const target = name === 'explain' ? explained(cmd) : { name, cmd };
  const coll = target.cmd[target.name];
  if (typeof coll !== 'string') {
    if (bypass) return readyStep(() => cmdBson);
    refuse(`non-collection command not supported for auto encryption: ${target.name}`);
  }
  const ns = `${db}.${coll}`;
  const withSchema = (root: SchemaNode | undefined): Step => {
    // compact / cleanup on a collection without encryptedFields: sent as is (the server answers).
    if (QE_STATE_COMMANDS.has(name)) return readyStep(() => cmdBson);
    if (bypass || !root?.hasEncryption) return bypass ? readyStep(() => cmdBson) : passThrough(name, cmd, cmdBson);
    if (name === 'create' || name === 'collMod' || name === 'createIndexes') return checkedDefinition(name, cmd, root, cmdBson);
    return analyseAndEncrypt(name, cmd, root, setup, cmdBson);
  };
  // Queryable Encryption: keyAltName fields resolved first (NEED_MONGO_KEYS), then the command.
  const withEncryptedFields = (ef: Document): Step => {
    // bypassQueryAnalysis skips analysis, not the compaction tokens (they are no query analysis).
    if (bypass && !QE_STATE_COMMANDS.has(name)) return qeBypassStep(ns, cmd, ef, cmdBson);
    return resolveKeyAltNames(ef, setup, (translated) => {
      if (name === 'create' || name === 'collMod' || name === 'createIndexes') {
        // create carries the encryptedFields itself: keyAltNames go out translated to keyIds (spec fle2v2-InsertFind-keyAltName.json).
        const out = name === 'create' && translated !== ef && isDoc(cmd.encryptedFields) ? writeDocument({ ...cmd, encryptedFields: translated }) : cmdBson;
        return qeDefinitionStep(name, cmd, translated, out);
      }
      return qeEncryptStep(ns, cmd, parseEncryptedFields(ns, translated), setup);
    });
  };
  const mapped = setup.encryptedFieldsMap?.get(ns);
  if (mapped !== undefined) return withEncryptedFields(mapped);
  if (name === 'create') {
    // A collection being created has no listCollections entry: libmongocrypt reads the command
    // itself (spec fle2v2-CreateCollection.json: no listCollections before any create).
    if (isDoc(cmd.encryptedFields)) return withEncryptedFields(cmd.encryptedFields);
    if (!setup.schemas.has(ns)) return withSchema(undefined);
  }
  if (setup.schemas.has(ns)) return withSchema(bypass ? undefined : setup.schemas.get(ns));
  const cached = setup.collInfos?.get(ns);
  if (cached) return cached.encryptedFields ? withEncryptedFields(cached.encryptedFields) : withSchema(cached.schema);
  let remote: SchemaNode | undefined;
  let remoteFields: Document | undefined;
  let seen = 0;
  return {
    state: MONGOCRYPT_CTX_NEED_MONGO_COLLINFO,
    operation: writeDocument({ name: coll }),
    feed: (document) => {
      const info = readDocument(document, 'collection info', true);
      if (info.name !== coll) return;
      if (++seen > 1) refuse(`listCollections returned more than one collection named '${coll}'`);
      const ef = (info.options as Document | undefined)?.encryptedFields;
      if (isDoc(ef)) {
        if (info.type === 'view') refuse(`cannot auto encrypt a view: '${ns}' is a view`);
        remoteFields = ef;
      } else if (!bypass) remote = schemaFromCollInfo(info, ns);
    },
    finish: () => {
      setup.collInfos?.put(ns, remote, remoteFields);
      return remoteFields ? withEncryptedFields(remoteFields) : withSchema(remote);
    },
  };
}

/**
 * create / collMod / createIndexes on a collection with encrypted fields: a validator or a partial
 * index filter is a filter the server evaluates on stored (encrypted) documents, so it may not
 * compare an encrypted field (mongocryptd's text, validatorAndPartialFieldExpression.json);
 * otherwise the command goes out unchanged.
 */
function checkedDefinition(name: string, cmd: Record<string, unknown>, root: SchemaNode, cmdBson: Uint8Array): Step {
  const compare: ValueSink = (path) => refuse(`Comparison to encrypted fields not supported: '${path}' in the ${name} command is encrypted`);
  const filters: unknown[] = [];
  if (name === 'createIndexes') {
    for (const ix of Array.isArray(cmd.indexes) ? cmd.indexes : []) if (isDoc(ix) && ix.partialFilterExpression !== undefined) filters.push(ix.partialFilterExpression);
  } else if (cmd.validator !== undefined) {
    if (!isDoc(cmd.validator)) refuse(`${name}.validator must be a document`);
    if ('$jsonSchema' in cmd.validator) refuse(`${name} with a $jsonSchema validator on a collection with an encryption schema is not analysed by fle-ts yet; the command was not sent`);
    filters.push(cmd.validator);
  }
  for (const f of filters) {
    if (!isDoc(f)) refuse(`${name}: a validator or partialFilterExpression must be a document`);
    walkFilter(root, f, compare);
  }
  return readyStep(() => cmdBson);
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
