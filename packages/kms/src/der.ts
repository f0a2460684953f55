// A minimal DER reader for RSA private keys (ITU-T X.690 §8, §10): definite lengths only,
// enough for PKCS#8 PrivateKeyInfo (RFC 5208) and PKCS#1 RSAPrivateKey (RFC 8017 A.1.2).
// Malformed input throws a plain Error that parseRsaPrivateKey (the only caller) wraps in a KmsError.

/** One TLV: its tag byte and a view of its contents. */
export interface DerNode {
  readonly tag: number;
  readonly value: Uint8Array;
}

/** Reads the TLVs that fill `bytes` exactly. */
export function readDerSequence(bytes: Uint8Array): DerNode[] {
  const out: DerNode[] = [];
  let i = 0;
  while (i < bytes.length) {
    const tag = bytes[i++]!;
    if ((tag & 0x1f) === 0x1f) throw new Error('multi-byte tags are not used in RSA keys');
    if (i >= bytes.length) throw new Error('truncated length');
    let len = bytes[i++]!;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || i + n > bytes.length) throw new Error('bad length');
      len = 0;
      for (let k = 0; k < n; k++) len = len * 256 + bytes[i++]!;
    }
    if (i + len > bytes.length) throw new Error('truncated value');
    out.push({ tag, value: bytes.subarray(i, i + len) });
    i += len;
  }
  return out;
}

/** The contents of the single TLV that is all of `bytes`, which must have tag `tag`. */
export function readDerOne(bytes: Uint8Array, tag: number): Uint8Array {
  const nodes = readDerSequence(bytes);
  if (nodes.length !== 1 || nodes[0]!.tag !== tag) throw new Error(`expected one element with tag 0x${tag.toString(16)}`);
  return nodes[0]!.value;
}

/** A non-negative INTEGER as a bigint. */
export function derUnsigned(node: DerNode | undefined): bigint {
  if (!node || node.tag !== 0x02 || node.value.length === 0) throw new Error('expected an INTEGER');
  if (node.value[0]! & 0x80) throw new Error('negative INTEGER');
  let v = 0n;
  for (const b of node.value) v = (v << 8n) | BigInt(b);
  return v;
}
