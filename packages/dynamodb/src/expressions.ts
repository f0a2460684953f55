// What a DynamoDB expression reads and writes, so the encrypted helpers can refuse what cannot work
// on signed items (AWS DynamoDB Developer Guide, "Expressions": condition, filter, key condition and
// update expressions; attribute paths `a.b[0]`, `#placeholder` names, `:value` values). Only the
// first element of a path is an item attribute; actions are per top-level attribute.
//
// - A condition, filter or key condition may not read an ENCRYPT_AND_SIGN attribute: the server
//   holds `{B: IV ‖ ciphertext}`, so a comparison would silently be against ciphertext. Testing its
//   presence (attribute_exists / attribute_not_exists) is fine.
// - An update may only change DO_NOTHING attributes: changing a signed one breaks the item's
//   signature (Python refuses update_item outright: encrypted/client.py `update_item`).
// - ProjectionExpression / AttributesToGet / Select of some attributes return partial items, whose
//   signature cannot verify (Python internal/utils.py `validate_get_arguments`).
import type { AttributeActions } from './actions.js';
import { DynamoDbEncryptionError } from './errors.js';

/** ExpressionAttributeNames of a request: `#placeholder` to attribute name. */
export type ExpressionAttributeNames = { readonly [placeholder: string]: string };

type Token =
  | { readonly kind: 'name'; readonly name: string; readonly nested: boolean }
  | { readonly kind: 'function'; readonly name: string }
  | { readonly kind: 'keyword'; readonly word: string }
  | { readonly kind: 'punct'; readonly text: string }
  | { readonly kind: 'value' };

// Words that are operators or update clauses, not attribute names (an attribute so named needs a
// placeholder: they are DynamoDB reserved words).
const KEYWORDS: ReadonlySet<string> = new Set(['AND', 'OR', 'NOT', 'BETWEEN', 'IN', 'SET', 'REMOVE', 'ADD', 'DELETE']);
const UPDATE_CLAUSES: ReadonlySet<string> = new Set(['SET', 'REMOVE', 'ADD', 'DELETE']);
const PRESENCE_FUNCTIONS: ReadonlySet<string> = new Set(['attribute_exists', 'attribute_not_exists']);
const TWO_CHAR = ['<>', '<=', '>='];
const ONE_CHAR = '(),.[]=<>+-';

