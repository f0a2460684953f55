// Standard base64 (RFC 4648 §4) without Buffer or atob: one codec for the KMS layer (kms-message's
// `kms_message_b64_ntop` writes it this way) and the DynamoDB material description. Callers wrap
// a refusal in their own typed error; nothing here echoes the text, which may be key material.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const INDEX = /* @__PURE__ */ (() => {
  const r = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) r[ALPHABET.charCodeAt(i)] = i;
  return r;
})();

/**
 * Padded standard base64 of `bytes`.
 *
 * @example
 * bytesToBase64(new Uint8Array([0xfb, 0xff])); // '+/8='
 */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + ALPHABET[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += ALPHABET[n >> 18]! + ALPHABET[(n >> 12) & 63]! + ALPHABET[(n >> 6) & 63]! + '=';
  }
  return out;
}

/**
 * Bytes of strict padded standard base64 (length a multiple of 4, `=` only as the final padding,
 * no whitespace), or `undefined` for anything else.
 *
 * @example
 * decodeBase64Strict('+/8='); // Uint8Array [0xfb, 0xff]
 * decodeBase64Strict('+/8');  // undefined
 */
export function decodeBase64Strict(text: string): Uint8Array | undefined {
  if (typeof text !== 'string' || text.length % 4 !== 0) return undefined;
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const c = text.charCodeAt(i + j);
      if (c === 0x3d && last && j >= 4 - pad) {
        n <<= 6;
        continue;
      }
      const v = c < 128 ? INDEX[c]! : -1;
      if (v < 0) return undefined;
      n = (n << 6) | v;
    }
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
