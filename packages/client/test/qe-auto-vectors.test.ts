// Whole commands of libmongocrypt's automatic QE known answers through AutoEncrypter, byte for
// byte: (1) every range case of cases/auto-encrypt.json (mongocryptd markings → the command
// libmongocrypt sends: payloads with the case's RNG queue, encryptionInformation with the
// esc/ecoc names libmongocrypt 1.20 adds); (2) range-sends-cryptoParams/auto-*-int32 from the
// plain command through fle-ts's own analysis (no mongocryptd): the insert marking equals
// mongocryptd's and both commands equal libmongocrypt's output; (3) compact/ and cleanup/:
// compactStructuredEncryptionData / cleanupStructuredEncryptionData get their tokens and
// encryptionInformation only where libmongocrypt sends it. Runs on the repository copy and on
// ../shared when present; counts are asserted so a dropped case fails.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '@fle-ts/crypto-core';
import { fixedRandomSource } from '@fle-ts/qe';
import { EJSON, serialize } from 'bson';
import { describe, expect, it } from 'vitest';
import { describeShared, OWN_VECTORS, SHARED_VECTORS } from '../../../scripts/test-support/shared.js';
import { AutoEncrypter } from '../src/index.js';
import { collectMarkings, markQeCommand, parseEncryptedFields } from '../src/qe-command.js';
import { KEK, vectorVault, type AutoCase, type Reader } from './qe-suite.js';


// libbson reads a JSON number with a point (`"min": 0.0`) as a double; js-bson's EJSON reads it as an int.
const ejson = (text: string) => EJSON.parse(text.replace(/(:\s*)(-?\d+\.\d+(?:[eE][-+]?\d+)?)(?=\s*[,}\]])/g, '$1{"$$numberDouble": "$2"}'), { relaxed: false }) as Record<string, any>;
const hex = (doc: unknown) => bytesToHex(serialize(doc as Record<string, unknown>));
const kmsProviders = { local: { key: KEK } };

function exists(read: Reader, rel: string): boolean {
  try {
    read(rel);
    return true;
  } catch {
    return false;
  }
}

function rangeCases(read: Reader): AutoCase[] {
  return (JSON.parse(read('cases/auto-encrypt.json')) as { cases: AutoCase[] }).cases.filter((c) => c.name.includes('range') || c.name.includes('Range') || c.name.includes('trimFactor') || c.name.includes('cryptoParams'));
}

async function markedCase(read: Reader, c: AutoCase): Promise<void> {
  const reply = ejson(read(`data/${c.markings}`));
  // The repository copy keeps only the reply, which echoes the same map in encryptionInformation.schema.
  const encryptedFieldsMap = exists(read, `data/${c.encryptedFieldConfigMap}`) ? ejson(read(`data/${c.encryptedFieldConfigMap}`)) : reply.result.encryptionInformation.schema;
  const rng = fixedRandomSource(hexToBytes(c.rngHex ?? ''));
  const auto = new AutoEncrypter({ keyVault: vectorVault(read), kmsProviders, encryptedFieldsMap, qeRandomSource: rng });
  const got = await auto.encryptMarkedCommand('db.test', reply.result);
  expect(hex(got), `${c.name}: command`).toBe(hex(ejson(read(`data/${c.expect}`))));
  expect(hexToBytes(c.rngHex ?? '').length - rng.remaining(), `${c.name}: random bytes used`).toBe(c.rngBytesUsed ?? 0);
}

/** compact/<case> and cleanup/<case>: the command (cmd.json, or the expected command without what libmongocrypt adds). */
async function compactCase(read: Reader, dir: string): Promise<string> {
  const expected = ejson(read(`data/${dir}/encrypted-payload.json`));
  const encryptedFields = ejson(read(`data/${dir}/collinfo.json`)).options.encryptedFields;
  const cmd: Record<string, unknown> = { ...expected };
  for (const k of ['encryptionInformation', 'compactionTokens', 'cleanupTokens']) delete cmd[k];
  const auto = new AutoEncrypter({ keyVault: vectorVault(read), kmsProviders, encryptedFieldsMap: { 'db.test': encryptedFields } });
  expect(hex(await auto.encryptCommand('db', cmd)), dir).toBe(hex(expected));
  return dir;
}

