// KMIP TTLV: kms-message's request and response byte arrays (read out of its C tests, copied into
// test-vectors/kms/kms-message-test/kmip/), the TTLV encodings of KMIP spec §9.1.2 (as kms-message's
// writer test uses them), the response framing parser, and malformed input.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkKmipResponse, decodeTtlv, encodeTtlv, KmipResponseParser, KmsError, kmipActivateRequest, kmipCreateRequest, kmipDecryptRequest,
  kmipEncryptRequest, kmipGetRequest, kmipRegisterSecretDataRequest, parseKmipCryptResponse, parseKmipSecretData, parseKmipUniqueIdentifier,
  ttlv, type TtlvItem,
} from '@fle-ts/kms';
import { readVectorBytes } from './vectors.js';
import { catchKms } from './catch-kms.js';

const REQ = readVectorBytes('kms-message-test/kmip/test_kms_kmip_request.c');
const RES = readVectorBytes('kms-message-test/kmip/test_kms_kmip_response.c');
const PARSER = readVectorBytes('kms-message-test/kmip/test_kms_kmip_response_parser.c');

/** The bytes of `#define NAME \ 0x.., ...` or `NAME[] = { 0x.., ... };` in a C file. */
function cBytes(source: string, name: string): Uint8Array {
  const def = new RegExp(`#define ${name}\\s+\\\\\\n((?:.*\\\\\\n)*.*)`).exec(source);
  const arr = new RegExp(`${name}\\[\\] = \\{([^}]*)\\}`).exec(source);
  const body = def?.[1] ?? arr?.[1];
  if (body === undefined) throw new Error(`${name} not found`);
  return Uint8Array.from(body.match(/0x[0-9a-fA-F]{2}/g)!.map((h) => parseInt(h, 16)));
}
const hex = (s: string): Uint8Array => Uint8Array.from(s.replace(/[^0-9A-Fa-f]/g, '').match(/../g)!.map((h) => parseInt(h, 16)));


describe('KMIP requests equal kms-message test_kms_kmip_request.c', () => {
  it('Register SecretData (96 bytes)', () => {
    const secret = cBytes(REQ, 'REGISTER_SECRETDATA_SECRETDATA');
    expect(secret).toHaveLength(96);
    expect(kmipRegisterSecretDataRequest(secret)).toEqual(cBytes(REQ, 'REGISTER_SECRETDATA_REQUEST'));
  });
  it('Get', () => expect(kmipGetRequest('7FJYvnV6XkaUCWuY96bCSc6AuhvkPpqI')).toEqual(cBytes(REQ, 'GET_REQUEST')));
  it('Activate', () => expect(kmipActivateRequest('7FJYvnV6XkaUCWuY96bCSc6AuhvkPpqI')).toEqual(cBytes(REQ, 'ACTIVATE_REQUEST')));
  it('a SecretData of 95 bytes is KMS_BAD_OPTIONS ("SecretData length")', () => {
    const e = catchKms(() => kmipRegisterSecretDataRequest(new Uint8Array(95)));
    expect([e.code, e.message]).toEqual(['KMS_BAD_OPTIONS', expect.stringContaining('SecretData length of 96, got 95')]);
  });
  it('Create, Encrypt and Decrypt have the structure of the XML in kms_kmip_request.c (KMIP 1.2)', () => {
    const op = (bytes: Uint8Array): TtlvItem[] => {
      const [msg] = decodeTtlv(bytes, 'kmip');
      return (msg as unknown as { items: TtlvItem[] }).items;
    };
    const summary = (bytes: Uint8Array): unknown => JSON.parse(JSON.stringify(op(bytes), (_, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? `bytes:${v.length}` : v)));
    const header = { tag: 0x420077, type: 1, items: [{ tag: 0x420069, type: 1, items: [{ tag: 0x42006a, type: 2, value: 1 }, { tag: 0x42006b, type: 2, value: 2 }] }, { tag: 0x42000d, type: 2, value: 1 }] };
    expect(summary(kmipCreateRequest())).toEqual([header, { tag: 0x42000f, type: 1, items: [{ tag: 0x42005c, type: 5, value: 1 }, { tag: 0x420079, type: 1, items: [
      { tag: 0x420057, type: 5, value: 2 },
      { tag: 0x420091, type: 1, items: [
        { tag: 0x420008, type: 1, items: [{ tag: 0x42000a, type: 7, value: 'Cryptographic Algorithm' }, { tag: 0x42000b, type: 5, value: 3 }] },
        { tag: 0x420008, type: 1, items: [{ tag: 0x42000a, type: 7, value: 'Cryptographic Length' }, { tag: 0x42000b, type: 2, value: 256 }] },
        { tag: 0x420008, type: 1, items: [{ tag: 0x42000a, type: 7, value: 'Cryptographic Usage Mask' }, { tag: 0x42000b, type: 2, value: 12 }] },
      ] },
    ] }] }]);
    const params = (encrypt: boolean) => ({ tag: 0x42002b, type: 1, items: [
      { tag: 0x420011, type: 5, value: 1 }, { tag: 0x42005f, type: 5, value: 3 }, { tag: 0x420028, type: 5, value: 3 },
      ...(encrypt ? [{ tag: 0x4200c5, type: 6, value: '1n' }] : []),
    ] });
    expect(summary(kmipEncryptRequest('39', new Uint8Array(96)))).toEqual([header, { tag: 0x42000f, type: 1, items: [{ tag: 0x42005c, type: 5, value: 31 }, { tag: 0x420079, type: 1, items: [
      { tag: 0x420094, type: 7, value: '39' }, params(true), { tag: 0x4200c2, type: 8, value: 'bytes:96' },
    ] }] }]);
    expect(summary(kmipDecryptRequest('39', new Uint8Array(112), new Uint8Array(16)))).toEqual([header, { tag: 0x42000f, type: 1, items: [{ tag: 0x42005c, type: 5, value: 32 }, { tag: 0x420079, type: 1, items: [
      { tag: 0x420094, type: 7, value: '39' }, params(false), { tag: 0x4200c2, type: 8, value: 'bytes:112' }, { tag: 0x42003d, type: 8, value: 'bytes:16' },
    ] }] }]);
  });
});

