import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Binary, EJSON } from 'bson';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bytesToHex } from '@fle-ts/crypto-core';
import {
  KeyBroker, KmsProviders, MemoryKeyVault, MongoKeyVault, createDataKey, keyMaterialBytes, newKeyId, parseKeyDocument, rewrapManyDataKey,
  type DataKeyDocument, type KeyVault, type KmsProvider, type MasterKey,
} from '@fle-ts/keyvault';
import { FileKeyVault } from '@fle-ts/keyvault/node';
import { expectCode, SPEC_MASTER_KEY, uuid, ZERO_MASTER_KEY } from './helpers.js';
import { asCollection, FakeCollection } from './fake-collection.js';
import { describeShared, readSharedJson } from '../../../scripts/test-support/shared.js';

/** KmsProviders whose local provider counts unwraps (the cache must avoid them). */
function countingKms(key = ZERO_MASTER_KEY): { kms: KmsProviders; unwraps: () => number } {
  const base = new KmsProviders({ local: { key } });
  const inner = base.get('local');
  let n = 0;
  const counting: KmsProvider = {
    name: 'local',
    wrap: (k, m) => inner.wrap(k, m),
    unwrap: (k, m) => { n++; return inner.unwrap(k, m); },
  };
  return { kms: new KmsProviders({}, [counting]), unwraps: () => n };
}

/** A vault that counts finds and can fail the k-th write (a replace or a rewrap's updateKeyWrapping). */
class InstrumentedVault extends MemoryKeyVault {
  finds = 0;
  writes = 0;
  failOnWrite = 0;
  override async find(q: Parameters<MemoryKeyVault['find']>[0]) {
    this.finds++;
    return super.find(q);
  }
  override async replace(d: DataKeyDocument) {
    this.#write();
    return super.replace(d);
  }
  override async updateKeyWrapping(...a: Parameters<MemoryKeyVault['updateKeyWrapping']>) {
    this.#write();
    return super.updateKeyWrapping(...a);
  }
  #write() {
    this.writes++;
    if (this.writes === this.failOnWrite) throw new Error('write failed');
  }
}

