// `fle schema infer`: forward-engineering. The shape of a sample (the BSON types seen at every
// field path) plus the user's choice of fields to encrypt and their algorithm give a collection
// validator `{$jsonSchema}` with `encrypt` / `encryptMetadata`, which lintSchema then checks with
// client's compiler (the one engine), so what is written is what automatic encryption accepts.
import type { Binary } from 'bson';
import { DETERMINISTIC, RANDOM, type Fle1Algorithm } from '@fle-ts/client';
import { MAX_NESTING_DEPTH } from '@fle-ts/crypto-core';
import { bsonTypeName, bsonTypeOfValue, parseBlob } from '@fle-ts/fle-format';
import { CliError } from './errors.js';

/** One `--encrypt path=algorithm` choice. */
export interface EncryptChoice {
  path: string;
  algorithm: Fle1Algorithm;
}

/** The key of `encryptMetadata`: one data key UUID, or a JSON pointer to a field holding a key alt name. */
export type InferKeyId = { id: Binary } | { pointer: string };

const SHORT_ALGORITHMS: Readonly<Record<string, Fle1Algorithm>> = {
  deterministic: DETERMINISTIC,
  random: RANDOM,
  [DETERMINISTIC.toLowerCase()]: DETERMINISTIC,
  [RANDOM.toLowerCase()]: RANDOM,
};

/** Parses `path=algorithm` (`Deterministic`, `Random` or the full FLE1 names, any case); USAGE otherwise. */
export function parseEncryptChoice(text: string): EncryptChoice {
  const eq = text.lastIndexOf('=');
  const path = text.slice(0, eq);
  const algorithm = SHORT_ALGORITHMS[text.slice(eq + 1).toLowerCase()];
  if (eq <= 0 || !algorithm || path.split('.').some((p) => p === '' || p.startsWith('$'))) {
    throw new CliError('USAGE', `--encrypt '${text}': expected <dotted.path>=Deterministic|Random (or the full algorithm name)`);
  }
  return { path, algorithm };
}

interface PathShape {
  types: Set<string>;
  /** How many documents hold the path. */
  count: number;
}

function isBinary(v: object): v is Binary {
  return (v as { _bsontype?: unknown })._bsontype === 'Binary';
}

/** The BSON type alias of `value`; an FLE1/QE ciphertext by the original type in its header. */
function typeOf(value: unknown): string {
  if (typeof value === 'object' && value !== null && isBinary(value) && value.sub_type === 6) {
    try {
      const parsed = parseBlob(value.buffer.subarray(0, value.position));
      if ('bsonType' in parsed) return bsonTypeName(parsed.bsonType);
    } catch {
      // not a valid payload: it stays binData
    }
  }
  return bsonTypeName(bsonTypeOfValue(value));
}

/** The BSON types seen at every field path of a sample (dotted through embedded documents, not into arrays). */
export class SampleShape {
  readonly #paths = new Map<string, PathShape>();
  #documents = 0;

  /** Adds one document (as bson's EJSON.parse returns it). */
  addDocument(doc: Record<string, unknown>): void {
    this.#documents++;
    this.#walk(doc, '', 1);
  }

  #walk(obj: Record<string, unknown>, prefix: string, depth: number): void {
    if (depth > MAX_NESTING_DEPTH) throw new CliError('BAD_INPUT', `document ${this.#documents} nests deeper than ${MAX_NESTING_DEPTH} levels at ${prefix}`);
    for (const name of Object.keys(obj)) {
      const path = prefix === '' ? name : `${prefix}.${name}`;
      const value = obj[name];
      const type = typeOf(value);
      let s = this.#paths.get(path);
      if (!s) {
        s = { types: new Set(), count: 0 };
        this.#paths.set(path, s);
      }
      s.types.add(type);
      s.count++;
      if (type === 'object') this.#walk(value as Record<string, unknown>, path, depth + 1);
    }
  }

  /** Documents added. */
  get documents(): number {
    return this.#documents;
  }

  /** Paths in the order first seen, with their types. */
  paths(): [string, ReadonlySet<string>][] {
    return [...this.#paths].map(([p, s]) => [p, s.types]);
  }
}

type SchemaNode = Record<string, unknown>;

