// Issue 15's benchmark row: one Queryable Encryption range insert payload (FLE2InsertUpdatePayloadV2
// with one token set per edge) per value, int32, int64, double and decimal128, with and without
// precision where it applies. fle-ts two ways (ClientEncryption.encrypt with algorithm 'Range',
// and @fle-ts/qe's encryptQe with the key in hand) against libmongocrypt 1.20.2 two ways: in
// process through the official driver + native addon when it builds (native-driver.ts), and
// through qeoracle (../shared/tools/qeoracle), which has no timing mode and runs one operation
// per process: its column is the per-invocation time of a Range encryption minus that of an
// Unindexed encryption of the same value (same process start, key vault and KMS unwrap).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Binary, Decimal128, Double, EJSON, Int32, Long, serialize } from 'bson';
import { encryptQe, keyLookupFrom } from '@fle-ts/qe';
import { QEORACLE } from '../scripts/test-support/qeoracle-path.js';
import type { BenchHarness, Contender } from './harness.js';
import { fleTsSide, openNativeDriver, type FleTsSide, type NativeDriver } from './native-driver.js';

/** One benchmark case: a value and the field's rangeOptions (driver types). */
export interface RangeCase {
  readonly type: string;
  readonly value: unknown;
  readonly rangeOptions: Record<string, unknown>;
}

const sparsity = Long.fromNumber(2); // the default, explicit so every side is handed the same options

/** The rows of the table: full domains for the integers, the whole double/decimal line without precision. */
export const RANGE_CASES: readonly RangeCase[] = [
  { type: 'int32', value: new Int32(123456), rangeOptions: { min: new Int32(-2147483648), max: new Int32(2147483647), sparsity } },
  { type: 'int64', value: Long.fromString('1234567890123'), rangeOptions: { min: Long.MIN_VALUE, max: Long.MAX_VALUE, sparsity } },
  { type: 'double', value: new Double(1234.5678), rangeOptions: { sparsity } },
  { type: 'double, precision 2', value: new Double(1234.56), rangeOptions: { min: new Double(-1e6), max: new Double(1e6), precision: new Int32(2), sparsity } },
  { type: 'decimal128', value: Decimal128.fromString('1234.5678'), rangeOptions: { sparsity } },
  { type: 'decimal128, precision 2', value: Decimal128.fromString('1234.56'), rangeOptions: { min: Decimal128.fromString('-1000000'), max: Decimal128.fromString('1000000'), precision: new Int32(2), sparsity } },
];

/** One row: payloads per second of each contender (medians) and their rounds. */
export interface RangeRow {
  readonly type: string;
  /** Bytes of one insert payload: fle-ts and libmongocrypt (qeoracle) must agree. */
  readonly payloadBytes: number;
  readonly libmongocryptPayloadBytes: number | undefined;
  readonly rounds: Record<'clientEncryption' | 'qe' | 'driver' | 'qeoracle', number[] | undefined>;
  /** qeoracle: median milliseconds per invocation, Range and the Unindexed baseline. */
  readonly qeoracleMs: { readonly range: number; readonly baseline: number } | undefined;
}

export type RangeResult = { readonly rows: RangeRow[]; readonly driver: string | undefined; readonly notes: string[] };

const canonical = (x: unknown): string => EJSON.stringify(x, { relaxed: false });
const bytesOf = (b: Binary) => b.buffer.subarray(0, b.position);
const sameValue = (a: unknown, b: unknown) => Buffer.compare(Buffer.from(serialize({ v: a })), Buffer.from(serialize({ v: b }))) === 0;

/** qeoracle over the one data key of `fle` (its EJSON in a key vault file), or why not. */
class QeOracle {
  readonly #args: string[];
  constructor(readonly bin: string, fle: FleTsSide) {
    const kv = join(mkdtempSync(join(tmpdir(), 'fle-bench-qe-')), 'kv.json');
    writeFileSync(kv, canonical([fle.keyDoc]));
    this.#args = ['--keyvault', kv, '--local-key-b64', Buffer.from(fle.masterKey).toString('base64')];
  }

