// Query analysis of a filter on a Queryable Encryption collection, as mongocryptd does it
// (server `fle_match_expression.cpp`): equality fields get find markings in place ($eq, $ne,
// $in, $nin); a range field's comparisons in one operator document become one interval, written
// as one range find marking (two-sided: `{$and: [{f: {$gt|$gte: marking}}, {f: {$lt|$lte: stub}}]}`,
// one-sided: `{f: {$op: marking}}`); `$eq` on a range field is the interval [v, v], `$in` an `$or`
// of them. Anything that would compare an encrypted field in clear is refused.
import { checkDepth, documentEntries, isDocumentInput, setField } from './document-entries.js';
import { isPlainDocument } from './bson-types.js';
import { FleClientError } from './errors.js';
import { compareRangeValues, type QeField } from './qe-fields.js';
import { checkRangeLiteral, equalityMarking, rangeElement, rangeFindMarking, rangeStubMarking, type RangeBound, type RangeOp } from './qe-markings.js';

/** Per-command state of the analysis: mongocryptd numbers range predicates from 0 within a command. */
export interface FilterContext {
  nextPayloadId: number;
}

const EQUALITY_OPS = new Set(['$eq', '$ne', '$in', '$nin']);
const COMPARISONS = new Set(['$gt', '$gte', '$lt', '$lte']);

/** The encrypted field at `path`, or undefined; refuses a path holding or inside an encrypted field. */
function fieldAt(fields: readonly QeField[], path: string): QeField | undefined {
  const field = fields.find((f) => f.path === path);
  if (field) return field;
  const inside = fields.find((f) => f.path.startsWith(`${path}.`) || path.startsWith(`${f.path}.`));
  if (inside) throw new FleClientError('ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', `'${path}' compares a value holding or inside encrypted field '${inside.path}': query the encrypted field itself`);
  return undefined;
}

/** The range comparisons of one conjunction, per field path: one interval each (server `processRangesInAndClause`). */
type Intervals = Map<string, { field: QeField; lower?: RangeBound; upper?: RangeBound }>;

/**
 * Marks the values a filter compares with encrypted fields (find markings, t = 2). The input is
 * not modified; unchanged sub-documents are returned as they are.
 */
export function markFilter(filter: Record<string, unknown>, fields: readonly QeField[], ctx: FilterContext, depth = 1): Record<string, unknown> {
  checkDepth(depth, 'The filter');
  let out: Record<string, unknown> | undefined;
  // Members of the conjunction, in order; a range field becomes its in-place clauses.
  const members: (readonly [string, unknown] | Record<string, unknown>)[] = [];
  const intervals: Intervals = new Map();
  let restructured = false;
  for (const [k, v] of documentEntries(filter, 'the filter')) {
    let r = v;
    if (k === '$and' || k === '$or' || k === '$nor') {
      if (!Array.isArray(v)) throw new FleClientError('INVALID_ARGUMENT', `${k} needs an array of filters`);
      r = k === '$and' ? markAnd(v, fields, ctx, depth) : v.map((x) => (isDocumentInput(x) ? markFilter(x as Record<string, unknown>, fields, ctx, depth + 1) : x));
      // An $and whose members merged into one two-sided range is that range's $and (the server
      // returns the lone child in place of the conjunction).
      const lone = (r as unknown[]).length === 1 && v.length > 1 ? (r as unknown[])[0] : undefined;
      if (k === '$and' && isPlainDocument(lone) && Object.keys(lone).length === 1 && Array.isArray(lone.$and)) r = lone.$and;
    } else if (k.startsWith('$')) {
      throw new FleClientError('UNSUPPORTED_QUERY_OPERATOR', `${k} is not supported in a filter on a Queryable Encryption collection`);
    } else {
      const field = fieldAt(fields, k);
      if (field !== undefined) {
        if (field.contention === undefined) throw new FleClientError('ENCRYPTED_FIELD_QUERY_NOT_ALLOWED', `'${k}' is encrypted without queries (unindexed): it cannot be queried`);
        if (field.range) {
          members.push(...rangeClauses(field, v, ctx, intervals));
          restructured = true;
          continue;
        }
        r = equalityCondition(field, v);
      }
    }
    members.push([k, r]);
    if (r !== v) setField((out ??= { ...(filter instanceof Map ? Object.fromEntries(filter) : filter) }), k, r);
  }
  if (!restructured) return out ?? filter;
  const all = [...members.map((m) => (Array.isArray(m) ? keyed(m[0] as string, m[1]) : (m as Record<string, unknown>))), ...intervalClauses(intervals, ctx)];
  return all.length === 1 ? all[0]! : { $and: all };
}

