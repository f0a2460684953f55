import { cpSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ClientEncryption } from '@fle-ts/client';
import { FileKeyVault } from '@fle-ts/client/node';
import { fle, fleJson, tempDir } from './run-fle.js';

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface KeySummary {
  id: string;
  keyAltNames: string[];
  provider: string;
  creationDate: string;
  updateDate: string;
  status: number;
}

let template: { dir: string; alice: KeySummary; bob: KeySummary };

// Made once with the binary (keygen, datakey create), then copied for each test: fewer spawns.
beforeAll(() => {
  const dir = tempDir(true);
  expect(fle(['keygen', 'old.key'], { cwd: dir }).status).toBe(0);
  expect(fle(['keygen', '--base64', 'new.key'], { cwd: dir }).status).toBe(0);
  const alice = fleJson<KeySummary>(['datakey', 'create', '--key-vault', 'kv.json', '--master-key', 'old.key', '--key-alt-name', 'alice', '--key-alt-name', 'a2', '--json'], { cwd: dir });
  const bob = fleJson<KeySummary>(['datakey', 'create', '--key-vault', 'kv.json', '--master-key', 'old.key', '--key-alt-name', 'bob', '--json'], { cwd: dir });
  template = { dir, alice, bob };
});

/** A copy of the template folder: master keys `old.key` (raw) and `new.key` (base64), a vault with keys alice, bob. */
function setup(): { dir: string; alice: KeySummary; bob: KeySummary } {
  const dir = tempDir();
  cpSync(template.dir, dir, { recursive: true });
  return { dir, alice: template.alice, bob: template.bob };
}

/** ClientEncryption over the vault file, the master key passed as the Node driver takes it. */
function driverLike(dir: string, keyFile: 'old.key' | 'new.key'): ClientEncryption {
  const content = readFileSync(join(dir, keyFile));
  // raw: the Buffer from fs.readFileSync; base64: the string (LocalKMSProviderConfiguration.key).
  const key = keyFile === 'old.key' ? content : content.toString('utf8').trim();
  return new ClientEncryption({ keyVault: new FileKeyVault(join(dir, 'kv.json')), kmsProviders: { local: { key } } });
}