  #run(args: string[]): string {
    const r = spawnSync(this.bin, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`qeoracle ${args[0]} failed (${r.status}): ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Argument lists of one Range insert and one Unindexed encryption of the same value. */
  encryptArgs(c: RangeCase, keyId: Binary): { range: string[]; baseline: string[] } {
    const id = Buffer.from(keyId.buffer).toString('base64');
    const value = canonical({ v: c.value }).replace(/^\{"v":/, '').replace(/\}$/, '');
    return {
      range: ['encrypt', ...this.#args, '--algorithm', 'Range', '--key-id', id, '--contention', '0', '--range-opts', canonical(c.rangeOptions), '--value', value],
      baseline: ['encrypt', ...this.#args, '--algorithm', 'Unindexed', '--key-id', id, '--value', value],
    };
  }

  encrypt(args: string[]): Uint8Array {
    return new Uint8Array(Buffer.from(this.#run(args), 'base64'));
  }

  /** Milliseconds of one invocation (spawn to exit). */
  time(args: string[]): number {
    const t0 = performance.now();
    const r = spawnSync(this.bin, args, { stdio: 'ignore' });
    const t = performance.now() - t0;
    if (r.status !== 0) throw new Error(`qeoracle failed (${r.status}) while timed`);
    return t;
  }

  decrypt(payload: Uint8Array): unknown {
    const out = this.#run(['decrypt', ...this.#args, '--payload', Buffer.from(payload).toString('base64')]);
    return (EJSON.parse(`{"v":${out}}`, { relaxed: false }) as { v: unknown }).v;
  }
}

/**
 * Times one range insert payload per value for each case (default {@link RANGE_CASES}), every
 * contender in alternated rounds. Before timing, each case is cross-checked: fle-ts's payload
 * decrypts to the value in libmongocrypt (qeoracle and/or the driver) and in fle-ts, theirs
 * decrypts in fle-ts, and both payloads have the same length (the same number of edges).
 */
export async function qeRangeRows(h: BenchHarness, cases: readonly RangeCase[] = RANGE_CASES, o: { build?: boolean } = {}): Promise<RangeResult> {
  const fle = await fleTsSide();
  const notes: string[] = [];
  const keys = keyLookupFrom([[fle.keyId.buffer, fle.material]]);
  const oracle = QEORACLE ? new QeOracle(QEORACLE, fle) : undefined;
  if (!oracle) notes.push('qeoracle not built (../shared/tools/qeoracle/build.sh, or FLE_QEORACLE): its column is empty');
  let driver: NativeDriver | undefined;
  const opened = await openNativeDriver(fle.masterKey, [fle.keyDoc], { log: h.log, build: o.build !== false });
  if (opened.ok) driver = opened.driver;
  else notes.push(`official driver + native addon not measured: ${opened.why}`);
  const rows: RangeRow[] = [];
  try {
    for (const c of cases) {
      const opts = { algorithm: 'Range', keyId: fle.keyId, contentionFactor: 0, rangeOptions: c.rangeOptions };
      const mine = await fle.ce.encrypt(c.value, opts);
      const direct = encryptQe(c.value, { algorithm: 'Range', keyId: fle.keyId, contentionFactor: 0, rangeOptions: c.rangeOptions }, { keys });
      if (bytesOf(mine)[0] !== 11 || bytesOf(direct).length !== bytesOf(mine).length) throw new Error(`${c.type}: not a range insert payload of the expected length`);
      for (const p of [mine, direct]) if (!sameValue(await fle.ce.decrypt(p), c.value)) throw new Error(`${c.type}: fle-ts does not decrypt its own payload`);
      let theirLength: number | undefined;
      let qeArgs: { range: string[]; baseline: string[] } | undefined;
      if (oracle) {
        qeArgs = oracle.encryptArgs(c, fle.keyId);
        const theirs = oracle.encrypt(qeArgs.range);
        theirLength = theirs.length;
        if (theirs.length !== bytesOf(mine).length) throw new Error(`${c.type}: libmongocrypt's payload is ${theirs.length} bytes, fle-ts's ${bytesOf(mine).length}`);
        if (!sameValue(oracle.decrypt(bytesOf(mine)), c.value)) throw new Error(`${c.type}: libmongocrypt does not decrypt fle-ts's payload to the value`);
        if (!sameValue(await fle.ce.decrypt(new Binary(theirs, 6)), c.value)) throw new Error(`${c.type}: fle-ts does not decrypt libmongocrypt's payload to the value`);
      }
      if (driver) {
        const theirs = await driver.ce.encrypt(c.value, opts);
        if (!sameValue(await fle.ce.decrypt(theirs), c.value)) throw new Error(`${c.type}: fle-ts does not decrypt the driver's payload to the value`);
        // The driver deserializes with promoteLongs/promoteValues: an int64 comes back as a JS number.
        if (String(await driver.ce.decrypt(mine)) !== String(c.value)) throw new Error(`${c.type}: the driver does not decrypt fle-ts's payload to the value`);
      }
      const times = { range: [] as number[], baseline: [] as number[] };
      const contenders: Contender[] = [
        ['clientEncryption', () => h.oneRound(() => fle.ce.encrypt(c.value, opts))],
        ['qe', () => h.oneRound(() => encryptQe(c.value, { algorithm: 'Range', keyId: fle.keyId, contentionFactor: 0, rangeOptions: c.rangeOptions }, { keys }))],
      ];
      const d = driver;
      if (d) contenders.push(['driver', () => h.oneRound(() => d.ce.encrypt(c.value, opts))]);
      if (oracle && qeArgs) {
        const a = qeArgs;
        // One round: pairs of invocations (Range, then the Unindexed baseline) for the round's time;
        // the round's number is 1 / (median Range ms - median baseline ms), undefined when not positive.
        contenders.push(['qeoracle', async () => {
          const range: number[] = [];
          const baseline: number[] = [];
          await h.oneRound(() => {
            range.push(oracle.time(a.range));
            baseline.push(oracle.time(a.baseline));
          });
          times.range.push(...range);
          times.baseline.push(...baseline);
          const diff = h.median(range) - h.median(baseline);
          return diff > 0 ? 1000 / diff : undefined;
        }]);
      }
      // A warm-up round for each in-process contender (the JIT), as run.ts's bulk does; qeoracle needs none.
      for (const [name, run] of contenders) if (name !== 'qeoracle') await run();
      const r = await h.alternate(h.rounds, contenders);
      rows.push({
        type: c.type,
        payloadBytes: bytesOf(mine).length,
        libmongocryptPayloadBytes: theirLength,
        rounds: { clientEncryption: r.clientEncryption, qe: r.qe, driver: r.driver, qeoracle: r.qeoracle },
        qeoracleMs: times.range.length > 0 ? { range: h.median(times.range), baseline: h.median(times.baseline) } : undefined,
      });
      h.log(`  range insert ${c.type}: ${bytesOf(mine).length} B payload`);
    }
  } finally {
    await driver?.close();
  }
  return { rows, driver: driver?.versions, notes };
}

