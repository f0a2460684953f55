// encryptDynamodbItem / decryptDynamodbItem: an independent check of what fle-ts writes
// (node:crypto AES-CBC and HMAC over a string to sign rebuilt here from §3 of the format notes),
// round trips on random items, and every bad input of issue 17 as a typed error.
import { createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AttributeActions,
  decryptDynamodbItem,
  deserializeAttribute,
  deserializeMaterialDescription,
  DynamoDbEncryptionError,
  encryptDynamodbItem,
  JceNameLocalDelegatedKey,
  RawDecryptionMaterials,
  RawEncryptionMaterials,
  serializeAttribute,
  StaticCryptographicMaterialsProvider,
  WrappedCryptographicMaterialsProvider,
  type CryptoConfig,
  type DynamoDbItem,
} from '../src/index.js';
import { item as itemArb } from './arbitraries.js';
import { comparable } from './vectors.js';

const aesKey = new Uint8Array(randomBytes(16));
const macKey = new Uint8Array(randomBytes(32));
const sym = (k: Uint8Array, alg: string): JceNameLocalDelegatedKey => new JceNameLocalDelegatedKey(k, alg, 'SYMMETRIC');

function staticConfig(actions = new AttributeActions(), aes = aesKey, mac = macKey): CryptoConfig {
  return {
    materialsProvider: new StaticCryptographicMaterialsProvider({
      encryptionMaterials: new RawEncryptionMaterials({ encryptionKey: sym(aes, 'AES'), signingKey: sym(mac, 'HmacSHA256'), materialDescription: { owner: 'tests' } }),
      decryptionMaterials: new RawDecryptionMaterials({ decryptionKey: sym(aes, 'AES'), verificationKey: sym(mac, 'HmacSHA256') }),
    }),
    encryptionContext: { tableName: 'Orders', partitionKeyName: 'id', sortKeyName: 'at' },
    attributeActions: actions,
  };
}

const ITEM: DynamoDbItem = {
  id: { S: 'order-1' },
  at: { N: '1700000000' },
  total: { N: '12.50' },
  card: { S: '4111 1111 1111 1111' },
  tags: { SS: ['b', 'a'] },
  note: { S: 'left at door' },
};
const ACTIONS = new AttributeActions({ attributeActions: { tags: 'SIGN_ONLY', note: 'DO_NOTHING' } });

const sha = (b: Uint8Array | string): Buffer => createHash('sha256').update(b).digest();

