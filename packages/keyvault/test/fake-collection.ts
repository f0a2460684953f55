// A recording fake of the driver Collection methods MongoKeyVault calls, backed by a MemoryKeyVault.
import type { Binary } from 'bson';
import { MemoryKeyVault, type DataKeyDocument, type KeyVaultCollection } from '@fle-ts/keyvault';

export interface Call { method: string; args: unknown[] }
export class FakeCollection {
  calls: Call[] = [];
  readonly mem = new MemoryKeyVault();
  failNext?: unknown;
  #rec(method: string, args: unknown[]): void {
    this.calls.push({ method, args });
    if (this.failNext) {
      const e = this.failNext;
      this.failNext = undefined;
      throw e;
    }
  }
  find(filter: Record<string, unknown>, options: unknown) {
    this.#rec('find', [filter, options]);
    return { toArray: async () => this.mem.findByFilter(filter) };
  }
  async insertOne(d: DataKeyDocument, options: unknown) {
    this.#rec('insertOne', [d, options]);
    await this.mem.insert(d);
    return { acknowledged: true, insertedId: d._id };
  }
  async replaceOne(filter: { _id: Binary }, d: DataKeyDocument, options: unknown) {
    this.#rec('replaceOne', [filter, d, options]);
    return { matchedCount: (await this.mem.replace(d)) ? 1 : 0 };
  }
  async updateOne(filter: { _id: Binary }, u: { $set: Pick<DataKeyDocument, 'masterKey' | 'keyMaterial'> }, options: unknown) {
    this.#rec('updateOne', [filter, u, options]);
    const ok = await this.mem.updateKeyWrapping(filter._id, { ...u.$set, updateDate: new Date() }); // $currentDate: server time
    return { matchedCount: ok ? 1 : 0 };
  }
  async deleteOne(filter: { _id: Binary }, options: unknown) {
    this.#rec('deleteOne', [filter, options]);
    return { deletedCount: (await this.mem.delete(filter._id)) ? 1 : 0 };
  }
  async findOneAndUpdate(filter: { _id: Binary }, update: unknown, options: unknown) {
    this.#rec('findOneAndUpdate', [filter, update, options]);
    if (Array.isArray(update)) {
      const name = (update[0] as { $set: { keyAltNames: { $cond: [{ $eq: [string, string[]] }] } } }).$set.keyAltNames.$cond[0].$eq[1][0] as string;
      return this.mem.removeKeyAltName(filter._id, name);
    }
    return this.mem.addKeyAltName(filter._id, (update as { $addToSet: { keyAltNames: string } }).$addToSet.keyAltNames);
  }
  async createIndex(key: unknown, options: unknown) {
    this.#rec('createIndex', [key, options]);
    return 'keyAltNames_1';
  }
}
export const asCollection = (f: FakeCollection) => f as unknown as KeyVaultCollection;
