#!/usr/bin/env node
// Regenerates test-vectors/keyvault/mcoracle-datakeys.json: local key documents written by the real
// libmongocrypt (mcoracle `datakey`, ../shared/tools/mcoracle) with known master keys and data keys,
// so fle-ts can check its unwrap against them without ../shared or libmongocrypt installed.
// Usage: node scripts/make-keyvault-vectors.mjs   (needs .cache/mcoracle/mcoracle or FLE_MCORACLE)
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const oracle = process.env.FLE_MCORACLE ?? join(root, '.cache', 'mcoracle', 'mcoracle');
if (!existsSync(oracle)) {
  console.error(`mcoracle not found at ${oracle}: run node scripts/build-mcoracle.mjs first`);
  process.exit(1);
}

// Fixed, recognisable byte patterns: the point is known answers, not secrecy.
const pattern = (n, f) => Buffer.from(Array.from({ length: n }, (_, i) => f(i) & 0xff));
const cases = [
  { description: 'master = bytes 0..95, data key = bytes 100..195, no alt names',
    master: pattern(96, (i) => i), material: pattern(96, (i) => 100 + i), alt: [] },
  { description: 'master = 96 zero bytes (libmongocrypt test KEK), data key = 96 x 0xAA, one alt name',
    master: pattern(96, () => 0), material: pattern(96, () => 0xaa), alt: ['alpha'] },
  { description: 'master = (7i+3) mod 256, data key = (31i+17) mod 256, two alt names (libmongocrypt stores them reversed)',
    master: pattern(96, (i) => 7 * i + 3), material: pattern(96, (i) => 31 * i + 17), alt: ['first', 'second'] },
  { description: 'master = 96 x 0xFF, data key = 96 zero bytes',
    master: pattern(96, () => 0xff), material: pattern(96, () => 0), alt: [] },
];

const out = cases.map((c) => {
  const args = ['datakey', '--master', c.master.toString('base64'), '--material', c.material.toString('base64')];
  for (const a of c.alt) args.push('--alt', a);
  const document = JSON.parse(execFileSync(oracle, args, { encoding: 'utf8' }));
  return { description: c.description, masterKeyBase64: c.master.toString('base64'), dataKeyHex: c.material.toString('hex'), document };
});

const file = join(root, 'test-vectors', 'keyvault', 'mcoracle-datakeys.json');
writeFileSync(file, JSON.stringify({
  source: 'libmongocrypt 1.7.2 via mcoracle datakey (scripts/make-keyvault-vectors.mjs)',
  cases: out,
}, null, 2) + '\n');
console.log(`wrote ${out.length} key documents to ${file}`);
