// The primitives under the item format, each against an independent implementation (node:crypto)
// or its RFC vector: AES-128/192/256 blocks and CBC/PKCS#7, AES key wrap (RFC 3394 §4),
// SHA-1, SHA256withRSA both ways, RSA PKCS#1 v1.5 key transport from Node, base64.
import { constants, createCipheriv, createHash, generateKeyPairSync, publicEncrypt, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AesKey } from '../src/aes.js';
import { aesCbcPkcs5Decrypt, aesCbcPkcs5Encrypt } from '../src/aes-cbc.js';
import { aesKeyUnwrap, aesKeyWrap } from '../src/aes-key-wrap.js';
import { fromBase64, toBase64 } from '../src/base64.js';
import { parseRsaPrivateKeyDer, parseRsaPublicKey, rsaOaepDecrypt, rsaOaepEncrypt, rsaPkcs1v15Decrypt, rsaSignSha256, rsaVerifySha256 } from '../src/rsa.js';
import { sha1 } from '../src/sha1.js';

const keySize = fc.constantFrom(16, 24, 32);
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('AES (FIPS-197) against node:crypto', () => {
  it('one block, every key size', () => {
    fc.assert(
      fc.property(keySize.chain((n) => fc.tuple(fc.uint8Array({ minLength: n, maxLength: n }), fc.uint8Array({ minLength: 16, maxLength: 16 }))), ([key, block]) => {
        const c = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false).update(block);
        const b = block.slice();
        const k = new AesKey(key);
        k.encryptBlock(b);
        expect(hex(b)).toBe(c.toString('hex'));
        k.decryptBlock(b);
        expect(b).toEqual(block);
      }),
      { numRuns: 200 },
    );
  });

  it('CBC with PKCS#7 padding, every key size (16/24 on ./aes.ts, 32 on crypto-core)', () => {
    fc.assert(
      fc.property(keySize.chain((n) => fc.tuple(fc.uint8Array({ minLength: n, maxLength: n }), fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ maxLength: 80 }))), ([key, iv, pt]) => {
        const node = createCipheriv(`aes-${key.length * 8}-cbc`, key, iv);
        const expected = Buffer.concat([iv, node.update(pt), node.final()]);
        const ours = aesCbcPkcs5Encrypt(key, pt, iv);
        expect(hex(ours)).toBe(expected.toString('hex'));
        expect(aesCbcPkcs5Decrypt(key, ours, 'x')).toEqual(pt);
      }),
      { numRuns: 200 },
    );
  });

  it('bad padding and bad length are DDB_DECRYPTION_FAILED', () => {
    const key = new Uint8Array(16);
    const ct = aesCbcPkcs5Encrypt(key, Uint8Array.of(1, 2, 3));
    expect(() => aesCbcPkcs5Decrypt(new Uint8Array(16).fill(1), ct, 'x')).toThrow(expect.objectContaining({ code: 'DDB_DECRYPTION_FAILED' }));
    expect(() => aesCbcPkcs5Decrypt(key, ct.subarray(0, 20), 'x')).toThrow(expect.objectContaining({ code: 'DDB_DECRYPTION_FAILED' }));
  });

  it('refuses other key sizes with DDB_BAD_KEY', () => {
    expect(() => new AesKey(new Uint8Array(20))).toThrow(expect.objectContaining({ code: 'DDB_BAD_KEY' }));
  });
});

