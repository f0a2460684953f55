import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Binary, BSON, EJSON, Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { keyDocumentToEJSON, parseKeyDocument, parseMasterKey, parseProviderId } from '@fle-ts/keyvault';
import { describeShared, readSharedJson, readSharedText, SHARED_VECTORS } from '../../../scripts/test-support/shared.js';
import { expectCode } from './helpers.js';

const base = (): Record<string, unknown> => ({
  _id: new Binary(new Uint8Array(16).fill(1), 4),
  keyAltNames: ['a'],
  keyMaterial: new Binary(new Uint8Array(160), 0),
  creationDate: new Date(1000),
  updateDate: new Date(2000),
  status: 0,
  masterKey: { provider: 'local' },
});

describe('fle1-spec §5 key vault document: parseKeyDocument', () => {
  it('accepts a bson-deserialized document, keeps libmongocrypt field order', () => {
    const bytes = BSON.serialize(base());
    const doc = parseKeyDocument(BSON.deserialize(bytes));
    expect(Object.keys(doc)).toEqual(['_id', 'keyAltNames', 'keyMaterial', 'creationDate', 'updateDate', 'status', 'masterKey']);
    expect(doc._id.sub_type).toBe(4);
    expect(doc.keyMaterial.position).toBe(160);
    expect(doc.updateDate.getTime()).toBe(2000);
    expect(doc.masterKey).toEqual({ provider: 'local' });
  });

  it('accepts canonical Extended JSON text and the same as a parsed plain object', () => {
    const text = keyDocumentToEJSON(parseKeyDocument(base()));
    expect(text).toContain('"$numberInt":"0"');
    const fromText = parseKeyDocument(text);
    const fromObject = parseKeyDocument(JSON.parse(text) as Record<string, unknown>);
    expect(keyDocumentToEJSON(fromText)).toBe(text);
    expect(keyDocumentToEJSON(fromObject)).toBe(text);
  });

  it('drops an empty keyAltNames array (absent when none) and accepts version 0 and Int32/Long status', () => {
    const d = parseKeyDocument({ ...base(), keyAltNames: [], status: Long.fromNumber(1), version: Long.fromNumber(0) });
    expect('keyAltNames' in d).toBe(false);
    expect(d.status).toBe(1);
    expect(Number(d.version)).toBe(0);
  });

  const bad: [string, Record<string, unknown>, string][] = [
    ['missing _id', { _id: undefined }, "'_id'"],
    ['missing keyMaterial', { keyMaterial: undefined }, "'keyMaterial'"],
    ['missing creationDate', { creationDate: undefined }, "'creationDate'"],
    ['missing updateDate', { updateDate: undefined }, "'updateDate'"],
    ['missing status', { status: undefined }, "'status'"],
    ['missing masterKey', { masterKey: undefined }, "'masterKey'"],
    ['_id not subtype 4', { _id: new Binary(new Uint8Array(16), 0) }, "'_id'"],
    ['_id not 16 bytes', { _id: new Binary(new Uint8Array(15), 4) }, "'_id'"],
    ['keyMaterial subtype 4', { keyMaterial: new Binary(new Uint8Array(160), 4) }, "'keyMaterial'"],
    ['keyMaterial a string', { keyMaterial: 'abc' }, "'keyMaterial'"],
    ['keyAltNames not an array', { keyAltNames: 'a' }, "'keyAltNames'"],
    ['keyAltNames with a number', { keyAltNames: ['a', 1] }, "'keyAltNames'"],
    ['keyAltNames with a duplicate', { keyAltNames: ['a', 'a'] }, "'keyAltNames'"],
    ['creationDate a number', { creationDate: 5 }, "'creationDate'"],
    ['status a string', { status: '0' }, "'status'"],
    ['status fractional', { status: 0.5 }, "'status'"],
    ['version 1', { version: 1 }, "'version'"],
    ['unknown field', { extra: 1 }, "'extra'"],
  ];
  for (const [name, patch, field] of bad) {
    it(`INVALID_KEY_DOCUMENT: ${name}`, async () => {
      const doc = { ...base(), ...patch };
      for (const k of Object.keys(patch)) if (patch[k] === undefined) delete doc[k];
      const e = await expectCode(() => parseKeyDocument(doc), 'INVALID_KEY_DOCUMENT');
      expect(e.message).toContain(field);
    });
  }

  it('INVALID_KEY_DOCUMENT for text that is not Extended JSON', async () => {
    await expectCode(() => parseKeyDocument('{not json'), 'INVALID_KEY_DOCUMENT');
  });

  it('INVALID_MASTER_KEY for a masterKey with an unexpected field, UNKNOWN_KMS_PROVIDER for an unknown provider', async () => {
    await expectCode(() => parseKeyDocument({ ...base(), masterKey: { provider: 'local', key: 'x' } }), 'INVALID_MASTER_KEY');
    await expectCode(() => parseKeyDocument({ ...base(), masterKey: { provider: 'vault' } }), 'UNKNOWN_KMS_PROVIDER');
    await expectCode(() => parseKeyDocument({ ...base(), masterKey: { provider: 'kmip' } }), 'INVALID_MASTER_KEY');
  });
});

