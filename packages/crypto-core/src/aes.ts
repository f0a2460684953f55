/**
 * AES-256 (FIPS-197) with 32-bit T-tables, and CBC mode (NIST SP 800-38A 6.2) without padding.
 *
 * Why our own and not `@noble/ciphers`' `cbc()`: MongoDB field values are small (16-256 B),
 * so per-call cost dominates. noble's `cbc(key, iv)` expands the key schedule on every call
 * and allocates; here the encryption and decryption schedules are expanded once per key
 * ({@link Aes256Key}) and CBC runs straight over the caller's buffers.
 *
 * Timing: like noble's AES and OpenSSL's portable C AES, the round function indexes tables
 * with secret bytes, so it is not constant-time with respect to cache timing on shared
 * hardware. See the crypto-core README ("Side channels").
 */

/** Forward S-box, inverse S-box and the four round tables, built once at module load. */
const SBOX = new Uint8Array(256);
const INV_SBOX = new Uint8Array(256);
const TE0 = new Int32Array(256);
const TE1 = new Int32Array(256);
const TE2 = new Int32Array(256);
const TE3 = new Int32Array(256);
const TD0 = new Int32Array(256);
const TD1 = new Int32Array(256);
const TD2 = new Int32Array(256);
const TD3 = new Int32Array(256);

/** Multiplication by x in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (FIPS-197 4.2.1). */
function xtime(b: number): number {
  return ((b << 1) ^ (b & 0x80 ? 0x1b : 0)) & 0xff;
}

function gmul(a: number, b: number): number {
  let r = 0;
  for (; b > 0; b >>= 1, a = xtime(a)) if (b & 1) r ^= a;
  return r;
}

(function buildTables() {
  // S-box from its definition (FIPS-197 5.1.1): multiplicative inverse, then the affine map.
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  for (let i = 0, x = 1; i < 255; i++, x = gmul(x, 3)) {
    exp[i] = x;
    log[x] = i;
  }
  for (let i = 0; i < 256; i++) {
    const inv = i === 0 ? 0 : exp[(255 - log[i]!) % 255]!;
    let s = inv;
    for (let r = 1; r < 5; r++) s ^= ((inv << r) | (inv >>> (8 - r))) & 0xff;
    s ^= 0x63;
    SBOX[i] = s;
    INV_SBOX[s] = i;
  }
  for (let i = 0; i < 256; i++) {
    const s = SBOX[i]!;
    const e = (gmul(s, 2) << 24) | (s << 16) | (s << 8) | gmul(s, 3);
    TE0[i] = e;
    TE1[i] = (e >>> 8) | (e << 24);
    TE2[i] = (e >>> 16) | (e << 16);
    TE3[i] = (e >>> 24) | (e << 8);
    const v = INV_SBOX[i]!;
    const d = (gmul(v, 14) << 24) | (gmul(v, 9) << 16) | (gmul(v, 13) << 8) | gmul(v, 11);
    TD0[i] = d;
    TD1[i] = (d >>> 8) | (d << 24);
    TD2[i] = (d >>> 16) | (d << 16);
    TD3[i] = (d >>> 24) | (d << 8);
  }
})();

const ROUNDS = 14;
const SCHEDULE_WORDS = 4 * (ROUNDS + 1);

function subWord(w: number): number {
  return (SBOX[w >>> 24]! << 24) | (SBOX[(w >>> 16) & 0xff]! << 16) | (SBOX[(w >>> 8) & 0xff]! << 8) | SBOX[w & 0xff]!;
}

/** A 32-byte AES key with both round-key schedules expanded once. Wipe with {@link Aes256Key.destroy}. */
export class Aes256Key {
  /** Encryption schedule w[0..60) (FIPS-197 5.2). */
  readonly enc = new Int32Array(SCHEDULE_WORDS);
  /** Equivalent inverse cipher schedule (FIPS-197 5.3.5): reversed rounds, InvMixColumns on the inner ones. */
  readonly dec = new Int32Array(SCHEDULE_WORDS);

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new RangeError('AES-256 key must be 32 bytes');
    const w = this.enc;
    for (let i = 0; i < 8; i++) w[i] = (key[4 * i]! << 24) | (key[4 * i + 1]! << 16) | (key[4 * i + 2]! << 8) | key[4 * i + 3]!;
    for (let i = 8, rcon = 1; i < SCHEDULE_WORDS; i++) {
      let t = w[i - 1]!;
      if (i % 8 === 0) {
        t = subWord((t << 8) | (t >>> 24)) ^ (rcon << 24);
        rcon = xtime(rcon);
      } else if (i % 8 === 4) {
        t = subWord(t);
      }
      w[i] = w[i - 8]! ^ t;
    }
    const d = this.dec;
    for (let r = 0; r <= ROUNDS; r++) {
      for (let c = 0; c < 4; c++) {
        const x = w[4 * (ROUNDS - r) + c]!;
        d[4 * r + c] =
          r === 0 || r === ROUNDS
            ? x
            : TD0[SBOX[x >>> 24]!]! ^ TD1[SBOX[(x >>> 16) & 0xff]!]! ^ TD2[SBOX[(x >>> 8) & 0xff]!]! ^ TD3[SBOX[x & 0xff]!]!;
      }
    }
  }

  /** Overwrites both schedules. */
  destroy(): void {
    this.enc.fill(0);
    this.dec.fill(0);
  }
}

