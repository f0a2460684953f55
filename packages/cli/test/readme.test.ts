// The README's session is real: its ```ts example runs as written, and the inspect and lint output
// it shows is what the binary prints (the key id replaced by this run's).
import { readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../../scripts/test-support/shared.js';
import { fle, fleJson, tempDir } from './run-fle.js';

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
    const ts = blocks('ts');
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
});
