// issue 11 items 8 (deep nesting) and 3 (Map / __proto__ inputs) as they reach keyvault: the
// file-vault parse, key-document validation and the in-process filter walk.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Binary } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_NESTING_DEPTH } from '@fle-ts/crypto-core';
import {
  KmsProviders, MemoryKeyVault, MongoKeyVault, createDataKey, keyDocumentToEJSON, matchesFilter, parseKeyDocument, rewrapManyDataKey,
  type DataKeyDocument, type KeyVaultErrorCode,
} from '@fle-ts/keyvault';
import { FileKeyVault } from '@fle-ts/keyvault/node';
import { expectCode, SPEC_MASTER_KEY, uuid, ZERO_MASTER_KEY } from './helpers.js';
import { asCollection, FakeCollection } from './fake-collection.js';
import { checkJsonTextDepth, checkValueDepth } from '../src/depth.js';

const LEVELS = 5000;
const deepArrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
function deepObject(n: number, key = 'a'): Record<string, unknown> {
  let o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o = { [key]: o };
  return o;
}

function doc(idHex: string, altNames?: string[], provider = 'local'): DataKeyDocument {
  return parseKeyDocument({
    _id: uuid(idHex),
    ...(altNames ? { keyAltNames: altNames } : {}),
    keyMaterial: new Binary(new Uint8Array(160).fill(1), 0),
    creationDate: new Date(0),
    updateDate: new Date(0),
    status: 0,
    masterKey: { provider },
  });
}
const ID1 = '11111111111141118111111111111111';
const ID2 = '22222222222242228222222222222222';

async function expectTooDeep(p: Promise<unknown> | (() => unknown)): Promise<void> {
  const e = await expectCode(p, 'NESTING_TOO_DEEP' as KeyVaultErrorCode);
  expect(e.message).toContain(String(MAX_NESTING_DEPTH));
}

describe('issue 11 item 8: nesting deeper than MAX_NESTING_DEPTH is a typed NESTING_TOO_DEEP, never a RangeError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fle-ts-deep-'));
  it(`FileKeyVault: a vault file nesting ${LEVELS} levels (top level, in _id, in masterKey)`, async () => {
    const files = [deepArrays(LEVELS), `[{"_id": ${deepArrays(LEVELS)}}]`, `[{"masterKey": {"provider": "local", "x": ${deepArrays(LEVELS)}}}]`,
      `[{"_id": ${'{"a":'.repeat(LEVELS)}{}${'}'.repeat(LEVELS)}}]`];
    for (const [i, text] of files.entries()) {
      const path = join(dir, `deep-${i}.json`);
      writeFileSync(path, text);
      await expectTooDeep(new FileKeyVault(path).findAll());
      await expectTooDeep(new FileKeyVault(path).insert(doc(ID1)));
    }
  });

  it('FileKeyVault: brackets inside strings do not count; a legitimately nested file still loads', async () => {
    const path = join(dir, 'brackets.json');
    const d = doc(ID1, ['[[[[{{{{'.repeat(100), '\\"[[[']);
    writeFileSync(path, `[${keyDocumentToEJSON(d)}]`);
    expect((await new FileKeyVault(path).findAll())[0]?.keyAltNames).toEqual(d.keyAltNames);
  });

  it(`parseKeyDocument: Extended JSON text and objects nesting ${LEVELS} levels`, async () => {
    await expectTooDeep(() => parseKeyDocument(`{"_id": ${deepArrays(LEVELS)}}`));
    await expectTooDeep(() => parseKeyDocument({ _id: deepObject(LEVELS, '$x') }));
    await expectTooDeep(() => parseKeyDocument({ masterKey: deepObject(LEVELS) }));
    // a cycle is refused the same way instead of looping
    const cyc: Record<string, unknown> = { provider: 'local' };
    cyc.self = cyc;
    await expectTooDeep(() => parseKeyDocument({ masterKey: cyc }));
  });

  it(`filters nesting ${LEVELS} levels ($or chains, values) in every in-process store and matchesFilter; MongoKeyVault refuses before sending`, async () => {
    let orChain: Record<string, unknown> = { status: 0 };
    for (let i = 0; i < LEVELS; i++) orChain = { $or: [orChain] };
    const deepValue = { masterKey: deepObject(LEVELS) };
    await expectTooDeep(() => matchesFilter(doc(ID1), orChain));
    for (const v of [new MemoryKeyVault([doc(ID1)]), new FileKeyVault(join(dir, 'filters.json'))]) {
      await v.insert(doc(ID2)).catch(() => undefined);
      await expectTooDeep(v.findByFilter(orChain));
      await expectTooDeep(v.findByFilter(deepValue));
    }
    const f = new FakeCollection();
    await expectTooDeep(new MongoKeyVault(asCollection(f)).findByFilter(orChain));
    expect(f.calls).toEqual([]);
    const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY }, 'local:new': { key: SPEC_MASTER_KEY } });
    await expectTooDeep(rewrapManyDataKey(new MemoryKeyVault([doc(ID1)]), kms, orChain, { provider: 'local:new' }));
  });

  it(`exactly ${MAX_NESTING_DEPTH} levels are accepted, ${MAX_NESTING_DEPTH + 1} refused`, async () => {
    // The filter is level 1; deepObject(n) has n + 1 levels.
    expect(matchesFilter(doc(ID1), { masterKey: deepObject(MAX_NESTING_DEPTH - 2) })).toBe(false);
    await expectTooDeep(() => matchesFilter(doc(ID1), { masterKey: deepObject(MAX_NESTING_DEPTH - 1) }));
    let ok = `{"_id": ${deepArrays(MAX_NESTING_DEPTH - 1)}}`; // refused for its _id, not its depth
    await expectCode(() => parseKeyDocument(ok), 'INVALID_KEY_DOCUMENT');
    ok = `{"_id": ${deepArrays(MAX_NESTING_DEPTH)}}`;
    await expectTooDeep(() => parseKeyDocument(ok));
  });
});

