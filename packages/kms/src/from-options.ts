// The driver-shaped `kmsProviders` option (SPEC "kmsProviders") turned into providers: option
// shapes checked as libmongocrypt checks them (LMC `src/mongocrypt-opts.c`
// `_mongocrypt_parse_kms_providers`: required fields, "Unexpected field", no `{}` for named
// providers), `{}` mapped to on-demand credentials (SPEC "Automatic Credentials"). `local` entries
// are left to @fle-ts/keyvault. This is what keyvault's `KmsProviders` needs to build cloud providers.
import type { AwsCredentials } from './aws.js';
import type { AzureCredentials } from './azure.js';
import { KmsError } from './errors.js';
import type { GcpCredentials } from './gcp.js';
import { createKmipKmsProvider, type KmipExchange, type KmipKmsProvider } from './kmip-provider.js';
import { azureImdsCredentials, gcpMetadataCredentials, type MetadataTokenOptions } from './on-demand.js';
import {
  createAwsKmsProvider, createAzureKmsProvider, createGcpKmsProvider, type AccessTokenCredentials, type CredentialSource,
  type RemoteKmsOptions, type RemoteKmsProvider,
} from './providers.js';

/** Options of {@link remoteKmsProviders}. */
export interface RemoteProvidersOptions extends RemoteKmsOptions {
  /** SPEC `credentialProviders.aws`: asked when `kmsProviders.aws` is `{}` (e.g. `awsCredentialsFromEnv` wrapped, or an AWS SDK provider). */
  readonly credentialProviders?: { readonly aws?: () => Promise<AwsCredentials> };
  /** Options for Azure IMDS when `kmsProviders.azure` is `{}` (host, timeout, fetch). */
  readonly azureImds?: MetadataTokenOptions;
  /** Options for the GCP metadata server when `kmsProviders.gcp` is `{}`. */
  readonly gcpMetadata?: MetadataTokenOptions;
  /** The KMIP transport; required when a `kmip` entry is present. */
  readonly kmipExchange?: KmipExchange;
}

const TYPES = ['aws', 'azure', 'gcp', 'kmip', 'local'] as const;

function bad(id: string, message: string): KmsError {
  return new KmsError('KMS_BAD_OPTIONS', id, `kmsProviders['${id}']: ${message}`);
}

function fields(id: string, doc: Record<string, unknown>, allowed: readonly string[]): void {
  const extra = Object.keys(doc).find((k) => doc[k] !== undefined && !allowed.includes(k));
  if (extra !== undefined) throw bad(id, `Unexpected field: '${extra}'`);
}

function str(id: string, doc: Record<string, unknown>, field: string, required: true): string;
function str(id: string, doc: Record<string, unknown>, field: string, required: false): string | undefined;
function str(id: string, doc: Record<string, unknown>, field: string, required: boolean): string | undefined {
  const v = doc[field];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.length === 0) throw bad(id, `'${field}' must be a non-empty string`);
  return v;
}

/** Bytes from a Uint8Array (Node Buffers included), a bson Binary, or a base64 string. */
function bytesOrBase64(id: string, v: unknown): Uint8Array | string {
  if (typeof v === 'string' || v instanceof Uint8Array) return v;
  const b = v as { buffer?: unknown; position?: unknown } | null;
  if (b !== null && typeof b === 'object' && b.buffer instanceof Uint8Array && typeof b.position === 'number') return b.buffer.subarray(0, b.position);
  throw bad(id, "'privateKey' must be bytes, a BSON Binary or a base64 string");
}

/**
 * The providers for every aws/azure/gcp/kmip entry (named ones too) of a driver-shaped
 * `kmsProviders`, to hand to keyvault's `KmsProviders` beside its local ones. Throws KMS_BAD_OPTIONS
 * naming the entry for an unknown provider type, a bad name, a missing or unexpected field, `{}`
 * for a named provider, or a kmip entry without `kmipExchange`.
 */
