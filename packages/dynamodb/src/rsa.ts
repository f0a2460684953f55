// RSA for the wrapped provider and SHA256withRSA signatures, on BigInt (RFC 8017): OAEP with
// SHA-256 label hash and MGF1-SHA-1 (JCE "RSA/ECB/OAEPWithSHA-256AndMGF1Padding", which WebCrypto
// cannot express), legacy PKCS#1 v1.5 key transport (Java items without `amzn-ddb-wrap-alg`), and
// RSASSA-PKCS1-v1_5/SHA-256. Private keys are parsed and signed with by @fle-ts/kms.
import { concatBytes, constantTimeEqual, randomBytes, sha256 } from '@fle-ts/crypto-core';
import { parseRsaPrivateKey, rsaSignPkcs1Sha256, type RsaPrivateKey } from '@fle-ts/kms';
import { DynamoDbEncryptionError } from './errors.js';
import { sha1 } from './sha1.js';

export type { RsaPrivateKey };

/** An RSA public key. */
export interface RsaPublicKey {
  readonly n: bigint;
  readonly e: bigint;
  /** Modulus length in bytes. */
  readonly size: number;
}

const SHA256_DIGEST_INFO = Uint8Array.of(0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20);
const RSA_OID = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
const EMPTY_LABEL_SHA256 = /* @__PURE__ */ sha256(new Uint8Array(0));

function badKey(what: string, cause?: unknown): DynamoDbEncryptionError {
  return new DynamoDbEncryptionError('DDB_BAD_KEY', what, cause === undefined ? undefined : { cause });
}

/** One DER TLV at `pos`: [tag, value start, value end]. */
function tlv(der: Uint8Array, pos: number): [number, number, number] {
  const tag = der[pos];
  let len = der[pos + 1];
  if (tag === undefined || len === undefined) throw badKey('RSA public key DER is truncated');
  let start = pos + 2;
  if (len & 0x80) {
    const nb = len & 0x7f;
    if (nb < 1 || nb > 4) throw badKey('RSA public key DER has a bad length');
    len = 0;
    for (let i = 0; i < nb; i++) len = len * 256 + (der[start + i] ?? 0);
    start += nb;
  }
  if (start + len > der.length) throw badKey('RSA public key DER is truncated');
  return [tag, start, start + len];
}

function toBigInt(b: Uint8Array): bigint {
  let hex = '';
  for (const x of b) hex += x.toString(16).padStart(2, '0');
  return hex === '' ? 0n : BigInt('0x' + hex);
}

function toBytes(x: bigint, size: number): Uint8Array {
  const hex = x.toString(16).padStart(size * 2, '0');
  if (hex.length > size * 2) throw new DynamoDbEncryptionError('DDB_BAD_KEY', 'RSA value longer than the modulus');
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function modPow(base: bigint, exp: bigint, mod: bigint): bigint {
  let r = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % mod;
    b = (b * b) % mod;
  }
  return r;
}

/** Parses an RSA public key from X.509 SubjectPublicKeyInfo DER (what keys.json holds as `rsa*Pub`). */
export function parseRsaPublicKey(der: Uint8Array): RsaPublicKey {
  if (!(der instanceof Uint8Array)) throw badKey('an RSA public key must be DER bytes (SubjectPublicKeyInfo)');
  const [t0, s0, e0] = tlv(der, 0);
  if (t0 !== 0x30) throw badKey('RSA public key is not a DER SEQUENCE (SubjectPublicKeyInfo)');
  const [t1, s1, e1] = tlv(der, s0);
  const [oidTag, oidS, oidE] = tlv(der, s1);
  if (t1 !== 0x30 || oidTag !== 0x06 || !constantTimeEqual(der.subarray(oidS, oidE), RSA_OID)) throw badKey('public key is not an rsaEncryption SubjectPublicKeyInfo');
  const [t2, s2, e2] = tlv(der, e1);
  if (t2 !== 0x03 || der[s2] !== 0 || e2 > e0) throw badKey('RSA public key BIT STRING is malformed');
  const [t3, s3] = tlv(der, s2 + 1);
  if (t3 !== 0x30) throw badKey('RSAPublicKey is not a SEQUENCE');
  const [tn, sn, en] = tlv(der, s3);
  const [te, se, ee] = tlv(der, en);
  if (tn !== 0x02 || te !== 0x02) throw badKey('RSAPublicKey modulus or exponent is not an INTEGER');
  const n = toBigInt(der.subarray(sn, en));
  const e = toBigInt(der.subarray(se, ee));
  if (n < 2n ** 1023n || e < 3n) throw badKey('RSA public key is smaller than 1024 bits or has a bad exponent');
  return { n, e, size: Math.ceil(n.toString(16).length / 2) };
}

/** Parses an RSA private key from PKCS#8 (or PKCS#1) DER; errors are DDB_BAD_KEY without key bytes. */
export function parseRsaPrivateKeyDer(der: Uint8Array): RsaPrivateKey {
  try {
    return parseRsaPrivateKey(der, 'dynamodb', 'privateKey');
  } catch (cause) {
    throw badKey('the RSA private key is not PKCS#8 or PKCS#1 DER', cause);
  }
}

function privateOp(key: RsaPrivateKey, c: bigint): bigint {
  // CRT (RFC 8017 §5.1.2 2.b)
  const m1 = modPow(c, key.dp, key.p);
  const m2 = modPow(c, key.dq, key.q);
  const h = ((((m1 - m2) % key.p) + key.p) % key.p) * key.qinv % key.p;
  return m2 + h * key.q;
}

