// `pnpm bench`: fle-ts against node:crypto, WebCrypto, noble and libmongocrypt, side by side in
// one run, on the same keys and data. Prints a Markdown table and writes results/latest.{md,json}.
// `pnpm bench --quick` shortens every timing (for checking the script, not for numbers).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';
import { Binary, deserialize, serialize } from 'bson';
import { AeadKey, randomBytes } from '@fle-ts/crypto-core';
import { checkBaselines, fleTsAsync, fleTsSync, nobleAead, nodeAead, webCryptoAead, type AsyncAead, type SyncAead } from './baselines.js';
import { decryptBsonDocument } from '@fle-ts/fle-format';
import { decryptValueLite, encryptValueLite, LiteKeyCache } from './fle1-lite.js';
import { Mcoracle } from './mcoracle.js';
import { breakdown, type BreakdownRow } from './breakdown.js';
import { bundleSizeTable, measureBundleSizes, type BundleSizeRow } from '../scripts/runtimes/bundle-size.mjs';
import type { BenchHarness } from './harness.js';
import { nativeDriverMarkdown, nativeDriverRows, nativeDriverTargets, type NativeResult } from './native-driver.js';
import { qeRangeMarkdown, qeRangeRows } from './qe-range.js';
import { dynamodbMarkdown, dynamodbRows } from './dynamodb.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..');
const QUICK = process.argv.includes('--quick');
const TASK_MS = QUICK ? 60 : 600;
const WARM_MS = QUICK ? 20 : 150;
const ROUND_S = QUICK ? 0.1 : 1;
const SIZES = [16, 64, 256, 1024, 16384, 1 << 20];
const OPS = ['encrypt deterministic', 'encrypt random', 'decrypt'] as const;
type Op = (typeof OPS)[number];

/** Results fed to a sink so no call can be optimised away. */
let sink = 0;
const keep = (b: Uint8Array) => {
  sink ^= b[b.length - 1]! ^ b.length;
};

/** Rounds of every A/B comparison: contenders alternate inside each round, in reversed order every other round (issue 18). */
const ROUNDS = QUICK ? 1 : 3;
const VALUE_ROUNDS = QUICK ? 1 : 5;
const BULK_ROUNDS = QUICK ? 2 : 8;

async function timeTask(name: string, fn: () => unknown, ms = TASK_MS, warm = WARM_MS): Promise<number> {
  const bench = new Bench({ time: ms, warmupTime: warm, iterations: 5, warmupIterations: 2 });
  bench.add(name, fn as () => void);
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`${name}: ${r.state}`);
  return r.throughput.mean;
}

interface CoreRow {
  op: Op;
  size: number;
  /** Median ops/s over the rounds. */
  ops: Record<string, number | undefined>;
  /** ops/s of each round, per contender. */
  rounds: Record<string, number[]>;
}

/**
 * Runs the named contenders in `n` rounds, one after the other inside a round and in reversed
 * order every other round, so load drift on the shared machine hits both sides of every ratio
 * alike (issue 18: the sides used to run one after the other). Returns each contender's rounds.
 */
async function alternate(n: number, contenders: [string, () => Promise<number | undefined>][]): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (let r = 0; r < n; r++) {
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    for (const [name, run] of order) {
      const v = await run();
      if (v !== undefined) (out[name] ??= []).push(v);
    }
  }
  return out;
}

/** Median of the per-round ratios a[i] / b[i] and their spread, e.g. `1.12x [1.05-1.20]`. */
function roundRatio(a: number[] | undefined, b: number[] | undefined): string {
  if (!a || !b || a.length === 0 || a.length !== b.length) return '—';
  const r = a.map((x, i) => x / b[i]!);
  return r.length === 1 ? `${r[0]!.toFixed(2)}x` : `${median(r).toFixed(2)}x [${Math.min(...r).toFixed(2)}-${Math.max(...r).toFixed(2)}]`;
}

