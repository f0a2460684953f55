// The query matcher of the test server: equality (numbers by value, everything else byte for
// byte as BSON, so BinData 6 ciphertexts compare exactly), arrays match by element, and the
// operators the driver's CSFLE paths send: $eq $ne $in $nin $exists $and $or $nor.
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
  return Array.isArray(field) && field.some((f) => bsonEquals(f, value));
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
