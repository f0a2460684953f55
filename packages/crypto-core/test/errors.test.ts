import { describe, expect, it } from 'vitest';
import { FleCryptoError, FleError, hexToBytes, isFleError } from '../src/index.js';

// Issue 11 item 17: `this.name = new.target.name` became 'V' after minification, and
// `instanceof` fails between two loaded copies of the package.
describe('error identity', () => {
  it('each class has a literal name that does not come from the constructor', () => {
    const e = new FleCryptoError('NOT_BYTES', 'x');
    expect(e.name).toBe('FleCryptoError');
    expect(new FleError('X', 'y').name).toBe('FleError');
    // A minifier renames the class; the getter does not read it.
    const Renamed = class V extends FleCryptoError {};
    expect(new Renamed('NOT_BYTES', 'z').name).toBe('FleCryptoError');
    expect(String(e)).toBe('FleCryptoError: x');
  });

  it('isFleError recognises errors of another copy by the registered brand, and nothing else', () => {
    let thrown: unknown;
    try {
      hexToBytes('zz');
    } catch (e) {
      thrown = e;
    }
    expect(isFleError(thrown)).toBe(true);
    expect(FleError.isFleError(thrown)).toBe(true);
    // What a second copy's error looks like from here: same registered symbol, other class.
    const foreign = Object.assign(new Error('m'), { code: 'HMAC_MISMATCH', [Symbol.for('@fle-ts/error')]: true });
    expect(isFleError(foreign)).toBe(true);
    expect(foreign instanceof FleError).toBe(false);
    expect(isFleError(Object.assign(new Error('m'), { code: 'X' }))).toBe(false);
    expect(isFleError({ code: 'X', [Symbol.for('other')]: true })).toBe(false);
    expect(isFleError(null)).toBe(false);
    expect(isFleError('FleError')).toBe(false);
  });

  it('keeps a cause without making it enumerable', () => {
    const cause = new Error('inner');
    const e = new FleCryptoError('HMAC_MISMATCH', 'outer', { cause });
    expect(e.cause).toBe(cause);
    expect(Object.keys(e)).toEqual(['code']);
  });
});
