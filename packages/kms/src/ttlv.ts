// KMIP TTLV encoding (KMIP 1.0 spec §9.1; KMSG `src/kms_kmip_reader_writer.c`): 3-byte tag, 1-byte
// type, 4-byte big-endian length, value padded with zeros to a multiple of 8 bytes.
import { concatBytes } from '@fle-ts/crypto-core';
import { KmsError } from './errors.js';
import { fromUtf8, utf8 } from './text.js';

/** TTLV item types (KMIP 1.0 §9.1.1.3). */
export const TtlvType = {
  Structure: 0x01,
  Integer: 0x02,
  LongInteger: 0x03,
  BigInteger: 0x04,
  Enumeration: 0x05,
  Boolean: 0x06,
  TextString: 0x07,
  ByteString: 0x08,
  DateTime: 0x09,
  Interval: 0x0a,
} as const;

/** The KMIP tags fle-ts reads or writes (KMIP 1.0 §9.1.3.1; KMSG `kms_kmip_tag_type_private.h`). */
export const KmipTag = {
  Attribute: 0x420008,
  AttributeName: 0x42000a,
  AttributeValue: 0x42000b,
  BatchCount: 0x42000d,
  BatchItem: 0x42000f,
  BlockCipherMode: 0x420011,
  CryptographicAlgorithm: 0x420028,
  CryptographicParameters: 0x42002b,
  IVCounterNonce: 0x42003d,
  KeyBlock: 0x420040,
  KeyFormatType: 0x420042,
  KeyMaterial: 0x420043,
  KeyValue: 0x420045,
  ObjectType: 0x420057,
  Operation: 0x42005c,
  PaddingMethod: 0x42005f,
  ProtocolVersion: 0x420069,
  ProtocolVersionMajor: 0x42006a,
  ProtocolVersionMinor: 0x42006b,
  RequestHeader: 0x420077,
  RequestMessage: 0x420078,
  RequestPayload: 0x420079,
  ResponseHeader: 0x42007a,
  ResponseMessage: 0x42007b,
  ResponsePayload: 0x42007c,
  ResultMessage: 0x42007d,
  ResultReason: 0x42007e,
  ResultStatus: 0x42007f,
  SecretData: 0x420085,
  SecretDataType: 0x420086,
  TemplateAttribute: 0x420091,
  TimeStamp: 0x420092,
  UniqueIdentifier: 0x420094,
  Data: 0x4200c2,
  RandomIV: 0x4200c5,
} as const;

/** One TTLV item: a structure holds items, the others a value. */
export type TtlvItem =
  | { readonly tag: number; readonly type: 0x01; readonly items: readonly TtlvItem[] }
  | { readonly tag: number; readonly type: 0x02 | 0x05; readonly value: number }
  | { readonly tag: number; readonly type: 0x03 | 0x09 | 0x06; readonly value: bigint }
  | { readonly tag: number; readonly type: 0x07; readonly value: string }
  | { readonly tag: number; readonly type: 0x04 | 0x08; readonly value: Uint8Array }
  | { readonly tag: number; readonly type: 0x0a; readonly value: number };

/** Builders of items (the writer's vocabulary). */
export const ttlv = {
  struct: (tag: number, items: readonly TtlvItem[]): TtlvItem => ({ tag, type: 0x01, items }),
  integer: (tag: number, value: number): TtlvItem => ({ tag, type: 0x02, value }),
  enumeration: (tag: number, value: number): TtlvItem => ({ tag, type: 0x05, value }),
  boolean: (tag: number, value: boolean): TtlvItem => ({ tag, type: 0x06, value: value ? 1n : 0n }),
  text: (tag: number, value: string): TtlvItem => ({ tag, type: 0x07, value }),
  bytes: (tag: number, value: Uint8Array): TtlvItem => ({ tag, type: 0x08, value }),
};

// Arithmetic, not `& ~7`: a 32-bit length of 2^31 or more would turn negative as an int32.
const pad8 = (n: number): number => Math.ceil(n / 8) * 8;

function encodedValue(item: TtlvItem): Uint8Array {
  switch (item.type) {
    case 0x01: {
      return concatBytes(...item.items.map(encodeTtlv));
    }
    case 0x02:
    case 0x05:
    case 0x0a: {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setUint32(0, item.value >>> 0);
      return out;
    }
    case 0x03:
    case 0x06:
    case 0x09: {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigUint64(0, BigInt.asUintN(64, item.value));
      return out;
    }
    case 0x07:
      return utf8(item.value);
    default:
      return item.value;
  }
}

/** The TTLV bytes of `item` (values padded to 8 bytes; lengths exclude the padding). */
export function encodeTtlv(item: TtlvItem): Uint8Array {
  const value = encodedValue(item);
  const out = new Uint8Array(8 + pad8(value.length));
  out[0] = item.tag >>> 16;
  out[1] = (item.tag >>> 8) & 0xff;
  out[2] = item.tag & 0xff;
  out[3] = item.type;
  new DataView(out.buffer).setUint32(4, value.length);
  out.set(value, 8);
  return out;
}

/**
 * Decodes the TTLV items that fill `bytes` exactly. Throws KMS_BAD_RESPONSE (naming `provider`)
 * for a truncated item, a bad length for its type, unknown types, non-zero padding or invalid UTF-8.
 */
export function decodeTtlv(bytes: Uint8Array, provider: string, depth = 0): TtlvItem[] {
  const bad = (why: string): KmsError => new KmsError('KMS_BAD_RESPONSE', provider, `malformed KMIP response: ${why}`);
  if (depth > 16) throw bad('structures nested deeper than 16');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const items: TtlvItem[] = [];
  let i = 0;
  while (i < bytes.length) {
    if (bytes.length - i < 8) throw bad('a truncated item header');
    const tag = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    const type = bytes[i + 3]!;
    const len = view.getUint32(i + 4);
    const start = i + 8;
    const padded = pad8(len);
    if (padded > bytes.length - start) throw bad(`item 0x${tag.toString(16)} is longer than the message`);
    const value = bytes.subarray(start, start + len);
    if (bytes.subarray(start + len, start + padded).some((b) => b !== 0)) throw bad(`item 0x${tag.toString(16)} has non-zero padding`);
    const need = (n: number): void => {
      if (len !== n) throw bad(`item 0x${tag.toString(16)} of type ${type} has length ${len}, expected ${n}`);
    };
    switch (type) {
      case 0x01:
        items.push({ tag, type, items: decodeTtlv(value, provider, depth + 1) });
        break;
      case 0x02:
      case 0x05:
      case 0x0a:
        need(4);
        items.push({ tag, type, value: view.getUint32(start) } as TtlvItem);
        break;
      case 0x03:
      case 0x06:
      case 0x09:
        need(8);
        items.push({ tag, type, value: view.getBigUint64(start) } as TtlvItem);
        break;
      case 0x07: {
        let text: string;
        try {
          text = fromUtf8(value);
        } catch (cause) {
          throw new KmsError('KMS_BAD_RESPONSE', provider, `malformed KMIP response: item 0x${tag.toString(16)} is not UTF-8`, { cause });
        }
        items.push({ tag, type, value: text });
        break;
      }
      case 0x04:
      case 0x08:
        items.push({ tag, type, value: new Uint8Array(value) } as TtlvItem);
        break;
      default:
        throw bad(`item 0x${tag.toString(16)} has unknown type ${type}`);
    }
    i = start + padded;
  }
  return items;
}