describe('fle1-spec §5 new data key (createDataKey)', () => {
  it('writes libmongocrypt field order, status 0, equal dates, UUID v4 id; the data key unwraps to the given keyMaterial', async () => {
    const vault = new MemoryKeyVault();
    const kms = new KmsProviders({ local: { key: SPEC_MASTER_KEY } });
    const material = new Uint8Array(96).map((_, i) => 255 - i);
    const id = await createDataKey(vault, kms, 'local', { keyAltNames: ['x', 'y'], keyMaterial: material, now: () => 1_700_000_000_000 });
    const [d] = await vault.find({ ids: [id] });
    if (!d) throw new Error('not stored');
    expect(Object.keys(d)).toEqual(['_id', 'keyAltNames', 'keyMaterial', 'creationDate', 'updateDate', 'status', 'masterKey']);
    expect(d.keyAltNames).toEqual(['x', 'y']);
    expect(d.status).toBe(0);
    expect(d.creationDate.getTime()).toBe(1_700_000_000_000);
    expect(d.updateDate.getTime()).toBe(d.creationDate.getTime());
    expect(d.masterKey).toEqual({ provider: 'local' });
    expect(d.keyMaterial.sub_type).toBe(0);
    expect(d.keyMaterial.position).toBe(160);
    expect(id.sub_type).toBe(4);
    expect(((id.buffer[6] as number) >> 4)).toBe(4);
    expect(((id.buffer[8] as number) & 0xc0)).toBe(0x80);
    expect(await kms.unwrap(keyMaterialBytes(d), d.masterKey)).toEqual(material);
  });

  it('random material by default, named local providers, Binary keyMaterial', async () => {
    const vault = new MemoryKeyVault();
    const kms = new KmsProviders({ 'local:a': { key: ZERO_MASTER_KEY }, 'local:b': { key: SPEC_MASTER_KEY } });
    const a = await createDataKey(vault, kms, 'local:a');
    const b = await createDataKey(vault, kms, 'local:b', { keyMaterial: new Binary(new Uint8Array(96).fill(5)) });
    const [da, db] = [(await vault.find({ ids: [a] }))[0], (await vault.find({ ids: [b] }))[0]];
    expect(da?.masterKey.provider).toBe('local:a');
    expect(await kms.unwrap(keyMaterialBytes(db as DataKeyDocument), { provider: 'local:b' })).toEqual(new Uint8Array(96).fill(5));
    expect('keyAltNames' in (da as DataKeyDocument)).toBe(false);
    expect(bytesToHex(newKeyId().buffer)).not.toBe(bytesToHex(newKeyId().buffer));
  });

  it('errors: INVALID_KEY_MATERIAL, duplicate alt names, DUPLICATE_KEY_ALT_NAME, masterKey mismatch, provider not configured/without credentials/unknown', async () => {
    const vault = new MemoryKeyVault();
    const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY }, aws: {} });
    const e = await expectCode(createDataKey(vault, kms, 'local', { keyMaterial: new Uint8Array(95) }), 'INVALID_KEY_MATERIAL');
    expect(e.message).toContain('keyMaterial should have length 96, but has length 95');
    await expectCode(createDataKey(vault, kms, 'local', { keyAltNames: ['a', 'a'] }), 'INVALID_ARGUMENT');
    await createDataKey(vault, kms, 'local', { keyAltNames: ['a'] });
    await expectCode(createDataKey(vault, kms, 'local', { keyAltNames: ['a'] }), 'DUPLICATE_KEY_ALT_NAME');
    await expectCode(createDataKey(vault, kms, 'local', { masterKey: { provider: 'local:x' } }), 'INVALID_MASTER_KEY');
    await expectCode(createDataKey(vault, kms, 'local:x'), 'KMS_PROVIDER_NOT_CONFIGURED');
    // aws: {} with no credentialProviders.aws: valid until used, then a KmsError naming what to pass
    await expect(createDataKey(vault, kms, 'aws', { masterKey: { provider: 'aws', region: 'r', key: 'arn' } })).rejects.toMatchObject({ code: 'KMS_BAD_OPTIONS', provider: 'aws', message: expect.stringContaining('credentialProviders.aws') });
    await expectCode(createDataKey(vault, kms, 'aws'), 'INVALID_MASTER_KEY'); // region/key missing
    await expectCode(createDataKey(vault, kms, 'vault'), 'UNKNOWN_KMS_PROVIDER');
    expect(vault.size).toBe(1);
  });
});

