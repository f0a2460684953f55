// issue 11 item 12: a key the KeyBroker evicts, clears or closes is destroyed (wiped, and refuses
// to encrypt), and the unwrapped key material is wiped on every path.
import type { Binary } from 'bson';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AeadKey, FleCryptoError } from '@fle-ts/crypto-core';
import { KeyBroker, KmsProviders, LocalKmsProvider, MemoryKeyVault, createDataKey, keyMaterialBytes, type CachedDataKey, type KmsProvider } from '@fle-ts/keyvault';
import { expectCode, ZERO_MASTER_KEY } from './helpers.js';

/** One macrotask later: when keys evicted while handed out in the current one are destroyed. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function expectDestroyed(k: CachedDataKey): void {
  let err: unknown;
  try {
    k.key.encryptRandom(new Uint8Array([1]));
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(FleCryptoError);
  expect((err as FleCryptoError).code).toBe('KEY_DESTROYED');
}
const encrypts = (k: CachedDataKey) => k.key.decrypt(k.key.encryptRandom(new Uint8Array([1, 2]))).length === 2;

/** A local provider that keeps every buffer it hands out, so the test can see they were wiped. */
function spyingKms(failFor?: (material: Uint8Array) => boolean) {
  const inner = new LocalKmsProvider(ZERO_MASTER_KEY);
  const handedOut: Uint8Array[] = [];
  const p: KmsProvider = {
    name: 'local',
    wrap: (k, m) => inner.wrap(k, m),
    unwrap: async (k, m) => {
      if (failFor?.(k)) throw new Error('kms down');
      const raw = await inner.unwrap(k, m);
      handedOut.push(raw);
      return raw;
    },
  };
  return { kms: new KmsProviders({}, [p]), handedOut };
}

async function setup(ttl = 1000) {
  const { kms, handedOut } = spyingKms();
  const vault = new MemoryKeyVault();
  const ids: Binary[] = [];
  for (let i = 0; i < 3; i++) ids.push(await createDataKey(vault, kms, 'local', { keyAltNames: [`k${i}`], keyMaterial: new Uint8Array(96).fill(i + 1) }));
  let clock = 0;
  const broker = new KeyBroker({ keyVault: vault, kmsProviders: kms, keyExpirationMS: ttl, now: () => clock });
  return { broker, vault, kms, ids, handedOut, tick: (ms: number) => { clock += ms; } };
}

afterEach(() => vi.restoreAllMocks());

