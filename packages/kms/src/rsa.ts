// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.1, §9.2), synchronous and in pure TypeScript on
// BigInt, for the GCP service-account JWT (RS256). Synchronous because the driver's KMS loop asks
// for request bytes without awaiting (issue 13); WebCrypto's sign() is only asynchronous.
import { derUnsigned, readDerOne, readDerSequence } from './der.js';
import { KmsError } from './errors.js';
import { sha256 } from './hash.js';

/** An RSA private key with its CRT parameters (RFC 8017 §3.2, the second form). */
export interface RsaPrivateKey {
  readonly n: bigint;
  readonly e: bigint;
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qinv: bigint;
  /** Length of the modulus in bytes (the signature length). */
  readonly size: number;
}

// rsaEncryption, 1.2.840.113549.1.1.1
const RSA_ENCRYPTION_OID = Uint8Array.of(0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
// DER of DigestInfo for SHA-256 without the hash (RFC 8017 §9.2 note 1).
const SHA256_DIGEST_INFO = Uint8Array.of(0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20);

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function pkcs1(body: Uint8Array): RsaPrivateKey {
  const f = readDerSequence(body);
  if (derUnsigned(f[0]) !== 0n) throw new Error('only two-prime RSAPrivateKey (version 0) is supported');
  const [n, e, d, p, q, dp, dq, qinv] = f.slice(1, 9).map((x) => derUnsigned(x)) as [bigint, bigint, bigint, bigint, bigint, bigint, bigint, bigint];
  if (qinv === undefined) throw new Error('RSAPrivateKey has fewer than 9 fields');
  return { n, e, d, p, q, dp, dq, qinv, size: Math.ceil(n.toString(16).length / 2) };
}

/**
 * Parses an RSA private key from PKCS#8 PrivateKeyInfo DER (what GCP service-account keys hold,
 * base64 between the PEM lines) or PKCS#1 RSAPrivateKey DER. Throws KMS_BAD_OPTIONS naming
 * `provider` and `field`, without any key bytes.
 */
export function parseRsaPrivateKey(der: Uint8Array, provider: string, field: string): RsaPrivateKey {
  let key: RsaPrivateKey;
  try {
    const top = readDerSequence(readDerOne(der, 0x30));
    if (top[1]?.tag === 0x30) {
      // PKCS#8: version, AlgorithmIdentifier {rsaEncryption, NULL}, OCTET STRING {RSAPrivateKey}
      const alg = readDerSequence(top[1].value);
      if (alg[0]?.tag !== 0x06 || !equalBytes(alg[0].value, RSA_ENCRYPTION_OID)) throw new Error('the key is not an RSA key');
      if (top[2]?.tag !== 0x04) throw new Error('PrivateKeyInfo has no privateKey OCTET STRING');
      key = pkcs1(readDerOne(top[2].value, 0x30));
    } else {
      key = pkcs1(readDerOne(der, 0x30));
    }
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : 'malformed DER';
    throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} is not an RSA private key in PKCS#8 or PKCS#1 DER (${why})`, { cause });
  }
  if (key.size < 256) {
    throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} is an RSA key of ${key.size * 8} bits: use 2048 bits or more`);
  }
  if (key.p * key.q !== key.n) throw new KmsError('KMS_BAD_OPTIONS', provider, `${field} is inconsistent (p*q is not n)`);
  return key;
}

/** base^exp mod m (left-to-right square and multiply; not constant time, see README "Limits"). */
function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  let result = 1n;
  const b = base % m;
  const bits = exp.toString(2);
  for (let k = 0; k < bits.length; k++) {
    result = (result * result) % m;
    if (bits[k] === '1') result = (result * b) % m;
  }
  return result;
}

function toBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const x of bytes) v = (v << 8n) | BigInt(x);
  return v;
}

function toBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/**
 * The RSASSA-PKCS1-v1_5 SHA-256 signature of `message` (RFC 8017 §8.2.1), `key.size` bytes.
 * Deterministic, so it equals OpenSSL's and WebCrypto's. The result is checked with the public
 * exponent before it is returned (a CRT fault would otherwise leak the key).
 */
export function rsaSignPkcs1Sha256(key: RsaPrivateKey, message: Uint8Array, provider: string): Uint8Array {
  const t = new Uint8Array(SHA256_DIGEST_INFO.length + 32);
  t.set(SHA256_DIGEST_INFO);
  t.set(sha256(message), SHA256_DIGEST_INFO.length);
  const em = new Uint8Array(key.size);
  em[1] = 0x01;
  em.fill(0xff, 2, key.size - t.length - 1);
  em.set(t, key.size - t.length);
  const m = toBigInt(em);
  const m1 = modPow(m, key.dp, key.p);
  const m2 = modPow(m, key.dq, key.q);
  const h = (((m1 - m2) % key.p) + key.p) % key.p * key.qinv % key.p;
  const s = m2 + h * key.q;
  if (modPow(s, key.e, key.n) !== m) {
    throw new KmsError('KMS_BAD_OPTIONS', provider, 'the RSA private key is inconsistent (its CRT parameters do not match n and e): check the privateKey');
  }
  return toBytes(s, key.size);
}