describe('LMC key broker: KeyBroker cache (keyExpirationMS, 60 s default)', () => {
  async function setup(ttl?: number) {
    const { kms, unwraps } = countingKms();
    const vault = new InstrumentedVault();
    let clock = 1_000_000;
    const ids: Binary[] = [];
    for (let i = 0; i < 5; i++) ids.push(await createDataKey(vault, kms, 'local', { keyAltNames: [`k${i}`], keyMaterial: new Uint8Array(96).fill(i) }));
    const broker = new KeyBroker({ keyVault: vault, kmsProviders: kms, ...(ttl === undefined ? {} : { keyExpirationMS: ttl }), now: () => clock });
    return { broker, vault, unwraps, ids, tick: (ms: number) => { clock += ms; } };
  }

  it('a key unwrapped once is served from the cache (no find, no unwrap) until it expires at 60 s', async () => {
    const { broker, vault, unwraps, ids, tick } = await setup();
    const first = await broker.getKeyById(ids[0] as Binary);
    expect([vault.finds, unwraps()]).toEqual([1, 1]);
    expect(bytesToHex(first.keyId)).toBe((ids[0] as Binary).toString('hex'));
    const enc = first.key.encryptDeterministic(new Uint8Array([1, 2, 3]));
    tick(59_999);
    const again = await broker.getKeyById((ids[0] as Binary).buffer);
    expect(again.key).toBe(first.key); // the same AeadKey object: nothing re-expanded
    expect((await broker.getKeyByAltName('k0')).key).toBe(first.key);
    expect([vault.finds, unwraps()]).toEqual([1, 1]);
    tick(1);
    const fresh = await broker.getKeyById(ids[0] as Binary);
    expect([vault.finds, unwraps()]).toEqual([2, 2]);
    expect(fresh.key.decrypt(enc)).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('expired entries are dropped', async () => {
    const { broker, ids, tick } = await setup(1000);
    await broker.getKeys({ ids: ids.slice(0, 3) });
    expect(broker.cacheSize).toBe(3);
    tick(1000);
    expect(broker.cacheSize).toBe(0);
  });

  it('keyExpirationMS 0 never expires', async () => {
    const { broker, vault, ids, tick } = await setup(0);
    await broker.getKeyById(ids[1] as Binary);
    tick(10 ** 12);
    await broker.getKeyById(ids[1] as Binary);
    expect(vault.finds).toBe(1);
  });

  it('getKeys does ONE find for many keys by id and alt name, in request order', async () => {
    const { broker, vault, unwraps, ids } = await setup();
    const keys = await broker.getKeys({ ids: [ids[3] as Binary, ids[0] as Binary], altNames: ['k1', 'k3'] });
    expect(vault.finds).toBe(1);
    expect(unwraps()).toBe(3);
    expect(keys.map((k) => k.keyAltNames[0])).toEqual(['k3', 'k0', 'k1', 'k3']);
    expect(keys[0]?.key).toBe(keys[3]?.key);
    await broker.getKeys({ ids: [ids[0] as Binary], altNames: ['k4'] }); // one miss → one more find
    expect(vault.finds).toBe(2);
    expect(unwraps()).toBe(4);
  });

  it('concurrent requests on a cold cache share fetches: one unwrap per key; an unknown key still fails alone', async () => {
    const { broker, vault, unwraps, ids } = await setup();
    const results = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => broker.getKeyById(ids[i % 2] as Binary)),
      broker.getKeys({ ids: [ids[0] as Binary], altNames: ['k1'] }),
    ]);
    // The first request fetches key 0; the others wait; then one of them fetches key 1 (21 without sharing).
    expect(vault.finds).toBe(2);
    expect(unwraps()).toBe(2);
    expect(new Set(results.flat().map((r) => r.key)).size).toBe(2);
    const [bad, good] = await Promise.allSettled([broker.getKeyByAltName('missing'), broker.getKeyById(ids[4] as Binary)]);
    expect(bad.status === 'rejected' && (bad.reason as { code?: string }).code).toBe('KEY_NOT_FOUND');
    expect(good.status).toBe('fulfilled');
  });

  it('property: any request served from the cache gives keys equal to a fresh unwrap', async () => {
    const { broker, ids } = await setup(0);
    await fc.assert(fc.asyncProperty(fc.array(fc.nat(4), { minLength: 1, maxLength: 8 }), async (idx) => {
      const keys = await broker.getKeys({ altNames: idx.map((i) => `k${i}`) });
      keys.forEach((k, j) => expect(bytesToHex(k.keyId)).toBe((ids[idx[j] as number] as Binary).toString('hex')));
    }), { numRuns: 30 });
  });

  it('KEY_NOT_FOUND for an unknown id or alt name, with libmongocrypt\'s message', async () => {
    const { broker, ids } = await setup();
    const e = await expectCode(broker.getKeyById(uuid('99999999999949998999999999999999')), 'KEY_NOT_FOUND');
    expect(e.message).toContain('not all keys requested were satisfied');
    await expectCode(broker.getKeyByAltName('nope'), 'KEY_NOT_FOUND');
    await expectCode(broker.getKeys({ ids: [ids[0] as Binary], altNames: ['nope'] }), 'KEY_NOT_FOUND');
  });

  it('an alt name removed from the vault is not served from a stale alt-name index after expiry', async () => {
    const { broker, vault, ids, tick } = await setup(1000);
    await broker.getKeyByAltName('k2');
    await vault.removeKeyAltName(ids[2] as Binary, 'k2');
    tick(1000);
    await expectCode(broker.getKeyByAltName('k2'), 'KEY_NOT_FOUND');
  });

  it('UNWRAP_FAILED when the vault holds a key wrapped by another master key; INVALID_ARGUMENT for a bad TTL', async () => {
    const vault = new MemoryKeyVault();
    const id = await createDataKey(vault, new KmsProviders({ local: { key: SPEC_MASTER_KEY } }), 'local');
    const broker = new KeyBroker({ keyVault: vault, kmsProviders: new KmsProviders({ local: { key: ZERO_MASTER_KEY } }) });
    await expectCode(broker.getKeyById(id), 'UNWRAP_FAILED');
    await expectCode(() => new KeyBroker({ keyVault: vault, kmsProviders: new KmsProviders(), keyExpirationMS: -1 }), 'INVALID_ARGUMENT');
    await expectCode(new KeyBroker({ keyVault: vault, kmsProviders: new KmsProviders() }).getKeyById(id), 'KMS_PROVIDER_NOT_CONFIGURED');
  });

  it('INVALID_KEY_DOCUMENT when the store returns two documents with the same alt name (LMC "keys returned have duplicate")', async () => {
    const { kms } = countingKms();
    const src = new MemoryKeyVault();
    const a = await createDataKey(src, kms, 'local', { keyAltNames: ['dup'] });
    const b = await createDataKey(src, kms, 'local');
    const docs = await src.findAll();
    (docs.find((d) => d._id.toString('hex') === b.toString('hex')) as DataKeyDocument).keyAltNames = ['dup'];
    const lying = Object.assign(new MemoryKeyVault(), { find: async () => docs });
    const broker = new KeyBroker({ keyVault: lying, kmsProviders: kms });
    await expectCode(broker.getKeys({ ids: [a, b] }), 'INVALID_KEY_DOCUMENT');
  });
});

