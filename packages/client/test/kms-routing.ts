// Test-only: the KMS "world" the spec's unified tests expect, played offline.
// - `routeToMock(port)`: a FetchLike (on node:http, which, unlike fetch, may send the original Host
//   header the SigV4 signature covers) that sends every request for the real KMS hosts to the
//   kms package's verifying loopback mock, as a fake cloud account: AWS keys exist in us-east-1
//   only, Azure vaults and GCP key rings named `invalid-*` do not exist (DNS failure / 404).
// - `startFakeKmsAccount(label)`: that mock with the fake account's credentials and tokens, and
//   the `$$placeholder` filler both unified runners (fle-ts's and the driver's) use.
// - `fakeKmipExchange()`: an in-memory KMIP server (Register, Activate, Get, Create, Encrypt,
//   Decrypt) for the kmip provider, with secrets that can be pre-registered under a keyId.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { parseProviderId } from '@fle-ts/keyvault';
import { azureImdsToken, decodeTtlv, encodeTtlv, gcpMetadataToken, KmipTag, ttlv, type FetchLike, type KmipExchange, type TtlvItem } from '@fle-ts/kms';
import { startMockKms, type MockKms } from '../../kms/test/mock-kms.js';
import { readVectorBytes } from '../../kms/test/vectors.js';

type FetchInit = Parameters<FetchLike>[1];

function answer(status: number, body: string): Awaited<ReturnType<FetchLike>> {
  const bytes = new TextEncoder().encode(body);
  return { status, arrayBuffer: async () => bytes.buffer.slice(0) as ArrayBuffer };
}

/** A FetchLike that routes the real KMS hosts to the mock on 127.0.0.1:`port`; `log` gets each host. */
export function routeToMock(port: number, log: string[] = []): FetchLike {
  return async (url: string, init: FetchInit) => {
    const u = new URL(url);
    log.push(u.host);
    const body = init.body ? new TextDecoder().decode(init.body) : '';
    const aws = /^kms\.([a-z0-9-]+)\.amazonaws\.com$/.exec(u.hostname);
    if (aws && aws[1] !== 'us-east-1') return answer(400, '{"__type":"NotFoundException","message":"fake account: no keys in this region"}');
    if (aws && /"KeyId"/.test(body)) {
      const keyId = (JSON.parse(body) as { KeyId: string }).KeyId;
      if (!keyId.startsWith('arn:aws:kms:us-east-1:')) return answer(400, '{"__type":"NotFoundException","message":"fake account: no such key"}');
    }
    if (/^invalid/.test(u.hostname)) throw new TypeError('fetch failed: getaddrinfo ENOTFOUND');
    if (/keyRings\/invalid/.test(u.pathname)) return answer(404, '{"error":{"code":404,"message":"fake account: key ring not found","status":"NOT_FOUND"}}');
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method: init.method, path: u.pathname + u.search, headers: { ...init.headers, host: u.host, 'content-length': String(init.body?.length ?? 0) } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const b = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, arrayBuffer: async () => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      init.signal.addEventListener('abort', () => req.destroy(new Error('aborted')));
      req.end(init.body ? Buffer.from(init.body) : undefined);
    });
  };
}

const OP = { Create: 1, Register: 3, Get: 10, Activate: 18, Encrypt: 31, Decrypt: 32 } as const;

function find(items: readonly TtlvItem[], tag: number): TtlvItem | undefined {
  for (const i of items) {
    if (i.tag === tag) return i;
    if (i.type === 0x01) {
      const hit = find(i.items, tag);
      if (hit) return hit;
    }
  }
  return undefined;
}

function value<T>(items: readonly TtlvItem[], tag: number): T {
  const i = find(items, tag);
  if (!i || i.type === 0x01) throw new Error(`fake KMIP: request lacks tag ${tag.toString(16)}`);
  return i.value as T;
}

/** An in-memory KMIP server: `secrets` (keyId -> 96 bytes) and `aesKeys` (keyId -> 32 bytes) can be pre-filled. */
export function fakeKmipExchange(secrets = new Map<string, Uint8Array>(), aesKeys = new Map<string, Uint8Array>()): KmipExchange & { secrets: Map<string, Uint8Array>; aesKeys: Map<string, Uint8Array> } {
  let next = 100;
  const exchange = async (_host: string, _port: number, bytes: Uint8Array): Promise<Uint8Array> => {
    const items = decodeTtlv(bytes, 'kmip');
    const op = value<number>(items, KmipTag.Operation);
    const payload: TtlvItem[] = [];
    const uid = (): string => value<string>(items, KmipTag.UniqueIdentifier);
    if (op === OP.Register) {
      const id = String(next++);
      secrets.set(id, Uint8Array.from(value<Uint8Array>(items, KmipTag.KeyMaterial)));
      payload.push(ttlv.text(KmipTag.UniqueIdentifier, id));
    } else if (op === OP.Create) {
      const id = String(next++);
      aesKeys.set(id, new Uint8Array(randomBytes(32)));
      payload.push(ttlv.text(KmipTag.UniqueIdentifier, id));
    } else if (op === OP.Activate) {
      payload.push(ttlv.text(KmipTag.UniqueIdentifier, uid()));
    } else if (op === OP.Get) {
      const s = secrets.get(uid());
      if (!s) return failure(op);
      payload.push(ttlv.text(KmipTag.UniqueIdentifier, uid()), ttlv.struct(KmipTag.SecretData, [ttlv.struct(KmipTag.KeyBlock, [ttlv.struct(KmipTag.KeyValue, [ttlv.bytes(KmipTag.KeyMaterial, s)])])]));
    } else if (op === OP.Encrypt || op === OP.Decrypt) {
      const key = aesKeys.get(uid());
      if (!key) return failure(op);
      const data = value<Uint8Array>(items, KmipTag.Data);
      if (op === OP.Encrypt) {
        const iv = randomBytes(16);
        const c = createCipheriv('aes-256-cbc', key, iv);
        payload.push(ttlv.text(KmipTag.UniqueIdentifier, uid()), ttlv.bytes(KmipTag.Data, new Uint8Array(Buffer.concat([c.update(data), c.final()]))), ttlv.bytes(KmipTag.IVCounterNonce, new Uint8Array(iv)));
      } else {
        const d = createDecipheriv('aes-256-cbc', key, value<Uint8Array>(items, KmipTag.IVCounterNonce));
        payload.push(ttlv.text(KmipTag.UniqueIdentifier, uid()), ttlv.bytes(KmipTag.Data, new Uint8Array(Buffer.concat([d.update(data), d.final()]))));
      }
    } else {
      return failure(op);
    }
    return encodeTtlv(ttlv.struct(KmipTag.ResponseMessage, [ttlv.struct(KmipTag.BatchItem, [
      ttlv.enumeration(KmipTag.Operation, op), ttlv.enumeration(KmipTag.ResultStatus, 0), ttlv.struct(KmipTag.ResponsePayload, payload),
    ])]));
  };
  return Object.assign(exchange, { secrets, aesKeys });
}