describe('what encryptDynamodbItem writes, checked with node:crypto (docs/dynamodb-encryption.md §1, §3)', () => {
  it('keys and SIGN_ONLY/DO_NOTHING attributes unchanged; ENCRYPT_AND_SIGN is IV ‖ AES-128-CBC(serialize(value)); HMAC over the §3 string', async () => {
    const enc = await encryptDynamodbItem(ITEM, staticConfig(ACTIONS));
    expect(enc.id).toEqual(ITEM.id);
    expect(enc.at).toEqual(ITEM.at);
    expect(enc.tags).toEqual(ITEM.tags);
    expect(enc.note).toEqual(ITEM.note);
    for (const name of ['total', 'card']) {
      const ct = Buffer.from((enc[name] as { B: Uint8Array }).B);
      const d = createDecipheriv('aes-128-cbc', aesKey, ct.subarray(0, 16));
      const pt = Buffer.concat([d.update(ct.subarray(16)), d.final()]);
      expect(comparable({ x: deserializeAttribute(new Uint8Array(pt)) })).toEqual(comparable({ x: ITEM[name]! }));
    }
    const desc = deserializeMaterialDescription((enc['*amzn-ddb-map-desc*'] as { B: Uint8Array }).B);
    expect(desc).toEqual({ owner: 'tests', 'amzn-ddb-map-sym-mode': '/CBC/PKCS5Padding', 'amzn-ddb-map-signingAlg': 'HmacSHA256' });
    // String to sign rebuilt here: table hash, then sorted signed names (note is DO_NOTHING).
    const parts = [sha('TABLE>Orders<TABLE')];
    for (const name of ['at', 'card', 'id', 'tags', 'total']) {
      const encrypted = name === 'card' || name === 'total';
      parts.push(sha(name), sha(encrypted ? 'ENCRYPTED' : 'PLAINTEXT'), sha(serializeAttribute(enc[name]!)));
    }
    const mac = createHmac('sha256', macKey).update(Buffer.concat(parts)).digest();
    expect(Buffer.from((enc['*amzn-ddb-map-sig*'] as { B: Uint8Array }).B).equals(mac)).toBe(true);
    expect(comparable(await decryptDynamodbItem(enc, staticConfig(ACTIONS)))).toEqual(comparable(ITEM));
  });

  it('the input item is not modified, and the IV is fresh per encryption', async () => {
    const copy = structuredClone(ITEM);
    const a = await encryptDynamodbItem(ITEM, staticConfig());
    const b = await encryptDynamodbItem(ITEM, staticConfig());
    expect(ITEM).toEqual(copy);
    expect((a.card as { B: Uint8Array }).B).not.toEqual((b.card as { B: Uint8Array }).B);
  });

  it('all DO_NOTHING: the item passes through untouched, no desc, no signature', async () => {
    const cfg = staticConfig(new AttributeActions({ defaultAction: 'DO_NOTHING' }));
    const enc = await encryptDynamodbItem(ITEM, cfg);
    expect(enc).toEqual(ITEM);
    expect(await decryptDynamodbItem(enc, cfg)).toEqual(ITEM);
  });

  it('an attribute named __proto__ stays an own attribute', async () => {
    const item = JSON.parse('{"id":{"S":"x"},"at":{"N":"1"},"__proto__":{"S":"p"}}') as DynamoDbItem;
    const enc = await encryptDynamodbItem(item, staticConfig());
    expect(Object.prototype.hasOwnProperty.call(enc, '__proto__')).toBe(true);
    const dec = await decryptDynamodbItem(enc, staticConfig());
    expect(Object.getOwnPropertyDescriptor(dec, '__proto__')?.value).toEqual({ S: 'p' });
  });
});

describe('round trips on random items (fast-check)', () => {
  it('static and wrapped providers, random actions', async () => {
    const wrapped: CryptoConfig = {
      materialsProvider: new WrappedCryptographicMaterialsProvider({ wrappingKey: sym(aesKey, 'AES'), unwrappingKey: sym(aesKey, 'AES'), signingKey: sym(macKey, 'HmacSHA256') }),
      encryptionContext: { tableName: 'T', partitionKeyName: 'pk' },
      attributeActions: new AttributeActions(),
    };
    await fc.assert(
      fc.asyncProperty(itemArb, fc.constantFrom<'ENCRYPT_AND_SIGN' | 'SIGN_ONLY'>('ENCRYPT_AND_SIGN', 'SIGN_ONLY'), fc.boolean(), async (item, def, useWrapped) => {
        const actions = new AttributeActions({ defaultAction: def, attributeActions: { a: 'DO_NOTHING', b: 'SIGN_ONLY', c: 'ENCRYPT_AND_SIGN' } });
        const cfg = useWrapped ? { ...wrapped, attributeActions: actions } : { ...staticConfig(actions), encryptionContext: { tableName: 'T', partitionKeyName: 'pk' } };
        const enc = await encryptDynamodbItem(item, cfg);
        expect(enc.pk).toEqual(item.pk);
        expect(comparable(await decryptDynamodbItem(enc, cfg))).toEqual(comparable(item));
      }),
      { numRuns: 60 },
    );
  });
});

