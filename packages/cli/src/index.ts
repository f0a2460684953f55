// Runtime-neutral parts of the command line, for programs that want what a command computes
// without spawning `fle`. The command line itself is `@fle-ts/cli/node` (and the `fle` binary).
export { CliError, type CliErrorCode } from './errors.js';
export { EXIT, exitCodeFor, type ExitCode } from './exit-codes.js';
export { EncryptedFieldCollector, formatInspectReport, hasInspectFindings, type FieldReport, type InspectReport, type SampleReport } from './inspect.js';
export { lintSchema, REMOTE_SCHEMA_KEYWORDS, type LintFinding, type LintOptions } from './schema-lint.js';
export { createKey, listKeys, changeAltName, deleteKey, rewrapKeys, findKey, summarizeKey, type KeySummary, type KeySelector } from './datakey.js';
export { decodeMasterKeyFile, encodeMasterKeyFile, MASTER_KEY_LENGTH, type MasterKeyFormat } from './master-key-file.js';
export { ALGORITHM_BY_KIND } from './payload-kinds.js';
export { formatUuid, parseUuid } from './key-id.js';
export { HELP } from './help.js';
export { explicitEncryptTransform, automaticEncryptTransform, decryptTransform, type DocumentTransform } from './transform.js';
export { readDump, asDocument, type DumpDocument, type DumpLine } from './dump-reader.js';
export { formatProgress } from './progress.js';