/**
 * An `$and` array: members that are one range comparison (`{f: {$gt: v}}`) on a range field are
 * merged per field into one interval, appended after the other members (server
 * `processRangesInAndClause`); every other member is marked as a filter of its own.
 */
function markAnd(list: unknown[], fields: readonly QeField[], ctx: FilterContext, depth: number): unknown[] {
  const intervals: Intervals = new Map();
  const out: unknown[] = [];
  for (const x of list) {
    const keys = isPlainDocument(x) ? Object.keys(x) : [];
    const field = keys.length === 1 ? fields.find((f) => f.path === keys[0] && f.range !== undefined) : undefined;
    const cond = field ? (x as Record<string, unknown>)[field.path] : undefined;
    const ops = isPlainDocument(cond) ? Object.keys(cond) : [];
    if (field && ops.length === 1 && COMPARISONS.has(ops[0]!)) rangeClauses(field, cond, ctx, intervals);
    else out.push(isDocumentInput(x) ? markFilter(x as Record<string, unknown>, fields, ctx, depth + 1) : x);
  }
  return [...out, ...intervalClauses(intervals, ctx)];
}

/** One clause per interval, fields in path order (the server keeps them in a std::map). */
function intervalClauses(intervals: Intervals, ctx: FilterContext): Record<string, unknown>[] {
  return [...intervals.keys()].sort().map((path) => {
    const { field, lower, upper } = intervals.get(path)!;
    if (lower && upper) {
      const c = compareRangeValues(lower.value, upper.value)!;
      // An empty intersection matches nothing: mongocryptd writes $alwaysFalse and no marking.
      if (c > 0 || (c === 0 && !(lower.included && upper.included))) return { $alwaysFalse: 1 };
    }
    return interval(field, lower, upper, ctx);
  });
}

function keyed(k: string, v: unknown): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  setField(o, k, v);
  return o;
}

function equalityCondition(field: QeField, v: unknown): unknown {
  const ops = isPlainDocument(v) ? Object.keys(v) : [];
  if (ops.length === 0 || !ops[0]!.startsWith('$')) return { $eq: equalityMarking(field, 2, v) };
  const out: Record<string, unknown> = {};
  for (const op of ops) {
    const x = (v as Record<string, unknown>)[op];
    if (!EQUALITY_OPS.has(op)) throw new FleClientError('UNSUPPORTED_QUERY_OPERATOR', `${op} on encrypted field '${field.path}' is not supported (equality fields take $eq, $ne, $in, $nin)`);
    if (op === '$in' || op === '$nin') {
      if (!Array.isArray(x)) throw new FleClientError('INVALID_ARGUMENT', `${op} needs an array`);
      setField(out, op, x.map((e) => equalityMarking(field, 2, e)));
    } else setField(out, op, equalityMarking(field, 2, x));
  }
  return out;
}

/** A point query [v, v] on a range field (server: `$eq` on a range index is rewritten to x <= a <= x). */
function point(field: QeField, v: unknown, ctx: FilterContext): Record<string, unknown> {
  const e = rangeElement(field, v);
  return interval(field, { value: e, included: true }, { value: e, included: true }, ctx);
}

