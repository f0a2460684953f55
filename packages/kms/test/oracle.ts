// Test-only: libmongocrypt's KMS requests at a fixed clock, through ../shared/tools/mcoracle
// (`kms-request`, README "Byte-for-byte requests") with its LD_PRELOAD `time()` shim.
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MCORACLE, tempFile } from '../../../scripts/test-support/mcoracle.js';
import { SHARED_DIR } from '../../../scripts/test-support/shared.js';

const SHIM_SOURCE = join(SHARED_DIR, 'tools', 'mcoracle', 'fixedtime.c');

/** Builds libfixedtime.so beside the mcoracle binary (../shared is read-only); its path. */
function fixedTimeShim(): string {
  if (!MCORACLE) throw new Error('mcoracle not available');
  const out = join(dirname(MCORACLE), 'libfixedtime.so');
  if (!existsSync(out) || statSync(out).mtimeMs < statSync(SHIM_SOURCE).mtimeMs) {
    execFileSync('cc', ['-O2', '-Wall', '-shared', '-fPIC', '-o', out, SHIM_SOURCE], { stdio: 'inherit' });
  }
  return out;
}

/** The raw request bytes mcoracle prints for `args` with `time()` fixed at `unixSeconds`. */
export function oracleKmsRequest(unixSeconds: number, kmsProviders: unknown, args: string[]): Uint8Array {
  if (!MCORACLE) throw new Error('mcoracle not available');
  const providers = tempFile(`kms-providers-${Math.random().toString(36).slice(2)}.json`, JSON.stringify(kmsProviders));
  const out = execFileSync(MCORACLE, ['kms-request', '--kms-providers', providers, ...args], {
    env: { ...process.env, FIXED_TIME: String(unixSeconds), LD_PRELOAD: fixedTimeShim() },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const bytes = new Uint8Array(out);
  // mcoracle's decrypt path prints the JSON array's opening "[\n" (cmd_crypt) before kms-request
  // writes the raw request and exits: that prefix is the tool's, not libmongocrypt's.
  const decryptPrefix = args.includes('--values') && bytes[0] === 0x5b && bytes[1] === 0x0a;
  return decryptPrefix ? bytes.subarray(2) : bytes;
}

/** Writes `text` to a scratch file for mcoracle; its path. */
export function scratch(name: string, text: string): string {
  return tempFile(name, text);
}
