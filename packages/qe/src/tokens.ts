import { hmacSha256 } from '@fle-ts/crypto-core';
import { u64le } from './bytes.js';
import { QeError } from './errors.js';

/**
 * The QE v2 token chain (LMC `src/mc-tokens.c`, `src/mc-tokens-private.h`; queryable-encryption.md §2).
 * Every token is 32 bytes = HMAC-SHA-256(parent, data), data either a constant as u64le or the
 * value bytes `v` (BSON value without type byte and name). The root is TokenKey = bytes 64..95
 * of the index key. Names follow libmongocrypt.
 */

/** HMAC(parent, u64le(n)). */
function constToken(parent: Uint8Array, n: number | bigint): Uint8Array {
  return hmacSha256(parent, u64le(n));
}

/** The TokenKey (root of the chain) of a 96-byte data key: its last 32 bytes ("indexKey is 3 equal sized keys"). */
export function tokenKeyOf(key96: Uint8Array): Uint8Array {
  if (!(key96 instanceof Uint8Array) || key96.length !== 96) {
    throw new QeError('BAD_KEY', `a QE data key must be 96 bytes ([Ke][Km][TokenKey]), got ${key96 instanceof Uint8Array ? key96.length : typeof key96}`);
  }
  return key96.subarray(64, 96);
}

function checkRoot(root: Uint8Array): void {
  // libmongocrypt: "invalid hmac_sha_256 key length" for a root that is not 32 bytes (inline/tokens-inline.json).
  if (!(root instanceof Uint8Array) || root.length !== 32) {
    throw new QeError('BAD_KEY', `a token chain root (TokenKey) must be 32 bytes, got ${root instanceof Uint8Array ? root.length : typeof root}`);
  }
}

/** CollectionsLevel1Token = HMAC(TokenKey, 1). */
export function collectionsLevel1Token(tokenKey: Uint8Array): Uint8Array {
  checkRoot(tokenKey);
  return constToken(tokenKey, 1);
}
/** ServerTokenDerivationLevel1Token = HMAC(TokenKey, 2). */
export function serverTokenDerivationLevel1Token(tokenKey: Uint8Array): Uint8Array {
  checkRoot(tokenKey);
  return constToken(tokenKey, 2);
}
/** ServerDataEncryptionLevel1Token = HMAC(TokenKey, 3): payload `e`, key of an indexed value's outer CTR layer. */
export function serverDataEncryptionLevel1Token(tokenKey: Uint8Array): Uint8Array {
  checkRoot(tokenKey);
  return constToken(tokenKey, 3);
}
/** EDCToken = HMAC(CollectionsLevel1Token, 1). */
export function edcToken(collectionsLevel1: Uint8Array): Uint8Array {
  return constToken(collectionsLevel1, 1);
}
/** ESCToken = HMAC(CollectionsLevel1Token, 2). */
export function escToken(collectionsLevel1: Uint8Array): Uint8Array {
  return constToken(collectionsLevel1, 2);
}
/** ECCToken = HMAC(CollectionsLevel1Token, 3) (QE v1 only). */
export function eccToken(collectionsLevel1: Uint8Array): Uint8Array {
  return constToken(collectionsLevel1, 3);
}
/** ECOCToken = HMAC(CollectionsLevel1Token, 4): key of payload `p`; the compaction/cleanup token. */
export function ecocToken(collectionsLevel1: Uint8Array): Uint8Array {
  return constToken(collectionsLevel1, 4);
}
/** XDerivedFromDataToken = HMAC(XToken, v) for X = EDC, ESC, ECC, and ServerDerivedFromDataToken = HMAC(ServerTokenDerivationLevel1Token, v). */
export function derivedFromDataToken(parent: Uint8Array, valueBytes: Uint8Array): Uint8Array {
  return hmacSha256(parent, valueBytes);
}
/** XDerivedFromDataTokenAndContentionFactor = HMAC(XDerivedFromDataToken, u64le(k)). */
export function andContentionFactorToken(derivedFromData: Uint8Array, contentionFactor: bigint | number): Uint8Array {
  return constToken(derivedFromData, contentionFactor);
}
/** EDCTwiceDerivedToken = HMAC(EDCDerivedFromDataTokenAndContentionFactor, 1) (server side: tag key). */
export function edcTwiceDerivedToken(edcAndContentionFactor: Uint8Array): Uint8Array {
  return constToken(edcAndContentionFactor, 1);
}
/** ESCTwiceDerivedTagToken = HMAC(ESCDerivedFromDataTokenAndContentionFactor, 1) (server side). */
export function escTwiceDerivedTagToken(escAndContentionFactor: Uint8Array): Uint8Array {
  return constToken(escAndContentionFactor, 1);
}
/** ESCTwiceDerivedValueToken = HMAC(ESCDerivedFromDataTokenAndContentionFactor, 2) (server side). */
export function escTwiceDerivedValueToken(escAndContentionFactor: Uint8Array): Uint8Array {
  return constToken(escAndContentionFactor, 2);
}
/** ServerCountAndContentionFactorEncryptionToken = HMAC(ServerDerivedFromDataToken, 1) (server side). */
export function serverCountAndContentionFactorEncryptionToken(serverDerivedFromData: Uint8Array): Uint8Array {
  return constToken(serverDerivedFromData, 1);
}
/** ServerZerosEncryptionToken = HMAC(ServerDerivedFromDataToken, 2) (server side). */
export function serverZerosEncryptionToken(serverDerivedFromData: Uint8Array): Uint8Array {
  return constToken(serverDerivedFromData, 2);
}
/** AnchorPaddingTokenRoot = HMAC(ESCToken, 17 zero bytes) (range compaction; LMC `mc_AnchorPaddingTokenDValue`). */
export function anchorPaddingTokenRoot(esc: Uint8Array): Uint8Array {
  return hmacSha256(esc, new Uint8Array(17));
}
/** AnchorPaddingKeyToken = HMAC(AnchorPaddingTokenRoot, 1). */
export function anchorPaddingKeyToken(root: Uint8Array): Uint8Array {
  return constToken(root, 1);
}
/** AnchorPaddingValueToken = HMAC(AnchorPaddingTokenRoot, 2). */
export function anchorPaddingValueToken(root: Uint8Array): Uint8Array {
  return constToken(root, 2);
}

