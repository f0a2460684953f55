// The spec's unified tests that need remote KMS providers (../shared/test-vectors/spec-unified:
// createDataKey, rewrapManyDataKey*, namedKMS-createDataKey, namedKMS-rewrapManyDataKey,
// createDataKey-kms_providers-invalid, and namedKMS-explicit with its named local key), run through fle-ts's ClientEncryption on a MemoryKeyVault
// with every provider's real endpoint routed to the kms package's verifying mock (kms-routing.ts)
// and KMIP to an in-memory KMIP server. Checked: each operation's result or client error, the
// documents the createDataKey insert events carry (the key documents fle-ts stores), and each
// test's outcome collection. Not checked: the other command events (no MongoClient here).
// Initial key documents wrapped by the real AWS/Azure/GCP/KMIP test accounts cannot be opened
// offline, so their keyMaterial is replaced by a wrap of a random data key through the same mock
// under the same masterKey (every field a test checks stays as in the file); a key whose masterKey
// the fake account does not have keeps its original keyMaterial (rewrapManyDataKey-decrypt_failure).
// Which remote-KMS files are not run here, and why: packages/client/README.md "Remote KMS".
import { Binary, EJSON } from 'bson';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FleError } from '@fle-ts/crypto-core';
import { ClientEncryption } from '@fle-ts/client';
import { KmsProviders, MemoryKeyVault, parseProviderId, type DataKeyDocument, type MasterKey } from '@fle-ts/keyvault';
import { startMockKms, type MockKms } from '../../kms/test/mock-kms.js';
import { readVectorBytes } from '../../kms/test/vectors.js';
import { canonical, matches } from '../../keyvault/test/unified-match.js';
import { describeShared, readSharedJson } from '../../../scripts/test-support/shared.js';
import { fakeKmipExchange, routeToMock } from './kms-routing.js';

interface Op { name: string; object: string; arguments?: Record<string, unknown>; expectResult?: unknown; expectError?: { isClientError?: boolean } }
interface Test { description: string; operations: Op[]; outcome?: { documents: unknown[] }[]; expectEvents?: { events: { commandStartedEvent?: { command: Record<string, unknown> } }[] }[] }
interface UnifiedFile { createEntities: Record<string, { clientEncryptionOpts?: { kmsProviders: Record<string, Record<string, unknown>> } }>[]; initialData?: { collectionName: string; documents: unknown[] }[]; tests: Test[] }

const KMS_UNIFIED_FILES = [
  'createDataKey.json', 'createDataKey-kms_providers-invalid.json', 'rewrapManyDataKey.json', 'rewrapManyDataKey-decrypt_failure.json',
  'rewrapManyDataKey-encrypt_failure.json', 'namedKMS-createDataKey.json', 'namedKMS-rewrapManyDataKey.json', 'namedKMS-explicit.json',
];

const GCP_KEY = JSON.parse(readVectorBytes('gcp-test-key.json')) as { email: string; privateKeyPkcs8: string; publicKeySpki: string };
const AWS = { accessKeyId: 'AKIDUNIFIED', secretAccessKey: 'unified-secret' };
const AZURE = { tenantId: 'unified-tenant', clientId: 'unified-client', clientSecret: 'unified-azure-secret' };
// The spec's local master key (client-side-encryption-tests.md, "local" credentials).
const LOCAL = 'Mng0NCt4ZHVUYUJCa1kxNkVyNUR1QURhZ2h2UzR2d2RrZzh0cFBwM3R6NmdWMDFBMUN3YkQ5aXRRMkhGRGdQV09wOGVNYUMxT2k3NjZKelhaQmRCZGJkTXVyZG9uSjFk';

/** The file's kmsProviders with each `$$placeholder` filled from the fake account. */
function fill(kmsProviders: Record<string, Record<string, unknown>>): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [id, doc] of Object.entries(kmsProviders)) {
    const { type } = parseProviderId(id);
    const real: Record<string, unknown> = type === 'aws' ? AWS : type === 'azure' ? AZURE : type === 'gcp' ? { email: GCP_KEY.email, privateKey: GCP_KEY.privateKeyPkcs8 }
      : type === 'kmip' ? { endpoint: 'localhost:5698' } : { key: LOCAL };
    out[id] = Object.fromEntries(Object.entries(doc).map(([k, v]) => [k, v !== null && typeof v === 'object' && '$$placeholder' in v ? real[k] : v]));
  }
  return out;
}

let mock: MockKms;
beforeAll(async () => {
  mock = await startMockKms({
    aws: { [AWS.accessKeyId]: AWS.secretAccessKey }, azure: AZURE,
    gcp: { email: GCP_KEY.email, publicKeySpki: Uint8Array.from(atob(GCP_KEY.publicKeySpki), (c) => c.charCodeAt(0)) },
  });
});
afterAll(() => mock?.close());

const sleepless = { sleep: async () => {}, backoffMs: () => 0 };

