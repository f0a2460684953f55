// `fle schema lint`: the findings of @fle-ts/client's schema compiler (the one engine that decides
// what automatic encryption accepts), all of them rather than only the first.
import { compileSchema, isFleError } from '@fle-ts/client';
import { CliError } from './errors.js';

/** One problem of a schema. */
export interface LintFinding {
  /** RFC 6901 JSON pointer into the linted file (`/properties/ssn/encrypt`); `''` is the whole schema. */
  pointer: string;
  /** The compiler's schema path (`properties.ssn.encrypt`). */
  schemaPath: string;
  /** The compiler's explanation (what is wrong and what to do). */
  message: string;
  /** The compiler's error code (`SCHEMA_INVALID`). */
  code: string;
}

// compileSchema's message shape ("Invalid encryption schema at 'path': what"); the path is not a field of
// the error yet (reported: FleClientError should carry it).
const MESSAGE = /^Invalid encryption schema at '([^']*)': ([\s\S]*)$/;
// Keywords whose value is one subschema / an array of subschemas / a map of name -> subschema.
const SUBSCHEMA = new Set(['additionalProperties', 'additionalItems', 'items', 'not']);
const SUBSCHEMA_LIST = new Set(['items', 'allOf', 'anyOf', 'oneOf']);
const SUBSCHEMA_MAP = new Set(['properties', 'patternProperties']);
const MAX_FINDINGS = 500;
const LOCAL_ONLY = /^keyword '([^']+)' is not supported in a local encryption schema/;
/**
 * Validation keywords a server-side `$jsonSchema` (a collection validator, the "remote schema"
 * mongocryptd reads) may carry besides the local-schema subset client's compiler accepts
 * (fle1-spec.md §7: QA 31068 "is only allowed with a remote schema"; MongoDB manual
 * "$jsonSchema" "Available Keywords"). Belongs beside ALLOWED_KEYWORDS in client's schema.ts.
 */
export const REMOTE_SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  'enum', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern',
  'multipleOf', 'required', 'minProperties', 'maxProperties', 'dependencies', 'minItems', 'maxItems', 'uniqueItems',
]);

/** How {@link lintSchema} reads the schema. */
export interface LintOptions {
  /** Prefix of every pointer (e.g. `/$jsonSchema`). */
  base?: string;
  /** A collection validator (remote schema): the validation keywords of REMOTE_SCHEMA_KEYWORDS are allowed. */
  remote?: boolean;
}

type Json = Record<string, unknown> | unknown[];

function isPlainContainer(v: unknown): v is Json {
  return Array.isArray(v) || (typeof v === 'object' && v !== null && !('_bsontype' in v));
}

// A copy of the JSON structure that keeps bson values (keyId UUIDs) as they are.
function copy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(copy);
  if (!isPlainContainer(v)) return v;
  const src = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(src)) Object.defineProperty(out, k, { value: copy(src[k]), enumerable: true, writable: true, configurable: true });
  return out;
}

interface Step {
  container: Json;
  key: string;
  /** True when `container` is a schema node, so `key` is one of its keywords. */
  inNode: boolean;
  /** True when `container[key]` is a schema node. */
  isNode: boolean;
}

/**
 * Follows a dotted schema path through `root`. A property name may itself contain dots, so at each
 * step the longest own key matching the next segments wins. Returns the steps, or undefined.
 */
function resolve(root: unknown, path: string): Step[] | undefined {
  if (path === '') return [];
  const segs = path.split('.');
  const steps: Step[] = [];
  let cur: unknown = root;
  let curIsNode = true;
  let curIsMap = false;
  let curIsList = false;
  for (let i = 0; i < segs.length; ) {
    if (!isPlainContainer(cur)) return undefined;
    let j = segs.length;
    for (; j > i; j--) if (Object.hasOwn(cur, segs.slice(i, j).join('.'))) break;
    if (j === i) return undefined;
    const key = segs.slice(i, j).join('.');
    const next = (cur as Record<string, unknown>)[key];
    const isNode: boolean = curIsMap || curIsList || (curIsNode && SUBSCHEMA.has(key) && !Array.isArray(next));
    steps.push({ container: cur, key, inNode: curIsNode, isNode });
    curIsMap = curIsNode && SUBSCHEMA_MAP.has(key);
    curIsList = curIsNode && SUBSCHEMA_LIST.has(key) && Array.isArray(next);
    curIsNode = isNode;
    cur = next;
    i = j;
  }
  return steps;
}

