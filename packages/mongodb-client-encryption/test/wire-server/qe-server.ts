// TEST-ONLY emulation of the server side of Queryable Encryption v2 (what mongod computes in
// src/mongo/crypto/fle_crypto.cpp and fle_crud.cpp; byte formats in
// ../shared/docs/queryable-encryption.md §4 and §6), just enough for the spec's fle2v2 unified
// tests: an insert payload (11) becomes the stored indexed value (14 equality, 15 range) with its
// `__safeContent__` tags, counted in the ESC collection; a find payload (12, 13) becomes a match
// on those tags. Emulated, not mongod: ESC documents hold only their `_id` (no encrypted
// count value, no anchors), ECOC documents are written but never read (no compaction), `$expr`
// holding range payloads is not rewritten, and nothing is validated the way mongod validates
// encryptionInformation. The client never sees any of this except as stored bytes and tags.
import { randomBytes } from 'node:crypto';
import { aes256CtrEncrypt, bytesToHex, hmacSha256 } from '@fle-ts/crypto-core';
import { andContentionFactorToken, edcTwiceDerivedToken, escTwiceDerivedTagToken, serverCountAndContentionFactorEncryptionToken, serverZerosEncryptionToken } from '@fle-ts/qe';
import { Binary, deserialize, ObjectId, type Document } from 'bson';

const u64le = (n: bigint): Uint8Array => {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, n, true);
  return out;
};
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const bin = (b: unknown): Uint8Array => {
  const x = b as Binary;
  return new Uint8Array(x.buffer.subarray(0, x.position));
};
const isBinary = (v: unknown): v is Binary => (v as { _bsontype?: string } | null)?._bsontype === 'Binary';
/** First byte of a subtype-6 Binary, else undefined. */
const kindOf = (v: unknown): number | undefined => (isBinary(v) && v.sub_type === 6 && v.position > 0 ? v.buffer[0] : undefined);

/** One tag-bearing token set of an insert payload (the payload itself for equality, each edge of `g` for range). */
interface TokenSet { d: Uint8Array; s: Uint8Array; l: Uint8Array }

/** One metadata block (96 bytes): encryptedCount ‖ tag ‖ encryptedZeros (LMC mc-fle2-tag-and-encrypted-metadata-block). */
function metadataBlock(t: TokenSet, count: bigint, k: bigint): { block: Uint8Array; tag: Uint8Array } {
  const tag = hmacSha256(edcTwiceDerivedToken(t.d), u64le(count));
  const encryptedCount = aes256CtrEncrypt(serverCountAndContentionFactorEncryptionToken(t.l), randomBytes(16), concat(u64le(count), u64le(k)));
  const encryptedZeros = aes256CtrEncrypt(serverZerosEncryptionToken(t.l), randomBytes(16), new Uint8Array(16));
  return { block: concat(encryptedCount, tag, encryptedZeros), tag };
}

/**
 * The stored value mongod makes from an FLE2InsertUpdatePayloadV2 (11): kind 14 (equality) or 15
 * (range, one metadata block per edge), `S_KeyId ‖ type ‖ [edge count] ‖ IV ‖ CTR(e, v) ‖ metadata`,
 * and the tags that go to `__safeContent__`. `countOf` gives each token set's ESC position (1 for
 * a first insert of a value and contention factor).
 */
export function buildIndexedValueV2(payload: Uint8Array, countOf: bigint | ((s: Uint8Array) => bigint)): { value: Uint8Array; tags: Uint8Array[]; escTokens: Uint8Array[]; ecoc: Uint8Array[] } {
  if (payload[0] !== 11) throw new Error(`test server: expected an FLE2InsertUpdatePayloadV2 (11), got kind ${payload[0]}`);
  const p = deserialize(payload.subarray(1), { promoteBuffers: false, promoteValues: false });
  const k = BigInt(String(p.k ?? 0));
  const edges: TokenSet[] = Array.isArray(p.g) ? (p.g as Document[]).map((e) => ({ d: bin(e.d), s: bin(e.s), l: bin(e.l) })) : [{ d: bin(p.d), s: bin(p.s), l: bin(p.l) }];
  const count = (s: Uint8Array) => (typeof countOf === 'bigint' ? countOf : countOf(s));
  const blocks = edges.map((e) => metadataBlock(e, count(e.s), k));
  const sev = aes256CtrEncrypt(bin(p.e), randomBytes(16), bin(p.v));
  const range = Array.isArray(p.g);
  const header = concat(new Uint8Array([range ? 15 : 14]), bin(p.u), new Uint8Array([Number(p.t.valueOf())]), range ? new Uint8Array([edges.length]) : new Uint8Array(0));
  return {
    value: concat(header, sev, ...blocks.map((b) => b.block)),
    tags: blocks.map((b) => b.tag),
    escTokens: edges.map((e) => e.s),
    ecoc: Array.isArray(p.g) ? (p.g as Document[]).map((e) => bin(e.p)) : [bin(p.p)],
  };
}