/** The Markdown section. */
export function qeRangeMarkdown(h: BenchHarness, r: RangeResult): string[] {
  const m = (xs: number[] | undefined) => (xs && xs.length > 0 ? h.median(xs) : undefined);
  const L = ['### Queryable Encryption: range insert payload per value, payloads/s', ''];
  L.push(
    `One \`encrypt(value, { algorithm: 'Range', contentionFactor: 0, rangeOptions })\` per call (sparsity 2, default trimFactor; integers over their whole domain, double/decimal128 without precision over the whole line, with precision 2 over [-1e6, 1e6]). fle-ts: \`ClientEncryption.encrypt\` (key cached) and \`@fle-ts/qe\` \`encryptQe\` (sync, key in hand). libmongocrypt 1.20.2 in process: ${r.driver ? `the official driver's \`ClientEncryption.encrypt\` (${r.driver})` : 'not measured (no native addon)'}. qeoracle has no timing mode and runs one operation per process, so its column is 1 / (median wall time of a \`qeoracle encrypt --algorithm Range\` invocation − median of an \`--algorithm Unindexed\` invocation of the same value), the two interleaved: process start, key vault, KMS unwrap and context set-up cancel out, the Unindexed value's own encryption (one AES-CTR + HMAC, microseconds) is subtracted too; against milliseconds of process start its resolution is coarse, so read it as an order of magnitude. Before timing, each side decrypted the other's payload and both payloads had the same length.`,
    '',
    '| type | payload bytes | ClientEncryption | @fle-ts/qe | driver + addon | qeoracle (Range − Unindexed) | qeoracle ms per invocation (Range / Unindexed) | ClientEncryption ÷ driver | @fle-ts/qe ÷ driver |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |',
  );
  for (const x of r.rows) {
    const q = x.qeoracleMs ? `${x.qeoracleMs.range.toFixed(2)} / ${x.qeoracleMs.baseline.toFixed(2)}` : '—';
    L.push(
      `| ${x.type} | ${x.payloadBytes.toLocaleString('en-US')}${x.libmongocryptPayloadBytes === undefined ? '' : ' (same in libmongocrypt)'} | ${h.fmt(m(x.rounds.clientEncryption))} | ${h.fmt(m(x.rounds.qe))} | ${h.fmt(m(x.rounds.driver))} | ${h.fmt(m(x.rounds.qeoracle))} | ${q} | ${h.roundRatio(x.rounds.clientEncryption, x.rounds.driver)} | ${h.roundRatio(x.rounds.qe, x.rounds.driver)} |`,
    );
  }
  L.push('', `${h.rounds} alternated rounds; payloads/s are medians, ratios the median of the per-round ratios [lowest-highest round]. A qeoracle round whose Range invocations were not slower than the baseline gives no number.`);
  for (const n of r.notes) L.push('', `Note: ${n}.`);
  L.push('');
  return L;
}
