export { FleClientError, type FleClientErrorCode } from './errors.js';
export { compileSchema, DETERMINISTIC, RANDOM, type CompiledSchema, type EncryptRule, type Fle1Algorithm, type SchemaKeyId, type SchemaNode } from './schema.js';
export type { FieldCipher, FieldCipherSource, FieldEncryptOptions, KeyNeeds } from './field-cipher.js';
export { encryptDocumentWith } from './encrypt-document.js';
export { encryptFilterWith } from './encrypt-filter.js';
export { encryptUpdateWith } from './encrypt-update.js';
export { decryptDocumentWith } from './decrypt-document.js';