describe('KMIP responses from kms-message test_kms_kmip_response.c', () => {
  it('Register: UniqueIdentifier "39"', () => expect(parseKmipUniqueIdentifier(cBytes(RES, 'SUCCESS_REGISTER_RESPONSE'))).toBe('39'));
  it('Get: the SecretData bytes', () => expect(parseKmipSecretData(cBytes(RES, 'SUCCESS_GET_RESPONSE'))).toEqual(cBytes(RES, 'SUCCESS_GET_RESPONSE_SECRETDATA')));
  it('Get of a missing object: KMS_KMIP_ERROR with status, reason and message', () => {
    const e = catchKms(() => parseKmipSecretData(cBytes(RES, 'ERROR_GET_RESPOSE_NOTFOUND'), 'kmip:eu'));
    expect(e.code).toBe('KMS_KMIP_ERROR');
    expect(e.message).toBe("KMS provider 'kmip:eu': KMIP response error. Result Status (1): Operation Failed. Result Reason (1): Item Not Found. Result Message: ResultReasonItemNotFound");
    expect(catchKms(() => checkKmipResponse(cBytes(RES, 'ERROR_GET_RESPOSE_NOTFOUND'))).code).toBe('KMS_KMIP_ERROR');
  });
  it('an Encrypt answer gives Data and IV', () => {
    const res = encodeTtlv(ttlv.struct(0x42007b, [ttlv.struct(0x42000f, [ttlv.enumeration(0x42005c, 31), ttlv.enumeration(0x42007f, 0), ttlv.struct(0x42007c, [
      ttlv.text(0x420094, '39'), ttlv.bytes(0x4200c2, new Uint8Array([1, 2, 3])), ttlv.bytes(0x42003d, new Uint8Array(16).fill(9)),
    ])])]));
    expect(parseKmipCryptResponse(res)).toEqual({ data: new Uint8Array([1, 2, 3]), iv: new Uint8Array(16).fill(9) });
  });
  it('missing tags and malformed TTLV are KMS_BAD_RESPONSE', () => {
    const ok = cBytes(RES, 'SUCCESS_REGISTER_RESPONSE');
    expect(catchKms(() => parseKmipSecretData(ok)).message).toContain('unable to find tag SecretData');
    expect(catchKms(() => parseKmipUniqueIdentifier(ok.subarray(0, ok.length - 8))).code).toBe('KMS_BAD_RESPONSE');
    const badPad = ok.slice();
    badPad[badPad.length - 1] = 1;
    expect(catchKms(() => parseKmipUniqueIdentifier(badPad)).message).toContain('non-zero padding');
    expect(catchKms(() => decodeTtlv(hex('42 00 20 | 02 | 00 00 00 05 | 00 00 00 08 00 00 00 00'), 'kmip')).message).toContain('length 5, expected 4');
    expect(catchKms(() => decodeTtlv(hex('42 00 20 | 0F | 00 00 00 00'), 'kmip')).message).toContain('unknown type 15');
  });
  it('a length of 2^31 or more is refused as longer than the message (found by the property below)', () => {
    const e = catchKms(() => decodeTtlv(Uint8Array.from([0, 0, 0, 4, 128, 0, 0, 0]), 'kmip'));
    expect(e.message).toContain('longer than the message');
  });

  it('decoding never throws anything but KmsError on random bytes (property, 2000 runs)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      try {
        decodeTtlv(b, 'kmip');
      } catch (e) {
        expect(e).toBeInstanceOf(KmsError);
      }
    }), { numRuns: 2000 });
  });
});