/** Text search kinds and their constants (LMC `TEXT_EXACT_ID` .. `TEXT_PREFIX_ID`). */
export const TEXT_TOKEN_IDS = { Exact: 1, Substring: 2, Suffix: 3, Prefix: 4 } as const;
/** A text search kind. */
export type TextTokenKind = keyof typeof TEXT_TOKEN_IDS;

/** EDC/ESC/Server Text{kind}Token = HMAC(EDCToken / ESCToken / ServerTokenDerivationLevel1Token, kind id). */
export function textToken(parent: Uint8Array, kind: TextTokenKind): Uint8Array {
  return constToken(parent, TEXT_TOKEN_IDS[kind]);
}

/** The tokens an equality insert or find needs, from one index key's TokenKey and the value bytes. */
export interface EqualityTokens {
  collectionsLevel1Token: Uint8Array;
  serverDataEncryptionLevel1Token: Uint8Array;
  serverTokenDerivationLevel1Token: Uint8Array;
  ecocToken: Uint8Array;
  edcDerivedFromDataToken: Uint8Array;
  escDerivedFromDataToken: Uint8Array;
  serverDerivedFromDataToken: Uint8Array;
}

/**
 * The common derivations of an equality insert and find (LMC `_mongocrypt_fle2_placeholder_common`).
 *
 * @example
 * const t = equalityTokens(tokenKeyOf(indexKey96), valueBytes);
 */
export function equalityTokens(tokenKey: Uint8Array, valueBytes: Uint8Array): EqualityTokens {
  const c1 = collectionsLevel1Token(tokenKey);
  const sd1 = serverTokenDerivationLevel1Token(tokenKey);
  return {
    collectionsLevel1Token: c1,
    serverDataEncryptionLevel1Token: serverDataEncryptionLevel1Token(tokenKey),
    serverTokenDerivationLevel1Token: sd1,
    ecocToken: ecocToken(c1),
    edcDerivedFromDataToken: derivedFromDataToken(edcToken(c1), valueBytes),
    escDerivedFromDataToken: derivedFromDataToken(escToken(c1), valueBytes),
    serverDerivedFromDataToken: derivedFromDataToken(sd1, valueBytes),
  };
}
