import { Binary, Int32, Long, serialize } from 'bson';

/** A payload document field: binary (with subtype), int32 or int64, in the order libmongocrypt appends them. */
export type PayloadField = readonly [name: string, value: { bin: Uint8Array; subtype: number } | { i32: number } | { i64: bigint }];

/** `kind || BSON{fields}`: a subtype-6 payload body (LMC `_mongocrypt_ciphertext_serialize` for BSON kinds). */
export function serializePayload(kind: number, fields: readonly PayloadField[]): Uint8Array {
  const doc: Record<string, unknown> = {};
  for (const [name, v] of fields) {
    if ('bin' in v) doc[name] = new Binary(v.bin, v.subtype);
    else if ('i32' in v) doc[name] = new Int32(v.i32);
    else doc[name] = Long.fromBigInt(v.i64);
  }
  const body = serialize(doc);
  const out = new Uint8Array(1 + body.length);
  out[0] = kind;
  out.set(body, 1);
  return out;
}
