// The NEED_KMS and NEED_KMS_CREDENTIALS states, driven here as the driver's state machine drives
// them (state_machine.ts: nextKMSRequest until null, a socket per request writing `message` and
// feeding `addResponse` while `bytesNeeded` > 0, then finishKMSRequests), over plain TCP to the
// kms package's verifying mock (it recomputes every SigV4 signature with @smithy/signature-v4, checks
// Azure's client credentials and verifies GCP's RS256 JWT with node:crypto, and accepts only the
// bearer tokens it issued).
import { generateKeyPairSync } from 'node:crypto';
import { connect } from 'node:net';
import { Binary, deserialize, serialize, type Document } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MongoCrypt, MONGOCRYPT_CTX_NEED_KMS, MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS, MONGOCRYPT_CTX_NEED_MONGO_KEYS, MONGOCRYPT_CTX_READY,
} from '@fle-ts/mongodb-client-encryption';
import type { MasterKey } from '@fle-ts/keyvault';
import { AeadKey } from '@fle-ts/crypto-core';
import { decodeTtlv, encodeTtlv, kmipActivateRequest, kmipGetRequest, kmipRegisterSecretDataRequest, KmipTag, ttlv } from '@fle-ts/kms';
import { fakeKmipExchange } from '../../client/test/kms-routing.js';
import { RemoteKms } from '../src/remote-kms.js';
import { startMockKms, type MockKms } from '../../kms/test/mock-kms.js';

const AWS = { accessKeyId: 'AKIDDROPIN', secretAccessKey: 'dropin-secret-SENTINEL' };
const LOCAL = new Uint8Array(96).fill(3);
const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';
const AZURE = { tenantId: 'tenant-dropin', clientId: 'client-dropin', clientSecret: 'azure-secret-SENTINEL' };
const gcpPair = (): { privateKey: string; publicKeySpki: Uint8Array } => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'), publicKeySpki: new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })) };
};
const GCP_KEY = gcpPair();
const GCP_EMAIL = 'dropin@project.iam.gserviceaccount.com';

interface Ctx {
  state: number;
  nextKMSRequest(): { endpoint: string; message: Uint8Array; kmsProvider: string; bytesNeeded: number; addResponse(b: Uint8Array): void } | null;
  finishKMSRequests(): void;
  provideKMSProviders(b: Uint8Array): void;
  nextMongoOperation(): Uint8Array;
  addMongoOperationResponse(b: Uint8Array): void;
  finishMongoOperation(): void;
  finalize(): Uint8Array;
}

let mock: MockKms;
let endpoint: string;
beforeAll(async () => {
  mock = await startMockKms({ aws: { [AWS.accessKeyId]: AWS.secretAccessKey }, azure: AZURE, gcp: { email: GCP_EMAIL, publicKeySpki: GCP_KEY.publicKeySpki } });
  endpoint = `127.0.0.1:${mock.port}`;
});
afterAll(() => mock.close());

/** What the driver does in NEED_KMS, over plain TCP (the driver uses TLS; see driver-kms tests). */
async function serveKms(ctx: Ctx, seen: { endpoint: string; kmsProvider: string }[] = []): Promise<void> {
  const sends: Promise<void>[] = [];
  for (let r = ctx.nextKMSRequest(); r !== null; r = ctx.nextKMSRequest()) {
    const request = r;
    seen.push({ endpoint: request.endpoint, kmsProvider: request.kmsProvider });
    const [host, port] = request.endpoint.split(':');
    sends.push(new Promise((resolve, reject) => {
      const socket = connect(Number(port), host as string, () => socket.write(request.message));
      let pending = Buffer.alloc(0);
      socket.on('data', (d: Buffer) => {
        pending = Buffer.concat([pending, d]);
        while (request.bytesNeeded > 0 && pending.length > 0) {
          const n = Math.min(request.bytesNeeded, pending.length);
          request.addResponse(pending.subarray(0, n));
          pending = pending.subarray(n);
        }
        if (request.bytesNeeded <= 0) {
          socket.destroy();
          resolve();
        }
      });
      socket.on('error', reject);
      socket.on('close', () => resolve());
    }));
  }
  await Promise.all(sends);
  ctx.finishKMSRequests();
}

/** Runs a context to READY with `keys` as the key vault; returns the finalized document. */
async function run(ctx: Ctx, keys: Document[] = [], states: number[] = []): Promise<Document> {
  for (;;) {
    states.push(ctx.state);
    if (ctx.state === MONGOCRYPT_CTX_READY) return deserialize(ctx.finalize());
    if (ctx.state === MONGOCRYPT_CTX_NEED_MONGO_KEYS) {
      for (const k of keys) ctx.addMongoOperationResponse(serialize(k));
      ctx.finishMongoOperation();
    } else if (ctx.state === MONGOCRYPT_CTX_NEED_KMS) await serveKms(ctx);
    else if (ctx.state === MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS) ctx.provideKMSProviders(serialize({ aws: AWS }));
    else throw new Error(`unexpected state ${ctx.state}`);
  }
}

