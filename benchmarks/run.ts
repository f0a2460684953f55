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

async function timeTask(name: string, fn: () => unknown, ms = TASK_MS): Promise<number> {
  const bench = new Bench({ time: ms, warmupTime: WARM_MS, iterations: 5, warmupIterations: 2 });
  bench.add(name, fn as () => void);
  await bench.run();
  const r = bench.tasks[0]!.result;
  if (r.state !== 'completed') throw new Error(`${name}: ${r.state}`);
  return r.throughput.mean;
}

interface CoreRow {
  op: Op;
  size: number;
  ops: Record<string, number | undefined>;
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
      const row: CoreRow = { op, size, ops: {} };
      for (const [name, impl] of Object.entries(sync)) {
        const f = op === 'decrypt' ? () => keep(impl.decrypt(key, c, aad)) : () => keep(impl.encrypt(key, p, aad, op === 'encrypt random' ? 'random' : 'det'));
        row.ops[name] = await timeTask(`${name} ${op} ${size}`, f, size >= 1 << 20 ? 2 * TASK_MS : TASK_MS);
      }
      for (const [name, impl] of Object.entries(asyncs)) {
        // Below the native threshold the async methods are the sync path in a promise: not worth the seconds.
        if (name === 'fle-ts async' && size < 16384) continue;
        const f = op === 'decrypt' ? async () => keep(await impl.decrypt(key, c, aad)) : async () => keep(await impl.encrypt(key, p, aad, op === 'encrypt random' ? 'random' : 'det'));
        row.ops[name] = await timeTask(`${name} ${op} ${size}`, f, size >= 1 << 20 ? 2 * TASK_MS : TASK_MS);
      }
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
  for (const det of [true, false]) {
    const alg = det ? 'Deterministic' : 'Random';
    const blob = encryptValueLite(keys, keyId, s, det);
    if (decryptValueLite(keys, blob) !== s) throw new Error('lite value round trip failed');
    const enc = await timeTask(`value encrypt ${alg}`, () => keep(encryptValueLite(keys, keyId, s, det).buffer));
    const dec = await timeTask(`value decrypt ${alg}`, () => (sink ^= (decryptValueLite(keys, blob) as string).length));
    let ffEnc: number | undefined;
    let ffDec: number | undefined;
    if (ff) {
      const fullAlg = `AEAD_AES_256_CBC_HMAC_SHA_512-${alg}`;
      const theirs = ff.encryptValue(key, keyId, fullAlg, s);
      if (det && Buffer.compare(Buffer.from(theirs.buffer), Buffer.from(blob.buffer)) !== 0) throw new Error('fle-format and fle1-lite disagree');
      if (ff.decryptValue(key, theirs) !== s) throw new Error('fle-format round trip failed');
      ffEnc = await timeTask(`fle-format encrypt ${alg}`, () => keep(ff.encryptValue(key, keyId, fullAlg, s).buffer));
      ffDec = await timeTask(`fle-format decrypt ${alg}`, () => (sink ^= (ff.decryptValue(key, blob) as string).length));
    }
    let ceEnc: number | undefined;
    let ceDec: number | undefined;
    if (client) {
      const opts = { keyId: client.keyId, algorithm: `AEAD_AES_256_CBC_HMAC_SHA_512-${alg}` };
      const theirs = await client.ce.encrypt(s, opts);
      if ((await client.ce.decrypt(theirs)) !== s) throw new Error('ClientEncryption round trip failed');
      ceEnc = await timeTask(`ClientEncryption.encrypt ${alg}`, async () => keep((await client.ce.encrypt(s, opts)).buffer));
      ceDec = await timeTask(`ClientEncryption.decrypt ${alg}`, async () => (sink ^= ((await client.ce.decrypt(theirs)) as string).length));
    }
    const lmc = oracle?.bench(alg, 64, ROUND_S);
    rows.push({ what: `encrypt 64-byte string, ${alg}`, fleTs: enc, fleFormat: ffEnc, client: ceEnc, libmongocrypt: lmc?.encrypt_ops });
    rows.push({ what: `decrypt 64-byte string, ${alg}`, fleTs: dec, fleFormat: ffDec, client: ceDec, libmongocrypt: lmc?.decrypt_ops });
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
 * document repeatedly; one warm-up round, then ten rounds, median ops/s.
 */
async function rounds(fn: () => unknown): Promise<number[]> {
  const out: number[] = [];
  for (let round = 0; round < 11; round++) {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    do {
      await fn();
      n++;
      t = performance.now();
    } while (t - t0 < ROUND_S * 1000);
    if (round > 0) out.push((n * 1000) / (t - t0));
  }
  return out;
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
  const liteRounds = await rounds(() => keep(decryptBsonDocument(bytes, byId)));
  // AutoEncrypter: the BSON bytes as a driver receives them, deserialized and decrypted to JS values.
  let clientRounds: number[] | undefined;
  let clientBsonRounds: number[] | undefined;
  if (client) {
    const cdoc: Record<string, Binary> = {};
    for (let i = 1; i <= 1500; i++) {
      const n = String(i).padStart(4, '0');
      cdoc[`key${n}`] = await client.ce.encrypt(`value ${n}`, { keyId: client.keyId, algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' });
    }
    const cbytes = serialize(cdoc);
    const once = await client.auto.decryptDocument(deserialize(cbytes));
    if (Buffer.compare(Buffer.from(serialize(once)), Buffer.from(serialize(plainDoc))) !== 0) throw new Error('AutoEncrypter.decryptDocument gives the wrong document');
    clientRounds = await rounds(async () => (sink ^= Object.keys(await client.auto.decryptDocument(deserialize(cbytes))).length));
    // AutoEncrypter.decryptBson: BSON in, BSON out through the public API (key broker included), like libmongocrypt.
    if (Buffer.compare(Buffer.from(await client.auto.decryptBson(cbytes)), Buffer.from(serialize(plainDoc))) !== 0) throw new Error('AutoEncrypter.decryptBson gives the wrong document');
    clientBsonRounds = await rounds(async () => keep(await client.auto.decryptBson(cbytes)));
  }
  const lmcRounds = oracle?.bulk(ROUND_S);
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

function targets(core: CoreRow[], b: BulkResult, h: HeapResult): Target[] {
  const small = core.filter((r) => r.size <= 256);
  const minSmall = Math.min(...small.map((r) => r.ops['fle-ts']! / r.ops['node:crypto']!));
  const worst = small.find((r) => r.ops['fle-ts']! / r.ops['node:crypto']! === minSmall)!;
  const big = core.filter((r) => r.size === 1 << 20);
  const asyncRatios = big.map((r) => r.ops['fle-ts async']! / r.ops['node:crypto']!);
  const syncMB = Math.min(...big.map((r) => mbps(r.ops['fle-ts'], r.size)!));
  const out: Target[] = [
    {
      target: 'sync encrypt/decrypt 16-256 B >= 1.3x node:crypto',
      measured: `lowest ${minSmall.toFixed(2)}x (${worst.op}, ${sizeName(worst.size)})`,
      met: minSmall >= 1.3,
    },
  ];
  if (b.libmongocrypt !== undefined) {
    out.push({
      target: 'bulk decryption >= 1.0x libmongocrypt (median of 10 rounds)',
      measured: `decryptBsonDocument ${(b.fleTs / b.libmongocrypt).toFixed(2)}x (${fmt(b.fleTs, 1)} vs ${fmt(b.libmongocrypt, 1)} ops/s)${b.clientBson !== undefined ? `; AutoEncrypter.decryptBson ${(b.clientBson / b.libmongocrypt).toFixed(2)}x` : ''}${b.client !== undefined ? `; AutoEncrypter.decryptDocument ${(b.client / b.libmongocrypt).toFixed(2)}x` : ''}`,
      met: Math.max(b.fleTs, b.clientBson ?? 0, b.client ?? 0) >= b.libmongocrypt,
    });
  }
  out.push(
    { target: '1 MiB async >= 0.8x node:crypto MB/s', measured: `lowest ${Math.min(...asyncRatios).toFixed(2)}x (${big.map((r, i) => `${r.op} ${asyncRatios[i]!.toFixed(2)}x`).join(', ')})`, met: Math.min(...asyncRatios) >= 0.8 },
    { target: '1 MiB sync >= 100 MB/s', measured: `lowest ${syncMB.toFixed(1)} MB/s`, met: syncMB >= 100 },
    {
      target: 'heap flat over 100k encryptions',
      measured: `${h.beforeMiB.toFixed(1)} MiB before, ${h.afterMiB.toFixed(1)} MiB after${h.gc ? ' (after full GC)' : ' (no --expose-gc)'}`,
      met: h.afterMiB - h.beforeMiB < 1,
    },
  );
  return out;
}

function markdown(machine: string, check: string, core: CoreRow[], values: ValueRow[], b: BulkResult, h: HeapResult, parts: BreakdownRow[], t: Target[], bundles: readonly BundleSizeRow[]): string {
  const L: string[] = [];
  L.push(`Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${machine}; load average ${loadavg().map((x) => x.toFixed(2)).join(' / ')} (1/5/15 min) at the end of the run. The machine is shared: a load above ~0.5 besides the benchmark makes single numbers noisy.`, '');
  L.push(`Baselines verified before timing: ${check}.`, '');
  L.push('### AEAD (crypto-core), ops/s', '');
  L.push('| operation | size | fle-ts sync | MB/s | fle-ts async | MB/s | node:crypto | MB/s | WebCrypto | noble | sync ÷ node | sync ÷ WebCrypto | sync ÷ noble | async ÷ node |');
  L.push('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of core) {
    const o = r.ops;
    L.push(
      `| ${r.op} | ${sizeName(r.size)} | ${fmt(o['fle-ts'])} | ${fmt(mbps(o['fle-ts'], r.size), 1)} | ${fmt(o['fle-ts async'])} | ${fmt(mbps(o['fle-ts async'], r.size), 1)} | ${fmt(o['node:crypto'])} | ${fmt(mbps(o['node:crypto'], r.size), 1)} | ${fmt(o.WebCrypto)} | ${fmt(o.noble)} | ${ratio(o['fle-ts'], o['node:crypto'])} | ${ratio(o['fle-ts'], o.WebCrypto)} | ${ratio(o['fle-ts'], o.noble)} | ${ratio(o['fle-ts async'], o['node:crypto'])} |`,
    );
  }
  L.push('', 'fle-ts async = `AeadKey.encryptAsync`/`decryptAsync` (WebCrypto from 16 KiB on). noble = `cbc()` + `hmac()` composed per call, no caching.', '');
  L.push('### Value level, ops/s', '');
  L.push(
    'fle-ts three ways: `@fle-ts/client` `ClientEncryption.encrypt`/`decrypt` (MemoryKeyVault, local KMS, data key already cached, async API), `@fle-ts/fle-format` `encryptValue`/`decryptValue` (sync, key in hand), and the minimal FLE1 layer `benchmarks/fle1-lite.ts` over `AeadKey`. libmongocrypt: `mcoracle bench` (a fresh context per operation, as a driver does).',
    '',
  );
  L.push('| operation | ClientEncryption | fle-format | fle1-lite | libmongocrypt | ClientEncryption ÷ libmongocrypt | fle-format ÷ libmongocrypt |', '| --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const v of values) L.push(`| ${v.what} | ${fmt(v.client)} | ${fmt(v.fleFormat)} | ${fmt(v.fleTs)} | ${fmt(v.libmongocrypt)} | ${ratio(v.client, v.libmongocrypt)} | ${ratio(v.fleFormat, v.libmongocrypt)} |`);
  L.push('', '### Bulk decryption (specification benchmark: 1500 deterministic strings, whole document)', '');
  const best = (xs: number[] | undefined) => (xs ? Math.max(...xs) : undefined);
  L.push('| | median ops/s of 10 rounds | best round | rounds |', '| --- | ---: | ---: | --- |');
  L.push(`| fle-ts AutoEncrypter.decryptDocument (BSON deserialized, then decrypted; JS values out) | ${fmt(b.client, 1)} | ${fmt(best(b.clientRounds), 1)} | ${b.clientRounds?.map((x) => x.toFixed(0)).join(' ') ?? '@fle-ts/client not available'} |`);
  L.push(`| fle-ts AutoEncrypter.decryptBson (BSON in, BSON out, one pass like libmongocrypt; key broker included) | ${fmt(b.clientBson, 1)} | ${fmt(best(b.clientBsonRounds), 1)} | ${b.clientBsonRounds?.map((x) => x.toFixed(0)).join(' ') ?? '@fle-ts/client not available'} |`);
  L.push(`| fle-ts fle-format decryptBsonDocument, AeadKey in hand (the same pass without the key broker) | ${fmt(b.fleTs, 1)} | ${fmt(best(b.fleTsRounds), 1)} | ${b.fleTsRounds.map((x) => x.toFixed(0)).join(' ')} |`);
  L.push(`| libmongocrypt 1.7.2 (mcoracle bulk) | ${fmt(b.libmongocrypt, 1)} | ${fmt(best(b.libmongocryptRounds), 1)} | ${b.libmongocryptRounds?.map((x) => x.toFixed(0)).join(' ') ?? 'mcoracle not available'} |`);
  L.push(`| AutoEncrypter.decryptDocument ÷ libmongocrypt | ${ratio(b.client, b.libmongocrypt)} | ${ratio(best(b.clientRounds), best(b.libmongocryptRounds))} | |`);
  L.push(`| AutoEncrypter.decryptBson ÷ libmongocrypt | ${ratio(b.clientBson, b.libmongocrypt)} | ${ratio(best(b.clientBsonRounds), best(b.libmongocryptRounds))} | |`);
  L.push(`| decryptBsonDocument ÷ libmongocrypt | ${ratio(b.fleTs, b.libmongocrypt)} | ${ratio(best(b.fleTsRounds), best(b.libmongocryptRounds))} | ${b.crossChecked ? 'blobs byte-identical to libmongocrypt (checked on "value 0001")' : ''} |`);
  L.push('', '### Per-call cost, 64-byte value (fle-ts sync)', '');
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
  const h = heap();
  const parts = breakdown(QUICK);
  const t = targets(core, b, h);
  const bundles = await measureBundleSizes();
  const md = markdown(machine, check, core, values, b, h, parts, t, bundles);
  const json = { machine, date: new Date().toISOString(), quick: QUICK, baselinesVerified: check, cryptoCore: core, valueLevel: values, bulk: b, heap: h, breakdown: parts, targets: t, bundles, sink };
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
