// The specification's fle2v2-InsertFind-Indexed.json (../shared/test-vectors/spec-unified/) holds two
// client-side facts that need no server: the find command's FLE2FindEqualityPayloadV2 for "123"
// and the __safeContent__ tag the server stores for it (queryable-encryption.md §0).
import { AeadKey, bytesToHex, hmacSha256 } from '@fle-ts/crypto-core';
import { Binary, EJSON } from 'bson';
import { expect, it } from 'vitest';
import { describeShared, readSharedText } from '../../../scripts/test-support/shared.js';
import {
  andContentionFactorToken,
  edcTwiceDerivedToken,
  encryptQe,
  keyLookupFrom,
  parseFindEqualityPayloadV2,
} from '../src/index.js';

interface SpecFile {
  initialData: { collectionName: string; documents: { _id: Binary; keyMaterial: Binary }[] }[];
  createEntities: { client?: { autoEncryptOpts?: { kmsProviders: { local: { key: string } } } } }[];
  tests: { operations: { expectResult?: { __safeContent__?: Binary[] }[] }[]; expectEvents: { events: { commandStartedEvent: { command: Record<string, unknown> } }[] }[] }[];
}

const bytes = (b: Binary) => new Uint8Array(b.buffer.subarray(0, b.position));

describeShared('spec fle2v2-InsertFind-Indexed.json, offline parts', () => {
  it('the find payload for "123" is byte-equal and the server tag HMAC(EDCTwiceDerivedToken, 1) equals __safeContent__', () => {
    const spec = EJSON.parse(readSharedText('spec-unified/fle2v2-InsertFind-Indexed.json'), { relaxed: false }) as SpecFile;
    // The spec's local master key: the base64 decodes to 96 ASCII bytes, which are the key.
    const master = new TextEncoder().encode(atob(spec.createEntities[0]!.client!.autoEncryptOpts!.kmsProviders.local.key));
    expect(master.length).toBe(96);
    const keyDoc = spec.initialData.find((d) => d.collectionName === 'datakeys')!.documents[0]!;
    const keyMaterial = new AeadKey(master).decrypt(bytes(keyDoc.keyMaterial), new Uint8Array(0));
    const keys = keyLookupFrom([[bytes(keyDoc._id), keyMaterial]]);

    const find = spec.tests[0]!.expectEvents[0]!.events.map((e) => e.commandStartedEvent.command).find((c) => c.find === 'default')!;
    const expected = ((find.filter as Record<string, Record<string, Binary>>).encryptedIndexed!.$eq)!;
    const got = encryptQe('123', { algorithm: 'Indexed', keyId: keyDoc._id, contentionFactor: 0, queryType: 'equality' }, { keys });
    expect(bytesToHex(bytes(got))).toBe(bytesToHex(bytes(expected)));

    const stored = spec.tests[0]!.operations.flatMap((o) => o.expectResult ?? []).find((r) => r.__safeContent__)!.__safeContent__![0]!;
    const d = parseFindEqualityPayloadV2(bytes(got)).edcDerivedToken;
    const tag = hmacSha256(edcTwiceDerivedToken(andContentionFactorToken(d, 0n)), new Uint8Array([1, 0, 0, 0, 0, 0, 0, 0]));
    expect(bytesToHex(tag)).toBe(bytesToHex(bytes(stored)));
  });
});
