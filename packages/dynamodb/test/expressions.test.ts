// The expression checks behind EncryptedClient's refusals (src/expressions.ts): random condition
// and update expressions built from a small grammar (DynamoDB Developer Guide, "Expressions"), with
// the expected verdict computed from the tree, not from the tokenizer; and the edge cases by hand.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AttributeActions, checkConditionExpression, checkUpdateExpression, type ExpressionAttributeNames } from '../src/index.js';

// secret and card are encrypted, views is not signed, the rest (default) signed only.
const actions = new AttributeActions({ defaultAction: 'SIGN_ONLY', attributeActions: { secret: 'ENCRYPT_AND_SIGN', card: 'ENCRYPT_AND_SIGN', views: 'DO_NOTHING' } });
const NAMES = ['pk', 'state', 'secret', 'card', 'views'];
// Every name also has a placeholder (a name may need one: reserved words, dots, dashes).
const PLACEHOLDERS: ExpressionAttributeNames = Object.fromEntries(NAMES.map((n, i) => [`#n${i}`, n]));

interface Path {
  text: string;
  head: string;
}
const path: fc.Arbitrary<Path> = fc
  .record({
    head: fc.constantFrom(...NAMES),
    placeholder: fc.boolean(),
    // Nested elements may carry encrypted names: only the head is an item attribute.
    rest: fc.array(fc.oneof(fc.constantFrom(...NAMES).map((n) => `.${n}`), fc.nat(3).map((i) => `[${i}]`)), { maxLength: 2 }),
  })
  .map(({ head, placeholder, rest }) => ({ head, text: `${placeholder ? `#n${NAMES.indexOf(head)}` : head}${rest.join('')}` }));

/** A condition's text and the attributes it reads other than for presence (what must be refused). */
interface Cond {
  text: string;
  reads: string[];
}
const operand = fc.oneof(path.map((p): Cond => ({ text: p.text, reads: [p.head] })), fc.constant<Cond>({ text: ':v', reads: [] }));
const condition: fc.Arbitrary<Cond> = fc.letrec<{ cond: Cond }>((tie) => ({
  cond: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.tuple(operand, fc.constantFrom('=', '<>', '<', '<=', '>', '>='), operand).map(([a, op, b]) => ({ text: `${a.text} ${op} ${b.text}`, reads: [...a.reads, ...b.reads] })),
    fc.tuple(fc.constantFrom('attribute_exists', 'attribute_not_exists'), path).map(([f, p]) => ({ text: `${f}(${p.text})`, reads: [] })),
    fc.tuple(fc.constantFrom('begins_with', 'contains'), path).map(([f, p]) => ({ text: `${f} (${p.text}, :p)`, reads: [p.head] })),
    path.map((p) => ({ text: `attribute_type(${p.text}, :t)`, reads: [p.head] })),
    path.map((p) => ({ text: `size(${p.text}) > :n`, reads: [p.head] })),
    fc.tuple(operand, operand).map(([a, b]) => ({ text: `${a.text} BETWEEN :lo AND ${b.text}`, reads: [...a.reads, ...b.reads] })),
    operand.map((a) => ({ text: `${a.text} IN (:a, :b)`, reads: a.reads })),
    fc.tuple(tie('cond'), fc.constantFrom('AND', 'OR', 'and'), tie('cond')).map(([a, op, b]) => ({ text: `${a.text} ${op} ${b.text}`, reads: [...a.reads, ...b.reads] })),
    tie('cond').map((a) => ({ text: `NOT (${a.text})`, reads: a.reads })),
  ),
})).cond;

function verdict(fn: () => void): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
}

describe('condition, filter and key condition expressions', () => {
  it('refused exactly when an encrypted attribute is read other than for presence (random expressions)', () => {
    fc.assert(
      fc.property(condition, (c) => {
        const expected = c.reads.some((n) => actions.action(n) === 'ENCRYPT_AND_SIGN') ? 'DDB_ENCRYPTED_ATTRIBUTE_IN_EXPRESSION' : undefined;
        expect(verdict(() => checkConditionExpression(c.text, PLACEHOLDERS, actions, 'FilterExpression')), c.text).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('edge cases', () => {
    const check = (e: string, names?: ExpressionAttributeNames) => verdict(() => checkConditionExpression(e, names, actions, 'ConditionExpression'));
    expect(check('attribute_not_exists(secret) AND state = :s')).toBeUndefined();
    expect(check('attribute_exists ( #x )', { '#x': 'card' })).toBeUndefined();
    expect(check('state.secret = :v')).toBeUndefined(); // nested element, not the item attribute
    expect(check('#a.#b = :v', { '#a': 'state', '#b': 'card' })).toBeUndefined();
    expect(check('#a = :v', { '#a': 'card' })).toBe('DDB_ENCRYPTED_ATTRIBUTE_IN_EXPRESSION');
    expect(check('size(secret)>:n')).toBe('DDB_ENCRYPTED_ATTRIBUTE_IN_EXPRESSION');
    expect(check('attribute_exists(state) AND (contains(card, :x))')).toBe('DDB_ENCRYPTED_ATTRIBUTE_IN_EXPRESSION');
    // A default-action attribute not named anywhere takes the default.
    const strict = new AttributeActions();
    expect(verdict(() => checkConditionExpression('other = :v', undefined, strict, 'F'))).toBe('DDB_ENCRYPTED_ATTRIBUTE_IN_EXPRESSION');
    // Malformed: an unknown placeholder, a stray character (the server would refuse them; so do we, typed).
    expect(check('#missing = :v', {})).toBe('DDB_UNSUPPORTED_REQUEST');
    expect(check('state = :v ; drop')).toBe('DDB_UNSUPPORTED_REQUEST');
    expect(verdict(() => checkConditionExpression(42, undefined, actions, 'F'))).toBe('DDB_UNSUPPORTED_REQUEST');
    // A placeholder map with __proto__ or inherited keys does not resolve them.
    expect(check('#toString = :v', {})).toBe('DDB_UNSUPPORTED_REQUEST');
    expect(check('state = :v', undefined)).toBeUndefined();
  });
});

/** An update expression and the first refusal it must meet, in text order. */
interface Update {
  text: string;
  events: { name: string; target: boolean }[];
}
const setAction = fc
  .tuple(path, operand, fc.option(fc.tuple(fc.constantFrom('+', '-'), operand), { nil: undefined }), fc.boolean())
  .map(([p, a, more, ifNotExists]): Update => {
    const first = ifNotExists ? `if_not_exists(${a.text === ':v' ? p.text : a.text}, :d)` : a.text;
    const firstReads = ifNotExists && a.text === ':v' ? [p.head] : a.reads;
    return {
      text: `${p.text} = ${first}${more ? ` ${more[0]} ${more[1].text}` : ''}`,
      events: [{ name: p.head, target: true }, ...firstReads.map((name) => ({ name, target: false })), ...(more?.[1].reads ?? []).map((name) => ({ name, target: false }))],
    };
  });
const update: fc.Arbitrary<Update> = fc
  .record({
    set: fc.array(setAction, { maxLength: 3 }),
    remove: fc.array(path, { maxLength: 2 }),
    add: fc.array(path, { maxLength: 2 }),
    del: fc.array(path, { maxLength: 1 }),
  })
  .filter((u) => u.set.length + u.remove.length + u.add.length + u.del.length > 0)
  .map(({ set, remove, add, del }) => {
    const clauses: Update[] = [];
    if (set.length) clauses.push({ text: `SET ${set.map((s) => s.text).join(', ')}`, events: set.flatMap((s) => s.events) });
    if (remove.length) clauses.push({ text: `REMOVE ${remove.map((p) => p.text).join(', ')}`, events: remove.map((p) => ({ name: p.head, target: true })) });
    if (add.length) clauses.push({ text: `ADD ${add.map((p) => `${p.text} :n`).join(', ')}`, events: add.map((p) => ({ name: p.head, target: true })) });
    if (del.length) clauses.push({ text: `DELETE ${del.map((p) => `${p.text} :s`).join(', ')}`, events: del.map((p) => ({ name: p.head, target: true })) });
    return { text: clauses.map((c) => c.text).join(' '), events: clauses.flatMap((c) => c.events) };
  });

describe('update expressions', () => {
  it('only DO_NOTHING attributes change, and encrypted ones are never read (random expressions)', () => {
    fc.assert(
      fc.property(update, (u) => {
        let expected: string | undefined;
        for (const e of u.events) {
          if (e.target && actions.action(e.name) !== 'DO_NOTHING') expected = 'DDB_SIGNED_ATTRIBUTE_UPDATE';
          else if (!e.target && actions.action(e.name) === 'ENCRYPT_AND_SIGN') expected = 'DDB_ENCRYPTED_ATTRIBUTE_IN_EXPRESSION';
          if (expected) break;
        }
        expect(verdict(() => checkUpdateExpression(u.text, PLACEHOLDERS, actions, 'UpdateExpression')), u.text).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('edge cases', () => {
    const check = (e: string) => verdict(() => checkUpdateExpression(e, PLACEHOLDERS, actions, 'UpdateExpression'));
    expect(check('SET views = views + :one')).toBeUndefined();
    expect(check('set views = list_append(views, :l)')).toBeUndefined();
    expect(check('SET views = list_append(:l, state)')).toBeUndefined(); // a signed-only value may be read
    expect(check('SET views.secret = :v')).toBeUndefined();
    expect(check('SET views = :v REMOVE state')).toBe('DDB_SIGNED_ATTRIBUTE_UPDATE');
    expect(check('SET views = list_append(card, :l)')).toBe('DDB_ENCRYPTED_ATTRIBUTE_IN_EXPRESSION');
    expect(check('ADD pk :n')).toBe('DDB_SIGNED_ATTRIBUTE_UPDATE');
    // The error names the attribute and its action, never a value.
    expect(() => checkUpdateExpression('SET card = :v', undefined, actions, 'UpdateItem UpdateExpression')).toThrow(/'card', which is ENCRYPT_AND_SIGN/);
  });
});