describe('TTLV encodings of KMIP spec §9.1.2 (kms-message test_kmip_reader_writer.c kms_kmip_writer_test)', () => {
  const CASES: Array<[string, TtlvItem, string]> = [
    ['Integer 8', { tag: 0x420020, type: 0x02, value: 8 }, '42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00'],
    ['Long Integer 123456789000000000', { tag: 0x420020, type: 0x03, value: 123456789000000000n }, '42 00 20 | 03 | 00 00 00 08 | 01 B6 9B 4B A5 74 92 00'],
    ['Enumeration 255', { tag: 0x420020, type: 0x05, value: 255 }, '42 00 20 | 05 | 00 00 00 04 | 00 00 00 FF 00 00 00 00'],
    ['Boolean true', ttlv.boolean(0x420020, true), '42 00 20 | 06 | 00 00 00 08 | 00 00 00 00 00 00 00 01'],
    ['Text String "Hello World"', ttlv.text(0x420020, 'Hello World'), '42 00 20 | 07 | 00 00 00 0B | 48 65 6C 6C 6F 20 57 6F 72 6C 64 00 00 00 00 00'],
    ['Byte String 01 02 03', ttlv.bytes(0x420020, new Uint8Array([1, 2, 3])), '42 00 20 | 08 | 00 00 00 03 | 01 02 03 00 00 00 00 00'],
    ['Date-Time 2008-03-14T11:56:40Z', { tag: 0x420020, type: 0x09, value: 0x47da67f8n }, '42 00 20 | 09 | 00 00 00 08 | 00 00 00 00 47 DA 67 F8'],
    ['Structure {Enumeration 254, Integer 255}', ttlv.struct(0x420020, [ttlv.enumeration(0x420004, 254), ttlv.integer(0x420005, 255)]), '42 00 20 | 01 | 00 00 00 20 | 42 00 04 | 05 | 00 00 00 04 | 00 00 00 FE 00 00 00 00 | 42 00 05 | 02 | 00 00 00 04 | 00 00 00 FF 00 00 00 00'],
  ];
  for (const [name, item, expected] of CASES) {
    it(`${name}: encodes and decodes`, () => {
      expect(encodeTtlv(item)).toEqual(hex(expected));
      expect(decodeTtlv(hex(expected), 'kmip')).toEqual([item]);
    });
  }
});

describe('KMIP response framing (kms-message test_kms_kmip_response_parser.c)', () => {
  const SAMPLE = hex(/SAMPLE_KMIP =\s*((?:"[^"]*"\s*)+);/.exec(PARSER)![1]!.replace(/"/g, ''));

  it('asks for the 8-byte header, then the 32 bytes it announces, capped by max', () => {
    const p = new KmipResponseParser();
    expect(p.bytesNeeded(1024)).toBe(8);
    expect(p.bytesNeeded(1)).toBe(1);
    p.feed(SAMPLE.subarray(0, 1));
    expect(p.bytesNeeded(1024)).toBe(7);
    p.feed(SAMPLE.subarray(1, 8));
    expect(p.bytesNeeded(1024)).toBe(32);
    p.feed(SAMPLE.subarray(8));
    expect(p.bytesNeeded(1024)).toBe(0);
    expect(p.response()).toEqual(SAMPLE);
  });

  it('excess bytes and an unfinished message are KMS_BAD_RESPONSE', () => {
    const p = new KmipResponseParser();
    expect(catchKms(() => p.feed(new Uint8Array([...SAMPLE, 0]))).code).toBe('KMS_BAD_RESPONSE');
    const q = new KmipResponseParser();
    q.feed(SAMPLE.subarray(0, 20));
    expect(catchKms(() => q.response()).message).toContain('unfinished');
  });

  it('a length over 16 MiB is refused', () => {
    const p = new KmipResponseParser();
    expect(catchKms(() => p.feed(hex('42 00 7b 01 01 00 00 01'))).message).toContain('16 MiB');
  });
});
