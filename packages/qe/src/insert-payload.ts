import { aes256CtrEncrypt, qeAeadDecrypt, qeAeadEncrypt, wipe } from '@fle-ts/crypto-core';
import { binaryField, int32Field, int64Field, readElements } from './bson-elements.js';
import { QeError } from './errors.js';
import { expectKind, QeKind } from './kinds.js';
import { serializePayload } from './payload-bson.js';
import { takeRandom, type RandomSource } from './random.js';
import { andContentionFactorToken, equalityTokens, tokenKeyOf } from './tokens.js';

const WHAT = 'FLE2InsertUpdatePayloadV2';

/** The fields of an FLE2InsertUpdatePayloadV2 (LMC `mc-fle2-insert-update-payload-private-v2.h`). */
export interface InsertUpdatePayloadV2 {
  /** d: EDCDerivedFromDataTokenAndContentionFactor. */
  edcDerivedToken: Uint8Array;
  /** s: ESCDerivedFromDataTokenAndContentionFactor. */
  escDerivedToken: Uint8Array;
  /** p: IV || AES-256-CTR(ECOCToken, s). */
  encryptedTokens: Uint8Array;
  /** u: the index key's id. */
  indexKeyId: Uint8Array;
  /** t: BSON type of the value. */
  valueType: number;
  /** v: user key id (16) || AEAD_CBC_SHA256(user key, AD = user key id, value bytes). */
  value: Uint8Array;
  /** e: ServerDataEncryptionLevel1Token. */
  serverEncryptionToken: Uint8Array;
  /** l: ServerDerivedFromDataToken. */
  serverDerivedFromDataToken: Uint8Array;
  /** k: the contention factor chosen. */
  contentionFactor: bigint;
}

/** Inputs of an equality insert: the two keys (may be the same), the value as BSON type + value bytes, the max contention. */
export interface EqualityInsertInput {
  indexKeyId: Uint8Array;
  indexKey: Uint8Array;
  userKeyId: Uint8Array;
  userKey: Uint8Array;
  bsonType: number;
  valueBytes: Uint8Array;
  /** Chosen contention factor k in [0, cm] (see `chooseContentionFactor`). */
  contentionFactor: bigint;
  random: RandomSource;
}

/**
 * Builds the fields of an equality insert (LMC `_mongocrypt_fle2_placeholder_to_insert_update_common`).
 * Random bytes are read in libmongocrypt's order: 16 for the IV of `p`, then 16 for the IV of `v`
 * (the contention factor, when cm > 0, is chosen before this, by the caller).
 */
export function buildInsertUpdatePayloadV2(input: EqualityInsertInput): InsertUpdatePayloadV2 {
  const t = equalityTokens(tokenKeyOf(input.indexKey), input.valueBytes);
  const k = input.contentionFactor;
  const d = andContentionFactorToken(t.edcDerivedFromDataToken, k);
  const s = andContentionFactorToken(t.escDerivedFromDataToken, k);
  const p = aes256CtrEncrypt(t.ecocToken, takeRandom(input.random, 16), s);
  const aead = qeAeadEncrypt('cbc', input.userKey, takeRandom(input.random, 16), input.userKeyId, input.valueBytes);
  const value = new Uint8Array(16 + aead.length);
  value.set(input.userKeyId, 0);
  value.set(aead, 16);
  // Tokens that do not leave in the payload are secrets derived from the index key.
  wipe(t.collectionsLevel1Token, t.serverTokenDerivationLevel1Token, t.ecocToken, t.edcDerivedFromDataToken, t.escDerivedFromDataToken);
  return {
    edcDerivedToken: d,
    escDerivedToken: s,
    encryptedTokens: p,
    indexKeyId: new Uint8Array(input.indexKeyId),
    valueType: input.bsonType,
    value,
    serverEncryptionToken: t.serverDataEncryptionLevel1Token,
    serverDerivedFromDataToken: t.serverDerivedFromDataToken,
    contentionFactor: k,
  };
}

/**
 * `0x0b || BSON{d, s, p, u, t, v, e, l, k}` in libmongocrypt's field order and types
 * (`mc_FLE2InsertUpdatePayloadV2_serialize`: binary subtype 0, `u` subtype 4, `t` int32, `k` int64).
 */
export function serializeInsertUpdatePayloadV2(p: InsertUpdatePayloadV2): Uint8Array {
  return serializePayload(QeKind.FLE2InsertUpdatePayloadV2, [
    ['d', { bin: p.edcDerivedToken, subtype: 0 }],
    ['s', { bin: p.escDerivedToken, subtype: 0 }],
    ['p', { bin: p.encryptedTokens, subtype: 0 }],
    ['u', { bin: p.indexKeyId, subtype: 4 }],
    ['t', { i32: p.valueType }],
    ['v', { bin: p.value, subtype: 0 }],
    ['e', { bin: p.serverEncryptionToken, subtype: 0 }],
    ['l', { bin: p.serverDerivedFromDataToken, subtype: 0 }],
    ['k', { i64: p.contentionFactor }],
  ]);
}

/**
 * Parses the BSON body of an FLE2InsertUpdatePayloadV2 (without the first byte; LMC
 * `mc_FLE2InsertUpdatePayloadV2_parse` skips it too). Range and text fields (`g`, `sp`, `b`, ...)
 * may be present and are ignored. Byte fields are views into `body`.
 */
export function parseInsertUpdatePayloadV2Body(body: Uint8Array): InsertUpdatePayloadV2 {
  const f = readElements(body, WHAT);
  const parsed: InsertUpdatePayloadV2 = {
    edcDerivedToken: binaryField(f, 'd', 0, WHAT),
    escDerivedToken: binaryField(f, 's', 0, WHAT),
    encryptedTokens: binaryField(f, 'p', 0, WHAT),
    indexKeyId: binaryField(f, 'u', 4, WHAT),
    valueType: int32Field(f, 't', WHAT),
    value: binaryField(f, 'v', 0, WHAT),
    serverEncryptionToken: binaryField(f, 'e', 0, WHAT),
    serverDerivedFromDataToken: binaryField(f, 'l', 0, WHAT),
    contentionFactor: int64Field(f, 'k', WHAT),
  };
  if (parsed.indexKeyId.length !== 16) throw new QeError('MALFORMED_PAYLOAD', `${WHAT}: 'u' must be a 16-byte UUID`);
  // v = user key id (16) || IV (16) || at least one block (16) || tag (32).
  if (parsed.value.length < 16 + 64) throw new QeError('MALFORMED_PAYLOAD', `${WHAT}: 'v' is ${parsed.value.length} bytes, shorter than key id + ciphertext (80)`);
  return parsed;
}

/** Parses a whole FLE2InsertUpdatePayloadV2 (first byte 11). */
export function parseInsertUpdatePayloadV2(bytes: Uint8Array): InsertUpdatePayloadV2 {
  expectKind(bytes, QeKind.FLE2InsertUpdatePayloadV2, 'parsing an insert payload');
  return parseInsertUpdatePayloadV2Body(bytes.subarray(1));
}

/** The user key id `v` names (its first 16 bytes). */
export function insertPayloadUserKeyId(p: InsertUpdatePayloadV2): Uint8Array {
  return p.value.subarray(0, 16);
}

/** Decrypts `v` with the user key: AEAD with the user key id as associated data (LMC `mc_FLE2InsertUpdatePayloadV2_decrypt`). */
export function decryptInsertUpdatePayloadV2(p: InsertUpdatePayloadV2, userKey: Uint8Array): Uint8Array {
  return qeAeadDecrypt('cbc', userKey, p.value.subarray(0, 16), p.value.subarray(16));
}