export function remoteKmsProviders(kmsProviders: Readonly<Record<string, unknown>>, options: RemoteProvidersOptions = {}): Array<RemoteKmsProvider | KmipKmsProvider> {
  if (kmsProviders === null || typeof kmsProviders !== 'object') throw new KmsError('KMS_BAD_OPTIONS', '', 'kmsProviders must be an object like {aws: {...}, local: {...}}');
  const out: Array<RemoteKmsProvider | KmipKmsProvider> = [];
  for (const [id, value] of Object.entries(kmsProviders)) {
    if (value === undefined) continue;
    const colon = id.indexOf(':');
    const type = colon < 0 ? id : id.slice(0, colon);
    if (!(TYPES as readonly string[]).includes(type)) throw bad(id, `unknown KMS provider: expected aws, azure, gcp, kmip or local, optionally followed by ':<name>'`);
    if (colon >= 0 && !/^[a-zA-Z0-9_]+$/.test(id.slice(colon + 1))) throw bad(id, "the name after ':' must match [a-zA-Z0-9_]+");
    if (type === 'local') continue;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw bad(id, 'must be a document');
    const doc = value as Record<string, unknown>;
    const empty = Object.values(doc).every((v) => v === undefined);
    if (empty && colon >= 0) throw bad(id, 'Unexpected empty document for a named KMS provider: on-demand credentials are not supported for named KMS providers');
    if (type === 'aws') {
      let creds: CredentialSource<AwsCredentials>;
      if (empty) {
        const provider = options.credentialProviders?.aws;
        if (!provider) throw bad(id, 'is {} (on-demand credentials) but no credentialProviders.aws was given; pass one (e.g. awsCredentialChain({ env: process.env }): environment, ECS, EC2)');
        creds = provider;
      } else {
        fields(id, doc, ['accessKeyId', 'secretAccessKey', 'sessionToken']);
        const sessionToken = str(id, doc, 'sessionToken', false);
        creds = { accessKeyId: str(id, doc, 'accessKeyId', true), secretAccessKey: str(id, doc, 'secretAccessKey', true), ...(sessionToken ? { sessionToken } : {}) };
      }
      out.push(createAwsKmsProvider(id, creds, options));
    } else if (type === 'azure') {
      let creds: CredentialSource<AzureCredentials | AccessTokenCredentials>;
      if (empty) creds = azureImdsCredentials({ ...options.azureImds, ...(options.now ? { now: options.now } : {}) }, id);
      else if ('accessToken' in doc) {
        fields(id, doc, ['accessToken']);
        creds = { accessToken: str(id, doc, 'accessToken', true) };
      } else {
        fields(id, doc, ['tenantId', 'clientId', 'clientSecret', 'identityPlatformEndpoint']);
        const ep = str(id, doc, 'identityPlatformEndpoint', false);
        creds = { tenantId: str(id, doc, 'tenantId', true), clientId: str(id, doc, 'clientId', true), clientSecret: str(id, doc, 'clientSecret', true), ...(ep ? { identityPlatformEndpoint: ep } : {}) };
      }
      out.push(createAzureKmsProvider(id, creds, options));
    } else if (type === 'gcp') {
      let creds: CredentialSource<GcpCredentials | AccessTokenCredentials>;
      if (empty) creds = gcpMetadataCredentials({ ...options.gcpMetadata, ...(options.now ? { now: options.now } : {}) }, id);
      else if ('accessToken' in doc) {
        fields(id, doc, ['accessToken']);
        creds = { accessToken: str(id, doc, 'accessToken', true) };
      } else {
        fields(id, doc, ['email', 'privateKey', 'endpoint']);
        if (doc.privateKey === undefined) throw bad(id, "'privateKey' is required");
        const ep = str(id, doc, 'endpoint', false);
        creds = { email: str(id, doc, 'email', true), privateKey: bytesOrBase64(id, doc.privateKey), ...(ep ? { endpoint: ep } : {}) };
      }
      out.push(createGcpKmsProvider(id, creds, options));
    } else {
      fields(id, doc, ['endpoint']);
      const endpoint = str(id, doc, 'endpoint', true);
      if (!options.kmipExchange) throw bad(id, 'needs the kmipExchange option (mutual TLS; e.g. nodeKmipExchange from @fle-ts/kms/node)');
      out.push(createKmipKmsProvider(id, { exchange: options.kmipExchange, endpoint }));
    }
  }
  return out;
}
