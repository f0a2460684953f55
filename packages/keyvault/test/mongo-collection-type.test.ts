// KeyVaultCollection is written out without `mongodb` types (issue 11 item 14); this keeps it
// honest: the root type-check (`tsc -p tsconfig.json`, part of `pnpm test`) fails if a real
// driver Collection stops fitting it.
import type { Collection, Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { MongoKeyVault, type KeyVaultCollection } from '../src/index.js';

const fits = (c: Collection<Document>): KeyVaultCollection => c;

describe('KeyVaultCollection', () => {
  it('a mongodb 7.x Collection is accepted by MongoKeyVault without a cast', () => {
    const calls: string[] = [];
    // A stand-in with the driver's method names only: the type-level check is `fits` above.
    const stand = new Proxy({}, { get: (_t, name) => () => (calls.push(String(name)), Promise.resolve('keyAltNames_1')) });
    const vault = new MongoKeyVault(fits(stand as unknown as Collection<Document>));
    expect(vault).toBeInstanceOf(MongoKeyVault);
    expect(calls).toEqual([]); // constructing touches no collection method
  });
});
