// Types of bundle-size.mjs (for benchmarks/ and the portability test).
export interface BundleSizeRow {
  name: string;
  what: string;
  /** Minified bytes, or null when the bundle could not be built. */
  minified: number | null;
  /** Minified + gzip -9 bytes, or null when the bundle could not be built. */
  gzipped: number | null;
  budget: number;
  ok: boolean;
  note: string;
}
export declare const BUNDLES: readonly { name: string; what: string; budget: number; needs: string[]; source: string; mustNotInclude?: string[] }[];
export declare function measure(source: string): Promise<{ minified: number; gzipped: number; inputs: string[] }>;
export declare function measureBundleSizes(): Promise<BundleSizeRow[]>;
export declare function bundleSizeTable(rows: readonly BundleSizeRow[]): string;
