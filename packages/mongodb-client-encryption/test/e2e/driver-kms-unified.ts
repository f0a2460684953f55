// Runs in a fresh Node process (driver-kms-unified.test.ts starts it): the spec's unified files that
// need a remote KMS with auto encryption or access tokens (awsTemporary, azureKMS, gcpKMS, kmipKMS,
// accessToken-azure, accessToken-gcp) through the official driver of one major + this package,
// against the test wire server. Every KMS connection the driver opens (tls.connect to the real
// hosts: kms.*.amazonaws.com, *.vault.azure.net, login.microsoftonline.com, *.googleapis.com, the
// KMIP server localhost:5698) is sent to a local TLS front: HTTP ones to the kms package's verifying
// mock, KMIP ones to the in-memory KMIP server. The files' key documents are re-wrapped through the
// same mock under their own masterKey (a random data key: the real one's plaintext is not published),
// so expected ciphertexts are compared on their clear 18-byte prefix and length, and each value
// read back through the driver's auto decryption. Prints one JSON report.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';

const require = createRequire(import.meta.url);
const [majorArg, specDir] = process.argv.slice(2) as [string, string];
const major = majorArg === '6' ? '6' : '7';
const { startWireServer } = await import('../wire-server/server.js');
const { fakeKmipExchange, routeToMock, startFakeKmsAccount } = await import('../../../client/test/kms-routing.js');
const { KmsProviders } = await import('@fle-ts/keyvault');
const { KmipResponseParser } = await import('@fle-ts/kms');
const mongodb = require(`mongodb${major}`) as typeof import('mongodb7');
const { EJSON, Binary } = mongodb.BSON;
type Doc = Record<string, any>;

const FILES = ['awsTemporary', 'azureKMS', 'gcpKMS', 'kmipKMS', 'accessToken-azure', 'accessToken-gcp'];
const account = await startFakeKmsAccount('driver-unified');
const { mock, awsTemp: AWS_TEMP, fill } = account;
const kmip = fakeKmipExchange();