/** What the emulation needs from the server's storage. */
export interface QeStore {
  /** The documents of collection `name` in database `db` (created when missing). */
  docs(db: string, name: string): Document[];
}

/** The ESC collection of a command's collection: encryptionInformation's escCollection, else the default name. */
function escName(info: Document | undefined, ns: string, coll: string): string {
  const ef = (info?.schema as Document | undefined)?.[ns] as Document | undefined;
  return typeof ef?.escCollection === 'string' ? ef.escCollection : `enxcol_.${coll}.esc`;
}
function ecocName(info: Document | undefined, ns: string, coll: string): string {
  const ef = (info?.schema as Document | undefined)?.[ns] as Document | undefined;
  return typeof ef?.ecocCollection === 'string' ? ef.ecocCollection : `enxcol_.${coll}.ecoc`;
}

/** The QE side of one command on `db.coll` that carries encryptionInformation. */
export class QeCommand {
  readonly #store: QeStore;
  readonly #db: string;
  readonly #esc: string;
  readonly #ecoc: string;

  constructor(store: QeStore, db: string, coll: string, info: Document | undefined) {
    this.#store = store;
    this.#db = db;
    this.#esc = escName(info, `${db}.${coll}`, coll);
    this.#ecoc = ecocName(info, `${db}.${coll}`, coll);
  }

  /** How many ESC entries a token set already has: consecutive `_id`s HMAC(ESCTwiceDerivedTagToken, 1..n). */
  #escCount(s: Uint8Array): bigint {
    const tagToken = escTwiceDerivedTagToken(s);
    const ids = new Set(this.#store.docs(this.#db, this.#esc).map((d) => (isBinary(d._id) ? bytesToHex(bin(d._id)) : '')));
    let n = 0n;
    while (ids.has(bytesToHex(hmacSha256(tagToken, u64le(n + 1n))))) n++;
    return n;
  }

  /**
   * Values as stored: every insert payload (11) in `doc` replaced by its indexed value, ESC and ECOC
   * entries written; the new tags returned for `__safeContent__`. Unindexed values (16) stay as they are.
   */
  storeValues(doc: Document): { doc: Document; tags: Binary[] } {
    const tags: Binary[] = [];
    const walk = (v: unknown, path: string): unknown => {
      if (kindOf(v) === 11) {
        const built = buildIndexedValueV2(bin(v), (s) => this.#escCount(s) + 1n);
        for (const s of built.escTokens) {
          const c = this.#escCount(s) + 1n;
          this.#store.docs(this.#db, this.#esc).push({ _id: new Binary(hmacSha256(escTwiceDerivedTagToken(s), u64le(c)), 0) });
        }
        for (const p of built.ecoc) this.#store.docs(this.#db, this.#ecoc).push({ _id: new ObjectId(), fieldName: path, value: new Binary(p, 0) });
        tags.push(...built.tags.map((t) => new Binary(t, 0)));
        return new Binary(built.value, 6);
      }
      if (Array.isArray(v)) return v.map((x, i) => walk(x, `${path}.${i}`));
      if (v !== null && typeof v === 'object' && (v as Document)._bsontype === undefined && !(v instanceof Date)) {
        return Object.fromEntries(Object.entries(v as Document).map(([k, x]) => [k, walk(x, path ? `${path}.${k}` : k)]));
      }
      return v;
    };
    return { doc: walk(doc, '') as Document, tags };
  }

  /** An inserted document as stored: payloads replaced, tags appended to `__safeContent__`. */
  storeDocument(doc: Document): Document {
    const { doc: out, tags } = this.storeValues(doc);
    if (tags.length > 0) out.__safeContent__ = [...((out.__safeContent__ as Binary[] | undefined) ?? []), ...tags];
    return out;
  }

  /** The tags a find token set (d, s without contention factor) matches for contention factors 0..cm. */
  #findTags(t: TokenSet, cm: bigint): Binary[] {
    const out: Binary[] = [];
    for (let k = 0n; k <= cm; k++) {
      const d = andContentionFactorToken(t.d, k);
      const n = this.#escCount(andContentionFactorToken(t.s, k));
      const twice = edcTwiceDerivedToken(d);
      for (let c = 1n; c <= n; c++) out.push(new Binary(hmacSha256(twice, u64le(c)), 0));
    }
    return out;
  }

