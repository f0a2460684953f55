// Reading vitest's JSON report (--reporter=json) into the counts of the `N passed, N failed` line.
// A file that fails to load (an import or collect-time error) has status "failed" and no failed
// assertion: vitest counts it in numFailedTestSuites but not in numFailedTests, so count it here.

/**
 * `{ passed, failed, skipped, loadErrors }` from a vitest JSON report: `failed` is the failed
 * tests plus one per test file that failed without a failed test (load error, failing hook);
 * `loadErrors` lists those files with vitest's message.
 */
export function summarizeVitest(report) {
  const loadErrors = [];
  for (const file of report.testResults ?? []) {
    const failedTests = (file.assertionResults ?? []).filter((a) => a.status === 'failed').length;
    if (file.status === 'failed' && failedTests === 0) {
      loadErrors.push({ file: file.name, message: String(file.message ?? '').split('\n')[0] });
    }
  }
  return {
    passed: report.numPassedTests ?? 0,
    failed: (report.numFailedTests ?? 0) + loadErrors.length,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    loadErrors,
  };
}