describe('fle1-spec §5 rewrap (rewrapManyDataKey)', () => {
  async function setup() {
    const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY }, 'local:new': { key: SPEC_MASTER_KEY } });
    const vault = new InstrumentedVault();
    const materials = new Map<string, Uint8Array>();
    for (let i = 0; i < 6; i++) {
      const m = new Uint8Array(96).fill(10 + i);
      const id = await createDataKey(vault, kms, 'local', { keyMaterial: m, keyAltNames: [`k${i}`], now: () => 1000 });
      materials.set(id.toString('hex'), m);
    }
    return { kms, vault, materials };
  }
  async function readableUnder(kms: KmsProviders, d: DataKeyDocument, provider: string): Promise<Uint8Array | undefined> {
    return kms.unwrap(keyMaterialBytes(d), { provider }).catch(() => undefined);
  }

  it('rewraps every selected key under the new master key, updating updateDate and masterKey', async () => {
    const { kms, vault, materials } = await setup();
    const r = await rewrapManyDataKey(vault, kms, {}, { provider: 'local:new', now: () => 5000 });
    expect(r.rewrapped).toBe(6);
    expect(r.keyIds.length).toBe(6);
    for (const d of await vault.findAll()) {
      expect(d.masterKey).toEqual({ provider: 'local:new' });
      expect(d.updateDate.getTime()).toBe(5000);
      expect(d.creationDate.getTime()).toBe(1000);
      expect(await kms.unwrap(keyMaterialBytes(d), d.masterKey)).toEqual(materials.get(d._id.toString('hex')));
    }
  });

  it('filters select the keys: {keyAltNames}, {masterKey.provider}, no match → 0 and no write', async () => {
    const { kms, vault } = await setup();
    expect((await rewrapManyDataKey(vault, kms, { keyAltNames: 'k2' }, { provider: 'local:new' })).rewrapped).toBe(1);
    expect((await rewrapManyDataKey(vault, kms, { 'masterKey.provider': 'local:new' }, { provider: 'local' })).rewrapped).toBe(1);
    const before = vault.writes;
    expect((await rewrapManyDataKey(vault, kms, { keyAltNames: 'no_matching_keys' }, { provider: 'local:new' })).rewrapped).toBe(0);
    expect(vault.writes).toBe(before);
  });

  it('without options, each key is re-wrapped under its own master key with a fresh IV', async () => {
    const { kms, vault } = await setup();
    const old = await vault.findAll();
    expect((await rewrapManyDataKey(vault, kms)).rewrapped).toBe(6);
    const now = await vault.findAll();
    now.forEach((d, i) => {
      expect(d.masterKey).toEqual({ provider: 'local' });
      expect(d.keyMaterial.toString('hex')).not.toBe(old[i]?.keyMaterial.toString('hex'));
    });
  });

  it('property: failing on the k-th write leaves every key readable under the old or the new master key', async () => {
    await fc.assert(fc.asyncProperty(fc.integer({ min: 1, max: 6 }), async (k) => {
      const { kms, vault, materials } = await setup();
      vault.failOnWrite = k;
      const e = await expectCode(rewrapManyDataKey(vault, kms, {}, { provider: 'local:new' }), 'STORE_WRITE_FAILED');
      expect(e.message).toContain(`after ${k - 1} of 6`);
      let moved = 0;
      for (const d of await vault.findAll()) {
        const want = materials.get(d._id.toString('hex'));
        const got = await readableUnder(kms, d, d.masterKey.provider);
        expect(got).toEqual(want);
        if (d.masterKey.provider === 'local:new') moved++;
      }
      expect(moved).toBe(k - 1);
      expect(vault.size).toBe(6);
    }), { numRuns: 6 });
  });

  it('errors: target not configured / unknown, masterKey mismatch, undecryptable source key (nothing written)', async () => {
    const { kms, vault } = await setup();
    await expectCode(rewrapManyDataKey(vault, kms, {}, { provider: 'local:missing' }), 'KMS_PROVIDER_NOT_CONFIGURED');
    await expectCode(rewrapManyDataKey(vault, kms, {}, { provider: 'nope' }), 'UNKNOWN_KMS_PROVIDER');
    await expectCode(rewrapManyDataKey(vault, kms, {}, { provider: 'local', masterKey: { provider: 'local:new' } as MasterKey }), 'INVALID_MASTER_KEY');
    const other = new KmsProviders({ local: { key: SPEC_MASTER_KEY }, 'local:new': { key: SPEC_MASTER_KEY } });
    await expectCode(rewrapManyDataKey(vault, other, {}, { provider: 'local:new' }), 'UNWRAP_FAILED');
    expect(vault.writes).toBe(0);
  });
});

