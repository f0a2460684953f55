// The Node side of the pymongo peer test (test/pymongo-peer.test.ts): the official driver 7.x with
// this package as its binding. `write`: a data key and two auto-encrypted documents in
// peer.from_node. `read`: what pymongo + libmongocrypt wrote in peer.from_python, read back through
// automatic decryption and queried by a deterministic field. MONGODB_URI and PEER_MASTER_KEY
// (base64) come from the environment; prints one JSON line.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { MongoClient, ClientEncryption, Binary } = require('mongodb7') as typeof import('mongodb7');
type Doc = Record<string, any>;

const uri = process.env.MONGODB_URI as string;
const kmsProviders = { local: { key: Buffer.from(process.env.PEER_MASTER_KEY as string, 'base64') } };
const keyVaultNamespace = 'peer.__keyVault';
const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const RND = 'AEAD_AES_256_CBC_HMAC_SHA_512-Random';
const hex = (b: InstanceType<typeof Binary>) => Buffer.from(b.buffer).toString('hex');

const plain = new MongoClient(uri);
await plain.connect();
const ce = new ClientEncryption(plain, { keyVaultNamespace, kmsProviders });
const out: Doc = {};
try {
  if (process.argv[2] === 'write') {
    await plain.db('peer').dropDatabase();
    const keyId = await ce.createDataKey('local', { keyAltNames: ['node-key'] });
    const schemaMap = {
      'peer.from_node': {
        bsonType: 'object',
        encryptMetadata: { keyId: [keyId] },
        properties: { ssn: { encrypt: { bsonType: 'string', algorithm: DET } }, salary: { encrypt: { bsonType: 'int', algorithm: RND } } },
      },
    };
    const client = new MongoClient(uri, { autoEncryption: { keyVaultNamespace, kmsProviders, schemaMap } });
    await client.connect();
    await client.db('peer').collection('from_node').insertMany([
      { _id: 1, name: 'Ada', ssn: '123-45-6789', salary: 90000 },
      { _id: 2, name: 'Bob', ssn: '987-65-4321', salary: 85000 },
    ] as Doc[]);
    await client.close();
    const stored = await plain.db('peer').collection('from_node').find({}, { sort: { _id: 1 } }).toArray();
    out.keyIdHex = hex(keyId);
    out.storedSsnHex = stored.map((d) => hex(d.ssn));
  } else {
    const key = await ce.getKeyByAltName('python-key');
    if (!key) throw new Error('pymongo wrote no key "python-key"');
    out.keyFields = Object.keys(key);
    out.keyIdHex = hex(key._id);
    const schemaMap = {
      'peer.from_python': {
        bsonType: 'object',
        properties: {
          ssn: { encrypt: { keyId: [key._id], bsonType: 'string', algorithm: DET } },
          notes: { encrypt: { keyId: [key._id], bsonType: 'object', algorithm: RND } },
        },
      },
    };
    const client = new MongoClient(uri, { autoEncryption: { keyVaultNamespace, kmsProviders, schemaMap } });
    await client.connect();
    const coll = client.db('peer').collection('from_python');
    out.decrypted = (await coll.find({}, { sort: { _id: 1 } }).toArray()).map((d) => ({ name: d.name, ssn: d.ssn, notes: d.notes }));
    // fle-ts encrypts the query value; the server compares it with libmongocrypt's stored bytes.
    out.foundBySsn = (await coll.find({ ssn: '555-01-0002' }).toArray()).map((d) => d.name);
    out.ownDetHex = hex(await ce.encrypt('555-01-0001', { keyId: key._id, algorithm: DET }));
    await client.close();
  }
} finally {
  await plain.close();
}
console.log(JSON.stringify(out));