async function cryptoCore(): Promise<CoreRow[]> {
  const key = globalThis.crypto.getRandomValues(new Uint8Array(96));
  const aad = new Uint8Array(18).fill(7);
  const sync: Record<string, SyncAead> = { 'fle-ts': fleTsSync(), 'node:crypto': nodeAead, noble: nobleAead };
  const asyncs: Record<string, AsyncAead> = { 'fle-ts async': fleTsAsync(), WebCrypto: webCryptoAead() };
  const rows: CoreRow[] = [];
  for (const size of SIZES) {
    const p = randomBytes(size);
    const c = new AeadKey(key).encryptRandom(p, aad);
    for (const op of OPS) {
      const ms = (size >= 1 << 20 ? 2 * TASK_MS : TASK_MS) / ROUNDS;
      const contenders: [string, () => Promise<number>][] = [];
      const warmed = new Set<string>();
      const timed = (name: string, f: () => unknown) => async () => {
        const warm = warmed.has(name) ? WARM_MS / 5 : WARM_MS;
        warmed.add(name);
        return timeTask(`${name} ${op} ${size}`, f, ms, warm);
      };
      for (const [name, impl] of Object.entries(sync)) {
        const f = op === 'decrypt' ? () => keep(impl.decrypt(key, c, aad)) : () => keep(impl.encrypt(key, p, aad, op === 'encrypt random' ? 'random' : 'det'));
        contenders.push([name, timed(name, f)]);
      }
      for (const [name, impl] of Object.entries(asyncs)) {
        // Below the native threshold the async methods are the sync path in a promise: not worth the seconds.
        if (name === 'fle-ts async' && size < 16384) continue;
        const f = op === 'decrypt' ? async () => keep(await impl.decrypt(key, c, aad)) : async () => keep(await impl.encrypt(key, p, aad, op === 'encrypt random' ? 'random' : 'det'));
        contenders.push([name, timed(name, f)]);
      }
      const r = await alternate(ROUNDS, contenders);
      const row: CoreRow = { op, size, ops: {}, rounds: r };
      for (const [name, xs] of Object.entries(r)) row.ops[name] = median(xs);
      rows.push(row);
      process.stderr.write(`  ${op} ${size} B: fle-ts ${Math.round(row.ops['fle-ts']!)} ops/s, node ${Math.round(row.ops['node:crypto']!)} ops/s\n`);
    }
  }
  return rows;
}

/** One 96-byte data key registered with both fle-ts (lite FLE1 layer) and libmongocrypt. */
function sharedKey(oracle: Mcoracle | undefined): { keys: LiteKeyCache; keyId: Uint8Array } {
  const material = globalThis.crypto.getRandomValues(new Uint8Array(96));
  const keyId = oracle ? oracle.useKey(material) : globalThis.crypto.getRandomValues(new Uint8Array(16));
  const keys = new LiteKeyCache();
  keys.add(keyId, material);
  return { keys, keyId };
}

interface ValueRow {
  what: string;
  fleTs: number;
  fleFormat: number | undefined;
  client: number | undefined;
  libmongocrypt: number | undefined;
  /** ops/s of each alternated round. */
  rounds: Record<'lite' | 'fleFormat' | 'client' | 'libmongocrypt', number[] | undefined>;
}

interface FleFormatApi {
  encryptValue(key: AeadKey, keyId: Uint8Array, algorithm: string, value: unknown): Binary;
  decryptValue(key: AeadKey, blob: Binary): unknown;
}

interface ClientApi {
  ce: { encrypt(v: unknown, o: { keyId: Binary; algorithm: string }): Promise<Binary>; decrypt(b: Binary): Promise<unknown> };
  auto: { decryptDocument<T>(doc: T): Promise<T>; decryptBson(bson: Uint8Array): Promise<Uint8Array> };
  keyId: Binary;
}

/**
 * @fle-ts/client's ClientEncryption and AutoEncrypter (MemoryKeyVault, local KMS) over a data
 * key with the given material, when that package has them (it was being written alongside).
 */
async function clientApi(material: Uint8Array): Promise<ClientApi | undefined> {
  try {
    const c = (await import('@fle-ts/client')) as Record<string, unknown>;
    type Ctor = new (o: object) => Record<string, (...a: unknown[]) => Promise<unknown>>;
    const { ClientEncryption, AutoEncrypter, MemoryKeyVault } = c as unknown as { ClientEncryption?: Ctor; AutoEncrypter?: Ctor; MemoryKeyVault?: new () => object };
    if (!ClientEncryption || !AutoEncrypter || !MemoryKeyVault) return undefined;
    const options = { keyVault: new MemoryKeyVault(), kmsProviders: { local: { key: globalThis.crypto.getRandomValues(new Uint8Array(96)) } } };
    const ce = new ClientEncryption(options);
    const keyId = (await ce.createDataKey!('local', { keyMaterial: material })) as Binary;
    return { ce: ce as unknown as ClientApi['ce'], auto: new AutoEncrypter(options) as unknown as ClientApi['auto'], keyId };
  } catch (e) {
    process.stderr.write(`@fle-ts/client not usable here (${String(e)}); its rows stay empty\n`);
    return undefined;
  }
}