describeShared('SPEC unified keyCache.json: keyExpirationMS 1, decrypt, wait, decrypt → two key-vault finds', () => {
  it('refetches after expiry with the same $or filter and read concern, and decrypts "foobar" both times', async () => {
    const file = readSharedJson<{
      createEntities: { clientEncryption?: { clientEncryptionOpts: { kmsProviders: { local: { key: string } }; keyExpirationMS: number } } }[];
      initialData: { documents: unknown[] }[];
      tests: { operations: { name: string; arguments: { value?: unknown; ms?: number }; expectResult?: string }[]; expectEvents: { events: { commandStartedEvent: { command: { filter: unknown; readConcern: unknown } } }[] }[] }[];
    }>('spec-extra/unified/keyCache.json');
    const opts = file.createEntities.find((e) => e.clientEncryption)?.clientEncryption?.clientEncryptionOpts;
    if (!opts) throw new Error('no clientEncryption entity');
    const fake = new FakeCollection();
    for (const d of file.initialData[0]?.documents ?? []) await fake.mem.insert(parseKeyDocument(JSON.stringify(d)));
    let clock = 0;
    const broker = new KeyBroker({
      keyVault: new MongoKeyVault(asCollection(fake)),
      kmsProviders: new KmsProviders(opts.kmsProviders),
      keyExpirationMS: opts.keyExpirationMS,
      now: () => clock,
    });
    const test = file.tests[0];
    if (!test) throw new Error('no test');
    for (const op of test.operations) {
      if (op.name === 'wait') { clock += op.arguments.ms ?? 0; continue; }
      // FLE1 blob (fle1-spec.md §2): subtype 1, key id, type byte, AEAD output; AAD = first 18 bytes.
      const blob = (EJSON.deserialize({ v: op.arguments.value }, { relaxed: false }).v as Binary).buffer;
      const { key } = await broker.getKeyById(blob.subarray(1, 17));
      const p = key.decrypt(blob.subarray(18), blob.subarray(0, 18));
      expect(blob[17]).toBe(0x02);
      expect(new TextDecoder().decode(p.subarray(4, p.length - 1))).toBe(op.expectResult);
    }
    const finds = fake.calls.filter((c) => c.method === 'find');
    const expected = test.expectEvents[0]?.events ?? [];
    expect(finds.length).toBe(expected.length);
    finds.forEach((c, i) => {
      const cmd = expected[i]?.commandStartedEvent.command;
      expect(JSON.parse(EJSON.stringify(c.args[0] as Record<string, unknown>, { relaxed: false }))).toEqual(cmd?.filter);
      expect(c.args[1]).toEqual({ readConcern: cmd?.readConcern });
    });
  });
});