function mgf1Sha1(seed: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let c = 0, off = 0; off < length; c++, off += 20) {
    const h = sha1(concatBytes(seed, Uint8Array.of(c >>> 24, (c >>> 16) & 0xff, (c >>> 8) & 0xff, c & 0xff)));
    out.set(h.subarray(0, Math.min(20, length - off)), off);
  }
  return out;
}

function xorInto(a: Uint8Array, b: Uint8Array): void {
  for (let i = 0; i < a.length; i++) a[i]! ^= b[i]!;
}

/** RSAES-OAEP encryption (RFC 8017 §7.1.1), label hash SHA-256, MGF1-SHA-1, empty label. */
export function rsaOaepEncrypt(key: RsaPublicKey, message: Uint8Array, seed: Uint8Array = randomBytes(32)): Uint8Array {
  const k = key.size;
  const hLen = 32;
  if (message.length > k - 2 * hLen - 2) throw badKey('RSA key too small for OAEP-SHA-256 of this message');
  const db = new Uint8Array(k - hLen - 1);
  db.set(EMPTY_LABEL_SHA256);
  db[db.length - message.length - 1] = 0x01;
  db.set(message, db.length - message.length);
  xorInto(db, mgf1Sha1(seed, db.length));
  const maskedSeed = seed.slice();
  xorInto(maskedSeed, mgf1Sha1(db, hLen));
  const em = concatBytes(Uint8Array.of(0), maskedSeed, db);
  return toBytes(modPow(toBigInt(em), key.e, key.n), k);
}

function unwrapFailed(): DynamoDbEncryptionError {
  return new DynamoDbEncryptionError('DDB_UNWRAP_FAILED', 'the RSA-wrapped content key did not decrypt (wrong unwrapping key, wrong algorithm, or the material description was altered)');
}

function rsaDecryptRaw(key: RsaPrivateKey, c: Uint8Array): Uint8Array {
  if (c.length !== key.size) throw unwrapFailed();
  const x = toBigInt(c);
  if (x >= key.n) throw unwrapFailed();
  return toBytes(privateOp(key, x), key.size);
}

/** RSAES-OAEP decryption (RFC 8017 §7.1.2) with the same parameters; any failure is DDB_UNWRAP_FAILED. */
export function rsaOaepDecrypt(key: RsaPrivateKey, ciphertext: Uint8Array): Uint8Array {
  const em = rsaDecryptRaw(key, ciphertext);
  const hLen = 32;
  const seed = em.slice(1, 1 + hLen);
  const db = em.slice(1 + hLen);
  xorInto(seed, mgf1Sha1(db, hLen));
  xorInto(db, mgf1Sha1(seed, db.length));
  let ok = em[0] === 0 && constantTimeEqual(db.subarray(0, hLen), EMPTY_LABEL_SHA256);
  let i = hLen;
  while (i < db.length && db[i] === 0) i++;
  ok = ok && db[i] === 1;
  if (!ok) throw unwrapFailed();
  return db.slice(i + 1);
}

/** RSAES-PKCS1-v1_5 encryption (RFC 8017 §7.2.1): only to build legacy Java-style items in tests. */
export function rsaPkcs1v15Encrypt(key: RsaPublicKey, message: Uint8Array): Uint8Array {
  const k = key.size;
  if (message.length > k - 11) throw badKey('RSA key too small for this PKCS#1 v1.5 message');
  const ps = randomBytes(k - message.length - 3);
  for (let i = 0; i < ps.length; i++) while (ps[i] === 0) ps[i] = randomBytes(1)[0]!;
  const em = concatBytes(Uint8Array.of(0, 2), ps, Uint8Array.of(0), message);
  return toBytes(modPow(toBigInt(em), key.e, key.n), k);
}

/** RSAES-PKCS1-v1_5 decryption (RFC 8017 §7.2.2), JCE plain "RSA"; failure is DDB_UNWRAP_FAILED. */
export function rsaPkcs1v15Decrypt(key: RsaPrivateKey, ciphertext: Uint8Array): Uint8Array {
  const em = rsaDecryptRaw(key, ciphertext);
  let i = 2;
  while (i < em.length && em[i] !== 0) i++;
  if (em[0] !== 0 || em[1] !== 2 || i < 10 || i >= em.length) throw unwrapFailed();
  return em.slice(i + 1);
}

/** SHA256withRSA (RSASSA-PKCS1-v1_5, RFC 8017 §8.2.1) signature of `message`. */
export function rsaSignSha256(key: RsaPrivateKey, message: Uint8Array): Uint8Array {
  try {
    return rsaSignPkcs1Sha256(key, message, 'dynamodb');
  } catch (cause) {
    throw badKey('the RSA signing key is inconsistent', cause);
  }
}

/** Verifies a SHA256withRSA signature (RFC 8017 §8.2.2, by re-encoding and comparing). */
export function rsaVerifySha256(key: RsaPublicKey, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== key.size) return false;
  const s = toBigInt(signature);
  if (s >= key.n) return false;
  const em = toBytes(modPow(s, key.e, key.n), key.size);
  const t = concatBytes(SHA256_DIGEST_INFO, sha256(message));
  const expected = new Uint8Array(key.size);
  expected[1] = 0x01;
  expected.fill(0xff, 2, key.size - t.length - 1);
  expected.set(t, key.size - t.length);
  return constantTimeEqual(em, expected);
}
