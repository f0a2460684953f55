/** What the tests use of miniflare's Miniflare class. */
export interface MiniflareInstance {
  readonly ready: Promise<URL>;
  dispose(): Promise<void>;
}
export declare function loadMiniflare(): Promise<{ Miniflare: new (options: Record<string, unknown>) => MiniflareInstance }>;
