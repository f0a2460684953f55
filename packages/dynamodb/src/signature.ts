// The canonical string to sign (docs/dynamodb-encryption.md §3; Python
// internal/crypto/authentication.py `_string_to_sign`, Java DynamoDBSigner):
// SHA-256("TABLE>" + table + "<TABLE") when a table name is set, then per signed attribute in
// name order SHA-256(name) ‖ SHA-256("ENCRYPTED" | "PLAINTEXT") ‖ SHA-256(serialize(stored value)).
import { sha256 } from '@fle-ts/crypto-core';
import type { AttributeActions } from './actions.js';
import type { AttributeValue } from './attribute-value.js';
import { ByteWriter, compareBytes, utf8, utf8Strict } from './bytes.js';
import { serializeAttribute } from './serialize.js';

const ENCRYPTED_HASH = /* @__PURE__ */ sha256(utf8('ENCRYPTED'));
const PLAINTEXT_HASH = /* @__PURE__ */ sha256(utf8('PLAINTEXT'));

/** The bytes HMACed or RSA-signed for an item as stored (encrypted attributes as their {B}). */
export function stringToSign(entries: readonly (readonly [string, AttributeValue])[], actions: AttributeActions, tableName?: string): Uint8Array {
  const w = new ByteWriter();
  if (tableName !== undefined) w.bytes(sha256(utf8(`TABLE>${tableName}<TABLE`)));
  const named = entries.map(([name, value]) => [utf8Strict(name, `attribute name`), name, value] as const).sort((a, b) => compareBytes(a[0], b[0]));
  for (const [nameBytes, name, value] of named) {
    const action = actions.action(name);
    if (action === 'DO_NOTHING') continue;
    w.bytes(sha256(nameBytes));
    w.bytes(action === 'ENCRYPT_AND_SIGN' ? ENCRYPTED_HASH : PLAINTEXT_HASH);
    w.bytes(sha256(serializeAttribute(value, `attribute '${name}'`)));
  }
  return w.finish();
}