describe('fle1-spec §5 KMS providers: masterKey shapes', () => {
  it('splits named providers and rejects prefixes libmongocrypt would accept', async () => {
    expect(parseProviderId('local')).toEqual({ type: 'local' });
    expect(parseProviderId('local:tenant_1')).toEqual({ type: 'local', name: 'tenant_1' });
    await expectCode(() => parseProviderId('loc'), 'UNKNOWN_KMS_PROVIDER');
    await expectCode(() => parseProviderId('local:'), 'UNKNOWN_KMS_PROVIDER');
    await expectCode(() => parseProviderId('local:a-b'), 'UNKNOWN_KMS_PROVIDER');
  });

  it('rejects a masterKey that is not a document or has no string provider', async () => {
    await expectCode(() => parseMasterKey(null), 'INVALID_MASTER_KEY');
    await expectCode(() => parseMasterKey({ provider: 1 }), 'INVALID_MASTER_KEY');
    await expectCode(() => parseMasterKey({ provider: 'aws', region: 'r' }), 'INVALID_MASTER_KEY');
  });
});

describeShared('libmongocrypt/kek-tests.json (masterKey parsing)', () => {
  const cases = readSharedJson<{ input: Record<string, unknown>; expect: string; expect_append?: string }[]>('libmongocrypt/kek-tests.json');
  it('has the 19 cases', () => expect(cases.length).toBe(19));
  cases.forEach((c, i) => {
    it(`case ${i}: ${c.input.provider} -> ${c.expect}${c.expect_append ? ` / stored: ${c.expect_append}` : ''}`, async () => {
      if (c.expect === 'ok') {
        const mk = parseMasterKey(c.input);
        expect(mk).toEqual(c.input);
        if (c.expect_append) {
          const e = await expectCode(() => parseMasterKey(c.input, { stored: true }), 'INVALID_MASTER_KEY');
          expect(e.message).toContain(c.expect_append);
        } else {
          expect(parseMasterKey(c.input, { stored: true })).toEqual(c.input);
        }
      } else {
        const e = await expectCode(() => parseMasterKey(c.input), 'INVALID_MASTER_KEY');
        expect(e.message).toContain(c.expect);
      }
    });
  });
});

describeShared('key documents in ../shared parse', () => {
  it('every libmongocrypt/keys/*-local-document.json, key-document-local.json and spec corpus/extra key', () => {
    const files = readdirSync(join(SHARED_VECTORS, 'libmongocrypt/keys')).filter((f) => f.endsWith('-local-document.json'))
      .map((f) => `libmongocrypt/keys/${f}`);
    files.push('libmongocrypt/key-document-local.json', 'spec-extra/keys/key1-document.json', 'spec-extra/keys/key2-document.json');
    for (const k of ['local', 'aws', 'azure', 'gcp', 'kmip']) files.push(`spec-corpus/corpus-key-${k}.json`);
    for (const f of files) {
      const text = readSharedText(f);
      const doc = parseKeyDocument(text);
      // Re-serialising gives the same canonical document back (field for field).
      expect(EJSON.parse(keyDocumentToEJSON(doc), { relaxed: false }), f).toEqual(EJSON.parse(text, { relaxed: false }));
    }
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  it('key-document-local.json keeps its far-future $numberLong dates', () => {
    const doc = parseKeyDocument(readSharedText('libmongocrypt/key-document-local.json'));
    expect(doc.creationDate.getTime()).toBe(1232739599082000);
    expect(doc.updateDate.getUTCFullYear()).toBeGreaterThan(30000);
  });

  it('the corpus aws/azure/gcp/kmip masterKeys validate with their provider shape', () => {
    for (const k of ['aws', 'azure', 'gcp', 'kmip']) {
      expect(parseKeyDocument(readSharedText(`spec-corpus/corpus-key-${k}.json`)).masterKey.provider).toBe(k);
    }
  });
});
