// `fle inspect`: every BinData subtype 6 value of a set of documents, by field path, read with
// fle-format's blob parser (no decryption unless a key vault is given to `decryptSamples`).
import type { Binary } from 'bson';
import { MAX_NESTING_DEPTH, isFleError } from '@fle-ts/crypto-core';
import { bsonTypeName, decryptValue, parseBlob, RawBsonValue } from '@fle-ts/fle-format';
import type { KeyBroker } from '@fle-ts/keyvault';
import { CliError } from './errors.js';
import { formatUuid } from './key-id.js';
import { ALGORITHM_BY_KIND } from './payload-kinds.js';
import type { FieldDeclaration } from './validator.js';

/** What `fle inspect --json` prints for one field path. */
export interface FieldReport {
  /** Dotted path; `[]` marks the elements of an array (`phones[].number`). */
  path: string;
  /** Subtype-6 values at this path. */
  count: number;
  /** Payload kinds (fle-format's names) with the algorithm each comes from (null: not a stored kind). */
  kinds: { kind: string; algorithm: string | null; count: number }[];
  /** Data key UUIDs of FLE1 and QE unindexed values (in clear in the blob header). */
  keyIds: { id: string; count: number }[];
  /** S_KeyId of QE indexed values (the key the server's index tokens derive from). */
  indexKeyIds: { id: string; count: number }[];
  /** Original BSON types (in clear in the header) by their `$type` alias names. */
  bsonTypes: { type: string; count: number }[];
  /** Values that are subtype 6 but no valid payload, by fle-format error code. */
  invalid: { code: string; count: number }[];
  /** With a key vault: the decrypted sample. */
  sample?: SampleReport;
  /** With a validator: whether it declares the path encrypted (automatic) or not (explicit). */
  validator?: FieldDeclaration;
}

/** The outcome of decrypting up to N FLE1 values of one path. */
export interface SampleReport {
  decrypted: number;
  /** Plaintext BSON types by alias name, as read from the authenticated plaintext. */
  types: { type: string; count: number }[];
  /** Failures by error code (KEY_NOT_FOUND, UNWRAP_FAILED, HMAC_MISMATCH, …). */
  failed: { code: string; count: number }[];
}

/** The whole `fle inspect --json` document. */
export interface InspectReport {
  documents: number;
  encryptedValues: number;
  fields: FieldReport[];
}

class Counter {
  readonly #counts = new Map<string, number>();
  add(key: string): void {
    this.#counts.set(key, (this.#counts.get(key) ?? 0) + 1);
  }
  entries<T>(make: (key: string, count: number) => T): T[] {
    return [...this.#counts].map(([k, n]) => make(k, n));
  }
}

interface FieldState {
  count: number;
  kinds: Counter;
  keyIds: Counter;
  indexKeyIds: Counter;
  bsonTypes: Counter;
  invalid: Counter;
  /** Copies of up to `sampleSize` FLE1 blobs, for decryptSamples. */
  samples: Uint8Array[];
  sample?: SampleReport;
}

function isBinary(v: object): v is Binary {
  return (v as { _bsontype?: unknown })._bsontype === 'Binary';
}

/**
 * Collects subtype-6 values document by document (constant memory per field path, plus
 * `sampleSize` blobs kept per path for decryption).
 */
export class EncryptedFieldCollector {
  readonly #fields = new Map<string, FieldState>();
  readonly #sampleSize: number;
  #documents = 0;
  #values = 0;

  /** `sampleSize`: FLE1 blobs kept per path for {@link decryptSamples} (0 = none). */
  constructor(options: { sampleSize?: number } = {}) {
    this.#sampleSize = options.sampleSize ?? 0;
  }

  /** Walks one document (as `bson`'s EJSON.parse / deserialize returns it). */
  addDocument(doc: Record<string, unknown>): void {
    this.#documents++;
    this.#walkObject(doc, '', 1);
  }

  #walkObject(obj: Record<string, unknown>, prefix: string, depth: number): void {
    for (const name of Object.keys(obj)) this.#walkValue(obj[name], prefix === '' ? name : `${prefix}.${name}`, depth);
  }

