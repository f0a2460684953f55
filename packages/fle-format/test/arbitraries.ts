// fast-check arbitraries over every BSON type, by what each algorithm allows (fle1-spec.md §3).
import {
  Binary,
  BSONRegExp,
  BSONSymbol,
  Code,
  Decimal128,
  Double,
  Int32,
  Long,
  ObjectId,
  Timestamp,
} from 'bson';
import fc from 'fast-check';

const cstring = fc.string({ unit: 'binary', maxLength: 12 }).filter((s) => !s.includes('\0'));
const text = fc.string({ unit: 'binary', maxLength: 40 });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

/** Values of every BSON type that deterministic encryption allows (fle1-spec.md §3). */
export const detScalar = fc.oneof(
  text,
  int32.map((n) => new Int32(n)),
  int32, // a JS integer in int32 range is an int32
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => Long.fromBigInt(b)),
  fc.uint8Array({ minLength: 12, maxLength: 12 }).map((b) => new ObjectId(b)),
  fc.date({ noInvalidDate: true }),
  fc.tuple(cstring, fc.subarray(['i', 'l', 'm', 's', 'u', 'x'])).map(([p, f]) => new BSONRegExp(p, f.join(''))),
  text.map((c) => new Code(c)),
  text.map((s) => new BSONSymbol(s)),
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff })).map(([t, i]) => new Timestamp({ t, i })),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => new Binary(b, 4)),
  fc
    .tuple(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(0, 1, 2, 3, 5, 7, 8, 0x80, 0xff))
    .map(([b, t]) => new Binary(b, t)),
);

/** Values only Random allows: double, decimal128, bool, documents, arrays, code with scope. */
const key_ = cstring.filter((k) => k !== '__proto__');
export const randOnlyScalar = fc.oneof(
  fc.double().map((d) => new Double(d)),
  fc.double({ noInteger: true, noNaN: true }), // a non-integral JS number is a double
  // Decimal128 from decimal strings: canonical encodings, which every Extended JSON reader maps to the
  // same bytes (the property tests also cover arbitrary 16-byte encodings).
  fc
    .oneof(
      fc.tuple(fc.bigInt({ min: -(10n ** 33n), max: 10n ** 33n }), fc.integer({ min: -6000, max: 6000 })).map(([n, e]) => `${n}E${e}`),
      fc.constantFrom('NaN', 'Infinity', '-Infinity', '-0', '0.000'),
    )
    .map((s) => Decimal128.fromStringWithRounding(s)),
  fc.boolean(),
);
export const { doc } = fc.letrec<{ doc: Record<string, unknown>; arr: unknown[]; leaf: unknown }>((tie) => ({
  leaf: fc.oneof({ depthSize: 'small' }, detScalar, randOnlyScalar, tie('doc'), tie('arr')),
  doc: fc.dictionary(key_, tie('leaf'), { maxKeys: 4 }),
  arr: fc.array(tie('leaf'), { maxLength: 4 }),
}));
export const randAny = fc.oneof(
  detScalar,
  randOnlyScalar,
  doc,
  fc.array(detScalar, { maxLength: 4 }),
  fc.tuple(text, doc).map(([c, s]) => new Code(c, s)),
);

