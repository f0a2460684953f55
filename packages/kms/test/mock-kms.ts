// Test-only: a loopback mock of AWS KMS, Azure Key Vault + identity platform and Google Cloud KMS +
// OAuth on one port (plain HTTP on 127.0.0.1), after drivers-evergreen-tools' `kms_http_server.py`
// and `kms_failpoint_server.py` (qe-kms-vectors.md §B.6): routed by X-Amz-Target and path. It checks
// what it receives (AWS SigV4 recomputed with @smithy/signature-v4; the Azure client credentials
// and scope; the GCP jwt-bearer assertion's RS256 signature with node:crypto and its claims;
// bearer tokens), "encrypts" as "00SECRET" ‖ key-id length ‖ key id ‖ plaintext, and has fault
// modes: the next N requests fail (500, bad JSON, missing field, bad base64, error JSON, a dropped
// connection, no answer).
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from './sha256-node.js';

export type Fault = 'none' | 'http500' | 'badJson' | 'missingField' | 'badBase64' | 'errorJson' | 'hang' | 'network' | 'truncated';

export interface MockRequest {
  /** `TrentService.Encrypt`, `azure-token`, `azure-wrapkey`, `gcp-token`, `gcp-encrypt`, ... */
  target: string;
  rawHeaders: string[];
  body: string;
  signatureValid: boolean;
}

/** What the mock accepts. */
export interface MockCredentials {
  /** AWS access key id -> secret. */
  aws?: Record<string, string>;
  /**
   * AWS access key id -> the session token its temporary credentials must carry: a request from
   * that key without it, or with another, gets UnrecognizedClientException (as AWS answers).
   */
  awsSessionTokens?: Record<string, string>;
  azure?: { tenantId: string; clientId: string; clientSecret: string };
  /** The service account email and the SPKI DER of its public key. */
  gcp?: { email: string; publicKeySpki: Uint8Array };
}

export interface MockKms {
  readonly port: number;
  /** Serves `body` at GET `path` (a page and script for a browser test, same origin as the KMS). */
  serve(path: string, contentType: string, body: string): void;
  readonly requests: MockRequest[];
  /** Fault for the next `faultCount` requests (then none). */
  fault(kind: Fault, count?: number): void;
  close(): Promise<void>;
}

const PREFIX = new TextEncoder().encode('00SECRET');

async function verify(req: IncomingMessage, body: string, secrets: ReadonlyMap<string, string>): Promise<boolean> {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(auth);
  if (!m) return false;
  const [, akid, , region, service, signedHeaders] = m;
  const secret = secrets.get(akid!);
  if (secret === undefined) return false;
  const names = new Set(signedHeaders!.split(';'));
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const n = req.rawHeaders[i]!.toLowerCase();
    if (names.has(n) && n !== 'x-amz-date') headers[n] = headers[n] === undefined ? req.rawHeaders[i + 1]! : `${headers[n]},${req.rawHeaders[i + 1]}`;
  }
  const amzDate = String(req.headers['x-amz-date'] ?? '');
  const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!d) return false;
  const signingDate = new Date(Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +d[4]!, +d[5]!, +d[6]!));
  const token = headers['x-amz-security-token'];
  const signer = new SignatureV4({
    service: service!, region: region!, sha256: NodeSha256, applyChecksum: false,
    credentials: token === undefined ? { accessKeyId: akid!, secretAccessKey: secret } : { accessKeyId: akid!, secretAccessKey: secret, sessionToken: token },
  });
  const signed = (await signer.sign(
    { method: req.method!, protocol: 'http:', hostname: headers.host ?? '', path: req.url ?? '/', query: {}, headers, body },
    { signingDate },
  )) as { headers: Record<string, string> };
  return signed.headers.authorization === auth;
}

const TOKEN_LIFETIME_S = 3599;

