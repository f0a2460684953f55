// Makes auto-encryption-local.json: a known-answer vector for AutoEncrypter, every ciphertext
// produced by libmongocrypt 1.7.2 (../shared/tools/mcoracle), so the byte-exact check runs
// without the oracle. Run from the project root: node test-vectors/client/make-auto-encryption.mjs
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EJSON, Int32, Long } from 'bson';

const ORACLE = process.env.FLE_MCORACLE ?? '.cache/mcoracle/mcoracle';
const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RAND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const master = b64(Uint8Array.from({ length: 96 }, (_, i) => i));
const material = (seed) => b64(Uint8Array.from({ length: 96 }, (_, i) => (i * 7 + seed) & 0xff));
const scratch = mkdtempSync(join(tmpdir(), 'fle-ts-vec-'));
const oracle = (args) => execFileSync(ORACLE, args, { encoding: 'utf8' });
const file = (name, text) => {
  const p = join(scratch, name);
  writeFileSync(p, text);
  return p;
};

const keys = [
  EJSON.parse(oracle(['datakey', '--master', master, '--alt', 'records', '--material', material(1)]), { relaxed: false }),
  EJSON.parse(oracle(['datakey', '--master', master, '--alt', 'alice', '--material', material(2)]), { relaxed: false }),
];
const keysFile = file('keys.json', EJSON.stringify(keys, { relaxed: false }));
const [recordsId] = [keys[0]._id];

const schema = {
  bsonType: 'object',
  encryptMetadata: { keyId: [recordsId] },
  properties: {
    ssn: { encrypt: { bsonType: 'string', algorithm: DET } },
    mrn: { encrypt: { bsonType: 'long', algorithm: DET } },
    billing: { encrypt: { bsonType: 'object', algorithm: RAND } },
    owner: { encrypt: { bsonType: 'int', algorithm: DET, keyId: '/keyName' } },
    contact: {
      bsonType: 'object',
      properties: { phone: { encrypt: { bsonType: 'string', algorithm: DET } }, email: { encrypt: { algorithm: RAND } } },
    },
  },
};
const document = {
  _id: new Int32(1),
  name: 'Jon Doe',
  keyName: 'alice',
  ssn: '241-01-9876',
  mrn: Long.fromString('9007199254740993'),
  billing: { type: 'visa', number: '4111111111111111' },
  owner: new Int32(42),
  contact: { phone: '+47 555 0100', email: 'jon@example.com', city: 'Oslo' },
};

function encrypt(value, algorithm, sel) {
  const out = EJSON.parse(oracle(['encrypt', '--master', master, '--keys', keysFile, '--algorithm', algorithm, ...sel, '--values', file('v.json', EJSON.stringify([{ v: value }], { relaxed: false }))]), { relaxed: false });
  if (out[0].error) throw new Error(out[0].error);
  return out[0].v;
}
const byId = ['--key-id', b64(recordsId.buffer)];
const expectedDeterministic = {
  ssn: encrypt(document.ssn, DET, byId),
  mrn: encrypt(document.mrn, DET, byId),
  owner: encrypt(document.owner, DET, ['--alt', 'alice']),
  'contact.phone': encrypt(document.contact.phone, DET, byId),
};
const encryptedByLibmongocrypt = {
  ...document,
  ssn: expectedDeterministic.ssn,
  mrn: expectedDeterministic.mrn,
  owner: expectedDeterministic.owner,
  billing: encrypt(document.billing, RAND, byId),
  contact: { phone: expectedDeterministic['contact.phone'], email: encrypt(document.contact.email, RAND, byId), city: 'Oslo' },
};

const vector = {
  description:
    'AutoEncrypter known answer: encryptDocument(namespace, document) with schema must give expectedDeterministic at those paths (byte for byte) and random blobs (first byte 2) at billing and contact.email; decryptDocument(encryptedByLibmongocrypt) must give document; encryptFilter({ssn}) must give {ssn: {$eq: expectedDeterministic.ssn}}.',
  source: 'test-vectors/client/make-auto-encryption.mjs: every ciphertext made by libmongocrypt 1.7.2 via mcoracle (explicit encryption with the keys below)',
  masterKeyBase64: master,
  keyDocuments: keys,
  namespace: 'medical.patients',
  schema,
  document,
  expectedDeterministic,
  encryptedByLibmongocrypt,
};
writeFileSync('test-vectors/client/auto-encryption-local.json', `${EJSON.stringify(vector, undefined, 2, { relaxed: false })}\n`);
console.log('wrote test-vectors/client/auto-encryption-local.json');
