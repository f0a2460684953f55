// The NEED_KMS and NEED_KMS_CREDENTIALS states, driven here as the driver's state machine drives
// them (state_machine.ts: nextKMSRequest until null, a socket per request writing `message` and
// feeding `addResponse` while `bytesNeeded` > 0, then finishKMSRequests), over plain TCP to the
// kms package's verifying mock (it recomputes every SigV4 signature with @smithy/signature-v4).
import { connect } from 'node:net';
import { Binary, deserialize, serialize, type Document } from 'bson';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MongoCrypt, MONGOCRYPT_CTX_NEED_KMS, MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS, MONGOCRYPT_CTX_NEED_MONGO_KEYS, MONGOCRYPT_CTX_READY,
} from '@fle-ts/mongodb-client-encryption';
import { startMockKms, type MockKms } from '../../kms/test/mock-kms.js';

const AWS = { accessKeyId: 'AKIDDROPIN', secretAccessKey: 'dropin-secret-SENTINEL' };
const LOCAL = new Uint8Array(96).fill(3);
const DET = 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic';

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
  mock = await startMockKms({ aws: { [AWS.accessKeyId]: AWS.secretAccessKey } });
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

  it('aws: {} asks for credentials (NEED_KMS_CREDENTIALS) before the request', async () => {
    const c = crypt({ aws: {} });
    const states: number[] = [];
    const doc = await run(c.makeDataKeyContext(serialize(masterKey()), {}) as unknown as Ctx, [], states);
    expect(states).toEqual([MONGOCRYPT_CTX_NEED_KMS_CREDENTIALS, MONGOCRYPT_CTX_NEED_KMS, MONGOCRYPT_CTX_READY]);
    expect(doc.masterKey.provider).toBe('aws');
    const ctx = c.makeDataKeyContext(serialize(masterKey()), {}) as unknown as Ctx;
    expect(ctx.state).toBe(MONGOCRYPT_CTX_NEED_KMS); // credentials kept for the MongoCrypt
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
