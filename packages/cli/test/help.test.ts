import { describe, expect, it } from 'vitest';
import { HELP } from '@fle-ts/cli';
import { fle } from './run-fle.js';

// Every command and group, as typed, with the HELP entry it must print.
const COMMANDS: [string[], string][] = [
  [[], ''],
  [['keygen'], 'keygen'],
  [['datakey'], 'datakey'],
  [['datakey', 'create'], 'datakey create'],
  [['datakey', 'list'], 'datakey list'],
  [['datakey', 'alt-name'], 'datakey alt-name'],
  [['datakey', 'alt-name', 'add'], 'datakey alt-name'],
  [['datakey', 'rewrap'], 'datakey rewrap'],
  [['datakey', 'delete'], 'datakey delete'],
  [['inspect'], 'inspect'],
  [['encrypt'], 'encrypt'],
  [['decrypt'], 'decrypt'],
  [['schema'], 'schema'],
  [['schema', 'lint'], 'schema lint'],
  [['schema', 'infer'], 'schema infer'],
  [['migrate'], 'migrate'],
];

describe('fle --help', () => {
  it('every command prints its help on stdout with exit 0 (--help; -h for two), and each help lists the exit codes', () => {
    for (const [words, key] of COMMANDS) {
      for (const flag of key === '' || key === 'datakey rewrap' ? ['--help', '-h'] : ['--help']) {
        const r = fle([...words, flag]);
        expect({ words, flag, status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({ words, flag, status: 0, stdout: HELP[key], stderr: '' });
      }
      expect(HELP[key]).toContain('Exit codes: 0 ok, 1 findings');
      expect(HELP[key]).toMatch(/Usage: fle|Usage: fle <command>/);
    }
  });

  it('no command: the overview on stderr, exit 2; an unknown command or option: one line, exit 2', () => {
    const none = fle([]);
    expect([none.status, none.stdout, none.stderr]).toEqual([2, '', HELP['']]);
    const unknown = fle(['frob']);
    expect([unknown.status, unknown.stdout, unknown.stderr]).toEqual([2, '', "fle: unknown command 'frob'; run 'fle --help' [USAGE]\n"]);
    const group = fle(['datakey']);
    expect([group.status, group.stdout, group.stderr]).toEqual([2, '', HELP.datakey]);
    const option = fle(['keygen', 'k', '--force']);
    expect([option.status, option.stderr]).toEqual([2, "fle: Unknown option '--force'; run 'fle keygen --help' [USAGE]\n"]);
  });
});