/** @fle-ts/fle-format's encryptValue/decryptValue when that package has them (it was being written alongside). */
async function fleFormat(): Promise<FleFormatApi | undefined> {
  try {
    const m = (await import('@fle-ts/fle-format')) as Partial<FleFormatApi>;
    return typeof m.encryptValue === 'function' && typeof m.decryptValue === 'function' ? (m as FleFormatApi) : undefined;
  } catch {
    return undefined;
  }
}

async function valueLevel(keys: LiteKeyCache, keyId: Uint8Array, oracle: Mcoracle | undefined, client: ClientApi | undefined): Promise<ValueRow[]> {
  const s = 'x'.repeat(64);
  const rows: ValueRow[] = [];
  const ff = await fleFormat();
  const key = keys.get(keyId, 0);
  const ms = TASK_MS / 2;
  for (const det of [true, false]) {
    const alg = det ? 'Deterministic' : 'Random';
    const fullAlg = `AEAD_AES_256_CBC_HMAC_SHA_512-${alg}`;
    const blob = encryptValueLite(keys, keyId, s, det);
    if (decryptValueLite(keys, blob) !== s) throw new Error('lite value round trip failed');
    // Everything verified before anything is timed.
    if (ff) {
      const theirs = ff.encryptValue(key, keyId, fullAlg, s);
      if (det && Buffer.compare(Buffer.from(theirs.buffer), Buffer.from(blob.buffer)) !== 0) throw new Error('fle-format and fle1-lite disagree');
      if (ff.decryptValue(key, theirs) !== s) throw new Error('fle-format round trip failed');
    }
    const opts = client ? { keyId: client.keyId, algorithm: fullAlg } : undefined;
    const ceBlob = client && opts ? await client.ce.encrypt(s, opts) : undefined;
    if (client && ceBlob && (await client.ce.decrypt(ceBlob)) !== s) throw new Error('ClientEncryption round trip failed');
    // One libmongocrypt run gives both its encrypt and decrypt rate: keep the decrypt one for its own contender.
    const lmcDecrypt: number[] = [];
    const contenders: [string, () => Promise<number | undefined>][] = [
      ['lite enc', () => timeTask(`value encrypt ${alg}`, () => keep(encryptValueLite(keys, keyId, s, det).buffer), ms)],
      ['lite dec', () => timeTask(`value decrypt ${alg}`, () => (sink ^= (decryptValueLite(keys, blob) as string).length), ms)],
    ];
    if (ff) {
      contenders.push(
        ['ff enc', () => timeTask(`fle-format encrypt ${alg}`, () => keep(ff.encryptValue(key, keyId, fullAlg, s).buffer), ms)],
        ['ff dec', () => timeTask(`fle-format decrypt ${alg}`, () => (sink ^= (ff.decryptValue(key, blob) as string).length), ms)],
      );
    }
    if (client && opts && ceBlob) {
      contenders.push(
        ['ce enc', () => timeTask(`ClientEncryption.encrypt ${alg}`, async () => keep((await client.ce.encrypt(s, opts)).buffer), ms)],
        ['ce dec', () => timeTask(`ClientEncryption.decrypt ${alg}`, async () => (sink ^= ((await client.ce.decrypt(ceBlob)) as string).length), ms)],
      );
    }
    if (oracle) {
      contenders.push(
        ['lmc enc', async () => {
          const r = oracle.bench(alg, 64, ROUND_S / 2);
          lmcDecrypt.push(r.decrypt_ops);
          return r.encrypt_ops;
        }],
      );
    }
    const r = await alternate(VALUE_ROUNDS, contenders);
    if (lmcDecrypt.length > 0) r['lmc dec'] = lmcDecrypt;
    const m = (k: string) => (r[k] ? median(r[k]) : undefined);
    rows.push({ what: `encrypt 64-byte string, ${alg}`, fleTs: m('lite enc')!, fleFormat: m('ff enc'), client: m('ce enc'), libmongocrypt: m('lmc enc'), rounds: { lite: r['lite enc'], fleFormat: r['ff enc'], client: r['ce enc'], libmongocrypt: r['lmc enc'] } });
    rows.push({ what: `decrypt 64-byte string, ${alg}`, fleTs: m('lite dec')!, fleFormat: m('ff dec'), client: m('ce dec'), libmongocrypt: m('lmc dec'), rounds: { lite: r['lite dec'], fleFormat: r['ff dec'], client: r['ce dec'], libmongocrypt: r['lmc dec'] } });
  }
  return rows;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

interface BulkResult {
  clientRounds: number[] | undefined;
  client: number | undefined;
  clientBsonRounds: number[] | undefined;
  clientBson: number | undefined;
  fleTsRounds: number[];
  fleTs: number;
  libmongocryptRounds: number[] | undefined;
  libmongocrypt: number | undefined;
  crossChecked: boolean;
}

/**
 * The specification's bulk-decryption benchmark (client-side-encryption/tests/benchmarks.md),
 * set up like mcoracle `bulk`: one document { key0001: "value 0001", ..., key1500: "value 1500" },
 * every field deterministically encrypted with the one data key; decrypt the whole BSON
 * document repeatedly. One round of `fn` (ops/s over ROUND_S); the rounds of all contenders
 * alternate (see {@link alternate}), after one warm-up round each.
 */
async function oneRound(fn: () => unknown): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    await fn();
    n++;
    t = performance.now();
  } while (t - t0 < ROUND_S * 1000);
  return (n * 1000) / (t - t0);
}