const crypt = (kmsProviders: Document = { aws: AWS, local: { key: LOCAL } }): MongoCrypt => new MongoCrypt({ kmsProviders: serialize(kmsProviders), errorWrapper: (e: Error) => e });
const masterKey = (): Document => ({ provider: 'aws', region: 'us-east-1', key: 'arn:aws:kms:us-east-1:1:key/dropin', endpoint });

describe('NEED_KMS with aws keys (driver drop-in)', () => {
  it('createDataKey: NEED_KMS with one signed Encrypt request, then READY with the key document', async () => {
    const c = crypt();
    const ctx = c.makeDataKeyContext(serialize(masterKey()), {}) as unknown as Ctx;
    expect(ctx.state).toBe(MONGOCRYPT_CTX_NEED_KMS);
    const before = mock.requests.length;
    const seen: { endpoint: string; kmsProvider: string }[] = [];
    await serveKms(ctx, seen);
    expect(seen).toEqual([{ endpoint, kmsProvider: 'aws' }]);
    expect(ctx.state).toBe(MONGOCRYPT_CTX_READY);
    const doc = deserialize(ctx.finalize());
    expect(doc.masterKey).toEqual(masterKey());
    expect(mock.requests.slice(before).map((r) => [r.target, r.signatureValid])).toEqual([['TrentService.Encrypt', true]]);

    // explicit encrypt with that key: NEED_MONGO_KEYS, NEED_KMS (Decrypt), READY; then from the cache
    const states: number[] = [];
    const enc = await run(c.makeExplicitEncryptionContext(serialize({ v: 'drop-in' }), { keyId: doc._id.buffer, algorithm: DET, expressionMode: false }) as unknown as Ctx, [doc], states);
    expect(states).toEqual([MONGOCRYPT_CTX_NEED_MONGO_KEYS, MONGOCRYPT_CTX_NEED_KMS, MONGOCRYPT_CTX_READY]);
    const again: number[] = [];
    const dec = await run(c.makeExplicitDecryptionContext(serialize({ v: enc.v })) as unknown as Ctx, [], again);
    expect(dec.v).toBe('drop-in');
    expect(again).toEqual([MONGOCRYPT_CTX_READY]);
    // a fresh MongoCrypt unwraps through the KMS again
    expect((await run(crypt().makeExplicitDecryptionContext(serialize({ v: enc.v })) as unknown as Ctx, [doc])).v).toBe('drop-in');
  });

  it('aws: {} asks for credentials (NEED_KMS_CREDENTIALS) before the request, again in each context', async () => {
    const c = crypt({ aws: {} });
    const states: number[] = [];
    const doc = await run(c.makeDataKeyContext(serialize(masterKey()), {}) as unknown as Ctx, [], states);
    expect(states).toEqual([MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS, MONGOCRYPT_CTX_NEED_KMS, MONGOCRYPT_CTX_READY]);
    expect(doc.masterKey.provider).toBe('aws');
    // The provided credentials served that context only (LMC per-context kms providers): the next
    // context asks again, so a driver's renewed temporary keys or tokens are the ones used.
    const ctx = c.makeDataKeyContext(serialize(masterKey()), {}) as unknown as Ctx;
    expect(ctx.state).toBe(MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS);
    ctx.provideKMSProviders(serialize({ aws: { accessKeyId: 'AKIDRENEWED', secretAccessKey: 'renewed-SENTINEL', sessionToken: 'renewed-token' } }));
    expect(ctx.state).toBe(MONGOCRYPT_CTX_NEED_KMS);
    const renewed = new TextDecoder().decode(ctx.nextKMSRequest()?.message);
    expect(renewed).toContain('Credential=AKIDRENEWED/');
    expect(renewed).toContain('X-Amz-Security-Token:renewed-token\r\n');
    const fresh = crypt({ aws: {} }).makeDataKeyContext(serialize(masterKey()), {}) as unknown as Ctx;
    expect(() => fresh.provideKMSProviders(serialize({ aws: {} }))).toThrow(/kmsProviders\['aws'\] is \{\} and the driver provided no credentials/);
  });

  it('rewrap local -> aws -> local: the documents move and still unwrap', async () => {
    const c = crypt();
    const localDoc = deserialize(c.makeDataKeyContext(serialize({ provider: 'local' }), { keyMaterial: serialize({ keyMaterial: new Binary(new Uint8Array(96).fill(9)) }) }).finalize());
    const toAws = (await run(c.makeRewrapManyDataKeyContext(serialize({}), serialize(masterKey())) as unknown as Ctx, [localDoc])).v as Document[];
    expect(toAws[0]?.masterKey).toEqual(masterKey());
    const back = (await run(c.makeRewrapManyDataKeyContext(serialize({}), serialize({ provider: 'local' })) as unknown as Ctx, toAws)).v as Document[];
    expect(back[0]?.masterKey).toEqual({ provider: 'local' });
    const enc = await run(crypt().makeExplicitEncryptionContext(serialize({ v: 'x' }), { keyId: localDoc._id.buffer, algorithm: DET, expressionMode: false }) as unknown as Ctx, [back[0] as Document]);
    const enc0 = await run(crypt().makeExplicitEncryptionContext(serialize({ v: 'x' }), { keyId: localDoc._id.buffer, algorithm: DET, expressionMode: false }) as unknown as Ctx, [localDoc]);
    expect(Buffer.from((enc.v as Binary).buffer).equals(Buffer.from((enc0.v as Binary).buffer))).toBe(true); // same data key
  });

  it('wrong credentials, a KMS error, garbage and a cut answer: typed errors naming aws, no secret in them', async () => {
    const cases: [string, () => void, RegExp][] = [
      ['wrong secret', () => {}, /KMS provider 'aws'.*(InvalidSignatureException|400)/],
      ['errorJson', () => mock.fault('errorJson', 1), /KMS provider 'aws'.*InvalidCiphertextException/],
      ['badJson', () => mock.fault('badJson', 1), /KMS provider 'aws'/],
      ['truncated', () => mock.fault('truncated', 1), /KMS provider 'aws'/],
    ];
    for (const [name, setup, pattern] of cases) {
      const c = crypt(name === 'wrong secret' ? { aws: { accessKeyId: AWS.accessKeyId, secretAccessKey: 'wrong-SENTINEL' } } : undefined);
      const ctx = c.makeDataKeyContext(serialize(masterKey()), {}) as unknown as Ctx;
      setup();
      const e = await serveKms(ctx).then(() => undefined, (err: Error) => err);
      mock.fault('none', 0);
      expect(e, name).toBeInstanceOf(Error);
      expect((e as Error).message, name).toMatch(pattern);
      expect(`${(e as Error).message}${(e as Error).stack}`).not.toMatch(/SENTINEL/);
      expect(ctx.state, name).toBe(0);
    }
  });
});

