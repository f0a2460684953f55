// Test-only: local key-vault documents built straight from crypto-core (fle1-spec.md §5 "Local
// master key and wrapping": keyMaterial = FLE1 AEAD of the 96-byte data key under the master key,
// empty associated data), so engine tests do not depend on createDataKey.
import { Binary, Int32 } from 'bson';
import { AeadKey } from '@fle-ts/crypto-core';

export function buildLocalKeyDocuments(master: Uint8Array, count: number): { ids: Binary[]; docs: Record<string, unknown>[] } {
  const wrapper = new AeadKey(master);
  const ids: Binary[] = [];
  const docs: Record<string, unknown>[] = [];
  for (let i = 1; i <= count; i++) {
    const id = new Binary(new Uint8Array(16).fill(i), Binary.SUBTYPE_UUID);
    const material = new Uint8Array(96).fill(i * 7);
    const now = new Date(1_700_000_000_000);
    ids.push(id);
    docs.push({
      _id: id,
      keyAltNames: [`key${i}`],
      keyMaterial: new Binary(wrapper.encryptRandom(material, new Uint8Array(0)), 0),
      creationDate: now,
      updateDate: now,
      status: new Int32(0),
      masterKey: { provider: 'local' },
    });
  }
  return { ids, docs };
}
