/** What the tests use of miniflare's Miniflare class. */
export interface MiniflareInstance {
  readonly ready: Promise<URL>;
  dispose(): Promise<void>;
}
export declare const RUNTIME_BIN: string;
export declare function ltsNodeBinary(major: 22 | 24): string;
export declare function loadMiniflare(): Promise<{ Miniflare: new (options: Record<string, unknown>) => MiniflareInstance }>;
/** What the tests use of playwright-core. */
export interface PlaywrightPage {
  on(event: 'pageerror', fn: (e: Error) => void): void;
  goto(url: string): Promise<unknown>;
  waitForFunction(fn: () => boolean, arg: null, options: { timeout: number }): Promise<unknown>;
  evaluate<T>(fn: () => T): Promise<T>;
}
export declare function loadPlaywright(): Promise<{
  chromium: { launch(options: Record<string, unknown>): Promise<{ newPage(): Promise<PlaywrightPage>; close(): Promise<void> }> };
}>;
