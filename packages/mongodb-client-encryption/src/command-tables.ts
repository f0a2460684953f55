// Which commands automatic encryption passes, analyses or refuses (query-analysis.md §2:
// libmongocrypt `_check_cmd_for_auto_encrypt` and the spec's "Auto Encryption Allow-List").

/** Sent unchanged: no user values to encrypt (replies are still decrypted). */
export const BYPASS_COMMANDS: ReadonlySet<string> = new Set([
  'abortTransaction', 'authenticate', 'buildInfo', 'buildinfo', 'commitTransaction', 'drop', 'dropDatabase',
  'dropIndexes', 'endSessions', 'getCmdLineOpts', 'getLog', 'getMore', 'getnonce', 'hello', 'isMaster', 'ismaster',
  'killAllSessions', 'killAllSessionsByPattern', 'killCursors', 'killSessions', 'listCollections', 'listDatabases',
  'listIndexes', 'logout', 'ping', 'refreshSessions', 'renameCollection', 'saslContinue', 'saslStart',
  'serverStatus', 'startSession', 'createSearchIndexes', 'listSearchIndexes', 'dropSearchIndex', 'updateSearchIndex',
]);

/** Analysed against the collection's schema: the collection's name is the command's value. */
export const COLLECTION_COMMANDS: ReadonlySet<string> = new Set([
  'aggregate', 'count', 'delete', 'distinct', 'explain', 'find', 'findAndModify', 'insert', 'update',
  'create', 'createIndexes', 'collMod',
]);

/**
 * Fields every command may carry that hold no user data to encrypt (session, transaction,
 * write/read concern, API version, cluster time; set by the driver).
 */
export const ENVELOPE_FIELDS: ReadonlySet<string> = new Set([
  '$db', 'lsid', 'txnNumber', 'autocommit', 'startTransaction', '$clusterTime', '$readPreference', 'readConcern',
  'writeConcern', 'apiVersion', 'apiStrict', 'apiDeprecationErrors', 'maxTimeMS', 'comment', '$audit', 'bypassDocumentValidation',
]);

/**
 * The command fields fle-ts knows for each command it rewrites on an encrypted collection: the
 * command name, the fields rewritten, and the fields that carry no values compared to document
 * fields. Anything else on an encrypted collection is refused (fail closed).
 */
export const KNOWN_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  insert: new Set(['insert', 'documents', 'ordered']),
  find: new Set([
    'find', 'filter', 'sort', 'projection', 'hint', 'skip', 'limit', 'batchSize', 'singleBatch', 'returnKey',
    'showRecordId', 'tailable', 'oplogReplay', 'noCursorTimeout', 'awaitData', 'allowPartialResults', 'collation',
    'allowDiskUse', 'maxAwaitTimeMS',
  ]),
  count: new Set(['count', 'query', 'limit', 'skip', 'hint', 'collation']),
  distinct: new Set(['distinct', 'key', 'query', 'collation', 'hint']),
  delete: new Set(['delete', 'deletes', 'ordered']),
  update: new Set(['update', 'updates', 'ordered']),
  findAndModify: new Set(['findAndModify', 'query', 'sort', 'remove', 'update', 'new', 'fields', 'upsert', 'collation', 'hint']),
  aggregate: new Set(['aggregate', 'pipeline', 'cursor', 'allowDiskUse', 'collation', 'hint']),
  explain: new Set(['explain', 'verbosity']),
};

/** The commands `explain` may wrap (each analysed as when sent alone). */
export const EXPLAINABLE: ReadonlySet<string> = new Set(['find', 'count', 'distinct', 'delete', 'update', 'findAndModify', 'aggregate']);

/** The fields of one statement of `delete` / `update`. */
export const STATEMENT_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  delete: new Set(['q', 'limit', 'collation', 'hint']),
  update: new Set(['q', 'u', 'upsert', 'multi', 'collation', 'hint']),
};
