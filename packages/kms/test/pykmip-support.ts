// Test-only: a real KMIP server (Debian `python3-pykmip`, PyKMIP 0.10, as drivers-evergreen-tools
// uses) on 127.0.0.1 with a CA, server and client certificates made by `openssl` in a temp dir.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { describe, it } from 'vitest';
import { inCI } from '../../../scripts/test-support/shared.js';
import { freePort } from './net-support.js';

const PYTHON = '/usr/bin/python3';
const AVAILABLE = spawnSync(PYTHON, ['-c', 'import kmip.services.server'], { stdio: 'ignore' }).status === 0 &&
  spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0;

/** `describe` for tests against PyKMIP: skips with a notice without it, fails under CI=true. */
export function describePyKmip(name: string, fn: () => void): void {
  if (AVAILABLE) describe(name, fn);
  else if (inCI) {
    describe(name, () => {
      it('needs python3-pykmip and openssl', () => {
        throw new Error('CI=true but PyKMIP is not installed (apt-get install -y python3-pykmip openssl)');
      });
    });
  } else {
    console.warn('[fle-ts] python3-pykmip not found (apt-get install -y python3-pykmip): skipping the KMIP end-to-end tests.');
    describe.skip(name, fn);
  }
}

const SERVER = `
import sys
from kmip.services.server import KmipServer
d = sys.argv[1]
server = KmipServer(hostname="127.0.0.1", port=int(sys.argv[2]), certificate_path=d + "/server.pem", key_path=d + "/server.key",
    ca_path=d + "/ca.pem", config_path=None, log_path=d + "/server.log", auth_suite="TLS1.2", policy_path=d + "/policies",
    enable_tls_client_auth=True, logging_level="INFO", database_path=d + "/pykmip.db")
with server:
    server.serve()
`;

/** PEM material for the client side. */
export interface KmipTls { ca: string; cert: string; key: string; otherCert: string; otherKey: string }

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** Makes the certificates and starts the server; `stop` ends it. */
export async function startPyKmip(): Promise<{ port: number; dir: string; tls: KmipTls; stop: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'fle-ts-pykmip-'));
  mkdirSync(join(dir, 'policies'));
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=fle-ts test CA']);
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  // An ECDSA server key: PyKMIP's TLS 1.2 suites then include ECDHE-ECDSA-AES-GCM, which Deno's
  // rustls also speaks (with an RSA key the only common suites are ones rustls refuses).
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'server.key']);
  openssl(dir, ['req', '-new', '-key', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost']);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.key', '-out', 'client.csr', '-subj', '/CN=fle-ts client']);
  for (const who of ['server', 'client'] as const) {
    openssl(dir, ['x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${who}.pem`, '-days', '2', '-extfile', `${who}.ext`]);
  }
  // A client certificate the server's CA did not sign.
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'other.key', '-out', 'other.pem', '-days', '2', '-subj', '/CN=stranger', '-addext', 'extendedKeyUsage=clientAuth']);
  writeFileSync(join(dir, 'server.py'), SERVER);
  const port = await freePort();
  const child: ChildProcess = spawn(PYTHON, [join(dir, 'server.py'), dir, String(port)], { stdio: 'ignore' });
  const stop = (): void => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`PyKMIP did not start on port ${port} (log: ${join(dir, 'server.log')})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8');
  return { port, dir, tls: { ca: read('ca.pem'), cert: read('client.pem'), key: read('client.key'), otherCert: read('other.pem'), otherKey: read('other.key') }, stop };
}
