// The README's session is real: its ```ts example runs as written, and the inspect and lint output
// it shows is what the binary prints (the key id replaced by this run's).
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../scripts/test-support/shared.js';
import { EJSON } from 'bson';
import { MongoClient } from 'mongodb';
import { startWireServer } from '../../mongodb-client-encryption/test/wire-server/server.js';
import { fle, fleAsync, fleJson, tempDir } from './run-fle.js';

const README = readFileSync(join(REPO_ROOT, 'packages/cli/README.md'), 'utf8');
const README_KEY_ID = 'bb383aa1-8086-4992-8328-fdb668ce6d30';

function blocks(lang: string): string[] {
  return [...README.matchAll(new RegExp('```' + lang + '[^\\n]*\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
}

/** The lines the README's session shows after `$ <command>`, up to the next `$ ` or `[exit` line. */
function shownOutput(command: string): string {
  const session = blocks('sh').find((b) => b.includes(`$ ${command}\n`))!;
  const after = session.slice(session.indexOf(`$ ${command}\n`) + command.length + 3);
  const lines: string[] = [];
  for (const line of after.split('\n')) {
    if (line.startsWith('$ ') || line.startsWith('[exit')) break;
    lines.push(line);
  }
  return `${lines.join('\n')}\n`;
}

describe('packages/cli/README.md', () => {
  it('the make-dump example runs as written; inspect and schema lint print what the session shows', () => {
    // The make-dump block (the one this test runs); the others run in scripts/readme-examples.test.ts.
    const ts = blocks('ts').filter((b) => b.startsWith('// make-dump.mts'));
    expect(ts).toHaveLength(1);
    const dir = tempDir();
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir'); // so '@fle-ts/client' and 'bson' resolve
    expect(fle(['keygen', 'master.key'], { cwd: dir }).status).toBe(0);
    const { id } = fleJson<{ id: string }>(['datakey', 'create', '--key-vault', 'keyvault.json', '--master-key', 'master.key', '--key-alt-name', 'patients', '--json'], { cwd: dir });
    writeFileSync(join(dir, 'make-dump.mts'), ts[0]!);
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    const made = spawnSync(process.execPath, ['--import', tsx, '--conditions=@fle-ts/source', 'make-dump.mts'], { cwd: dir, encoding: 'utf8' });
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);

    const command = 'fle inspect dump.ndjson --key-vault keyvault.json --master-key master.key';
    const inspected = fle(command.split(' ').slice(1), { cwd: dir });
    expect(inspected.status).toBe(0);
    expect(inspected.stdout).toBe(shownOutput(command).replaceAll(README_KEY_ID, id));

    const json = blocks('json');
    writeFileSync(join(dir, 'schema.json'), json[0]!);
    const linted = fle(['schema', 'lint', 'schema.json'], { cwd: dir });
    expect(linted.status).toBe(1);
    expect(linted.stdout).toBe(shownOutput('fle schema lint schema.json'));
  });

  it('the --uri session: every command, run against the test wire server, prints what the README shows', async () => {
    const session = blocks('sh').find((b) => b.includes('$ fle datakey create --uri '))!;
    const steps = session.split(/^\$ /m).slice(1).map((step) => {
      const [command, ...rest] = step.split('\n');
      return { command: command!, shown: rest.join('\n').trimEnd() };
    });
    expect(steps.length).toBeGreaterThanOrEqual(10);
    const SHOWN_URI = 'mongodb://127.0.0.1:27999';
    const server = await startWireServer();
    const dir = tempDir();
    // people.ndjson as the README describes it: three documents, the third without dob.
    writeFileSync(join(dir, 'people.ndjson'), [
      '{"_id":1,"name":"Ann","ssn":"555-01-0001","dob":{"$date":"1980-02-01T00:00:00Z"}}',
      '{"_id":2,"name":"Bo","ssn":"555-01-0002","dob":{"$date":"1991-07-15T00:00:00Z"}}',
      '{"_id":3,"name":"Cy","ssn":"555-01-0003"}',
    ].join('\n'));
    let keyId = '';
    let shownKeyId = '';
    try {
      for (const { command, shown } of steps) {
        let printed: string;
        if (command.startsWith('node load.mjs ')) {
          // What load.mjs does (the driver's insertMany), in this process.
          const client = await new MongoClient(server.uri).connect();
          const docs = readFileSync(join(dir, 'people.ndjson'), 'utf8').split('\n').map((l) => EJSON.parse(l) as Record<string, unknown>);
          await client.db('hr').collection('people').insertMany(docs);
          await client.close();
          printed = `inserted ${docs.length} documents into hr.people`;
        } else {
          const args = command.split(' ').slice(1).map((a) => (a === SHOWN_URI ? server.uri : a));
          const r = await fleAsync(args, { cwd: dir });
          printed = `${r.stdout}${r.stderr}${r.status ? `[exit ${r.status}]\n` : ''}`.trimEnd();
          if (command.startsWith('fle datakey create')) {
            keyId = r.stdout.trim();
            shownKeyId = shown.trim();
          }
        }
        // This run's key id and dates for the README's.
        const normalized = printed.replaceAll(keyId || '\0', shownKeyId).replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'DATE');
        expect(normalized, command).toBe(shown.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, 'DATE'));
      }
    } finally {
      await server.close();
    }
  }, 120_000);
});
