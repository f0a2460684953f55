// mongocryptd's / libmongocrypt's error texts in front of fle-ts's own. Drivers and the spec's
// unified tests match on those texts (badQueries.json, badSchema.json, find.json, updateOne.json,
// keyAltName.json, localSchema.json, malformedCiphertext.json `errorContains`), so an analysis
// error whose cause mongocryptd names is re-thrown as `<mongocryptd text>: <fle-ts text>` with
// the same class and code (the fle-ts error kept as `cause`). Each rule is checked by the spec
// runner (test/spec-unified-runner.test.ts), so a changed fle-ts text shows up there.
import { FleClientError } from '@fle-ts/client';
import { FleFormatError } from '@fle-ts/fle-format';
import type { Step } from './context.js';
import { MongoCryptBindingError } from './errors.js';

type Rule = readonly [RegExp, (m: RegExpMatchArray) => string];

const RULES: readonly Rule[] = [
  [/^\$(text|where) is not supported in a filter/, () => 'Unsupported match expression operator for encryption'],
  [/^Query on encrypted field '[^']*' uses \$/, () => 'Invalid match expression operator on encrypted field'],
  [/with \$in: comparison to null/, () => 'Illegal equality to null inside $in against an encrypted field'],
  [/comparison to null is not possible on an encrypted field/, () => 'Illegal equality to null predicate for encrypted field'],
  [/a regular expression cannot match an encrypted value/, () => 'Invalid match expression operator on encrypted field'],
  [/BSON type '(\w+)' cannot be encrypted with any algorithm/, (m) => `Cannot encrypt element of type: ${m[1]}`],
  [/BSON type '(\w+)' cannot be encrypted with deterministic encryption/, (m) => `Cannot use deterministic encryption for element of type: ${m[1]}`],
  [/Random algorithm, which cannot be queried/, () => 'Cannot query on fields encrypted with the randomized encryption algorithm'],
  [/^\$(inc|mul) is not allowed on the encrypted field/, () => '$inc and $mul not allowed on encrypted values'],
  [/^\$(max|min) is not allowed on the encrypted field/, () => '$max and $min not allowed on encrypted values'],
  [/^(\$\w+) is not allowed on the encrypted field/, (m) => `${m[1]} not allowed on encrypted values`],
  [/positional and array-filter updates cannot reach encrypted fields/, () => "Cannot encrypt fields below '$' positional update operator"],
  [/^Cannot encrypt field '[^']*': value has BSON type (\w+), schema \S+ requires (.+)$/, (m) => `Cannot encrypt element of type ${m[1]} because schema requires that type is one of: [ ${m[2]} ]`],
  [/takes its key alt name from '[^']*', which only works when inserting whole documents/, () => 'A non-static (JSONPointer) keyId is not supported'],
  [/^\$rename '[^']*' -> '[^']*': source and target must have the same encryption metadata/, () => '$rename between two encrypted fields must have the same metadata or both be unencrypted'],
  [/keyword '(\w+)' is not supported in a local encryption schema/, (m) => `JSON schema keyword '${m[1]}' is only allowed with a remote schema`],
  [/'encrypt' cannot be used together with '(\w+)'/, (m) => `Invalid schema: 'encrypt' cannot be used in conjunction with '${m[1]}'`],
  [/Invalid encryption schema at/, () => 'Invalid schema'],
  // libmongocrypt parses a blob of fewer than 19 bytes (kind, key UUID, type, one byte) as malformed.
  [/FLE1 blob must be at least \d+ bytes, got (\d+)$/, (m) => (Number(m[1]) < 19 ? 'malformed ciphertext' : '')],
];

/** The error with mongocryptd's text in front when a rule names its cause; else the error itself. */
export function withMongocryptdText(error: unknown): unknown {
  if (!(error instanceof FleClientError || error instanceof FleFormatError || error instanceof MongoCryptBindingError)) return error;
  for (const [re, text] of RULES) {
    const m = error.message.match(re);
    if (!m) continue;
    const prefix = text(m);
    if (!prefix || error.message.startsWith(prefix)) return error;
    const message = `${prefix}: ${error.message}`;
    if (error instanceof FleClientError) return new FleClientError(error.code, message, { cause: error });
    if (error instanceof FleFormatError) return new FleFormatError(error.code, message, { cause: error });
    return new MongoCryptBindingError(error.code, message, { cause: error });
  }
  return error;
}

function guard<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw withMongocryptdText(e);
  }
}

/** `make()` and every later step it leads to, with errors passed through {@link withMongocryptdText}. */
export function withMongocryptdTexts(make: () => Step): Step {
  const wrap = (step: Step): Step => {
    if (step.state === 5) {
      const ready = step;
      return { state: 5, finalize: () => guard(() => ready.finalize()) };
    }
    if (step.state === 4) {
      const kms = step;
      return { state: 4, requests: kms.requests, finish: () => wrap(guard(() => kms.finish())) };
    }
    if (step.state === 7) {
      const credentials = step;
      return { state: 7, provide: (kmsProviders) => wrap(guard(() => credentials.provide(kmsProviders))) };
    }
    const mongo = step;
    return {
      state: mongo.state,
      operation: mongo.operation,
      feed: (doc) => guard(() => mongo.feed(doc)),
      finish: () => wrap(guard(() => mongo.finish())),
    };
  };
  return wrap(guard(make));
}
