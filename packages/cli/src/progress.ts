/** Width of the progress bar, in characters. */
const BAR_WIDTH = 20;

/**
 * One progress line: documents and rate, and with a known input size a bar, the share read and
 * an ETA from the rate so far (`[#########...........]  45% 12000 documents, 40000 docs/s, ETA 1s`).
 */
export function formatProgress(documents: number, bytesRead: number, totalBytes: number | undefined, elapsedMs: number): string {
  const seconds = Math.max(elapsedMs / 1000, 0.001);
  const text = `${documents} documents, ${Math.round(documents / seconds)} docs/s`;
  if (!totalBytes) return text;
  const share = Math.min(bytesRead / totalBytes, 1);
  const eta = share > 0 ? (seconds / share) * (1 - share) : 0;
  const filled = Math.round(share * BAR_WIDTH);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${(share * 100).toFixed(0).padStart(3)}% ${text}, ETA ${Math.ceil(eta)}s`;
}
