// Runs inside workerd (miniflare, nodejs_compat): the official driver 7 with this package as its
// binding, bundled by esbuild (workerd.test.ts), against the test wire server on the host over
// TCP. Answers one JSON report per request.
import { ClientEncryption, MongoClient, Binary } from 'mongodb7';

interface Env { MONGODB_URI: string }

export default {
  async fetch(_request: Request, env: Env): Promise<Response> {
    const report: Record<string, unknown> = {};
    const kmsProviders = { local: { key: crypto.getRandomValues(new Uint8Array(96)) } };
    const keyVaultNamespace = 'keyvault.datakeys';
    const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
    const keyVaultClient = new MongoClient(env.MONGODB_URI);
    let client: MongoClient | undefined;
    try {
      await keyVaultClient.connect();
      const ce = new ClientEncryption(keyVaultClient, { keyVaultNamespace, kmsProviders });
      const keyId = await ce.createDataKey('local', { keyAltNames: ['worker'] });
      const blob = await ce.encrypt('123-45-6789', { keyId, algorithm: DET });
      report.blob = { subtype: blob.sub_type, firstByte: blob.buffer[0] };
      report.decrypted = await ce.decrypt(blob);
      client = new MongoClient(env.MONGODB_URI, {
        autoEncryption: {
          keyVaultNamespace,
          kmsProviders,
          schemaMap: { 'w.people': { bsonType: 'object', encryptMetadata: { keyId: [keyId] }, properties: { ssn: { encrypt: { bsonType: 'string', algorithm: DET } } } } },
        },
      });
      const people = client.db('w').collection('people');
      await people.insertOne({ name: 'Ada', ssn: '123-45-6789' });
      const stored = await keyVaultClient.db('w').collection('people').findOne({});
      report.stored = { name: stored?.name, ssnSubtype: (stored?.ssn as Binary | undefined)?.sub_type };
      const found = await people.findOne({ ssn: '123-45-6789' });
      report.found = { name: found?.name, ssn: found?.ssn };
      report.cryptShared = (client as unknown as { autoEncrypter?: { cryptSharedLibVersionInfo?: unknown } }).autoEncrypter?.cryptSharedLibVersionInfo != null;
    } catch (e) {
      report.fatal = e instanceof Error ? `${e.name}: ${e.message}\n${e.stack}` : String(e);
    } finally {
      await client?.close();
      await keyVaultClient.close();
    }
    return Response.json(report);
  },
};
