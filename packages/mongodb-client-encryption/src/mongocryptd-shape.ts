// The shape of a command that went through query analysis. libmongocrypt sends mongocryptd's /
// crypt_shared's re-serialized command whenever it holds encryption placeholders, not the
// driver's own: the analyzer parses filters into match expressions and write statements into
// their IDL structs and writes them back. The spec's unified tests check those bytes in
// command-started events (bulk.json: `{_id: 2, f: v}` goes out as `{$and: [{f: {$eq}}, {_id: {$eq: 2}}]}`;
// updateOne.json: statements gain `multi: false, upsert: false`; count.json: `$group` constants
// become `{$const: v}`; explain.json: `verbosity: 'allPlansExecution'`).
import { isDoc } from './refuse.js';

type Doc = Record<string, unknown>;

const isOperatorDoc = (v: unknown): v is Doc => isDoc(v) && Object.keys(v).length > 0 && Object.keys(v).every((k) => k.startsWith('$'));

/** One field's operator, as a match expression serializes it ($ne and $nin are $not of $eq / $in). */
function fieldOperator(op: string, arg: unknown): Doc {
  if (op === '$ne') return { $not: { $eq: arg } };
  if (op === '$nin') return { $not: { $in: arg } };
  if (op === '$not' && isOperatorDoc(arg)) return { $not: Object.assign({}, ...Object.entries(arg).map(([o, a]) => fieldOperator(o, a))) };
  return { [op]: arg };
}

/** A filter as a match expression serializes it: equality as `$eq`, several predicates under `$and`. */
export function matchExpressionShape(filter: Doc): Doc {
  const preds: Doc[] = [];
  for (const [k, v] of Object.entries(filter)) {
    if ((k === '$and' || k === '$or' || k === '$nor') && Array.isArray(v)) preds.push({ [k]: v.map((x) => (isDoc(x) ? matchExpressionShape(x) : x)) });
    else if (k.startsWith('$')) preds.push({ [k]: v });
    else if (isOperatorDoc(v)) for (const [op, arg] of Object.entries(v)) preds.push({ [k]: fieldOperator(op, arg) });
    else preds.push({ [k]: { $eq: v } });
  }
  if (preds.length === 0) return {};
  return preds.length === 1 ? (preds[0] as Doc) : { $and: preds };
}

const isPathOrExpr = (v: unknown): boolean => (typeof v === 'string' && v.startsWith('$')) || isDoc(v);

/** `$group` with its constants as `{$const: v}` (aggregation expressions serialize so). */
function groupShape(arg: Doc): Doc {
  const out: Doc = {};
  for (const [field, v] of Object.entries(arg)) {
    if (field === '_id') out._id = isPathOrExpr(v) ? v : { $const: v };
    else if (isDoc(v)) out[field] = Object.fromEntries(Object.entries(v).map(([op, operand]) => [op, isPathOrExpr(operand) ? operand : { $const: operand }]));
    else out[field] = v;
  }
  return out;
}

function pipelineShape(pipeline: unknown): unknown {
  if (!Array.isArray(pipeline)) return pipeline;
  return pipeline.map((stage) => {
    if (!isDoc(stage)) return stage;
    if (isDoc(stage.$match)) return { $match: matchExpressionShape(stage.$match) };
    if (isDoc(stage.$group)) return { $group: groupShape(stage.$group) };
    return stage;
  });
}

const filterShape = (v: unknown): unknown => (isDoc(v) ? matchExpressionShape(v) : v);

/** The command as the analyzer writes it back (only called for commands that carry encrypted values). */
export function mongocryptdShape(name: string, cmd: Doc): Doc {
  const out: Doc = { ...cmd };
  switch (name) {
    case 'find': if (cmd.filter !== undefined) out.filter = filterShape(cmd.filter); break;
    case 'count': case 'distinct': if (cmd.query !== undefined) out.query = filterShape(cmd.query); break;
    case 'findAndModify': if (cmd.query !== undefined) out.query = filterShape(cmd.query); break;
    case 'delete':
      if (Array.isArray(cmd.deletes)) out.deletes = cmd.deletes.map((s) => (isDoc(s) ? { ...s, q: filterShape(s.q) } : s));
      break;
    case 'update':
      if (Array.isArray(cmd.updates)) out.updates = cmd.updates.map((s) => (isDoc(s) ? { ...s, q: filterShape(s.q), multi: s.multi ?? false, upsert: s.upsert ?? false } : s));
      break;
    case 'aggregate': out.pipeline = pipelineShape(cmd.pipeline); break;
    case 'explain': {
      const inner = cmd.explain as Doc;
      out.explain = mongocryptdShape(Object.keys(inner)[0] ?? '', inner);
      out.verbosity = cmd.verbosity ?? 'allPlansExecution';
      break;
    }
  }
  return out;
}
