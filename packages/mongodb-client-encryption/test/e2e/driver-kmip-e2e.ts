// Runs in a fresh Node process (driver-kmip.test.ts starts it with PyKMIP's port and certificate
// directory): the official driver of one major, with this package as its binding, runs kmip data
// keys through its NEED_KMS loop. The driver opens every KMIP connection itself (tls.connect with
// its tlsOptions.kmip: the test CA and the client certificate + key file); the KMIP server is
// PyKMIP, which accepts only mutually authenticated TLS. Prints one JSON report.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const [majorArg, dir, portArg] = process.argv.slice(2) as [string, string, string];
const major = majorArg === '6' ? '6' : '7';
const { startWireServer } = await import('../wire-server/server.js');
const { createKmipKmsProvider } = await import('@fle-ts/kms');
const { nodeKmipExchange } = await import('@fle-ts/kms/node');
const mongodb = require(`mongodb${major}`) as typeof import('mongodb7');
type Doc = Record<string, unknown>;
const report: Doc = { major };

const endpoint = `127.0.0.1:${portArg}`;
// The driver reads one PEM file with the client certificate and its key (tlsCertificateKeyFile).
const certKeyFile = join(dir, 'client-cert-key.pem');
writeFileSync(certKeyFile, readFileSync(join(dir, 'client.pem'), 'utf8') + readFileSync(join(dir, 'client.key'), 'utf8'));
const tlsOptions = { kmip: { tlsCAFile: join(dir, 'ca.pem'), tlsCertificateKeyFile: certKeyFile } };
const LOCAL = new Uint8Array(96).fill(5);
const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const keyVaultNamespace = 'keyvault.datakeys';
const server = await startWireServer();
const client = new mongodb.MongoClient(server.uri);
const options = { keyVaultNamespace, kmsProviders: { kmip: { endpoint }, local: { key: LOCAL } }, tlsOptions };
const keys = () => client.db('keyvault').collection<{ _id: import('mongodb7').Binary } & Doc>('datakeys');
const failure = (e: Error): Doc => ({ name: e.name, message: e.message });
try {
  await client.connect();
  await client.db('keyvault').dropDatabase();
  const ce = new mongodb.ClientEncryption(client, options);
  // No keyId: Register + Activate + Get (three NEED_KMS rounds); delegated: Create + Activate + Encrypt.
  const plainId = await ce.createDataKey('kmip', { keyAltNames: ['kmip-plain'] });
  const delegatedId = await ce.createDataKey('kmip', { masterKey: { delegated: true }, keyAltNames: ['kmip-delegated'] });
  const plainDoc = await keys().findOne({ _id: plainId });
  const delegatedDoc = await keys().findOne({ _id: delegatedId });
  const plainMk = plainDoc?.masterKey as Doc;
  report.plainMasterKey = plainMk;
  report.delegatedMasterKey = delegatedDoc?.masterKey;
  report.keyMaterialLengths = [plainDoc?.keyMaterial, delegatedDoc?.keyMaterial].map((m) => (m as { length(): number }).length());
  // A given keyId and a masterKey endpoint without a dot ('localhost'): one Get round, stored as given.
  const givenMk = { keyId: plainMk.keyId as string, endpoint: `localhost:${portArg}` };
  const givenId = await ce.createDataKey('kmip', { masterKey: givenMk });
  report.givenMasterKey = (await keys().findOne({ _id: givenId }))?.masterKey;

  const blobs = await Promise.all([plainId, delegatedId, givenId].map((keyId, i) => ce.encrypt(`kmip value ${i}`, { keyId, algorithm: DET })));
  report.decrypted = await Promise.all(blobs.map((b) => ce.decrypt(b)));
  const fresh = new mongodb.ClientEncryption(client, options);
  report.freshDecrypted = await Promise.all(blobs.map((b) => fresh.decrypt(b)));
  report.byAltName = await fresh.encrypt('kmip value 0', { keyAltName: 'kmip-plain', algorithm: DET }).then((b) => Buffer.from(b.buffer).equals(Buffer.from(blobs[0]!.buffer)));

  // Another client of the same KMIP server unwraps what the driver stored: @fle-ts/kms's provider.
  const exchange = nodeKmipExchange({ ca: readFileSync(join(dir, 'ca.pem'), 'utf8'), cert: readFileSync(join(dir, 'client.pem'), 'utf8'), key: readFileSync(join(dir, 'client.key'), 'utf8') });
  const kmsProvider = createKmipKmsProvider('kmip', { exchange, endpoint });
  const material = (d: Doc | null): Uint8Array => new Uint8Array((d?.keyMaterial as { buffer: Uint8Array }).buffer);
  const unwrapped = await Promise.all([plainDoc, delegatedDoc].map((d) => kmsProvider.unwrap(material(d), { ...(d?.masterKey as Doc), provider: 'kmip' })));
  report.kmsPackageUnwraps = unwrapped.map((k) => k.length);

  // rewrap: two local keys to kmip without keyId (each registers its own secret), then back to local.
  const localIds = [await ce.createDataKey('local', { keyAltNames: ['l1'] }), await ce.createDataKey('local', { keyAltNames: ['l2'] })];
  const localBlob = await ce.encrypt('local then kmip', { keyId: localIds[0]!, algorithm: DET });
  const toKmip = await ce.rewrapManyDataKey({ _id: { $in: localIds } }, { provider: 'kmip', masterKey: {} });
  report.rewrapToKmip = toKmip.bulkWriteResult?.modifiedCount;
  const moved = await keys().find({ _id: { $in: localIds } }).toArray();
  report.rewrappedMasterKeys = moved.map((d) => d.masterKey);
  report.afterRewrapToKmip = await new mongodb.ClientEncryption(client, options).decrypt(localBlob);
  report.rewrapDelegatedToLocal = (await ce.rewrapManyDataKey({ _id: delegatedId }, { provider: 'local' })).bulkWriteResult?.modifiedCount;
  report.afterRewrapToLocal = await new mongodb.ClientEncryption(client, { keyVaultNamespace, kmsProviders: { local: { key: LOCAL } } }).decrypt(blobs[1]!);

  // An unknown keyId: the KMIP server's error as the driver's MongoCryptError naming kmip.
  await keys().updateOne({ _id: plainId }, { $set: { 'masterKey.keyId': '999999' } });
  report.unknownKeyError = await new mongodb.ClientEncryption(client, options).decrypt(blobs[0]!).then(() => undefined, failure);
  // Without tlsOptions.kmip the driver presents no client certificate: PyKMIP closes the connection.
  report.noClientCertError = await new mongodb.ClientEncryption(client, { keyVaultNamespace, kmsProviders: { kmip: { endpoint } } })
    .createDataKey('kmip').then(() => undefined, failure);
} catch (e) {
  report.fatal = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
} finally {
  await client.close();
  await server.close();
}
console.log(JSON.stringify(report));
