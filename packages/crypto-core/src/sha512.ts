/**
 * SHA-512 (FIPS 180-4 6.4) as a resumable state, so HMAC can start from precomputed
 * keyed states ({@link HmacSha512} in hmac-sha512.ts) instead of rehashing the padded key
 * on every call. 64-bit words are kept as (high, low) pairs of int32: JavaScript has no
 * fast 64-bit integer, and BigInt would be two orders of magnitude slower.
 */

/** (high, low) halves of the FIPS 180-4 4.2.3 constants and 5.3.5 initial value, from their definitions. */
const K = new Int32Array(160);
/** Initial hash value H(0), as 8 (high, low) pairs. */
export const SHA512_IV = new Int32Array(16);

(function buildConstants() {
  const primes: number[] = [];
  for (let n = 2; primes.length < 80; n++) if (primes.every((p) => n % p !== 0)) primes.push(n);
  // The first 64 bits of the fractional part of root(p): floor(root(p * 2^(64*deg))) mod 2^64.
  const iroot = (x: bigint, deg: bigint): bigint => {
    let r = 1n << ((BigInt(x.toString(2).length) + deg - 1n) / deg); // >= the root
    for (;;) {
      const next = ((deg - 1n) * r + x / r ** (deg - 1n)) / deg;
      if (next >= r) return r;
      r = next;
    }
  };
  const split = (v: bigint, out: Int32Array, i: number) => {
    out[2 * i] = Number((v >> 32n) & 0xffffffffn) | 0;
    out[2 * i + 1] = Number(v & 0xffffffffn) | 0;
  };
  const mask = (1n << 64n) - 1n;
  for (let i = 0; i < 80; i++) split(iroot(BigInt(primes[i]!) << 192n, 3n) & mask, K, i);
  for (let i = 0; i < 8; i++) split(iroot(BigInt(primes[i]!) << 128n, 2n) & mask, SHA512_IV, i);
})();

/** Message schedule scratch; compression is synchronous, so one per module is enough. */
const W = new Int32Array(160);