function b64url(s: string): Buffer {
  return Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Starts the mock on 127.0.0.1 with the credentials it accepts. */
export async function startMockKms(credentials: MockCredentials): Promise<MockKms> {
  const secrets = new Map(Object.entries(credentials.aws ?? {}));
  const tokens = new Set<string>();
  let tokenCounter = 0;
  const requests: MockRequest[] = [];
  let fault: Fault = 'none';
  let faultsLeft = 0;
  const newToken = (kind: string): string => {
    const t = `${kind}-token-${++tokenCounter}`;
    tokens.add(t);
    return t;
  };
  const pages = new Map<string, { contentType: string; body: string }>();
  const server: Server = createServer((req, res) => {
    const page = req.method === 'GET' ? pages.get(req.url ?? '') : undefined;
    if (page) {
      res.writeHead(200, { 'Content-Type': page.contentType });
      res.end(page.body);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const path = req.url ?? '/';
        const amzTarget = req.headers['x-amz-target'];
        const target = typeof amzTarget === 'string' ? amzTarget
          : /\/oauth2\/v2\.0\/token$/.test(path) ? 'azure-token'
            : path === '/token' ? 'gcp-token'
              : /\/wrapkey\?/.test(path) ? 'azure-wrapkey' : /\/unwrapkey\?/.test(path) ? 'azure-unwrapkey'
                : /:encrypt$/.test(path) ? 'gcp-encrypt' : /:decrypt$/.test(path) ? 'gcp-decrypt' : `unknown ${path}`;
        // Azure IMDS as drivers-evergreen-tools' fake_azure.py plays it (SPEC prose test 18; the
        // resource with or without the trailing slash, which the Node driver leaves out), and the
        // GCP metadata server: plain GETs that hand out bearer tokens this mock then accepts.
        if (path.startsWith('/metadata/identity/oauth2/token') || path === '/computeMetadata/v1/instance/service-accounts/default/token') {
          const azure = path.startsWith('/metadata/');
          const u = new URL(path, 'http://x');
          const okRequest = req.method === 'GET' && (azure
            ? req.headers.metadata === 'true' && u.searchParams.get('api-version') === '2018-02-01' && ['https://vault.azure.net/', 'https://vault.azure.net'].includes(u.searchParams.get('resource') ?? '')
            : req.headers['metadata-flavor'] === 'Google');
          requests.push({ target: azure ? 'azure-imds' : 'gcp-metadata', rawHeaders: req.rawHeaders, body, signatureValid: okRequest });
          const params = new URLSearchParams(String(req.headers['x-mongodb-http-testparams'] ?? ''));
          const reply = (status: number, payload: string): void => {
            res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
            res.end(payload);
          };
          if (!okRequest) return reply(400, '{"error":"invalid_request","error_description":"mock: Metadata header or query missing"}');
          switch (params.get('case')) {
            case 'empty-json': return reply(200, '{}');
            case 'bad-json': return reply(200, '{"access-token":');
            case '404': return reply(404, '');
            case '500': return reply(500, 'Internal Server Error');
            case 'slow': return; // never answers
            default: {
              tokens.add('magic-cookie');
              return reply(200, JSON.stringify({ access_token: 'magic-cookie', expires_in: azure ? '70' : 70, token_type: 'Bearer', ...(azure ? { resource: 'https://vault.azure.net' } : {}) }));
            }
          }
        }
        let signatureValid = false;
        if (typeof amzTarget === 'string') signatureValid = await verify(req, body, secrets);
        else if (target === 'azure-token') {
          const form = new URLSearchParams(body);
          const a = credentials.azure;
          signatureValid = a !== undefined && path === `/${a.tenantId}/oauth2/v2.0/token` && form.get('client_id') === a.clientId &&
            form.get('client_secret') === a.clientSecret && form.get('grant_type') === 'client_credentials' && /^https:\/\/[^/]+\/\.default$/.test(form.get('scope') ?? '');
        } else if (target === 'gcp-token') {
          const form = new URLSearchParams(body);
          const [h, c, sig] = (form.get('assertion') ?? '').split('.');
          const g = credentials.gcp;
          if (g && h && c && sig && form.get('grant_type') === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
            const claims = JSON.parse(b64url(c).toString('utf8')) as Record<string, unknown>;
            const key = createPublicKey({ key: Buffer.from(g.publicKeySpki), format: 'der', type: 'spki' });
            signatureValid = verifySignature('sha256', Buffer.from(`${h}.${c}`), key, b64url(sig)) && claims.iss === g.email &&
              typeof claims.iat === 'number' && claims.exp === claims.iat + 300 && typeof claims.aud === 'string' && typeof claims.scope === 'string';
          }
        } else {
          const auth = req.headers.authorization ?? '';
          signatureValid = auth.startsWith('Bearer ') && tokens.has(auth.slice(7));
        }
        requests.push({ target, rawHeaders: req.rawHeaders, body, signatureValid });
        const send = (status: number, payload: string): void => {
          res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload) });
          res.end(payload);
        };
        const current = faultsLeft > 0 ? fault : 'none';
        if (faultsLeft > 0) faultsLeft--;
        if (current === 'hang') return; // never answers
        if (current === 'network') {
          req.socket.destroy();
          return;
        }
        if (current === 'truncated') {
          // Announces 100 bytes, sends 10, closes: the answer is cut short.
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': 100 });
          res.write('{"Ciphert');
          res.socket?.destroy();
          return;
        }
        if (current === 'http500') return send(500, '{"__type":"KMSInternalException","message":"mock internal error"}');
        if (current === 'badJson') return send(200, 'BADJSON');
        if (current === 'errorJson') return send(400, '{"__type":"InvalidCiphertextException","message":"mock: ciphertext invalid"}');
        if (typeof amzTarget === 'string' && signatureValid) {
          const akid = /Credential=([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
          const want = credentials.awsSessionTokens?.[akid];
          if (want !== undefined && req.headers['x-amz-security-token'] !== want) {
            return send(400, '{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}');
          }
        }
        if (!signatureValid) {
          if (typeof amzTarget === 'string') {
            return send(400, '{"__type":"InvalidSignatureException","message":"The request signature we calculated does not match the signature you provided."}');
          }
          if (target.endsWith('-token')) return send(400, '{"error":"invalid_client","error_description":"mock: bad client credentials or assertion"}');
          return send(401, '{"error":{"code":"Unauthorized","message":"mock: bad bearer token"}}');
        }
        if (target === 'azure-token' || target === 'gcp-token') {
          if (current === 'missingField') return send(200, '{"token_type":"Bearer"}');
          return send(200, JSON.stringify({ token_type: 'Bearer', expires_in: TOKEN_LIFETIME_S, access_token: newToken(target) }));
        }
        let json: Record<string, string>;
        try {
          json = JSON.parse(body) as Record<string, string>;
        } catch {
          return send(400, '{"__type":"SerializationException","message":"bad request JSON"}');
        }
        const wrapped = (keyId: string, plaintext: Buffer): Buffer => {
          const id = Buffer.from(keyId, 'utf8');
          return Buffer.concat([Buffer.from(PREFIX), Buffer.from([id.length]), id, plaintext]);
        };
        const unwrapped = (blob: Buffer): { keyId: string; plaintext: Buffer } | undefined => {
          if (!blob.subarray(0, PREFIX.length).equals(Buffer.from(PREFIX))) return undefined;
          const n = blob[PREFIX.length]!;
          return { keyId: blob.subarray(PREFIX.length + 1, PREFIX.length + 1 + n).toString('utf8'), plaintext: blob.subarray(PREFIX.length + 1 + n) };
        };
        const field = (name: string, value: Buffer, encoding: 'base64' | 'base64url', extra: Record<string, string>): void => {
          if (current === 'missingField') return send(200, JSON.stringify(extra));
          return send(200, JSON.stringify({ ...extra, [name]: current === 'badBase64' ? 'A' : value.toString(encoding) }));
        };
        if (target === 'TrentService.Encrypt') {
          return field('CiphertextBlob', wrapped(json.KeyId ?? '', Buffer.from(json.Plaintext ?? '', 'base64')), 'base64', { KeyId: json.KeyId ?? '' });
        }
        if (target === 'TrentService.Decrypt') {
          const u = unwrapped(Buffer.from(json.CiphertextBlob ?? '', 'base64'));
          if (!u) return send(400, '{"__type":"InvalidCiphertextException","message":"not a mock ciphertext"}');
          return field('Plaintext', u.plaintext, 'base64', { KeyId: u.keyId });
        }
        const keyPath = path.replace(/\/(wrapkey|unwrapkey)\?.*$|:(encrypt|decrypt)$/, '');
        if (target === 'azure-wrapkey') return field('value', wrapped(keyPath, b64url(json.value ?? '')), 'base64url', { kid: keyPath });
        if (target === 'gcp-encrypt') return field('ciphertext', wrapped(keyPath, Buffer.from(json.plaintext ?? '', 'base64')), 'base64', { name: keyPath });
        if (target === 'azure-unwrapkey' || target === 'gcp-decrypt') {
          const u = unwrapped(target === 'azure-unwrapkey' ? b64url(json.value ?? '') : Buffer.from(json.ciphertext ?? '', 'base64'));
          if (!u || u.keyId !== keyPath) return send(400, '{"error":{"code":400,"message":"mock: wrong key or not a mock ciphertext","status":"INVALID_ARGUMENT"}}');
          return target === 'azure-unwrapkey' ? field('value', u.plaintext, 'base64url', { kid: keyPath }) : field('plaintext', u.plaintext, 'base64', {});
        }
        return send(404, `{"__type":"UnknownOperationException","message":"mock: no operation ${JSON.stringify(target)}"}`);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    serve(path, contentType, body) {
      pages.set(path, { contentType, body });
    },
    fault(kind, count = 1) {
      fault = kind;
      faultsLeft = count;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** The AWS-only mock (the same server with AWS credentials only). */
export function startMockAwsKms(aws: Record<string, string>): Promise<MockKms> {
  return startMockKms({ aws });
}

export type MockAwsKms = MockKms;
