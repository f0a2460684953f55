// Runs in a fresh Node process (driver-kms.test.ts starts it): the official driver of one major,
// with this package as its binding, creates an aws data key, encrypts and decrypts through the
// NEED_KMS loop. The driver opens the TLS connections itself (tls.connect to the masterKey's
// endpoint, its tlsOptions.<provider>.tlsCAFile trusting a certificate made here with openssl); a TLS
// front passes them to the kms package's verifying mock (SigV4 recomputed, Azure client credentials
// and GCP's RS256 JWT checked, bearer tokens its own). Then azure and gcp keys the same way, each
// after its OAuth token request. Prints one JSON report.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:tls';

// Azure IMDS is at 169.254.169.254 for the driver (its AZURE_BASE_URL, fetched with node:http's
// get): requests to that address go to the mock instead, which checks IMDS's Metadata header.
const http = (await import('node:http')).default;
const imdsTo: { port?: number } = {};
const realGet = http.get.bind(http);
(http as { get: unknown }).get = (url: URL | string, ...rest: unknown[]) => {
  const u = new URL(String(url));
  if (u.hostname === '169.254.169.254' && imdsTo.port !== undefined) {
    u.host = `127.0.0.1:${imdsTo.port}`;
    return (realGet as (...a: unknown[]) => unknown)(u, ...rest);
  }
  return (realGet as (...a: unknown[]) => unknown)(url, ...rest);
};

const require = createRequire(import.meta.url);
const major = process.argv[2] === '6' ? '6' : '7';
const { startWireServer } = await import('../wire-server/server.js');
const { startMockKms } = await import('../../../kms/test/mock-kms.js');
const mongodb = require(`mongodb${major}`) as typeof import('mongodb7');
type Doc = Record<string, unknown>;
const report: Doc = { major };

