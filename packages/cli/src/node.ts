/// <reference types="node" />
// Node-only entry point (`@fle-ts/cli/node`): the `fle` command line. Argument parsing
// (node:util parseArgs), files, stdin/stdout, signals live here; what the commands compute is in
// the runtime-neutral modules beside it (datakey.ts, dump-reader.ts, inspect.ts, schema-lint.ts,
// transform.ts, progress.ts), which the package's portability test keeps free of node: imports.
import { closeSync, createReadStream, createWriteStream, existsSync, fchmodSync, fsyncSync, linkSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { Binary, EJSON } from 'bson';
import { AutoEncrypter, ClientEncryption, type ClientEncryptOptions } from '@fle-ts/client';
import { isFleError, randomBytes, wipe } from '@fle-ts/crypto-core';
import { KeyBroker, KmsProviders, parseProviderId, type KeyVault, type KmsProvidersOptions } from '@fle-ts/keyvault';
import { FileKeyVault } from '@fle-ts/keyvault/node';
import { changeAltName, createKey, deleteKey, findKey, listKeys, rewrapKeys, type KeySelector, type KeySummary } from './datakey.js';
import { CliError } from './errors.js';
import { EXIT, exitCodeFor, type ExitCode } from './exit-codes.js';
import { asDocument, readDump, type DumpDocument, type DumpLine } from './dump-reader.js';
import { HELP } from './help.js';
import { formatProgress } from './progress.js';
import { EncryptedFieldCollector, formatInspectReport, hasInspectFindings } from './inspect.js';
import { formatUuid, parseUuid } from './key-id.js';
import { decodeMasterKeyFile, encodeMasterKeyFile, MASTER_KEY_LENGTH } from './master-key-file.js';
import { lintSchema, lintSchemaDocument, type LintFinding } from './schema-lint.js';
import { causeMessage, connect, DEFAULT_KEY_VAULT_NS, openMongoKeyVault, serverFailed, splitNamespace, type Connection } from './mongo-connection.js';
import { declarationOf, readValidator, type CollectionValidator } from './validator.js';
import { inferValidator, parseEncryptChoice, SampleShape, type InferKeyId } from './schema-infer.js';
import { automaticEncryptTransform, decryptTransform, explicitEncryptTransform, needsExplicitEncryption, type DocumentTransform } from './transform.js';
import { CHECKPOINT_COLLECTION, migrateCollection, type MigrateResult } from './migrate.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | string[] | undefined>;

function out(text: string): void {
  process.stdout.write(text);
}

function printJson(value: unknown): void {
  out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Parses one command's arguments; `--help` prints `HELP[command]` and returns undefined. */
function parse(command: string, args: string[], options: Options): { values: Values; positionals: string[] } | undefined {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
  } catch (e) {
    // parseArgs' first sentence names the option; the rest is advice about '--'.
    const what = (e as Error).message.split('. ')[0];
    throw usage(command, what ?? 'bad arguments');
  }
  if (parsed.values.help) {
    out(HELP[command]!);
    return undefined;
  }
  return { values: parsed.values as Values, positionals: parsed.positionals };
}

function usage(command: string, what: string): CliError {
  return new CliError('USAGE', `${what}; run '${['fle', command].filter(Boolean).join(' ')} --help'`);
}

function requireString(command: string, values: Values, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw usage(command, `--${name} <file> is required`);
  return v;
}

function readFailed(path: string, what: string, e: unknown): never {
  const code = (e as { code?: string }).code;
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (code ?? 'read error');
  throw new CliError('READ_FAILED', `cannot read ${what} ${path}: ${why}`, { cause: e });
}

function readFile(path: string, what: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    return readFailed(path, what, e);
  }
}

function readMasterKey(path: string): Uint8Array {
  return decodeMasterKeyFile(readFile(path, 'master key file'), path);
}

/** The key vault file; `mustExist` for every command but `create` (a typo should not look like an empty vault). */
function openKeyVault(path: string, mustExist: boolean): FileKeyVault {
  if (mustExist) {
    try {
      statSync(path);
    } catch (e) {
      throw new CliError('READ_FAILED', `cannot read key vault file ${path}: no such file (create a key with 'fle datakey create' first)`, { cause: e });
    }
  }
  return new FileKeyVault(path);
}

/** What is closed when the command ends (the driver's connection), in main's finally. */
const cleanups: (() => Promise<void>)[] = [];

/** The MongoDB connection of `--uri`, opened once per run and closed when the command ends. */
let connection: Promise<Connection> | undefined;
function connectOnce(uri: string): Promise<Connection> {
  if (!connection) {
    connection = connect(uri);
    cleanups.push(async () => (await connection!).close());
  }
  return connection;
}

/** The options that name a key vault: a file, or a collection of the `--uri` deployment. */
const VAULT_OPTIONS: Options = { 'key-vault': { type: 'string' }, uri: { type: 'string' }, 'key-vault-ns': { type: 'string' } };

/**
 * The key vault of a command: `--key-vault <file>`, else with `--uri` the collection
 * `--key-vault-ns` (default encryption.__keyVault) through the driver. `create` makes the file,
 * or the keyAltNames unique index of the collection (the spec's key vault index; a refusal is a warning).
 */
async function vaultOf(command: string, values: Values, mode: { create: boolean } = { create: false }): Promise<KeyVault> {
  const file = values['key-vault'];
  const uri = values.uri;
  const ns = values['key-vault-ns'];
  if (typeof file === 'string') {
    if (typeof ns === 'string') throw usage(command, 'give --key-vault <file> or --key-vault-ns <db.coll> (with --uri), not both');
    return openKeyVault(file, !mode.create);
  }
  if (typeof uri !== 'string') throw usage(command, 'name the key vault: --key-vault <file>, or --uri <mongodb://...> [--key-vault-ns <db.coll>]');
  const keyVaultNs = typeof ns === 'string' ? ns : DEFAULT_KEY_VAULT_NS;
  splitNamespace(keyVaultNs, '--key-vault-ns');
  return openMongoKeyVault(await connectOnce(uri), keyVaultNs, mode.create, (m) => process.stderr.write(`fle: warning: ${m}\n`));
}

