import { Binary } from 'bson';
import { DATA_KEY_LENGTH } from '@fle-ts/keyvault';
import { CliError } from './errors.js';

/**
 * How `fle keygen` writes a local master key: `raw` is the 96 bytes themselves, what MongoDB's
 * CSFLE guides write with `fs.writeFileSync(path, crypto.randomBytes(96))` and pass on as
 * `kmsProviders.local.key = fs.readFileSync(path)`; `base64` is the 128-character text the Node
 * driver also accepts as `kmsProviders.local.key` (LocalKMSProviderConfiguration: "a 96-byte
 * long Buffer or base64 encoded string"), handy for environment variables.
 */
export type MasterKeyFormat = 'raw' | 'base64';

/** A local master key is 96 bytes, like a data key (fle1-spec.md §5; LMC `_mongocrypt_wrap_key`). */
export const MASTER_KEY_LENGTH = DATA_KEY_LENGTH;
// 96 bytes in base64: 128 characters, no padding.
const BASE64_96 = /^[A-Za-z0-9+/]{128}$/;

/** The bytes of a master key file in `format` (base64 ends with a newline, like `base64(1)`). */
export function encodeMasterKeyFile(key: Uint8Array, format: MasterKeyFormat): Uint8Array {
  if (format === 'raw') return key;
  return new TextEncoder().encode(`${new Binary(key).toString('base64')}\n`);
}

/**
 * The 96-byte master key held by a key file: exactly 96 bytes are the raw key; otherwise the
 * content, surrounding whitespace trimmed, must be 128 base64 characters. The two cannot be
 * confused (96 ≠ 128). Anything else → `BAD_MASTER_KEY_FILE`, whose message gives only the
 * length, never the content.
 */
export function decodeMasterKeyFile(content: Uint8Array, fileName: string): Uint8Array {
  if (content.length === MASTER_KEY_LENGTH) return new Uint8Array(content);
  const text = new TextDecoder('utf-8', { fatal: false }).decode(content).trim();
  if (BASE64_96.test(text)) {
    const bytes = Binary.createFromBase64(text).buffer;
    if (bytes.length === MASTER_KEY_LENGTH) return new Uint8Array(bytes);
  }
  throw new CliError(
    'BAD_MASTER_KEY_FILE',
    `master key file ${fileName} holds ${content.length} bytes: a local master key file holds exactly 96 raw bytes or their base64 (128 characters); make one with 'fle keygen'`,
  );
}