/** Splits an expression into names (placeholders resolved), functions, keywords, values and punctuation. */
function tokenize(expression: unknown, names: ExpressionAttributeNames | undefined, where: string): Token[] {
  if (typeof expression !== 'string') throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_REQUEST', `${where} must be a string`);
  const tokens: Token[] = [];
  const word = /[A-Za-z_][A-Za-z0-9_]*/y;
  const placeholder = /[#:][A-Za-z0-9_]+/y;
  const digits = /[0-9]+/y;
  let i = 0;
  const previousIsDot = (): boolean => {
    const last = tokens[tokens.length - 1];
    return last?.kind === 'punct' && last.text === '.';
  };
  while (i < expression.length) {
    const c = expression[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '#' || c === ':') {
      placeholder.lastIndex = i;
      const m = placeholder.exec(expression);
      if (!m) throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_REQUEST', `${where}: '${c}' at offset ${i} starts no placeholder`);
      i += m[0].length;
      if (c === ':') {
        tokens.push({ kind: 'value' });
        continue;
      }
      const name = names !== undefined && Object.hasOwn(names, m[0]) ? names[m[0]] : undefined;
      if (typeof name !== 'string') {
        throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_REQUEST', `${where}: placeholder '${m[0].slice(0, 40)}' is not in ExpressionAttributeNames; add it`);
      }
      tokens.push({ kind: 'name', name, nested: previousIsDot() });
      continue;
    }
    word.lastIndex = i;
    const w = word.exec(expression);
    if (w) {
      i += w[0].length;
      const next = /\S/.exec(expression.slice(i))?.[0];
      if (next === '(') tokens.push({ kind: 'function', name: w[0] });
      else if (KEYWORDS.has(w[0].toUpperCase())) tokens.push({ kind: 'keyword', word: w[0].toUpperCase() });
      else tokens.push({ kind: 'name', name: w[0], nested: previousIsDot() });
      continue;
    }
    digits.lastIndex = i;
    const d = digits.exec(expression);
    if (d) {
      i += d[0].length;
      tokens.push({ kind: 'punct', text: 'index' });
      continue;
    }
    const two = expression.slice(i, i + 2);
    if (TWO_CHAR.includes(two)) {
      tokens.push({ kind: 'punct', text: two });
      i += 2;
      continue;
    }
    if (ONE_CHAR.includes(c)) {
      tokens.push({ kind: 'punct', text: c });
      i++;
      continue;
    }
    throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_REQUEST', `${where}: unexpected character at offset ${i}; it is not DynamoDB expression syntax`);
  }
  return tokens;
}

/**
 * Refuses a condition, filter or key condition expression that reads an ENCRYPT_AND_SIGN
 * attribute other than to test its presence (DDB_ENCRYPTED_ATTRIBUTE_IN_EXPRESSION).
 */
export function checkConditionExpression(expression: unknown, names: ExpressionAttributeNames | undefined, actions: AttributeActions, where: string): void {
  if (expression === undefined) return;
  const calls: (string | undefined)[] = [];
  let pendingFunction: string | undefined;
  for (const t of tokenize(expression, names, where)) {
    if (t.kind === 'function') pendingFunction = t.name;
    else if (t.kind === 'punct' && t.text === '(') {
      calls.push(pendingFunction);
      pendingFunction = undefined;
    } else if (t.kind === 'punct' && t.text === ')') calls.pop();
    else if (t.kind === 'name' && !t.nested && actions.action(t.name) === 'ENCRYPT_AND_SIGN' && !PRESENCE_FUNCTIONS.has(calls[calls.length - 1] ?? '')) {
      throw encryptedInExpression(t.name, where);
    }
  }
}

/**
 * Refuses an update expression that changes any attribute but DO_NOTHING ones
 * (DDB_SIGNED_ATTRIBUTE_UPDATE), or reads an ENCRYPT_AND_SIGN one (DDB_ENCRYPTED_ATTRIBUTE_IN_EXPRESSION).
 * The target of each action is the first path after SET / REMOVE / ADD / DELETE or a top-level comma.
 */
export function checkUpdateExpression(expression: unknown, names: ExpressionAttributeNames | undefined, actions: AttributeActions, where: string): void {
  if (expression === undefined) return;
  let clause: string | undefined;
  let expectTarget = false;
  let depth = 0;
  for (const t of tokenize(expression, names, where)) {
    if (t.kind === 'keyword' && depth === 0 && UPDATE_CLAUSES.has(t.word)) {
      clause = t.word;
      expectTarget = true;
    } else if (t.kind === 'punct' && t.text === '(') depth++;
    else if (t.kind === 'punct' && t.text === ')') depth--;
    else if (t.kind === 'punct' && t.text === ',' && depth === 0) expectTarget = true;
    else if (t.kind === 'name' && !t.nested) {
      if (expectTarget || clause === 'REMOVE') {
        checkUpdatable(t.name, actions, where);
        expectTarget = false;
      } else if (actions.action(t.name) === 'ENCRYPT_AND_SIGN') {
        throw encryptedInExpression(t.name, where);
      }
    }
  }
}

/** Legacy Expected / QueryFilter / ScanFilter / KeyConditions: attribute name to condition. */
export function checkLegacyConditions(conditions: unknown, actions: AttributeActions, where: string): void {
  if (conditions === undefined) return;
  if (conditions === null || typeof conditions !== 'object') throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_REQUEST', `${where} must be an object of attribute name to condition`);
  for (const [name, condition] of Object.entries(conditions)) {
    const c = (condition ?? {}) as { ComparisonOperator?: unknown; Exists?: unknown; Value?: unknown };
    // NULL / NOT_NULL and Exists without a value only test presence.
    const presenceOnly = c.ComparisonOperator === 'NULL' || c.ComparisonOperator === 'NOT_NULL' || (c.ComparisonOperator === undefined && c.Value === undefined && typeof c.Exists === 'boolean');
    if (!presenceOnly && actions.action(name) === 'ENCRYPT_AND_SIGN') throw encryptedInExpression(name, where);
  }
}

/** Legacy AttributeUpdates: every attribute it names must be DO_NOTHING. */
export function checkAttributeUpdates(updates: unknown, actions: AttributeActions, where: string): void {
  if (updates === undefined) return;
  if (updates === null || typeof updates !== 'object') throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_REQUEST', `${where} must be an object of attribute name to update`);
  for (const name of Object.keys(updates)) checkUpdatable(name, actions, where);
}

/**
 * Refuses reads that return part of an item (ProjectionExpression, AttributesToGet, Select
 * SPECIFIC_ATTRIBUTES / ALL_PROJECTED_ATTRIBUTES), as Python's validate_get_arguments does.
 */
export function checkWholeItemRead(input: { readonly [k: string]: unknown }, where: string): void {
  for (const name of ['ProjectionExpression', 'AttributesToGet']) {
    if (input[name] !== undefined) {
      throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_REQUEST', `${where}: ${name} is not supported on encrypted items (a partial item cannot be verified); read whole items`);
    }
  }
  if (input.Select === 'SPECIFIC_ATTRIBUTES' || input.Select === 'ALL_PROJECTED_ATTRIBUTES') {
    throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_REQUEST', `${where}: Select ${input.Select} is not supported on encrypted items; use ALL_ATTRIBUTES or COUNT`);
  }
}

function checkUpdatable(name: string, actions: AttributeActions, where: string): void {
  const action = actions.action(name);
  if (action !== 'DO_NOTHING') {
    throw new DynamoDbEncryptionError(
      'DDB_SIGNED_ATTRIBUTE_UPDATE',
      `${where} changes attribute '${name.slice(0, 80)}', which is ${action}: an update in place would break the item signature; read, change and put the whole item instead`,
    );
  }
}

function encryptedInExpression(name: string, where: string): DynamoDbEncryptionError {
  return new DynamoDbEncryptionError(
    'DDB_ENCRYPTED_ATTRIBUTE_IN_EXPRESSION',
    `${where} reads attribute '${name.slice(0, 80)}', which is ENCRYPT_AND_SIGN: the server holds only its ciphertext; filter after decryption, or make it SIGN_ONLY`,
  );
}