describe('issue 11 item 3 (keyvault part): Map and __proto__ filters never widen to match-all', () => {
  async function vault() {
    return new MemoryKeyVault([doc(ID1, ['a']), doc(ID2, ['b'], 'local:x')]);
  }
  const ids = (docs: DataKeyDocument[]) => docs.map((d) => d._id.toString('hex')).sort();

  it('a Map filter (top level or nested) means the same document as the object', async () => {
    const v = await vault();
    expect(ids(await v.findByFilter(new Map([['keyAltNames', 'a']]) as unknown as Record<string, unknown>))).toEqual([ID1]);
    expect(ids(await v.findByFilter({ masterKey: new Map([['provider', 'local:x']]) }))).toEqual([ID2]);
    expect(ids(await v.findByFilter({ keyAltNames: new Map([['$in', ['b']]]) }))).toEqual([ID2]);
    expect(ids(await v.findByFilter({ $or: [new Map([['keyAltNames', 'b']])] }))).toEqual([ID2]);
    expect(matchesFilter(doc(ID1), new Map([['keyAltNames', 'zz']]) as unknown as Record<string, unknown>)).toBe(false);
  });

  it('a rewrap with a Map filter rewraps only the matching key', async () => {
    const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY }, 'local:new': { key: SPEC_MASTER_KEY } });
    const v = new MemoryKeyVault();
    const a = await createDataKey(v, kms, 'local', { keyAltNames: ['a'] });
    await createDataKey(v, kms, 'local', { keyAltNames: ['b'] });
    const r = await rewrapManyDataKey(v, kms, new Map([['keyAltNames', 'a']]) as unknown as Record<string, unknown>, { provider: 'local:new' });
    expect(r.keyIds.map((id) => id.toString('hex'))).toEqual([a.toString('hex')]);
  });

  it('{"__proto__": …} as JSON.parse makes it is a field that no key document has; inherited names are not fields', async () => {
    const v = await vault();
    expect(await v.findByFilter(JSON.parse('{"__proto__": "x"}') as Record<string, unknown>)).toEqual([]);
    expect(await v.findByFilter(JSON.parse('{"__proto__": {"keyAltNames": "a"}}') as Record<string, unknown>)).toEqual([]);
    expect(ids(await v.findByFilter(JSON.parse('{"__proto__": {"$exists": false}}') as Record<string, unknown>))).toEqual([ID1, ID2]);
    expect(await v.findByFilter({ 'masterKey.constructor': { $exists: true } })).toEqual([]);
    expect(await v.findByFilter({ 'keyAltNames.length': 1 })).toEqual([]);
    expect(ids(await v.findByFilter({ 'keyAltNames.0': 'b' }))).toEqual([ID2]);
  });

  it('INVALID_ARGUMENT, not match-all, for empty $and/$or, non-document entries and filters, and regular expressions', async () => {
    const v = await vault();
    for (const bad of [{ $and: [] }, { $or: [] }, { $or: ['keyAltNames'] }, { $and: [null] }, { keyAltNames: /a/ }, null, 'keyAltNames', [{ keyAltNames: 'a' }],
      new Map<unknown, unknown>([[1, 'a']])]) {
      await expectCode(v.findByFilter(bad as unknown as Record<string, unknown>), 'INVALID_ARGUMENT');
    }
  });

  it('parseKeyDocument names a Map instead of reporting a missing _id', async () => {
    const e = await expectCode(() => parseKeyDocument(new Map(Object.entries(doc(ID1))) as unknown as Record<string, unknown>), 'INVALID_KEY_DOCUMENT');
    expect(e.message).toContain('Map');
  });
});

describe('the depth checks agree with a recursive reference', () => {
  // Reference: containers count one level each; strings (any brackets, quotes, backslashes) none.
  const depthOf = (v: unknown): number => typeof v === 'object' && v !== null
    ? 1 + Math.max(0, ...Object.values(v).map(depthOf)) : 0;
  const tricky = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ':', ',') });
  const json = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, tricky, fc.integer(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }),
      fc.dictionary(tricky, tie('value'), { maxKeys: 3 })),
  })).value;
  it('property: text scan and value walk throw NESTING_TOO_DEEP exactly when the depth exceeds MAX_NESTING_DEPTH', () => {
    fc.assert(fc.property(json, fc.integer({ min: MAX_NESTING_DEPTH - 8, max: MAX_NESTING_DEPTH + 4 }), (inner, wraps) => {
      let v: unknown = inner;
      for (let i = 0; i < wraps; i++) v = i % 2 ? { k: v } : [v];
      const tooDeep = depthOf(v) > MAX_NESTING_DEPTH;
      const code = (f: () => void) => { try { f(); return 'ok'; } catch (e) { return (e as { code?: string }).code; } };
      expect(code(() => checkJsonTextDepth(JSON.stringify(v), 'x'))).toBe(tooDeep ? 'NESTING_TOO_DEEP' : 'ok');
      expect(code(() => checkValueDepth(v, 'x'))).toBe(tooDeep ? 'NESTING_TOO_DEEP' : 'ok');
    }), { numRuns: 200 });
  });
});