// One certificate for both fronts; the redirected connections trust it (ca) whatever host they named.
const dir = mkdtempSync(join(tmpdir(), 'fle-ts-kms-unified-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
  '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
const tlsMaterial = { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) };
const httpFront = tls.createServer(tlsMaterial, (socket) => {
  const upstream = connect(mock.port, '127.0.0.1');
  socket.pipe(upstream).pipe(socket);
  upstream.on('error', () => socket.destroy());
  socket.on('error', () => upstream.destroy());
});
const kmipFront = tls.createServer(tlsMaterial, (socket) => {
  const parser = new KmipResponseParser('kmip');
  socket.on('data', (d: Buffer) => {
    parser.feed(new Uint8Array(d));
    if (parser.bytesNeeded() === 0) void kmip('localhost', 5698, parser.response()).then((answer) => socket.end(answer));
  });
  socket.on('error', () => socket.destroy());
});
await Promise.all([httpFront, kmipFront].map((s) => new Promise<void>((r) => s.listen(0, '127.0.0.1', r))));
const KMS_HOST = /(\.amazonaws\.com|\.vault\.azure\.net|login\.microsoftonline\.com|\.googleapis\.com)$/;
const redirected: string[] = [];
const realConnect = tls.connect.bind(tls);
(tls as { connect: unknown }).connect = (options: tls.ConnectionOptions & { host?: string; port?: number }, ...rest: unknown[]) => {
  const host = String(options?.host ?? '');
  const isKmip = host === 'localhost' && Number(options.port) === 5698;
  if (typeof options === 'object' && (KMS_HOST.test(host) || isKmip)) {
    redirected.push(`${host}:${options.port}`);
    const port = ((isKmip ? kmipFront : httpFront).address() as AddressInfo).port;
    return (realConnect as (...a: unknown[]) => unknown)({ ...options, host: '127.0.0.1', port, ca: tlsMaterial.cert, checkServerIdentity: () => undefined }, ...rest);
  }
  return (realConnect as (...a: unknown[]) => unknown)(options, ...rest);
};

const rewrapper = new KmsProviders(account.providers as never, [],
  { fetch: routeToMock(mock.port), kmipExchange: kmip, sleep: async () => {}, backoffMs: () => 0 } as never);

/** The file's key documents with keyMaterial re-wrapped through the mock (a random data key). */
async function keyDocuments(docs: Doc[]): Promise<Doc[]> {
  const out: Doc[] = [];
  for (const raw of docs) {
    const doc = EJSON.deserialize(raw, { relaxed: false }) as Doc;
    const mk = doc.masterKey as Doc;
    if (String(mk.provider).startsWith('kmip') && typeof mk.keyId === 'string') {
      if (mk.delegated === true) kmip.aesKeys.set(mk.keyId, crypto.getRandomValues(new Uint8Array(32)));
      else kmip.secrets.set(mk.keyId, crypto.getRandomValues(new Uint8Array(96)));
    }
    doc.keyMaterial = new Binary(await rewrapper.wrap(crypto.getRandomValues(new Uint8Array(96)), mk as never), 0);
    out.push(doc);
  }
  return out;
}

const prefix = (b: Uint8Array): string => Buffer.from(b.subarray(0, 18)).toString('base64');
const blobOf = (v: unknown): Uint8Array => {
  const b = (v instanceof Binary ? v : EJSON.deserialize({ v } as Doc, { relaxed: false }).v) as InstanceType<typeof Binary>;
  return new Uint8Array(b.buffer.subarray(0, b.position));
};

const server = await startWireServer();
const plain = new mongodb.MongoClient(server.uri);
await plain.connect();
const results: Doc[] = [];
try {
  for (const name of FILES) {
    const file = JSON.parse(readFileSync(join(specDir, `${name}.json`), 'utf8')) as Doc;
    const entities = file.createEntities as Doc[];
    for (const t of file.tests as Doc[]) {
      const r: Doc = { file: name, test: t.description, ok: false, checks: [] as string[] };
      results.push(r);
      const open: { close(): Promise<void> }[] = [];
      try {
        // initialData: the key vault (re-wrapped keys) and each collection with its validator
        for (const d of file.initialData as Doc[]) {
          const db = plain.db(d.databaseName);
          await db.collection(d.collectionName).drop().catch(() => undefined);
          if (d.collectionName === 'datakeys') {
            const docs = await keyDocuments(d.documents);
            if (docs.length > 0) await db.collection(d.collectionName).insertMany(docs);
          } else {
            await db.createCollection(d.collectionName, EJSON.deserialize(d.createOptions ?? {}, { relaxed: false }));
          }
        }
        for (const op of t.operations as Doc[]) {
          let made: Uint8Array;
          let expected: Uint8Array;
          let readBack: () => Promise<unknown>;
          const value = op.name === 'insertOne' ? undefined : op.arguments.value;
          if (op.name === 'insertOne') {
            const coll = entities.find((e) => e.collection?.id === op.object)!.collection;
            const dbe = entities.find((e) => e.database?.id === coll.database)!.database;
            const ce = entities.find((e) => e.client?.id === dbe.client)!.client;
            const client = new mongodb.MongoClient(server.uri, { autoEncryption: { keyVaultNamespace: ce.autoEncryptOpts.keyVaultNamespace, kmsProviders: fill(ce.autoEncryptOpts.kmsProviders) as never } });
            open.push(client);
            await client.connect();
            const doc = EJSON.deserialize(op.arguments.document, { relaxed: false }) as Doc;
            const insert = client.db(dbe.databaseName).collection(coll.collectionName).insertOne(doc);
            if (op.expectError) {
              const e = await insert.then(() => undefined, (err: Error) => err);
              if (!(e instanceof Error)) throw new Error('insertOne should fail');
              const want = String(op.expectError.errorContains ?? '');
              if (!e.message.toLowerCase().includes(want.toLowerCase())) throw new Error(`error "${e.message}" lacks "${want}"`);
              if (e.message.includes(AWS_TEMP.secretAccessKey)) throw new Error('the secret is in the error message');
              r.checks.push(`insertOne fails with ${e.name}: "${e.message.slice(0, 140)}"`);
              continue;
            }
            await insert;
            const field = Object.keys(doc).find((k) => k !== '_id') as string;
            const stored = await plain.db(dbe.databaseName).collection(coll.collectionName).findOne({ _id: doc._id });
            const want = EJSON.deserialize(t.outcome[0].documents[0], { relaxed: false }) as Doc;
            if (JSON.stringify(Object.keys(stored ?? {})) !== JSON.stringify(Object.keys(want))) throw new Error(`stored fields ${Object.keys(stored ?? {})}`);
            made = blobOf(stored?.[field]);
            expected = blobOf(want[field]);
            readBack = async () => (await client.db(dbe.databaseName).collection(coll.collectionName).findOne({ _id: doc._id }))?.[field];
            r.value = doc[field];
          } else if (op.name === 'encrypt') {
            const cee = entities.find((e) => e.clientEncryption?.id === op.object)!.clientEncryption.clientEncryptionOpts;
            const ce = new mongodb.ClientEncryption(plain, { keyVaultNamespace: cee.keyVaultNamespace, kmsProviders: fill(cee.kmsProviders) as never });
            made = blobOf(await ce.encrypt(value, op.arguments.opts));
            expected = blobOf(op.expectResult);
            readBack = async () => ce.decrypt(new Binary(made, 6));
            r.value = value;
          } else throw new Error(`unsupported operation ${op.name}`);
          if (prefix(made) !== prefix(expected)) throw new Error(`prefix ${prefix(made)} != ${prefix(expected)}`);
          if (made.length !== expected.length) throw new Error(`length ${made.length} != ${expected.length}`);
          const back = await readBack();
          if (back !== r.value) throw new Error(`read back ${JSON.stringify(back)}`);
          r.checks.push(`${op.name}: prefix and length of ${Buffer.from(expected).toString('base64').slice(0, 16)}... match, value read back`);
        }
        r.ok = true;
      } catch (e) {
        r.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      } finally {
        for (const c of open) await c.close();
      }
    }
  }
} finally {
  await plain.close();
  await server.close();
  httpFront.close();
  kmipFront.close();
  await mock.close();
}
console.log(JSON.stringify({ major, results, redirected: [...new Set(redirected)].sort(), mockRequests: mock.requests.map((q) => `${q.target}${q.signatureValid ? '' : ' (refused)'}`) }));
