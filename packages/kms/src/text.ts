// Text and base64 helpers of the KMS layer (no Buffer, no node: imports).
// kms-message works on C strings, one char per byte; "byte strings" (one JS char per byte,
// 0-255) let the SigV4 code escape, lowercase and sort exactly as it does, byte by byte.
import { KmsError } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of `s`. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** `bytes` as UTF-8 text; throws on invalid UTF-8 (TypeError from TextDecoder). */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** A byte string (one char per byte) from bytes. */
export function bytesToByteString(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return s;
}

/** The UTF-8 bytes of `s` as a byte string. */
export function toByteString(s: string): string {
  return bytesToByteString(utf8(s));
}

/** Bytes of a byte string (chars must be 0-255). */
export function byteStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard base64 with padding (RFC 4648 §4), as kms-message's `kms_message_b64_ntop` writes it. */
export function bytesToBase64(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + '==';
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + '=';
  }
  return out;
}

/**
 * Strict standard base64 (padding required, no whitespace) to bytes. Throws KMS_BAD_RESPONSE naming
 * `what` (never echoing the text, which may be key material).
 */
export function base64ToBytes(text: string, provider: string, what: string): Uint8Array {
  const bad = (): KmsError =>
    new KmsError('KMS_BAD_RESPONSE', provider, `${what} is not valid base64 (${text.length} characters)`);
  if (text.length % 4 !== 0) throw bad();
  let pad = 0;
  if (text.endsWith('==')) pad = 2;
  else if (text.endsWith('=')) pad = 1;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const q = [0, 1, 2, 3].map((k) => {
      const c = text.charCodeAt(i + k);
      if (last && k >= 4 - pad && c === 0x3d) return 0;
      const v = c < 256 ? B64_INDEX[c]! : -1;
      if (v < 0) throw bad();
      return v;
    });
    const n = (q[0]! << 18) | (q[1]! << 12) | (q[2]! << 6) | q[3]!;
    out[o++] = n >> 16;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}

/** Lowercase hex of `bytes`. */
export function hex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

/**
 * base64url as kms-message writes it (KMSG `kms_message_raw_to_b64url`): standard base64 with `+/`
 * replaced by `-_`, padding kept. Used for the GCP JWT and the Azure wrapkey value.
 */
export function bytesToBase64UrlPadded(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_');
}

/** base64url with or without padding to bytes (KMSG `kms_message_b64url_to_raw` pads first). */
export function base64UrlToBytes(text: string, provider: string, what: string): Uint8Array {
  if (/[+/]/.test(text)) {
    throw new KmsError('KMS_BAD_RESPONSE', provider, `${what} is not valid base64url (${text.length} characters)`);
  }
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  return base64ToBytes(b64.padEnd(Math.ceil(b64.length / 4) * 4, '='), provider, what);
}