describe('issue 11 item 12: KeyBroker destroys the keys it drops', () => {
  it('an expired key can no longer encrypt once evicted (KEY_DESTROYED)', async () => {
    const { broker, ids, tick } = await setup();
    const k = await broker.getKeyById(ids[0] as Binary);
    expect(encrypts(k)).toBe(true);
    await nextTask();
    tick(1000);
    expect(broker.cacheSize).toBe(0); // the sweep evicts it
    expectDestroyed(k);
    const again = await broker.getKeyById(ids[0] as Binary);
    expect(again.key).not.toBe(k.key);
    expect(encrypts(again)).toBe(true);
  });

  it('clear() destroys every cached key; keys fetched afterwards work', async () => {
    const { broker, ids } = await setup();
    const keys = await broker.getKeys({ ids: [ids[0] as Binary], altNames: ['k1', 'k2'] });
    await nextTask();
    const destroy = vi.spyOn(AeadKey.prototype, 'destroy');
    broker.clear();
    expect(destroy).toHaveBeenCalledTimes(3);
    for (const k of keys) expectDestroyed(k);
    expect(encrypts(await broker.getKeyByAltName('k1'))).toBe(true);
  });

  it('an operation that got its keys in this task is not failed by a clear() or an expiry in between: they die one task later', async () => {
    const { broker, ids, tick } = await setup();
    const k = await broker.getKeyById(ids[0] as Binary);
    broker.clear(); // e.g. ClientEncryption after removeKeyAltName, while a decrypt holds k
    expect(encrypts(k)).toBe(true);
    const k2 = await broker.getKeyById(ids[1] as Binary);
    tick(1000);
    expect(broker.cacheSize).toBe(0);
    expect(encrypts(k2)).toBe(true);
    await nextTask();
    expectDestroyed(k);
    expectDestroyed(k2);
  });

  it('forgetAltNames() drops only the alt-name index: keys stay usable, alt names are looked up again', async () => {
    const { broker, vault, ids } = await setup();
    const k = await broker.getKeyByAltName('k0');
    await nextTask();
    await vault.removeKeyAltName(ids[0] as Binary, 'k0');
    broker.forgetAltNames();
    await nextTask();
    expect(encrypts(k)).toBe(true);
    expect((await broker.getKeyById(ids[0] as Binary)).key).toBe(k.key); // still cached by id
    await expectCode(broker.getKeyByAltName('k0'), 'KEY_NOT_FOUND');
  });

  it('evict(id) destroys that key only', async () => {
    const { broker, ids } = await setup();
    const [a, b] = await broker.getKeys({ ids: [ids[0] as Binary, ids[1] as Binary] });
    await nextTask();
    expect(broker.evict(ids[0] as Binary)).toBe(true);
    expect(broker.evict(ids[0] as Binary)).toBe(false);
    expectDestroyed(a as CachedDataKey);
    expect(encrypts(b as CachedDataKey)).toBe(true);
    expect(broker.cacheSize).toBe(1);
  });

  it('a key refetched while cached (alt name looked up again) replaces the old one, which is destroyed', async () => {
    const { broker, ids } = await setup();
    const k = await broker.getKeyById(ids[2] as Binary);
    broker.forgetAltNames();
    const viaName = await broker.getKeyByAltName('k2');
    await nextTask();
    expect(viaName.key).not.toBe(k.key);
    expectDestroyed(k);
    expect(encrypts(viaName)).toBe(true);
  });

  it('close() destroys every key at once, even ones handed out in this task; later calls throw CLOSED; clear/close stay harmless', async () => {
    const { broker, ids } = await setup();
    const held = await broker.getKeyById(ids[0] as Binary);
    const k1 = await broker.getKeyByAltName('k1');
    broker.clear(); // held and k1 are now waiting for the next task ...
    const k2 = await broker.getKeyByAltName('k2');
    broker.close(); // ... but close does not wait
    for (const k of [held, k1, k2]) expectDestroyed(k);
    const e = await expectCode(broker.getKeyById(ids[0] as Binary), 'CLOSED');
    expect(e.name).toBe('KeyVaultError');
    await expectCode(broker.getKeyByAltName('k1'), 'CLOSED');
    await expectCode(broker.getKeys({ ids: [ids[1] as Binary] }), 'CLOSED');
    expect(broker.cacheSize).toBe(0);
    broker.clear();
    broker.close();
  });

  it('close() while a fetch is under way: the fetched key is destroyed and the request fails CLOSED', async () => {
    const { broker, ids } = await setup();
    const destroy = vi.spyOn(AeadKey.prototype, 'destroy');
    const pending = broker.getKeyById(ids[0] as Binary);
    broker.close();
    await expectCode(pending, 'CLOSED');
    expect(destroy).toHaveBeenCalledTimes(1);
  });
});

describe('issue 11 item 12: unwrapped key material is wiped', () => {
  it('the 96-byte buffers a KMS provider returns are zeroed once the AeadKey holds the key', async () => {
    const { broker, ids, handedOut } = await setup();
    await broker.getKeys({ ids });
    expect(handedOut.length).toBe(3);
    for (const raw of handedOut) {
      expect(raw.length).toBe(96);
      expect(raw.every((b) => b === 0)).toBe(true);
    }
  });

  it('when one unwrap of a batch fails, the keys already unwrapped are destroyed and their buffers wiped', async () => {
    const good = spyingKms();
    const vault = new MemoryKeyVault();
    const a = await createDataKey(vault, good.kms, 'local', { keyMaterial: new Uint8Array(96).fill(9) });
    const b = await createDataKey(vault, good.kms, 'local');
    const [docB] = await vault.find({ ids: [b] });
    const badMaterial = keyMaterialBytes(docB as NonNullable<typeof docB>);
    const failing = spyingKms((m) => m.length === badMaterial.length && m.every((x, i) => x === badMaterial[i]));
    const destroy = vi.spyOn(AeadKey.prototype, 'destroy');
    const broker = new KeyBroker({ keyVault: vault, kmsProviders: failing.kms });
    await expect(broker.getKeys({ ids: [a, b] })).rejects.toThrow('kms down');
    expect(failing.handedOut.length).toBe(1);
    expect(failing.handedOut[0]?.every((x) => x === 0)).toBe(true);
    expect(destroy).toHaveBeenCalledTimes(1);
    expect(broker.cacheSize).toBe(0);
  });

  it('LocalKmsProvider.unwrap wipes a decrypted key of the wrong length before refusing it', async () => {
    const kek = new AeadKey(ZERO_MASTER_KEY);
    const wrapped95 = kek.encryptRandom(new Uint8Array(95).fill(0xab));
    const outputs: Uint8Array[] = [];
    const decrypt = AeadKey.prototype.decrypt;
    vi.spyOn(AeadKey.prototype, 'decrypt').mockImplementation(function (this: AeadKey, c: Uint8Array, aad?: Uint8Array) {
      const out = decrypt.call(this, c, aad);
      outputs.push(out);
      return out;
    });
    await expectCode(new LocalKmsProvider(ZERO_MASTER_KEY).unwrap(wrapped95), 'UNWRAP_FAILED');
    expect(outputs.length).toBe(1);
    expect(outputs[0]?.every((x) => x === 0)).toBe(true);
  });
});