/** The clause for an interval: one-sided `{f: {$op: m}}`, or two-sided `{$and: [...]}`. */
function interval(field: QeField, lower: RangeBound | undefined, upper: RangeBound | undefined, ctx: FilterContext): Record<string, unknown> {
  if (lower) checkRangeLiteral(field, lower.value);
  if (upper) checkRangeLiteral(field, upper.value);
  const lowOp: RangeOp = lower?.included ? '$gte' : '$gt';
  const highOp: RangeOp = upper?.included ? '$lte' : '$lt';
  const id = ctx.nextPayloadId++;
  const f = field.path;
  if (!upper) return keyed(f, { [lowOp]: rangeFindMarking(field, lower, undefined, id, lowOp, undefined) });
  if (!lower) return keyed(f, { [highOp]: rangeFindMarking(field, undefined, upper, id, highOp, undefined) });
  return { $and: [keyed(f, { [lowOp]: rangeFindMarking(field, lower, upper, id, lowOp, highOp) }), keyed(f, { [highOp]: rangeStubMarking(field, id, lowOp, highOp) })] };
}

/**
 * The clauses one `field: condition` entry of a range field becomes in place ($eq, $ne, $in, $nin,
 * in order); its comparisons go into `intervals`, intersected with the conjunction's others.
 */
function rangeClauses(field: QeField, v: unknown, ctx: FilterContext, intervals: Intervals): Record<string, unknown>[] {
  const ops = isPlainDocument(v) ? Object.keys(v) : [];
  if (ops.length === 0 || !ops[0]!.startsWith('$')) return [point(field, v, ctx)];
  const out: Record<string, unknown>[] = [];
  for (const op of ops) {
    const x = (v as Record<string, unknown>)[op];
    if (COMPARISONS.has(op)) {
      const b: RangeBound = { value: rangeElement(field, x), included: op === '$gte' || op === '$lte' };
      checkRangeLiteral(field, b.value);
      const acc = intervals.get(field.path) ?? { field };
      if (op === '$gt' || op === '$gte') acc.lower = tighter(acc.lower, b, 1);
      else acc.upper = tighter(acc.upper, b, -1);
      intervals.set(field.path, acc);
    } else if (op === '$eq') out.push(point(field, x, ctx));
    else if (op === '$ne') out.push({ $nor: [point(field, x, ctx)] });
    else if (op === '$in' || op === '$nin') {
      if (!Array.isArray(x)) throw new FleClientError('INVALID_ARGUMENT', `${op} needs an array`);
      const points = x.map((e) => point(field, e, ctx));
      out.push(op === '$in' ? { $or: points } : { $nor: points });
    } else {
      throw new FleClientError('UNSUPPORTED_QUERY_OPERATOR', `${op} on encrypted field '${field.path}' is not supported (range fields take $eq, $ne, $in, $nin, $gt, $gte, $lt, $lte)`);
    }
  }
  return out;
}

/** The tighter of two bounds on one side: `dir` 1 keeps the larger (lower bounds), -1 the smaller. */
function tighter(a: RangeBound | undefined, b: RangeBound, dir: 1 | -1): RangeBound {
  if (a === undefined) return b;
  const c = compareRangeValues(b.value, a.value)! * dir;
  if (c > 0) return b;
  if (c < 0) return a;
  return a.included ? b : a;
}

/** True when a pipeline stage (or any value) names an encrypted path: a key, or a "$path" string. */
export function mentionsEncryptedPath(value: unknown, fields: readonly QeField[], depth = 1): string | undefined {
  checkDepth(depth, 'The pipeline');
  const related = (p: string) => fields.find((f) => f.path === p || f.path.startsWith(`${p}.`) || p.startsWith(`${f.path}.`))?.path;
  if (typeof value === 'string') return value.startsWith('$') && !value.startsWith('$$') ? related(value.slice(1)) : undefined;
  if (Array.isArray(value)) {
    for (const v of value) {
      const hit = mentionsEncryptedPath(v, fields, depth + 1);
      if (hit) return hit;
    }
  } else if (isDocumentInput(value)) {
    for (const [k, v] of documentEntries(value, 'the pipeline')) {
      const hit = (!k.startsWith('$') && related(k)) || mentionsEncryptedPath(v, fields, depth + 1);
      if (hit) return hit;
    }
  }
  return undefined;
}