function typesValue(types: ReadonlySet<string>): string | string[] {
  const list = [...types];
  return list.length === 1 ? list[0]! : list;
}

/**
 * The validator for a sample and choices: `bsonType` of every field seen (one type or the list
 * seen), `properties` for embedded documents, and for each chosen path `encrypt` with the
 * algorithm and the type(s) seen, under a root `encryptMetadata` holding `keyId`. Deterministic
 * needs the path in the sample (its one `bsonType` is required); a chosen path inside an array, or
 * below a field that is not always a document, cannot be encrypted automatically: BAD_INPUT.
 * The result is not yet checked: lint it (node.ts does).
 */
export function inferValidator(shape: SampleShape, choices: readonly EncryptChoice[], keyId: InferKeyId): { $jsonSchema: SchemaNode } {
  const paths = new Map(shape.paths());
  const chosen = new Map(choices.map((c) => [c.path, c]));
  for (const c of choices) {
    for (const other of choices) if (other !== c && other.path.startsWith(`${c.path}.`)) throw new CliError('USAGE', `--encrypt ${other.path} is inside --encrypt ${c.path}: encrypting ${c.path} already encrypts all of it`);
    const parts = c.path.split('.');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      const types = paths.get(prefix);
      if (types && [...types].some((t) => t !== 'object')) {
        const why = types.has('array') ? 'an array (automatic encryption encrypts a whole array, never into one)' : `not always a document (${[...types].join(', ')})`;
        throw new CliError('BAD_INPUT', `--encrypt ${c.path}: ${prefix} is ${why} in the sample; encrypt ${prefix} itself instead`);
      }
    }
    if (c.algorithm === DETERMINISTIC && !paths.has(c.path)) {
      throw new CliError('BAD_INPUT', `--encrypt ${c.path}=Deterministic: the sample has no value at ${c.path}, and deterministic encryption needs its one bsonType; give a sample that has it`);
    }
    const seen = paths.get(c.path);
    if (c.algorithm === DETERMINISTIC && seen && seen.size > 1) {
      // The compiler would say "exactly one bsonType"; the sample's types say what to change.
      throw new CliError('SCHEMA_INVALID', `--encrypt ${c.path}=Deterministic: the sample holds ${[...seen].join(', ')} at ${c.path}, and deterministic encryption takes one bsonType; choose Random, or make the field one type first`);
    }
  }
  const root: SchemaNode = { bsonType: 'object', encryptMetadata: { keyId: 'id' in keyId ? [keyId.id] : keyId.pointer }, properties: {} };
  const nodes = new Map<string, SchemaNode>([['', root]]);
  const place = (path: string, node: SchemaNode): void => {
    const dot = path.lastIndexOf('.');
    const parent = nodes.get(dot < 0 ? '' : path.slice(0, dot));
    if (!parent) return; // below an encrypted field, or below a field of several types
    const props = (parent.properties ??= {}) as SchemaNode;
    Object.defineProperty(props, dot < 0 ? path : path.slice(dot + 1), { value: node, enumerable: true, writable: true, configurable: true });
  };
  // Every chosen path gets a parent chain of documents even when the sample lacks it.
  const ensureParents = (path: string): void => {
    const parts = path.split('.');
    for (let i = 1; i < parts.length; i++) {
      const prefix = parts.slice(0, i).join('.');
      if (nodes.has(prefix)) continue;
      const node: SchemaNode = { bsonType: 'object', properties: {} };
      place(prefix, node);
      nodes.set(prefix, node);
    }
  };
  for (const [path, types] of paths) {
    const c = chosen.get(path);
    if (c) {
      ensureParents(path);
      place(path, { encrypt: { ...(types.size ? { bsonType: typesValue(types) } : {}), algorithm: c.algorithm } });
      continue; // nothing below an encrypted field: it is one ciphertext
    }
    const node: SchemaNode = { bsonType: typesValue(types) };
    place(path, node);
    if (types.size === 1 && types.has('object')) nodes.set(path, node);
  }
  for (const c of choices) {
    if (paths.has(c.path)) continue;
    ensureParents(c.path);
    place(c.path, { encrypt: { algorithm: c.algorithm } }); // Random, never seen: any type
  }
  return { $jsonSchema: root };
}