function pointerOf(steps: Step[]): string {
  return steps.map((s) => `/${s.key.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/**
 * Removes the part of `schema` a finding is about, so compiling again finds the next problem:
 * the keyword holding the problem (`encrypt`, `items`, `minimum`, …), or the whole subschema when
 * the problem is the subschema itself (an `encrypt` with siblings, `properties` under a
 * non-object type). Returns false when nothing can be removed (a problem of the root itself).
 */
function removeFinding(steps: Step[]): boolean {
  const last = steps[steps.length - 1];
  if (!last) return false;
  if (last.isNode) {
    if (Array.isArray(last.container)) last.container[Number(last.key)] = {};
    else last.container[last.key] = {};
    return true;
  }
  for (let i = steps.length - 1; i >= 0; i--) {
    const s = steps[i]!;
    if (s.inNode && !Array.isArray(s.container)) {
      delete s.container[s.key];
      return true;
    }
  }
  return false;
}

/**
 * Every problem client's `compileSchema` finds in `schema`, each with its JSON pointer, in the
 * compiler's order. Compiles, records the first error, removes the part it is about, compiles
 * again, until the schema compiles. One engine: the rules are client's, not a copy. `base` is
 * prefixed to pointers (e.g. `/$jsonSchema`). A problem found after a removed `encryptMetadata`
 * can be a follow-on one (fields below then lack a keyId or algorithm). With `remote`, the
 * compiler's refusal of a server validation keyword is not a finding. Errors other than the
 * compiler's typed errors are rethrown.
 */
export function lintSchema(schema: unknown, options: LintOptions = {}): LintFinding[] {
  const base = options.base ?? '';
  const work = { root: copy(schema) };
  const findings: LintFinding[] = [];
  const seen = new Set<string>();
  while (findings.length < MAX_FINDINGS) {
    try {
      compileSchema(work.root);
      return findings;
    } catch (e) {
      if (!isFleError(e)) throw e;
      const m = MESSAGE.exec(e.message);
      const schemaPath = m ? (m[1] === '(root)' ? '' : m[1]!) : '';
      const steps = m ? resolve(work.root, schemaPath) : undefined;
      const pointer = `${base}${steps ? pointerOf(steps) : ''}`;
      const message = m ? m[2]! : e.message;
      if (seen.has(`${pointer}\n${message}`)) return findings;
      seen.add(`${pointer}\n${message}`);
      const keyword = LOCAL_ONLY.exec(message)?.[1];
      const allowed = options.remote === true && keyword !== undefined && REMOTE_SCHEMA_KEYWORDS.has(keyword);
      if (!allowed) findings.push({ pointer, schemaPath, message, code: e.code });
      if (!steps) return findings;
      if (steps.length === 0) return findings; // the root itself is wrong: nothing left to compile
      if (!removeFinding(steps)) return findings;
    }
  }
  return findings;
}

/** How {@link lintSchemaDocument} reads a parsed schema file. */
export interface LintDocumentOptions {
  /** The document is a schema map `{"db.coll": schema, …}`: each schema is linted (local rules unless `remote`). */
  schemaMap?: boolean;
  /** Read schemas as collection validators (remote rules). */
  remote?: boolean;
  /** Read a `{"$jsonSchema": …}` validator with local rules. */
  local?: boolean;
}

function pointerToken(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * `fle schema lint` on a parsed file (Extended JSON already read): a schema (local rules), a
 * validator `{"$jsonSchema": …}` (remote rules), or with `schemaMap` a schema map; pointers are
 * into the file. BAD_INPUT for a schema map that is not an object. Shared by the command line and
 * the browser example.
 */
export function lintSchemaDocument(parsed: unknown, options: LintDocumentOptions = {}): LintFinding[] {
  const top = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && !('_bsontype' in parsed) ? (parsed as Record<string, unknown>) : undefined;
  const problems: LintFinding[] = [];
  if (options.schemaMap) {
    // A schema map is what a client passes to automatic encryption: local rules unless remote.
    if (!top) throw new CliError('BAD_INPUT', 'a schema map is a JSON object {"db.coll": schema, ...}');
    for (const ns of Object.keys(top)) problems.push(...lintSchema(top[ns], { base: `/${pointerToken(ns)}`, remote: options.remote === true }));
  } else if (top && Object.hasOwn(top, '$jsonSchema')) {
    // A collection validator: mongocryptd reads it as a remote schema unless local.
    problems.push(...lintSchema(top.$jsonSchema, { base: '/$jsonSchema', remote: options.local !== true }));
  } else {
    problems.push(...lintSchema(parsed, { remote: options.remote === true }));
  }
  return problems;
}
