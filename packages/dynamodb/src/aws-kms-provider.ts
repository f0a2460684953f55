// AwsKmsCryptographicMaterialsProvider (Python material_providers/aws_kms.py, Java
// DirectKmsMaterialProvider): one AWS KMS GenerateDataKey per item written and one Decrypt per item
// read, bound by a KMS encryption context (table name, key attribute values, algorithms); the
// encryption and HMAC keys are HKDF-SHA-256 of the data key ("Encryption" / "Signing").
// Requests are signed with @fle-ts/kms's SigV4 and sent with its fetch transport.
import {
  parseEndpoint,
  sendKmsRequest,
  signSigV4,
  type AwsCredentials,
  type KmsHttpRequest,
  type KmsHttpResponse,
  type KmsTransportOptions,
} from '@fle-ts/kms';
import { attributeEntry, type AttributeValue } from './attribute-value.js';
import { fromBase64, toBase64 } from './base64.js';
import { fromUtf8, utf8 } from './bytes.js';
import { JceNameLocalDelegatedKey } from './delegated-key.js';
import { DynamoDbEncryptionError } from './errors.js';
import { hkdfSha256 } from './hkdf.js';
import { MaterialDescriptionKeys, type MaterialDescription } from './material-description.js';
import type { CryptographicMaterialsProvider, DecryptionMaterials, EncryptionContext, EncryptionMaterials } from './materials.js';

const DEFAULT_CONTENT = 'AES/256';
const DEFAULT_SIGNING = 'HmacSHA256/256';
const COVERED_ATTR_KEY = 'aws-kms-ec-attr';
const TABLE_NAME_EC_KEY = '*aws-kms-table*';
const KMS_WRAP_ALG = 'kms';

/** Options of {@link AwsKmsCryptographicMaterialsProvider}. */
export interface AwsKmsProviderOptions extends KmsTransportOptions {
  /** The CMK: key ARN, alias ARN, key id or alias. */
  readonly keyId: string;
  /** Region; default: the region in `keyId` when it is an ARN. */
  readonly region?: string;
  /** AWS credentials, or a function that returns them (called per request, e.g. to refresh). */
  readonly credentials: AwsCredentials | (() => Promise<AwsCredentials>);
  /** `host[:port]` instead of `kms.<region>.amazonaws.com`. */
  readonly endpoint?: string;
  readonly grantTokens?: readonly string[];
  /** May set `amzn-ddb-env-alg` (default AES/256) and `amzn-ddb-sig-alg` (default HmacSHA256/256). */
  readonly materialDescription?: MaterialDescription;
}

/** "AES/256" → {algorithm 'AES', 32 bytes} (Python KeyInfo.from_description, default length 256). */
function keyInfo(description: string, allowed: string): { algorithm: string; bytes: number } {
  const [algorithm, bits = '256'] = description.split('/', 2);
  const n = Number(bits);
  if (algorithm !== allowed || !Number.isInteger(n) || n <= 0 || n % 8 !== 0 || (allowed === 'AES' && ![128, 192, 256].includes(n))) {
    throw new DynamoDbEncryptionError('DDB_UNSUPPORTED_ALGORITHM', `key description '${description.slice(0, 40)}' is not supported here; use ${allowed}/<bits>`);
  }
  return { algorithm, bytes: n / 8 };
}

/** A key attribute's value in the KMS encryption context: S and N as is, B as base64. */
function contextValue(value: AttributeValue, name: string): string {
  const [type, v] = attributeEntry(value, `key attribute '${name}'`);
  if (type === 'S' || type === 'N') return v as string;
  if (type === 'B') return toBase64(v as Uint8Array);
  throw new DynamoDbEncryptionError('DDB_BAD_CONTEXT', `key attribute '${name}' has type ${type}; only S, N and B can go into the KMS encryption context`);
}

function kmsFailed(what: string, cause?: unknown): DynamoDbEncryptionError {
  return new DynamoDbEncryptionError('DDB_KMS_FAILED', what, cause === undefined ? undefined : { cause });
}

/** Direct AWS KMS materials: a KMS data key per item; needs AWS KMS for every read and write. */
export class AwsKmsCryptographicMaterialsProvider implements CryptographicMaterialsProvider {
  readonly #o: AwsKmsProviderOptions;
  readonly #region: string;
  readonly #content: string;
  readonly #signing: string;

