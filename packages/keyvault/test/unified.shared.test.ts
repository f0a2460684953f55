// The local, key-management parts of the spec's unified tests (spec-extra/unified/*.json), run
// against MemoryKeyVault: each operation's expectResult and each test's outcome collection.
// Commands and options (expectEvents) are checked for MongoKeyVault in stores.test.ts.
import { Binary, EJSON } from 'bson';
import { expect, it } from 'vitest';
import { MemoryKeyVault, type DataKeyDocument } from '@fle-ts/keyvault';
import { describeShared, readSharedJson } from '../../../scripts/test-support/shared.js';

interface Op { name: string; object: string; arguments?: Record<string, unknown>; expectResult?: unknown; expectError?: unknown }
interface Test { description: string; operations: Op[]; outcome?: { documents: unknown[] }[] }
interface UnifiedFile { initialData: { documents: unknown[] }[]; tests: Test[] }

const canonical = (v: unknown): unknown => JSON.parse(EJSON.stringify(v as Record<string, unknown>, { relaxed: false }));

// Unified-format matching (subset): $$unsetOrMatches, $$type, $$exists; extra keys allowed in actual documents.
function matches(expected: unknown, actual: unknown, path = '$'): void {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    const e = expected as Record<string, unknown>;
    if ('$$unsetOrMatches' in e) {
      if (actual === undefined) return;
      return matches(e.$$unsetOrMatches, actual, path);
    }
    if ('$$type' in e) {
      const a = actual as Record<string, unknown>;
      const kind = e.$$type === 'binData' ? '$binary' : e.$$type === 'date' ? '$date' : String(e.$$type);
      expect(a && typeof a === 'object' && kind in a, `${path} should be ${String(e.$$type)}`).toBe(true);
      return;
    }
    if ('$$exists' in e) {
      expect(actual !== undefined, path).toBe(e.$$exists);
      return;
    }
    // numbers in the expected side are plain JSON; the actual side is canonical ({$numberInt: "1"})
    const a = actual as Record<string, unknown>;
    expect(a !== null && typeof a === 'object', `${path} should be a document`).toBe(true);
    for (const [k, v] of Object.entries(e)) matches(v, a[k], `${path}.${k}`);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${path} should be an array`).toBe(true);
    expect((actual as unknown[]).length, `${path} length`).toBe(expected.length);
    expected.forEach((v, i) => matches(v, (actual as unknown[])[i], `${path}[${i}]`));
    return;
  }
  if (typeof expected === 'number' && actual !== null && typeof actual === 'object') {
    const n = Object.values(actual as Record<string, string>)[0];
    expect(Number(n), path).toBe(expected);
    return;
  }
  expect(actual, path).toEqual(expected);
}

function idArg(op: Op, field = 'id'): Binary {
  return EJSON.deserialize({ v: op.arguments?.[field] }, { relaxed: false }).v as Binary;
}

async function run(vault: MemoryKeyVault, op: Op): Promise<unknown> {
  switch (op.name) {
    case 'addKeyAltName': return vault.addKeyAltName(idArg(op), op.arguments?.keyAltName as string);
    case 'removeKeyAltName': return vault.removeKeyAltName(idArg(op), op.arguments?.keyAltName as string);
    case 'getKeyByAltName': return (await vault.find({ altNames: [op.arguments?.keyAltName as string] }))[0] ?? null;
    case 'getKey': return (await vault.find({ ids: [idArg(op)] }))[0] ?? null;
    case 'deleteKey': return { deletedCount: (await vault.delete(idArg(op))) ? 1 : 0 };
    case 'find': // only the {_id: 0, keyAltNames: 1} projection these files use
      return (await vault.findAll()).map((d) => (d.keyAltNames ? { keyAltNames: d.keyAltNames } : {}));
    case 'aggregate': // [$project keyAltNames, $unwind, $sort] as in addKeyAltName.json
      return (await vault.findAll()).flatMap((d) => d.keyAltNames ?? []).sort().map((n) => ({ keyAltNames: n }));
    default: throw new Error(`unsupported operation ${op.name}`);
  }
}

const FILES = ['addKeyAltName.json', 'removeKeyAltName.json', 'getKeyByAltName.json', 'getKey.json', 'deleteKey.json'];

describeShared('SPEC unified key-management tests on MemoryKeyVault (spec-extra/unified)', () => {
  for (const f of FILES) {
    const file = readSharedJson<UnifiedFile>(`spec-extra/unified/${f}`);
    for (const t of file.tests) {
      it(`${f}: ${t.description}`, async () => {
        const docs = (file.initialData[0]?.documents ?? []).map((d) => JSON.stringify(d));
        const vault = new MemoryKeyVault(docs);
        for (const op of t.operations) {
          const result = await run(vault, op);
          if ('expectResult' in op) {
            const actual = result === null ? null : canonical(Array.isArray(result) ? { a: result } : result);
            matches(op.expectResult, Array.isArray(result) ? (actual as { a: unknown }).a : actual, `${op.name}`);
          }
        }
        if (t.outcome) {
          const all = (await vault.findAll()).map((d: DataKeyDocument) => canonical(d));
          matches(t.outcome[0]?.documents, all, 'outcome');
        }
      });
    }
  }
});
