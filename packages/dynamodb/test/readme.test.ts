// The `run-by` blocks of packages/dynamodb/README.md run as written against dynalite (in memory, on
// 127.0.0.1): the block reads DYNAMODB_ENDPOINT and the SDK's usual credential variables, which this
// test sets; the block is type-checked strictly first. The other blocks run in
// scripts/readme-examples.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../scripts/test-support/shared.js';
import { CREDENTIALS, startDynalite, type Dynalite } from './dynalite.js';

const README = readFileSync(join(REPO_ROOT, 'packages/dynamodb/README.md'), 'utf8');
const BLOCKS = [...README.matchAll(/```ts run-by: packages\/dynamodb\/test\/readme\.test\.ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
// Inside the package (so @aws-sdk/client-dynamodb resolves from its node_modules); .cache/ is ignored by git.
const DIR = join(REPO_ROOT, 'packages/dynamodb/.cache', `readme-${process.pid}`);

let server: Dynalite;
const saved = { ...process.env };

beforeAll(async () => {
  server = await startDynalite();
  mkdirSync(DIR, { recursive: true });
});

afterAll(async () => {
  process.env = saved;
  rmSync(DIR, { recursive: true, force: true });
  await server?.close();
});

describe('packages/dynamodb/README.md run-by blocks', () => {
  it('has the EncryptedTable / EncryptedClient example', () => expect(BLOCKS).toHaveLength(1));

  it('every block type-checks (strict, as the package itself)', () => {
    BLOCKS.forEach((code, i) => writeFileSync(join(DIR, `block-${i + 1}.ts`), `${code}\nexport {};\n`));
    writeFileSync(join(DIR, 'tsconfig.json'), JSON.stringify({ extends: join(REPO_ROOT, 'packages/dynamodb/tsconfig.json'), include: ['./*.ts'] }));
    try {
      execFileSync(join(REPO_ROOT, 'node_modules/.bin/tsc'), ['--noEmit', '-p', join(DIR, 'tsconfig.json')], { encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      throw new Error(`README run-by blocks do not type-check:\n${(e as { stdout?: string }).stdout ?? String(e)}`);
    }
  });

  BLOCKS.forEach((code, i) => {
    it(`block ${i + 1} runs against dynalite`, async () => {
      process.env.DYNAMODB_ENDPOINT = server.endpoint;
      process.env.AWS_ACCESS_KEY_ID = CREDENTIALS.accessKeyId;
      process.env.AWS_SECRET_ACCESS_KEY = CREDENTIALS.secretAccessKey;
      const file = join(DIR, `run-${i + 1}.ts`);
      writeFileSync(file, `${code}\nexport {};\n`);
      await import(/* @vite-ignore */ file);
      // The block's own checks threw if anything was off; the server now holds its table.
      const tables = await server.ddb.listTables({});
      expect(tables.TableNames).toContain('Customers');
      const raw = (await server.ddb.scan({ TableName: 'Customers' })).Items ?? [];
      expect(raw).toHaveLength(1);
      expect(raw[0]!.email!.B).toBeInstanceOf(Uint8Array);
    });
  });
});