  constructor(options: AwsKmsProviderOptions) {
    if (typeof options?.keyId !== 'string' || options.keyId === '') throw new DynamoDbEncryptionError('DDB_BAD_KEY', 'AwsKmsCryptographicMaterialsProvider needs a keyId (CMK ARN, alias or id)');
    const region = options.region ?? (options.keyId.startsWith('arn:') ? options.keyId.split(':')[3] : undefined);
    if (!region) throw new DynamoDbEncryptionError('DDB_BAD_KEY', 'no region: pass the region option, or a keyId that is an ARN');
    this.#o = options;
    this.#region = region;
    this.#content = options.materialDescription?.[MaterialDescriptionKeys.CONTENT_ENCRYPTION_ALGORITHM] ?? DEFAULT_CONTENT;
    this.#signing = options.materialDescription?.[MaterialDescriptionKeys.ITEM_SIGNATURE_ALGORITHM] ?? DEFAULT_SIGNING;
    keyInfo(this.#content, 'AES');
    keyInfo(this.#signing, 'HmacSHA256');
  }

  /** The KMS encryption context of an item (Python `_kms_encryption_context`). */
  #kmsContext(ctx: EncryptionContext, content: string | undefined, signing: string | undefined): Record<string, string> {
    const out: Record<string, string> = {};
    if (content !== undefined) out[`*${MaterialDescriptionKeys.CONTENT_ENCRYPTION_ALGORITHM}*`] = content;
    if (signing !== undefined) out[`*${MaterialDescriptionKeys.ITEM_SIGNATURE_ALGORITHM}*`] = signing;
    for (const name of [ctx.partitionKeyName, ctx.sortKeyName]) {
      const value = name === undefined ? undefined : ctx.attributes?.[name];
      if (name !== undefined && value !== undefined) Object.defineProperty(out, name, { value: contextValue(value, name), enumerable: true, writable: true, configurable: true });
    }
    if (ctx.tableName !== undefined) out[TABLE_NAME_EC_KEY] = ctx.tableName;
    return out;
  }

  async #call(target: 'GenerateDataKey' | 'Decrypt', body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const o = this.#o;
    const credentials = typeof o.credentials === 'function' ? await o.credentials() : o.credentials;
    let res: KmsHttpResponse;
    try {
      const endpoint = parseEndpoint(o.endpoint ?? `kms.${this.#region}.amazonaws.com`, 'aws', o.endpoint ? 'endpoint' : 'region');
      const text = JSON.stringify(body);
      const headers: [string, string][] = [
        ['Content-Type', 'application/x-amz-json-1.1'],
        ['X-Amz-Target', `TrentService.${target}`],
        ['Host', endpoint.port === 443 ? endpoint.host : endpoint.hostAndPort],
      ];
      if (credentials.sessionToken !== undefined) headers.push(['X-Amz-Security-Token', credentials.sessionToken]);
      const signed = signSigV4({
        method: 'POST',
        pathAndQuery: '/',
        headers,
        body: text,
        region: this.#region,
        service: 'kms',
        accessKeyId: credentials.accessKeyId,
        secretAccessKey: credentials.secretAccessKey,
        date: new Date(),
      });
      const req: KmsHttpRequest = { provider: 'aws', host: endpoint.host, port: endpoint.port, method: 'POST', path: '/', headers: signed.headers, body: utf8(text), bytes: signed.request };
      res = await sendKmsRequest(req, o);
    } catch (cause) {
      throw kmsFailed(`AWS KMS ${target} request failed: ${(cause as Error).message ?? 'unknown error'}`, cause);
    }
    let json: Record<string, unknown> | undefined;
    try {
      const parsed: unknown = JSON.parse(fromUtf8(res.body, 'the AWS KMS answer'));
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
    } catch {
      json = undefined;
    }
    if (res.status !== 200) {
      const type = typeof json?.__type === 'string' ? json.__type.slice(0, 80) : 'no error type';
      throw kmsFailed(`AWS KMS ${target} answered HTTP ${res.status} (${type}): check the credentials, key, region, and that the item's table, key attributes and material description are unchanged`);
    }
    if (!json) throw kmsFailed(`AWS KMS ${target} answered 200 without a JSON object`);
    return json;
  }