const azureCreds = (): Document => ({ ...AZURE, identityPlatformEndpoint: endpoint });
const gcpCreds = (): Document => ({ email: GCP_EMAIL, privateKey: GCP_KEY.privateKey, endpoint });
const azureKey = (): Document => ({ provider: 'azure', keyVaultEndpoint: endpoint, keyName: 'dropin-key', keyVersion: 'v1' });
const gcpKey = (): Document => ({ provider: 'gcp', projectId: 'p', location: 'global', keyRing: 'r', keyName: 'dropin-key', endpoint });
const allProviders = (): Document => ({ aws: AWS, azure: azureCreds(), gcp: gcpCreds(), local: { key: LOCAL } });

/** Runs a context; returns the states and the mock targets it caused (all verified by the mock). */
async function traced(ctx: Ctx, keys: Document[] = []): Promise<{ doc: Document; states: number[]; targets: string[] }> {
  const before = mock.requests.length;
  const states: number[] = [];
  const doc = await run(ctx, keys, states);
  const seen = mock.requests.slice(before);
  expect(seen.filter((r) => !r.signatureValid).map((r) => r.target)).toEqual([]);
  return { doc, states, targets: seen.map((r) => r.target) };
}

/** A token the mock issued, fetched outside the drop-in (what an application does for accessToken mode). */
async function mockToken(kind: 'azure' | 'gcp'): Promise<string> {
  const ctx = crypt(kind === 'azure' ? { azure: azureCreds() } : { gcp: gcpCreds() }).makeDataKeyContext(serialize(kind === 'azure' ? azureKey() : gcpKey()), {}) as unknown as Ctx;
  const req = ctx.nextKMSRequest();
  const res = await fetch(`http://${endpoint}${kind === 'azure' ? `/${AZURE.tenantId}/oauth2/v2.0/token` : '/token'}`, {
    method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new TextDecoder().decode(req?.message).split('\r\n\r\n')[1],
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

const NK = MONGOCRYPT_CTX_NEED_KMS;
describe('NEED_KMS with azure and gcp keys: an OAuth round first, then the key request (driver drop-in)', () => {
  for (const [name, key, tokenTarget, wrapTarget, unwrapTarget] of [
    ['azure', azureKey, 'azure-token', 'azure-wrapkey', 'azure-unwrapkey'],
    ['gcp', gcpKey, 'gcp-token', 'gcp-encrypt', 'gcp-decrypt'],
  ] as const) {
    it(`${name}: createDataKey asks for a token, then wraps; the token is cached in the MongoCrypt; encrypt/decrypt unwrap`, async () => {
      const c = crypt(allProviders());
      const seen: { endpoint: string; kmsProvider: string }[] = [];
      const ctx = c.makeDataKeyContext(serialize(key()), {}) as unknown as Ctx;
      expect(ctx.state).toBe(NK);
      await serveKms(ctx, seen);
      expect(ctx.state).toBe(NK); // the token round is a NEED_KMS of its own
      await serveKms(ctx, seen);
      expect(ctx.state).toBe(MONGOCRYPT_CTX_READY);
      expect(seen).toEqual([{ endpoint, kmsProvider: name }, { endpoint, kmsProvider: name }]);
      const doc = deserialize(ctx.finalize());
      expect(doc.masterKey).toEqual(key());
      // second key: the cached token, one NEED_KMS
      const second = await traced(c.makeDataKeyContext(serialize(key()), {}) as unknown as Ctx);
      expect(second.states).toEqual([NK, MONGOCRYPT_CTX_READY]);
      expect(second.targets).toEqual([wrapTarget]);
      // a fresh MongoCrypt: keys, token, unwrap
      const enc = await traced(crypt(allProviders()).makeExplicitEncryptionContext(serialize({ v: `via ${name}` }), { keyId: doc._id.buffer, algorithm: DET, expressionMode: false }) as unknown as Ctx, [doc]);
      expect(enc.states).toEqual([MONGOCRYPT_CTX_NEED_MONGO_KEYS, NK, NK, MONGOCRYPT_CTX_READY]);
      expect(enc.targets).toEqual([tokenTarget, unwrapTarget]);
      const dec = await traced(crypt(allProviders()).makeExplicitDecryptionContext(serialize({ v: enc.doc.v })) as unknown as Ctx, [doc]);
      expect(dec.doc.v).toBe(`via ${name}`);
      expect(dec.targets).toEqual([tokenTarget, unwrapTarget]);
    });

    it(`${name}: accessToken mode sends no token request`, async () => {
      const accessToken = await mockToken(name);
      const c = crypt({ [name]: { accessToken } });
      const made = await traced(c.makeDataKeyContext(serialize(key()), {}) as unknown as Ctx);
      expect(made.states).toEqual([NK, MONGOCRYPT_CTX_READY]);
      expect(made.targets).toEqual([wrapTarget]);
      const enc = await traced(crypt({ [name]: { accessToken } }).makeExplicitEncryptionContext(serialize({ v: 1 }), { keyId: made.doc._id.buffer, algorithm: DET, expressionMode: false }) as unknown as Ctx, [made.doc]);
      expect(enc.targets).toEqual([unwrapTarget]);
    });
  }

  it('rewrap local -> azure -> gcp -> aws -> local: each hop unwraps and wraps through its KMS, the data key stays the same', async () => {
    const c = crypt(allProviders());
    const localDoc = deserialize(c.makeDataKeyContext(serialize({ provider: 'local' }), { keyMaterial: serialize({ keyMaterial: new Binary(new Uint8Array(96).fill(7)) }) }).finalize());
    let docs: Document[] = [localDoc];
    const hops: string[][] = [];
    for (const target of [azureKey(), gcpKey(), masterKey(), { provider: 'local' }]) {
      const r = await traced(crypt(allProviders()).makeRewrapManyDataKeyContext(serialize({}), serialize(target)) as unknown as Ctx, docs);
      docs = r.doc.v as Document[];
      expect(docs[0]?.masterKey).toEqual(target);
      hops.push(r.targets);
    }
    expect(hops).toEqual([
      ['azure-token', 'azure-wrapkey'],
      ['azure-token', 'azure-unwrapkey', 'gcp-token', 'gcp-encrypt'],
      ['gcp-token', 'gcp-decrypt', 'TrentService.Encrypt'],
      ['TrentService.Decrypt'],
    ]);
    const encrypt = async (d: Document): Promise<Uint8Array> => ((await run(crypt(allProviders()).makeExplicitEncryptionContext(serialize({ v: 'x' }), { keyId: localDoc._id.buffer, algorithm: DET, expressionMode: false }) as unknown as Ctx, [d])).v as Binary).buffer;
    expect(Buffer.from(await encrypt(docs[0] as Document)).equals(Buffer.from(await encrypt(localDoc)))).toBe(true);
  });

  it('bad credentials, a bad token, KMS faults: typed errors naming the provider, no secret in them', async () => {
    const other = gcpPair();
    const cases: [string, Document, Document, () => void, RegExp][] = [
      ['azure wrong secret', { azure: { ...azureCreds(), clientSecret: 'wrong-SENTINEL' } }, azureKey(), () => {}, /^KMS provider 'azure': .*400.*invalid_client/],
      ['gcp wrong key', { gcp: { ...gcpCreds(), privateKey: other.privateKey } }, gcpKey(), () => {}, /^KMS provider 'gcp': .*400.*invalid_client/],
      ['azure bad access token', { azure: { accessToken: 'bogus-SENTINEL' } }, azureKey(), () => {}, /^KMS provider 'azure': .*401/],
      ['gcp token without access_token', { gcp: gcpCreds() }, gcpKey(), () => mock.fault('missingField', 1), /^KMS provider 'gcp': .*access_token/],
      ['azure 500 on the token', { azure: azureCreds() }, azureKey(), () => mock.fault('http500', 1), /^KMS provider 'azure': .*500/],
      ['gcp garbage on the token', { gcp: gcpCreds() }, gcpKey(), () => mock.fault('badJson', 1), /^KMS provider 'gcp': /],
    ];
    for (const [name, providers, key, setup, pattern] of cases) {
      const ctx = crypt(providers).makeDataKeyContext(serialize(key), {}) as unknown as Ctx;
      setup();
      const e = await serveKms(ctx).then(() => undefined, (err: Error) => err);
      mock.fault('none', 0);
      expect(e, name).toBeInstanceOf(Error);
      expect((e as Error).message, name).toMatch(pattern);
      expect((e as Error & { code?: string }).code, name).toMatch(/^KMS_/);
      const text = `${(e as Error).message}${(e as Error).stack}`;
      for (const secret of ['SENTINEL', GCP_KEY.privateKey.slice(40, 80), other.privateKey.slice(40, 80)]) expect(text, name).not.toContain(secret);
      expect(ctx.state, name).toBe(0);
    }
  });

  it('named providers (azure:two, gcp:two) keep their own credentials and tokens', async () => {
    const c = crypt({ 'azure:two': azureCreds(), 'gcp:two': gcpCreds() });
    const a = await traced(c.makeDataKeyContext(serialize({ ...azureKey(), provider: 'azure:two' }), {}) as unknown as Ctx);
    const g = await traced(c.makeDataKeyContext(serialize({ ...gcpKey(), provider: 'gcp:two' }), {}) as unknown as Ctx);
    expect([a.targets, g.targets]).toEqual([['azure-token', 'azure-wrapkey'], ['gcp-token', 'gcp-encrypt']]);
    const dec = await traced(c.makeExplicitEncryptionContext(serialize({ v: 2 }), { keyId: g.doc._id.buffer, algorithm: DET, expressionMode: false }) as unknown as Ctx, [g.doc]);
    expect(dec.targets).toEqual(['gcp-decrypt']); // gcp:two's token is cached
    expect(() => c.makeDataKeyContext(serialize(gcpKey()), {})).toThrow(/KMS provider 'gcp' is not configured/);
  });

  it('a kmip entry must be {endpoint}; an unconfigured kmip or azure key names its provider', () => {
    expect(() => crypt({ kmip: {} })).toThrow(/^KMS provider 'kmip': kmsProviders\['kmip'\]: needs \{endpoint: 'host\[:port\]'\}/);
    expect(() => crypt({ 'kmip:two': { endpoint, tlsCertificateKeyFile: '/x.pem' } })).toThrow(/^KMS provider 'kmip:two': .*Unexpected field: 'tlsCertificateKeyFile'.*tlsOptions\['kmip:two'\]/);
    expect(() => crypt({ kmip: { endpoint: 'host:99999' } })).toThrow(/^KMS provider 'kmip': .*invalid port/);
    const c = crypt({ ...allProviders(), kmip: { endpoint } });
    expect(() => c.makeDataKeyContext(serialize({ provider: 'kmip:other' }), {})).toThrow(/KMS provider 'kmip:other' is not configured/);
    expect(() => crypt().makeDataKeyContext(serialize(azureKey()), {})).toThrow(/KMS provider 'azure' is not configured/);
  });
});

describe('kmip through NEED_KMS against an in-memory KMIP server (the loop as the driver runs it)', () => {
  const KMIP_EP = 'kmip.example.com';
  /** Answers each KMIP request of a NEED_KMS round from `server`, in pieces as a socket would; returns the requests. */
  async function serveKmip(ctx: Ctx, server: ReturnType<typeof fakeKmipExchange>, provider: string): Promise<Uint8Array[]> {
    const sent: Uint8Array[] = [];
    for (let r = ctx.nextKMSRequest(); r !== null; r = ctx.nextKMSRequest()) {
      expect([r.endpoint, r.kmsProvider]).toEqual([`${KMIP_EP}:5696`, provider]);
      sent.push(new Uint8Array(r.message));
      const answer = await server(KMIP_EP, 5696, r.message);
      for (let i = 0; r.bytesNeeded > 0 && i < answer.length;) {
        const n = Math.min(5, r.bytesNeeded);
        r.addResponse(answer.subarray(i, i + n));
        i += n;
      }
    }
    ctx.finishKMSRequests();
    return sent;
  }
  async function runKmip(ctx: Ctx, server: ReturnType<typeof fakeKmipExchange>, keys: Document[] = [], provider = 'kmip'): Promise<{ doc: Document; rounds: Uint8Array[][]; states: number[] }> {
    const rounds: Uint8Array[][] = [];
    const states: number[] = [];
    for (;;) {
      states.push(ctx.state);
      if (ctx.state === MONGOCRYPT_CTX_READY) return { doc: deserialize(ctx.finalize()), rounds, states };
      if (ctx.state === MONGOCRYPT_CTX_NEED_MONGO_KEYS) {
        for (const k of keys) ctx.addMongoOperationResponse(serialize(k));
        ctx.finishMongoOperation();
      } else if (ctx.state === MONGOCRYPT_CTX_NEED_KMS) rounds.push(await serveKmip(ctx, server, provider));
      else throw new Error(`unexpected state ${ctx.state}`);
    }
  }
  const op = (msg: Uint8Array): number => {
    const find = (items: readonly { tag: number; type: number; items?: unknown; value?: unknown }[]): number | undefined => {
      for (const i of items) {
        if (i.tag === KmipTag.Operation) return i.value as number;
        if (Array.isArray(i.items)) {
          const hit = find(i.items as never);
          if (hit !== undefined) return hit;
        }
      }
      return undefined;
    };
    return find(decodeTtlv(msg, 'kmip') as never) as number;
  };
  const kmipCrypt = (): MongoCrypt => crypt({ kmip: { endpoint: KMIP_EP }, local: { key: LOCAL } });

  it('createDataKey without keyId: Register, Activate, Get rounds with kms-message\'s bytes; the key document stores the new keyId; encrypt/decrypt Get it again', async () => {
    const server = fakeKmipExchange();
    const made = await runKmip(kmipCrypt().makeDataKeyContext(serialize({ provider: 'kmip' }), {}) as unknown as Ctx, server);
    expect(made.states).toEqual([NK, NK, NK, MONGOCRYPT_CTX_READY]);
    expect(made.rounds.map((r) => r.map(op))).toEqual([[0x03], [0x12], [0x0a]]); // Register, Activate, Get
    const keyId = made.doc.masterKey.keyId as string;
    expect(made.doc.masterKey).toEqual({ provider: 'kmip', keyId });
    // The Register carried the secret the server now holds; Activate and Get are byte for byte kms-message's.
    expect(made.rounds[0]?.[0]).toEqual(kmipRegisterSecretDataRequest(server.secrets.get(keyId) as Uint8Array));
    expect(made.rounds[1]?.[0]).toEqual(kmipActivateRequest(keyId));
    expect(made.rounds[2]?.[0]).toEqual(kmipGetRequest(keyId));
    // keyMaterial is the FLE1 AEAD wrap under that secret (as the local provider wraps)
    const dataKey = new AeadKey(server.secrets.get(keyId) as Uint8Array).decrypt((made.doc.keyMaterial as Binary).buffer, new Uint8Array(0));
    expect(dataKey).toHaveLength(96);
    const enc = await runKmip(kmipCrypt().makeExplicitEncryptionContext(serialize({ v: 'kmip in process' }), { keyId: made.doc._id.buffer, algorithm: DET, expressionMode: false }) as unknown as Ctx, server, [made.doc]);
    expect(enc.states).toEqual([MONGOCRYPT_CTX_NEED_MONGO_KEYS, NK, MONGOCRYPT_CTX_READY]);
    expect(enc.rounds).toEqual([[kmipGetRequest(keyId)]]);
    const dec = await runKmip(kmipCrypt().makeExplicitDecryptionContext(serialize({ v: enc.doc.v })) as unknown as Ctx, server, [made.doc]);
    expect(dec.doc.v).toBe('kmip in process');
  });

  it('delegated: Create, Activate, Encrypt; unwrap is one Decrypt round; a given keyId is a single round', async () => {
    const server = fakeKmipExchange();
    const made = await runKmip(kmipCrypt().makeDataKeyContext(serialize({ provider: 'kmip', delegated: true }), { keyMaterial: serialize({ keyMaterial: new Binary(new Uint8Array(96).fill(6)) }) }) as unknown as Ctx, server);
    expect(made.rounds.map((r) => r.map(op))).toEqual([[0x01], [0x12], [0x1f]]); // Create, Activate, Encrypt
    expect(made.doc.masterKey).toEqual({ provider: 'kmip', delegated: true, keyId: expect.any(String) });
    expect((made.doc.keyMaterial as Binary).buffer).toHaveLength(16 + 112);
    const enc = await runKmip(kmipCrypt().makeExplicitEncryptionContext(serialize({ v: 1 }), { keyId: made.doc._id.buffer, algorithm: DET, expressionMode: false }) as unknown as Ctx, server, [made.doc]);
    expect(enc.rounds.map((r) => r.map(op))).toEqual([[0x20]]); // Decrypt
    const given = await runKmip(kmipCrypt().makeDataKeyContext(serialize({ provider: 'kmip', keyId: made.doc.masterKey.keyId, delegated: true }), {}) as unknown as Ctx, server);
    expect(given.rounds.map((r) => r.map(op))).toEqual([[0x1f]]);
  });

  it('a named kmip provider (kmip:two): its name on every request (the driver\'s tlsOptions key) and in the stored masterKey', async () => {
    const server = fakeKmipExchange();
    const c = crypt({ 'kmip:two': { endpoint: KMIP_EP } });
    const made = await runKmip(c.makeDataKeyContext(serialize({ provider: 'kmip:two' }), {}) as unknown as Ctx, server, [], 'kmip:two');
    expect(made.doc.masterKey).toEqual({ provider: 'kmip:two', keyId: expect.any(String) });
    const enc = await runKmip(c.makeExplicitEncryptionContext(serialize({ v: 2 }), { keyId: made.doc._id.buffer, algorithm: DET, expressionMode: false }) as unknown as Ctx, server, [made.doc], 'kmip:two');
    expect(enc.rounds).toEqual([[kmipGetRequest(made.doc.masterKey.keyId)]]);
  });

  it('rewrap two local keys to kmip without keyId: each document registers its own secret (three rounds of two requests); an unknown keyId fails the rewrap', async () => {
    const server = fakeKmipExchange();
    const c = kmipCrypt();
    const locals = [1, 2].map((n) => deserialize(c.makeDataKeyContext(serialize({ provider: 'local' }), { keyMaterial: serialize({ keyMaterial: new Binary(new Uint8Array(96).fill(n)) }) }).finalize()));
    const r = await runKmip(c.makeRewrapManyDataKeyContext(serialize({}), serialize({ provider: 'kmip' })) as unknown as Ctx, server, locals);
    expect(r.rounds.map((x) => x.map(op))).toEqual([[0x03, 0x03], [0x12, 0x12], [0x0a, 0x0a]]);
    const docs = r.doc.v as Document[];
    const ids = docs.map((d) => d.masterKey.keyId);
    expect(new Set(ids).size).toBe(2);
    docs.forEach((d, i) => expect(new AeadKey(server.secrets.get(d.masterKey.keyId) as Uint8Array).decrypt(d.keyMaterial.buffer, new Uint8Array(0))).toEqual(new Uint8Array(96).fill(i + 1)));
    const ctx = c.makeRewrapManyDataKeyContext(serialize({}), serialize({ provider: 'local' })) as unknown as Ctx;
    const e = await runKmip(ctx, server, [{ ...docs[0], masterKey: { provider: 'kmip', keyId: 'nope' } } as Document]).then(() => undefined, (err: Error & { code?: string }) => err);
    expect([e?.code, e?.message]).toEqual(['KMS_KMIP_ERROR', expect.stringMatching(/^KMS provider 'kmip': KMIP response error\. Result Status \(1\): Operation Failed\. Result Reason \(1\): Item Not Found/)]);
  });
});

describe('kmip answers the driver feeds: framing, garbage, a cut answer, a server error', () => {
  const kmipCtx = (): Ctx => crypt({ kmip: { endpoint: 'kmip.example.com' } }).makeDataKeyContext(serialize({ provider: 'kmip' }), {}) as unknown as Ctx;
  const finishError = (ctx: Ctx): Error & { code?: string } => {
    try {
      ctx.finishKMSRequests();
    } catch (e) {
      return e as Error & { code?: string };
    }
    throw new Error('finishKMSRequests did not throw');
  };
  // A ResponseMessage whose BatchItem has ResultStatus 1 (Operation Failed), reason 1 (Item Not Found).
  const failed = encodeTtlv(ttlv.struct(KmipTag.ResponseMessage, [ttlv.struct(KmipTag.BatchItem, [
    ttlv.enumeration(KmipTag.ResultStatus, 1), ttlv.enumeration(KmipTag.ResultReason, 1), ttlv.text(KmipTag.ResultMessage, 'no such object'),
  ])]));

  it('bytesNeeded is the 8-byte header, then the length it gives; a server error is KMS_KMIP_ERROR naming kmip', () => {
    const ctx = kmipCtx();
    const req = ctx.nextKMSRequest();
    expect(req?.bytesNeeded).toBe(8);
    req?.addResponse(failed.subarray(0, 8));
    expect(req?.bytesNeeded).toBe(failed.length - 8);
    req?.addResponse(failed.subarray(8));
    expect(req?.bytesNeeded).toBe(0);
    const e = finishError(ctx);
    expect([e.code, e.message]).toEqual(['KMS_KMIP_ERROR', "KMS provider 'kmip': KMIP response error. Result Status (1): Operation Failed. Result Reason (1): Item Not Found. Result Message: no such object"]);
    expect(ctx.state).toBe(0);
    // A long answer is asked for 1024 bytes at a time after the header, as libmongocrypt asks.
    const long = encodeTtlv(ttlv.struct(KmipTag.ResponseMessage, [ttlv.struct(KmipTag.BatchItem, [ttlv.enumeration(KmipTag.ResultStatus, 1), ttlv.text(KmipTag.ResultMessage, 'x'.repeat(2000))])]));
    const big = kmipCtx().nextKMSRequest();
    big?.addResponse(long.subarray(0, 8));
    expect(big?.bytesNeeded).toBe(1024);
    big?.addResponse(long.subarray(8, 1032));
    expect(big?.bytesNeeded).toBe(long.length - 1032);
  });

  it('garbage (not TTLV), bytes past the message, and a cut answer: typed errors naming kmip', () => {
    const garbage = kmipCtx();
    const g = garbage.nextKMSRequest();
    g?.addResponse(new TextEncoder().encode('HTTP/1.1 400 Bad Request\r\n\r\n'));
    expect(finishError(garbage)).toMatchObject({ code: expect.stringMatching(/^KMS_BAD_RESPONSE$/), message: expect.stringMatching(/^KMS provider 'kmip': /) });
    const long = kmipCtx();
    long.nextKMSRequest()?.addResponse(new Uint8Array([...failed, 0]));
    expect(finishError(long)).toMatchObject({ code: 'KMS_BAD_RESPONSE', message: expect.stringContaining('past its length') });
    const cut = kmipCtx();
    cut.nextKMSRequest()?.addResponse(failed.subarray(0, 20));
    expect(finishError(cut)).toMatchObject({ code: 'KMS_NETWORK', message: expect.stringMatching(/^KMS provider 'kmip': the KMS answer from kmip\.example\.com:5696 ended early/) });
  });
});

describe('the token cache of RemoteKms (per provider name, renewed with under a minute left)', () => {
  const answer = (json: string): Uint8Array => new TextEncoder().encode(`HTTP/1.1 200 OK\r\nContent-Length: ${json.length}\r\n\r\n${json}`);
  const mk = { provider: 'azure', keyVaultEndpoint: 'v.vault.azure.net', keyName: 'k' } as unknown as MasterKey;
  const named = { ...mk, provider: 'azure:two' } as MasterKey;

  it('a token with expires_in is reused until 60 s before it ends; one without is used once', () => {
    let now = 1_000_000;
    const kms = new RemoteKms({ azure: AZURE, 'azure:two': AZURE }, () => now);
    const first = kms.tokenRequests([mk, mk, named]);
    expect(first.map((r) => r.kmsProvider)).toEqual(['azure', 'azure:two']); // one per provider name
    first[0]?.addResponse(answer('{"access_token":"tok-a","expires_in":"120"}'));
    first[1]?.addResponse(answer('{"access_token":"tok-b"}'));
    kms.keepTokens(first, now);
    expect(new TextDecoder().decode(kms.encrypt(mk, new Uint8Array(96)).request?.message)).toContain('Authorization:Bearer tok-a\r\n');
    expect(new TextDecoder().decode(kms.encrypt(named, new Uint8Array(96)).request?.message)).toContain('Authorization:Bearer tok-b\r\n');
    now += 59_000;
    expect(kms.tokenRequests([mk, named]).map((r) => r.kmsProvider)).toEqual(['azure:two']);
    now += 2_000; // 59 s left of tok-a
    expect(kms.tokenRequests([mk]).map((r) => r.kmsProvider)).toEqual(['azure']);
  });

  it('gcp: {} asks the driver (NEED_KMS_CREDENTIALS); an accessToken from it skips the token round', async () => {
    const accessToken = await mockToken('gcp');
    const ctx = crypt({ gcp: {} }).makeDataKeyContext(serialize(gcpKey()), {}) as unknown as Ctx;
    expect(ctx.state).toBe(MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS);
    ctx.provideKMSProviders(serialize({ gcp: { accessToken } }));
    const r = await traced(ctx);
    expect(r.states).toEqual([NK, MONGOCRYPT_CTX_READY]);
    expect(r.targets).toEqual(['gcp-encrypt']);
    const fresh = crypt({ azure: {} }).makeDataKeyContext(serialize(azureKey()), {}) as unknown as Ctx;
    expect(() => fresh.provideKMSProviders(serialize({ azure: {} }))).toThrow(/^KMS provider 'azure': kmsProviders\['azure'\] is \{\} and the driver provided no credentials for it: run on an Azure VM/);
    // What driver 6/7 hands back for gcp: {} without the optional gcp-metadata package: the error says so.
    const noMetadata = crypt({ gcp: {} }).makeDataKeyContext(serialize(gcpKey()), {}) as unknown as Ctx;
    expect(() => noMetadata.provideKMSProviders(serialize({ gcp: {} }))).toThrow(/^KMS provider 'gcp': .*provided no credentials for it: the driver asks the GCP metadata server only with the optional 'gcp-metadata' package/);
  });
});
