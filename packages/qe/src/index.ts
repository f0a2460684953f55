export { QeError, type QeErrorCode } from './errors.js';
export { defaultRandomSource, fixedRandomSource, type RandomSource } from './random.js';
export { contentionFactor, chooseContentionFactor } from './contention.js';
export { keyLookupFrom, type QeKeyLookup } from './keys.js';
export { checkQeEncryptable, type QeAlgorithm } from './type-rules.js';
export { QeKind } from './kinds.js';
export {
  tokenKeyOf,
  collectionsLevel1Token,
  serverTokenDerivationLevel1Token,
  serverDataEncryptionLevel1Token,
  edcToken,
  escToken,
  eccToken,
  ecocToken,
  derivedFromDataToken,
  andContentionFactorToken,
  edcTwiceDerivedToken,
  escTwiceDerivedTagToken,
  escTwiceDerivedValueToken,
  serverCountAndContentionFactorEncryptionToken,
  serverZerosEncryptionToken,
  anchorPaddingTokenRoot,
  anchorPaddingKeyToken,
  anchorPaddingValueToken,
  textToken,
  TEXT_TOKEN_IDS,
  equalityTokens,
  type TextTokenKind,
  type EqualityTokens,
} from './tokens.js';
export { parseFle2Placeholder, type Fle2Placeholder } from './placeholder.js';
export {
  buildInsertUpdatePayloadV2,
  serializeInsertUpdatePayloadV2,
  parseInsertUpdatePayloadV2,
  parseInsertUpdatePayloadV2Body,
  decryptInsertUpdatePayloadV2,
  type InsertUpdatePayloadV2,
  type EqualityInsertInput,
} from './insert-payload.js';
export {
  buildFindEqualityPayloadV2,
  serializeFindEqualityPayloadV2,
  parseFindEqualityPayloadV2,
  parseFindEqualityPayloadV2Body,
  type FindEqualityPayloadV2,
} from './find-payload.js';
export { encryptUnindexedV2, parseUnindexedV2, decryptUnindexedV2, MIN_UNINDEXED_LENGTH, type UnindexedValueV2 } from './unindexed.js';
export { parseIndexedValueV2, openServerLayer, openClientLayer, METADATA_BLOCK_LENGTH, type IndexedValueV2 } from './indexed-value.js';
export { encryptQe, encryptPlaceholder, encryptMarking, type QeEncryptOptions, type QeEncryptContext } from './encrypt.js';
export { decryptQe, decryptQeRaw, isQeDecryptable, qeKeyIdsForDecrypt } from './decrypt.js';
export { compactionTokens } from './compaction.js';
// Range (v2): encodings, edges, mincover, options, payloads (issue 15).
export { encryptQeRange, encryptQeExpression, encryptRangeMarking, resetRangePayloadIdForTesting, type QeRangeEncryptOptions } from './range-encrypt.js';
export { parseRangeOptions, rangeBound, RANGE_SPARSITY_DEFAULT, type QeRangeOptions, type RangeOptions } from './range-options.js';
export {
  buildRangeInsertPayloadV2,
  buildFindRangePayloadV2,
  parseRangeInsertSpec,
  parseRangeFindSpec,
  mincoverOfEdgesInfo,
  RANGE_OPERATORS,
  type RangeInsertSpec,
  type RangeFindSpec,
  type RangeEdgesInfo,
  type RangeInsertInput,
} from './range-payloads.js';
export {
  encodeRange,
  encodeIntRange,
  encodeDoubleRange,
  encodeDecimal128Range,
  canUsePrecisionModeDouble,
  canUsePrecisionModeDecimal,
  type RangeValue,
  type RangeDomain,
  type RangeEncoded,
  type PrecisionMode,
} from './range-encoding.js';
export { rangeEdges, edgesOfLeaf, bitstring, type RangeEdges } from './range-edges.js';
export { rangeMincover, minCover, trimFactorFor, type RangeQuery } from './range-mincover.js';
export { decodeDec128, dec128Compare, type Dec128 } from './range-decimal.js';
// Raw BSON pieces for callers that write range markings themselves (the client's query analysis:
// a date bound of +-2^63 ms has no JS Date, so it cannot go through js-bson).
export { rawDocument, raw, rangeValueOfElement, type RawField } from './range-bson.js';
export type { RawElement } from './bson-elements.js';
