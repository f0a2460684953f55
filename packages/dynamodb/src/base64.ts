// Standard base64 (RFC 4648 §4) without Buffer: the material description carries wrapped keys as
// base64 text, and DynamoDB JSON carries B values as base64.
import { DynamoDbEncryptionError } from './errors.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const REVERSE = /* @__PURE__ */ (() => {
  const r = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) r[ALPHABET.charCodeAt(i)] = i;
  return r;
})();

/** Base64 text of bytes, padded. */
export function toBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i]!;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    out += ALPHABET[a >> 2]! + ALPHABET[((a & 3) << 4) | ((b ?? 0) >> 4)]!;
    out += b === undefined ? '=' : ALPHABET[((b & 15) << 2) | ((c ?? 0) >> 6)]!;
    out += c === undefined ? '=' : ALPHABET[c & 63]!;
  }
  return out;
}

/** Bytes of padded base64 text (CR/LF ignored); anything else is DDB_BAD_SERIALIZED naming `what`. */
export function fromBase64(input: string, what: string): Uint8Array {
  // Java writes `amzn-ddb-env-key` with MIME line breaks (\r\n every 76 characters; the java
  // wrapped-rsa-rsa-1.json vector); Python's b64decode skips them too.
  const text = typeof input === 'string' ? input.replace(/[\r\n]/g, '') : input;
  const bad = (): DynamoDbEncryptionError => new DynamoDbEncryptionError('DDB_BAD_SERIALIZED', `${what} is not padded standard base64`);
  if (typeof text !== 'string' || text.length % 4 !== 0) throw bad();
  const pad = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    let n = 0;
    for (let j = 0; j < 4; j++) {
      const ch = text.charCodeAt(i + j);
      const last = i + 4 === text.length;
      if (ch === 61 && last && j >= 4 - pad) {
        n <<= 6;
        continue;
      }
      const v = ch < 128 ? REVERSE[ch]! : -1;
      if (v < 0) throw bad();
      n = (n << 6) | v;
    }
    if (o < out.length) out[o++] = (n >> 16) & 0xff;
    if (o < out.length) out[o++] = (n >> 8) & 0xff;
    if (o < out.length) out[o++] = n & 0xff;
  }
  return out;
}