  /** Derives the AES content key and the HMAC key from a KMS data key (HKDF-SHA-256). */
  #derive(dataKey: Uint8Array, content: string, signing: string): { enc: JceNameLocalDelegatedKey; mac: JceNameLocalDelegatedKey } {
    const c = keyInfo(content, 'AES');
    const s = keyInfo(signing, 'HmacSHA256');
    const encBytes = hkdfSha256(dataKey, utf8('Encryption'), c.bytes);
    const macBytes = hkdfSha256(dataKey, utf8('Signing'), s.bytes);
    dataKey.fill(0);
    const keys = { enc: new JceNameLocalDelegatedKey(encBytes, 'AES', 'SYMMETRIC'), mac: new JceNameLocalDelegatedKey(macBytes, 'HmacSHA256', 'SYMMETRIC') };
    encBytes.fill(0);
    macBytes.fill(0);
    return keys;
  }

  /** GenerateDataKey under the CMK, bound to this item's KMS encryption context. */
  async encryptionMaterials(context: EncryptionContext): Promise<EncryptionMaterials> {
    const json = await this.#call('GenerateDataKey', {
      KeyId: this.#o.keyId,
      NumberOfBytes: 32,
      EncryptionContext: this.#kmsContext(context, this.#content, this.#signing),
      ...(this.#o.grantTokens?.length ? { GrantTokens: this.#o.grantTokens } : {}),
    });
    if (typeof json.Plaintext !== 'string' || typeof json.CiphertextBlob !== 'string') throw kmsFailed('AWS KMS GenerateDataKey answer lacks Plaintext or CiphertextBlob');
    const { enc, mac } = this.#derive(fromBase64(json.Plaintext, 'KMS Plaintext'), this.#content, this.#signing);
    return {
      encryptionKey: enc,
      signingKey: mac,
      materialDescription: {
        ...(context.materialDescription ?? {}),
        [COVERED_ATTR_KEY]: '*keys*',
        [MaterialDescriptionKeys.CONTENT_KEY_WRAPPING_ALGORITHM]: KMS_WRAP_ALG,
        [MaterialDescriptionKeys.CONTENT_ENCRYPTION_ALGORITHM]: this.#content,
        [MaterialDescriptionKeys.ITEM_SIGNATURE_ALGORITHM]: this.#signing,
        [MaterialDescriptionKeys.WRAPPED_DATA_KEY]: toBase64(fromBase64(json.CiphertextBlob, 'KMS CiphertextBlob')),
      },
    };
  }

  /** Decrypt of the item's `amzn-ddb-env-key` with the same KMS encryption context. */
  async decryptionMaterials(context: EncryptionContext): Promise<DecryptionMaterials> {
    const desc = context.materialDescription ?? {};
    const blob = desc[MaterialDescriptionKeys.WRAPPED_DATA_KEY];
    if (blob === undefined) throw new DynamoDbEncryptionError('DDB_BAD_MATERIAL_DESCRIPTION', `the material description has no '${MaterialDescriptionKeys.WRAPPED_DATA_KEY}': the item was not written by a KMS provider`);
    const content = desc[MaterialDescriptionKeys.CONTENT_ENCRYPTION_ALGORITHM];
    const signing = desc[MaterialDescriptionKeys.ITEM_SIGNATURE_ALGORITHM];
    const json = await this.#call('Decrypt', {
      CiphertextBlob: toBase64(fromBase64(blob, `'${MaterialDescriptionKeys.WRAPPED_DATA_KEY}'`)),
      EncryptionContext: this.#kmsContext(context, content, signing),
      ...(this.#o.grantTokens?.length ? { GrantTokens: this.#o.grantTokens } : {}),
    });
    if (typeof json.Plaintext !== 'string') throw kmsFailed('AWS KMS Decrypt answer lacks Plaintext');
    const { enc, mac } = this.#derive(fromBase64(json.Plaintext, 'KMS Plaintext'), content ?? DEFAULT_CONTENT, signing ?? DEFAULT_SIGNING);
    return { decryptionKey: enc, verificationKey: mac, materialDescription: desc };
  }
}