describe('issue 11 item 15: createDataKey takes the driver\'s masterKey spelling (provider from the first argument)', () => {
  it('accepts a masterKey without provider, as SPEC DataKeyOpts.masterKey and the Node driver spell it', async () => {
    const vault = new MemoryKeyVault();
    const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY }, 'local:t1': { key: SPEC_MASTER_KEY } });
    const a = await createDataKey(vault, kms, 'local', { masterKey: {} });
    const b = await createDataKey(vault, kms, 'local:t1', { masterKey: {} });
    expect((await vault.find({ ids: [a] }))[0]?.masterKey).toEqual({ provider: 'local' });
    expect((await vault.find({ ids: [b] }))[0]?.masterKey).toEqual({ provider: 'local:t1' });
    // aws: the shape is checked with provider taken from the argument (then the provider asks for credentials)
    const aws = new KmsProviders({ aws: {} });
    await expect(createDataKey(vault, aws, 'aws', { masterKey: { region: 'us-east-1', key: 'arn:aws:kms:us-east-1:1:key/x' } as unknown as MasterKey })).rejects.toMatchObject({ code: 'KMS_BAD_OPTIONS', provider: 'aws' });
    await expectCode(createDataKey(vault, aws, 'aws', { masterKey: { region: 'us-east-1' } as unknown as MasterKey }), 'INVALID_MASTER_KEY');
    // a provider that disagrees with the argument is a typed error, naming both
    const e = await expectCode(createDataKey(vault, kms, 'local', { masterKey: { provider: 'local:t1' } }), 'INVALID_MASTER_KEY');
    expect(e.message).toContain("'local:t1'");
    await expectCode(createDataKey(vault, kms, 'local', { masterKey: { provider: 5 } as unknown as MasterKey }), 'INVALID_MASTER_KEY');
    await expectCode(createDataKey(vault, kms, 'local', { masterKey: 'local' as unknown as MasterKey }), 'INVALID_MASTER_KEY');
    expect(vault.size).toBe(2);
  });

  it('rewrapManyDataKey takes the same spelling: { provider, masterKey } without masterKey.provider', async () => {
    const vault = new MemoryKeyVault();
    const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY }, 'local:new': { key: SPEC_MASTER_KEY } });
    await createDataKey(vault, kms, 'local');
    expect((await rewrapManyDataKey(vault, kms, {}, { provider: 'local:new', masterKey: {} })).rewrapped).toBe(1);
    expect((await vault.findAll())[0]?.masterKey).toEqual({ provider: 'local:new' });
  });
});

