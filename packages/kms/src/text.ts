// Text and base64 helpers of the KMS layer (no Buffer, no node: imports).
// kms-message works on C strings, one char per byte; "byte strings" (one JS char per byte,
// 0-255) let the SigV4 code escape, lowercase and sort exactly as it does, byte by byte.
import { bytesToBase64, decodeBase64Strict } from '@fle-ts/crypto-core';
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

/** Standard base64 with padding (RFC 4648 §4), as kms-message's `kms_message_b64_ntop` writes it: crypto-core's codec. */
export { bytesToBase64 };

/**
 * Strict standard base64 (padding required, no whitespace) to bytes. Throws KMS_BAD_RESPONSE naming
 * `what` (never echoing the text, which may be key material).
 */
export function base64ToBytes(text: string, provider: string, what: string): Uint8Array {
  const bytes = decodeBase64Strict(text);
  if (bytes === undefined) throw new KmsError('KMS_BAD_RESPONSE', provider, `${what} is not valid base64 (${text.length} characters)`);
  return bytes;
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
