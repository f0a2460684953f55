// The README's first command (`pnpm demo`): a walk-through of fle-ts's automatic encryption with a
// local master key and a key vault in a temporary folder, the patient-record example of MongoDB's
// CSFLE documentation: `ssn` deterministic (queryable), `billing` random (a whole object), `name` clear.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Binary } from 'bson';
import { randomBytes } from '@fle-ts/crypto-core';
import { AutoEncrypter, ClientEncryption } from '@fle-ts/client';
import { FileKeyVault } from '@fle-ts/client/node';

/** Prints BSON values the way mongosh does: BinData(6, "base64"). */
function show(value: unknown, indent = '  '): string {
  if (value instanceof Binary) return `BinData(${value.sub_type}, "${value.toString('base64')}")`;
  if (Array.isArray(value)) return `[${value.map((v) => show(v, indent)).join(', ')}]`;
  if (typeof value === 'object' && value !== null && !('_bsontype' in value)) {
    const inner = Object.entries(value).map(([k, v]) => `${indent}  ${k}: ${show(v, `${indent}  `)}`);
    return `{\n${inner.join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? String(value);
}

/** Equality of two stored values, as the server compares BinData: same subtype, same bytes. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Binary && b instanceof Binary) {
    return a.sub_type === b.sub_type && a.position === b.position && a.buffer.subarray(0, a.position).every((x, i) => x === b.buffer[i]);
  }
  return a === b;
}

/** A tiny stand-in for the server's matcher: enough for `{field: {$eq: v}}` and `{field: v}`. */
function matches(doc: Record<string, unknown>, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([field, cond]) => {
    const want = typeof cond === 'object' && cond !== null && '$eq' in cond ? (cond as { $eq: unknown }).$eq : cond;
    return sameValue(doc[field], want);
  });
}

const dir = mkdtempSync(join(tmpdir(), 'fle-ts-demo-'));
try {
  // 1. A 96-byte local master key (in production: from a KMS or a secret store, never in code).
  const masterKey = randomBytes(96);
  const kmsProviders = { local: { key: masterKey } };
  const keyVault = new FileKeyVault(join(dir, 'keyvault.json'));
  console.log(`1. Local master key (96 bytes) and a file key vault in ${dir}`);

  // 2. A data key, wrapped by the master key, stored in the key vault.
  const clientEncryption = new ClientEncryption({ keyVault, kmsProviders });
  const keyId = await clientEncryption.createDataKey('local', { keyAltNames: ['patients-key'] });
  console.log(`2. Data key created: UUID ${keyId.toString('hex')}, alt name "patients-key"`);

  // 3. The schema: what automatic encryption encrypts, and how.
  const ns = 'medical.patients';
  const schema = {
    bsonType: 'object',
    encryptMetadata: { keyId: [keyId] },
    properties: {
      ssn: { encrypt: { bsonType: 'string', algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' } },
      billing: { encrypt: { bsonType: 'object', algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random' } },
    },
  };
  const auto = new AutoEncrypter({ keyVault, kmsProviders, schemaMap: { [ns]: schema } });
  console.log('3. Schema: ssn deterministic, billing random, name in clear');

  // 4. Encrypt documents as an insert would store them.
  const patients = [
    { _id: 1, name: 'Jon Doe', ssn: '241-01-9876', billing: { type: 'visa', number: '4111111111111111' } },
    { _id: 2, name: 'Ana Silva', ssn: '317-22-1234', billing: { type: 'mastercard', number: '5500005555555559' } },
  ];
  const stored = await Promise.all(patients.map((p) => auto.encryptDocument(ns, p)));
  console.log('4. Stored form of patient 1 (what the server sees):');
  console.log(`  ${show(stored[0])}`);

  // 5. An equality query on ssn, rewritten to the deterministic ciphertext, matched against the stored form.
  const filter = await auto.encryptFilter(ns, { ssn: '317-22-1234' });
  console.log('5. Query { ssn: "317-22-1234" } rewritten to:');
  console.log(`  ${show(filter)}`);
  const found = stored.filter((d) => matches(d, filter));
  console.log(`   matches ${found.length} stored document(s): _id ${found.map((d) => d._id).join(', ')}`);

  // 6. The reply decrypted back, as automatic decryption does for every FLE1 value in a reply.
  const decrypted = await auto.decryptDocument(found[0]);
  console.log('6. Decrypted:');
  console.log(`  ${show(decrypted)}`);

  // 7. Explicit encryption, by alt name, and the round trip.
  const blob = await clientEncryption.encrypt('123-45-6789', { keyAltName: 'patients-key', algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' });
  console.log(`7. Explicit encrypt("123-45-6789") = ${show(blob)}`);
  console.log(`   decrypt -> ${JSON.stringify(await clientEncryption.decrypt(blob))}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
