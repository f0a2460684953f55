import { bytesToHex, hexToBytes } from '@fle-ts/crypto-core';
import { CliError } from './errors.js';

const UUID_TEXT = /^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/;

/** 16 key-id bytes as the canonical UUID text `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (mongosh's `UUID("…")`). */
export function formatUuid(bytes: Uint8Array): string {
  const h = bytesToHex(bytes);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** A key id typed on the command line: a UUID with or without dashes → its 16 bytes; else `USAGE`. */
export function parseUuid(text: string, option: string): Uint8Array {
  if (!UUID_TEXT.test(text)) {
    throw new CliError('USAGE', `${option} must be a key id as a UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), got '${text}'`);
  }
  return hexToBytes(text.replace(/-/g, ''));
}
