#!/usr/bin/env node
// Regenerates test-vectors/fle-format/mcoracle-vectors.json with the real libmongocrypt
// (../shared/tools/mcoracle, built by scripts/build-mcoracle.mjs): one local data key with
// fixed material under a zero master key, deterministic blobs for a varied set of values,
// random blobs (decryption vectors), and the (type, algorithm) pairs libmongocrypt refuses.
// Usage: node scripts/make-fle-format-vectors.mjs   (the output is committed; tests never run this)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const oracle = process.env.FLE_MCORACLE ?? join(root, '.cache', 'mcoracle', 'mcoracle');
if (!existsSync(oracle)) {
  execFileSync(process.execPath, [join(root, 'scripts', 'build-mcoracle.mjs')], { stdio: 'inherit' });
}
const scratch = mkdtempSync(join(tmpdir(), 'fle-format-vectors-'));
const run = (args) => execFileSync(oracle, args, { encoding: 'utf8' });
const file = (name, value) => {
  const p = join(scratch, name);
  writeFileSync(p, typeof value === 'string' ? value : JSON.stringify(value));
  return p;
};

// libmongocrypt's test KEK: 96 zero bytes. Data key: bytes 0x00..0x5f, so a reader can check the unwrap.
const master = Buffer.alloc(96).toString('base64');
const material = Buffer.from(Array.from({ length: 96 }, (_, i) => i)).toString('base64');
const keyDocText = run(['datakey', '--master', master, '--material', material, '--alt', 'fle-format-vectors']).trim();
const keyDoc = JSON.parse(keyDocText);
const keyId = keyDoc._id.$binary.base64;
const keysFile = file('keys.json', `[${keyDocText}]`);

const oid = { $oid: '5f1d7e3b8a2c4e6b9d0f1a2b' };
/** [name, canonical Extended JSON value, allowed under deterministic] */
const values = [
  ['string empty', '', true],
  ['string ascii', 'hello', true],
  ['string unicode', 'h\u00e9llo w\u00f6rld \ud83c\udf0d', true],
  ['string 15 bytes', 'x'.repeat(10), true],
  ['string 16 bytes', 'y'.repeat(11), true],
  ['string long', 'abcdefghij'.repeat(30), true],
  ['string with NUL', 'a\u0000b', true],
  ['int32 zero', { $numberInt: '0' }, true],
  ['int32 -1', { $numberInt: '-1' }, true],
  ['int32 max', { $numberInt: '2147483647' }, true],
  ['int32 min', { $numberInt: '-2147483648' }, true],
  ['int64 zero', { $numberLong: '0' }, true],
  ['int64 one (same number as int32 one, other type)', { $numberLong: '1' }, true],
  ['int32 one', { $numberInt: '1' }, true],
  ['int64 min', { $numberLong: '-9223372036854775808' }, true],
  ['int64 max', { $numberLong: '9223372036854775807' }, true],
  ['objectId', oid, true],
  ['date', { $date: { $numberLong: '1700000000123' } }, true],
  ['date negative', { $date: { $numberLong: '-86400000' } }, true],
  ['regex', { $regularExpression: { pattern: '^a.*b$', options: 'imx' } }, true],
  ['regex no options', { $regularExpression: { pattern: 'x', options: '' } }, true],
  ['javascript', { $code: 'function () { return 1; }' }, true],
  ['symbol', { $symbol: 'sym' }, true],
  ['timestamp', { $timestamp: { t: 123, i: 456 } }, true],
  ['binary subtype 0', { $binary: { base64: 'AQID', subType: '00' } }, true],
  ['binary subtype 0 empty', { $binary: { base64: '', subType: '00' } }, true],
  ['binary uuid subtype 4', { $binary: { base64: 'Dz7RDFnSSFu7bNrSfvecyg==', subType: '04' } }, true],
  ['binary subtype 0x80', { $binary: { base64: '/w==', subType: '80' } }, true],
  ['dbPointer', { $dbPointer: { $ref: 'db.coll', $id: oid } }, true],
  ['double', { $numberDouble: '1.5' }, false],
  ['double integral', { $numberDouble: '3.0' }, false],
  ['double NaN', { $numberDouble: 'NaN' }, false],
  ['double -0', { $numberDouble: '-0.0' }, false],
  ['double -Infinity', { $numberDouble: '-Infinity' }, false],
  ['decimal128', { $numberDecimal: '1.10' }, false],
  ['bool true', true, false],
  ['bool false', false, false],
  ['object', { a: { $numberInt: '1' }, b: [{ $numberLong: '2' }, 'x'], c: { d: null } }, false],
  ['object empty', {}, false],
  ['array', [{ $numberInt: '1' }, 'two', { $numberDouble: '3.5' }], false],
  ['javascriptWithScope', { $code: 'x', $scope: { y: { $numberInt: '1' } } }, false],
];
const neverAllowed = [
  ['null', null],
  ['undefined', { $undefined: true }],
  ['minKey', { $minKey: 1 }],
  ['maxKey', { $maxKey: 1 }],
  ['binary subtype 6', { $binary: { base64: 'AQ==', subType: '06' } }],
];