function suite(read: Reader, expectedRange: number): void {
  it(`the ${expectedRange} range cases of cases/auto-encrypt.json: mongocryptd's markings → libmongocrypt's command, byte for byte, the same random bytes used`, async () => {
    const cases = rangeCases(read);
    expect(cases).toHaveLength(expectedRange);
    for (const c of cases) await markedCase(read, c);
  });

  it('compact/{success,anchor-pad,no-range,no-fields} and cleanup/{success,no-fields}: tokens per field (range: {ecoc, anchorPaddingToken}), encryptionInformation only for compact with a range field', async () => {
    const done = [];
    for (const d of ['compact/success', 'compact/anchor-pad', 'compact/no-range', 'compact/no-fields', 'cleanup/success', 'cleanup/no-fields']) done.push(await compactCase(read, d));
    expect(done).toHaveLength(6);
  });

  it('compact/missing-key-id and compact/text-search: refused when the AutoEncrypter is made (a field without keyId; text search is not supported)', () => {
    for (const [dir, why] of [
      ['compact/missing-key-id', /keyId must be a UUID/],
      ['compact/text-search', /not supported/],
    ] as const) {
      const encryptedFields = ejson(read(`data/${dir}/collinfo.json`)).options.encryptedFields;
      expect(() => new AutoEncrypter({ keyVault: vectorVault(read), kmsProviders, encryptedFieldsMap: { 'db.test': encryptedFields } })).toThrow(why);
    }
  });
}

describe('automatic QE commands on the repository copy test-vectors/qe', () => {
  suite((rel) => readFileSync(join(OWN_VECTORS, 'qe', rel), 'utf8'), 4);
});

describeShared('automatic QE commands on ../shared/test-vectors/qe', () => {
  const read: Reader = (rel) => readFileSync(join(SHARED_VECTORS, 'qe', rel), 'utf8');
  suite(read, 18);

  it('range-sends-cryptoParams/auto-insert-int32 from the plain command (no mongocryptd): the same marking mongocryptd wrote (default int32 bounds, cm 8, s 2), the same command libmongocrypt sends', async () => {
    const dir = 'data/range-sends-cryptoParams/auto-insert-int32';
    const efm = ejson(read(`${dir}/encrypted-field-map.json`));
    const cmd = ejson(read(`${dir}/cmd.json`));
    const ours = collectMarkings(markQeCommand(cmd, parseEncryptedFields('db.test', efm['db.test'])));
    const theirs = collectMarkings(ejson(read(`${dir}/mongocryptd-reply.json`)).result);
    expect(ours.map((m) => bytesToHex(m.buffer.subarray(0, m.position)))).toEqual(theirs.map((m) => bytesToHex(m.buffer.subarray(0, m.position))));
    const c = (JSON.parse(read('cases/auto-encrypt.json')) as { cases: AutoCase[] }).cases.find((x) => x.name === 'range-sends-cryptoParams/auto-insert-int32')!;
    const auto = new AutoEncrypter({ keyVault: vectorVault(read), kmsProviders, encryptedFieldsMap: efm, qeRandomSource: fixedRandomSource(hexToBytes(c.rngHex!)) });
    expect(hex(await auto.encryptCommand('db', cmd))).toBe(hex(ejson(read(`${dir}/encrypted-payload.json`))));
  });

  it('range-sends-cryptoParams/auto-find-int32 from the plain command: equality on a range field is the interval [v, v] ($gte/$lte, one payloadId), the command byte-equal to libmongocrypt\'s', async () => {
    const dir = 'data/range-sends-cryptoParams/auto-find-int32';
    const efm = ejson(read(`${dir}/encrypted-field-map.json`));
    const auto = new AutoEncrypter({ keyVault: vectorVault(read), kmsProviders, encryptedFieldsMap: efm, qeRandomSource: fixedRandomSource(new Uint8Array(0)) });
    expect(hex(await auto.encryptCommand('db', ejson(read(`${dir}/cmd.json`))))).toBe(hex(ejson(read(`${dir}/encrypted-payload.json`))));
  });
});
