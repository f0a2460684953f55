// `--uri`: a MongoDB deployment through the official `mongodb` driver (Node only; imported by
// node.ts alone). The driver is an optional peer dependency of @fle-ts/cli: it is loaded on first
// use, so every command without --uri runs without it, and a missing driver is one clear error.
import { MongoKeyVault, type KeyVault, type KeyVaultCollection } from '@fle-ts/keyvault';
import { CliError } from './errors.js';

/** A BSON document as the driver takes and returns it. */
type Document = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- the driver's own `Document`

/** The driver's cursor, as fle uses it. */
export interface DriverCursor extends AsyncIterable<Document> {
  toArray(): Promise<Document[]>;
}

/** The Collection methods fle calls (a driver `Collection` satisfies it). */
export interface DriverCollection extends KeyVaultCollection {
  find(filter: Document, options?: Document): DriverCursor;
  findOne(filter: Document, options?: Document): Promise<Document | null>;
  estimatedDocumentCount(): Promise<number>;
  countDocuments(filter?: Document): Promise<number>;
}

/** A connected client, as fle uses it. */
export interface Connection {
  collection(ns: string): DriverCollection;
  /** The collection's options as listCollections returns them (`validator`, `encryptedFields` …), or undefined when there is no such collection. */
  collectionOptions(ns: string): Promise<Document | undefined>;
  close(): Promise<void>;
}

/** The key vault namespace libmongocrypt and the drivers use unless told otherwise. */
export const DEFAULT_KEY_VAULT_NS = 'encryption.__keyVault';

/** `db.coll` split at its first dot; a malformed namespace is a usage error. */
export function splitNamespace(ns: string, option: string): { db: string; coll: string } {
  const dot = ns.indexOf('.');
  if (dot <= 0 || dot === ns.length - 1) throw new CliError('USAGE', `${option} must be a namespace <database>.<collection>, got '${ns}'`);
  return { db: ns.slice(0, dot), coll: ns.slice(dot + 1) };
}

/** The URI without its password, for messages. */
export function redactUri(uri: string): string {
  return uri.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * An error of the driver or the server as a CliError `SERVER_FAILED` (exit 6) naming `what` was
 * attempted; the driver's message is kept (it names no secret: the URI's password never appears
 * in it), its `code` (e.g. 11000) with it.
 */
export function serverFailed(what: string, e: unknown): CliError {
  if (e instanceof CliError) return e;
  const m = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown }).code;
  return new CliError('SERVER_FAILED', `${what} failed: ${m}${typeof code === 'number' ? ` (server code ${code})` : ''}`, { cause: e });
}

/**
 * Connects to `uri` with the `mongodb` driver (loaded now). The driver missing → `DRIVER_MISSING`;
 * no server within `serverSelectionTimeoutMS` → `SERVER_FAILED`.
 */
export async function connect(uri: string, options: { serverSelectionTimeoutMS?: number } = {}): Promise<Connection> {
  let driver: { MongoClient: new (uri: string, options?: Document) => Document };
  try {
    driver = (await import('mongodb')) as unknown as typeof driver;
  } catch (e) {
    throw new CliError('DRIVER_MISSING', "--uri needs the official MongoDB driver, an optional dependency of @fle-ts/cli: install it beside fle ('npm install mongodb', version 6 or 7)", { cause: e });
  }
  let client: Document;
  try {
    // A timeout in the URI wins; otherwise 10 s instead of the driver's 30 s before "no server".
    const timeout = /[?&]serverSelectionTimeoutMS=/i.test(uri) ? {} : { serverSelectionTimeoutMS: options.serverSelectionTimeoutMS ?? 10_000 };
    client = new driver.MongoClient(uri, timeout);
    await client.connect();
  } catch (e) {
    throw serverFailed(`connecting to ${redactUri(uri)}`, e);
  }
  return {
    collection(ns) {
      const { db, coll } = splitNamespace(ns, 'the namespace');
      return client.db(db).collection(coll) as DriverCollection;
    },
    async collectionOptions(ns) {
      const { db, coll } = splitNamespace(ns, 'the namespace');
      try {
        const [info] = (await client.db(db).listCollections({ name: coll }).toArray()) as Document[];
        return info ? ((info.options as Document | undefined) ?? {}) : undefined;
      } catch (e) {
        throw serverFailed(`listCollections on ${db}`, e);
      }
    },
    async close() {
      await client.close();
    },
  };
}

/**
 * The key vault collection `ns` of `connection` as a KeyVault. With `ensureIndex` (when a key is
 * created) the unique partial index on keyAltNames is made first (keyvault's MongoKeyVault.create,
 * what the spec asks of a key vault collection). A server that refuses the index (FerretDB 1.x
 * has no partial indexes) does not stop the command: `warn` says alt names are then not kept
 * unique by the server.
 */
export async function openMongoKeyVault(connection: Connection, ns: string, ensureIndex: boolean, warn: (message: string) => void): Promise<KeyVault> {
  const vault = new MongoKeyVault(connection.collection(ns));
  if (!ensureIndex) return vault;
  try {
    await vault.ensureIndex();
  } catch (e) {
    warn(`the server refused the unique keyAltNames index on ${ns} (${causeMessage(e)}): it will not stop two keys from sharing an alt name`);
  }
  return vault;
}

/** The driver's message under a keyvault error (STORE_*_FAILED wraps it as `cause`), or the error's own. */
export function causeMessage(e: unknown): string {
  const cause = (e as { cause?: unknown }).cause;
  if (cause instanceof Error && /^Mongo/.test(cause.name)) return cause.message;
  return e instanceof Error ? e.message : String(e);
}
