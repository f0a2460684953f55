// test-vectors/keyvault/mcoracle-datakeys.json: key documents libmongocrypt wrote with known master
// keys and data keys (made by scripts/make-keyvault-vectors.mjs). Runs without ../shared.
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@fle-ts/crypto-core';
import { KeyBroker, KmsProviders, MemoryKeyVault, keyDocumentToEJSON, keyMaterialBytes, parseKeyDocument } from '@fle-ts/keyvault';
import { readOwnText } from '../../../scripts/test-support/shared.js';
import { expectCode } from './helpers.js';

interface Case { description: string; masterKeyBase64: string; dataKeyHex: string; document: Record<string, unknown> }
const { cases } = JSON.parse(readOwnText('keyvault/mcoracle-datakeys.json')) as { cases: Case[] };

describe('own vectors: libmongocrypt key documents with known data keys', () => {
  it('has the 4 cases', () => expect(cases.length).toBe(4));
  for (const c of cases) {
    it(c.description, async () => {
      const doc = parseKeyDocument(c.document);
      const kms = new KmsProviders({ local: { key: c.masterKeyBase64 } });
      expect(bytesToHex(await kms.unwrap(keyMaterialBytes(doc), doc.masterKey))).toBe(c.dataKeyHex);
      // the same through Extended JSON text, and through the broker by every alt name
      expect(keyDocumentToEJSON(parseKeyDocument(JSON.stringify(c.document)))).toBe(keyDocumentToEJSON(doc));
      const broker = new KeyBroker({ keyVault: new MemoryKeyVault([doc]), kmsProviders: kms });
      for (const n of doc.keyAltNames ?? []) expect(bytesToHex((await broker.getKeyByAltName(n)).keyId)).toBe(doc._id.toString('hex'));
      // and a different master key is a tag mismatch
      const other = new KmsProviders({ local: { key: new Uint8Array(96).fill(0x5a) } });
      await expectCode(other.unwrap(keyMaterialBytes(doc), doc.masterKey), 'UNWRAP_FAILED');
    });
  }
});
