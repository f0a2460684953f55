// A stand-in FieldCipherSource for engine tests: reversible, deterministic "encryption" that
// builds a real-looking FLE1 blob header (first byte 1/2, key UUID, type byte) around BSON {v}.
import { Binary, BSON } from 'bson';
import type { FieldCipher, FieldCipherSource, KeyNeeds } from '../src/field-cipher.js';

const TYPE_BYTES: Record<string, number> = { string: 2, int: 0x10, long: 0x12, double: 1, object: 3, array: 4, bool: 8, date: 9, binData: 5, objectId: 7 };

export class FakeCipherSource implements FieldCipherSource {
  prepareCalls: KeyNeeds[] = [];
  encryptCalls = 0;
  constructor(readonly altNames: Record<string, Binary> = {}) {}

  async prepare(needs: KeyNeeds): Promise<FieldCipher> {
    this.prepareCalls.push(needs);
    const keyFor = (o: { keyId?: Binary; keyAltName?: string }): Binary => {
      const k = o.keyId ?? (o.keyAltName !== undefined ? this.altNames[o.keyAltName] : undefined);
      if (!k) throw new Error(`fake: no key ${o.keyAltName}`);
      return k;
    };
    return {
      encrypt: (value, options) => {
        this.encryptCalls++;
        // Padded to a real blob's minimum size (18-byte header + 64-byte AEAD minimum, fle1-spec.md §2).
        const payload = BSON.serialize({ v: value, pad: new Binary(new Uint8Array(64)) });
        const out = new Uint8Array(18 + payload.length);
        out[0] = options.algorithm.endsWith('Deterministic') ? 1 : 2;
        out.set(keyFor(options).buffer.subarray(0, 16), 1);
        out[17] = TYPE_BYTES[typeof value === 'string' ? 'string' : 'object'] ?? 0;
        out.set(payload, 18);
        return new Binary(out, 6);
      },
      decrypt: (blob) => BSON.deserialize(blob.buffer.subarray(18, blob.position)).v,
      aeadKey: () => {
        throw new Error('fake: no AEAD keys (BSON-to-BSON decryption is tested with real keys)');
      },
    };
  }
}

export function uuid(byte: number): Binary {
  return new Binary(new Uint8Array(16).fill(byte), 4);
}