describe('AES key wrap (RFC 3394)', () => {
  // RFC 3394 §4.1 and §4.6.
  it('§4.1 128-bit KEK, 128-bit key data', () => {
    const kek = Buffer.from('000102030405060708090A0B0C0D0E0F', 'hex');
    const data = Buffer.from('00112233445566778899AABBCCDDEEFF', 'hex');
    expect(hex(aesKeyWrap(kek, data)).toUpperCase()).toBe('1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5');
  });
  it('§4.6 256-bit KEK, 256-bit key data', () => {
    const kek = Buffer.from('000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F', 'hex');
    const data = Buffer.from('00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F', 'hex');
    expect(hex(aesKeyWrap(kek, data)).toUpperCase()).toBe('28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21');
  });
  it('matches node:crypto id-aesN-wrap and unwraps; a wrong KEK is DDB_UNWRAP_FAILED', () => {
    fc.assert(
      fc.property(keySize.chain((n) => fc.tuple(fc.uint8Array({ minLength: n, maxLength: n }), fc.integer({ min: 2, max: 6 }).chain((b) => fc.uint8Array({ minLength: 8 * b, maxLength: 8 * b })))), ([kek, data]) => {
        const node = createCipheriv(`id-aes${kek.length * 8}-wrap`, kek, Buffer.from('A6A6A6A6A6A6A6A6', 'hex'));
        const expected = Buffer.concat([node.update(data), node.final()]);
        const wrapped = aesKeyWrap(kek, data);
        expect(hex(wrapped)).toBe(expected.toString('hex'));
        expect(aesKeyUnwrap(kek, wrapped)).toEqual(data);
        const other = kek.slice();
        other[0]! ^= 1;
        expect(() => aesKeyUnwrap(other, wrapped)).toThrow(expect.objectContaining({ code: 'DDB_UNWRAP_FAILED' }));
      }),
      { numRuns: 50 },
    );
  });
});

describe('SHA-1 (MGF1 of JCE OAEP) against node:crypto', () => {
  it('random inputs across block boundaries', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (m) => {
      expect(hex(sha1(m))).toBe(createHash('sha1').update(m).digest('hex'));
    }), { numRuns: 200 });
  });
});

describe('RSA', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const priv = parseRsaPrivateKeyDer(new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' })));
  const pub = parseRsaPublicKey(new Uint8Array(publicKey.export({ type: 'spki', format: 'der' })));

  it('SHA256withRSA: ours verifies in node, node\'s verifies in ours, a changed message does not', () => {
    const msg = new Uint8Array(Buffer.from('string to sign'));
    const ours = rsaSignSha256(priv, msg);
    expect(verify('sha256', msg, publicKey, ours)).toBe(true);
    const theirs = new Uint8Array(sign('sha256', msg, privateKey));
    expect(rsaVerifySha256(pub, msg, theirs)).toBe(true);
    expect(hex(ours)).toBe(hex(theirs));
    expect(rsaVerifySha256(pub, Uint8Array.of(1), theirs)).toBe(false);
  });

  it('PKCS#1 v1.5 key transport: node encrypts, ours decrypts (legacy Java "RSA")', () => {
    const key = new Uint8Array(32).fill(7);
    const ct = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, key);
    expect(rsaPkcs1v15Decrypt(priv, new Uint8Array(ct))).toEqual(key);
  });

  it('OAEP-SHA256/MGF1-SHA1 round trip; node\'s OAEP with MGF1-SHA256 is refused (the mix matters)', () => {
    const key = new Uint8Array(32).fill(9);
    expect(rsaOaepDecrypt(priv, rsaOaepEncrypt(pub, key))).toEqual(key);
    const nodeSha256Mgf = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, key);
    expect(() => rsaOaepDecrypt(priv, new Uint8Array(nodeSha256Mgf))).toThrow(expect.objectContaining({ code: 'DDB_UNWRAP_FAILED' }));
  });

  it('malformed public keys are DDB_BAD_KEY', () => {
    expect(() => parseRsaPublicKey(Uint8Array.of(0x30, 0x03, 1, 2, 3))).toThrow(expect.objectContaining({ code: 'DDB_BAD_KEY' }));
    expect(() => parseRsaPrivateKeyDer(Uint8Array.of(0x30, 0x00))).toThrow(expect.objectContaining({ code: 'DDB_BAD_KEY' }));
  });
});

describe('base64', () => {
  it('round trip equals Buffer', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 50 }), (b) => {
      expect(toBase64(b)).toBe(Buffer.from(b).toString('base64'));
      expect(fromBase64(toBase64(b), 'x')).toEqual(b);
    }));
  });
  it('refuses bad text', () => {
    expect(() => fromBase64('abc', 'x')).toThrow(expect.objectContaining({ code: 'DDB_BAD_SERIALIZED' }));
    expect(() => fromBase64('ab!d', 'x')).toThrow(expect.objectContaining({ code: 'DDB_BAD_SERIALIZED' }));
  });
});
