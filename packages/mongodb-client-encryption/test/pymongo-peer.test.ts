// The official Python driver as a second peer: pymongo + pymongocrypt (libmongocrypt from its
// wheel) and the official Node driver + this package, through the same server (the test wire
// server over TCP, or MONGODB_URI). Node writes with automatic encryption, pymongo reads (automatic
// decryption, and a query with libmongocrypt's own deterministic ciphertext); pymongo writes (a
// libmongocrypt-made data key, explicit encryption), Node reads (automatic decryption, and a query
// fle-ts encrypts). pymongo's automatic *encryption* needs mongocryptd or crypt_shared, neither
// installable here: the probe step records that, so this peer writes with explicit encryption.
// Skips with a notice when python3 cannot import pymongo and pymongocrypt; fails under CI=true.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWireServer, type WireServer } from './wire-server/server.js';

const PKG = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const probe = spawnSync('python3', ['-c', 'import pymongo, pymongocrypt; print(pymongo.version, pymongocrypt.__version__, pymongocrypt.libmongocrypt_version())'], { encoding: 'utf8' });
const versions = probe.status === 0 ? probe.stdout.trim() : undefined;
const MASTER_KEY = Buffer.from(crypto.getRandomValues(new Uint8Array(96))).toString('base64');
type Report = Record<string, any>;

function run(cmd: string, args: string[], uri: string): Promise<Report> {
  return new Promise((done, fail) => {
    // Asynchronous: the test server answers from this process while the child runs.
    const child = spawn(cmd, args, { cwd: PKG, env: { ...process.env, MONGODB_URI: uri, PEER_MASTER_KEY: MASTER_KEY } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => (code === 0 ? done(JSON.parse(out.trim().split('\n').pop() as string) as Report) : fail(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err}`))));
  });
}
const node = (step: string, uri: string) => run(process.execPath, ['--conditions=@fle-ts/source', '--import', 'tsx', 'test/e2e/peer-node.ts', step], uri);
const python = (step: string, uri: string) => run('python3', ['test/e2e/pymongo_peer.py', step], uri);

if (!versions && !IN_CI) {
  console.warn('[fle-ts] skipped (python3 cannot import pymongo and pymongocrypt; `pip install pymongo==4.20.1 pymongocrypt==1.21.2`): pymongo-peer.test.ts');
  describe.skip('pymongo peer', () => it('needs pymongo and pymongocrypt (absent: skipped)', () => {}));
} else {
  describe(`pymongo + pymongocrypt (${versions ?? 'missing'}) and the Node driver + fle-ts through one server`, () => {
    let server: WireServer | undefined;
    let uri = process.env.MONGODB_URI ?? '';
    beforeAll(async () => {
      if (!versions) throw new Error('CI=true but python3 cannot import pymongo and pymongocrypt: ' + probe.stderr);
      if (!uri) {
        server = await startWireServer();
        uri = server.uri;
      }
    });
    afterAll(async () => server?.close());

    it('Node + fle-ts write (automatic encryption); pymongo + libmongocrypt decrypt them and find a row with their own deterministic ciphertext', async () => {
      const w = await node('write', uri);
      const r = await python('read', uri);
      expect(r.stored).toHaveLength(2);
      for (const d of r.stored) {
        expect(d.ssn).toMatchObject({ subtype: 6, firstByte: 1, keyIdHex: w.keyIdHex });
        expect(d.salary).toMatchObject({ subtype: 6, firstByte: 2, keyIdHex: w.keyIdHex });
      }
      expect(r.decrypted).toEqual([{ name: 'Ada', ssn: '123-45-6789', salary: 90000 }, { name: 'Bob', ssn: '987-65-4321', salary: 85000 }]);
      expect(r.explicitDecrypt).toBe('123-45-6789');
      // libmongocrypt's deterministic encryption of Ada's ssn is byte for byte what fle-ts stored.
      expect(r.libmongocryptDetHex).toBe(w.storedSsnHex[0]);
      expect(r.foundByLibmongocryptCiphertext).toEqual(['Ada']);
    }, 120_000);

    it('pymongo + libmongocrypt write (its own data key, explicit encryption); Node + fle-ts decrypt them and find a row by a value fle-ts encrypts', async () => {
      const w = await python('write', uri);
      const r = await node('read', uri);
      expect(r.keyIdHex).toBe(w.keyIdHex);
      expect(r.keyFields).toEqual(expect.arrayContaining(['_id', 'keyAltNames', 'keyMaterial', 'masterKey']));
      expect(r.decrypted).toEqual([
        { name: 'Grace', ssn: '555-01-0001', notes: { dept: 'navy', rank: 3 } },
        { name: 'Linus', ssn: '555-01-0002', notes: { dept: 'kernel', rank: 1 } },
      ]);
      expect(r.foundBySsn).toEqual(['Linus']);
      expect(r.ownDetHex).toBe(w.ssnHex[0]);
    }, 120_000);

    it("pymongo's automatic encryption without bypass needs mongocryptd (not installed): the reason this peer encrypts explicitly", async () => {
      const p = await python('probe', uri);
      expect(p.autoEncryptWithoutMongocryptd).toBe('failed');
      expect(p.error).toMatch(/EncryptionError/);
      expect(p.error).toContain('127.0.0.1:9'); // the mongocryptd URI it was given
    }, 120_000);
  });
}
