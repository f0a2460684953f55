// The local, key-management parts of the spec's unified tests (spec-extra/unified/*.json), run
// against MemoryKeyVault: each operation's expectResult and each test's outcome collection.
// Commands and options (expectEvents) are checked for MongoKeyVault in stores.test.ts.
import { Binary, EJSON } from 'bson';
import { expect, it } from 'vitest';
import { MemoryKeyVault, type DataKeyDocument } from '@fle-ts/keyvault';
import { describeShared, readSharedJson } from '../../../scripts/test-support/shared.js';
import { canonical, matches } from './unified-match.js';

interface Op { name: string; object: string; arguments?: Record<string, unknown>; expectResult?: unknown; expectError?: unknown }
interface Test { description: string; operations: Op[]; outcome?: { documents: unknown[] }[] }
interface UnifiedFile { initialData: { documents: unknown[] }[]; tests: Test[] }

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