function localProvider(command: string, values: Values): string {
  const provider = typeof values.provider === 'string' ? values.provider : 'local';
  let type: string;
  try {
    type = parseProviderId(provider).type;
  } catch (e) {
    throw usage(command, `--provider must be 'local' or 'local:<name>', got '${provider}'`);
  }
  if (type !== 'local') throw usage(command, `--provider '${provider}': fle manages local master keys only ('local' or 'local:<name>')`);
  return provider;
}

function selector(command: string, values: Values, required: boolean): KeySelector | undefined {
  const id = values.id;
  const alt = values['key-alt-name'];
  if (typeof id === 'string' && typeof alt === 'string') throw usage(command, 'give either --id or --key-alt-name, not both');
  if (typeof id === 'string') {
    try {
      return { id: parseUuid(id, '--id') };
    } catch (e) {
      throw usage(command, (e as Error).message);
    }
  }
  if (typeof alt === 'string') return { altName: alt };
  if (required) throw usage(command, 'name the key with --id <uuid> or --key-alt-name <name>');
  return undefined;
}

function keyLine(k: KeySummary): string {
  const names = k.keyAltNames.length ? k.keyAltNames.join(',') : '-';
  return `${k.id}  ${k.provider}  ${k.creationDate}  ${names}`;
}

// ---- keygen ----

/**
 * Writes `content` to a new file `path` with mode 0600, all or nothing, never overwriting: the
 * bytes go to a temporary file created with O_CREAT|O_EXCL in the same folder, are flushed, and
 * are then hard-linked to `path` (link(2) fails with EEXIST instead of replacing, unlike rename).
 */
function writeNewPrivateFile(path: string, content: Uint8Array): void {
  writeNewFile(path, content, 0o600, 'a key file');
}

/** writeNewPrivateFile with any `mode`; `what` names the file in the FILE_EXISTS message. */
function writeNewFile(path: string, content: Uint8Array, mode: number, what: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', mode);
  } catch (e) {
    throw new CliError('WRITE_FAILED', `cannot create a file in ${dirname(path)}: ${(e as { code?: string }).code ?? 'write error'}`, { cause: e });
  }
  try {
    try {
      fchmodSync(fd, mode); // exact mode whatever the umask
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'EEXIST') throw new CliError('FILE_EXISTS', `${path} exists: fle never overwrites ${what}; choose another name or remove it yourself`, { cause: e });
    throw new CliError('WRITE_FAILED', `cannot write ${path}: ${code ?? 'write error'}`, { cause: e });
  } finally {
    rmSync(tmp, { force: true });
  }
}

function keygen(args: string[]): ExitCode {
  const p = parse('keygen', args, { base64: { type: 'boolean' }, json: { type: 'boolean' } });
  if (!p) return EXIT.OK;
  const [path, ...extra] = p.positionals;
  if (!path) throw usage('keygen', 'give the file to create: fle keygen <file>');
  if (extra.length) throw usage('keygen', `unexpected argument '${extra[0]}'`);
  const format = p.values.base64 ? 'base64' : 'raw';
  const key = randomBytes(MASTER_KEY_LENGTH);
  const content = encodeMasterKeyFile(key, format);
  try {
    writeNewPrivateFile(path, content);
  } finally {
    wipe(key);
    wipe(content);
  }
  if (p.values.json) printJson({ path, format, bytes: MASTER_KEY_LENGTH, mode: '0600' });
  else out(`wrote a new ${MASTER_KEY_LENGTH}-byte local master key (${format}) to ${path}, mode 0600\n`);
  return EXIT.OK;
}

// ---- datakey ----