const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
const encrypt = (algorithm, vals) =>
  JSON.parse(run(['encrypt', '--master', master, '--keys', keysFile, '--algorithm', algorithm, '--key-id', keyId, '--values', file('values.json', vals.map((v) => ({ v })))]));

const detOut = encrypt(DET, values.map(([, v]) => v));
const rndOut = encrypt(RND, values.map(([, v]) => v));
const deterministic = [];
const random = [];
const refused = [];
values.forEach(([name, value, detAllowed], i) => {
  const d = detOut[i];
  if (detAllowed !== !('error' in d)) throw new Error(`libmongocrypt disagrees on ${name} under deterministic: ${JSON.stringify(d)}`);
  if (detAllowed) deterministic.push({ name, value, blob: d.v });
  else refused.push({ name, value, algorithm: DET, error: d.error });
  if ('error' in rndOut[i]) throw new Error(`libmongocrypt refused ${name} under random: ${rndOut[i].error}`);
  random.push({ name, value, blob: rndOut[i].v });
});
for (const algorithm of [DET, RND]) {
  const out = encrypt(algorithm, neverAllowed.map(([, v]) => v));
  neverAllowed.forEach(([name, value], i) => {
    if (!('error' in out[i])) throw new Error(`libmongocrypt accepted ${name} under ${algorithm}`);
    refused.push({ name, value, algorithm, error: out[i].error });
  });
}
// Decrypting every random blob back through the oracle proves the file is self-consistent.
const back = JSON.parse(run(['decrypt', '--master', master, '--keys', keysFile, '--values', file('rnd.json', random.map((r) => ({ v: r.blob })))]));
back.forEach((b, i) => {
  if ('error' in b) throw new Error(`oracle could not decrypt its own random blob for ${random[i].name}`);
});

const out = {
  description:
    'FLE1 vectors made with the real libmongocrypt (Debian libmongocrypt 1.7.2 through shared/tools/mcoracle) by scripts/make-fle-format-vectors.mjs. ' +
    'One local data key (material = bytes 0x00..0x5f) wrapped with a master key of 96 zero bytes. ' +
    'deterministic: encrypting value with the key must give exactly blob. random: blob must decrypt to value. ' +
    'refused: libmongocrypt refuses to encrypt value with algorithm (its error text given). Values are canonical Extended JSON.',
  generator: 'scripts/make-fle-format-vectors.mjs',
  master_key_base64: master,
  data_key_material_base64: material,
  key_document: keyDoc,
  deterministic,
  random,
  refused,
};
const target = join(root, 'test-vectors', 'fle-format', 'mcoracle-vectors.json');
writeFileSync(target, `${JSON.stringify(out, null, 2)}\n`);
console.log(`wrote ${target}: ${deterministic.length} deterministic, ${random.length} random, ${refused.length} refused`);
