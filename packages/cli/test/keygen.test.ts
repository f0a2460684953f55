import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeMasterKeyFile } from '@fle-ts/cli';
import { filesIn, fle, fleJson, tempDir } from './run-fle.js';

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

describe('fle keygen', () => {
  it('writes 96 random raw bytes with mode 0600; two keys differ', () => {
    const dir = tempDir();
    const a = fle(['keygen', 'a.key'], { cwd: dir });
    expect(a.status).toBe(0);
    expect(a.stdout).toBe('wrote a new 96-byte local master key (raw) to a.key, mode 0600\n');
    expect(fle(['keygen', 'b.key'], { cwd: dir }).status).toBe(0);
    const ka = readFileSync(join(dir, 'a.key'));
    const kb = readFileSync(join(dir, 'b.key'));
    expect(ka.length).toBe(96);
    expect(kb.length).toBe(96);
    expect(ka.equals(kb)).toBe(false);
    expect(mode(join(dir, 'a.key'))).toBe(0o600);
    expect(filesIn(dir)).toEqual(['a.key', 'b.key']); // no temporary file left
  });

  it('--base64 writes one line of 128 base64 characters (96 bytes), mode 0600; --json describes it', () => {
    const dir = tempDir();
    const out = fleJson(['keygen', '--base64', '--json', 'k.b64'], { cwd: dir });
    expect(out).toEqual({ path: 'k.b64', format: 'base64', bytes: 96, mode: '0600' });
    const text = readFileSync(join(dir, 'k.b64'), 'utf8');
    expect(text).toMatch(/^[A-Za-z0-9+/]{128}\n$/);
    expect(Buffer.from(text.trim(), 'base64').length).toBe(96);
    expect(mode(join(dir, 'k.b64'))).toBe(0o600);
    // The two forms read back to the same bytes (what every fle command does with --master-key).
    expect(Buffer.from(decodeMasterKeyFile(new Uint8Array(Buffer.from(text)), 'k.b64')).equals(Buffer.from(text.trim(), 'base64'))).toBe(true);
  });

  it('never overwrites: an existing file keeps its bytes, exit 5, a message naming the file', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'master.key'), 'precious');
    const r = fle(['keygen', 'master.key'], { cwd: dir });
    expect(r.status).toBe(5);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe("fle: master.key exists: fle never overwrites a key file; choose another name or remove it yourself [FILE_EXISTS]\n");
    expect(readFileSync(join(dir, 'master.key'), 'utf8')).toBe('precious');
    expect(filesIn(dir)).toEqual(['master.key']);
    // A second keygen over a key it made itself is refused the same way.
    expect(fle(['keygen', 'fresh.key'], { cwd: dir }).status).toBe(0);
    const before = readFileSync(join(dir, 'fresh.key'));
    expect(fle(['keygen', '--base64', 'fresh.key'], { cwd: dir }).status).toBe(5);
    expect(readFileSync(join(dir, 'fresh.key')).equals(before)).toBe(true);
  });

  it('a folder that does not exist: exit 5, nothing created; no argument: exit 2', () => {
    const dir = tempDir();
    const r = fle(['keygen', 'missing/k.key'], { cwd: dir });
    expect(r.status).toBe(5);
    expect(r.stderr).toMatch(/^fle: cannot create a file in missing: ENOENT \[WRITE_FAILED\]\n$/);
    expect(filesIn(dir)).toEqual([]);
    const u = fle(['keygen'], { cwd: dir });
    expect(u.status).toBe(2);
    expect(u.stderr).toBe("fle: give the file to create: fle keygen <file>; run 'fle keygen --help' [USAGE]\n");
  });
});

describe('decodeMasterKeyFile', () => {
  it('takes 96 raw bytes or 128 base64 characters, refuses anything else without echoing it', () => {
    const raw = new Uint8Array(96).fill(7);
    expect(decodeMasterKeyFile(raw, 'k')).toEqual(raw);
    expect(decodeMasterKeyFile(new Uint8Array(Buffer.from(`  ${Buffer.from(raw).toString('base64')}\r\n`)), 'k')).toEqual(raw);
    for (const bad of [new Uint8Array(95), new Uint8Array(97), new Uint8Array(Buffer.from('A'.repeat(127))), new Uint8Array(Buffer.from(`${'A'.repeat(127)}*`))]) {
      let err: unknown;
      try {
        decodeMasterKeyFile(bad, 'k');
      } catch (e) {
        err = e;
      }
      expect((err as { code?: string }).code).toBe('BAD_MASTER_KEY_FILE');
      expect((err as Error).message).toContain(`holds ${bad.length} bytes`);
      expect((err as Error).message).not.toContain('AAAA');
    }
  });
});