function load(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}

function store(b: Uint8Array, o: number, w: number): void {
  b[o] = w >>> 24;
  b[o + 1] = w >>> 16;
  b[o + 2] = w >>> 8;
  b[o + 3] = w;
}

/**
 * CBC encryption of `length` bytes (a multiple of 16) from `src[srcOff..]` into `dst[dstOff..]`
 * with the 16-byte IV at `iv[ivOff..]`. `dst` may alias `src` at the same offset.
 */
export function cbcEncrypt(
  key: Aes256Key,
  iv: Uint8Array,
  ivOff: number,
  src: Uint8Array,
  srcOff: number,
  length: number,
  dst: Uint8Array,
  dstOff: number,
): void {
  const k = key.enc;
  let c0 = load(iv, ivOff);
  let c1 = load(iv, ivOff + 4);
  let c2 = load(iv, ivOff + 8);
  let c3 = load(iv, ivOff + 12);
  for (let p = 0; p < length; p += 16) {
    const i = srcOff + p;
    let s0 = (c0 ^ load(src, i) ^ k[0]!) | 0;
    let s1 = (c1 ^ load(src, i + 4) ^ k[1]!) | 0;
    let s2 = (c2 ^ load(src, i + 8) ^ k[2]!) | 0;
    let s3 = (c3 ^ load(src, i + 12) ^ k[3]!) | 0;
    let t0, t1, t2, t3;
    // 13 full rounds, unrolled: constant round-key offsets let V8 drop the index arithmetic
    // and bounds-check work of a loop (measured: about 2x per block on V8).
    t0 = TE0[s0 >>> 24]! ^ TE1[(s1 >>> 16) & 0xff]! ^ TE2[(s2 >>> 8) & 0xff]! ^ TE3[s3 & 0xff]! ^ k[4]!;
    t1 = TE0[s1 >>> 24]! ^ TE1[(s2 >>> 16) & 0xff]! ^ TE2[(s3 >>> 8) & 0xff]! ^ TE3[s0 & 0xff]! ^ k[5]!;
    t2 = TE0[s2 >>> 24]! ^ TE1[(s3 >>> 16) & 0xff]! ^ TE2[(s0 >>> 8) & 0xff]! ^ TE3[s1 & 0xff]! ^ k[6]!;
    t3 = TE0[s3 >>> 24]! ^ TE1[(s0 >>> 16) & 0xff]! ^ TE2[(s1 >>> 8) & 0xff]! ^ TE3[s2 & 0xff]! ^ k[7]!;
    s0 = TE0[t0 >>> 24]! ^ TE1[(t1 >>> 16) & 0xff]! ^ TE2[(t2 >>> 8) & 0xff]! ^ TE3[t3 & 0xff]! ^ k[8]!;
    s1 = TE0[t1 >>> 24]! ^ TE1[(t2 >>> 16) & 0xff]! ^ TE2[(t3 >>> 8) & 0xff]! ^ TE3[t0 & 0xff]! ^ k[9]!;
    s2 = TE0[t2 >>> 24]! ^ TE1[(t3 >>> 16) & 0xff]! ^ TE2[(t0 >>> 8) & 0xff]! ^ TE3[t1 & 0xff]! ^ k[10]!;
    s3 = TE0[t3 >>> 24]! ^ TE1[(t0 >>> 16) & 0xff]! ^ TE2[(t1 >>> 8) & 0xff]! ^ TE3[t2 & 0xff]! ^ k[11]!;
    t0 = TE0[s0 >>> 24]! ^ TE1[(s1 >>> 16) & 0xff]! ^ TE2[(s2 >>> 8) & 0xff]! ^ TE3[s3 & 0xff]! ^ k[12]!;
    t1 = TE0[s1 >>> 24]! ^ TE1[(s2 >>> 16) & 0xff]! ^ TE2[(s3 >>> 8) & 0xff]! ^ TE3[s0 & 0xff]! ^ k[13]!;
    t2 = TE0[s2 >>> 24]! ^ TE1[(s3 >>> 16) & 0xff]! ^ TE2[(s0 >>> 8) & 0xff]! ^ TE3[s1 & 0xff]! ^ k[14]!;
    t3 = TE0[s3 >>> 24]! ^ TE1[(s0 >>> 16) & 0xff]! ^ TE2[(s1 >>> 8) & 0xff]! ^ TE3[s2 & 0xff]! ^ k[15]!;
    s0 = TE0[t0 >>> 24]! ^ TE1[(t1 >>> 16) & 0xff]! ^ TE2[(t2 >>> 8) & 0xff]! ^ TE3[t3 & 0xff]! ^ k[16]!;
    s1 = TE0[t1 >>> 24]! ^ TE1[(t2 >>> 16) & 0xff]! ^ TE2[(t3 >>> 8) & 0xff]! ^ TE3[t0 & 0xff]! ^ k[17]!;
    s2 = TE0[t2 >>> 24]! ^ TE1[(t3 >>> 16) & 0xff]! ^ TE2[(t0 >>> 8) & 0xff]! ^ TE3[t1 & 0xff]! ^ k[18]!;
    s3 = TE0[t3 >>> 24]! ^ TE1[(t0 >>> 16) & 0xff]! ^ TE2[(t1 >>> 8) & 0xff]! ^ TE3[t2 & 0xff]! ^ k[19]!;
    t0 = TE0[s0 >>> 24]! ^ TE1[(s1 >>> 16) & 0xff]! ^ TE2[(s2 >>> 8) & 0xff]! ^ TE3[s3 & 0xff]! ^ k[20]!;
    t1 = TE0[s1 >>> 24]! ^ TE1[(s2 >>> 16) & 0xff]! ^ TE2[(s3 >>> 8) & 0xff]! ^ TE3[s0 & 0xff]! ^ k[21]!;
    t2 = TE0[s2 >>> 24]! ^ TE1[(s3 >>> 16) & 0xff]! ^ TE2[(s0 >>> 8) & 0xff]! ^ TE3[s1 & 0xff]! ^ k[22]!;
    t3 = TE0[s3 >>> 24]! ^ TE1[(s0 >>> 16) & 0xff]! ^ TE2[(s1 >>> 8) & 0xff]! ^ TE3[s2 & 0xff]! ^ k[23]!;
    s0 = TE0[t0 >>> 24]! ^ TE1[(t1 >>> 16) & 0xff]! ^ TE2[(t2 >>> 8) & 0xff]! ^ TE3[t3 & 0xff]! ^ k[24]!;
    s1 = TE0[t1 >>> 24]! ^ TE1[(t2 >>> 16) & 0xff]! ^ TE2[(t3 >>> 8) & 0xff]! ^ TE3[t0 & 0xff]! ^ k[25]!;
    s2 = TE0[t2 >>> 24]! ^ TE1[(t3 >>> 16) & 0xff]! ^ TE2[(t0 >>> 8) & 0xff]! ^ TE3[t1 & 0xff]! ^ k[26]!;
    s3 = TE0[t3 >>> 24]! ^ TE1[(t0 >>> 16) & 0xff]! ^ TE2[(t1 >>> 8) & 0xff]! ^ TE3[t2 & 0xff]! ^ k[27]!;
    t0 = TE0[s0 >>> 24]! ^ TE1[(s1 >>> 16) & 0xff]! ^ TE2[(s2 >>> 8) & 0xff]! ^ TE3[s3 & 0xff]! ^ k[28]!;
    t1 = TE0[s1 >>> 24]! ^ TE1[(s2 >>> 16) & 0xff]! ^ TE2[(s3 >>> 8) & 0xff]! ^ TE3[s0 & 0xff]! ^ k[29]!;
    t2 = TE0[s2 >>> 24]! ^ TE1[(s3 >>> 16) & 0xff]! ^ TE2[(s0 >>> 8) & 0xff]! ^ TE3[s1 & 0xff]! ^ k[30]!;
    t3 = TE0[s3 >>> 24]! ^ TE1[(s0 >>> 16) & 0xff]! ^ TE2[(s1 >>> 8) & 0xff]! ^ TE3[s2 & 0xff]! ^ k[31]!;
    s0 = TE0[t0 >>> 24]! ^ TE1[(t1 >>> 16) & 0xff]! ^ TE2[(t2 >>> 8) & 0xff]! ^ TE3[t3 & 0xff]! ^ k[32]!;
    s1 = TE0[t1 >>> 24]! ^ TE1[(t2 >>> 16) & 0xff]! ^ TE2[(t3 >>> 8) & 0xff]! ^ TE3[t0 & 0xff]! ^ k[33]!;
    s2 = TE0[t2 >>> 24]! ^ TE1[(t3 >>> 16) & 0xff]! ^ TE2[(t0 >>> 8) & 0xff]! ^ TE3[t1 & 0xff]! ^ k[34]!;
    s3 = TE0[t3 >>> 24]! ^ TE1[(t0 >>> 16) & 0xff]! ^ TE2[(t1 >>> 8) & 0xff]! ^ TE3[t2 & 0xff]! ^ k[35]!;
    t0 = TE0[s0 >>> 24]! ^ TE1[(s1 >>> 16) & 0xff]! ^ TE2[(s2 >>> 8) & 0xff]! ^ TE3[s3 & 0xff]! ^ k[36]!;
    t1 = TE0[s1 >>> 24]! ^ TE1[(s2 >>> 16) & 0xff]! ^ TE2[(s3 >>> 8) & 0xff]! ^ TE3[s0 & 0xff]! ^ k[37]!;
    t2 = TE0[s2 >>> 24]! ^ TE1[(s3 >>> 16) & 0xff]! ^ TE2[(s0 >>> 8) & 0xff]! ^ TE3[s1 & 0xff]! ^ k[38]!;
    t3 = TE0[s3 >>> 24]! ^ TE1[(s0 >>> 16) & 0xff]! ^ TE2[(s1 >>> 8) & 0xff]! ^ TE3[s2 & 0xff]! ^ k[39]!;
    s0 = TE0[t0 >>> 24]! ^ TE1[(t1 >>> 16) & 0xff]! ^ TE2[(t2 >>> 8) & 0xff]! ^ TE3[t3 & 0xff]! ^ k[40]!;
    s1 = TE0[t1 >>> 24]! ^ TE1[(t2 >>> 16) & 0xff]! ^ TE2[(t3 >>> 8) & 0xff]! ^ TE3[t0 & 0xff]! ^ k[41]!;
    s2 = TE0[t2 >>> 24]! ^ TE1[(t3 >>> 16) & 0xff]! ^ TE2[(t0 >>> 8) & 0xff]! ^ TE3[t1 & 0xff]! ^ k[42]!;
    s3 = TE0[t3 >>> 24]! ^ TE1[(t0 >>> 16) & 0xff]! ^ TE2[(t1 >>> 8) & 0xff]! ^ TE3[t2 & 0xff]! ^ k[43]!;
    t0 = TE0[s0 >>> 24]! ^ TE1[(s1 >>> 16) & 0xff]! ^ TE2[(s2 >>> 8) & 0xff]! ^ TE3[s3 & 0xff]! ^ k[44]!;
    t1 = TE0[s1 >>> 24]! ^ TE1[(s2 >>> 16) & 0xff]! ^ TE2[(s3 >>> 8) & 0xff]! ^ TE3[s0 & 0xff]! ^ k[45]!;
    t2 = TE0[s2 >>> 24]! ^ TE1[(s3 >>> 16) & 0xff]! ^ TE2[(s0 >>> 8) & 0xff]! ^ TE3[s1 & 0xff]! ^ k[46]!;
    t3 = TE0[s3 >>> 24]! ^ TE1[(s0 >>> 16) & 0xff]! ^ TE2[(s1 >>> 8) & 0xff]! ^ TE3[s2 & 0xff]! ^ k[47]!;
    s0 = TE0[t0 >>> 24]! ^ TE1[(t1 >>> 16) & 0xff]! ^ TE2[(t2 >>> 8) & 0xff]! ^ TE3[t3 & 0xff]! ^ k[48]!;
    s1 = TE0[t1 >>> 24]! ^ TE1[(t2 >>> 16) & 0xff]! ^ TE2[(t3 >>> 8) & 0xff]! ^ TE3[t0 & 0xff]! ^ k[49]!;
    s2 = TE0[t2 >>> 24]! ^ TE1[(t3 >>> 16) & 0xff]! ^ TE2[(t0 >>> 8) & 0xff]! ^ TE3[t1 & 0xff]! ^ k[50]!;
    s3 = TE0[t3 >>> 24]! ^ TE1[(t0 >>> 16) & 0xff]! ^ TE2[(t1 >>> 8) & 0xff]! ^ TE3[t2 & 0xff]! ^ k[51]!;
    t0 = TE0[s0 >>> 24]! ^ TE1[(s1 >>> 16) & 0xff]! ^ TE2[(s2 >>> 8) & 0xff]! ^ TE3[s3 & 0xff]! ^ k[52]!;
    t1 = TE0[s1 >>> 24]! ^ TE1[(s2 >>> 16) & 0xff]! ^ TE2[(s3 >>> 8) & 0xff]! ^ TE3[s0 & 0xff]! ^ k[53]!;
    t2 = TE0[s2 >>> 24]! ^ TE1[(s3 >>> 16) & 0xff]! ^ TE2[(s0 >>> 8) & 0xff]! ^ TE3[s1 & 0xff]! ^ k[54]!;
    t3 = TE0[s3 >>> 24]! ^ TE1[(s0 >>> 16) & 0xff]! ^ TE2[(s1 >>> 8) & 0xff]! ^ TE3[s2 & 0xff]! ^ k[55]!;
    const r = 4 * ROUNDS;
    // Last round: SubBytes, ShiftRows, AddRoundKey (no MixColumns).
    c0 = ((SBOX[t0 >>> 24]! << 24) | (SBOX[(t1 >>> 16) & 0xff]! << 16) | (SBOX[(t2 >>> 8) & 0xff]! << 8) | SBOX[t3 & 0xff]!) ^ k[r]!;
    c1 = ((SBOX[t1 >>> 24]! << 24) | (SBOX[(t2 >>> 16) & 0xff]! << 16) | (SBOX[(t3 >>> 8) & 0xff]! << 8) | SBOX[t0 & 0xff]!) ^ k[r + 1]!;
    c2 = ((SBOX[t2 >>> 24]! << 24) | (SBOX[(t3 >>> 16) & 0xff]! << 16) | (SBOX[(t0 >>> 8) & 0xff]! << 8) | SBOX[t1 & 0xff]!) ^ k[r + 2]!;
    c3 = ((SBOX[t3 >>> 24]! << 24) | (SBOX[(t0 >>> 16) & 0xff]! << 16) | (SBOX[(t1 >>> 8) & 0xff]! << 8) | SBOX[t2 & 0xff]!) ^ k[r + 3]!;
    const o = dstOff + p;
    store(dst, o, c0);
    store(dst, o + 4, c1);
    store(dst, o + 8, c2);
    store(dst, o + 12, c3);
  }
}

