// What the row modules (native-driver.ts, qe-range.ts, dynamodb.ts) take from run.ts: its
// alternated-rounds helper and formatting, passed in so there is one copy of each (run.ts runs its
// suite when imported, so the rows cannot import from it).

/** A named contender: one call = one timed round, giving ops/s (undefined = no number this round). */
export type Contender = [string, () => Promise<number | undefined>];

export interface BenchHarness {
  /** run.ts `alternate`: `n` rounds, contenders in turn, order reversed every other round. */
  alternate(n: number, contenders: Contender[]): Promise<Record<string, number[]>>;
  /** run.ts `oneRound`: ops/s of `fn` over one round's time. */
  oneRound(fn: () => unknown): Promise<number>;
  /** Seconds of one round (what `oneRound` spends), for contenders timed in another process. */
  roundSeconds: number;
  /** Rounds per comparison. */
  rounds: number;
  /** run.ts `roundRatio`: median of the per-round ratios a[i] / b[i] and their spread. */
  roundRatio(a: number[] | undefined, b: number[] | undefined): string;
  /** run.ts `fmt`: a number with thousands separators, '—' when undefined. */
  fmt(x: number | undefined, digits?: number): string;
  /** run.ts `median` of a non-empty list. */
  median(xs: number[]): number;
  /** Progress lines (stderr in `pnpm bench`). */
  log(line: string): void;
}

