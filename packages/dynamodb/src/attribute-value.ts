// The AWS SDK v3 `AttributeValue` shape (@aws-sdk/client-dynamodb), declared structurally so this
// package needs no AWS SDK: exactly one member is set; B/BS are Uint8Array.
import { MAX_NESTING_DEPTH } from '@fle-ts/crypto-core';
import { DynamoDbEncryptionError } from './errors.js';

/** One DynamoDB attribute value, as the AWS SDK v3 client takes and returns it. */
export type AttributeValue =
  | { readonly S: string }
  | { readonly N: string }
  | { readonly B: Uint8Array }
  | { readonly SS: readonly string[] }
  | { readonly NS: readonly string[] }
  | { readonly BS: readonly Uint8Array[] }
  | { readonly M: { readonly [name: string]: AttributeValue } }
  | { readonly L: readonly AttributeValue[] }
  | { readonly NULL: boolean }
  | { readonly BOOL: boolean };

/** A DynamoDB item: attribute name to value. */
export type DynamoDbItem = { readonly [name: string]: AttributeValue };

/** The ten DynamoDB type tags. */
export type AttributeType = 'S' | 'N' | 'B' | 'SS' | 'NS' | 'BS' | 'M' | 'L' | 'NULL' | 'BOOL';

const TYPES: ReadonlySet<string> = new Set(['S', 'N', 'B', 'SS', 'NS', 'BS', 'M', 'L', 'NULL', 'BOOL']);

/**
 * The one set member of an attribute value and its value. The SDK v3 unions may carry the other
 * members as `undefined`, so those are skipped; anything else is DDB_BAD_ATTRIBUTE.
 */
export function attributeEntry(value: unknown, where: string): [AttributeType, unknown] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Uint8Array) {
    throw new DynamoDbEncryptionError('DDB_BAD_ATTRIBUTE', `${where}: an attribute value must be an object with exactly one type member (S, N, B, SS, NS, BS, M, L, NULL, BOOL)`);
  }
  let found: [AttributeType, unknown] | undefined;
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (!TYPES.has(k)) {
      throw new DynamoDbEncryptionError('DDB_BAD_ATTRIBUTE', `${where}: unknown attribute type member '${k.slice(0, 20)}'; use one of S, N, B, SS, NS, BS, M, L, NULL, BOOL`);
    }
    if (found) {
      throw new DynamoDbEncryptionError('DDB_BAD_ATTRIBUTE', `${where}: an attribute value has both '${found[0]}' and '${k}'; set exactly one type member`);
    }
    found = [k as AttributeType, v];
  }
  if (!found) throw new DynamoDbEncryptionError('DDB_BAD_ATTRIBUTE', `${where}: an attribute value has no type member; set exactly one of S, N, B, SS, NS, BS, M, L, NULL, BOOL`);
  return found;
}

/** Throws DDB_TOO_DEEP past the shared nesting bound (hostile inputs: helper rules / STYLE.md). */
export function checkDepth(depth: number, where: string): void {
  if (depth > MAX_NESTING_DEPTH) {
    throw new DynamoDbEncryptionError('DDB_TOO_DEEP', `${where}: attribute values nest deeper than ${MAX_NESTING_DEPTH} levels`);
  }
}

/** Sets an own enumerable property, also for the name `__proto__` (a plain `=` would re-prototype). */
export function setOwn<T>(target: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

/** The own entries of an item (plain object or Map), by their real keys. */
export function itemEntries(item: unknown, where: string): [string, AttributeValue][] {
  if (item instanceof Map) return [...(item as Map<string, AttributeValue>).entries()];
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw new DynamoDbEncryptionError('DDB_BAD_ATTRIBUTE', `${where}: an item must be an object of attribute name to AttributeValue`);
  }
  return Object.entries(item as Record<string, AttributeValue>);
}