async function datakey(args: string[]): Promise<ExitCode> {
  const [sub, ...rest] = args;
  const common: Options = { ...VAULT_OPTIONS, json: { type: 'boolean' } };
  const select: Options = { id: { type: 'string' }, 'key-alt-name': { type: 'string' } };
  switch (sub) {
    case undefined:
      process.stderr.write(HELP.datakey!);
      return EXIT.USAGE;
    case '--help':
    case '-h':
      out(HELP.datakey!);
      return EXIT.OK;
    case 'create': {
      const cmd = 'datakey create';
      const p = parse(cmd, rest, { ...common, 'master-key': { type: 'string' }, 'key-alt-name': { type: 'string', multiple: true }, provider: { type: 'string' } });
      if (!p) return EXIT.OK;
      if (p.positionals.length) throw usage(cmd, `unexpected argument '${p.positionals[0]}'`);
      const provider = localProvider(cmd, p.values);
      const masterKey = readMasterKey(requireString(cmd, p.values, 'master-key'));
      const vault = await vaultOf(cmd, p.values, { create: true });
      try {
        const key = await createKey(vault, masterKey, provider, (p.values['key-alt-name'] as string[] | undefined) ?? []);
        if (p.values.json) printJson(key);
        else out(`${key.id}\n`);
      } finally {
        wipe(masterKey);
      }
      return EXIT.OK;
    }
    case 'list': {
      const cmd = 'datakey list';
      const p = parse(cmd, rest, common);
      if (!p) return EXIT.OK;
      if (p.positionals.length) throw usage(cmd, `unexpected argument '${p.positionals[0]}'`);
      const keys = await listKeys(await vaultOf(cmd, p.values));
      if (p.values.json) printJson(keys);
      else out(keys.length ? `${keys.map(keyLine).join('\n')}\n` : 'no keys\n');
      return EXIT.OK;
    }
    case 'alt-name': {
      const cmd = 'datakey alt-name';
      const p = parse(cmd, rest, { ...common, ...select });
      if (!p) return EXIT.OK;
      const [action, name, ...extra] = p.positionals;
      if (action !== 'add' && action !== 'remove') throw usage(cmd, `expected 'add' or 'remove', got ${action === undefined ? 'nothing' : `'${action}'`}`);
      if (!name) throw usage(cmd, `give the alt name to ${action}`);
      if (extra.length) throw usage(cmd, `unexpected argument '${extra[0]}'`);
      const which = selector(cmd, p.values, true)!;
      const r = await changeAltName(await vaultOf(cmd, p.values), which, action, name);
      if (p.values.json) printJson(r);
      else out(`${r.changed ? (action === 'add' ? 'added' : 'removed') : 'unchanged'}: ${keyLine(r.key)}\n`);
      return EXIT.OK;
    }
    case 'rewrap': {
      const cmd = 'datakey rewrap';
      const p = parse(cmd, rest, { ...common, ...select, 'master-key': { type: 'string' }, 'new-master-key': { type: 'string' }, provider: { type: 'string' } });
      if (!p) return EXIT.OK;
      if (p.positionals.length) throw usage(cmd, `unexpected argument '${p.positionals[0]}'`);
      const provider = localProvider(cmd, p.values);
      const which = selector(cmd, p.values, false);
      const oldKey = readMasterKey(requireString(cmd, p.values, 'master-key'));
      let newKey: Uint8Array | undefined;
      try {
        newKey = readMasterKey(requireString(cmd, p.values, 'new-master-key'));
        const r = await rewrapKeys(await vaultOf(cmd, p.values), oldKey, newKey, provider, which);
        if (p.values.json) printJson(r);
        else out(`rewrapped ${r.rewrapped} key${r.rewrapped === 1 ? '' : 's'}${r.keyIds.length ? `: ${r.keyIds.join(', ')}` : ''}\n`);
      } finally {
        wipe(oldKey);
        if (newKey) wipe(newKey);
      }
      return EXIT.OK;
    }
    case 'delete': {
      const cmd = 'datakey delete';
      const p = parse(cmd, rest, { ...common, ...select, yes: { type: 'boolean' } });
      if (!p) return EXIT.OK;
      if (p.positionals.length) throw usage(cmd, `unexpected argument '${p.positionals[0]}'`);
      const which = selector(cmd, p.values, true)!;
      if (!p.values.yes) throw usage(cmd, 'deleting a data key makes every value encrypted with it undecryptable forever; add --yes to confirm');
      const key = await deleteKey(await vaultOf(cmd, p.values), which);
      if (p.values.json) printJson(key);
      else out(`deleted ${keyLine(key)}\n`);
      return EXIT.OK;
    }
    default:
      throw usage('datakey', `unknown datakey command '${sub}'`);
  }
}

// ---- inspect ----

/**
 * Lines of `path` (or stdin), streamed with backpressure: the stream's async iterator reads the
 * next chunk only when the previous lines were consumed, so memory stays flat however slow the
 * consumer (readline's iterator queues lines ahead of a slow consumer on Node 20). CRLF accepted.
 */
async function* lines(path: string | undefined): AsyncGenerator<DumpLine> {
  let input: AsyncIterable<string>;
  if (path === undefined || path === '-') {
    process.stdin.setEncoding('utf8');
    input = process.stdin;
  } else {
    try {
      closeSync(openSync(path, 'r')); // fails early with a clear reason, without reading the file
    } catch (e) {
      readFailed(path, 'dump', e);
    }
    input = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 16 });
  }
  // Pieces of the line under way: a long line spanning many chunks is joined once (linear time).
  let pending: string[] = [];
  let bytes = 0;
  const take = (): DumpLine => {
    const part = pending.join('');
    pending = [];
    bytes += Buffer.byteLength(part) + 1;
    return { line: part.endsWith('\r') ? part.slice(0, -1) : part, bytes };
  };
  for await (const chunk of input) {
    let start = 0;
    for (let nl = chunk.indexOf('\n'); nl !== -1; nl = chunk.indexOf('\n', start)) {
      pending.push(chunk.slice(start, nl));
      start = nl + 1;
      yield take();
    }
    if (start < chunk.length) pending.push(chunk.slice(start));
  }
  if (pending.length > 0) {
    const last = take();
    yield { line: last.line, bytes: last.bytes - 1 };
  }
}

/** The documents of the dump at `path` (or stdin): dump-reader's readDump over streamed lines. */
function readDumpAt(path: string | undefined, skip?: (where: string, why: string) => void): AsyncGenerator<DumpDocument> {
  return readDump(lines(path), path === undefined || path === '-' ? 'stdin' : path, skip);
}

/** A `skip` callback for readDump that reports each skipped line on stderr and counts it. */
function skipReporter(): { skip: (where: string, why: string) => void; count: () => number } {
  let n = 0;
  return {
    skip: (where, why) => {
      n++;
      process.stderr.write(`fle: ${where} skipped: ${why}\n`);
    },
    count: () => n,
  };
}

/** `--sample`/`--limit`-style whole numbers. */
function wholeNumber(command: string, values: Values, name: string, fallback: number | undefined): number | undefined {
  const v = values[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'string' || !/^\d+$/.test(v)) throw usage(command, `--${name} must be a whole number, got '${String(v)}'`);
  return Number(v);
}

/** Reads `--validator <file>` (collection options, a validator or encryptedFields, in Extended JSON). */
function readValidatorFile(path: string): CollectionValidator {
  let parsed: unknown;
  try {
    parsed = EJSON.parse(new TextDecoder().decode(readFile(path, 'validator file')), { relaxed: true });
  } catch (e) {
    if (isFleError(e)) throw e;
    throw new CliError('BAD_INPUT', `${path} is not valid JSON / Extended JSON`, { cause: e });
  }
  return readValidator(parsed, path);
}

