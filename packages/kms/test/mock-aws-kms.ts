// Test-only: a loopback mock of AWS KMS (plain HTTP on 127.0.0.1), after drivers-evergreen-tools'
// `kms_http_server.py` (qe-kms-vectors.md §B.6): it verifies each request's SigV4 signature with
// @smithy/signature-v4 for the credentials it knows, "encrypts" as "00SECRET" ‖ KeyId length ‖
// KeyId ‖ plaintext, and has fault modes for the error paths.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from './sha256-node.js';

export type Fault = 'none' | 'http500' | 'badJson' | 'missingField' | 'badBase64' | 'errorJson' | 'hang';

export interface MockRequest {
  target: string;
  rawHeaders: string[];
  body: string;
  signatureValid: boolean;
}

export interface MockAwsKms {
  readonly port: number;
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

/** Starts the mock; `credentials` maps access key ids to secrets it accepts. */
export async function startMockAwsKms(credentials: Record<string, string>): Promise<MockAwsKms> {
  const secrets = new Map(Object.entries(credentials));
  const requests: MockRequest[] = [];
  let fault: Fault = 'none';
  let faultsLeft = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const target = String(req.headers['x-amz-target'] ?? '');
        const signatureValid = await verify(req, body, secrets);
        requests.push({ target, rawHeaders: req.rawHeaders, body, signatureValid });
        const send = (status: number, payload: string): void => {
          res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(payload) });
          res.end(payload);
        };
        const current = faultsLeft > 0 ? fault : 'none';
        if (faultsLeft > 0) faultsLeft--;
        if (current === 'hang') return; // never answers
        if (current === 'http500') return send(500, '{"__type":"KMSInternalException","message":"mock internal error"}');
        if (current === 'badJson') return send(200, 'BADJSON');
        if (current === 'errorJson') return send(400, '{"__type":"InvalidCiphertextException","message":"mock: ciphertext invalid"}');
        if (!signatureValid) {
          return send(400, '{"__type":"InvalidSignatureException","message":"The request signature we calculated does not match the signature you provided."}');
        }
        let json: Record<string, string>;
        try {
          json = JSON.parse(body) as Record<string, string>;
        } catch {
          return send(400, '{"__type":"SerializationException","message":"bad request JSON"}');
        }
        if (target === 'TrentService.Encrypt') {
          const keyId = new TextEncoder().encode(json.KeyId ?? '');
          const blob = Buffer.concat([PREFIX, Buffer.from([keyId.length]), keyId, Buffer.from(json.Plaintext ?? '', 'base64')]);
          if (current === 'missingField') return send(200, JSON.stringify({ KeyId: json.KeyId }));
          return send(200, JSON.stringify({ KeyId: json.KeyId, CiphertextBlob: current === 'badBase64' ? 'A' : blob.toString('base64') }));
        }
        if (target === 'TrentService.Decrypt') {
          const blob = Buffer.from(json.CiphertextBlob ?? '', 'base64');
          if (!blob.subarray(0, PREFIX.length).equals(Buffer.from(PREFIX))) {
            return send(400, '{"__type":"InvalidCiphertextException","message":"not a mock ciphertext"}');
          }
          const n = blob[PREFIX.length]!;
          const keyId = blob.subarray(PREFIX.length + 1, PREFIX.length + 1 + n).toString('utf8');
          const plaintext = blob.subarray(PREFIX.length + 1 + n);
          if (current === 'missingField') return send(200, JSON.stringify({ KeyId: keyId }));
          return send(200, JSON.stringify({ KeyId: keyId, Plaintext: current === 'badBase64' ? 'A' : plaintext.toString('base64') }));
        }
        return send(400, `{"__type":"UnknownOperationException","message":"mock: no operation ${JSON.stringify(target)}"}`);
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
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
