// Typed errors of the KMS layer. Messages name the provider and say what to fix; they never hold
// credentials, tokens, key material or plaintext (helper rules "Errors"; issue 13 "Bad input").
import { FleError } from '@fle-ts/crypto-core';

/** Stable codes of {@link KmsError}; match on these, not on the message. */
export type KmsErrorCode =
  /** A provider option or masterKey field is missing or has the wrong type or shape. */
  | 'KMS_BAD_OPTIONS'
  /** The KMS answered with an HTTP status other than 200 (the message carries its error type). */
  | 'KMS_HTTP_ERROR'
  /** A 200 answer whose body is not the JSON the operation returns (bad JSON, missing field, bad base64). */
  | 'KMS_BAD_RESPONSE'
  /** The raw HTTP response bytes are malformed (status line, headers, Content-Length, chunks). */
  | 'KMS_BAD_HTTP'
  /** A KMIP server answered with a Result Status other than Success. */
  | 'KMS_KMIP_ERROR'
  /** The KMS could not be reached or the connection failed, after every retry. */
  | 'KMS_NETWORK'
  /** The KMS did not answer within the timeout, after every retry. */
  | 'KMS_TIMEOUT';

/** Every error of `@fle-ts/kms`: `provider` is the KMS provider id (`aws`, `aws:name`, ...) or `''`. */
export class KmsError extends FleError {
  declare readonly code: KmsErrorCode;
  readonly provider: string;
  /** The HTTP status of the KMS answer, for KMS_HTTP_ERROR; otherwise undefined. */
  readonly httpStatus: number | undefined;

  constructor(
    code: KmsErrorCode,
    provider: string,
    message: string,
    options?: { cause?: unknown; httpStatus?: number },
  ) {
    super(code, provider ? `KMS provider '${provider}': ${message}` : message, options);
    this.provider = provider;
    this.httpStatus = options?.httpStatus;
  }

  override get name(): 'KmsError' {
    return 'KmsError';
  }
}