describe('issue 11 item 5: rewrapManyDataKey updates only keyMaterial, masterKey and updateDate', () => {
  // An alt name added by someone else between rewrap's read and its write (SPEC rewrapManyDataKey:
  // updateOne with $set {masterKey, keyMaterial} and $currentDate {updateDate}) must survive.
  function racing(vault: KeyVault): KeyVault {
    return new Proxy(vault, {
      get(target, prop) {
        if (prop === 'findByFilter') {
          return async (f?: Record<string, unknown>) => {
            const docs = await target.findByFilter(f);
            for (const d of docs) await target.addKeyAltName(d._id, `added-${d._id.toString('hex').slice(0, 6)}`);
            await target.removeKeyAltName(docs[0]?._id as Binary, 'gone');
            return docs;
          };
        }
        const v = (target as unknown as Record<PropertyKey, unknown>)[prop];
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }
  const stores: [string, () => KeyVault][] = [
    ['MemoryKeyVault', () => new MemoryKeyVault()],
    ['FileKeyVault', () => new FileKeyVault(join(mkdtempSync(join(tmpdir(), 'fle-ts-rewrap-race-')), 'v.json'))],
    ['MongoKeyVault (fake collection)', () => new MongoKeyVault(asCollection(new FakeCollection()))],
  ];
  for (const [name, make] of stores) {
    it(`${name}: an alt name added (or removed) while rewrap runs is kept; the key moved to the new master key`, async () => {
      const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY }, 'local:new': { key: SPEC_MASTER_KEY } });
      const vault = make();
      const material = new Uint8Array(96).fill(7);
      const id = await createDataKey(vault, kms, 'local', { keyAltNames: ['gone', 'kept'], keyMaterial: material, now: () => 1000 });
      const r = await rewrapManyDataKey(racing(vault), kms, {}, { provider: 'local:new', now: () => 5000 });
      expect(r.rewrapped).toBe(1);
      const [d] = await vault.find({ ids: [id] });
      if (!d) throw new Error('key lost');
      expect(d.keyAltNames).toEqual(['kept', `added-${id.toString('hex').slice(0, 6)}`]);
      expect(d.masterKey).toEqual({ provider: 'local:new' });
      expect(d.creationDate.getTime()).toBe(1000);
      expect(d.updateDate.getTime()).toBeGreaterThan(1000);
      expect(await kms.unwrap(keyMaterialBytes(d), d.masterKey)).toEqual(material);
    });
  }

  it('MongoKeyVault sends updateOne {$set: {masterKey, keyMaterial}, $currentDate: {updateDate: true}} with write concern majority', async () => {
    const f = new FakeCollection();
    const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY }, 'local:new': { key: SPEC_MASTER_KEY } });
    const v = new MongoKeyVault(asCollection(f));
    const id = await createDataKey(v, kms, 'local');
    f.calls = [];
    await rewrapManyDataKey(v, kms, {}, { provider: 'local:new' });
    const update = f.calls.find((c) => c.method !== 'find');
    expect(update?.method).toBe('updateOne');
    const [filter, u, opts] = update?.args as [{ _id: Binary }, { $set: { masterKey: unknown; keyMaterial: Binary }; $currentDate: unknown }, unknown];
    expect(filter._id.toString('hex')).toBe(id.toString('hex'));
    expect(Object.keys(u)).toEqual(['$set', '$currentDate']);
    expect(Object.keys(u.$set)).toEqual(['masterKey', 'keyMaterial']);
    expect(u.$set.masterKey).toEqual({ provider: 'local:new' });
    expect(u.$set.keyMaterial.sub_type).toBe(0);
    expect(u.$currentDate).toEqual({ updateDate: true });
    expect(opts).toEqual({ writeConcern: { w: 'majority' } });
  });
});
