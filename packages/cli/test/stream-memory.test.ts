// Streaming (issue 16: "a 10 GB dump runs in constant memory"): the peak RSS of `fle inspect` does
// not grow with a 100x larger dump (it once read the whole file to check it was readable), and
// `fle encrypt` / `fle decrypt` round-trip a 27 MB dump (52 MB encrypted) with V8's old space capped
// at 40 MB. Peak RSS is printed, measured with a preload that writes process.resourceUsage().maxRSS
// at exit.
import { createWriteStream, readFileSync, statSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fle, tempDir } from './run-fle.js';

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const PRINT_MAX_RSS = `data:text/javascript,process.on('exit',()=>process.stderr.write('maxrss_kb='+process.resourceUsage().maxRSS+'\\n'))`;

async function writeDump(path: string, docs: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < docs; i++) {
    if (!out.write(`{"_id":${i},"ssn":"123-45-${i}","name":"person ${i}","notes":"${'x'.repeat(120)}"}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function run(args: string[], cwd: string): { rssMb: number; stderr: string } {
  const r = fle(args, { cwd, nodeArgs: ['--max-old-space-size=40', '--import', PRINT_MAX_RSS] });
  expect(r.status, r.stderr).toBe(0);
  const kb = Number(/maxrss_kb=(\d+)/.exec(r.stderr)?.[1]);
  expect(kb).toBeGreaterThan(0);
  return { rssMb: kb / 1024, stderr: r.stderr };
}

describe('fle encrypt / decrypt stream in constant memory', () => {
  it('inspect of a 100 MB NDJSON dump peaks within 60 MB of the RSS for a 1 MB one (the dump is never held whole)', async () => {
    const dir = tempDir();
    await writeDump(join(dir, 'small.ndjson'), 6_000);
    await writeDump(join(dir, 'large.ndjson'), 600_000);
    const small = run(['inspect', 'small.ndjson'], dir).rssMb;
    const large = run(['inspect', 'large.ndjson'], dir).rssMb;
    const mb = (f: string) => (statSync(join(dir, f)).size / 2 ** 20).toFixed(0);
    console.log(`[cli streaming] inspect peak RSS: ${small.toFixed(0)} MB for ${mb('small.ndjson')} MB, ${large.toFixed(0)} MB for ${mb('large.ndjson')} MB`);
    expect(large - small).toBeLessThan(60);
  }, 300_000);

  it('150 000 documents (27 MB, 52 MB encrypted) with a 40 MB heap; the round trip gives back every document', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'master.key'), new Uint8Array(96).fill(5));
    expect(fle(['datakey', 'create', '--key-vault', 'kv.json', '--master-key', 'master.key', '--key-alt-name', 'k'], { cwd: dir }).status).toBe(0);
    await writeDump(join(dir, 'in.ndjson'), 150_000);
    const enc = run(['encrypt', 'in.ndjson', '-o', 'in.enc', '--key-vault', 'kv.json', '--master-key', 'master.key', '--field', 'ssn', '--algorithm', DET, '--key-alt-name', 'k'], dir);
    const dec = run(['decrypt', 'in.enc', '-o', 'in.dec', '--key-vault', 'kv.json', '--master-key', 'master.key'], dir);
    const mb = (f: string) => (statSync(join(dir, f)).size / 2 ** 20).toFixed(1);
    console.log(`[cli streaming] ${mb('in.ndjson')} MB in, ${mb('in.enc')} MB encrypted; peak RSS: encrypt ${enc.rssMb.toFixed(0)} MB, decrypt ${dec.rssMb.toFixed(0)} MB (old space capped at 40 MB)`);
    // _id comes back in canonical form ({"$numberInt": …}); every other byte as written.
    const canonicalInput = readFileSync(join(dir, 'in.ndjson'), 'utf8').replace(/^\{"_id":(\d+),/gm, '{"_id":{"$numberInt":"$1"},');
    expect(readFileSync(join(dir, 'in.dec'), 'utf8') === canonicalInput).toBe(true);
  }, 300_000); // two processes over 52 MB: about 15 s on a quiet machine, minutes on a loaded one
});
