// Keys and an AutoEncrypter factory for the round-trip property test: a fixed local master key,
// three data keys made once (deterministic material so runs are reproducible).
import { Binary } from 'bson';
import { AutoEncrypter, MemoryKeyVault } from '../src/index.js';
import { buildLocalKeyDocuments } from './key-support.js';

const MASTER = new Uint8Array(96).fill(0x42);
const built = buildLocalKeyDocuments(MASTER, 3);

/** Key ids the generated schemas use (UUIDs 01…, 02…, 03…). */
export const PROPERTY_KEY_IDS: Binary[] = built.ids;

const keyVault = new MemoryKeyVault(built.docs);

/** A fresh AutoEncrypter over the shared key vault with `schemaMap`. */
export function makeAutoEncrypter(schemaMap: Record<string, unknown>): AutoEncrypter {
  return new AutoEncrypter({ keyVault, kmsProviders: { local: { key: MASTER } }, schemaMap });
}