/**
 * CBC decryption of `length` bytes (a multiple of 16) from `src[srcOff..]` into `dst[dstOff..]`
 * with the 16-byte IV at `iv[ivOff..]`. `dst` must not overlap `src`.
 */
export function cbcDecrypt(
  key: Aes256Key,
  iv: Uint8Array,
  ivOff: number,
  src: Uint8Array,
  srcOff: number,
  length: number,
  dst: Uint8Array,
  dstOff: number,
): void {
  const k = key.dec;
  let p0 = load(iv, ivOff);
  let p1 = load(iv, ivOff + 4);
  let p2 = load(iv, ivOff + 8);
  let p3 = load(iv, ivOff + 12);
  for (let p = 0; p < length; p += 16) {
    const i = srcOff + p;
    const c0 = load(src, i);
    const c1 = load(src, i + 4);
    const c2 = load(src, i + 8);
    const c3 = load(src, i + 12);
    let s0 = c0 ^ k[0]!;
    let s1 = c1 ^ k[1]!;
    let s2 = c2 ^ k[2]!;
    let s3 = c3 ^ k[3]!;
    let t0, t1, t2, t3;
    // 13 full rounds, unrolled: constant round-key offsets let V8 drop the index arithmetic
    // and bounds-check work of a loop (measured: about 2x per block on V8).
    t0 = TD0[s0 >>> 24]! ^ TD1[(s3 >>> 16) & 0xff]! ^ TD2[(s2 >>> 8) & 0xff]! ^ TD3[s1 & 0xff]! ^ k[4]!;
    t1 = TD0[s1 >>> 24]! ^ TD1[(s0 >>> 16) & 0xff]! ^ TD2[(s3 >>> 8) & 0xff]! ^ TD3[s2 & 0xff]! ^ k[5]!;
    t2 = TD0[s2 >>> 24]! ^ TD1[(s1 >>> 16) & 0xff]! ^ TD2[(s0 >>> 8) & 0xff]! ^ TD3[s3 & 0xff]! ^ k[6]!;
    t3 = TD0[s3 >>> 24]! ^ TD1[(s2 >>> 16) & 0xff]! ^ TD2[(s1 >>> 8) & 0xff]! ^ TD3[s0 & 0xff]! ^ k[7]!;
    s0 = TD0[t0 >>> 24]! ^ TD1[(t3 >>> 16) & 0xff]! ^ TD2[(t2 >>> 8) & 0xff]! ^ TD3[t1 & 0xff]! ^ k[8]!;
    s1 = TD0[t1 >>> 24]! ^ TD1[(t0 >>> 16) & 0xff]! ^ TD2[(t3 >>> 8) & 0xff]! ^ TD3[t2 & 0xff]! ^ k[9]!;
    s2 = TD0[t2 >>> 24]! ^ TD1[(t1 >>> 16) & 0xff]! ^ TD2[(t0 >>> 8) & 0xff]! ^ TD3[t3 & 0xff]! ^ k[10]!;
    s3 = TD0[t3 >>> 24]! ^ TD1[(t2 >>> 16) & 0xff]! ^ TD2[(t1 >>> 8) & 0xff]! ^ TD3[t0 & 0xff]! ^ k[11]!;
    t0 = TD0[s0 >>> 24]! ^ TD1[(s3 >>> 16) & 0xff]! ^ TD2[(s2 >>> 8) & 0xff]! ^ TD3[s1 & 0xff]! ^ k[12]!;
    t1 = TD0[s1 >>> 24]! ^ TD1[(s0 >>> 16) & 0xff]! ^ TD2[(s3 >>> 8) & 0xff]! ^ TD3[s2 & 0xff]! ^ k[13]!;
    t2 = TD0[s2 >>> 24]! ^ TD1[(s1 >>> 16) & 0xff]! ^ TD2[(s0 >>> 8) & 0xff]! ^ TD3[s3 & 0xff]! ^ k[14]!;
    t3 = TD0[s3 >>> 24]! ^ TD1[(s2 >>> 16) & 0xff]! ^ TD2[(s1 >>> 8) & 0xff]! ^ TD3[s0 & 0xff]! ^ k[15]!;
    s0 = TD0[t0 >>> 24]! ^ TD1[(t3 >>> 16) & 0xff]! ^ TD2[(t2 >>> 8) & 0xff]! ^ TD3[t1 & 0xff]! ^ k[16]!;
    s1 = TD0[t1 >>> 24]! ^ TD1[(t0 >>> 16) & 0xff]! ^ TD2[(t3 >>> 8) & 0xff]! ^ TD3[t2 & 0xff]! ^ k[17]!;
    s2 = TD0[t2 >>> 24]! ^ TD1[(t1 >>> 16) & 0xff]! ^ TD2[(t0 >>> 8) & 0xff]! ^ TD3[t3 & 0xff]! ^ k[18]!;
    s3 = TD0[t3 >>> 24]! ^ TD1[(t2 >>> 16) & 0xff]! ^ TD2[(t1 >>> 8) & 0xff]! ^ TD3[t0 & 0xff]! ^ k[19]!;
    t0 = TD0[s0 >>> 24]! ^ TD1[(s3 >>> 16) & 0xff]! ^ TD2[(s2 >>> 8) & 0xff]! ^ TD3[s1 & 0xff]! ^ k[20]!;
    t1 = TD0[s1 >>> 24]! ^ TD1[(s0 >>> 16) & 0xff]! ^ TD2[(s3 >>> 8) & 0xff]! ^ TD3[s2 & 0xff]! ^ k[21]!;
    t2 = TD0[s2 >>> 24]! ^ TD1[(s1 >>> 16) & 0xff]! ^ TD2[(s0 >>> 8) & 0xff]! ^ TD3[s3 & 0xff]! ^ k[22]!;
    t3 = TD0[s3 >>> 24]! ^ TD1[(s2 >>> 16) & 0xff]! ^ TD2[(s1 >>> 8) & 0xff]! ^ TD3[s0 & 0xff]! ^ k[23]!;
    s0 = TD0[t0 >>> 24]! ^ TD1[(t3 >>> 16) & 0xff]! ^ TD2[(t2 >>> 8) & 0xff]! ^ TD3[t1 & 0xff]! ^ k[24]!;
    s1 = TD0[t1 >>> 24]! ^ TD1[(t0 >>> 16) & 0xff]! ^ TD2[(t3 >>> 8) & 0xff]! ^ TD3[t2 & 0xff]! ^ k[25]!;
    s2 = TD0[t2 >>> 24]! ^ TD1[(t1 >>> 16) & 0xff]! ^ TD2[(t0 >>> 8) & 0xff]! ^ TD3[t3 & 0xff]! ^ k[26]!;
    s3 = TD0[t3 >>> 24]! ^ TD1[(t2 >>> 16) & 0xff]! ^ TD2[(t1 >>> 8) & 0xff]! ^ TD3[t0 & 0xff]! ^ k[27]!;
    t0 = TD0[s0 >>> 24]! ^ TD1[(s3 >>> 16) & 0xff]! ^ TD2[(s2 >>> 8) & 0xff]! ^ TD3[s1 & 0xff]! ^ k[28]!;
    t1 = TD0[s1 >>> 24]! ^ TD1[(s0 >>> 16) & 0xff]! ^ TD2[(s3 >>> 8) & 0xff]! ^ TD3[s2 & 0xff]! ^ k[29]!;
    t2 = TD0[s2 >>> 24]! ^ TD1[(s1 >>> 16) & 0xff]! ^ TD2[(s0 >>> 8) & 0xff]! ^ TD3[s3 & 0xff]! ^ k[30]!;
    t3 = TD0[s3 >>> 24]! ^ TD1[(s2 >>> 16) & 0xff]! ^ TD2[(s1 >>> 8) & 0xff]! ^ TD3[s0 & 0xff]! ^ k[31]!;
    s0 = TD0[t0 >>> 24]! ^ TD1[(t3 >>> 16) & 0xff]! ^ TD2[(t2 >>> 8) & 0xff]! ^ TD3[t1 & 0xff]! ^ k[32]!;
    s1 = TD0[t1 >>> 24]! ^ TD1[(t0 >>> 16) & 0xff]! ^ TD2[(t3 >>> 8) & 0xff]! ^ TD3[t2 & 0xff]! ^ k[33]!;
    s2 = TD0[t2 >>> 24]! ^ TD1[(t1 >>> 16) & 0xff]! ^ TD2[(t0 >>> 8) & 0xff]! ^ TD3[t3 & 0xff]! ^ k[34]!;
    s3 = TD0[t3 >>> 24]! ^ TD1[(t2 >>> 16) & 0xff]! ^ TD2[(t1 >>> 8) & 0xff]! ^ TD3[t0 & 0xff]! ^ k[35]!;
    t0 = TD0[s0 >>> 24]! ^ TD1[(s3 >>> 16) & 0xff]! ^ TD2[(s2 >>> 8) & 0xff]! ^ TD3[s1 & 0xff]! ^ k[36]!;
    t1 = TD0[s1 >>> 24]! ^ TD1[(s0 >>> 16) & 0xff]! ^ TD2[(s3 >>> 8) & 0xff]! ^ TD3[s2 & 0xff]! ^ k[37]!;
    t2 = TD0[s2 >>> 24]! ^ TD1[(s1 >>> 16) & 0xff]! ^ TD2[(s0 >>> 8) & 0xff]! ^ TD3[s3 & 0xff]! ^ k[38]!;
    t3 = TD0[s3 >>> 24]! ^ TD1[(s2 >>> 16) & 0xff]! ^ TD2[(s1 >>> 8) & 0xff]! ^ TD3[s0 & 0xff]! ^ k[39]!;
    s0 = TD0[t0 >>> 24]! ^ TD1[(t3 >>> 16) & 0xff]! ^ TD2[(t2 >>> 8) & 0xff]! ^ TD3[t1 & 0xff]! ^ k[40]!;
    s1 = TD0[t1 >>> 24]! ^ TD1[(t0 >>> 16) & 0xff]! ^ TD2[(t3 >>> 8) & 0xff]! ^ TD3[t2 & 0xff]! ^ k[41]!;
    s2 = TD0[t2 >>> 24]! ^ TD1[(t1 >>> 16) & 0xff]! ^ TD2[(t0 >>> 8) & 0xff]! ^ TD3[t3 & 0xff]! ^ k[42]!;
    s3 = TD0[t3 >>> 24]! ^ TD1[(t2 >>> 16) & 0xff]! ^ TD2[(t1 >>> 8) & 0xff]! ^ TD3[t0 & 0xff]! ^ k[43]!;
    t0 = TD0[s0 >>> 24]! ^ TD1[(s3 >>> 16) & 0xff]! ^ TD2[(s2 >>> 8) & 0xff]! ^ TD3[s1 & 0xff]! ^ k[44]!;
    t1 = TD0[s1 >>> 24]! ^ TD1[(s0 >>> 16) & 0xff]! ^ TD2[(s3 >>> 8) & 0xff]! ^ TD3[s2 & 0xff]! ^ k[45]!;
    t2 = TD0[s2 >>> 24]! ^ TD1[(s1 >>> 16) & 0xff]! ^ TD2[(s0 >>> 8) & 0xff]! ^ TD3[s3 & 0xff]! ^ k[46]!;
    t3 = TD0[s3 >>> 24]! ^ TD1[(s2 >>> 16) & 0xff]! ^ TD2[(s1 >>> 8) & 0xff]! ^ TD3[s0 & 0xff]! ^ k[47]!;
    s0 = TD0[t0 >>> 24]! ^ TD1[(t3 >>> 16) & 0xff]! ^ TD2[(t2 >>> 8) & 0xff]! ^ TD3[t1 & 0xff]! ^ k[48]!;
    s1 = TD0[t1 >>> 24]! ^ TD1[(t0 >>> 16) & 0xff]! ^ TD2[(t3 >>> 8) & 0xff]! ^ TD3[t2 & 0xff]! ^ k[49]!;
    s2 = TD0[t2 >>> 24]! ^ TD1[(t1 >>> 16) & 0xff]! ^ TD2[(t0 >>> 8) & 0xff]! ^ TD3[t3 & 0xff]! ^ k[50]!;
    s3 = TD0[t3 >>> 24]! ^ TD1[(t2 >>> 16) & 0xff]! ^ TD2[(t1 >>> 8) & 0xff]! ^ TD3[t0 & 0xff]! ^ k[51]!;
    t0 = TD0[s0 >>> 24]! ^ TD1[(s3 >>> 16) & 0xff]! ^ TD2[(s2 >>> 8) & 0xff]! ^ TD3[s1 & 0xff]! ^ k[52]!;
    t1 = TD0[s1 >>> 24]! ^ TD1[(s0 >>> 16) & 0xff]! ^ TD2[(s3 >>> 8) & 0xff]! ^ TD3[s2 & 0xff]! ^ k[53]!;
    t2 = TD0[s2 >>> 24]! ^ TD1[(s1 >>> 16) & 0xff]! ^ TD2[(s0 >>> 8) & 0xff]! ^ TD3[s3 & 0xff]! ^ k[54]!;
    t3 = TD0[s3 >>> 24]! ^ TD1[(s2 >>> 16) & 0xff]! ^ TD2[(s1 >>> 8) & 0xff]! ^ TD3[s0 & 0xff]! ^ k[55]!;
    const r = 4 * ROUNDS;
    const o0 = ((INV_SBOX[t0 >>> 24]! << 24) | (INV_SBOX[(t3 >>> 16) & 0xff]! << 16) | (INV_SBOX[(t2 >>> 8) & 0xff]! << 8) | INV_SBOX[t1 & 0xff]!) ^ k[r]!;
    const o1 = ((INV_SBOX[t1 >>> 24]! << 24) | (INV_SBOX[(t0 >>> 16) & 0xff]! << 16) | (INV_SBOX[(t3 >>> 8) & 0xff]! << 8) | INV_SBOX[t2 & 0xff]!) ^ k[r + 1]!;
    const o2 = ((INV_SBOX[t2 >>> 24]! << 24) | (INV_SBOX[(t1 >>> 16) & 0xff]! << 16) | (INV_SBOX[(t0 >>> 8) & 0xff]! << 8) | INV_SBOX[t3 & 0xff]!) ^ k[r + 2]!;
    const o3 = ((INV_SBOX[t3 >>> 24]! << 24) | (INV_SBOX[(t2 >>> 16) & 0xff]! << 16) | (INV_SBOX[(t1 >>> 8) & 0xff]! << 8) | INV_SBOX[t0 & 0xff]!) ^ k[r + 3]!;
    const o = dstOff + p;
    store(dst, o, o0 ^ p0);
    store(dst, o + 4, o1 ^ p1);
    store(dst, o + 8, o2 ^ p2);
    store(dst, o + 12, o3 ^ p3);
    p0 = c0;
    p1 = c1;
    p2 = c2;
    p3 = c3;
  }
}

/**
 * The FIPS-197 S-box, its inverse and GF(2^8) arithmetic, for the AES key sizes this module does
 * not schedule (AES-128/192 in @fle-ts/dynamodb): one copy of the tables in the project. Read-only.
 */
export { SBOX as AES_SBOX, INV_SBOX as AES_INV_SBOX, xtime as gfXtime, gmul as gfMul };
