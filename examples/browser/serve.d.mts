// Types of serve.mjs (for packages/cli/test/browser-example.test.ts).
import type { Server } from 'node:http';
/** The page's library (@fle-ts/client, fle's inspect and lint, bson's EJSON), one minified ESM file. */
export declare function bundleExampleLibrary(): Promise<string>;
/** Starts the example's server on 127.0.0.1 (`port` 0 = any free port); resolves once listening. */
export declare function serveExample(port?: number): Promise<Server>;
