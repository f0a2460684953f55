// Types of matrix.mjs (for the portability test).
export interface CheckResult { name: string; ok: boolean; detail: string }
export interface RuntimeRun {
  label: string;
  runtime: string;
  results: CheckResult[];
  error?: string;
  example?: CheckResult;
  passed?: number;
  failed?: number;
  problems?: string[];
}
export declare function scoreRuns(settled: RuntimeRun[]): { passed: number; failed: number; checks: number };
export declare function runMatrix(options?: { log?: (line: string) => void }): Promise<{ runtimes: RuntimeRun[]; passed: number; failed: number; checks: number }>;
