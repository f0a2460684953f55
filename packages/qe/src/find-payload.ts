import { wipe } from '@fle-ts/crypto-core';
import { binaryField, int64Field, readElements } from './bson-elements.js';
import { expectKind, QeKind } from './kinds.js';
import { serializePayload } from './payload-bson.js';
import { equalityTokens, tokenKeyOf } from './tokens.js';

const WHAT = 'FLE2FindEqualityPayloadV2';

/** The fields of an FLE2FindEqualityPayloadV2 (LMC `mc-fle2-find-equality-payload-private-v2.h`). */
export interface FindEqualityPayloadV2 {
  /** d: EDCDerivedFromDataToken (no contention factor). */
  edcDerivedToken: Uint8Array;
  /** s: ESCDerivedFromDataToken. */
  escDerivedToken: Uint8Array;
  /** l: ServerDerivedFromDataToken. */
  serverDerivedFromDataToken: Uint8Array;
  /** cm: the field's maximum contention factor. */
  maxContentionFactor: bigint;
}

/**
 * The find payload for value bytes `valueBytes` under the index key (LMC
 * `_mongocrypt_fle2_placeholder_to_find_ciphertext`): deterministic, no random bytes.
 */
export function buildFindEqualityPayloadV2(indexKey: Uint8Array, valueBytes: Uint8Array, maxContentionFactor: bigint): FindEqualityPayloadV2 {
  const t = equalityTokens(tokenKeyOf(indexKey), valueBytes);
  wipe(t.collectionsLevel1Token, t.serverTokenDerivationLevel1Token, t.serverDataEncryptionLevel1Token, t.ecocToken);
  return {
    edcDerivedToken: t.edcDerivedFromDataToken,
    escDerivedToken: t.escDerivedFromDataToken,
    serverDerivedFromDataToken: t.serverDerivedFromDataToken,
    maxContentionFactor,
  };
}

/** `0x0c || BSON{d, s, l, cm}` (`mc_FLE2FindEqualityPayloadV2_serialize`: binary subtype 0, `cm` int64). */
export function serializeFindEqualityPayloadV2(p: FindEqualityPayloadV2): Uint8Array {
  return serializePayload(QeKind.FLE2FindEqualityPayloadV2, [
    ['d', { bin: p.edcDerivedToken, subtype: 0 }],
    ['s', { bin: p.escDerivedToken, subtype: 0 }],
    ['l', { bin: p.serverDerivedFromDataToken, subtype: 0 }],
    ['cm', { i64: p.maxContentionFactor }],
  ]);
}

/** Parses the BSON body of a find payload (without its first byte). Byte fields are views into `body`. */
export function parseFindEqualityPayloadV2Body(body: Uint8Array): FindEqualityPayloadV2 {
  const f = readElements(body, WHAT);
  return {
    edcDerivedToken: binaryField(f, 'd', 0, WHAT),
    escDerivedToken: binaryField(f, 's', 0, WHAT),
    serverDerivedFromDataToken: binaryField(f, 'l', 0, WHAT),
    maxContentionFactor: int64Field(f, 'cm', WHAT),
  };
}

/** Parses a whole FLE2FindEqualityPayloadV2 (first byte 12). */
export function parseFindEqualityPayloadV2(bytes: Uint8Array): FindEqualityPayloadV2 {
  expectKind(bytes, QeKind.FLE2FindEqualityPayloadV2, 'parsing a find payload');
  return parseFindEqualityPayloadV2Body(bytes.subarray(1));
}
