// Test-only: sends a request's raw bytes over TCP to 127.0.0.1 and reads the answer with the
// package's HttpResponseParser, as a driver's KMS loop does (bytes out, bytesNeeded in); and
// starts moto's AWS emulator when it is installed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { describe, it } from 'vitest';
import { HttpResponseParser, type ParsedHttpResponse } from '@fle-ts/kms';
import { inCI } from '../../../scripts/test-support/shared.js';

/** Writes `bytes` to 127.0.0.1:`port` and resolves with the parsed response (rejects after `timeoutMs`). */
export function exchange(port: number, bytes: Uint8Array, timeoutMs = 10_000): Promise<ParsedHttpResponse> {
  return new Promise((resolve, reject) => {
    const parser = new HttpResponseParser('aws');
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms`));
    });
    socket.on('data', (d: Buffer) => {
      try {
        parser.feed(new Uint8Array(d));
        if (parser.done) {
          socket.destroy();
          resolve(parser.response());
        }
      } catch (e) {
        socket.destroy();
        reject(e);
      }
    });
    socket.on('error', reject);
    socket.on('end', () => {
      if (!parser.done) reject(new Error('connection closed before the response was complete'));
    });
  });
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const MOTO = spawnSync('moto_server', ['--help'], { stdio: 'ignore' }).status === 0;

/**
 * `describe` for tests against moto (PyPI `moto[server]`). Without `moto_server` on PATH it fails
 * under CI=true and otherwise skips with a printed notice.
 */
export function describeMoto(name: string, fn: () => void): void {
  if (MOTO) describe(name, fn);
  else if (inCI) {
    describe(name, () => {
      it('needs moto_server', () => {
        throw new Error("CI=true but moto_server is not installed (pip install 'moto[server]')");
      });
    });
  } else {
    console.warn("[fle-ts] moto_server not found (pip install 'moto[server]'): skipping the AWS KMS tests against moto.");
    describe.skip(name, fn);
  }
}

/** Starts `moto_server` on a free loopback port and waits until it accepts connections. */
export async function startMoto(): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
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
    if (up) return { port, stop };
    if (child.exitCode !== null || Date.now() > deadline) {
      stop();
      throw new Error(`moto_server did not start on port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
