// KMS endpoints as libmongocrypt reads them (LMC `src/mongocrypt-endpoint.c`,
// `_mongocrypt_endpoint_new`): an optional `scheme://`, a host that must contain a dot, an optional
// `:port`, and a path/query that are ignored for the request; the default port is 443
// (`_mongocrypt_apply_default_port`).
import { KmsError } from './errors.js';

/** A parsed endpoint. */
export interface KmsEndpoint {
  /** The host name without port. */
  readonly host: string;
  /** `host` or `host:port` as given (what libmongocrypt stores in key documents). */
  readonly hostAndPort: string;
  /** The TCP port to connect to (443 unless given). */
  readonly port: number;
}

/**
 * Parses `endpoint` for provider `provider`, naming `field` in errors. Throws KMS_BAD_OPTIONS for a
 * non-string, a host without a dot (unless `allowNoDot`: KMIP, LMC `allow_empty_subdomain`), or a
 * port that is not 1-65535.
 */
export function parseEndpoint(endpoint: unknown, provider: string, field: string, opts: { allowNoDot?: boolean } = {}): KmsEndpoint {
  if (typeof endpoint !== 'string' || endpoint.length === 0) {
    throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} must be a non-empty string like "kms.us-east-1.amazonaws.com" or "host:port"`);
  }
  const scheme = endpoint.indexOf('://');
  const rest = scheme >= 0 ? endpoint.slice(scheme + 3) : endpoint;
  const hostEnd = rest.search(/[:/?]/);
  const host = hostEnd < 0 ? rest : rest.slice(0, hostEnd);
  if (host.length === 0 || (!host.includes('.') && opts.allowNoDot !== true)) {
    throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} "${endpoint}" is invalid: expected a dot separator in the host`);
  }
  let port = 443;
  let hostAndPort = host;
  if (hostEnd >= 0 && rest[hostEnd] === ':') {
    const portText = rest.slice(hostEnd + 1).split(/[/?]/)[0]!;
    const n = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
    if (!(n >= 1 && n <= 65535)) {
      throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} "${endpoint}" has an invalid port: give 1-65535`);
    }
    port = n;
    hostAndPort = `${host}:${portText}`;
  }
  return { host, hostAndPort, port };
}