async function bulk(keys: LiteKeyCache, keyId: Uint8Array, oracle: Mcoracle | undefined, client: ClientApi | undefined): Promise<BulkResult> {
  const doc: Record<string, Binary> = {};
  for (let i = 1; i <= 1500; i++) {
    const n = String(i).padStart(4, '0');
    doc[`key${n}`] = encryptValueLite(keys, keyId, `value ${n}`, true);
  }
  // Deterministic: libmongocrypt must give the very same blob for the same key and value.
  let crossChecked = false;
  if (oracle) {
    const theirs = oracle.encryptDeterministicString('value 0001');
    if (theirs !== Buffer.from(doc.key0001!.buffer).toString('base64')) throw new Error('fle-ts and libmongocrypt disagree on "value 0001"');
    crossChecked = true;
  }
  const bytes = serialize(doc);
  // The decrypted document must be exactly the plaintext one before anything is timed.
  const plainDoc: Record<string, string> = {};
  for (let i = 1; i <= 1500; i++) plainDoc[`key${String(i).padStart(4, '0')}`] = `value ${String(i).padStart(4, '0')}`;
  // fle-format's one-pass decryptor with the AeadKey in hand (no key broker): the floor under AutoEncrypter.decryptBson.
  const byId = (id: Uint8Array) => keys.get(id, 0);
  if (Buffer.compare(Buffer.from(decryptBsonDocument(bytes, byId)), Buffer.from(serialize(plainDoc))) !== 0) throw new Error('bulk decryption gives the wrong document');
  const contenders: [string, () => Promise<number>][] = [['lite', () => oneRound(() => keep(decryptBsonDocument(bytes, byId)))]];
  // AutoEncrypter: the BSON bytes as a driver receives them, deserialized and decrypted to JS values.
  if (client) {
    const cdoc: Record<string, Binary> = {};
    for (let i = 1; i <= 1500; i++) {
      const n = String(i).padStart(4, '0');
      cdoc[`key${n}`] = await client.ce.encrypt(`value ${n}`, { keyId: client.keyId, algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' });
    }
    const cbytes = serialize(cdoc);
    const once = await client.auto.decryptDocument(deserialize(cbytes));
    if (Buffer.compare(Buffer.from(serialize(once)), Buffer.from(serialize(plainDoc))) !== 0) throw new Error('AutoEncrypter.decryptDocument gives the wrong document');
    // AutoEncrypter.decryptBson: BSON in, BSON out through the public API (key broker included), like libmongocrypt.
    if (Buffer.compare(Buffer.from(await client.auto.decryptBson(cbytes)), Buffer.from(serialize(plainDoc))) !== 0) throw new Error('AutoEncrypter.decryptBson gives the wrong document');
    contenders.push(
      ['decryptDocument', () => oneRound(async () => (sink ^= Object.keys(await client.auto.decryptDocument(deserialize(cbytes))).length))],
      ['decryptBson', () => oneRound(async () => keep(await client.auto.decryptBson(cbytes)))],
    );
  }
  // mcoracle bulk runs a warm-up and ten short rounds per call: one call (ROUND_S in all) is one round here, its median.
  if (oracle) contenders.push(['lmc', async () => median(oracle.bulk(ROUND_S / 10))]);
  for (const [, run] of contenders) await run(); // warm-up round each
  const r = await alternate(BULK_ROUNDS, contenders);
  const liteRounds = r.lite!;
  const clientRounds = r.decryptDocument;
  const clientBsonRounds = r.decryptBson;
  const lmcRounds = r.lmc;
  return { clientRounds, client: clientRounds ? median(clientRounds) : undefined, clientBsonRounds, clientBson: clientBsonRounds ? median(clientBsonRounds) : undefined, fleTsRounds: liteRounds, fleTs: median(liteRounds), libmongocryptRounds: lmcRounds, libmongocrypt: lmcRounds ? median(lmcRounds) : undefined, crossChecked };
}

interface HeapResult {
  values: number;
  beforeMiB: number;
  afterMiB: number;
  gc: boolean;
}

/** Encrypts 100k 64-byte values with one key; heap used before and after (after a full GC when --expose-gc). */
function heap(): HeapResult {
  const gc = (globalThis as { gc?: () => void }).gc;
  const k = new AeadKey(globalThis.crypto.getRandomValues(new Uint8Array(96)));
  const p = new Uint8Array(64);
  const aad = new Uint8Array(18);
  gc?.();
  const before = process.memoryUsage().heapUsed;
  for (let i = 0; i < 100_000; i++) keep(k.encryptRandom(p, aad));
  gc?.();
  const after = process.memoryUsage().heapUsed;
  return { values: 100_000, beforeMiB: before / 2 ** 20, afterMiB: after / 2 ** 20, gc: gc !== undefined };
}

// ---- report ----

const fmt = (x: number | undefined, digits = 0) => (x === undefined ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const mbps = (ops: number | undefined, size: number) => (ops === undefined ? undefined : (ops * size) / 1e6);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}x`);
const sizeName = (n: number) => (n >= 1 << 20 ? `${n >> 20} MiB` : n >= 1024 ? `${n >> 10} KiB` : `${n} B`);

interface Target {
  target: string;
  measured: string;
  met: boolean;
}

/** Issue 18's targets, each from the medians of the alternated rounds of this run. */
function targets(core: CoreRow[], values: ValueRow[], b: BulkResult, h: HeapResult, native: NativeResult): Target[] {
  const r = (row: CoreRow, a: string) => row.ops[a]! / row.ops['node:crypto']!;
  const lowest = (rows: CoreRow[], a: string) => rows.reduce((w, x) => (r(x, a) < r(w, a) ? x : w));
  const out: Target[] = [];
  for (const [sizes, min] of [[[16], 1.3], [[64, 256], 1.0]] as const) {
    const rows = core.filter((x) => (sizes as readonly number[]).includes(x.size));
    const w = lowest(rows, 'fle-ts');
    out.push({ target: `crypto-core sync >= ${min}x node:crypto at ${sizes.map((x) => sizeName(x)).join(' and ')}, every row`, measured: `lowest ${r(w, 'fle-ts').toFixed(2)}x (${w.op}, ${sizeName(w.size)})`, met: r(w, 'fle-ts') >= min });
  }
  const big = core.filter((x) => x.size === 1 << 20);
  const wb = lowest(big, 'fle-ts async');
  out.push({ target: '1 MiB async >= 0.9x node:crypto, every row', measured: `lowest ${r(wb, 'fle-ts async').toFixed(2)}x (${wb.op})`, met: r(wb, 'fle-ts async') >= 0.9 });
  const withLmc = values.filter((v) => v.libmongocrypt !== undefined);
  if (withLmc.length > 0) {
    for (const [what, key, min] of [['ClientEncryption', 'client', 1.0], ['fle-format sync', 'fleFormat', 1.25]] as const) {
      const ratios = withLmc.map((v) => (v[key] ?? 0) / v.libmongocrypt!);
      const i = ratios.indexOf(Math.min(...ratios));
      out.push({ target: `value level, 64-byte string: ${what} >= ${min}x libmongocrypt, every row`, measured: `lowest ${ratios[i]!.toFixed(2)}x (${withLmc[i]!.what})`, met: ratios[i]! >= min });
    }
  }
  if (b.libmongocrypt !== undefined) {
    out.push({
      target: 'bulk decryption: AutoEncrypter.decryptBson >= 1.1x libmongocrypt',
      measured: `${ratio(b.clientBson, b.libmongocrypt)} (${fmt(b.clientBson, 1)} vs ${fmt(b.libmongocrypt, 1)} ops/s); decryptBsonDocument ${ratio(b.fleTs, b.libmongocrypt)}`,
      met: (b.clientBson ?? 0) >= 1.1 * b.libmongocrypt,
    });
    out.push({ target: 'bulk decryption: AutoEncrypter.decryptDocument >= 0.8x libmongocrypt', measured: ratio(b.client, b.libmongocrypt), met: (b.client ?? 0) >= 0.8 * b.libmongocrypt });
  }
  out.push(...nativeDriverTargets(native));
  out.push({
    target: 'heap flat over 100k encryptions',
    measured: `${h.beforeMiB.toFixed(1)} MiB before, ${h.afterMiB.toFixed(1)} MiB after${h.gc ? ' (after full GC)' : ' (no --expose-gc)'}`,
    met: h.afterMiB - h.beforeMiB < 1,
  });
  return out;
}

function markdown(machine: string, check: string, core: CoreRow[], values: ValueRow[], b: BulkResult, h: HeapResult, parts: BreakdownRow[], t: Target[], bundles: readonly BundleSizeRow[], rows: string[]): string {
  const L: string[] = [];
  L.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}; load average ${loadavg().map((x) => x.toFixed(2)).join(' / ')} (1/5/15 min) at the end of the run. The machine is shared: a load above ~0.5 besides the benchmark makes single numbers noisy.`, '');
  L.push(`Baselines verified before timing: ${check}.`, '');
  L.push('### AEAD (crypto-core), ops/s', '');
  L.push('| operation | size | fle-ts sync | MB/s | fle-ts async | MB/s | node:crypto | MB/s | WebCrypto | noble | sync ÷ node | sync ÷ WebCrypto | sync ÷ noble | async ÷ node |');
  L.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of core) {
    const o = r.ops;
    L.push(
      `| ${r.op} | ${sizeName(r.size)} | ${fmt(o['fle-ts'])} | ${fmt(mbps(o['fle-ts'], r.size), 1)} | ${fmt(o['fle-ts async'])} | ${fmt(mbps(o['fle-ts async'], r.size), 1)} | ${fmt(o['node:crypto'])} | ${fmt(mbps(o['node:crypto'], r.size), 1)} | ${fmt(o.WebCrypto)} | ${fmt(o.noble)} | ${roundRatio(r.rounds['fle-ts'], r.rounds['node:crypto'])} | ${ratio(o['fle-ts'], o.WebCrypto)} | ${ratio(o['fle-ts'], o.noble)} | ${roundRatio(r.rounds['fle-ts async'], r.rounds['node:crypto'])} |`,
    );
  }
  L.push('', `fle-ts async = \`AeadKey.encryptAsync\`/\`decryptAsync\` (WebCrypto from 16 KiB on). noble = \`cbc()\` + \`hmac()\` composed per call, no caching. Every contender of a row runs in ${ROUNDS} alternated rounds (order reversed every other round); ops/s are medians, the ÷ node columns the median of the per-round ratios [lowest-highest round].`, '');
  L.push('### Value level, ops/s', '');
  L.push(
    'fle-ts three ways: `@fle-ts/client` `ClientEncryption.encrypt`/`decrypt` (MemoryKeyVault, local KMS, data key already cached, async API), `@fle-ts/fle-format` `encryptValue`/`decryptValue` (sync, key in hand), and the minimal FLE1 layer `benchmarks/fle1-lite.ts` over `AeadKey`. libmongocrypt: `mcoracle bench` (a fresh context per operation, as a driver does).',
    '',
  );
  L.push('| operation | ClientEncryption | fle-format | fle1-lite | libmongocrypt | ClientEncryption ÷ libmongocrypt | fle-format ÷ libmongocrypt |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of values) L.push(`| ${v.what} | ${fmt(v.client)} | ${fmt(v.fleFormat)} | ${fmt(v.fleTs)} | ${fmt(v.libmongocrypt)} | ${roundRatio(v.rounds.client, v.rounds.libmongocrypt)} | ${roundRatio(v.rounds.fleFormat, v.rounds.libmongocrypt)} |`);
  L.push('', `${VALUE_ROUNDS} alternated rounds (fle-ts and libmongocrypt in turn, order reversed every other round); ops/s are medians, ratios the median of the per-round ratios [lowest-highest round].`);
  L.push('', '### Bulk decryption (specification benchmark: 1500 deterministic strings, whole document)', '');
  const best = (xs: number[] | undefined) => (xs ? Math.max(...xs) : undefined);
  L.push(`| | median ops/s of ${BULK_ROUNDS} alternated rounds | best round | rounds |`, '| --- | ---: | ---: | --- |');
  L.push(`| fle-ts AutoEncrypter.decryptDocument (BSON deserialized, then decrypted; JS values out) | ${fmt(b.client, 1)} | ${fmt(best(b.clientRounds), 1)} | ${b.clientRounds?.map((x) => x.toFixed(0)).join(' ') ?? '@fle-ts/client not available'} |`);
  L.push(`| fle-ts AutoEncrypter.decryptBson (BSON in, BSON out, one pass like libmongocrypt; key broker included) | ${fmt(b.clientBson, 1)} | ${fmt(best(b.clientBsonRounds), 1)} | ${b.clientBsonRounds?.map((x) => x.toFixed(0)).join(' ') ?? '@fle-ts/client not available'} |`);
  L.push(`| fle-ts fle-format decryptBsonDocument, AeadKey in hand (the same pass without the key broker) | ${fmt(b.fleTs, 1)} | ${fmt(best(b.fleTsRounds), 1)} | ${b.fleTsRounds.map((x) => x.toFixed(0)).join(' ')} |`);
  L.push(`| libmongocrypt 1.7.2 (mcoracle bulk) | ${fmt(b.libmongocrypt, 1)} | ${fmt(best(b.libmongocryptRounds), 1)} | ${b.libmongocryptRounds?.map((x) => x.toFixed(0)).join(' ') ?? 'mcoracle not available'} |`);
  L.push(`| AutoEncrypter.decryptDocument ÷ libmongocrypt | ${ratio(b.client, b.libmongocrypt)} | ${ratio(best(b.clientRounds), best(b.libmongocryptRounds))} | per round: ${roundRatio(b.clientRounds, b.libmongocryptRounds)} |`);
  L.push(`| AutoEncrypter.decryptBson ÷ libmongocrypt | ${ratio(b.clientBson, b.libmongocrypt)} | ${ratio(best(b.clientBsonRounds), best(b.libmongocryptRounds))} | per round: ${roundRatio(b.clientBsonRounds, b.libmongocryptRounds)} |`);
  L.push(`| decryptBsonDocument ÷ libmongocrypt | ${ratio(b.fleTs, b.libmongocrypt)} | ${ratio(best(b.fleTsRounds), best(b.libmongocryptRounds))} | per round: ${roundRatio(b.fleTsRounds, b.libmongocryptRounds)}${b.crossChecked ? '; blobs byte-identical to libmongocrypt (checked on "value 0001")' : ''} |`);
  L.push('', 'Rounds alternate: each fle-ts contender and one `mcoracle bulk` call (ten short rounds, their median) in turn, order reversed every other round. The official driver with the native addon: its own section below.');
  L.push('', ...rows); // native driver, QE range, DynamoDB (benchmarks/native-driver.ts, qe-range.ts, dynamodb.ts)
  L.push('### Per-call cost, 64-byte value (fle-ts sync)', '');
  L.push('| step | ns per call | when |', '| --- | ---: | --- |');
  for (const p of parts) L.push(`| ${p.step} | ${fmt(p.ns)} | ${p.when} |`);
  L.push('', `### Heap`, '', `${h.values.toLocaleString('en-US')} random encryptions of a 64-byte value: heap used ${h.beforeMiB.toFixed(1)} MiB before, ${h.afterMiB.toFixed(1)} MiB after${h.gc ? ' (each after a full GC)' : ''}.`, '');
  // Issue 7: bundle sizes belong in the same report (esbuild, minified + gzip -9).
  L.push('### Bundle size', '', bundleSizeTable(bundles).trimEnd(), '');
  L.push('### Targets', '', '| target | measured | met |', '| --- | --- | --- |');
  for (const x of t) L.push(`| ${x.target} | ${x.measured} | ${x.met ? 'yes' : '**no**'} |`);
  return L.join('\n') + '\n';
}