/** The documents of `ns` through the driver (`limit` 0 = all), in the DumpDocument shape of a dump. */
async function* collectionDocuments(conn: Connection, ns: string, limit: number): AsyncGenerator<DumpDocument> {
  let n = 0;
  try {
    for await (const doc of conn.collection(ns).find({}, limit > 0 ? { limit } : {})) {
      n++;
      yield { doc: doc as Record<string, unknown>, where: `${ns} document ${n}`, bytesRead: n };
    }
  } catch (e) {
    throw serverFailed(`reading ${ns}`, e);
  }
}

async function inspect(args: string[]): Promise<ExitCode> {
  const cmd = 'inspect';
  const p = parse(cmd, args, {
    ...VAULT_OPTIONS,
    json: { type: 'boolean' },
    'skip-bad': { type: 'boolean' },
    'master-key': { type: 'string' },
    sample: { type: 'string' },
    ns: { type: 'string' },
    limit: { type: 'string' },
    validator: { type: 'string' },
    progress: { type: 'boolean' },
  });
  if (!p) return EXIT.OK;
  const [path, ...extra] = p.positionals;
  if (extra.length) throw usage(cmd, `unexpected argument '${extra[0]}'`);
  const uri = typeof p.values.uri === 'string' ? p.values.uri : undefined;
  const ns = typeof p.values.ns === 'string' ? p.values.ns : undefined;
  if (ns !== undefined && uri === undefined) throw usage(cmd, '--ns reads a collection: give --uri <mongodb://...> with it');
  if (ns !== undefined && path !== undefined) throw usage(cmd, 'give a dump or --uri with --ns (a collection), not both');
  if (ns !== undefined) splitNamespace(ns, '--ns');
  const mkPath = p.values['master-key'];
  // Without --ns or a key to read there, --uri would leave inspect waiting for a dump on stdin.
  if (uri !== undefined && ns === undefined && mkPath === undefined) throw usage(cmd, '--uri reads a collection: give --ns <db.collection> (or --master-key, to decrypt a dump\'s sample with the key vault there)');
  const hasVault = p.values['key-vault'] !== undefined || p.values['key-vault-ns'] !== undefined || uri !== undefined;
  if (mkPath !== undefined && !hasVault) throw usage(cmd, '--master-key needs a key vault: --key-vault <file>, or --uri [--key-vault-ns <db.coll>]');
  if (mkPath === undefined && p.values['key-vault'] !== undefined) throw usage(cmd, '--key-vault and --master-key go together');
  const sampleSize = wholeNumber(cmd, p.values, 'sample', 10)!;
  const limit = wholeNumber(cmd, p.values, 'limit', 0)!;
  const decrypting = typeof mkPath === 'string';
  // Read the key and validator files before the documents, so a bad file fails before a long read.
  const masterKey = decrypting ? readMasterKey(mkPath) : undefined;
  try {
    let validator = typeof p.values.validator === 'string' ? readValidatorFile(p.values.validator) : undefined;
    const vault = decrypting ? await vaultOf(cmd, p.values) : undefined;
    const conn = ns !== undefined ? await connectOnce(uri!) : undefined;
    let total = fileSize(path);
    if (conn && ns !== undefined) {
      const options = await conn.collectionOptions(ns);
      if (options === undefined) throw new CliError('BAD_INPUT', `${ns} does not exist on the server (check --ns)`);
      validator ??= readValidator(options, `${ns}'s options`);
      try {
        total = await conn.collection(ns).estimatedDocumentCount();
      } catch (e) {
        throw serverFailed(`counting ${ns}`, e);
      }
      if (limit > 0) total = Math.min(total, limit);
    }
    const progress = new Progress(p.values.progress === true || process.stderr.isTTY === true, total);
    const collector = new EncryptedFieldCollector({ sampleSize: decrypting ? sampleSize : 0 });
    const skips = skipReporter();
    const docs = conn && ns !== undefined ? collectionDocuments(conn, ns, limit) : readDumpAt(path, p.values['skip-bad'] === true ? skips.skip : undefined);
    let n = 0;
    for await (const { doc, bytesRead } of docs) {
      collector.addDocument(doc);
      progress.update(++n, bytesRead);
    }
    progress.update(n, total ?? 0, true);
    const skipped = skips.count();
    if (vault && masterKey) {
      const source = await keySource(vault, masterKey);
      await collector.decryptSamples(new KeyBroker({ keyVault: source.keyVault, kmsProviders: new KmsProviders(source.kmsProviders), keyExpirationMS: 0 }));
    }
    const v = validator;
    const report = collector.report(v ? (field) => declarationOf(v, field) : undefined);
    if (p.values.json) printJson(skipped ? { ...report, skippedLines: skipped } : report);
    else out(formatInspectReport(report) + (skipped ? `\n${skipped} bad lines skipped\n` : ''));
    return hasInspectFindings(report) || skipped > 0 ? EXIT.FINDINGS : EXIT.OK;
  } finally {
    if (masterKey) wipe(masterKey);
  }
}

// ---- encrypt / decrypt ----

/**
 * Where transformed documents go: stdout, or a new file that appears only when everything was
 * written (a temporary file with mode 0600 in the same folder, hard-linked to the name at the
 * end, so an existing file is never replaced and a failed run leaves nothing behind).
 */