describe('KeyBroker: a request is served what it fetched even when the cache changes before it resumes', () => {
  it('keyExpirationMS 1 with a slow vault, and a clear() racing the fetch: no spurious KEY_NOT_FOUND or KEY_DESTROYED', async () => {
    const { kms } = spyingKms();
    const mem = new MemoryKeyVault();
    const id = await createDataKey(mem, kms, 'local', { keyAltNames: ['slow'] });
    let clock = 0;
    let broker: KeyBroker | undefined;
    const slow = Object.assign(Object.create(mem) as MemoryKeyVault, {
      find: async (q: Parameters<MemoryKeyVault['find']>[0]) => {
        const docs = await mem.find(q);
        clock += 5; // the fetch outlasts the 1 ms expiry
        return docs;
      },
    });
    broker = new KeyBroker({ keyVault: slow, kmsProviders: kms, keyExpirationMS: 1, now: () => clock });
    const pending = broker.getKeys({ ids: [id], altNames: ['slow'] });
    // Other operations sweep and clear at every microtask step while the first one's fetch
    // resolves, so one of them lands between the keys entering the cache and the request resuming.
    let step = Promise.resolve();
    for (let i = 0; i < 40; i++) step = step.then(() => { broker?.clear(); void broker?.cacheSize; });
    const [a, b] = await pending;
    expect(encrypts(a as CachedDataKey)).toBe(true);
    expect((b as CachedDataKey).key).toBe((a as CachedDataKey).key);
  });
});

describe('KeyBroker.cachedKeyById / cachedKeyByAltName: the synchronous hit path (issue 18)', () => {
  it('returns exactly what getKeyById / getKeyByAltName return while cached and live, undefined otherwise, and never fetches', async () => {
    const { broker, vault, ids, tick } = await setup();
    const find = vi.spyOn(vault, 'find');
    expect(broker.cachedKeyById(ids[0] as Binary)).toBeUndefined(); // cold: no fetch from the sync path
    expect(broker.cachedKeyByAltName('k0')).toBeUndefined();
    expect(find).not.toHaveBeenCalled();
    const k = await broker.getKeyById(ids[0] as Binary);
    expect(broker.cachedKeyById(ids[0] as Binary)).toBe(k);
    expect(broker.cachedKeyById((ids[0] as Binary).buffer)).toBe(k);
    expect(broker.cachedKeyByAltName('k0')).toBe(k);
    expect(broker.cachedKeyByAltName('k1')).toBeUndefined();
    expect(broker.cachedKeyById(ids[1] as Binary)).toBeUndefined();
    expect(find).toHaveBeenCalledTimes(1);
    tick(1000); // expired: a miss, so the caller goes through getKeys and refetches
    expect(broker.cachedKeyById(ids[0] as Binary)).toBeUndefined();
    expect(broker.cachedKeyByAltName('k0')).toBeUndefined();
    broker.close();
    await expectCode(() => broker.cachedKeyById(ids[0] as Binary), 'CLOSED');
    await expectCode(() => broker.cachedKeyByAltName('k0'), 'CLOSED');
  });
  it('a forgotten alt name or an evicted key is a miss', async () => {
    const { broker, ids } = await setup();
    await broker.getKeys({ ids: [ids[0] as Binary, ids[1] as Binary], altNames: ['k0', 'k1'] });
    broker.forgetAltNames();
    expect(broker.cachedKeyByAltName('k0')).toBeUndefined();
    expect(broker.cachedKeyById(ids[0] as Binary)).toBeDefined();
    broker.evict(ids[1] as Binary);
    expect(broker.cachedKeyById(ids[1] as Binary)).toBeUndefined();
  });
});
