// The Queryable Encryption checks of the runtime matrix (issue 14 "QE payloads work in every
// runtime"): libmongocrypt's own automatic-encryption vectors (test-vectors/qe/cases/auto-encrypt.json,
// in this repository and in ../shared) encrypted from their markings with the same random bytes
// libmongocrypt consumed, compared byte for byte, and the insert payloads decrypted back.
import { Binary, EJSON } from 'bson';
import { bytesToHex, hexToBytes } from '@fle-ts/crypto-core';
import { decryptQe, encryptPlaceholder, fixedRandomSource, keyLookupFrom, type QeKeyLookup } from '@fle-ts/qe';

type Files = Record<string, string>;
type Check = () => Promise<string> | string;

// Listed in conformance.ts VECTOR_FILES too (bundle.mjs reads that list).
const KEY_IDS = ['12345678123498761234123456789012', '12345678123498761234123456789013', 'ABCDEFAB123498761234123456789012'];
/** The auto-encrypt cases run here: equality, unindexed, and an int32 range insert (288 random bytes). */
export const QE_CASES = ['fle2-insert-v2', 'fle2-insert-unindexed-v2', 'fle2-find-equality-v2', 'fle2-insert-range/int32-v2'] as const;

interface AutoCase { name: string; markings: string; expect: string; rngHex?: string | null; rngBytesUsed?: number }

function read(files: Files, rel: string): string {
  const text = files[`qe/${rel}`];
  if (text === undefined) throw new Error(`vector file qe/${rel} missing`);
  return text;
}

function binBytes(b: Binary): Uint8Array {
  return b.buffer.subarray(0, b.position);
}

/** Every BinData subtype 6 of a document by dotted path, in document order. */
function encryptedByPath(doc: unknown, path = '', out = new Map<string, Binary>()): Map<string, Binary> {
  if ((doc as { _bsontype?: string } | null)?._bsontype === 'Binary') {
    if ((doc as Binary).sub_type === 6) out.set(path, doc as Binary);
  } else if (doc !== null && typeof doc === 'object') {
    for (const [k, v] of Object.entries(doc)) encryptedByPath(v, path ? `${path}.${k}` : k, out);
  }
  return out;
}

function keys(files: Files): QeKeyLookup {
  return keyLookupFrom(KEY_IDS.map((id) => [hexToBytes(id), hexToBytes(read(files, `data/keys/${id}-key-material.txt`).trim())] as const));
}

/** One case: every marking encrypted, compared with libmongocrypt's payload; inserts decrypted back to the marked value. */
function runCase(files: Files, name: string): string {
  const c = (JSON.parse(read(files, 'cases/auto-encrypt.json')) as { cases: AutoCase[] }).cases.find((x) => x.name === name);
  if (!c) throw new Error(`case ${name} missing from cases/auto-encrypt.json`);
  const k = keys(files);
  const reply = EJSON.parse(read(files, `data/${c.markings}`), { relaxed: false }) as { result: unknown };
  const expected = encryptedByPath(EJSON.parse(read(files, `data/${c.expect}`), { relaxed: false }));
  const rng = hexToBytes(c.rngHex ?? '');
  const random = fixedRandomSource(rng);
  const parts: string[] = [];
  for (const [path, marking] of encryptedByPath(reply.result)) {
    const got = binBytes(encryptPlaceholder(marking, { keys: k, random }));
    const want = expected.get(path);
    if (!want || bytesToHex(got) !== bytesToHex(binBytes(want))) throw new Error(`${name} ${path}: payload differs from libmongocrypt's (${got.length} bytes)`);
    let back = '';
    if (got[0] === 11 || got[0] === 16) back = ` -> ${EJSON.stringify({ v: decryptQe(got, k) }, { relaxed: false })}`;
    parts.push(`${path}: kind ${got[0]} ${got.length} B${back}`);
  }
  const used = rng.length - random.remaining();
  if (used !== (c.rngBytesUsed ?? 0)) throw new Error(`${name}: used ${used} random bytes, libmongocrypt ${c.rngBytesUsed ?? 0}`);
  if (parts.length === 0) throw new Error(`${name}: no markings`);
  return `${parts.join('; ')}; ${used} random bytes`;
}

/** The QE checks, named for the conformance report. */
export function qeChecks(files: Files): [string, Check][] {
  return QE_CASES.map((name) => [`QE v2 ${name}: libmongocrypt's payload from its marking, decrypted back`, () => runCase(files, name)]);
}