const AWS = { accessKeyId: 'AKIDDRIVERKMS', secretAccessKey: 'driver-kms-secret' };
const dir = mkdtempSync(join(tmpdir(), 'fle-ts-kms-tls-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
  '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });

const AZURE = { tenantId: 'tenant-driver', clientId: 'client-driver', clientSecret: 'driver-azure-secret' };
const gcpPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
const GCP = { email: 'driver@p.iam.gserviceaccount.com', privateKey: gcpPair.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64') };
const mock = await startMockKms({
  aws: { [AWS.accessKeyId]: AWS.secretAccessKey }, azure: AZURE,
  gcp: { email: GCP.email, publicKeySpki: new Uint8Array(gcpPair.publicKey.export({ type: 'spki', format: 'der' })) },
});
imdsTo.port = mock.port;
let tlsConnections = 0;
const front = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (socket) => {
  tlsConnections++;
  const upstream = connect(mock.port, '127.0.0.1');
  socket.pipe(upstream).pipe(socket);
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
});
await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
const endpoint = `127.0.0.1:${(front.address() as AddressInfo).port}`;
const server = await startWireServer();
const client = new mongodb.MongoClient(server.uri);
const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const keyVaultNamespace = 'keyvault.datakeys';
const tlsOptions = { aws: { tlsCAFile: join(dir, 'cert.pem') } };
const masterKey = { region: 'us-east-1', key: 'arn:aws:kms:us-east-1:1:key/driver', endpoint };
try {
  await client.connect();
  await client.db('keyvault').dropDatabase();
  const ce = new mongodb.ClientEncryption(client, { keyVaultNamespace, kmsProviders: { aws: AWS }, tlsOptions });
  const keyId = await ce.createDataKey('aws', { masterKey, keyAltNames: ['aws-key'] });
  const [doc] = await client.db('keyvault').collection('datakeys').find({}).toArray();
  report.stored = { masterKey: doc?.masterKey, keyMaterialPrefix: Buffer.from((doc?.keyMaterial as { buffer: Uint8Array }).buffer.subarray(0, 8)).toString('utf8') };
  const blob = await ce.encrypt('over the NEED_KMS loop', { keyId, algorithm: DET });
  report.decrypted = await ce.decrypt(blob);
  // A second ClientEncryption: the key is unwrapped through the KMS again. (aws: {} is not tried:
  // the driver loads @aws-sdk/credential-providers even when credentialProviders.aws is given.)
  const fresh = new mongodb.ClientEncryption(client, { keyVaultNamespace, kmsProviders: { aws: AWS }, tlsOptions });
  report.freshDecrypted = await fresh.decrypt(blob);
  report.byAltName = await fresh.encrypt('over the NEED_KMS loop', { keyAltName: 'aws-key', algorithm: DET }).then((b) => Buffer.from(b.buffer).equals(Buffer.from(blob.buffer)));
  // rewrap to local and back to aws
  const rewrap = new mongodb.ClientEncryption(client, { keyVaultNamespace, kmsProviders: { aws: AWS, local: { key: new Uint8Array(96).fill(1) } }, tlsOptions });
  report.rewrapToLocal = (await rewrap.rewrapManyDataKey({}, { provider: 'local' })).bulkWriteResult?.modifiedCount;
  report.rewrapToAws = (await rewrap.rewrapManyDataKey({}, { provider: 'aws', masterKey })).bulkWriteResult?.modifiedCount;
  report.afterRewrap = await new mongodb.ClientEncryption(client, { keyVaultNamespace, kmsProviders: { aws: AWS }, tlsOptions }).decrypt(blob);
  // A KMS error answer reaches the application as the driver's MongoCryptError, naming the provider.
  mock.fault('errorJson', 3);
  report.kmsError = await new mongodb.ClientEncryption(client, { keyVaultNamespace, kmsProviders: { aws: AWS }, tlsOptions }).decrypt(blob)
    .then(() => undefined, (e: Error) => ({ name: e.name, message: e.message }));
  mock.fault('none', 0);
  report.requests = mock.requests.map((r) => r.target);
  report.signaturesValid = mock.requests.every((r) => r.signatureValid);
  report.tlsConnections = tlsConnections;

  // azure and gcp: the driver sends the token request (a NEED_KMS of its own), then the key request.
  const before = mock.requests.length;
  const tlsBefore = tlsConnections;
  const ca = { tlsCAFile: join(dir, 'cert.pem') };
  const cloudOptions = {
    keyVaultNamespace,
    kmsProviders: { azure: { ...AZURE, identityPlatformEndpoint: endpoint }, gcp: { ...GCP, endpoint } },
    tlsOptions: { azure: ca, gcp: ca },
  };
  const cloud = new mongodb.ClientEncryption(client, cloudOptions);
  const azureKey = { keyVaultEndpoint: endpoint, keyName: 'driver-key' };
  const gcpKey = { projectId: 'p', location: 'global', keyRing: 'r', keyName: 'driver-key', endpoint };
  const azureId = await cloud.createDataKey('azure', { masterKey: azureKey, keyAltNames: ['azure-key'] });
  const gcpId = await cloud.createDataKey('gcp', { masterKey: gcpKey, keyAltNames: ['gcp-key'] });
  const azureBlob = await cloud.encrypt('via azure', { keyId: azureId, algorithm: DET });
  const gcpBlob = await cloud.encrypt('via gcp', { keyId: gcpId, algorithm: DET });
  const cloudFresh = new mongodb.ClientEncryption(client, cloudOptions);
  report.cloudDecrypted = [await cloudFresh.decrypt(azureBlob), await cloudFresh.decrypt(gcpBlob)];
  // rewrap azure -> gcp, then decrypt with a fresh ClientEncryption (gcp unwraps it now)
  report.cloudRewrap = (await cloud.rewrapManyDataKey({ _id: azureId }, { provider: 'gcp', masterKey: gcpKey })).bulkWriteResult?.modifiedCount;
  const moved = await client.db('keyvault').collection('datakeys').findOne({ keyAltNames: 'azure-key' });
  report.cloudRewrappedProvider = (moved?.masterKey as Doc | undefined)?.provider;
  report.cloudAfterRewrap = await new mongodb.ClientEncryption(client, cloudOptions).decrypt(azureBlob);
  report.cloudRequests = mock.requests.slice(before).map((r) => r.target);
  report.cloudValid = mock.requests.slice(before).every((r) => r.signatureValid);
  report.cloudTlsConnections = tlsConnections - tlsBefore;
  // A wrong client secret: the driver's MongoCryptError naming azure, without the secret.
  report.cloudError = await new mongodb.ClientEncryption(client, { ...cloudOptions, kmsProviders: { azure: { ...AZURE, clientSecret: 'wrong-driver-secret', identityPlatformEndpoint: endpoint } } })
    .createDataKey('azure', { masterKey: azureKey }).then(() => undefined, (e: Error) => ({ name: e.name, message: e.message }));

  // azure: {}: the driver fetches an IMDS token itself (refreshKMSCredentials) and hands
  // {azure: {accessToken}} to NEED_KMS_CREDENTIALS in each context; no OAuth round follows.
  const imdsBefore = mock.requests.length;
  const onDemand = new mongodb.ClientEncryption(client, { keyVaultNamespace, kmsProviders: { azure: {} }, tlsOptions: { azure: ca } });
  const onDemandId = await onDemand.createDataKey('azure', { masterKey: azureKey });
  const onDemandBlob = await onDemand.encrypt('azure on demand', { keyId: onDemandId, algorithm: DET });
  report.onDemandDecrypted = await new mongodb.ClientEncryption(client, { keyVaultNamespace, kmsProviders: { azure: {} }, tlsOptions: { azure: ca } }).decrypt(onDemandBlob);
  report.onDemandRequests = mock.requests.slice(imdsBefore).map((r) => `${r.target}${r.signatureValid ? '' : ' (refused)'}`);
} catch (e) {
  report.fatal = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
} finally {
  await client.close();
  await server.close();
  front.close();
  await mock.close();
}
console.log(JSON.stringify(report));
