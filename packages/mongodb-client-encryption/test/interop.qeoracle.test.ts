// The drop-in against the real, current libmongocrypt (1.20.2, ../shared/tools/qeoracle), with no
// pymongo in between: QE values the drop-in makes (explicit contexts and an auto-encrypted insert)
// decrypt in qeoracle, qeoracle's values decrypt through the drop-in's explicit and automatic
// decryption contexts, and find payloads (no randomness) are byte-equal. Keys: libmongocrypt's own
// test keys (KEK = 96 zero bytes), the index key K123 and the user key KABC.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bytesToHex, hexToBytes } from '@fle-ts/crypto-core';
import { Binary, deserialize, Double, EJSON, Int32, Long, serialize, type Document } from 'bson';
import { beforeAll, expect, it } from 'vitest';
import { describeQeOracle, runQeOracle } from '../../../scripts/test-support/qeoracle.js';
import { SHARED_VECTORS } from '../../../scripts/test-support/shared.js';
import { MongoCrypt, MONGOCRYPT_CTX_NEED_MONGO_KEYS, MONGOCRYPT_CTX_READY, type MongoCryptContext } from '@fle-ts/mongodb-client-encryption';

const K123 = '12345678123498761234123456789012';
const KABC = 'ABCDEFAB123498761234123456789012';
const oracle = runQeOracle;
const bin = (b: Binary) => new Uint8Array(b.buffer.subarray(0, b.position));
const valueArg = (v: unknown) => EJSON.stringify({ v }, { relaxed: false }).replace(/^\{"v":/, '').replace(/\}$/, '');
const b64 = (b: Binary) => Buffer.from(bin(b)).toString('base64');

