// dynalite (an in-memory DynamoDB-compatible server, npm) on 127.0.0.1 and a random port, and an
// AWS SDK v3 DynamoDB client pointed at it, for the EncryptedClient end-to-end tests.
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { DynamoDB } from '@aws-sdk/client-dynamodb';

// dynalite ships no types: its default export makes an http.Server (options: table state delays).
const dynalite = createRequire(import.meta.url)('dynalite') as (options: { createTableMs: number; deleteTableMs: number; updateTableMs: number }) => Server;

// The SDK warns once that its 2027 releases need Node 22; Node 20 is still in this project's range.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** Dummy credentials: dynalite does not check signatures. */
export const CREDENTIALS = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };
export const REGION = 'us-east-1';

export interface Dynalite {
  readonly endpoint: string;
  readonly ddb: DynamoDB;
  close(): Promise<void>;
}

/** Starts dynalite in memory (tables ACTIVE at once) and returns its endpoint and an SDK client. */
export async function startDynalite(): Promise<Dynalite> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ddb = new DynamoDB({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
  return {
    endpoint,
    ddb,
    close: async () => {
      ddb.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
