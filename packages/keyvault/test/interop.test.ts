// Interop with the real libmongocrypt 1.7.2 through mcoracle (../shared/tools/mcoracle/README.md).
import { Binary, EJSON } from 'bson';
import { expect, it } from 'vitest';
import { AeadKey, randomBytes } from '@fle-ts/crypto-core';
import {
  KmsProviders, MemoryKeyVault, createDataKey, keyDocumentToEJSON, keyMaterialBytes, parseKeyDocument, rewrapManyDataKey,
  type DataKeyDocument,
} from '@fle-ts/keyvault';
import { describeOracle, runOracle, tempFile } from '../../../scripts/test-support/mcoracle.js';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';

// The BSON value bytes of a string (fle1-spec.md §2 "Plaintext P").
function bsonString(s: string): Uint8Array {
  const utf8 = Buffer.from(s, 'utf8');
  const out = Buffer.alloc(4 + utf8.length + 1);
  out.writeInt32LE(utf8.length + 1, 0);
  utf8.copy(out, 4);
  return new Uint8Array(out);
}

// Decrypts a FLE1 blob with a data key we hold (fle1-spec.md §2: AAD = first 18 bytes).
function decryptBlob(blob: Binary, dataKey: Uint8Array): { keyId: string; plaintext: Uint8Array } {
  const bytes = blob.buffer.subarray(0, blob.position);
  const k = new AeadKey(dataKey);
  return { keyId: Buffer.from(bytes.subarray(1, 17)).toString('hex'), plaintext: k.decrypt(bytes.subarray(18), bytes.subarray(0, 18)) };
}

function oracleEncrypt(master: Uint8Array, docs: DataKeyDocument[], select: string[], value: string): Binary {
  const keys = tempFile('keys.json', `[${docs.map((d) => keyDocumentToEJSON(d)).join(',')}]`);
  const values = tempFile('values.json', JSON.stringify([{ v: value }]));
  const out = EJSON.parse(runOracle(['encrypt', '--master', b64(master), '--keys', keys, '--algorithm', DET, ...select, '--values', values]), { relaxed: false }) as { v?: Binary; error?: string }[];
  const r = out[0];
  if (!r?.v) throw new Error(`mcoracle encrypt failed: ${r?.error}`);
  return r.v;
}

describeOracle('interop with libmongocrypt (mcoracle): key documents both ways', () => {
  it('a key document made by fle-ts is accepted by libmongocrypt: its ciphertext decrypts with the data key we know', async () => {
    const master = randomBytes(96);
    const material = randomBytes(96);
    const vault = new MemoryKeyVault();
    const id = await createDataKey(vault, new KmsProviders({ local: { key: master } }), 'local', { keyAltNames: ['ours'], keyMaterial: material });
    const docs = await vault.findAll();
    for (const select of [['--key-id', b64(id.buffer.subarray(0, 16))], ['--alt', 'ours']]) {
      const blob = oracleEncrypt(master, docs, select, 'hello from libmongocrypt');
      const { keyId, plaintext } = decryptBlob(blob, material);
      expect(keyId).toBe(id.toString('hex'));
      expect(plaintext).toEqual(bsonString('hello from libmongocrypt'));
    }
  });

  it('a key document made by libmongocrypt (mcoracle datakey) unwraps in fle-ts to the --material given', async () => {
    for (let i = 0; i < 3; i++) {
      const master = randomBytes(96);
      const material = randomBytes(96);
      const text = runOracle(['datakey', '--master', b64(master), '--material', b64(material), '--alt', `theirs${i}`]);
      const doc = parseKeyDocument(text);
      expect(doc.keyAltNames).toEqual([`theirs${i}`]);
      expect(await new KmsProviders({ local: { key: b64(master) } }).unwrap(keyMaterialBytes(doc), doc.masterKey)).toEqual(material);
    }
  });

  it('a key rewrapped by fle-ts under a new master key still works in libmongocrypt with that master key', async () => {
    const oldMaster = randomBytes(96);
    const newMaster = randomBytes(96);
    const material = randomBytes(96);
    const vault = new MemoryKeyVault([runOracle(['datakey', '--master', b64(oldMaster), '--material', b64(material), '--alt', 'rot'])]);
    const kms = new KmsProviders({ local: { key: oldMaster }, 'local:new': { key: newMaster } });
    // Rewrap to local:new, then present the key to libmongocrypt as plain "local" under the new master key.
    expect((await rewrapManyDataKey(vault, kms, { keyAltNames: 'rot' }, { provider: 'local:new' })).rewrapped).toBe(1);
    const [d] = await vault.findAll();
    if (!d) throw new Error('missing');
    const asLocal = parseKeyDocument({ ...d, masterKey: { provider: 'local' } });
    const blob = oracleEncrypt(newMaster, [asLocal], ['--alt', 'rot'], 'rotated');
    expect(decryptBlob(blob, material).plaintext).toEqual(bsonString('rotated'));
  });
});

it('interop helpers: bsonString is the BSON value layout', () => {
  expect(Buffer.from(bsonString('test')).toString('hex')).toBe('050000007465737400');
});
