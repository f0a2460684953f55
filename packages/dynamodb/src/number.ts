// DynamoDB number text as both clients serialize it: trailing zeros stripped, plain notation
// (Python `DYNAMODB_CONTEXT.create_decimal(v).normalize()` + "{:f}", Java
// `BigDecimal.stripTrailingZeros().toPlainString()`); docs/dynamodb-encryption.md §2.
import { DynamoDbEncryptionError } from './errors.js';

const NUMBER_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d{1,6}))?$/;
// DYNAMODB_CONTEXT: 38 digits of precision, Emin -128, Emax 126 (boto3.dynamodb.types).
const MAX_DIGITS = 38;

/** Normalizes a DynamoDB number string ("55.00" → "55", "1E+2" → "100", "-0" → "0"). */
export function normalizeNumber(text: string): string {
  const m = typeof text === 'string' ? NUMBER_RE.exec(text.trim()) : null;
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    throw new DynamoDbEncryptionError('DDB_BAD_NUMBER', `a number attribute must be decimal text like "12.5" or "1E+3" (got ${typeof text === 'string' ? `${text.length} characters that are not a number` : typeof text})`);
  }
  const intPart = m[2] ?? '';
  const frac = m[3] ?? '';
  let digits = (intPart + frac).replace(/^0+/, '');
  let exp = Number(m[4] ?? '0') - frac.length;
  if (digits === '') return '0';
  const stripped = digits.replace(/0+$/, '');
  exp += digits.length - stripped.length;
  digits = stripped;
  if (digits.length > MAX_DIGITS) {
    throw new DynamoDbEncryptionError('DDB_BAD_NUMBER', `a number attribute has ${digits.length} significant digits; DynamoDB allows at most ${MAX_DIGITS}`);
  }
  const adjusted = exp + digits.length - 1;
  if (adjusted > 125 || adjusted < -130) {
    throw new DynamoDbEncryptionError('DDB_BAD_NUMBER', `a number attribute's magnitude 1E${adjusted} is outside DynamoDB's range (1E-130 to below 1E+126)`);
  }
  const sign = m[1] === '-' ? '-' : '';
  if (exp >= 0) return sign + digits + '0'.repeat(exp);
  const point = digits.length + exp;
  if (point > 0) return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  return `${sign}0.${'0'.repeat(-point)}${digits}`;
}
