// Aggregation pipelines on a collection with encrypted fields, in the subset that needs no field
// tracking through stages (query-analysis.md §6 describes the full analyzer this is a part of).
import { FleClientError, walkFilter, type SchemaNode, type ValueSink } from '@fle-ts/client';
import { isDoc, refuse } from './refuse.js';

const isPath = (v: unknown): boolean => typeof v === 'string' && v.startsWith('$') && !v.startsWith('$$');
const isFlag = (v: unknown): boolean => typeof v === 'boolean' || typeof v === 'number' || ['Int32', 'Double', 'Long'].includes((v as { _bsontype?: string } | null)?._bsontype ?? '');

/** `$group` that compares no value with anything: `_id` a constant, a field path or a document of paths; accumulators `$sum` of a number, or `$first`/`$last`/`$push`/`$addToSet` of a path. */
function checkGroup(arg: unknown, i: number): void {
  if (!isDoc(arg)) throw new FleClientError('INVALID_ARGUMENT', `aggregate stage ${i}: $group needs a document`);
  for (const [field, v] of Object.entries(arg)) {
    if (field === '_id') {
      const ok = v === null || isFlag(v) || (typeof v === 'string' && (isPath(v) || !v.startsWith('$'))) || (isDoc(v) && Object.values(v).every(isPath));
      if (!ok) refuse(`aggregate stage ${i}: this $group _id is not analysed by fle-ts yet (a constant, a field path or a document of field paths is)`);
      continue;
    }
    const acc = isDoc(v) ? Object.entries(v) : [];
    const [op, operand] = acc[0] ?? ['', undefined];
    const ok = acc.length === 1 && ((op === '$sum' && isFlag(operand)) || (['$first', '$last', '$push', '$addToSet'].includes(op) && isPath(operand)));
    if (!ok) refuse(`aggregate stage ${i}: the $group accumulator '${field}' is not analysed by fle-ts yet ($sum of a number, $first/$last/$push/$addToSet of a field path are)`);
  }
}

/**
 * An aggregation pipeline on a collection with encrypted fields, in the subset fle-ts can analyse
 * without tracking fields through stages (query-analysis.md §6): `$match` while documents still
 * have the collection's shape (its filter goes through the same walker as find), then stages that
 * compare no value: `$limit $skip $sort $sample $count`, `$project` of 0/1 flags, `$group` as
 * {@link checkGroup}. After a reshaping stage a `$match` is refused: the schema no longer applies.
 */
export function rewritePipeline(pipeline: unknown, root: SchemaNode, sink: ValueSink): unknown[] {
  if (!Array.isArray(pipeline)) throw new FleClientError('INVALID_ARGUMENT', 'aggregate.pipeline must be an array of stages');
  let shaped = true;
  return pipeline.map((stage, i) => {
    if (!isDoc(stage) || Object.keys(stage).length !== 1) throw new FleClientError('INVALID_ARGUMENT', `aggregate stage ${i} must be a document with one stage operator`);
    const [op, arg] = Object.entries(stage)[0] as [string, unknown];
    switch (op) {
      case '$match':
        if (!shaped) refuse(`aggregate stage ${i}: $match after a stage that reshapes documents is not analysed by fle-ts yet`);
        return { $match: walkFilter(root, matchFilter(arg, i), sink) };
      case '$limit': case '$skip': case '$sort': case '$sample':
        return stage;
      case '$count':
        shaped = false;
        return stage;
      case '$project':
        if (!isDoc(arg) || !Object.values(arg).every(isFlag)) refuse(`aggregate stage ${i}: $project with expressions is not analysed by fle-ts yet (0/1 flags are)`);
        shaped = false;
        return stage;
      case '$group':
        checkGroup(arg, i);
        shaped = false;
        return stage;
      default:
        return refuse(`aggregate stage ${op} on a collection with encrypted fields is not analysed by fle-ts yet ($match, $limit, $skip, $sort, $sample, $count, $project of flags, $group of paths are)`);
    }
  });
}


function matchFilter(arg: unknown, i: number): Record<string, unknown> {
  if (!isDoc(arg)) throw new FleClientError('INVALID_ARGUMENT', `aggregate stage ${i}: $match needs a filter document`);
  return arg;
}
