// Types of test-summary.mjs (for its test).
export interface VitestSummary {
  passed: number;
  failed: number;
  skipped: number;
  loadErrors: { file: string; message: string }[];
}
export declare function summarizeVitest(report: unknown): VitestSummary;
