// fast-check arbitraries for DynamoDB items: every attribute type, nested L/M, unique set members,
// numbers within DynamoDB's 38 digits, astral characters in strings and names.
import fc from 'fast-check';
import { normalizeNumber, type AttributeValue, type DynamoDbItem } from '../src/index.js';

const text = fc.string({ unit: 'grapheme', maxLength: 12 });

/** DynamoDB number text: plain or exponent form, trailing zeros, no negative zero (see README "Limits"). */
export const numberText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 20n }), fc.integer({ min: 0, max: 6 }), fc.option(fc.integer({ min: -40, max: 40 }), { nil: undefined }))
  .map(([neg, m, frac, e]) => {
    const digits = m.toString().padStart(frac + 1, '0');
    const body = frac ? `${digits.slice(0, -frac)}.${digits.slice(-frac)}` : digits;
    return `${neg && m !== 0n ? '-' : ''}${body}${e === undefined ? '' : `E${e}`}`;
  });

const bytes = fc.uint8Array({ maxLength: 24 });

export const attributeValue: fc.Arbitrary<AttributeValue> = fc.letrec<{ value: AttributeValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', maxDepth: 3 },
    text.map((S) => ({ S })),
    numberText.map((N) => ({ N })),
    bytes.map((B) => ({ B })),
    fc.boolean().map((BOOL) => ({ BOOL })),
    fc.constant({ NULL: true }),
    fc.uniqueArray(text, { minLength: 1, maxLength: 4 }).map((SS) => ({ SS })),
    fc.uniqueArray(numberText, { minLength: 1, maxLength: 4, selector: normalizeNumber }).map((NS) => ({ NS })),
    fc.uniqueArray(bytes, { minLength: 1, maxLength: 4, selector: (b) => Buffer.from(b).toString('hex') }).map((BS) => ({ BS })),
    fc.array(tie('value'), { maxLength: 3 }).map((L) => ({ L })),
    fc.dictionary(text, tie('value'), { maxKeys: 3, noNullPrototype: true }).map((M) => ({ M })),
  ),
})).value;

/** Attribute names: a few fixed ones (so per-attribute overrides apply) and random ones. */
const attributeName = fc.oneof(fc.constantFrom('a', 'b', 'c', 'd'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 })).filter((n) => n !== 'pk' && !n.startsWith('*amzn'));

/** An item with partition key `pk` (S) and up to 6 other attributes. */
export const item: fc.Arbitrary<DynamoDbItem> = fc
  .tuple(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }), fc.dictionary(attributeName, attributeValue, { maxKeys: 6, noNullPrototype: true }))
  .map(([pk, rest]) => ({ ...rest, pk: { S: pk } }));