  /** The tags a find payload (12, or 13 with its mincover) stands for; undefined for a range half without payload. */
  #payloadTags(v: Binary): Binary[] | undefined {
    const p = deserialize(bin(v).subarray(1), { promoteBuffers: false, promoteValues: false });
    if (v.buffer[0] === 12) return this.#findTags({ d: bin(p.d), s: bin(p.s), l: bin(p.l) }, BigInt(String(p.cm)));
    const payload = p.payload as Document | undefined;
    if (payload === undefined) return undefined;
    const cm = BigInt(String(payload.cm));
    return (payload.g as Document[]).flatMap((e) => this.#findTags({ d: bin(e.d), s: bin(e.s), l: bin(e.l) }, cm));
  }

  /**
   * A filter with its find payloads turned into tag matches, as mongod rewrites it:
   * `{f: {$eq: P}}` / `{f: P}` / `{f: {$in: [P...]}}` → `{__safeContent__: {$in: tags}}`, `$ne` /
   * `$nin` → `$nin`; a range pair's payload half → the tag match, its other half → `{}`.
   */
  rewriteFilter(filter: unknown): unknown {
    if (Array.isArray(filter)) return filter.map((f) => this.rewriteFilter(f));
    if (filter === null || typeof filter !== 'object' || (filter as Document)._bsontype !== undefined) return filter;
    const parts: Document[] = [];
    const rest: Document = {};
    for (const [k, v] of Object.entries(filter as Document)) {
      if (k === '$and' || k === '$or' || k === '$nor') {
        rest[k] = this.rewriteFilter(v);
        continue;
      }
      const kind = kindOf(v);
      if (kind === 12 || kind === 13) {
        parts.push(this.#tagMatch('$in', [v as Binary]));
        continue;
      }
      if (v !== null && typeof v === 'object' && (v as Document)._bsontype === undefined && !Array.isArray(v) && Object.keys(v).some((op) => op.startsWith('$'))) {
        const ops = Object.entries(v as Document);
        if (ops.some(([, x]) => kindOf(x) === 12 || kindOf(x) === 13 || (Array.isArray(x) && x.some((e) => kindOf(e) === 12)))) {
          for (const [op, x] of ops) {
            if (op === '$eq' || op === '$in' || op === '$gt' || op === '$gte' || op === '$lt' || op === '$lte') parts.push(this.#tagMatch('$in', Array.isArray(x) ? x : [x]));
            else if (op === '$ne' || op === '$nin') parts.push(this.#tagMatch('$nin', Array.isArray(x) ? x : [x]));
            else throw new Error(`test server: ${op} with an encrypted payload is not emulated`);
          }
          continue;
        }
      }
      rest[k] = v;
    }
    if (parts.length === 0) return rest;
    return { $and: [rest, ...parts] };
  }

  #tagMatch(op: '$in' | '$nin', payloads: unknown[]): Document {
    const tags: Binary[] = [];
    for (const p of payloads) {
      const t = this.#payloadTags(p as Binary);
      if (t === undefined) return {}; // the second half of a range pair: the first half holds the mincover
      tags.push(...t);
    }
    return { __safeContent__: { [op]: tags } };
  }
}

/** The tags a stored indexed value carries in its metadata blocks (in clear), to drop them when the value is overwritten. */
export function tagsOfStoredValue(v: unknown): Uint8Array[] {
  const kind = kindOf(v);
  if (kind !== 14 && kind !== 15) return [];
  const b = bin(v);
  const edges = kind === 14 ? 1 : b[18]!;
  const start = b.length - edges * 96;
  return Array.from({ length: edges }, (_, i) => b.subarray(start + i * 96 + 32, start + i * 96 + 64));
}