describe('fle datakey on a key vault file', () => {
  it('create prints the key (--json) and list shows exactly the created keys; the keys work in ClientEncryption', async () => {
    const { dir, alice, bob } = setup();
    expect(alice.id).toMatch(UUID);
    expect(alice).toEqual({ id: alice.id, keyAltNames: ['alice', 'a2'], provider: 'local', creationDate: alice.creationDate, updateDate: alice.creationDate, status: 0 });
    expect(bob.keyAltNames).toEqual(['bob']);
    expect(fleJson(['datakey', 'list', '--key-vault', 'kv.json', '--json'], { cwd: dir })).toEqual([alice, bob]);
    const text = fle(['datakey', 'list', '--key-vault', 'kv.json'], { cwd: dir });
    expect(text.stdout).toBe(`${alice.id}  local  ${alice.creationDate}  alice,a2\n${bob.id}  local  ${bob.creationDate}  bob\n`);
    // Without --json, create prints the id alone (for $(...) in scripts).
    const plain = fle(['datakey', 'create', '--key-vault', 'kv.json', '--master-key', 'old.key'], { cwd: dir });
    expect(plain.stdout).toMatch(new RegExp(`^${UUID.source.slice(1, -1)}\\n$`));
    const ce = driverLike(dir, 'old.key');
    const blob = await ce.encrypt('123-45-6789', { keyAltName: 'alice', algorithm: DET });
    expect(Buffer.from(blob.buffer.subarray(1, 17)).toString('hex')).toBe(alice.id.replace(/-/g, ''));
    expect(await ce.decrypt(blob)).toBe('123-45-6789');
    // Nothing in any output holds key bytes: the vault file's keyMaterial never shows.
    const material = JSON.parse(readFileSync(join(dir, 'kv.json'), 'utf8'))[0].keyMaterial.$binary.base64 as string;
    expect(text.stdout + plain.stdout).not.toContain(material.slice(0, 20));
  });

  it('alt-name add / remove; a duplicate alt name is refused (exit 4) and the file is unchanged', () => {
    const { dir, alice, bob } = setup();
    const added = fleJson<{ key: KeySummary; changed: boolean }>(['datakey', 'alt-name', 'add', '--id', alice.id, 'ops', '--key-vault', 'kv.json', '--json'], { cwd: dir });
    expect(added).toEqual({ key: { ...alice, keyAltNames: ['alice', 'a2', 'ops'] }, changed: true });
    const before = readFileSync(join(dir, 'kv.json'), 'utf8');
    const dup = fle(['datakey', 'alt-name', 'add', '--key-alt-name', 'bob', 'alice', '--key-vault', 'kv.json'], { cwd: dir });
    expect(dup.status).toBe(4);
    expect(dup.stderr).toMatch(/alice.*\[DUPLICATE_KEY_ALT_NAME\]\n$/);
    expect(readFileSync(join(dir, 'kv.json'), 'utf8')).toBe(before);
    const removed = fleJson<{ key: KeySummary; changed: boolean }>(['datakey', 'alt-name', 'remove', '--key-alt-name', 'ops', 'a2', '--key-vault', 'kv.json', '--json'], { cwd: dir });
    expect(removed).toEqual({ key: { ...alice, keyAltNames: ['alice', 'ops'] }, changed: true });
    const again = fle(['datakey', 'alt-name', 'remove', '--id', bob.id.replace(/-/g, ''), 'nope', '--key-vault', 'kv.json'], { cwd: dir });
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(`unchanged: ${bob.id}  local  ${bob.creationDate}  bob\n`);
    const missing = fle(['datakey', 'alt-name', 'add', '--key-alt-name', 'carol', 'x', '--key-vault', 'kv.json'], { cwd: dir });
    expect(missing.status).toBe(4);
    expect(missing.stderr).toBe("fle: no data key with key alt name 'carol' in the key vault [KEY_NOT_FOUND]\n");
  });

  it('rewrap moves every key to the new master key: values encrypted before still decrypt, the old key no longer unwraps', async () => {
    const { dir, alice, bob } = setup();
    const blob = await driverLike(dir, 'old.key').encrypt('before rotation', { keyAltName: 'bob', algorithm: DET });
    const r = fleJson<{ rewrapped: number; keyIds: string[] }>(['datakey', 'rewrap', '--key-vault', 'kv.json', '--master-key', 'old.key', '--new-master-key', 'new.key', '--json'], { cwd: dir });
    expect(r).toEqual({ rewrapped: 2, keyIds: [alice.id, bob.id] });
    expect(await driverLike(dir, 'new.key').decrypt(blob)).toBe('before rotation');
    await expect(driverLike(dir, 'old.key').decrypt(blob)).rejects.toMatchObject({ code: 'UNWRAP_FAILED' });
    const listed = fleJson<KeySummary[]>(['datakey', 'list', '--key-vault', 'kv.json', '--json'], { cwd: dir });
    expect(listed.map((k) => [k.id, k.provider, k.creationDate])).toEqual([[alice.id, 'local', alice.creationDate], [bob.id, 'local', bob.creationDate]]);
    expect(listed.every((k) => k.updateDate > k.creationDate)).toBe(true);
  });

  it('rewrap with the wrong master key writes nothing (exit 4) and prints no key bytes', () => {
    const { dir } = setup();
    const before = readFileSync(join(dir, 'kv.json'), 'utf8');
    const r = fle(['datakey', 'rewrap', '--key-vault', 'kv.json', '--master-key', 'new.key', '--new-master-key', 'old.key'], { cwd: dir });
    expect(r.status).toBe(4);
    expect(r.stderr).toBe("fle: cannot unwrap data key with provider 'local': the tag does not match: wrong master key, or the keyMaterial was changed [UNWRAP_FAILED]\n");
    expect(readFileSync(join(dir, 'kv.json'), 'utf8')).toBe(before);
    const keys = [readFileSync(join(dir, 'old.key')), Buffer.from(readFileSync(join(dir, 'new.key'), 'utf8').trim(), 'base64')];
    for (const k of keys) for (const enc of ['hex', 'base64'] as const) expect(r.stderr + r.stdout).not.toContain(k.toString(enc).slice(0, 16));
  });

  it('rewrap of one key by --key-alt-name leaves the others alone', async () => {
    const { dir, bob } = setup();
    const r = fleJson<{ rewrapped: number; keyIds: string[] }>(['datakey', 'rewrap', '--key-vault', 'kv.json', '--master-key', 'old.key', '--new-master-key', 'new.key', '--key-alt-name', 'bob', '--json'], { cwd: dir });
    expect(r).toEqual({ rewrapped: 1, keyIds: [bob.id] });
    const blobA = await driverLike(dir, 'old.key').encrypt('a', { keyAltName: 'alice', algorithm: DET });
    expect(await driverLike(dir, 'old.key').decrypt(blobA)).toBe('a');
    const blobB = await driverLike(dir, 'new.key').encrypt('b', { keyAltName: 'bob', algorithm: DET });
    expect(await driverLike(dir, 'new.key').decrypt(blobB)).toBe('b');
  });

  it('delete needs --yes (exit 2, nothing deleted), then removes exactly that key', () => {
    const { dir, alice, bob } = setup();
    const before = readFileSync(join(dir, 'kv.json'), 'utf8');
    const refused = fle(['datakey', 'delete', '--key-vault', 'kv.json', '--id', alice.id], { cwd: dir });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('add --yes to confirm');
    expect(readFileSync(join(dir, 'kv.json'), 'utf8')).toBe(before);
    expect(fleJson(['datakey', 'delete', '--key-vault', 'kv.json', '--key-alt-name', 'alice', '--yes', '--json'], { cwd: dir })).toEqual(alice);
    expect(fleJson(['datakey', 'list', '--key-vault', 'kv.json', '--json'], { cwd: dir })).toEqual([bob]);
    expect(fle(['datakey', 'delete', '--key-vault', 'kv.json', '--id', alice.id, '--yes'], { cwd: dir }).status).toBe(4);
  });

  it('bad inputs: missing vault or key file (3), a key file of the wrong size (3, no content echoed), bad options (2)', () => {
    const { dir } = setup();
    const cases: [string[], number, string][] = [
      [['datakey', 'list', '--key-vault', 'nope.json'], 3, "fle: cannot read key vault file nope.json: no such file (create a key with 'fle datakey create' first) [READ_FAILED]\n"],
      [['datakey', 'create', '--key-vault', 'kv.json', '--master-key', 'nope.key'], 3, 'fle: cannot read master key file nope.key: no such file [READ_FAILED]\n'],
      [['datakey', 'create', '--key-vault', 'kv.json', '--master-key', 'kv.json'], 3, `fle: master key file kv.json holds ${readFileSync(join(dir, 'kv.json')).length} bytes: a local master key file holds exactly 96 raw bytes or their base64 (128 characters); make one with 'fle keygen' [BAD_MASTER_KEY_FILE]\n`],
      [['datakey', 'create', '--key-vault', 'kv.json'], 2, "fle: --master-key <file> is required; run 'fle datakey create --help' [USAGE]\n"],
      [['datakey', 'create', '--key-vault', 'kv.json', '--master-key', 'old.key', '--provider', 'aws'], 2, "fle: --provider 'aws': fle manages local master keys only ('local' or 'local:<name>'); run 'fle datakey create --help' [USAGE]\n"],
      [['datakey', 'list', '--key-vault', 'kv.json', '--frob'], 2, "fle: Unknown option '--frob'; run 'fle datakey list --help' [USAGE]\n"],
      [['datakey', 'delete', '--key-vault', 'kv.json', '--id', 'not-a-uuid', '--yes'], 2, "fle: --id must be a key id as a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), got 'not-a-uuid'; run 'fle datakey delete --help' [USAGE]\n"],
      [['datakey', 'frobnicate'], 2, "fle: unknown datakey command 'frobnicate'; run 'fle datakey --help' [USAGE]\n"],
    ];
    for (const [args, status, stderr] of cases) {
      const r = fle(args, { cwd: dir });
      expect({ args, status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({ args, status, stderr, stdout: '' });
    }
  });

  it('a named local provider is written into the key document and used for its keys', () => {
    const dir = tempDir();
    expect(fle(['keygen', 't1.key'], { cwd: dir }).status).toBe(0);
    const k = fleJson<KeySummary>(['datakey', 'create', '--key-vault', 'kv.json', '--master-key', 't1.key', '--provider', 'local:tenant1', '--json'], { cwd: dir });
    expect(k.provider).toBe('local:tenant1');
    expect(JSON.parse(readFileSync(join(dir, 'kv.json'), 'utf8'))[0].masterKey).toEqual({ provider: 'local:tenant1' });
  });
});
