// The README's first command (`pnpm demo`): the official `mongodb` driver's own client-side field
// level encryption (`MongoClient` with `autoEncryption`, and its `ClientEncryption`) running on
// fle-ts: the driver's `require('mongodb-client-encryption')` finds @fle-ts/mongodb-client-encryption
// instead of the native libmongocrypt addon, and no mongocryptd is started. The patient-record
// example of MongoDB's CSFLE documentation: `ssn` deterministic (queryable), `billing` random (a
// whole object), `name` in clear. Against MONGODB_URI when it is set (it uses the database
// `fle_ts_demo` there and drops it first), otherwise against the repository's test wire server
// started in this process. Prints what the server stores beside what the application reads.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PKG = join(ROOT, 'packages/mongodb-client-encryption');
// In an application this is `import { MongoClient, ClientEncryption } from 'mongodb'` with
// "mongodb-client-encryption": "npm:@fle-ts/mongodb-client-encryption@^7.100.0" in package.json.
// In this repository the driver is a dev dependency of the drop-in package (the alias `mongodb7`),
// where pnpm links the drop-in as the driver's `mongodb-client-encryption`.
const pkgRequire = createRequire(join(PKG, 'package.json'));
const { MongoClient, ClientEncryption, Binary } = pkgRequire('mongodb7') as typeof import('../packages/mongodb-client-encryption/node_modules/mongodb7');
const driverVersion = (createRequire(pkgRequire.resolve('mongodb7'))('../package.json') as { version: string }).version;
const binding = createRequire(pkgRequire.resolve('mongodb7')).resolve('mongodb-client-encryption');

type Doc = Record<string, unknown>;

/** A value the way mongosh prints it: BinData(6, "base64...") for ciphertexts, shortened. */
function show(value: unknown): string {
  if (value instanceof Binary) {
    const b64 = value.toString('base64');
    return `BinData(${value.sub_type}, "${b64.length > 24 ? `${b64.slice(0, 10)}...${b64.slice(-10)}` : b64}")`;
  }
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'object' && value !== null && !('_bsontype' in value)) {
    return `{ ${Object.entries(value).map(([k, v]) => `${k}: ${show(v)}`).join(', ')} }`;
  }
  return JSON.stringify(value) ?? String(value);
}

const external = process.env.MONGODB_URI;
const server = external ? undefined : await (await import(join(PKG, 'test/wire-server/server.ts'))).startWireServer();
const uri: string = external ?? server.uri;
console.log(`Official driver mongodb ${driverVersion}; its require('mongodb-client-encryption') loads`);
console.log(`  ${binding.replace(`${ROOT}/`, '')} (fle-ts, pure TypeScript; no native addon, no mongocryptd)`);
console.log(`Server: ${external ? 'MONGODB_URI' : `the test wire server in this process (${uri})`}`);

const db = 'fle_ts_demo';
const keyVaultNamespace = `${db}.__keyVault`;
// 1. A local master key: 96 random bytes (in production from a secret store, never in code).
const kmsProviders = { local: { key: crypto.getRandomValues(new Uint8Array(96)) } };
const plain = new MongoClient(uri); // no autoEncryption: sees what the server stores
await plain.connect();
try {
  await plain.db(db).dropDatabase();

  // 2. A data key, made by the driver's ClientEncryption, stored in the key vault.
  const clientEncryption = new ClientEncryption(plain, { keyVaultNamespace, kmsProviders });
  const keyId = await clientEncryption.createDataKey('local', { keyAltNames: ['patients-key'] });
  console.log(`\n1. Data key ${keyId.toString('hex')} ("patients-key") in ${keyVaultNamespace}, wrapped by the local master key`);

  // 3. MongoClient with automatic encryption: the schemaMap says what to encrypt and how.
  const schemaMap = {
    [`${db}.patients`]: {
      bsonType: 'object',
      encryptMetadata: { keyId: [keyId] },
      properties: {
        ssn: { encrypt: { bsonType: 'string', algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' } },
        billing: { encrypt: { bsonType: 'object', algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random' } },
      },
    },
  };
  const secure = new MongoClient(uri, { autoEncryption: { keyVaultNamespace, kmsProviders, schemaMap }, monitorCommands: true });
  const sent: Doc[] = [];
  secure.on('commandStarted', (e: { commandName: string; command: Doc }) => { if (e.commandName === 'find') sent.push(e.command); });
  await secure.connect();
  console.log('2. MongoClient({ autoEncryption: { keyVaultNamespace, kmsProviders, schemaMap } }): ssn deterministic, billing random, name in clear');
  try {
    const patients = secure.db(db).collection('patients');
    await patients.insertMany([
      { _id: 1, name: 'Jon Doe', ssn: '241-01-9876', billing: { type: 'visa', number: '4111111111111111' } },
      { _id: 2, name: 'Ana Silva', ssn: '317-22-1234', billing: { type: 'mastercard', number: '5500005555555559' } },
    ] as Doc[]);
    console.log('3. insertMany of two patients through the encrypting client');

    // 4. The same documents, side by side.
    const stored = await plain.db(db).collection('patients').find({}, { sort: { _id: 1 } }).toArray();
    const read = await patients.find({}, { sort: { _id: 1 } }).toArray();
    console.log(`4. ${'What the server stores'.padEnd(55)}| what the application reads`);
    for (const [i, s] of stored.entries()) {
      for (const field of ['name', 'ssn', 'billing']) {
        console.log(`   _id ${s._id} ${field.padEnd(8)} ${show(s[field]).padEnd(40)}| ${show((read[i] as Doc)[field])}`);
      }
    }

    // 5. A query on the deterministic field: the driver sends the ciphertext, the server matches it.
    sent.length = 0;
    const found = await patients.findOne({ ssn: '317-22-1234' });
    const filter = (sent.find((c) => c.find === 'patients')?.filter ?? {}) as { ssn?: { $eq?: unknown } };
    console.log(`5. findOne({ ssn: "317-22-1234" }) went to the server as { ssn: { $eq: ${show(filter.ssn?.$eq)} } }`);
    console.log(`   and came back decrypted: ${show(found)}`);

    // 6. Explicit encryption by alt name, and back.
    const blob = await clientEncryption.encrypt('123-45-6789', { keyAltName: 'patients-key', algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Random' });
    console.log(`6. clientEncryption.encrypt("123-45-6789") = ${show(blob)}, decrypt -> ${JSON.stringify(await clientEncryption.decrypt(blob))}`);
  } finally {
    await secure.close();
  }
} finally {
  await plain.close();
  await server?.close();
}
