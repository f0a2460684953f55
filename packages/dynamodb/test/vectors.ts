// Loaders for ../shared/test-vectors/dynamodb (README there): keys, plaintext items, ciphertext files.
// Call only inside a describeShared body.
import { readSharedJson } from '../../../scripts/test-support/shared.js';
import { AttributeActions, CryptoAction, itemFromDynamodbJson, itemToDynamodbJson, normalizeNumber, JceNameLocalDelegatedKey, type DynamoDbItem, type EncryptionKeyType } from '../src/index.js';

export const DIR = 'dynamodb';
export const ITEM_DIR = 'dynamodb/encrypted_item';

interface KeyJson {
  material: string;
  algorithm: string;
  encoding: string;
  type: string;
}

/** keys.json entries as JceNameLocalDelegatedKey (RAW symmetric, DER public/private). */
export function loadKeys(): Record<string, JceNameLocalDelegatedKey> {
  const raw = readSharedJson<Record<string, KeyJson | { keyId: string }>>(`${ITEM_DIR}/keys.json`);
  const out: Record<string, JceNameLocalDelegatedKey> = {};
  for (const [name, k] of Object.entries(raw)) {
    if (!('material' in k)) continue;
    out[name] = new JceNameLocalDelegatedKey(new Uint8Array(Buffer.from(k.material, 'base64')), k.algorithm, k.type.toUpperCase() as EncryptionKeyType);
  }
  return out;
}

/** Raw key bytes of keys.json (for the independent node:crypto checks). */
export function rawKey(name: string): Uint8Array {
  const raw = readSharedJson<Record<string, KeyJson>>(`${ITEM_DIR}/keys.json`);
  return new Uint8Array(Buffer.from(raw[name]!.material, 'base64'));
}

const ACTION: Record<string, CryptoAction> = { encrypt: 'ENCRYPT_AND_SIGN', sign: 'SIGN_ONLY', nothing: 'DO_NOTHING' };

interface PlaintextJson {
  actions: Record<string, { default: string; override?: Record<string, string> }>;
  items: Record<string, { index: { partition: string; sort?: string }; items: { attributes: Record<string, unknown>; action: string; exact?: boolean }[] }>;
  versions: Record<string, Record<string, string[]>>;
  attributes: Record<string, Record<string, unknown>>;
}

/** One expected plaintext item of a table with its attribute actions. */
export interface ExpectedItem {
  table: string;
  partitionKeyName: string;
  sortKeyName: string | undefined;
  actions: AttributeActions;
  item: DynamoDbItem;
}

/** The plaintext items of plaintext.json for one scenario version (v0/v1), per table. */
export function expectedItems(version: string): ExpectedItem[] {
  const p = readSharedJson<PlaintextJson>(`${ITEM_DIR}/plaintext.json`);
  const out: ExpectedItem[] = [];
  for (const [table, t] of Object.entries(p.items)) {
    for (const it of t.items) {
      let attrs: Record<string, unknown> = { ...it.attributes };
      if (!it.exact) {
        // Only tables listed under `versions` get the attribute groups (HashKeyOnly items stay as written).
        for (const group of p.versions[table]?.[version] ?? []) attrs = { ...attrs, ...p.attributes[group] };
      }
      const a = p.actions[it.action]!;
      const overrides = Object.fromEntries(Object.entries(a.override ?? {}).map(([k, v]) => [k, ACTION[v]!]));
      out.push({
        table,
        partitionKeyName: t.index.partition,
        sortKeyName: t.index.sort,
        actions: new AttributeActions({ defaultAction: ACTION[a.default]!, attributeActions: overrides }),
        item: itemFromDynamodbJson(attrs),
      });
    }
  }
  return out;
}

/** A ciphertext file: table name → encrypted items (SDK v3 shape). */
export function ciphertextFile(lang: string, file: string): Record<string, DynamoDbItem[]> {
  const c = readSharedJson<Record<string, unknown[]>>(`${ITEM_DIR}/ciphertext/${lang}/${file}`);
  return Object.fromEntries(Object.entries(c).map(([t, items]) => [t, items.map(itemFromDynamodbJson)]));
}

/** Key attribute values of an item, as a string for matching. */
export function keyOf(item: DynamoDbItem, e: { partitionKeyName: string; sortKeyName: string | undefined }): string {
  return JSON.stringify([item[e.partitionKeyName], e.sortKeyName ? item[e.sortKeyName] : null]);
}

/**
 * An item as DynamoDB JSON without `version` (the Java mapper bumps it on save: vectors README),
 * set members sorted (sets are unordered; decrypted sets come back in serialization order),
 * numbers normalized (a decrypted number comes back in its serialized form: "1.50" → "1.5").
 */
export function comparable(item: DynamoDbItem): Record<string, unknown> {
  const { version: _v, ...rest } = itemToDynamodbJson(item);
  const sortSets = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortSets);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(
      Object.entries(v).map(([k, x]) => {
        if (k === 'N' && typeof x === 'string') return [k, normalizeNumber(x)];
        if (k === 'NS') return [k, (x as string[]).map(normalizeNumber).sort()];
        if (k === 'SS' || k === 'BS') return [k, [...(x as string[])].sort()];
        return [k, sortSets(x)];
      }),
    );
  };
  return sortSets(rest) as Record<string, unknown>;
}