function failure(op: number): Uint8Array {
  // ResultStatus 1 (Operation Failed), ResultReason 1 (Item Not Found).
  return encodeTtlv(ttlv.struct(KmipTag.ResponseMessage, [ttlv.struct(KmipTag.BatchItem, [
    ttlv.enumeration(KmipTag.Operation, op), ttlv.enumeration(KmipTag.ResultStatus, 1), ttlv.enumeration(KmipTag.ResultReason, 1),
    ttlv.text(KmipTag.ResultMessage, 'fake KMIP: item not found'),
  ])]));
}

type Doc = Record<string, unknown>;

/**
 * The fake cloud account the spec's remote-KMS unified files run against: the verifying mock
 * started with credentials named after `label`, bearer tokens it issued (an application's
 * accessToken comes from its identity platform), and `fill` for an entity's `$$placeholder`s.
 */
export interface FakeKmsAccount {
  readonly mock: MockKms;
  readonly aws: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly awsTemp: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string };
  readonly azure: { readonly tenantId: string; readonly clientId: string; readonly clientSecret: string };
  readonly gcpKey: { readonly email: string; readonly privateKeyPkcs8: string; readonly publicKeySpki: string };
  readonly tokens: { readonly azure: string; readonly gcp: string };
  /** Every provider with full credentials (no tokens), e.g. to re-wrap the files' key documents. */
  readonly providers: Doc;
  /** The entity's kmsProviders with each `$$placeholder` from the account; literals (sessionToken "bad") stay. */
  fill(kmsProviders: Record<string, Doc>): Record<string, Doc>;
}

/** Starts the mock KMS as the fake account {@link FakeKmsAccount} (close it with `mock.close()`). */
export async function startFakeKmsAccount(label: string): Promise<FakeKmsAccount> {
  const up = label.toUpperCase().replace(/-/g, '');
  const gcpKey = JSON.parse(readVectorBytes('gcp-test-key.json')) as FakeKmsAccount['gcpKey'];
  const aws = { accessKeyId: `AKID${up}`, secretAccessKey: `${label}-secret` };
  const awsTemp = { accessKeyId: `ASIA${up}`, secretAccessKey: `${label}-temp-secret`, sessionToken: `${label}-session-token` };
  const azure = { tenantId: `${label}-tenant`, clientId: `${label}-client`, clientSecret: `${label}-azure-secret` };
  const mock = await startMockKms({
    aws: { [aws.accessKeyId]: aws.secretAccessKey, [awsTemp.accessKeyId]: awsTemp.secretAccessKey },
    awsSessionTokens: { [awsTemp.accessKeyId]: awsTemp.sessionToken },
    azure,
    gcp: { email: gcpKey.email, publicKeySpki: Uint8Array.from(atob(gcpKey.publicKeySpki), (c) => c.charCodeAt(0)) },
  });
  const host = `127.0.0.1:${mock.port}`;
  const tokens = { azure: (await azureImdsToken({ host })).accessToken, gcp: (await gcpMetadataToken({ host })).accessToken };
  const gcp = { email: gcpKey.email, privateKey: gcpKey.privateKeyPkcs8 };
  const kmip = { endpoint: 'localhost:5698' };
  const fill = (kmsProviders: Record<string, Doc>): Record<string, Doc> => {
    const out: Record<string, Doc> = {};
    for (const [id, doc] of Object.entries(kmsProviders)) {
      const { type } = parseProviderId(id);
      const real: Doc = type === 'aws' ? (doc.sessionToken !== undefined ? awsTemp : aws)
        : type === 'azure' ? { ...azure, accessToken: tokens.azure }
          : type === 'gcp' ? { ...gcp, accessToken: tokens.gcp }
            : kmip;
      out[id] = Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, v !== null && typeof v === 'object' && '$$placeholder' in v ? real[k] : v]));
    }
    return out;
  };
  return { mock, aws, awsTemp, azure, gcpKey, tokens, providers: { aws, azure, gcp, kmip }, fill };
}
