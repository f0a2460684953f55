// Attribute serialization of the DynamoDB Encryption Client: both the plaintext of an encrypted
// attribute and the input of the signature (docs/dynamodb-encryption.md §2; Python
// internal/formatting/serialize/attribute.py, Java AttributeValueMarshaller).
import { attributeEntry, checkDepth, setOwn, type AttributeValue } from './attribute-value.js';
import { ByteReader, ByteWriter, compareBytes, fromUtf8, utf8, utf8Strict } from './bytes.js';
import { DynamoDbEncryptionError } from './errors.js';
import { normalizeNumber } from './number.js';

// Tag = 0x00 then one ASCII byte (Java writeChar), one table for both directions.
const TAG = { B: 0x62, S: 0x73, N: 0x6e, BS: 0x42, NS: 0x4e, SS: 0x53, BOOL: 0x3f, NULL: 0x00, L: 0x4c, M: 0x4d } as const;
const TYPE_OF_TAG = new Map<number, keyof typeof TAG>(Object.entries(TAG).map(([k, v]) => [v, k as keyof typeof TAG]));

function bad(where: string, what: string): DynamoDbEncryptionError {
  return new DynamoDbEncryptionError('DDB_BAD_ATTRIBUTE', `${where}: ${what}`);
}

function stringValue(v: unknown, where: string): string {
  if (typeof v !== 'string') throw bad(where, 'an S value must be a string');
  return v;
}

function bytesValue(v: unknown, where: string): Uint8Array {
  if (!(v instanceof Uint8Array)) throw bad(where, 'a B value must be a Uint8Array');
  return v;
}

/** Set members, transformed to bytes, sorted unsigned (Python `sorted(encoded_members)`). */
function writeSet(w: ByteWriter, tag: number, v: unknown, where: string, member: (x: unknown) => Uint8Array): void {
  if (!Array.isArray(v)) throw bad(where, 'a set value must be an array');
  const members = v.map(member).sort(compareBytes);
  for (let i = 1; i < members.length; i++) {
    if (compareBytes(members[i - 1]!, members[i]!) === 0) throw bad(where, 'a set holds the same member twice; DynamoDB sets have unique members');
  }
  w.bytes(Uint8Array.of(0, tag)).u32(members.length);
  for (const m of members) w.lengthPrefixed(m);
}

function write(w: ByteWriter, value: unknown, where: string, depth: number): void {
  checkDepth(depth, where);
  const [type, v] = attributeEntry(value, where);
  switch (type) {
    case 'B':
      w.bytes(Uint8Array.of(0, TAG.B)).lengthPrefixed(bytesValue(v, where));
      return;
    case 'S':
      w.bytes(Uint8Array.of(0, TAG.S)).lengthPrefixed(utf8Strict(stringValue(v, where), where));
      return;
    case 'N':
      w.bytes(Uint8Array.of(0, TAG.N)).lengthPrefixed(utf8(normalizeNumber(v as string)));
      return;
    case 'BS':
      writeSet(w, TAG.BS, v, where, (x) => bytesValue(x, where));
      return;
    case 'NS':
      writeSet(w, TAG.NS, v, where, (x) => utf8(normalizeNumber(x as string)));
      return;
    case 'SS':
      writeSet(w, TAG.SS, v, where, (x) => utf8Strict(stringValue(x, where), where));
      return;
    case 'BOOL':
      if (typeof v !== 'boolean') throw bad(where, 'a BOOL value must be true or false');
      w.bytes(Uint8Array.of(0, TAG.BOOL, v ? 1 : 0));
      return;
    case 'NULL':
      if (v !== true) throw bad(where, 'a NULL value must be true');
      w.bytes(Uint8Array.of(0, TAG.NULL));
      return;
    case 'L': {
      if (!Array.isArray(v)) throw bad(where, 'an L value must be an array');
      w.bytes(Uint8Array.of(0, TAG.L)).u32(v.length);
      for (const e of v) write(w, e, where, depth + 1);
      return;
    }
    case 'M': {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw bad(where, 'an M value must be an object');
      // Keys sorted by UTF-8 bytes (Python `_sorted_key_map(transform=to_bytes)`).
      const entries = Object.entries(v as Record<string, unknown>)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [utf8Strict(k, where), x] as const)
        .sort((a, b) => compareBytes(a[0], b[0]));
      w.bytes(Uint8Array.of(0, TAG.M)).u32(entries.length);
      for (const [k, x] of entries) {
        w.bytes(Uint8Array.of(0, TAG.S)).lengthPrefixed(k);
        write(w, x, where, depth + 1);
      }
      return;
    }
  }
}

/**
 * Serializes one attribute value as the DynamoDB Encryption Client does (numbers normalized,
 * set members and map keys sorted by bytes). `where` names the attribute in error messages.
 */
export function serializeAttribute(value: AttributeValue, where = 'attribute'): Uint8Array {
  const w = new ByteWriter();
  write(w, value, where, 0);
  return w.finish();
}

function read(r: ByteReader, depth: number): AttributeValue {
  checkDepth(depth, 'serialized attribute');
  const head = r.take(2);
  const type = head[0] === 0 ? TYPE_OF_TAG.get(head[1]!) : undefined;
  if (type === undefined) {
    throw new DynamoDbEncryptionError('DDB_BAD_SERIALIZED', `serialized attribute has an unknown type tag at offset ${r.pos - 2}`);
  }
  const text = (b: Uint8Array): string => fromUtf8(b, 'a serialized string');
  const count = (): number => {
    const n = r.u32();
    // Every member takes at least 2 bytes: refuse counts the rest of the buffer cannot hold.
    if (n > r.buf.length - r.pos) throw new DynamoDbEncryptionError('DDB_BAD_SERIALIZED', `serialized attribute claims ${n} members, more than its bytes can hold`);
    return n;
  };
  switch (type) {
    case 'B':
      return { B: r.lengthPrefixed() };
    case 'S':
      return { S: text(r.lengthPrefixed()) };
    case 'N':
      return { N: normalizeNumber(text(r.lengthPrefixed())) };
    case 'BS':
      return { BS: Array.from({ length: count() }, () => r.lengthPrefixed()) };
    case 'NS':
      return { NS: Array.from({ length: count() }, () => normalizeNumber(text(r.lengthPrefixed()))) };
    case 'SS':
      return { SS: Array.from({ length: count() }, () => text(r.lengthPrefixed())) };
    case 'BOOL': {
      const b = r.take(1)[0];
      if (b !== 0 && b !== 1) throw new DynamoDbEncryptionError('DDB_BAD_SERIALIZED', 'serialized BOOL is neither 0 nor 1');
      return { BOOL: b === 1 };
    }
    case 'NULL':
      return { NULL: true };
    case 'L':
      return { L: Array.from({ length: count() }, () => read(r, depth + 1)) };
    case 'M': {
      const n = count();
      const m: Record<string, AttributeValue> = {};
      for (let i = 0; i < n; i++) {
        const key = read(r, depth + 1);
        if (!('S' in key)) throw new DynamoDbEncryptionError('DDB_BAD_SERIALIZED', 'serialized map key is not a string');
        setOwn(m, key.S, read(r, depth + 1));
      }
      return { M: m };
    }
  }
}

/** Parses one serialized attribute; the bytes must hold exactly one value. */
export function deserializeAttribute(bytes: Uint8Array): AttributeValue {
  const r = new ByteReader(bytes, 'serialized attribute');
  const value = read(r, 0);
  if (!r.done) throw new DynamoDbEncryptionError('DDB_BAD_SERIALIZED', `serialized attribute has ${bytes.length - r.pos} bytes after its value`);
  return value;
}
