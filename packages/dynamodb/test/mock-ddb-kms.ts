// Test-only: a loopback AWS KMS for the direct KMS provider (GenerateDataKey, Decrypt). It checks
// each request's SigV4 signature with @smithy/signature-v4 (independent of @fle-ts/kms's signer),
// and, as AWS KMS does, refuses a Decrypt whose EncryptionContext differs from the one the data key
// was generated under (InvalidCiphertextException). Serves fle-ts and the Python client alike.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { NodeSha256 } from '../../kms/test/sha256-node.js';

export interface MockKmsCall {
  target: string;
  signatureValid: boolean;
  body: Record<string, unknown>;
}

export interface MockDdbKms {
  readonly endpoint: string;
  readonly calls: MockKmsCall[];
  /** The data key (plaintext) behind a CiphertextBlob (base64). */
  dataKey(blob: string): Buffer | undefined;
  close(): Promise<void>;
}

async function signatureValid(req: IncomingMessage, body: string, accessKeyId: string, secret: string): Promise<boolean> {
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(req.headers.authorization ?? '');
  if (!m || m[1] !== accessKeyId) return false;
  const names = new Set(m[5]!.split(';'));
  const headers: Record<string, string> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const n = req.rawHeaders[i]!.toLowerCase();
    if (names.has(n) && n !== 'x-amz-date') headers[n] = req.rawHeaders[i + 1]!;
  }
  const d = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(req.headers['x-amz-date'] ?? ''));
  if (!d) return false;
  const signingDate = new Date(Date.UTC(+d[1]!, +d[2]! - 1, +d[3]!, +d[4]!, +d[5]!, +d[6]!));
  const signer = new SignatureV4({ service: m[4]!, region: m[3]!, sha256: NodeSha256, applyChecksum: false, credentials: { accessKeyId, secretAccessKey: secret } });
  const signed = (await signer.sign({ method: req.method!, protocol: 'http:', hostname: headers.host ?? '', path: req.url ?? '/', query: {}, headers, body }, { signingDate })) as { headers: Record<string, string> };
  return signed.headers.authorization === req.headers.authorization;
}

const canonical = (ec: unknown): string => JSON.stringify(Object.entries((ec ?? {}) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Starts the mock on 127.0.0.1, accepting one access key. */
export async function startMockDdbKms(accessKeyId: string, secret: string): Promise<MockDdbKms> {
  const keys = new Map<string, { plaintext: Buffer; ec: string; keyId: string }>();
  const calls: MockKmsCall[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const target = String(req.headers['x-amz-target'] ?? '');
        const body = JSON.parse(text || '{}') as Record<string, unknown>;
        const ok = await signatureValid(req, text, accessKeyId, secret);
        calls.push({ target, signatureValid: ok, body });
        const reply = (status: number, payload: unknown): void => {
          const s = JSON.stringify(payload);
          res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1', 'Content-Length': Buffer.byteLength(s) });
          res.end(s);
        };
        if (!ok) return reply(400, { __type: 'InvalidSignatureException', message: 'mock: bad SigV4 signature' });
        if (target === 'TrentService.GenerateDataKey') {
          const plaintext = randomBytes(Number(body.NumberOfBytes ?? 32));
          const blob = randomBytes(48).toString('base64');
          keys.set(blob, { plaintext, ec: canonical(body.EncryptionContext), keyId: String(body.KeyId) });
          return reply(200, { CiphertextBlob: blob, Plaintext: plaintext.toString('base64'), KeyId: body.KeyId });
        }
        if (target === 'TrentService.Decrypt') {
          const k = keys.get(String(body.CiphertextBlob));
          if (!k || k.ec !== canonical(body.EncryptionContext)) return reply(400, { __type: 'InvalidCiphertextException' });
          return reply(200, { Plaintext: k.plaintext.toString('base64'), KeyId: k.keyId });
        }
        return reply(400, { __type: 'UnknownOperationException' });
      })();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `127.0.0.1:${port}`,
    calls,
    dataKey: (blob) => keys.get(blob)?.plaintext,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
