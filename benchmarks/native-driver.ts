// What users run today as the baseline (issue 18, ../shared/docs/native-anchor.md): the official
// `mongodb` driver with the native `mongodb-client-encryption` addon over C libmongocrypt 1.20.2,
// built by scripts/build-native-addon.mjs outside the repo. Its key vault is the drop-in package's
// test wire server (a MongoDB wire-protocol server in this process); keyExpirationMS: 0 on both
// sides, so the key is fetched and unwrapped once and every timed call runs from the key cache.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Binary, deserialize, serialize, type Document } from 'bson';
import { AutoEncrypter, ClientEncryption, MemoryKeyVault } from '@fle-ts/client';
import { buildNativeAddon, NATIVE_VERSIONS } from '../scripts/build-native-addon.mjs';
import { startWireServer } from '../packages/mongodb-client-encryption/test/wire-server/server.js';
import type { BenchHarness, Contender } from './harness.js';

export const KEY_VAULT_NS = 'keyvault.datakeys';
const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';

/** The driver's ClientEncryption as far as the rows call it. */
export interface DriverClientEncryption {
  encrypt(value: unknown, options: object): Promise<Binary>;
  decrypt(value: unknown): Promise<unknown>;
}

/** The official driver + native addon, connected to an in-process key vault holding the given keys. */
export interface NativeDriver {
  /** e.g. `mongodb 7.9.1 + mongodb-client-encryption 7.2.1 (libmongocrypt 1.20.2)`. */
  readonly versions: string;
  readonly ce: DriverClientEncryption;
  /** The driver's auto-decryption of one reply (BSON in, BSON out): MongoClient.autoEncrypter.decrypt. */
  autoDecrypt(bson: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** fle-ts's side over one local data key: ClientEncryption and AutoEncrypter, keyExpirationMS: 0. */
export interface FleTsSide {
  readonly masterKey: Uint8Array;
  readonly keyId: Binary;
  /** The data key's 96 bytes (for the layers that take the key in hand, e.g. @fle-ts/qe). */
  readonly material: Uint8Array;
  /** The data key document as stored (to give the other side the very same key). */
  readonly keyDoc: Document;
  readonly ce: ClientEncryption;
  readonly auto: AutoEncrypter;
}

/** A fresh local master key and one data key in a MemoryKeyVault, with fle-ts's ClientEncryption and AutoEncrypter over it. */
export async function fleTsSide(): Promise<FleTsSide> {
  const masterKey = globalThis.crypto.getRandomValues(new Uint8Array(96));
  const keyVault = new MemoryKeyVault();
  const options = { keyVault, kmsProviders: { local: { key: masterKey } }, keyExpirationMS: 0 };
  const ce = new ClientEncryption(options);
  const material = globalThis.crypto.getRandomValues(new Uint8Array(96));
  const keyId = await ce.createDataKey('local', { keyMaterial: material });
  const keyDoc = (await ce.getKey(keyId)) as Document | null;
  if (!keyDoc) throw new Error('the data key just made is not in the key vault');
  return { masterKey, keyId, material, keyDoc, ce, auto: new AutoEncrypter(options) };
}

interface DriverModule {
  MongoClient: new (uri: string, options?: object) => {
    connect(): Promise<unknown>;
    close(): Promise<void>;
    db(name: string): { collection(name: string): { insertMany(docs: Document[]): Promise<unknown> } };
    readonly autoEncrypter?: { decrypt(bson: Uint8Array, options?: object): Promise<Uint8Array> };
  };
  ClientEncryption: new (client: unknown, options: object) => DriverClientEncryption;
}

/** `build: false` uses the addon only when scripts/build-native-addon.mjs has already built it (tests). */
export interface NativeOptions {
  readonly build?: boolean;
  readonly log?: (line: string) => void;
}

/**
 * Builds (once) and loads the official driver + native addon and connects it to a wire-protocol
 * test server holding `keyDocs`. `{ ok: false, why }` when the addon cannot be built or loaded here.
 */
export async function openNativeDriver(masterKey: Uint8Array, keyDocs: Document[], o: NativeOptions = {}): Promise<{ ok: true; driver: NativeDriver } | { ok: false; why: string }> {
  const built = buildNativeAddon({ ...(o.log && { log: o.log }), build: o.build !== false });
  if (!built.ok) return built;
  let mongodb: DriverModule;
  let libmongocrypt: string;
  try {
    const req = createRequire(join(built.dir, 'package.json'));
    mongodb = req('mongodb') as DriverModule;
    libmongocrypt = String((req('mongodb-client-encryption') as { MongoCrypt: { libmongocryptVersion: string } }).MongoCrypt.libmongocryptVersion);
  } catch (e) {
    return { ok: false, why: `the driver or addon in ${built.dir} does not load: ${(e as Error).message}` };
  }
  const server = await startWireServer();
  const [db, coll] = KEY_VAULT_NS.split('.') as [string, string];
  const kmsProviders = { local: { key: Buffer.from(masterKey) } };
  const client = new mongodb.MongoClient(server.uri, {
    autoEncryption: { keyVaultNamespace: KEY_VAULT_NS, kmsProviders, bypassAutoEncryption: true, keyExpirationMS: 0 },
  });
  try {
    await client.connect();
    await client.db(db).collection(coll).insertMany(keyDocs.map((d) => ({ ...d })));
  } catch (e) {
    await client.close().catch(() => {});
    await server.close();
    return { ok: false, why: `the driver could not use the test wire server: ${(e as Error).message}` };
  }
  const auto = client.autoEncrypter;
  if (!auto) {
    await client.close();
    await server.close();
    return { ok: false, why: 'MongoClient.autoEncrypter is missing in this driver version' };
  }
  const ce = new mongodb.ClientEncryption(client, { keyVaultNamespace: KEY_VAULT_NS, kmsProviders, keyExpirationMS: 0 });
  return {
    ok: true,
    driver: {
      versions: `mongodb ${NATIVE_VERSIONS.mongodb} + mongodb-client-encryption ${NATIVE_VERSIONS['mongodb-client-encryption']} (libmongocrypt ${libmongocrypt})`,
      ce,
      autoDecrypt: (bson) => auto.decrypt(bson),
      close: async () => {
        await client.close();
        await server.close();
      },
    },
  };
}

/** One row: fle-ts against the driver + native addon, ops/s (medians) and the rounds. */
export interface NativeRow {
  readonly what: string;
  readonly fleTs: number;
  readonly driver: number;
  readonly fleTsRounds: number[];
  readonly driverRounds: number[];
}

/** The rows, or why there are none. */
export type NativeResult = { readonly ok: true; readonly versions: string; readonly values: NativeRow[]; readonly bulk: NativeRow[] } | { readonly ok: false; readonly why: string };

const bytesEqual = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);
const same = (a: unknown, b: unknown) => bytesEqual(serialize({ v: a }), serialize({ v: b }));

/**
 * Value level (64-byte string, Deterministic and Random, encrypt and decrypt): fle-ts
 * ClientEncryption against the driver's ClientEncryption; and the spec's bulk document (1500
 * deterministic strings) through the driver's auto-decryption against AutoEncrypter.decryptBson
 * and decryptDocument. Everything is cross-checked before it is timed: deterministic blobs
 * byte-identical, each side decrypts the other's, the bulk document decrypts to the plaintext.
 * `fields` shortens the bulk document (tests); the benchmark uses the spec's 1500.
 */
export async function nativeDriverRows(h: BenchHarness, fields = 1500, o: { build?: boolean } = {}): Promise<NativeResult> {
  const fle = await fleTsSide();
  const opened = await openNativeDriver(fle.masterKey, [fle.keyDoc], { log: h.log, build: o.build !== false });
  if (!opened.ok) return opened;
  const d = opened.driver;
  try {
    const s = 'x'.repeat(64);
    const values: NativeRow[] = [];
    for (const alg of [DET, RND]) {
      const name = alg.endsWith('Deterministic') ? 'Deterministic' : 'Random';
      const opts = { keyId: fle.keyId, algorithm: alg };
      const mine = await fle.ce.encrypt(s, opts);
      const theirs = await d.ce.encrypt(s, opts);
      if (alg === DET && !bytesEqual(mine.buffer, theirs.buffer)) throw new Error('fle-ts and the driver disagree on a deterministic blob');
      if ((await fle.ce.decrypt(theirs)) !== s || (await d.ce.decrypt(mine)) !== s) throw new Error(`${name}: the two sides do not decrypt each other's values`);
      const contenders: Contender[] = [
        ['fle enc', () => h.oneRound(() => fle.ce.encrypt(s, opts))],
        ['drv enc', () => h.oneRound(() => d.ce.encrypt(s, opts))],
        ['fle dec', () => h.oneRound(() => fle.ce.decrypt(mine))],
        ['drv dec', () => h.oneRound(() => d.ce.decrypt(mine))],
      ];
      for (const [, run] of contenders) await run(); // a warm-up round each (the JIT, the addon's first contexts)
      const r = await h.alternate(h.rounds, contenders);
      for (const op of ['enc', 'dec'] as const) {
        values.push(row(h, `${op === 'enc' ? 'encrypt' : 'decrypt'} 64-byte string, ${name}`, r[`fle ${op}`], r[`drv ${op}`]));
      }
    }
    h.log(`native driver: value rows done; bulk document of ${fields} fields`);
    const plain: Record<string, string> = {};
    const enc: Record<string, Binary> = {};
    for (let i = 1; i <= fields; i++) {
      const n = String(i).padStart(4, '0');
      plain[`key${n}`] = `value ${n}`;
      enc[`key${n}`] = await fle.ce.encrypt(`value ${n}`, { keyId: fle.keyId, algorithm: DET });
    }
    const bytes = serialize(enc);
    const want = serialize(plain);
    const got = await d.autoDecrypt(bytes);
    if (!bytesEqual(new Uint8Array(got), want)) throw new Error('the driver decrypts the bulk document wrongly');
    if (!bytesEqual(await fle.auto.decryptBson(bytes), want)) throw new Error('AutoEncrypter.decryptBson decrypts the bulk document wrongly');
    if (!same(await fle.auto.decryptDocument(deserialize(bytes)), plain)) throw new Error('AutoEncrypter.decryptDocument decrypts the bulk document wrongly');
    const contenders: Contender[] = [
      ['driver', () => h.oneRound(() => d.autoDecrypt(bytes))],
      ['decryptBson', () => h.oneRound(() => fle.auto.decryptBson(bytes))],
      ['decryptDocument', () => h.oneRound(() => fle.auto.decryptDocument(deserialize(bytes)))],
    ];
    for (const [, run] of contenders) await run(); // a warm-up round each, as run.ts's bulk does
    const b = await h.alternate(h.rounds, contenders);
    const bulk = [
      row(h, `bulk document (${fields} fields): AutoEncrypter.decryptBson vs driver auto-decryption`, b.decryptBson, b.driver),
      row(h, `bulk document (${fields} fields): AutoEncrypter.decryptDocument vs driver auto-decryption`, b.decryptDocument, b.driver),
    ];
    return { ok: true, versions: d.versions, values, bulk };
  } finally {
    await d.close();
  }
}

function row(h: BenchHarness, what: string, fleTs: number[] | undefined, driver: number[] | undefined): NativeRow {
  if (!fleTs?.length || !driver?.length) throw new Error(`${what}: a contender gave no rounds`);
  return { what, fleTs: h.median(fleTs), driver: h.median(driver), fleTsRounds: fleTs, driverRounds: driver };
}

/** The Markdown section: the table, or the printed reason it could not be measured. */
export function nativeDriverMarkdown(h: BenchHarness, r: NativeResult): string[] {
  const L = ['### Against the official driver + native addon, ops/s', ''];
  if (!r.ok) {
    L.push(`Not measured in this run: ${r.why}. The build recipe is \`scripts/build-native-addon.mjs\` (../shared/docs/native-anchor.md).`, '');
    return L;
  }
  L.push(
    `The official path users run today: ${r.versions}, built by \`scripts/build-native-addon.mjs\` against the local Node headers. Its key vault is the drop-in package's test wire server in this process; \`keyExpirationMS: 0\` on both sides, so every timed call runs from the key cache. Value rows: the driver's \`ClientEncryption.encrypt\`/\`decrypt\` against fle-ts \`ClientEncryption\`; bulk: the driver's auto-decryption of one reply (\`MongoClient.autoEncrypter.decrypt\`, BSON in and out) against \`AutoEncrypter.decryptBson\` and \`decryptDocument\`. Deterministic blobs byte-identical and each side decrypting the other's were checked before timing.`,
    '',
    '| operation | fle-ts | driver + addon | fle-ts ÷ driver |',
    '| --- | ---: | ---: | ---: |',
  );
  for (const x of [...r.values, ...r.bulk]) L.push(`| ${x.what} | ${h.fmt(x.fleTs, x.fleTs < 1000 ? 1 : 0)} | ${h.fmt(x.driver, x.driver < 1000 ? 1 : 0)} | ${h.roundRatio(x.fleTsRounds, x.driverRounds)} |`);
  L.push('', `${h.rounds} alternated rounds; ops/s are medians, ratios the median of the per-round ratios [lowest-highest round].`, '');
  return L;
}

/** Issue 18's targets against the driver + native addon, or one line saying why they were not measured. */
export function nativeDriverTargets(r: NativeResult): { target: string; measured: string; met: boolean }[] {
  const target = 'against the official driver + native addon (bulk decryptBson >= 1.1x, value level ClientEncryption >= 3x every row)';
  if (!r.ok) return [{ target, measured: `not measured: ${r.why}`, met: false }];
  const ratio = (x: NativeRow) => x.fleTs / x.driver;
  const lowest = r.values.reduce((w, x) => (ratio(x) < ratio(w) ? x : w));
  const bson = r.bulk[0]!;
  return [
    { target: 'value level against the official driver + native addon: ClientEncryption >= 3x, every row', measured: `lowest ${ratio(lowest).toFixed(2)}x (${lowest.what})`, met: r.values.every((x) => ratio(x) >= 3) },
    { target: 'bulk decryption: AutoEncrypter.decryptBson >= 1.1x the driver\'s auto-decryption through the native addon', measured: `${ratio(bson).toFixed(2)}x`, met: ratio(bson) >= 1.1 },
  ];
}
