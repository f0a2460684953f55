// issue 11 "untyped errors escaping": every bad input to the public API found by probing it
// (tests/fuzz of each entry point with null, numbers, strings, Maps) gives a KeyVaultError with a
// stable code, never a TypeError, and strings are never iterated as if they were arrays.
import { describe, expect, it } from 'vitest';
import {
  KeyBroker, KmsProviders, LocalKmsProvider, MemoryKeyVault, MongoKeyVault, createDataKey, parseProviderId, uuidBinary,
  type KeyVaultErrorCode, type KmsProvider,
} from '@fle-ts/keyvault';
import { FileKeyVault } from '@fle-ts/keyvault/node';
import { expectCode, ZERO_MASTER_KEY } from './helpers.js';
import { asCollection, FakeCollection } from './fake-collection.js';

const any = (v: unknown) => v as never;

describe('typed errors for bad arguments (issue 11: no TypeError escapes keyvault)', () => {
  const kms = new KmsProviders({ local: { key: ZERO_MASTER_KEY } });

  it('KmsProviders / LocalKmsProvider / parseProviderId', async () => {
    const cases: [() => unknown, KeyVaultErrorCode][] = [
      [() => new KmsProviders(any(null)), 'INVALID_ARGUMENT'],
      [() => new KmsProviders({}, any(5)), 'INVALID_ARGUMENT'],
      [() => new KmsProviders().register(any({})), 'INVALID_ARGUMENT'],
      [() => new KmsProviders().register(any({ name: 'local' })), 'INVALID_ARGUMENT'],
      [() => new LocalKmsProvider(ZERO_MASTER_KEY, any(5)), 'UNKNOWN_KMS_PROVIDER'],
      [() => parseProviderId(any(5)), 'UNKNOWN_KMS_PROVIDER'],
      [() => kms.get(any(null)), 'UNKNOWN_KMS_PROVIDER'],
      [() => kms.wrap(new Uint8Array(96), any(null)), 'INVALID_MASTER_KEY'],
      [() => kms.unwrap(new Uint8Array(160), any(undefined)), 'INVALID_MASTER_KEY'],
      [() => kms.get('local').wrap(new Uint8Array(96), any(null)), 'INVALID_MASTER_KEY'],
      [() => kms.get('local').unwrap(new Uint8Array(160), any(5)), 'INVALID_MASTER_KEY'],
    ];
    for (const [f, code] of cases) await expectCode(f, code);
  });

  it('a kmsProviders Map means the same providers as the object', async () => {
    const fromMap = new KmsProviders(any(new Map([['local', { key: ZERO_MASTER_KEY }]])));
    expect(fromMap.names()).toEqual(['local']);
    expect(fromMap.has('local')).toBe(true);
  });

  it('createDataKey: null options are no options (SPEC opts: DataKeyOpts | null); bad vault, alt names, clock are typed', async () => {
    const v = new MemoryKeyVault();
    await createDataKey(v, kms, 'local', any(null));
    expect(v.size).toBe(1);
    await expectCode(createDataKey(v, kms, 'local', any({ keyAltNames: 'abc' })), 'INVALID_ARGUMENT');
    await expectCode(createDataKey(v, kms, 'local', any({ keyAltNames: 5 })), 'INVALID_ARGUMENT');
    await expectCode(createDataKey(v, kms, 'local', any({ now: 'x' })), 'INVALID_ARGUMENT');
    await expectCode(createDataKey(any(null), kms, 'local'), 'INVALID_ARGUMENT');
    await expectCode(createDataKey(v, any(null), 'local'), 'INVALID_ARGUMENT');
    expect(v.size).toBe(1); // a string was not taken as the alt names 'a', 'b', 'c'
  });

  it('KeyBroker and the stores\' find: requests must be documents of arrays', async () => {
    const v = new MemoryKeyVault();
    await expectCode(() => new KeyBroker(any(null)), 'INVALID_ARGUMENT');
    await expectCode(() => new KeyBroker(any({ kmsProviders: kms })), 'INVALID_ARGUMENT');
    const b = new KeyBroker({ keyVault: v, kmsProviders: kms });
    await expectCode(b.getKeys(any(null)), 'INVALID_ARGUMENT');
    await expectCode(b.getKeys(any({ ids: 5 })), 'INVALID_ARGUMENT');
    await expectCode(b.getKeys(any({ altNames: 'ab' })), 'INVALID_ARGUMENT');
    await expectCode(b.getKeys(any({ altNames: [5] })), 'INVALID_ARGUMENT');
    for (const store of [v, new MongoKeyVault(asCollection(new FakeCollection())), new FileKeyVault('unused.json')]) {
      await expectCode(store.find(any(null)), 'INVALID_ARGUMENT');
      await expectCode(store.find(any({ ids: 5 })), 'INVALID_ARGUMENT');
      await expectCode(store.find(any({ altNames: 'ab' })), 'INVALID_ARGUMENT');
    }
  });

  it('updateKeyWrapping without an update, uuidBinary of the wrong size, FileKeyVault without a path', async () => {
    const v = new MemoryKeyVault();
    await expectCode(v.updateKeyWrapping(new Uint8Array(16), any(null)), 'INVALID_ARGUMENT');
    await expectCode(new MongoKeyVault(asCollection(new FakeCollection())).updateKeyWrapping(new Uint8Array(16), any(null)), 'INVALID_ARGUMENT');
    await expectCode(() => uuidBinary(new Uint8Array(3)), 'INVALID_ARGUMENT');
    await expectCode(() => uuidBinary(any(5)), 'INVALID_ARGUMENT');
    await expectCode(() => new FileKeyVault(any(5)), 'INVALID_ARGUMENT'); // a number would be read as a file descriptor
    await expectCode(() => new FileKeyVault(''), 'INVALID_ARGUMENT');
    expect(new FileKeyVault('v.json', any(null)).path).toBe('v.json');
  });

  it('a custom KmsProvider registers when it has a name and wrap/unwrap functions (the interface is unchanged)', () => {
    const p: KmsProvider = { name: 'local:custom', wrap: async (k) => k, unwrap: async (k) => k };
    expect(new KmsProviders({}, [p]).has('local:custom')).toBe(true);
  });
});