describe('bad input: typed errors, nothing decrypted partially (issue 17)', () => {
  const code = (c: string) => expect.objectContaining({ code: c, name: 'DynamoDbEncryptionError' });

  it('a tampered attribute (SIGN_ONLY value, encrypted value, added attribute, removed attribute) is DDB_SIGNATURE_MISMATCH', async () => {
    const enc = await encryptDynamodbItem(ITEM, staticConfig(ACTIONS));
    const flipped = (enc.card as { B: Uint8Array }).B.slice();
    flipped[20]! ^= 1;
    const { total: _t, ...removed } = enc;
    for (const bad of [{ ...enc, tags: { SS: ['a', 'c'] } }, { ...enc, card: { B: flipped } }, { ...enc, extra: { S: 'x' } }, removed]) {
      await expect(decryptDynamodbItem(bad, staticConfig(ACTIONS))).rejects.toThrow(code('DDB_SIGNATURE_MISMATCH'));
    }
    // A DO_NOTHING attribute is not signed: changing it is allowed, as in the Python/Java clients.
    expect((await decryptDynamodbItem({ ...enc, note: { S: 'changed' } }, staticConfig(ACTIONS))).note).toEqual({ S: 'changed' });
  });

  it('the same item read from another table name does not verify', async () => {
    const enc = await encryptDynamodbItem(ITEM, staticConfig());
    const other = { ...staticConfig(), encryptionContext: { ...staticConfig().encryptionContext, tableName: 'Other' } };
    await expect(decryptDynamodbItem(enc, other)).rejects.toThrow(code('DDB_SIGNATURE_MISMATCH'));
  });

  it('a missing signature is DDB_MISSING_SIGNATURE', async () => {
    const { '*amzn-ddb-map-sig*': _s, ...noSig } = await encryptDynamodbItem(ITEM, staticConfig());
    await expect(decryptDynamodbItem(noSig, staticConfig())).rejects.toThrow(code('DDB_MISSING_SIGNATURE'));
  });

  it('an unknown or malformed material description is DDB_BAD_MATERIAL_DESCRIPTION / DDB_UNSUPPORTED_ALGORITHM', async () => {
    const enc = await encryptDynamodbItem(ITEM, staticConfig());
    await expect(decryptDynamodbItem({ ...enc, '*amzn-ddb-map-desc*': { B: Uint8Array.of(0, 0, 0, 1) } }, staticConfig())).rejects.toThrow(code('DDB_BAD_MATERIAL_DESCRIPTION'));
    await expect(decryptDynamodbItem({ ...enc, '*amzn-ddb-map-desc*': { B: Uint8Array.of(0, 0, 0, 0, 0, 0, 0, 9) } }, staticConfig())).rejects.toThrow(code('DDB_BAD_MATERIAL_DESCRIPTION'));
    // A static item read by a wrapped provider: no wrapped key in its description.
    const wrapped = { ...staticConfig(), materialsProvider: new WrappedCryptographicMaterialsProvider({ unwrappingKey: sym(aesKey, 'AES'), signingKey: sym(macKey, 'HmacSHA256') }) };
    await expect(decryptDynamodbItem(enc, wrapped)).rejects.toThrow(code('DDB_BAD_MATERIAL_DESCRIPTION'));
    // The signature does not cover the description (as upstream); an unknown cipher mode is still refused.
    const otherMode = new Uint8Array([0, 0, 0, 0, ...lp('amzn-ddb-map-sym-mode'), ...lp('/GCM/NoPadding')]);
    await expect(decryptDynamodbItem({ ...enc, '*amzn-ddb-map-desc*': { B: otherMode } }, staticConfig())).rejects.toThrow(code('DDB_UNSUPPORTED_ALGORITHM'));
  });

  it('a wrong key: HMAC → DDB_SIGNATURE_MISMATCH; wrapped AES → DDB_UNWRAP_FAILED', async () => {
    const enc = await encryptDynamodbItem(ITEM, staticConfig());
    await expect(decryptDynamodbItem(enc, staticConfig(undefined, aesKey, new Uint8Array(32)))).rejects.toThrow(code('DDB_SIGNATURE_MISMATCH'));
    const w = (k: Uint8Array): CryptoConfig => ({
      ...staticConfig(),
      materialsProvider: new WrappedCryptographicMaterialsProvider({ wrappingKey: sym(k, 'AES'), unwrappingKey: sym(k, 'AES'), signingKey: sym(macKey, 'HmacSHA256') }),
    });
    const wenc = await encryptDynamodbItem(ITEM, w(aesKey));
    await expect(decryptDynamodbItem(wenc, w(new Uint8Array(16)))).rejects.toThrow(code('DDB_UNWRAP_FAILED'));
  });

  it('a wrong content key with a valid signature is DDB_DECRYPTION_FAILED and returns nothing', async () => {
    // Same HMAC key, other AES key: the signature verifies, the first encrypted attribute fails.
    const enc = await encryptDynamodbItem(ITEM, staticConfig());
    const err = await decryptDynamodbItem(enc, staticConfig(undefined, new Uint8Array(16).fill(3))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DynamoDbEncryptionError);
    // Bad padding is the likely outcome; a lucky valid padding then fails to parse.
    expect(['DDB_DECRYPTION_FAILED', 'DDB_BAD_SERIALIZED']).toContain((err as DynamoDbEncryptionError).code);
  });

  it('an item using a reserved attribute name is DDB_RESERVED_ATTRIBUTE', async () => {
    for (const name of ['*amzn-ddb-map-desc*', '*amzn-ddb-map-sig*']) {
      await expect(encryptDynamodbItem({ ...ITEM, [name]: { B: Uint8Array.of(1) } }, staticConfig())).rejects.toThrow(code('DDB_RESERVED_ATTRIBUTE'));
    }
  });

  it('encrypting a partition or sort key is DDB_BAD_ACTIONS; by default keys are signed only', async () => {
    await expect(encryptDynamodbItem(ITEM, staticConfig(new AttributeActions({ attributeActions: { at: 'ENCRYPT_AND_SIGN' } })))).rejects.toThrow(code('DDB_BAD_ACTIONS'));
    expect(() => new AttributeActions({ defaultAction: 'ENCRYPT' as never })).toThrow(code('DDB_BAD_ACTIONS'));
    const actions = new AttributeActions().withIndexKeys('id', 'at');
    expect([actions.action('id'), actions.action('at'), actions.action('x')]).toEqual(['SIGN_ONLY', 'SIGN_ONLY', 'ENCRYPT_AND_SIGN']);
    expect(new AttributeActions({ attributeActions: { id: 'DO_NOTHING' } }).withIndexKeys('id').action('id')).toBe('DO_NOTHING');
  });

  it('malformed attribute values are DDB_BAD_ATTRIBUTE / DDB_BAD_NUMBER / DDB_TOO_DEEP', async () => {
    const bad: [unknown, string][] = [
      [{ S: 'a', N: '1' }, 'DDB_BAD_ATTRIBUTE'],
      [{}, 'DDB_BAD_ATTRIBUTE'],
      [{ X: 1 }, 'DDB_BAD_ATTRIBUTE'],
      [{ S: 5 }, 'DDB_BAD_ATTRIBUTE'],
      [{ S: '\ud800' }, 'DDB_BAD_ATTRIBUTE'],
      [{ SS: ['a', 'a'] }, 'DDB_BAD_ATTRIBUTE'],
      [{ NS: ['1', '1.0'] }, 'DDB_BAD_ATTRIBUTE'],
      [{ N: '1.2.3' }, 'DDB_BAD_NUMBER'],
      [{ N: '1'.repeat(39) }, 'DDB_BAD_NUMBER'],
      [{ N: '1E+126' }, 'DDB_BAD_NUMBER'],
      [{ NULL: false }, 'DDB_BAD_ATTRIBUTE'],
    ];
    for (const [value, c] of bad) {
      await expect(encryptDynamodbItem({ id: { S: 'x' }, at: { N: '1' }, v: value as never }, staticConfig())).rejects.toThrow(code(c));
    }
    let deep: unknown = { S: 'x' };
    for (let i = 0; i < 250; i++) deep = { L: [deep] };
    await expect(encryptDynamodbItem({ id: { S: 'x' }, at: { N: '1' }, v: deep as never }, staticConfig())).rejects.toThrow(code('DDB_TOO_DEEP'));
  });

  it('no key bytes in any error message', async () => {
    const messages: string[] = [];
    const enc = await encryptDynamodbItem(ITEM, staticConfig());
    for (const p of [
      decryptDynamodbItem(enc, staticConfig(undefined, aesKey, new Uint8Array(32))),
      decryptDynamodbItem(enc, staticConfig(undefined, new Uint8Array(16).fill(3))),
      Promise.resolve().then(() => sym(new Uint8Array(15), 'AES')),
    ]) {
      messages.push(((await p.catch((e: unknown) => e)) as Error).message);
    }
    for (const m of messages) {
      for (const k of [aesKey, macKey]) {
        expect(m).not.toContain(Buffer.from(k).toString('hex'));
        expect(m).not.toContain(Buffer.from(k).toString('base64'));
      }
      expect(m).not.toContain('4111');
    }
  });
});

function lp(s: string): number[] {
  const b = Buffer.from(s);
  return [0, 0, 0, b.length, ...b];
}