/** Processes `blocks` 128-byte blocks of `data` from `offset` into `state` (FIPS 180-4 6.4.2). */
export function compress(state: Int32Array, data: Uint8Array, offset: number, blocks: number): void {
  for (let b = 0; b < blocks; b++, offset += 128) {
    for (let i = 0; i < 32; i++) {
      const o = offset + 4 * i;
      W[i] = (data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!;
    }
    compressLoaded(state);
  }
}

/**
 * Compresses one block given as 16 big-endian 64-bit words, i.e. 32 int32 (high, low) halves,
 * so HMAC's outer block (inner digest + fixed padding) skips the bytes round trip.
 */
export function compressWords(state: Int32Array, words: Int32Array): void {
  W.set(words);
  compressLoaded(state);
}

/** One block from W[0..32) (the first 16 words, as int32 halves) into `state` (FIPS 180-4 6.4.2). */
function compressLoaded(state: Int32Array): void {
  let ah = state[0]! | 0, al = state[1]! | 0, bh = state[2]! | 0, bl = state[3]! | 0;
  let ch = state[4]! | 0, cl = state[5]! | 0, dh = state[6]! | 0, dl = state[7]! | 0;
  let eh = state[8]! | 0, el = state[9]! | 0, fh = state[10]! | 0, fl = state[11]! | 0;
  let gh = state[12]! | 0, gl = state[13]! | 0, hh = state[14]! | 0, hl = state[15]! | 0;
  for (let i = 32; i < 160; i += 2) {
    // W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16]
    const xh = W[i - 4]!, xl = W[i - 3]!;
    const s1h = ((xh >>> 19) | (xl << 13)) ^ ((xl >>> 29) | (xh << 3)) ^ (xh >>> 6);
    const s1l = ((xl >>> 19) | (xh << 13)) ^ ((xh >>> 29) | (xl << 3)) ^ ((xl >>> 6) | (xh << 26));
    const yh = W[i - 30]!, yl = W[i - 29]!;
    const s0h = ((yh >>> 1) | (yl << 31)) ^ ((yh >>> 8) | (yl << 24)) ^ (yh >>> 7);
    const s0l = ((yl >>> 1) | (yh << 31)) ^ ((yl >>> 8) | (yh << 24)) ^ ((yl >>> 7) | (yh << 25));
    const lo = (s1l >>> 0) + (W[i - 13]! >>> 0) + (s0l >>> 0) + (W[i - 31]! >>> 0);
    W[i] = (s1h + W[i - 14]! + s0h + W[i - 32]! + ((lo / 0x1_0000_0000) | 0)) | 0;
    W[i + 1] = lo | 0;
  }
  let Ah = ah, Al = al, Bh = bh, Bl = bl, Ch = ch, Cl = cl, Dh = dh, Dl = dl;
  let Eh = eh, El = el, Fh = fh, Fl = fl, Gh = gh, Gl = gl, Hh = hh, Hl = hl;
  for (let i = 0; i < 160; i += 2) {
    // T1 = H + Sigma1(E) + Ch(E, F, G) + K[t] + W[t]
    const S1h = ((Eh >>> 14) | (El << 18)) ^ ((Eh >>> 18) | (El << 14)) ^ ((El >>> 9) | (Eh << 23));
    const S1l = ((El >>> 14) | (Eh << 18)) ^ ((El >>> 18) | (Eh << 14)) ^ ((Eh >>> 9) | (El << 23));
    // Ch and Maj in their 3-operation forms, equal to FIPS 180-4 (4.8) and (4.9).
    const chh = Gh ^ (Eh & (Fh ^ Gh));
    const chl = Gl ^ (El & (Fl ^ Gl));
    const t1lo = (Hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + (K[i + 1]! >>> 0) + (W[i + 1]! >>> 0);
    const T1h = (Hh + S1h + chh + K[i]! + W[i]! + ((t1lo / 0x1_0000_0000) | 0)) | 0;
    const T1l = t1lo | 0;
    // T2 = Sigma0(A) + Maj(A, B, C)
    const S0h = ((Ah >>> 28) | (Al << 4)) ^ ((Al >>> 2) | (Ah << 30)) ^ ((Al >>> 7) | (Ah << 25));
    const S0l = ((Al >>> 28) | (Ah << 4)) ^ ((Ah >>> 2) | (Al << 30)) ^ ((Ah >>> 7) | (Al << 25));
    const majh = (Ah & Bh) | (Ch & (Ah | Bh));
    const majl = (Al & Bl) | (Cl & (Al | Bl));
    Hh = Gh; Hl = Gl;
    Gh = Fh; Gl = Fl;
    Fh = Eh; Fl = El;
    const elo = (Dl >>> 0) + (T1l >>> 0);
    Eh = (Dh + T1h + ((elo / 0x1_0000_0000) | 0)) | 0;
    El = elo | 0;
    Dh = Ch; Dl = Cl;
    Ch = Bh; Cl = Bl;
    Bh = Ah; Bl = Al;
    const alo = (T1l >>> 0) + (S0l >>> 0) + (majl >>> 0);
    Ah = (T1h + S0h + majh + ((alo / 0x1_0000_0000) | 0)) | 0;
    Al = alo | 0;
  }
  let s;
  s = (al >>> 0) + (Al >>> 0); ah = (ah + Ah + ((s / 0x1_0000_0000) | 0)) | 0; al = s | 0;
  s = (bl >>> 0) + (Bl >>> 0); bh = (bh + Bh + ((s / 0x1_0000_0000) | 0)) | 0; bl = s | 0;
  s = (cl >>> 0) + (Cl >>> 0); ch = (ch + Ch + ((s / 0x1_0000_0000) | 0)) | 0; cl = s | 0;
  s = (dl >>> 0) + (Dl >>> 0); dh = (dh + Dh + ((s / 0x1_0000_0000) | 0)) | 0; dl = s | 0;
  s = (el >>> 0) + (El >>> 0); eh = (eh + Eh + ((s / 0x1_0000_0000) | 0)) | 0; el = s | 0;
  s = (fl >>> 0) + (Fl >>> 0); fh = (fh + Fh + ((s / 0x1_0000_0000) | 0)) | 0; fl = s | 0;
  s = (gl >>> 0) + (Gl >>> 0); gh = (gh + Gh + ((s / 0x1_0000_0000) | 0)) | 0; gl = s | 0;
  s = (hl >>> 0) + (Hl >>> 0); hh = (hh + Hh + ((s / 0x1_0000_0000) | 0)) | 0; hl = s | 0;
  state[0] = ah; state[1] = al; state[2] = bh; state[3] = bl;
  state[4] = ch; state[5] = cl; state[6] = dh; state[7] = dl;
  state[8] = eh; state[9] = el; state[10] = fh; state[11] = fl;
  state[12] = gh; state[13] = gl; state[14] = hh; state[15] = hl;
}

/**
 * A running SHA-512 computation. {@link Sha512.reset} restarts it from any saved chaining
 * value, which is how HMAC skips its two keyed blocks (RFC 2104 section 4, "precomputed").
 */
export class Sha512 {
  readonly state = new Int32Array(16);
  readonly #buffer = new Uint8Array(128);
  #buffered = 0;
  #length = 0;

  constructor() {
    this.reset(SHA512_IV, 0);
  }

  /** Restarts from chaining value `from`, as if `length` bytes (a multiple of 128) had been hashed. */
  reset(from: Int32Array, length: number): this {
    this.state.set(from);
    this.#buffered = 0;
    this.#length = length;
    return this;
  }

  /** Hashes `data[offset..offset+length)`. */
  update(data: Uint8Array, offset = 0, length = data.length - offset): this {
    this.#length += length;
    const buf = this.#buffer;
    if (this.#buffered > 0) {
      const take = Math.min(128 - this.#buffered, length);
      for (let i = 0; i < take; i++) buf[this.#buffered + i] = data[offset + i]!;
      this.#buffered += take;
      offset += take;
      length -= take;
      if (this.#buffered < 128) return this;
      compress(this.state, buf, 0, 1);
      this.#buffered = 0;
    }
    const blocks = length >>> 7;
    if (blocks > 0) {
      compress(this.state, data, offset, blocks);
      offset += blocks << 7;
      length -= blocks << 7;
    }
    for (let i = 0; i < length; i++) buf[i] = data[offset + i]!;
    this.#buffered = length;
    return this;
  }

  /** Pads (FIPS 180-4 5.1.2) and processes the last block(s): the digest is then in `state`. Wipes the buffer. */
  finalize(): void {
    const buf = this.#buffer;
    let n = this.#buffered;
    buf[n++] = 0x80;
    if (n > 112) {
      buf.fill(0, n);
      compress(this.state, buf, 0, 1);
      n = 0;
    }
    buf.fill(0, n, 120);
    // 128-bit big-endian bit length; the high 64 bits stay zero below 2^53 bytes.
    const bits = this.#length * 8;
    const hi = Math.floor(bits / 0x1_0000_0000);
    buf[120] = hi >>> 24;
    buf[121] = hi >>> 16;
    buf[122] = hi >>> 8;
    buf[123] = hi;
    buf[124] = bits >>> 24;
    buf[125] = bits >>> 16;
    buf[126] = bits >>> 8;
    buf[127] = bits;
    compress(this.state, buf, 0, 1);
    buf.fill(0);
    this.#buffered = 0;
  }

  /** Finalizes and writes the first `length` (default all 64) digest bytes to `out[outOffset..]`. */
  finish(out: Uint8Array, outOffset = 0, length = 64): void {
    this.finalize();
    writeDigest(this.state, out, outOffset, length);
  }

  /** Overwrites the chaining value and buffer. */
  destroy(): void {
    this.state.fill(0);
    this.#buffer.fill(0);
  }
}

/** Writes the first `length` bytes of the big-endian digest held in `state`. */
export function writeDigest(state: Int32Array, out: Uint8Array, outOffset: number, length: number): void {
  for (let i = 0; i < length; i++) out[outOffset + i] = state[i >>> 2]! >>> (24 - 8 * (i & 3));
}

/** SHA-512 of `data` in one call. */
export function sha512(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(64);
  new Sha512().update(data).finish(out);
  return out;
}
