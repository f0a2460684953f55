// DynamoDB JSON (the wire/stream form: B values base64 text) to and from the SDK v3 shape, for
// DynamoDB Streams records and the published vectors (Python `encrypt_dynamodb_item` takes it).
import { attributeEntry, checkDepth, itemEntries, setOwn, type AttributeValue, type DynamoDbItem } from './attribute-value.js';
import { fromBase64, toBase64 } from './base64.js';
import { DynamoDbEncryptionError } from './errors.js';

function fromJson(value: unknown, where: string, depth: number): AttributeValue {
  checkDepth(depth, where);
  const [type, v] = attributeEntry(value, where);
  const strings = (x: unknown): string[] => {
    if (!Array.isArray(x) || !x.every((s) => typeof s === 'string')) throw new DynamoDbEncryptionError('DDB_BAD_ATTRIBUTE', `${where}: a ${type} value must be an array of strings`);
    return x as string[];
  };
  switch (type) {
    case 'B':
      return { B: fromBase64(v as string, `${where} B`) };
    case 'BS':
      return { BS: strings(v).map((s) => fromBase64(s, `${where} BS member`)) };
    case 'L':
      if (!Array.isArray(v)) throw new DynamoDbEncryptionError('DDB_BAD_ATTRIBUTE', `${where}: an L value must be an array`);
      return { L: v.map((x) => fromJson(x, where, depth + 1)) };
    case 'M': {
      const m: Record<string, AttributeValue> = {};
      for (const [k, x] of itemEntries(v, where)) setOwn(m, k, fromJson(x, where, depth + 1));
      return { M: m };
    }
    default:
      return value as AttributeValue;
  }
}

function toJson(value: AttributeValue, depth: number): unknown {
  checkDepth(depth, 'attribute');
  const [type, v] = attributeEntry(value, 'attribute');
  switch (type) {
    case 'B':
      return { B: toBase64(v as Uint8Array) };
    case 'BS':
      return { BS: (v as Uint8Array[]).map(toBase64) };
    case 'L':
      return { L: (v as AttributeValue[]).map((x) => toJson(x, depth + 1)) };
    case 'M': {
      const m: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v as Record<string, AttributeValue>)) setOwn(m, k, toJson(x, depth + 1));
      return { M: m };
    }
    default:
      return value;
  }
}

/** Converts an item from DynamoDB JSON (B/BS as base64) to the SDK v3 shape (Uint8Array). */
export function itemFromDynamodbJson(item: unknown): DynamoDbItem {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of itemEntries(item, 'item')) setOwn(out, k, fromJson(v, `attribute '${k}'`, 0));
  return out;
}

/** Converts an item from the SDK v3 shape to DynamoDB JSON (B/BS as base64). */
export function itemToDynamodbJson(item: DynamoDbItem): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of itemEntries(item, 'item')) setOwn(out, k, toJson(v, 0));
  return out;
}
