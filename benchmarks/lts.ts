// The suite's ratio rows under Node's LTS lines too (issue 18: users run newer V8s than this
// machine's Node 20): run.ts re-runs itself with `--ratios-only` under the node22 and node24
// binaries of @fle-ts/runtimes (scripts/runtimes/loaders.mjs) and prints their ratios beside
// its own. A missing binary is a printed notice and an empty column, never a silent skip.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import { ltsNodeBinary } from '../scripts/runtimes/loaders.mjs';

/** One ratio row: what is compared, the median of its per-round ratios, and the table text (`1.12x [1.05-1.20]`). */
export interface RatioRow {
  what: string;
  median: number | undefined;
  text: string;
}

/** The ratio rows of one run under another Node. */
export interface LtsRun {
  node: string;
  rows: RatioRow[];
  /** Why this Node did not run (binary missing, child failed). */
  skipped?: string;
}

/** Marks the child's result line on stdout. */
export const RATIOS_MARK = 'FLE_TS_RATIOS ';

/** Runs `script --ratios-only [...args]` under each LTS Node, one after the other (they would share the 2 cores otherwise). */
export async function runUnderLtsNodes(script: string, args: readonly string[], majors: readonly (22 | 24)[] = [22, 24]): Promise<LtsRun[]> {
  const runs: LtsRun[] = [];
  for (const major of majors) {
    const bin = ltsNodeBinary(major);
    if (!existsSync(bin)) {
      const skipped = `${bin} not found: run \`pnpm install --frozen-lockfile\` (it installs @fle-ts/runtimes)`;
      process.stderr.write(`Node ${major}: ${skipped}\n`);
      runs.push({ node: `Node ${major}`, rows: [], skipped });
      continue;
    }
    process.stderr.write(`ratio rows under Node ${major} (${bin})...\n`);
    try {
      runs.push(await child(bin, script, args));
    } catch (e) {
      const skipped = `the Node ${major} run failed: ${e instanceof Error ? e.message : String(e)}`;
      process.stderr.write(`${skipped}\n`);
      runs.push({ node: `Node ${major}`, rows: [], skipped });
    }
  }
  return runs;
}

function child(bin: string, script: string, args: readonly string[]): Promise<LtsRun> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['--import', 'tsx', '--conditions=@fle-ts/source', '--expose-gc', script, '--ratios-only', ...args], {
      cwd: dirname(script),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    p.on('error', reject);
    p.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith(RATIOS_MARK));
      if (code !== 0 || line === undefined) reject(new Error(`exit code ${String(code)}, no result line`));
      else resolve(JSON.parse(line.slice(RATIOS_MARK.length)) as LtsRun);
    });
  });
}

/** Markdown: one row per ratio of this run, with the LTS runs' medians and spreads as extra columns. */
export function ltsTable(thisNode: string, rows: readonly RatioRow[], runs: readonly LtsRun[]): string {
  const L: string[] = [];
  L.push(`| ratio (median of alternated rounds [lowest-highest]) | ${thisNode} (above) | ${runs.map((r) => r.node + (r.rows[0] ? '' : ' (not run)')).join(' | ')} |`);
  L.push(`| --- | ---: |${runs.map(() => ' ---: |').join('')}`);
  for (const row of rows) {
    L.push(`| ${row.what} | ${row.text} | ${runs.map((r) => r.rows.find((x) => x.what === row.what)?.text ?? '—').join(' | ')} |`);
  }
  const skipped = runs.filter((r) => r.skipped);
  if (skipped.length > 0) L.push('', ...skipped.map((r) => `${r.node} not run: ${r.skipped}`));
  return L.join('\n') + '\n';
}
