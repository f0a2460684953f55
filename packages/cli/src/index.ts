// Runtime-neutral parts of the command line, for programs that want what a command computes
// without spawning `fle`. The command line itself is `@fle-ts/cli/node` (and the `fle` binary).
export { CliError, type CliErrorCode } from './errors.js';
export { EXIT, exitCodeFor, type ExitCode } from './exit-codes.js';
export { EncryptedFieldCollector, formatInspectReport, hasInspectFindings, type FieldReport, type InspectReport, type SampleReport } from './inspect.js';
export { lintSchema, lintSchemaDocument, REMOTE_SCHEMA_KEYWORDS, type LintFinding, type LintOptions, type LintDocumentOptions } from './schema-lint.js';
export { createKey, listKeys, changeAltName, deleteKey, rewrapKeys, findKey, summarizeKey, type KeySummary, type KeySelector } from './datakey.js';
export { decodeMasterKeyFile, encodeMasterKeyFile, MASTER_KEY_LENGTH, type MasterKeyFormat } from './master-key-file.js';
export { ALGORITHM_BY_KIND } from './payload-kinds.js';
export { formatUuid, parseUuid } from './key-id.js';
export { HELP } from './help.js';
export { explicitEncryptTransform, automaticEncryptTransform, decryptTransform, needsExplicitEncryption, type DocumentTransform } from './transform.js';
export { migrateCollection, preImageFilter, CHECKPOINT_COLLECTION, type MigrateCollection, type CheckpointCollection, type MigrateOptions, type MigrateResult, type MigrateCounts } from './migrate.js';
export { readValidator, declarationOf, stripValidationKeywords, type CollectionValidator, type FieldDeclaration } from './validator.js';
export { inferValidator, parseEncryptChoice, SampleShape, type EncryptChoice, type InferKeyId } from './schema-infer.js';
export { readDump, textLines, asDocument, type DumpDocument, type DumpLine } from './dump-reader.js';
export { formatProgress } from './progress.js';
