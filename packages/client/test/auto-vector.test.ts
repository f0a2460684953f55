// test-vectors/client/auto-encryption-local.json: AutoEncrypter against ciphertexts libmongocrypt
// made (see its make script). Runs everywhere: no mcoracle, no ../shared needed.
import { Binary, EJSON, serialize } from 'bson';
import { beforeAll, describe, expect, it } from 'vitest';
import { readOwnText } from '../../../scripts/test-support/shared.js';
import { AutoEncrypter, MemoryKeyVault } from '../src/index.js';
import './binary-equality.js';

interface Vector {
  masterKeyBase64: string;
  keyDocuments: Record<string, unknown>[];
  namespace: string;
  schema: Record<string, unknown>;
  document: Record<string, unknown>;
  expectedDeterministic: Record<string, Binary>;
  encryptedByLibmongocrypt: Record<string, unknown>;
}

function at(doc: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((cur, part) => (cur as Record<string, unknown>)[part], doc);
}

describe('auto-encryption known answer (libmongocrypt ciphertexts)', () => {
  let v: Vector;
  let auto: AutoEncrypter;
  beforeAll(() => {
    v = EJSON.parse(readOwnText('client/auto-encryption-local.json'), { relaxed: false }) as Vector;
    const key = Uint8Array.from(atob(v.masterKeyBase64), (c) => c.charCodeAt(0));
    auto = new AutoEncrypter({ keyVault: new MemoryKeyVault(v.keyDocuments), kmsProviders: { local: { key } }, schemaMap: { [v.namespace]: v.schema } });
  });

  it('encryptDocument: deterministic fields equal libmongocrypt byte for byte (by id and by JSON-pointer alt name); random fields decrypt', async () => {
    const out = await auto.encryptDocument(v.namespace, v.document);
    for (const [path, blob] of Object.entries(v.expectedDeterministic)) expect(at(out, path), path).toEqual(blob);
    for (const path of ['billing', 'contact.email']) {
      const b = at(out, path) as Binary;
      expect(b.sub_type, path).toBe(6);
      expect(b.buffer[0], path).toBe(2);
    }
    expect(out.name).toBe(v.document.name);
    expect(await auto.decryptDocument(out)).toEqual(v.document);
  });

  it('decryptDocument of the document libmongocrypt encrypted gives the original', async () => {
    expect(await auto.decryptDocument(v.encryptedByLibmongocrypt)).toEqual(v.document);
  });

  it('decryptBson of the BSON libmongocrypt encrypted gives exactly the BSON of the original', async () => {
    const out = await auto.decryptBson(serialize(v.encryptedByLibmongocrypt));
    expect(Buffer.from(out).equals(Buffer.from(serialize(v.document)))).toBe(true);
  });

  it('encryptFilter: equality on ssn becomes $eq of the stored ciphertext', async () => {
    expect(await auto.encryptFilter(v.namespace, { ssn: v.document.ssn })).toEqual({ ssn: { $eq: v.expectedDeterministic.ssn } });
    expect(await auto.encryptFilter(v.namespace, { 'contact.phone': { $in: [(v.document.contact as Record<string, unknown>).phone] } })).toEqual({
      'contact.phone': { $in: [v.expectedDeterministic['contact.phone']] },
    });
  });
});
