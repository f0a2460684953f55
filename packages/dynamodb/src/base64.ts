// Standard base64 (RFC 4648 §4) without Buffer: the material description carries wrapped keys as
// base64 text, and DynamoDB JSON carries B values as base64. The codec is crypto-core's.
import { bytesToBase64, decodeBase64Strict } from '@fle-ts/crypto-core';
import { DynamoDbEncryptionError } from './errors.js';

/** Base64 text of bytes, padded. */
export function toBase64(bytes: Uint8Array): string {
  return bytesToBase64(bytes);
}

/** Bytes of padded base64 text (CR/LF ignored); anything else is DDB_BAD_SERIALIZED naming `what`. */
export function fromBase64(input: string, what: string): Uint8Array {
  // Java writes `amzn-ddb-env-key` with MIME line breaks (\r\n every 76 characters; the java
  // wrapped-rsa-rsa-1.json vector); Python's b64decode skips them too.
  const bytes = typeof input === 'string' ? decodeBase64Strict(input.replace(/[\r\n]/g, '')) : undefined;
  if (bytes === undefined) throw new DynamoDbEncryptionError('DDB_BAD_SERIALIZED', `${what} is not padded standard base64`);
  return bytes;
}
