// Copies the QE v2 equality / unindexed known answers that a clone alone should run from
// ../shared/test-vectors/qe (libmongocrypt @ 3a65b40d, Apache-2.0; its README) into
// test-vectors/qe/, keeping the same relative paths so packages/qe/test/suite.ts reads both.
// Files are copied byte for byte, except cases/explicit-encrypt.json and cases/auto-encrypt.json,
// which keep the Indexed / Unindexed cases and the Range cases whose files are in the sample
// below (RANGE_SAMPLE: int32 and decimal128-with-precision payloads, the inline range maths).
//   node scripts/copy-qe-vectors.mjs
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const FROM = resolve(ROOT, '..', 'shared', 'test-vectors', 'qe');
const TO = join(ROOT, 'test-vectors', 'qe');

const KEYS = ['12345678123498761234123456789012', 'ABCDEFAB123498761234123456789012', '12345678123498761234123456789013'];
const VERBATIM = [
  'LICENSE',
  'data/tokens/mc.json',
  'data/tokens/server.json',
  ...KEYS.flatMap((k) => [`data/keys/${k}-key-material.txt`, `data/keys/${k}-local-document.json`]),
  'data/fle2-explicit/insert-indexed-v2.json',
  'data/fle2-explicit/insert-indexed-contentionFactor1-v2.json',
  'data/fle2-explicit/insert-indexed-same-user-and-index-key-v2.json',
  'data/fle2-explicit/find-indexed-v2.json',
  'data/fle2-explicit/find-indexed-contentionFactor1-v2.json',
  ...['fle2-insert-v2', 'fle2-find-equality-v2', 'fle2-insert-unindexed-v2'].flatMap((d) => [`data/${d}/mongocryptd-reply.json`, `data/${d}/encrypted-payload.json`, `data/${d}/cmd.json`, `data/${d}/encrypted-field-map.json`]),
  'data/iev-v2/FLECrudTest-insertOneV2.json',
  'data/iev-v2/FLECrudTest-insertOneRangeV2.json',
  'data/explicit-decrypt/FLE2InsertUpdatePayloadV2.json',
  'data/explicit-decrypt/FLE2InsertUpdatePayloadV2-RangeV1.json',
  'data/explicit-decrypt/FLE2InsertUpdatePayloadV2-RangeV2.json',
  'data/explicit-decrypt/FLE2FindEqualityPayloadV2.json',
  'data/explicit-decrypt/FLE2IndexedEqualityEncryptedValueV2.json',
  'data/explicit-decrypt/FLE2IndexedRangeEncryptedValueV2.json',
  'data/explicit-decrypt/FLE2UnindexedEncryptedValueV2.json',
  'cases/explicit-decrypt.json',
  'inline/payload-known-answers.json',
  ...['compact/success', 'compact/anchor-pad', 'compact/no-range', 'compact/no-fields', 'compact/text-search', 'cleanup/success', 'cleanup/no-fields', 'cleanup/text-search'].flatMap((d) => [
    `data/${d}/collinfo.json`,
    `data/${d}/encrypted-payload.json`,
  ]),
  'data/compact/missing-key-id/collinfo.json',
  'data/cleanup/missing-key-id/collinfo.json',
  'data/roundtrip/fle2v2-aead-fixed.json',
  'data/roundtrip/fle2v2-aead-generated.json',
  ...RANGE_SAMPLE(),
];

/** A small range sample: the inline range maths, three mincover files, int32 and decimal128-precision payloads. */
function RANGE_SAMPLE() {
  return [
    'inline/range-encoding.json',
    'inline/range-edges-inline.json',
    'inline/range-mincover-inline.json',
    'inline/range-can-use-precision-mode.json',
    'inline/rangeopts-parse.json',
    'data/range-min-cover/mincover_int32.json',
    'data/range-min-cover/mincover_double_precision.json',
    'data/range-min-cover/mincover_decimal128_precision.json',
    ...['fle2-insert-range/int32-v2', 'fle2-insert-range/decimal128-precision-v2', 'fle2-find-range/int32-v2', 'fle2-find-range/decimal128-precision-v2'].flatMap((d) => [
      `data/${d}/mongocryptd-reply.json`,
      `data/${d}/encrypted-payload.json`,
    ]),
    ...['fle2-insert-range-explicit/int32', 'fle2-find-range-explicit/int32'].flatMap((d) => [`data/${d}/rangeopts.json`, `data/${d}/value-to-encrypt.json`, `data/${d}/encrypted-payload-v2.json`]),
    'data/range-sends-cryptoParams/explicit-insert-int32/expected.json',
    'data/range-sends-cryptoParams/explicit-find-int32/expected.json',
    'data/range-sends-cryptoParams/explicit-find-int32/to-encrypt.json',
  ];
}

function copy(rel) {
  mkdirSync(dirname(join(TO, rel)), { recursive: true });
  copyFileSync(join(FROM, rel), join(TO, rel));
}

function filterCases(rel, keep) {
  const doc = JSON.parse(readFileSync(join(FROM, rel), 'utf8'));
  const cases = doc.cases.filter(keep);
  const note = `${doc.note} [fle-ts: filtered by scripts/copy-qe-vectors.mjs to ${cases.length} of ${doc.cases.length} cases (Indexed/Unindexed, and Range cases whose files are copied); cases unchanged]`;
  const out = { ...doc, note, count: cases.length, cases };
  mkdirSync(dirname(join(TO, rel)), { recursive: true });
  writeFileSync(join(TO, rel), `${JSON.stringify(out, null, 1)}\n`);
}

for (const rel of VERBATIM) copy(rel);
const copied = new Set(VERBATIM);
/** A Range case is kept when every data file it names is in the sample. */
const filesCopied = (c) => [c.rangeOpts, c.msg, c.expect].every((x) => !x || !x.file || copied.has(`data/${x.file}`));
filterCases('cases/explicit-encrypt.json', (c) => c.algorithm === 'Indexed' || c.algorithm === 'Unindexed' || (c.algorithm === 'Range' && filesCopied(c)));
filterCases(
  'cases/auto-encrypt.json',
  (c) => ['fle2-insert-v2', 'fle2-insert-unindexed-v2', 'fle2-find-equality-v2'].includes(c.name) || (copied.has(`data/${c.markings}`) && copied.has(`data/${c.expect}`)),
);
console.log(`copied ${VERBATIM.length} files and 2 filtered case lists to ${TO}`);