class DocumentSink {
  readonly #path: string | undefined;
  readonly #tmp: string | undefined;
  readonly #stream: NodeJS.WritableStream;
  readonly #removeOnExit = (): void => this.abort();
  // Ctrl-C or a kill ends the process without 'exit' handlers unless the signal is handled.
  readonly #onSignal = (signal: NodeJS.Signals): void => {
    this.abort();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };

  constructor(path: string | undefined) {
    if (path === undefined || path === '-') {
      this.#stream = process.stdout;
      return;
    }
    if (existsSync(path)) throw new CliError('FILE_EXISTS', `${path} exists: fle never overwrites an output file; choose another name or remove it yourself`);
    this.#path = path;
    this.#tmp = join(dirname(path), `.${basename(path)}.${randomUUID()}.tmp`);
    let fd: number;
    try {
      fd = openSync(this.#tmp, 'wx', 0o600);
    } catch (e) {
      throw new CliError('WRITE_FAILED', `cannot create a file in ${dirname(path)}: ${(e as { code?: string }).code ?? 'write error'}`, { cause: e });
    }
    this.#stream = createWriteStream('', { fd });
    // Kept, not thrown from an event: a failed write surfaces at the next write or at commit, and
    // writes still queued when abort() destroys the stream are expected to fail.
    this.#stream.on('error', (e: Error) => {
      this.#error ??= e;
    });
    process.once('exit', this.#removeOnExit);
    process.once('SIGINT', this.#onSignal);
    process.once('SIGTERM', this.#onSignal);
  }

  #error: Error | undefined;

  #check(): void {
    if (this.#error) throw new CliError('WRITE_FAILED', `cannot write ${this.#path}: ${(this.#error as { code?: string }).code ?? this.#error.message}`, { cause: this.#error });
  }

  /** Writes one line, waiting when the reader is slower (constant memory). */
  async write(line: string): Promise<void> {
    this.#check();
    if (!this.#stream.write(`${line}\n`)) await once(this.#stream, 'drain');
  }

  /** Flushes and, for a file, gives it its name (FILE_EXISTS if the name appeared meanwhile). */
  async commit(): Promise<void> {
    if (!this.#tmp || !this.#path) return;
    this.#check();
    const finished = once(this.#stream, 'finish');
    this.#stream.end();
    try {
      await finished;
    } catch {
      // the 'error' listener has recorded it
    }
    this.#check();
    try {
      linkSync(this.#tmp, this.#path);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EEXIST') throw new CliError('FILE_EXISTS', `${this.#path} exists: fle never overwrites an output file`, { cause: e });
      throw new CliError('WRITE_FAILED', `cannot write ${this.#path}: ${code ?? 'write error'}`, { cause: e });
    } finally {
      this.abort();
    }
  }

  /** Removes the temporary file (after a failure, or once linked). */
  abort(): void {
    if (!this.#tmp) return;
    process.removeListener('exit', this.#removeOnExit);
    process.removeListener('SIGINT', this.#onSignal);
    process.removeListener('SIGTERM', this.#onSignal);
    (this.#stream as { destroy?: () => void }).destroy?.();
    rmSync(this.#tmp, { force: true });
  }
}

/** The size of the input file, undefined for stdin (or a file that cannot be read: reading it will say why). */
function fileSize(path: string | undefined): number | undefined {
  if (path === undefined || path === '-') return undefined;
  try {
    return statSync(path).size;
  } catch {
    return undefined;
  }
}

/** Progress on stderr: share of the input read, documents, rate and ETA; at most 5 times a second. */
class Progress {
  readonly #total: number | undefined;
  readonly #start = Date.now();
  #last = 0;
  #shown = false;

  /** `total`: the input's size in bytes (a file), or the documents expected (a collection); undefined when unknown (stdin). */
  constructor(readonly enabled: boolean, total: number | undefined) {
    this.#total = enabled ? total : undefined;
  }

  update(docs: number, bytesRead: number, final = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!final && now - this.#last < 200) return;
    this.#last = now;
    process.stderr.write(`\r${formatProgress(docs, bytesRead, this.#total, now - this.#start)}${final ? '\n' : ''}`);
    this.#shown = true;
  }

  get shown(): boolean {
    return this.#shown;
  }
}

/**
 * The key source of inspect, encrypt and decrypt: the vault and the one master key for every
 * local provider its keys name (`local`, `local:<name>`); a key wrapped by another master key
 * fails with UNWRAP_FAILED when it is used.
 */
async function keySource(keyVault: KeyVault, masterKey: Uint8Array): Promise<{ keyVault: KeyVault; kmsProviders: KmsProvidersOptions }> {
  const providers = new Set((await keyVault.findAll()).map((k) => k.masterKey.provider).filter((n) => n === 'local' || n.startsWith('local:')));
  const options: Record<string, { key: Uint8Array }> = { local: { key: masterKey } };
  for (const n of providers) options[n] = { key: masterKey };
  return { keyVault, kmsProviders: options as KmsProvidersOptions };
}

/**
 * Streams the documents of `input` through `transform` into `output` (canonical Extended JSON,
 * one document per line). A document that cannot be transformed stops the run (nothing is left
 * at `output`), or with `skipBad` is reported and left out: never written half-done.
 */
async function transformDump(
  input: string | undefined,
  output: string | undefined,
  skipBad: boolean,
  progress: Progress,
  transform: DocumentTransform,
): Promise<{ documents: number; skipped: number }> {
  const sink = new DocumentSink(output);
  const skips = skipReporter();
  let documents = 0;
  let bytes = 0;
  try {
    for await (const { doc, where, bytesRead } of readDumpAt(input, skipBad ? skips.skip : undefined)) {
      bytes = bytesRead;
      let result: Record<string, unknown>;
      try {
        result = await transform(doc);
      } catch (e) {
        if (!isFleError(e)) throw e;
        if (!skipBad) throw new CliError('DOCUMENT_FAILED', `${where}: ${e.message}`, { cause: e });
        skips.skip(where, `${e.message} [${e.code}]`);
        continue;
      }
      await sink.write(EJSON.stringify(result, { relaxed: false }));
      documents++;
      progress.update(documents, bytes);
    }
    progress.update(documents, bytes, true);
    await sink.commit();
  } catch (e) {
    sink.abort();
    if (progress.shown) process.stderr.write('\n');
    throw e;
  }
  return { documents, skipped: skips.count() };
}

const TRANSFORM_OPTIONS: Options = {
  ...VAULT_OPTIONS,
  output: { type: 'string', short: 'o' },
  'master-key': { type: 'string' },
  'skip-bad': { type: 'boolean' },
  progress: { type: 'boolean' },
};

async function encryptOrDecrypt(cmd: 'encrypt' | 'decrypt', args: string[]): Promise<ExitCode> {
  const extra: Options =
    cmd === 'encrypt'
      ? { field: { type: 'string', multiple: true }, algorithm: { type: 'string' }, id: { type: 'string' }, 'key-alt-name': { type: 'string' }, 'schema-map': { type: 'string' }, ns: { type: 'string' } }
      : {};
  const p = parse(cmd, args, { ...TRANSFORM_OPTIONS, ...extra });
  if (!p) return EXIT.OK;
  const [input, ...rest] = p.positionals;
  if (rest.length) throw usage(cmd, `unexpected argument '${rest[0]}'`);
  if (p.values['key-vault'] === undefined && p.values.uri === undefined) throw usage(cmd, 'name the key vault: --key-vault <file>, or --uri <mongodb://...> [--key-vault-ns <db.coll>]');
  const masterKeyPath = requireString(cmd, p.values, 'master-key');
  const output = typeof p.values.output === 'string' ? p.values.output : undefined;
  // Everything about the arguments is checked before a key file is read or an output created.
  let plan: { kind: 'decrypt' } | { kind: 'auto'; schemaMap: Record<string, unknown>; ns: string } | { kind: 'explicit'; fields: string[]; options: ClientEncryptOptions };
  if (cmd === 'decrypt') {
    plan = { kind: 'decrypt' };
  } else if (p.values['schema-map'] !== undefined) {
    if (p.values.field !== undefined || p.values.algorithm !== undefined) throw usage(cmd, 'give either --schema-map with --ns (automatic) or --field with --algorithm (explicit), not both');
    const ns = p.values.ns;
    if (typeof ns !== 'string') throw usage(cmd, '--schema-map needs --ns <db.collection>: the namespace whose schema applies');
    const mapPath = p.values['schema-map'] as string;
    let schemaMap: unknown;
    try {
      schemaMap = EJSON.parse(new TextDecoder().decode(readFile(mapPath, 'schema map file')), { relaxed: true });
    } catch (e) {
      if (isFleError(e)) throw e;
      throw new CliError('BAD_INPUT', `${mapPath} is not valid JSON / Extended JSON`, { cause: e });
    }
    const map = asDocument(schemaMap);
    if (!map || !Object.hasOwn(map, ns)) throw usage(cmd, `the schema map ${mapPath} has no schema for '${ns}'`);
    plan = { kind: 'auto', schemaMap: map, ns };
  } else {
    const fields = (p.values.field as string[] | undefined) ?? [];
    const algorithm = p.values.algorithm;
    if (fields.length === 0 || typeof algorithm !== 'string') throw usage(cmd, 'give --field <path> (repeatable) with --algorithm, or --schema-map with --ns');
    const which = selector(cmd, p.values, true)!;
    const options: ClientEncryptOptions = 'id' in which ? { algorithm, keyId: new Binary(which.id, 4) } : { algorithm, keyAltName: which.altName };
    plan = { kind: 'explicit', fields, options };
  }
  const masterKey = readMasterKey(masterKeyPath);
  const progress = new Progress(p.values.progress === true || (process.stderr.isTTY === true && output !== undefined), fileSize(input));
  try {
    const source = await keySource(await vaultOf(cmd, p.values), masterKey);
    let transform: DocumentTransform;
    if (plan.kind === 'decrypt') transform = decryptTransform(new AutoEncrypter(source));
    else if (plan.kind === 'auto') transform = automaticEncryptTransform(new AutoEncrypter({ ...source, schemaMap: plan.schemaMap }), plan.ns);
    else transform = explicitEncryptTransform(new ClientEncryption(source), plan.fields, plan.options);
    const { documents, skipped } = await transformDump(input, output, p.values['skip-bad'] === true, progress, transform);
    if (output !== undefined && output !== '-') process.stderr.write(`${cmd}ed ${documents} documents into ${output}${skipped ? `; ${skipped} skipped` : ''}\n`);
    return skipped > 0 ? EXIT.FINDINGS : EXIT.OK;
  } finally {
    wipe(masterKey);
  }
}

// ---- schema lint ----

function schemaLint(args: string[]): ExitCode {
  const cmd = 'schema lint';
  const p = parse(cmd, args, { json: { type: 'boolean' }, 'schema-map': { type: 'boolean' }, remote: { type: 'boolean' }, local: { type: 'boolean' } });
  if (!p) return EXIT.OK;
  const [path, ...extra] = p.positionals;
  if (!path) throw usage(cmd, 'give the schema file: fle schema lint <schema.json>');
  if (extra.length) throw usage(cmd, `unexpected argument '${extra[0]}'`);
  const text = new TextDecoder().decode(readFile(path, 'schema file'));
  let parsed: unknown;
  try {
    parsed = EJSON.parse(text, { relaxed: true });
  } catch (e) {
    throw new CliError('BAD_INPUT', `${path} is not valid JSON / Extended JSON${e instanceof SyntaxError ? '' : ` (${(e as Error).message})`}`, { cause: e });
  }
  if (p.values.remote && p.values.local) throw usage(cmd, 'give --remote or --local, not both');
  let problems: LintFinding[];
  try {
    problems = lintSchemaDocument(parsed, { schemaMap: p.values['schema-map'] === true, remote: p.values.remote === true, local: p.values.local === true });
  } catch (e) {
    if (isFleError(e) && e.code === 'BAD_INPUT') throw new CliError('BAD_INPUT', `${path}: ${e.message}`, { cause: e });
    throw e;
  }
  if (p.values.json) {
    printJson({ file: path, ok: problems.length === 0, problems });
  } else if (problems.length === 0) {
    out(`${path}: ok, no problems\n`);
  } else {
    out(`${problems.map((f) => `${path}:${f.pointer || '/'}: ${f.message}`).join('\n')}\n${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
  }
  return problems.length ? EXIT.FINDINGS : EXIT.OK;
}

// ---- schema infer ----

async function schemaInfer(args: string[]): Promise<ExitCode> {
  const cmd = 'schema infer';
  const p = parse(cmd, args, {
    ...VAULT_OPTIONS,
    encrypt: { type: 'string', multiple: true },
    id: { type: 'string' },
    'key-alt-name': { type: 'string' },
    'key-id-pointer': { type: 'string' },
    ns: { type: 'string' },
    output: { type: 'string', short: 'o' },
    'skip-bad': { type: 'boolean' },
    progress: { type: 'boolean' },
  });
  if (!p) return EXIT.OK;
  const [input, ...extra] = p.positionals;
  if (extra.length) throw usage(cmd, `unexpected argument '${extra[0]}'`);
  const choices = ((p.values.encrypt as string[] | undefined) ?? []).map((t) => {
    try {
      return parseEncryptChoice(t);
    } catch (e) {
      throw usage(cmd, (e as Error).message);
    }
  });
  if (choices.length === 0) throw usage(cmd, 'choose the fields to encrypt: --encrypt <path>=Deterministic|Random (repeatable)');
  const pointer = p.values['key-id-pointer'];
  const named = [p.values.id, p.values['key-alt-name'], pointer].filter((v) => v !== undefined).length;
  if (named !== 1) throw usage(cmd, 'name the data key once: --id <uuid>, --key-alt-name <name> (looked up in the key vault), or --key-id-pointer </field> (a field holding a key alt name)');
  if (typeof pointer === 'string' && !/^\/[^/]/.test(pointer)) throw usage(cmd, `--key-id-pointer must be a JSON pointer to a field, like /owner; got '${pointer}'`);
  const ns = typeof p.values.ns === 'string' ? p.values.ns : undefined;
  if (ns !== undefined) splitNamespace(ns, '--ns');
  const output = typeof p.values.output === 'string' ? p.values.output : undefined;
  if (output !== undefined && existsSync(output)) throw new CliError('FILE_EXISTS', `${output} exists: fle never overwrites an output file; choose another name or remove it yourself`);
  let keyId: InferKeyId;
  if (typeof pointer === 'string') keyId = { pointer };
  else {
    const which = selector(cmd, p.values, true)!;
    // An alt name is resolved to the key's UUID: a $jsonSchema keyId is a UUID or a pointer, never a name.
    const id = 'id' in which ? which.id : (await findKey(await vaultOf(cmd, p.values), which))._id.buffer.subarray(0, 16);
    keyId = { id: new Binary(new Uint8Array(id), 4) };
  }
  const shape = new SampleShape();
  const skips = skipReporter();
  const progress = new Progress(p.values.progress === true || process.stderr.isTTY === true, fileSize(input));
  let n = 0;
  for await (const { doc, bytesRead } of readDumpAt(input, p.values['skip-bad'] === true ? skips.skip : undefined)) {
    shape.addDocument(doc);
    progress.update(++n, bytesRead);
  }
  progress.update(n, fileSize(input) ?? 0, true);
  const validator = inferValidator(shape, choices, keyId);
  const problems = lintSchema(validator.$jsonSchema, { base: '/$jsonSchema', remote: true });
  if (problems.length) {
    // What automatic encryption would refuse is not written: say why, per choice.
    process.stderr.write(`${problems.map((f) => `fle: the inferred validator ${f.pointer}: ${f.message}`).join('\n')}\n`);
    throw new CliError('SCHEMA_INVALID', `no validator written: the sample and the --encrypt choices give ${problems.length} problem${problems.length === 1 ? '' : 's'} (above); change the algorithm or the sample`);
  }
  const result = ns !== undefined ? { [ns]: validator.$jsonSchema } : validator;
  const text = `${EJSON.stringify(result, undefined, 2, { relaxed: false })}\n`;
  if (output === undefined || output === '-') out(text);
  else {
    writeNewFile(output, new TextEncoder().encode(text), 0o644, 'an output file');
    process.stderr.write(`wrote ${ns !== undefined ? `a schema map for ${ns}` : 'a validator'} from ${shape.documents} documents to ${output}${skips.count() ? `; ${skips.count()} bad lines skipped` : ''}\n`);
  }
  return skips.count() > 0 ? EXIT.FINDINGS : EXIT.OK;
}

// ---- migrate ----

async function migrate(args: string[]): Promise<ExitCode> {
  const cmd = 'migrate';
  const p = parse(cmd, args, {
    ...VAULT_OPTIONS,
    ns: { type: 'string' },
    'master-key': { type: 'string' },
    field: { type: 'string', multiple: true },
    algorithm: { type: 'string' },
    id: { type: 'string' },
    'key-alt-name': { type: 'string' },
    'batch-size': { type: 'string' },
    'dry-run': { type: 'boolean' },
    restart: { type: 'boolean' },
    'skip-bad': { type: 'boolean' },
    progress: { type: 'boolean' },
    json: { type: 'boolean' },
  });
  if (!p) return EXIT.OK;
  if (p.positionals.length) throw usage(cmd, `unexpected argument '${p.positionals[0]}'`);
  const uri = p.values.uri;
  if (typeof uri !== 'string') throw usage(cmd, '--uri <mongodb://...> is required: migrate encrypts a collection in place');
  const ns = p.values.ns;
  if (typeof ns !== 'string') throw usage(cmd, '--ns <db.collection> is required: the collection to encrypt');
  const { db, coll } = splitNamespace(ns, '--ns');
  if (coll === CHECKPOINT_COLLECTION) throw usage(cmd, `${CHECKPOINT_COLLECTION} holds fle's checkpoints; it is not migrated`);
  const fields = (p.values.field as string[] | undefined) ?? [];
  const algorithm = p.values.algorithm;
  if (fields.length === 0 || typeof algorithm !== 'string') throw usage(cmd, 'give --field <path> (repeatable) with --algorithm and --id or --key-alt-name');
  const which = selector(cmd, p.values, true)!;
  const batchSize = wholeNumber(cmd, p.values, 'batch-size', 100)!;
  if (batchSize < 1) throw usage(cmd, '--batch-size must be at least 1');
  const masterKey = readMasterKey(requireString(cmd, p.values, 'master-key'));
  try {
    const source = await keySource(await vaultOf(cmd, p.values), masterKey);
    const options: ClientEncryptOptions = 'id' in which ? { algorithm, keyId: new Binary(which.id, 4) } : { algorithm, keyAltName: which.altName };
    const ce = new ClientEncryption(source);
    // Bad options (algorithm name, unknown key, wrong master key) fail here, before the first document.
    await ce.encrypt('probe', options);
    const transform = explicitEncryptTransform(ce, fields, options);
    const conn = await connectOnce(uri);
    if ((await conn.collectionOptions(ns)) === undefined) throw new CliError('BAD_INPUT', `${ns} does not exist on the server (check --ns)`);
    const collection = conn.collection(ns);
    let total: number | undefined;
    try {
      total = await collection.estimatedDocumentCount();
    } catch (e) {
      throw serverFailed(`counting ${ns}`, e);
    }
    const progress = new Progress(p.values.progress === true || process.stderr.isTTY === true, total);
    const dryRun = p.values['dry-run'] === true;
    const plan = `fields ${[...fields].sort().join(',')} ${algorithm} key ${'id' in which ? formatUuid(which.id) : `alt name ${which.altName}`}`;
    let result: MigrateResult;
    try {
      result = await migrateCollection({
        collection,
        checkpoints: conn.collection(`${db}.${CHECKPOINT_COLLECTION}`),
        namespace: ns,
        plan,
        transform,
        needsWork: needsExplicitEncryption(fields),
        batchSize,
        dryRun,
        restart: p.values.restart === true,
        ...(p.values['skip-bad'] ? { skipBad: (id: unknown, e: Error) => process.stderr.write(`fle: document _id ${JSON.stringify(id)} left as it is: ${e.message} [${(e as { code?: string }).code ?? '?'}]\n`) } : {}),
        onBatch: (c) => progress.update(c.read, c.read),
      });
    } catch (e) {
      if (progress.shown) process.stderr.write('\n');
      if (isFleError(e)) throw e;
      throw serverFailed(`migrating ${ns}`, e);
    }
    progress.update(result.read, total ?? result.read, true);
    if (p.values.json) printJson({ namespace: ns, dryRun, ...result });
    else {
      const verb = dryRun ? 'would encrypt' : 'encrypted';
      out(`${dryRun ? 'dry run: ' : ''}${ns}: ${result.read} documents read${result.resumed ? ' (resumed from the checkpoint)' : ''}, ${result.encrypted} ${verb}, ${result.unchanged} with nothing to encrypt${result.conflicts ? `, ${result.conflicts} changed by another client on every try (left as they are; run again)` : ''}${result.failed ? `, ${result.failed} failed (left as they are)` : ''}\n`);
    }
    return result.conflicts > 0 || result.failed > 0 ? EXIT.FINDINGS : EXIT.OK;
  } finally {
    wipe(masterKey);
  }
}

// ---- entry ----

async function dispatch(argv: string[]): Promise<ExitCode> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
      process.stderr.write(HELP['']!);
      return EXIT.USAGE;
    case '--help':
    case '-h':
    case 'help':
      out(HELP['']!);
      return EXIT.OK;
    case 'keygen':
      return keygen(rest);
    case 'datakey':
      return datakey(rest);
    case 'inspect':
      return inspect(rest);
    case 'encrypt':
    case 'decrypt':
      return encryptOrDecrypt(command, rest);
    case 'migrate':
      return migrate(rest);
    case 'schema':
      if (rest[0] === 'lint') return schemaLint(rest.slice(1));
      if (rest[0] === 'infer') return schemaInfer(rest.slice(1));
      if (rest[0] === undefined) {
        process.stderr.write(HELP.schema!);
        return EXIT.USAGE;
      }
      if (rest[0] === '--help' || rest[0] === '-h') {
        out(HELP.schema!);
        return EXIT.OK;
      }
      throw usage('schema', `unknown schema command '${rest[0]}'`);
    default:
      throw usage('', `unknown command '${command}'`);
  }
}

/**
 * Runs `fle` with `argv` (without `node` and the script) and returns its exit code (see EXIT).
 * Errors are printed as one line on stderr: the message and the stable code, never key bytes.
 */
export async function main(argv: string[]): Promise<ExitCode> {
  // `fle inspect dump | head`: a reader that goes away is not an error worth a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  try {
    return await dispatch(argv);
  } catch (e) {
    return reportError(e);
  } finally {
    for (const close of cleanups.splice(0)) await close().catch(() => undefined);
    connection = undefined;
  }
}

/** Prints `e` as one line on stderr and returns its exit code. */
function reportError(e: unknown): ExitCode {
  if (isFleError(e)) {
    // A failed document shows the code of what failed in it (e.g. BSON_TYPE_MISMATCH).
    const code = e.code === 'DOCUMENT_FAILED' && isFleError(e.cause) ? e.cause.code : e.code;
    // A key vault collection's failure (STORE_*_FAILED from MongoKeyVault) says what the server said.
    const server = e.code.startsWith('STORE_') && exitCodeFor(e) === EXIT.SERVER ? `: ${causeMessage(e)}` : '';
    process.stderr.write(`fle: ${e.message}${server} [${code}]\n`);
  } else {
    process.stderr.write(`fle: internal error (${e instanceof Error ? e.name : typeof e}): ${e instanceof Error ? e.message : ''}\n`);
  }
  return exitCodeFor(e);
}