/** The initial key documents, remote ones re-wrapped through the fake account (see the header). */
async function initialKeys(file: UnifiedFile, kms: KmsProviders, kmip: ReturnType<typeof fakeKmipExchange>): Promise<string[]> {
  const docs = file.initialData?.find((d) => d.collectionName === 'datakeys')?.documents ?? [];
  const out: string[] = [];
  for (const raw of docs) {
    const doc = EJSON.deserialize(raw as Record<string, unknown>, { relaxed: false }) as DataKeyDocument;
    const mk = doc.masterKey as MasterKey;
    const { type } = parseProviderId(mk.provider);
    if (type !== 'local' && kms.has(mk.provider)) {
      if (type === 'kmip' && typeof mk.keyId === 'string') {
        if (mk.delegated === true) kmip.aesKeys.set(mk.keyId, crypto.getRandomValues(new Uint8Array(32)));
        else kmip.secrets.set(mk.keyId, crypto.getRandomValues(new Uint8Array(96)));
      }
      try {
        const wrapped = await kms.wrap(crypto.getRandomValues(new Uint8Array(96)), mk);
        (doc as { keyMaterial: Binary }).keyMaterial = new Binary(wrapped, 0);
      } catch {
        // the fake account has no such key: the original keyMaterial stays (it cannot be opened)
      }
    }
    out.push(EJSON.stringify(doc as unknown as Record<string, unknown>, { relaxed: false }));
  }
  return out;
}

function arg(v: unknown): unknown {
  return v === undefined ? undefined : (EJSON.deserialize({ v } as Record<string, unknown>, { relaxed: false }) as { v: unknown }).v;
}

async function run(ce: ClientEncryption, vault: MemoryKeyVault, op: Op, created: DataKeyDocument[]): Promise<unknown> {
  const a = op.arguments ?? {};
  if (op.object.startsWith('clientEncryption')) {
    if (op.name === 'createDataKey') {
      const id = await ce.createDataKey(a.kmsProvider as string, (arg(a.opts) ?? {}) as never);
      created.push((await ce.getKey(id)) as DataKeyDocument);
      return id;
    }
    if (op.name === 'rewrapManyDataKey') return ce.rewrapManyDataKey(arg(a.filter) as never, arg(a.opts) as never);
    if (op.name === 'encrypt') return ce.encrypt(arg(a.value), arg(a.opts) as never);
    if (op.name === 'decrypt') return ce.decrypt(arg(a.value) as Binary);
  } else if (op.name === 'find') {
    // {filter, projection {masterKey: 1}, sort {keyAltNames: 1}}: the only shape these files use
    expect(a.projection).toEqual({ masterKey: 1 });
    const docs = await vault.findByFilter(arg(a.filter) as never);
    const first = (d: DataKeyDocument): string => [...(d.keyAltNames ?? [])].sort()[0] ?? '';
    return docs.sort((x, y) => (first(x) < first(y) ? -1 : first(x) > first(y) ? 1 : 0)).map((d) => ({ _id: d._id, masterKey: d.masterKey }));
  } else if (op.name === 'aggregate') {
    // [$project keyAltNames, $unwind, $sort]
    return (await vault.findAll()).flatMap((d) => d.keyAltNames ?? []).sort().map((n) => ({ keyAltNames: n }));
  }
  throw new Error(`unsupported operation ${op.object}.${op.name}`);
}

describeShared('SPEC unified tests needing remote KMS, through ClientEncryption against the verifying mock', () => {
  for (const f of KMS_UNIFIED_FILES) {
    const file = readSharedJson<UnifiedFile>(`spec-unified/${f}`);
    const opts = file.createEntities.find((e) => e.clientEncryption)?.clientEncryption?.clientEncryptionOpts;
    for (const t of file.tests) {
      it(`${f}: ${t.description}`, async () => {
        const kmip = fakeKmipExchange();
        const hosts: string[] = [];
        const kmsOptions = { fetch: routeToMock(mock.port, hosts), kmipExchange: kmip, ...sleepless };
        const kmsProviders = fill(opts!.kmsProviders);
        const vault = new MemoryKeyVault(await initialKeys(file, new KmsProviders(kmsProviders as never, [], kmsOptions), kmip));
        const ce = new ClientEncryption({ keyVault: vault, kmsProviders: kmsProviders as never, kmsOptions });
        const before = mock.requests.length;
        const created: DataKeyDocument[] = [];
        for (const op of t.operations) {
          if (op.expectError) {
            const e = await run(ce, vault, op, created).then(() => undefined, (err: unknown) => err);
            expect(e, `${op.name} should fail`).toBeInstanceOf(FleError);
            continue;
          }
          const result = await run(ce, vault, op, created);
          if ('expectResult' in op) {
            const actual = Array.isArray(result) ? (canonical({ a: result }) as { a: unknown }).a : canonical({ v: result }) as { v: unknown };
            matches(op.expectResult, Array.isArray(result) ? actual : (actual as { v: unknown }).v, op.name);
          }
        }
        // The key documents createDataKey stored are what its insert event carries.
        const inserts = (t.expectEvents ?? []).flatMap((e) => e.events).map((e) => e.commandStartedEvent?.command).filter((c) => c?.insert === 'datakeys');
        expect(created.length).toBe(inserts.length);
        inserts.forEach((c, i) => matches((c!.documents as unknown[])[0], canonical(created[i]), `insert ${i}`));
        if (t.outcome) matches(t.outcome[0]?.documents, (await vault.findAll()).map((d) => canonical(d)), 'outcome');
        // Every request the mock got was signed/authorized correctly.
        expect(mock.requests.slice(before).every((r) => r.signatureValid)).toBe(true);
      });
    }
  }
});
