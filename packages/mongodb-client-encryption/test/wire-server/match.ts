// The query matcher of the test server: equality (numbers by value, everything else byte for
// byte as BSON, so BinData 6 ciphertexts compare exactly), arrays match by element, and the
// operators the driver's CSFLE paths send: $eq $ne $in $nin $exists $and $or $nor, plus the ones
// the spec's unified tests send on unencrypted fields ($gt... $mod $bits* $size $regex; $near
// fails as without a geo index).
import { serialize, type Document } from 'bson';

function numeric(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  const t = (v as { _bsontype?: string } | null)?._bsontype;
  if (t === 'Int32' || t === 'Double') return (v as { value: number }).value;
  if (t === 'Long') return (v as { toNumber(): number }).toNumber();
  if (t === 'Decimal128') return Number(String(v));
  return undefined;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** BSON equality as the server sees it (numbers across types by value). */
export function bsonEquals(a: unknown, b: unknown): boolean {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined || nb !== undefined) return na !== undefined && nb !== undefined && na === nb;
  if (a === undefined || b === undefined) return a === b;
  return bytesEqual(serialize({ v: a }), serialize({ v: b }));
}

/** The value at a dotted path (undefined when missing). */
export function getPath(doc: unknown, path: string): unknown {
  let cur: unknown = doc;
  for (const part of path.split('.')) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function isOperatorDoc(v: unknown): v is Document {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && (v as { _bsontype?: unknown })._bsontype === undefined
    && !(v instanceof Date) && Object.keys(v).length > 0 && Object.keys(v).every((k) => k.startsWith('$'));
}

function eqOrContains(field: unknown, value: unknown): boolean {
  if (bsonEquals(field, value)) return true;
  if (value === null && field === undefined) return true; // equality to null matches a missing field
  return Array.isArray(field) && field.some((f) => bsonEquals(f, value));
}

function compareAny(field: unknown, arg: unknown, op: string): boolean {
  const values = Array.isArray(field) ? field : [field];
  return values.some((f) => {
    const a = numeric(f) ?? (typeof f === 'string' ? f : f instanceof Date ? f.getTime() : undefined);
    const b = numeric(arg) ?? (typeof arg === 'string' ? arg : arg instanceof Date ? arg.getTime() : undefined);
    if (a === undefined || b === undefined || typeof a !== typeof b) return false;
    return op === '$gt' ? a > b : op === '$gte' ? a >= b : op === '$lt' ? a < b : a <= b;
  });
}

/** Sort order of two values (numbers by value, strings, dates; anything else by its BSON bytes). */
export function compareValues(a: unknown, b: unknown): number {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  return Buffer.compare(Buffer.from(serialize({ v: a })), Buffer.from(serialize({ v: b })));
}

function matchCondition(field: unknown, cond: unknown): boolean {
  if (!isOperatorDoc(cond)) return eqOrContains(field, cond);
  return Object.entries(cond).every(([op, arg]) => {
    switch (op) {
      case '$eq': return eqOrContains(field, arg);
      case '$ne': return !eqOrContains(field, arg);
      case '$in': return (arg as unknown[]).some((v) => eqOrContains(field, v));
      case '$nin': return !(arg as unknown[]).some((v) => eqOrContains(field, v));
      case '$exists': return (field !== undefined) === Boolean(arg);
      case '$not': return !matchCondition(field, arg);
      case '$gt': case '$gte': case '$lt': case '$lte': return compareAny(field, arg, op);
      case '$mod': { const n = numeric(field); const [d, r] = (arg as unknown[]).map(numeric) as [number, number]; return n !== undefined && Math.trunc(n) % d === r; }
      case '$bitsAllClear': case '$bitsAllSet': case '$bitsAnyClear': case '$bitsAnySet': {
        const n = numeric(field);
        const m = numeric(arg) ?? 0;
        if (n === undefined || !Number.isInteger(n)) return false;
        const set = n & m;
        return op === '$bitsAllClear' ? set === 0 : op === '$bitsAllSet' ? set === m : op === '$bitsAnyClear' ? set !== m : set !== 0;
      }
      case '$size': return Array.isArray(field) && field.length === numeric(arg);
      case '$regex': return typeof field === 'string' && new RegExp(String(arg), String((cond as Document).$options ?? '')).test(field);
      case '$options': return true;
      // No geo index here, as on a server without one: $near needs one; $geoWithin/$geoIntersects match only GeoJSON, which these tests never store.
      case '$near': case '$nearSphere': throw new Error('unable to find index for $geoNear query');
      case '$geoWithin': case '$geoIntersects': return false;
      default: throw new Error(`test server: unsupported query operator ${op}`);
    }
  });
}

/** True when `doc` matches `filter`. Throws on operators the test server does not implement. */
export function matches(doc: Document, filter: Document | undefined): boolean {
  if (!filter) return true;
  return Object.entries(filter).every(([key, cond]) => {
    switch (key) {
      case '$and': return (cond as Document[]).every((f) => matches(doc, f));
      case '$or': return (cond as Document[]).some((f) => matches(doc, f));
      case '$nor': return !(cond as Document[]).some((f) => matches(doc, f));
      case '$comment': return true;
      default:
        if (key.startsWith('$')) throw new Error(`test server: unsupported top-level operator ${key}`);
        return matchCondition(getPath(doc, key), cond);
    }
  });
}
