// The offline unit vectors of ../shared/test-vectors/dynamodb (README): serialize_attribute (22),
// deserialize_attribute (15), material_description (3), string_to_sign (4).
import { describe, expect, it } from 'vitest';
import { describeShared, readSharedJson } from '../../../scripts/test-support/shared.js';
import {
  AttributeActions,
  deserializeAttribute,
  deserializeMaterialDescription,
  itemFromDynamodbJson,
  itemToDynamodbJson,
  serializeAttribute,
  serializeMaterialDescription,
  stringToSign,
  type AttributeValue,
  type CryptoAction,
} from '../src/index.js';
import { DIR } from './vectors.js';

const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
const attr = (json: unknown): AttributeValue => itemFromDynamodbJson({ a: json }).a!;
const json = (v: AttributeValue): unknown => itemToDynamodbJson({ a: v }).a;

describeShared('serialize_attribute.json (docs/dynamodb-encryption.md §2)', () => {
  const cases = readSharedJson<{ attribute: unknown; serialized: string }[]>(`${DIR}/serialize_attribute.json`);
  it('has 22 cases', () => expect(cases).toHaveLength(22));
  cases.forEach((c, i) => {
    it(`#${i} ${JSON.stringify(c.attribute).slice(0, 60)}`, () => {
      expect(Buffer.from(serializeAttribute(attr(c.attribute))).toString('base64')).toBe(c.serialized);
    });
  });
});

describeShared('deserialize_attribute.json', () => {
  const cases = readSharedJson<{ attribute: unknown; serialized: string }[]>(`${DIR}/deserialize_attribute.json`);
  it('has 15 cases', () => expect(cases).toHaveLength(15));
  cases.forEach((c, i) => {
    it(`#${i} ${JSON.stringify(c.attribute).slice(0, 60)}`, () => {
      expect(json(deserializeAttribute(b64(c.serialized)))).toEqual(c.attribute);
    });
  });
});

describeShared('material_description.json (§3)', () => {
  const cases = readSharedJson<{ material_description: Record<string, string>; serialized: string }[]>(`${DIR}/material_description.json`);
  it('has 3 cases', () => expect(cases).toHaveLength(3));
  cases.forEach((c, i) => {
    it(`#${i} both ways`, () => {
      expect(Buffer.from(serializeMaterialDescription(c.material_description)).toString('base64')).toBe(c.serialized);
      expect(deserializeMaterialDescription(b64(c.serialized))).toEqual(c.material_description);
    });
  });
});

describeShared('string_to_sign.json (§3)', () => {
  const ACTION: Record<string, CryptoAction> = { encrypt: 'ENCRYPT_AND_SIGN', sign: 'SIGN_ONLY', nothing: 'DO_NOTHING' };
  const cases = readSharedJson<{ table: string; item: Record<string, { value: unknown; action: string }>; string_to_sign: string }[]>(`${DIR}/string_to_sign.json`);
  it('has 4 cases', () => expect(cases).toHaveLength(4));
  cases.forEach((c, i) => {
    it(`#${i} ${Object.keys(c.item).join(',')}`, () => {
      const entries = Object.entries(c.item).map(([k, v]) => [k, attr(v.value)] as const);
      const actions = new AttributeActions({
        defaultAction: 'DO_NOTHING',
        attributeActions: Object.fromEntries(Object.entries(c.item).map(([k, v]) => [k, ACTION[v.action]!])),
      });
      expect(Buffer.from(stringToSign(entries, actions, c.table)).toString('base64')).toBe(c.string_to_sign);
    });
  });
});

describe('serialization is its own inverse', () => {
  it('deserialize(serialize(x)) is x with sorted sets', () => {
    const v: AttributeValue = { M: { b: { L: [{ N: '1.50' }, { NULL: true }] }, a: { SS: ['z', 'a'] }, c: { BS: [Uint8Array.of(0xff), Uint8Array.of(1)] } } };
    expect(deserializeAttribute(serializeAttribute(v))).toEqual({ M: { a: { SS: ['a', 'z'] }, b: { L: [{ N: '1.5' }, { NULL: true }] }, c: { BS: [Uint8Array.of(1), Uint8Array.of(0xff)] } } });
  });
});
