// The SVG chart `pnpm bench` writes beside the README table (issue 18: "a reader sees a ratio
// faster than reads it"): fle-ts against each baseline by value size, the value level against
// libmongocrypt, and the bulk document. Hand-written SVG, no dependency; a pure function of the
// run's numbers, so `pnpm bench --chart` can redraw it from results/latest.json.

/** What the chart needs from one run (a subset of results/latest.json). */
export interface ChartInput {
  machine: string;
  date: string;
  cryptoCore: { op: string; size: number; ops: Record<string, number | undefined>; rounds: Record<string, number[]> }[];
  valueLevel: { what: string; client: number | undefined; fleFormat: number | undefined; libmongocrypt: number | undefined; rounds: Record<string, number[] | undefined> }[];
  bulk: { client: number | undefined; clientBson: number | undefined; fleTs: number; libmongocrypt: number | undefined; clientRounds?: number[]; clientBsonRounds?: number[]; fleTsRounds?: number[]; libmongocryptRounds?: number[] };
  /** Node 22/24 runs of the same ratio rows (run.ts `lts`), when they ran. */
  lts?: { node: string; rows: { what: string; median: number | undefined }[] }[];
}

const W = 980;
const PANEL_W = 300;
const PANEL_H = 220;
const COLORS = { node: '#1f77b4', webcrypto: '#ff7f0e', noble: '#2ca02c', async: '#9467bd', lmc: '#d62728', client: '#1f77b4', fleFormat: '#17becf', grey: '#888' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
/** Median of per-round ratios a[i]/b[i] (the table's rule), else the ratio of the medians. */
function ratio(a: number[] | undefined, b: number[] | undefined, am: number | undefined, bm: number | undefined): number | undefined {
  if (a && b && a.length > 0 && a.length === b.length) return median(a.map((x, i) => x / b[i]!));
  return am !== undefined && bm !== undefined && bm > 0 ? am / bm : undefined;
}
const sizeName = (n: number) => (n >= 1 << 20 ? `${n >> 20} MiB` : n >= 1024 ? `${n >> 10} KiB` : `${n} B`);

/** y position of ratio r on a log scale from lo to hi inside [top, top+h]. */
const logY = (r: number, lo: number, hi: number, top: number, h: number) => top + h - ((Math.log(r) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * h;

function aeadPanel(input: ChartInput, op: string, x0: number, y0: number): string {
  const rows = input.cryptoCore.filter((r) => r.op === op).sort((a, b) => a.size - b.size);
  const lo = 0.1;
  const hi = 32;
  const left = x0 + 38;
  const top = y0 + 24;
  const w = PANEL_W - 48;
  const h = PANEL_H - 60;
  const xs = (i: number) => left + (rows.length <= 1 ? w / 2 : (i * w) / (rows.length - 1));
  const out: string[] = [`<text x="${x0 + PANEL_W / 2}" y="${y0 + 14}" text-anchor="middle" font-weight="bold">${esc(op)}: fle-ts sync ÷ baseline</text>`];
  for (const t of [0.1, 0.25, 0.5, 1, 2, 4, 8, 16]) {
    const y = logY(t, lo, hi, top, h);
    out.push(`<line x1="${left}" x2="${left + w}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="${t === 1 ? '#000' : '#ddd'}" stroke-width="${t === 1 ? 1.2 : 0.6}"/>`);
    out.push(`<text x="${left - 4}" y="${(y + 3).toFixed(1)}" text-anchor="end" font-size="9">${t}x</text>`);
  }
  rows.forEach((r, i) => out.push(`<text x="${xs(i).toFixed(1)}" y="${top + h + 13}" text-anchor="middle" font-size="9">${sizeName(r.size)}</text>`));
  const series: [string, string, (r: (typeof rows)[number]) => number | undefined, boolean][] = [
    ['÷ node:crypto', COLORS.node, (r) => ratio(r.rounds['fle-ts'], r.rounds['node:crypto'], r.ops['fle-ts'], r.ops['node:crypto']), false],
    ['÷ WebCrypto', COLORS.webcrypto, (r) => ratio(undefined, undefined, r.ops['fle-ts'], r.ops.WebCrypto), false],
    ['÷ noble', COLORS.noble, (r) => ratio(undefined, undefined, r.ops['fle-ts'], r.ops.noble), false],
    ['async ÷ node:crypto', COLORS.async, (r) => ratio(r.rounds['fle-ts async'], r.rounds['node:crypto'], r.ops['fle-ts async'], r.ops['node:crypto']), true],
  ];
  for (const [, color, f, dashed] of series) {
    const pts = rows.map((r, i) => [xs(i), f(r)] as const).filter((p): p is readonly [number, number] => p[1] !== undefined && p[1] > 0);
    if (pts.length === 0) continue;
    const clamp = (v: number) => Math.min(hi, Math.max(lo, v));
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="1.8"${dashed ? ' stroke-dasharray="4 3"' : ''} points="${pts.map(([x, v]) => `${x.toFixed(1)},${logY(clamp(v), lo, hi, top, h).toFixed(1)}`).join(' ')}"/>`);
    for (const [x, v] of pts) out.push(`<circle cx="${x.toFixed(1)}" cy="${logY(clamp(v), lo, hi, top, h).toFixed(1)}" r="2.4" fill="${color}"><title>${v.toFixed(2)}x</title></circle>`);
  }
  return out.join('\n');
}

function hbar(label: string, v: number | undefined, max: number, x: number, y: number, w: number, color: string, text: string): string {
  const len = v === undefined ? 0 : Math.max(1, (v / max) * w);
  return [
    `<text x="${x - 6}" y="${y + 10}" text-anchor="end" font-size="10">${esc(label)}</text>`,
    `<rect x="${x}" y="${y}" width="${len.toFixed(1)}" height="13" fill="${color}"/>`,
    `<text x="${(x + len + 4).toFixed(1)}" y="${y + 10}" font-size="10">${esc(text)}</text>`,
  ].join('\n');
}

function valuePanel(input: ChartInput, x0: number, y0: number): string {
  const out: string[] = [`<text x="${x0 + 230}" y="${y0 + 14}" text-anchor="middle" font-weight="bold">64-byte string ÷ libmongocrypt (mcoracle bench)</text>`];
  const left = x0 + 200;
  const w = 200;
  const max = 1.6;
  const one = left + w / max;
  // The 1x line first, under the bars.
  out.push(`<line x1="${one.toFixed(1)}" x2="${one.toFixed(1)}" y1="${y0 + 22}" y2="${y0 + 26 + 36 * input.valueLevel.length}" stroke="#000" stroke-width="1"/>`);
  out.push(`<text x="${one.toFixed(1)}" y="${y0 + 36 + 36 * input.valueLevel.length}" text-anchor="middle" font-size="9">1x</text>`);
  let y = y0 + 26;
  for (const v of input.valueLevel) {
    const ce = ratio(v.rounds.client, v.rounds.libmongocrypt, v.client, v.libmongocrypt);
    const ff = ratio(v.rounds.fleFormat, v.rounds.libmongocrypt, v.fleFormat, v.libmongocrypt);
    const name = v.what.replace('64-byte string, ', '');
    out.push(hbar(`${name}: ClientEncryption`, ce === undefined ? undefined : Math.min(ce, max), max, left, y, w, COLORS.client, ce === undefined ? 'no libmongocrypt' : `${ce.toFixed(2)}x`));
    out.push(hbar('fle-format sync', ff === undefined ? undefined : Math.min(ff, max), max, left, y + 15, w, COLORS.fleFormat, ff === undefined ? '' : `${ff.toFixed(2)}x`));
    y += 36;
  }
  return out.join('\n');
}

function bulkPanel(input: ChartInput, x0: number, y0: number): string {
  const b = input.bulk;
  const out: string[] = [`<text x="${x0 + 230}" y="${y0 + 14}" text-anchor="middle" font-weight="bold">Spec bulk document (1500 fields), documents/s</text>`];
  const entries: [string, number | undefined, string][] = [
    ['AutoEncrypter.decryptDocument', b.client, COLORS.client],
    ['AutoEncrypter.decryptBson', b.clientBson, COLORS.client],
    ['fle-format decryptBsonDocument', b.fleTs, COLORS.fleFormat],
    ['libmongocrypt (mcoracle bulk)', b.libmongocrypt, COLORS.lmc],
  ];
  const max = Math.max(...entries.map((e) => e[1] ?? 0), 1) * 1.15;
  let y = y0 + 26;
  for (const [label, v, color] of entries) {
    const vsLmc = v !== undefined && b.libmongocrypt !== undefined && label.startsWith('lib') === false ? ` (${(v / b.libmongocrypt).toFixed(2)}x)` : '';
    out.push(hbar(label, v, max, x0 + 200, y, 200, color, v === undefined ? 'not run' : `${v.toFixed(0)}${vsLmc}`));
    y += 22;
  }
  return out.join('\n');
}

function ltsPanel(input: ChartInput, x0: number, y0: number): string {
  if (!input.lts || input.lts.length === 0) return '';
  const out: string[] = [`<text x="${x0}" y="${y0 + 12}" font-size="10" fill="#444">Under other Node versions (same ratio rows, own alternated rounds; medians):</text>`];
  let x = x0;
  for (const run of input.lts) {
    const pick = (prefix: string) => run.rows.filter((r) => r.what.startsWith(prefix) && r.median !== undefined).map((r) => r.median!);
    const core = pick('crypto-core sync');
    const bulk = run.rows.find((r) => r.what.includes('decryptBson ÷'))?.median;
    const ce = pick('ClientEncryption');
    const parts = [
      core.length ? `crypto-core sync ÷ node ${Math.min(...core).toFixed(2)}-${Math.max(...core).toFixed(2)}x` : undefined,
      ce.length ? `ClientEncryption ÷ lmc ${Math.min(...ce).toFixed(2)}-${Math.max(...ce).toFixed(2)}x` : undefined,
      bulk !== undefined ? `bulk decryptBson ÷ lmc ${bulk.toFixed(2)}x` : undefined,
    ].filter(Boolean);
    out.push(`<text x="${x}" y="${y0 + 28}" font-size="10">${esc(run.node)}: ${esc(parts.join('; ') || 'no rows')}</text>`);
    y0 += 14;
  }
  return out.join('\n');
}

/** The chart as an SVG document. */
export function benchChart(input: ChartInput): string {
  const ops = [...new Set(input.cryptoCore.map((r) => r.op))];
  const h = 40 + PANEL_H + 200 + (input.lts?.length ? 30 + 14 * input.lts.length : 0);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${h}" fill="#fff"/>`,
    `<text x="10" y="18" font-size="13" font-weight="bold">fle-ts pnpm bench, ${esc(input.date.slice(0, 16).replace('T', ' '))} UTC</text>`,
    `<text x="10" y="32" font-size="10" fill="#444">${esc(input.machine)}. Above 1x fle-ts is faster. Ratios are medians of alternated rounds (log scale).</text>`,
  ];
  ops.forEach((op, i) => parts.push(aeadPanel(input, op, 10 + i * (PANEL_W + 18), 40)));
  const legendY = 40 + PANEL_H - 6;
  const legend: [string, string, boolean][] = [['÷ node:crypto (per call)', COLORS.node, false], ['÷ WebCrypto', COLORS.webcrypto, false], ['÷ noble (per call)', COLORS.noble, false], ['async (WebCrypto from 16 KiB) ÷ node:crypto', COLORS.async, true]];
  legend.forEach(([name, color, dashed], i) => {
    const x = 40 + i * 215;
    parts.push(`<line x1="${x}" x2="${x + 22}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"${dashed ? ' stroke-dasharray="4 3"' : ''}/><text x="${x + 26}" y="${legendY + 3}" font-size="10">${esc(name)}</text>`);
  });
  parts.push(valuePanel(input, 10, 40 + PANEL_H + 10));
  parts.push(bulkPanel(input, 500, 40 + PANEL_H + 10));
  parts.push(ltsPanel(input, 10, 40 + PANEL_H + 190));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