describeQeOracle('the drop-in and libmongocrypt 1.20.2 (qeoracle) read each other\'s QE values', () => {
  let kv = '';
  let keyDocs: Document[] = [];
  beforeAll(() => {
    const read = (k: string) => readFileSync(join(SHARED_VECTORS, 'qe', `data/keys/${k}-local-document.json`), 'utf8');
    kv = join(mkdtempSync(join(tmpdir(), 'fle-ts-dropin-qeoracle-')), 'kv.json');
    writeFileSync(kv, [KABC, K123].map(read).join('\n'));
    keyDocs = [KABC, K123].map((k) => EJSON.parse(read(k), { relaxed: false }) as Document);
  });
  const crypt = (extra: Record<string, unknown> = {}) => new MongoCrypt({ kmsProviders: serialize({ local: { key: new Uint8Array(96) } }), errorWrapper: (e: Error) => e, ...extra });
  /** The driver's loop: the key vault answers with the documents the filter names. */
  const drive = (ctx: MongoCryptContext): Document => {
    for (;;) {
      if (ctx.state === MONGOCRYPT_CTX_NEED_MONGO_KEYS) {
        const f = deserialize(ctx.nextMongoOperation());
        const ids = new Set((f.$or[0]._id.$in as Binary[]).map((x) => bytesToHex(bin(x))));
        for (const k of keyDocs) if (ids.has(bytesToHex(bin(k._id as Binary)))) ctx.addMongoOperationResponse(serialize(k));
        ctx.finishMongoOperation();
      } else if (ctx.state === MONGOCRYPT_CTX_READY) return deserialize(ctx.finalize(), { promoteValues: false });
      else throw new Error(`state ${ctx.state}: ${ctx.status.message}`);
    }
  };
  const keyId = hexToBytes(KABC);
  const values: unknown[] = ['value123', new Int32(-7), Long.fromBigInt(2n ** 40n), new Date(1_700_000_000_000), new Binary(new Uint8Array([1, 2, 3]), 0)];
  const same = (a: unknown, b: unknown) => expect(bytesToHex(serialize({ v: a }))).toBe(bytesToHex(serialize({ v: b })));
  const fromOracle = (out: string): unknown => (EJSON.parse(`{"v":${out}}`, { relaxed: false }) as { v: unknown }).v;

  it('explicit Indexed and Unindexed from the drop-in decrypt in libmongocrypt; the find payload is byte-equal', () => {
    for (const v of values) {
      const ins = drive(crypt().makeExplicitEncryptionContext(serialize({ v }), { keyId, algorithm: 'Indexed', contentionFactor: 4 })).v as Binary;
      same(fromOracle(oracle(['decrypt', '--keyvault', kv, '--payload', b64(ins)])), v);
      const un = drive(crypt().makeExplicitEncryptionContext(serialize({ v }), { keyId, algorithm: 'Unindexed' })).v as Binary;
      same(fromOracle(oracle(['decrypt', '--keyvault', kv, '--payload', b64(un)])), v);
      const find = drive(crypt().makeExplicitEncryptionContext(serialize({ v }), { keyId, algorithm: 'Indexed', contentionFactor: 4, queryType: 'equality' })).v as Binary;
      const theirs = oracle(['encrypt', '--keyvault', kv, '--algorithm', 'Indexed', '--query-type', 'equality', '--key-id', KABC, '--contention', '4', '--value', valueArg(v), '--rng-hex', '']);
      expect(b64(find)).toBe(theirs);
    }
  });

  it('explicit Range from the drop-in decrypts in libmongocrypt, and the reverse', () => {
    const rangeOptions = { min: new Int32(0), max: new Int32(1000), sparsity: new Long(1), trimFactor: new Int32(1) };
    for (const n of [0, 17, 999]) {
      const ins = drive(crypt().makeExplicitEncryptionContext(serialize({ v: new Int32(n) }), { keyId, algorithm: 'Range', contentionFactor: 0, rangeOptions: serialize(rangeOptions) })).v as Binary;
      same(fromOracle(oracle(['decrypt', '--keyvault', kv, '--payload', b64(ins)])), new Int32(n));
      const theirs = oracle(['encrypt', '--keyvault', kv, '--algorithm', 'Range', '--key-id', KABC, '--contention', '0', '--range-opts', EJSON.stringify(rangeOptions, { relaxed: false }), '--value', valueArg(new Int32(n))]);
      same(drive(crypt().makeExplicitDecryptionContext(serialize({ v: new Binary(Buffer.from(theirs, 'base64'), 6) }))).v, new Int32(n));
    }
  });

  it('libmongocrypt\'s Indexed (index key K123, user key KABC) and Unindexed values decrypt through the drop-in, explicitly and in a reply', () => {
    for (const v of [...values, new Double(2.5)]) {
      const indexed = v instanceof Double ? undefined : oracle(['encrypt', '--keyvault', kv, '--algorithm', 'Indexed', '--key-id', KABC, '--index-key-id', K123, '--contention', '2', '--value', valueArg(v)]);
      const unindexed = oracle(['encrypt', '--keyvault', kv, '--algorithm', 'Unindexed', '--key-id', KABC, '--value', valueArg(v)]);
      for (const blob of [indexed, unindexed]) {
        if (blob === undefined) continue;
        const b = new Binary(Buffer.from(blob, 'base64'), 6);
        same(drive(crypt().makeExplicitDecryptionContext(serialize({ v: b }))).v, v);
        const reply = drive(crypt().makeDecryptionContext(serialize({ cursor: { firstBatch: [{ _id: 1, f: b }], id: new Long(0) }, ok: 1 })));
        same(reply.cursor.firstBatch[0].f, v);
      }
    }
  });

  it('an auto-encrypted insert (encryptedFieldsMap) holds payloads libmongocrypt decrypts', () => {
    const encryptedFields = { fields: [{ keyId: new Binary(keyId, 4), path: 'ssn', bsonType: 'string', queries: { queryType: 'equality', contention: new Long(3) } }, { keyId: new Binary(hexToBytes(K123), 4), path: 'notes', bsonType: 'string' }] };
    const c = crypt({ encryptedFieldsMap: serialize({ 'db.people': encryptedFields }) });
    const out = drive(c.makeEncryptionContext('db', serialize({ insert: 'people', documents: [{ ssn: '123-45-6789', notes: 'n' }] })));
    expect(fromOracle(oracle(['decrypt', '--keyvault', kv, '--payload', b64(out.documents[0].ssn)]))).toBe('123-45-6789');
    expect(fromOracle(oracle(['decrypt', '--keyvault', kv, '--payload', b64(out.documents[0].notes)]))).toBe('n');
  });
});
