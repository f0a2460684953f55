// `pnpm demo` (scripts/demo.ts) as the README's first command runs it: the official driver with
// autoEncryption through @fle-ts/mongodb-client-encryption against the in-process test server.
// Checks what it prints: the binding the driver loaded, ciphertext stored beside plaintext read,
// the deterministic query sent as ciphertext, the explicit round trip.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './test-support/shared.js';

describe('pnpm demo', () => {
  it("the demo imports only what the README's demo install installs (the driver is a dev dependency of the drop-in package, not of the runtimes package)", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'packages/mongodb-client-encryption/package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    expect(pkg.devDependencies.mongodb7).toMatch(/^npm:mongodb@\^7\./);
    const root = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(root.scripts.demo).toBe('node --import tsx --conditions=@fle-ts/source scripts/demo.ts');
    const runtimes = readFileSync(join(REPO_ROOT, 'scripts/runtimes/package.json'), 'utf8');
    expect(runtimes).not.toContain('"mongodb');
  });

  it('prints the driver on fle-ts: stored ciphertext beside what the application reads, the query sent encrypted', () => {
    const env = { ...process.env };
    delete env.MONGODB_URI; // the in-process test server
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=@fle-ts/source', 'scripts/demo.ts'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000, env });
    expect(r.status, r.stderr).toBe(0);
    const out = r.stdout;
    expect(out).toMatch(/^Official driver mongodb 7\.\d+\.\d+; its require\('mongodb-client-encryption'\) loads\n {2}packages\/mongodb-client-encryption\/src\/index\.ts /m);
    expect(out).toContain('Server: the test wire server in this process');
    expect(out).toMatch(/1\. Data key [0-9a-f]{32} \("patients-key"\)/);
    // Stored: BinData 6 whose first byte is 1 (deterministic, base64 "A[Q-Za-f]") for ssn, 2 ("A[g-v]") for billing; read: the plaintext.
    expect(out).toMatch(/_id 1 name +"Jon Doe" +\| "Jon Doe"/);
    expect(out).toMatch(/_id 1 ssn +BinData\(6, "A[Q-Za-f][^"]*"\) +\| "241-01-9876"/);
    expect(out).toMatch(/_id 1 billing +BinData\(6, "A[g-v][^"]*"\) +\| \{ type: "visa", number: "4111111111111111" \}/);
    expect(out).toMatch(/_id 2 ssn +BinData\(6, "A[Q-Za-f][^"]*"\) +\| "317-22-1234"/);
    // The filter the driver sent carries Ana's stored ciphertext (deterministic: the same bytes).
    const storedAna = /_id 2 ssn +(BinData\(6, "[^"]*"\))/.exec(out)?.[1];
    expect(storedAna).toBeDefined();
    expect(out).toContain(`went to the server as { ssn: { $eq: ${storedAna} } }`);
    expect(out).toContain('and came back decrypted: { _id: 2, name: "Ana Silva", ssn: "317-22-1234", billing: { type: "mastercard", number: "5500005555555559" } }');
    expect(out).toMatch(/6\. clientEncryption\.encrypt\("123-45-6789"\) = BinData\(6, "A[g-v][^"]*"\), decrypt -> "123-45-6789"/);
  });
});