  #walkValue(value: unknown, path: string, depth: number): void {
    if (typeof value !== 'object' || value === null) return;
    if (depth > MAX_NESTING_DEPTH) {
      throw new CliError('BAD_INPUT', `document ${this.#documents} nests deeper than ${MAX_NESTING_DEPTH} levels at ${path}: MongoDB stores no such document`);
    }
    if (Array.isArray(value)) {
      for (const v of value) this.#walkValue(v, `${path}[]`, depth + 1);
    } else if (isBinary(value)) {
      if (value.sub_type === 6) this.#record(path, value.buffer.subarray(0, value.position));
    } else if (!('_bsontype' in value)) {
      this.#walkObject(value as Record<string, unknown>, path, depth + 1);
    }
  }

  #record(path: string, bytes: Uint8Array): void {
    this.#values++;
    let f = this.#fields.get(path);
    if (!f) {
      f = { count: 0, kinds: new Counter(), keyIds: new Counter(), indexKeyIds: new Counter(), bsonTypes: new Counter(), invalid: new Counter(), samples: [] };
      this.#fields.set(path, f);
    }
    f.count++;
    let parsed;
    try {
      parsed = parseBlob(bytes);
    } catch (e) {
      if (!isFleError(e)) throw e;
      f.invalid.add(e.code);
      return;
    }
    f.kinds.add(parsed.kind);
    if ('keyId' in parsed) f.keyIds.add(formatUuid(parsed.keyId));
    if ('indexKeyId' in parsed) f.indexKeyIds.add(formatUuid(parsed.indexKeyId));
    if ('bsonType' in parsed) f.bsonTypes.add(bsonTypeName(parsed.bsonType));
    if ((parsed.subtype === 1 || parsed.subtype === 2) && f.samples.length < this.#sampleSize) f.samples.push(new Uint8Array(bytes));
  }

  /** Decrypts the kept samples with keys from `broker`; each path's outcome lands in its report. */
  async decryptSamples(broker: KeyBroker): Promise<void> {
    for (const f of this.#fields.values()) {
      const types = new Counter();
      const failed = new Counter();
      let decrypted = 0;
      for (const blob of f.samples) {
        try {
          const { key } = await broker.getKeyById(blob.subarray(1, 17));
          const value = decryptValue(key, blob, { raw: true }) as RawBsonValue;
          types.add(bsonTypeName(value.type));
          decrypted++;
        } catch (e) {
          if (!isFleError(e)) throw e;
          failed.add(e.code);
        }
      }
      f.sample = {
        decrypted,
        types: types.entries((type, count) => ({ type, count })),
        failed: failed.entries((code, count) => ({ code, count })),
      };
    }
  }

  /**
   * The report: one entry per path holding subtype-6 values, in the order first seen; with
   * `declaration` (a collection validator's, see validator.ts) each path says how it is declared.
   */
  report(declaration?: (path: string) => FieldDeclaration): InspectReport {
    const fields = [...this.#fields].map(([path, f]): FieldReport => ({
      path,
      count: f.count,
      kinds: f.kinds.entries((kind, count) => ({ kind, algorithm: ALGORITHM_BY_KIND[kind as keyof typeof ALGORITHM_BY_KIND] ?? null, count })),
      keyIds: f.keyIds.entries((id, count) => ({ id, count })),
      indexKeyIds: f.indexKeyIds.entries((id, count) => ({ id, count })),
      bsonTypes: f.bsonTypes.entries((type, count) => ({ type, count })),
      invalid: f.invalid.entries((code, count) => ({ code, count })),
      ...(f.sample ? { sample: f.sample } : {}),
      ...(declaration ? { validator: declaration(path) } : {}),
    }));
    return { documents: this.#documents, encryptedValues: this.#values, fields };
  }
}

function tallies(list: { count: number }[], label: (x: never) => string): string {
  return list.map((x) => `${label(x as never)} ×${x.count}`).join(', ');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The report as text for a terminal: a header line, then a block per field. */
export function formatInspectReport(r: InspectReport): string {
  const lines = [`${plural(r.documents, 'document')}, ${plural(r.encryptedValues, 'encrypted value')} in ${plural(r.fields.length, 'field')}`];
  for (const f of r.fields) {
    lines.push('', `${f.path}: ${plural(f.count, 'value')}`);
    if (f.kinds.length) lines.push(`  kind      ${tallies(f.kinds, (k: FieldReport['kinds'][number]) => `${k.kind}${k.algorithm ? ` (${k.algorithm})` : ' (not a stored value)'}`)}`);
    if (f.bsonTypes.length) lines.push(`  type      ${tallies(f.bsonTypes, (t: { type: string }) => t.type)}`);
    if (f.keyIds.length) lines.push(`  key       ${tallies(f.keyIds, (k: { id: string }) => k.id)}`);
    if (f.indexKeyIds.length) lines.push(`  index key ${tallies(f.indexKeyIds, (k: { id: string }) => k.id)}`);
    if (f.invalid.length) lines.push(`  invalid   ${tallies(f.invalid, (k: { code: string }) => k.code)}`);
    if (f.validator) {
      const v = f.validator;
      lines.push(`  validator ${v.mode === 'automatic' ? `automatic (declared in ${v.by}${v.algorithm ? `: ${v.algorithm}` : ''})` : 'explicit (not declared: the application encrypted it)'}`);
    }
    if (f.sample) {
      const s = f.sample;
      lines.push(`  decrypted ${s.decrypted}${s.types.length ? `: ${tallies(s.types, (t: { type: string }) => t.type)}` : ''}${s.failed.length ? `; failed: ${tallies(s.failed, (c: { code: string }) => c.code)}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** True when the report holds something a script should notice: invalid values or failed decryptions. */
export function hasInspectFindings(r: InspectReport): boolean {
  return r.fields.some((f) => f.invalid.length > 0 || (f.sample?.failed.length ?? 0) > 0);
}
