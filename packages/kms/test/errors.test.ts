// KmsError follows the project's error rules: a FleError with a literal name, a stable code, the
// provider in the message and as a field, the cause passed through.
import { describe, expect, it } from 'vitest';
import { FleError, isFleError } from '@fle-ts/crypto-core';
import { KmsError, parseAwsEncryptResponse } from '@fle-ts/kms';

describe('KmsError', () => {
  it('is a FleError with name KmsError, code, provider, httpStatus and cause', () => {
    const cause = new Error('inner');
    const e = new KmsError('KMS_HTTP_ERROR', 'aws:prod', 'boom', { cause, httpStatus: 503 });
    expect(e).toBeInstanceOf(FleError);
    expect(isFleError(e)).toBe(true);
    expect(e.name).toBe('KmsError');
    expect([e.code, e.provider, e.httpStatus, e.cause]).toEqual(['KMS_HTTP_ERROR', 'aws:prod', 503, cause]);
    expect(e.message).toBe("KMS provider 'aws:prod': boom");
    expect(String(e)).toBe("KmsError: KMS provider 'aws:prod': boom");
  });

  it('a parser error carries the JSON error as its cause', () => {
    try {
      parseAwsEncryptResponse({ status: 200, body: new TextEncoder().encode('{') });
      expect.unreachable();
    } catch (e) {
      expect((e as KmsError).cause).toBeInstanceOf(SyntaxError);
    }
  });
});
