import { Binary } from 'bson';
import { QeError } from './errors.js';

/** `n` as an 8-byte little-endian unsigned integer (LMC `mc-tokens.c` `IMPL_TOKEN_NEW_CONST` hashes `uint64le(n)`). */
export function u64le(n: bigint | number): Uint8Array {
  let v = BigInt(n);
  const out = new Uint8Array(8);
  for (let i = 0; i < 8; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** The bytes of an encrypted value: a Uint8Array, or a bson Binary that must be subtype 6. */
export function payloadBytes(blob: Uint8Array | Binary): Uint8Array {
  if (blob instanceof Uint8Array) return blob;
  if (blob instanceof Binary || (blob as { _bsontype?: string } | null)?._bsontype === 'Binary') {
    const b = blob as Binary;
    if (b.sub_type !== Binary.SUBTYPE_ENCRYPTED) {
      throw new QeError('MALFORMED_PAYLOAD', `expected BSON binary subtype 6 (encrypted), got subtype ${b.sub_type}`);
    }
    return b.buffer.subarray(0, b.position);
  }
  throw new QeError('MALFORMED_PAYLOAD', 'expected an encrypted value: a bson Binary of subtype 6 or a Uint8Array');
}
