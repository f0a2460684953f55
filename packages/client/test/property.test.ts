// Property: for generated schemas and documents that follow them, decryptDocument(encryptDocument(doc))
// equals doc, and no field the schema marks is left in clear (fle1-spec.md §7; query-analysis.md §5).
import { Binary, BSON, Int32, Long } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DETERMINISTIC, RANDOM } from '../src/index.js';
import './binary-equality.js';
import { makeAutoEncrypter, PROPERTY_KEY_IDS } from './property-support.js';

type Shape =
  | { kind: 'clear' }
  | { kind: 'det'; bsonType: 'string' | 'int' | 'long' }
  | { kind: 'rand' }
  | { kind: 'object'; children: Record<string, Shape> };

const fieldName = fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/);
const shapeArb: fc.Arbitrary<Shape> = fc.letrec<{ shape: Shape }>((tie) => ({
  shape: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<Shape>({ kind: 'clear' }),
    fc.constantFrom<Shape>({ kind: 'det', bsonType: 'string' }, { kind: 'det', bsonType: 'int' }, { kind: 'det', bsonType: 'long' }),
    fc.constant<Shape>({ kind: 'rand' }),
    fc.dictionary(fieldName, tie('shape'), { maxKeys: 4 }).map<Shape>((children) => ({ kind: 'object', children })),
  ),
})).shape;
const rootShape = fc.dictionary(fieldName, shapeArb, { minKeys: 1, maxKeys: 6 });

const clearValue = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 3 }));
const randValue = fc.oneof(
  fc.string(),
  fc.integer().map((n) => new Int32(n)),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => Long.fromBigInt(n)),
  fc.dictionary(fieldName, fc.string(), { maxKeys: 3 }),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.uint8Array({ maxLength: 20 }).map((b) => new Binary(b, 0)),
  fc.boolean(),
);

function valueArb(shape: Shape): fc.Arbitrary<unknown> {
  switch (shape.kind) {
    case 'clear': return clearValue;
    case 'rand': return randValue;
    case 'det':
      return shape.bsonType === 'string' ? fc.string() : shape.bsonType === 'int' ? fc.integer().map((n) => new Int32(n)) : fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => Long.fromBigInt(n));
    case 'object': return docArb(shape.children);
  }
}

function docArb(children: Record<string, Shape>): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(children);
  // Every field may be absent: the schema only marks fields that are there.
  return fc.tuple(...entries.map(([, s]) => fc.option(valueArb(s), { nil: undefined, freq: 4 }))).map((values) => {
    const out: Record<string, unknown> = {};
    entries.forEach(([name], i) => {
      if (values[i] !== undefined) out[name] = values[i];
    });
    return out;
  });
}

function schemaFor(children: Record<string, Shape>, keyIndex: { n: number }): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(children)) {
    const keyId = [PROPERTY_KEY_IDS[keyIndex.n++ % PROPERTY_KEY_IDS.length]];
    if (s.kind === 'det') properties[name] = { encrypt: { keyId, algorithm: DETERMINISTIC, bsonType: s.bsonType } };
    else if (s.kind === 'rand') properties[name] = { encrypt: { keyId, algorithm: RANDOM } };
    else if (s.kind === 'object') properties[name] = schemaFor(s.children, keyIndex);
  }
  return { bsonType: 'object', properties };
}

/** Checks that every present marked field holds a ciphertext of the right kind. */
function assertNoneClear(children: Record<string, Shape>, doc: Record<string, unknown>, path: string): number {
  let checked = 0;
  for (const [name, s] of Object.entries(children)) {
    const v = doc[name];
    if (v === undefined) continue;
    if (s.kind === 'det' || s.kind === 'rand') {
      expect(v, `${path}${name}`).toBeInstanceOf(Binary);
      expect((v as Binary).sub_type).toBe(6);
      expect((v as Binary).buffer[0]).toBe(s.kind === 'det' ? 1 : 2);
      checked++;
    } else if (s.kind === 'object') {
      checked += assertNoneClear(s.children, v as Record<string, unknown>, `${path}${name}.`);
    }
  }
  return checked;
}

describe('automatic encryption round trip (property)', () => {
  it('decryptDocument(encryptDocument(doc)) equals doc and leaves no marked field in clear', async () => {
    let marked = 0;
    await fc.assert(
      fc.asyncProperty(
        rootShape.chain((shape) => fc.tuple(fc.constant(shape), docArb(shape))),
        async ([shape, doc]) => {
          const ns = 'db.prop';
          const auto = makeAutoEncrypter({ [ns]: schemaFor(shape, { n: 0 }) });
          const before = BSON.serialize(doc);
          const encrypted = await auto.encryptDocument(ns, doc);
          expect(BSON.serialize(doc)).toEqual(before); // input untouched
          marked += assertNoneClear(shape, encrypted, '');
          expect(await auto.decryptDocument(encrypted)).toEqual(doc);
        },
      ),
      { numRuns: 150 },
    );
    expect(marked).toBeGreaterThan(0); // the generator did produce encrypted fields
  });
});