async function main(): Promise<void> {
  const cpu = cpus();
  const machine = `${cpu[0]?.model ?? 'unknown CPU'} (${cpu.length} cores), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
  process.stderr.write(`fle-ts benchmarks${QUICK ? ' (--quick: numbers are not meaningful)' : ''} on ${machine}\n`);
  const check = await checkBaselines(ROOT, { 'fle-ts': fleTsSync(), 'fle-ts async': fleTsAsync(), 'node:crypto': nodeAead, noble: nobleAead, WebCrypto: webCryptoAead() });
  process.stderr.write(`baselines verified: ${check}\n`);
  const oracle = Mcoracle.locate(ROOT);
  process.stderr.write(oracle ? 'mcoracle: found\n' : 'mcoracle: not available, libmongocrypt columns stay empty\n');
  const core = await cryptoCore();
  const { keys, keyId } = sharedKey(oracle);
  process.stderr.write('value level...\n');
  const client = await clientApi(keys.material(keyId));
  const values = await valueLevel(keys, keyId, oracle, client);
  process.stderr.write('bulk decryption (about 25 s)...\n');
  const b = await bulk(keys, keyId, oracle, client);
  // Rows in their own modules, handed run.ts's round helpers (harness.ts says why).
  const harness: BenchHarness = { alternate, oneRound, roundSeconds: ROUND_S, rounds: ROUNDS, roundRatio, fmt, median, log: (l) => process.stderr.write(`${l}\n`) };
  process.stderr.write('official driver + native addon...\n');
  const native = await nativeDriverRows(harness);
  if (!native.ok) process.stderr.write(`official driver + native addon not measured: ${native.why}\n`);
  process.stderr.write('QE range insert payloads...\n');
  const qeRange = await qeRangeRows(harness);
  process.stderr.write('DynamoDB items...\n');
  const dynamodb = await dynamodbRows(harness);
  const rows = [...nativeDriverMarkdown(harness, native), ...qeRangeMarkdown(harness, qeRange), ...dynamodbMarkdown(harness, dynamodb)];
  const h = heap();
  const parts = breakdown(QUICK);
  const t = targets(core, values, b, h, native);
  const bundles = await measureBundleSizes();
  const md = markdown(machine, check, core, values, b, h, parts, t, bundles, rows);
  const json = { machine, date: new Date().toISOString(), quick: QUICK, baselinesVerified: check, cryptoCore: core, valueLevel: values, bulk: b, nativeDriver: native, qeRange, dynamodb, heap: h, breakdown: parts, targets: t, bundles, sink };
  process.stdout.write('\n' + md);
  if (!QUICK) {
    mkdirSync(join(HERE, 'results'), { recursive: true });
    writeFileSync(join(HERE, 'results', 'latest.md'), md);
    writeFileSync(join(HERE, 'results', 'latest.json'), JSON.stringify(json, null, 2) + '\n');
    // The README's Performance section quotes the latest table between these markers.
    const readme = join(ROOT, 'README.md');
    const text = readFileSync(readme, 'utf8');
    const [start, end] = ['<!-- bench:start -->\n', '<!-- bench:end -->'];
    const a = text.indexOf(start);
    const z = text.indexOf(end);
    if (a >= 0 && z > a) writeFileSync(readme, text.slice(0, a + start.length) + md.replaceAll('### ', '#### ').trim() + '\n' + text.slice(z));
    process.stderr.write('wrote benchmarks/results/latest.md and latest.json, and the README table\n');
  }
}

await main();
