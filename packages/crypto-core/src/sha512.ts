/**
 * SHA-512 (FIPS 180-4 6.4) as a resumable state, so HMAC can start from precomputed
 * keyed states ({@link HmacSha512} in hmac-sha512.ts) instead of rehashing the padded key
 * on every call. 64-bit words are kept as (high, low) pairs of int32: JavaScript has no
 * fast 64-bit integer, and BigInt would be two orders of magnitude slower.
 */

// Literals, not computed at import (STYLE.md "Constants without work at import"): start-up
// cost in every Worker. The known-answer tests (FIPS 180-4 examples, RFC 4231) and the
// differential runs against noble check every word.

/** (high, low) halves of the 80 round constants K (FIPS 180-4 4.2.3). */
const K = /* @__PURE__ */ Int32Array.of(
  0x428a2f98, 0xd728ae22, 0x71374491, 0x23ef65cd,
  0xb5c0fbcf, 0xec4d3b2f, 0xe9b5dba5, 0x8189dbbc,
  0x3956c25b, 0xf348b538, 0x59f111f1, 0xb605d019,
  0x923f82a4, 0xaf194f9b, 0xab1c5ed5, 0xda6d8118,
  0xd807aa98, 0xa3030242, 0x12835b01, 0x45706fbe,
  0x243185be, 0x4ee4b28c, 0x550c7dc3, 0xd5ffb4e2,
  0x72be5d74, 0xf27b896f, 0x80deb1fe, 0x3b1696b1,
  0x9bdc06a7, 0x25c71235, 0xc19bf174, 0xcf692694,
  0xe49b69c1, 0x9ef14ad2, 0xefbe4786, 0x384f25e3,
  0x0fc19dc6, 0x8b8cd5b5, 0x240ca1cc, 0x77ac9c65,
  0x2de92c6f, 0x592b0275, 0x4a7484aa, 0x6ea6e483,
  0x5cb0a9dc, 0xbd41fbd4, 0x76f988da, 0x831153b5,
  0x983e5152, 0xee66dfab, 0xa831c66d, 0x2db43210,
  0xb00327c8, 0x98fb213f, 0xbf597fc7, 0xbeef0ee4,
  0xc6e00bf3, 0x3da88fc2, 0xd5a79147, 0x930aa725,
  0x06ca6351, 0xe003826f, 0x14292967, 0x0a0e6e70,
  0x27b70a85, 0x46d22ffc, 0x2e1b2138, 0x5c26c926,
  0x4d2c6dfc, 0x5ac42aed, 0x53380d13, 0x9d95b3df,
  0x650a7354, 0x8baf63de, 0x766a0abb, 0x3c77b2a8,
  0x81c2c92e, 0x47edaee6, 0x92722c85, 0x1482353b,
  0xa2bfe8a1, 0x4cf10364, 0xa81a664b, 0xbc423001,
  0xc24b8b70, 0xd0f89791, 0xc76c51a3, 0x0654be30,
  0xd192e819, 0xd6ef5218, 0xd6990624, 0x5565a910,
  0xf40e3585, 0x5771202a, 0x106aa070, 0x32bbd1b8,
  0x19a4c116, 0xb8d2d0c8, 0x1e376c08, 0x5141ab53,
  0x2748774c, 0xdf8eeb99, 0x34b0bcb5, 0xe19b48a8,
  0x391c0cb3, 0xc5c95a63, 0x4ed8aa4a, 0xe3418acb,
  0x5b9cca4f, 0x7763e373, 0x682e6ff3, 0xd6b2b8a3,
  0x748f82ee, 0x5defb2fc, 0x78a5636f, 0x43172f60,
  0x84c87814, 0xa1f0ab72, 0x8cc70208, 0x1a6439ec,
  0x90befffa, 0x23631e28, 0xa4506ceb, 0xde82bde9,
  0xbef9a3f7, 0xb2c67915, 0xc67178f2, 0xe372532b,
  0xca273ece, 0xea26619c, 0xd186b8c7, 0x21c0c207,
  0xeada7dd6, 0xcde0eb1e, 0xf57d4f7f, 0xee6ed178,
  0x06f067aa, 0x72176fba, 0x0a637dc5, 0xa2c898a6,
  0x113f9804, 0xbef90dae, 0x1b710b35, 0x131c471b,
  0x28db77f5, 0x23047d84, 0x32caab7b, 0x40c72493,
  0x3c9ebe0a, 0x15c9bebc, 0x431d67c4, 0x9c100d4c,
  0x4cc5d4be, 0xcb3e42b6, 0x597f299c, 0xfc657e2a,
  0x5fcb6fab, 0x3ad6faec, 0x6c44198c, 0x4a475817,
);

/** Initial hash value H(0) (FIPS 180-4 5.3.5), as 8 (high, low) pairs. */
export const SHA512_IV = /* @__PURE__ */ Int32Array.of(
  0x6a09e667, 0xf3bcc908, 0xbb67ae85, 0x84caa73b,
  0x3c6ef372, 0xfe94f82b, 0xa54ff53a, 0x5f1d36f1,
  0x510e527f, 0xade682d1, 0x9b05688c, 0x2b3e6c1f,
  0x1f83d9ab, 0xfb41bd6b, 0x5be0cd19, 0x137e2179,
);

/**
 * Message schedule scratch; compression is synchronous, so one per module is enough. It is
 * wiped before compress/compressWords return (as noble's `clean(SHA512_W_H, SHA512_W_L)`):
 * after an HMAC key setup it would otherwise hold the expanded K xor opad block of the last
 * key, readable long after that key was destroyed (issue 11 item 11).
 */
const W = new Int32Array(160);

/** Test-only: the schedule scratch, to check that no key-derived word outlives a call. Not re-exported by index.ts. */
export function scheduleScratchForTest(): Int32Array {
  return W;
}

/** Processes `blocks` 128-byte blocks of `data` from `offset` into `state` (FIPS 180-4 6.4.2). */
export function compress(state: Int32Array, data: Uint8Array, offset: number, blocks: number): void {
  for (let b = 0; b < blocks; b++, offset += 128) {
    for (let i = 0; i < 32; i++) {
      const o = offset + 4 * i;
      W[i] = (data[o]! << 24) | (data[o + 1]! << 16) | (data[o + 2]! << 8) | data[o + 3]!;
    }
    compressLoaded(state);
  }
  W.fill(0);
}

/**
 * Compresses one block given as 16 big-endian 64-bit words, i.e. 32 int32 (high, low) halves,
 * so HMAC's outer block (inner digest + fixed padding) skips the bytes round trip.
 */
export function compressWords(state: Int32Array, words: Int32Array): void {
  W.set(words);
  compressLoaded(state);
  W.fill(0);
}

/**
 * One block from W[0..32) (the first 16 words, as int32 halves) into `state` (FIPS 180-4 6.4.2).
 * Carries (../shared/docs/perf-sha512.md, measured): two-term low sums use the compare carry
 * `(s >>> 0) < (a >>> 0)`, sums of three or more the divide by 2^32; the schedule word
 * W[t] for t >= 16 is computed inside the round loop, where it is used.
 */
function compressLoaded(state: Int32Array): void {
  let ah = state[0]!, al = state[1]!, bh = state[2]!, bl = state[3]! | 0;
  let ch = state[4]!, cl = state[5]!, dh = state[6]!, dl = state[7]! | 0;
  let eh = state[8]!, el = state[9]!, fh = state[10]!, fl = state[11]! | 0;
  let gh = state[12]!, gl = state[13]!, hh = state[14]!, hl = state[15]! | 0;
  let Ah = ah, Al = al, Bh = bh, Bl = bl, Ch = ch, Cl = cl, Dh = dh, Dl = dl;
  let Eh = eh, El = el, Fh = fh, Fl = fl, Gh = gh, Gl = gl, Hh = hh, Hl = hl;
  for (let i = 0; i < 160; i += 2) {
    let wh: number, wl: number;
    if (i < 32) {
      wh = W[i]!;
      wl = W[i + 1]!;
    } else {
      // W[t] = sigma1(W[t-2]) + W[t-7] + sigma0(W[t-15]) + W[t-16]
      const xh = W[i - 4]!, xl = W[i - 3]!;
      const s1h = ((xh >>> 19) | (xl << 13)) ^ ((xl >>> 29) | (xh << 3)) ^ (xh >>> 6);
      const s1l = ((xl >>> 19) | (xh << 13)) ^ ((xh >>> 29) | (xl << 3)) ^ ((xl >>> 6) | (xh << 26));
      const yh = W[i - 30]!, yl = W[i - 29]!;
      const s0h = ((yh >>> 1) | (yl << 31)) ^ ((yh >>> 8) | (yl << 24)) ^ (yh >>> 7);
      const s0l = ((yl >>> 1) | (yh << 31)) ^ ((yl >>> 8) | (yh << 24)) ^ ((yl >>> 7) | (yh << 25));
      const lo = (s1l >>> 0) + (W[i - 13]! >>> 0) + (s0l >>> 0) + (W[i - 31]! >>> 0);
      wh = (s1h + W[i - 14]! + s0h + W[i - 32]! + ((lo / 0x1_0000_0000) | 0)) | 0;
      wl = lo | 0;
      W[i] = wh;
      W[i + 1] = wl;
    }
    // T1 = H + Sigma1(E) + Ch(E, F, G) + K[t] + W[t]
    const S1h = ((Eh >>> 14) | (El << 18)) ^ ((Eh >>> 18) | (El << 14)) ^ ((El >>> 9) | (Eh << 23));
    const S1l = ((El >>> 14) | (Eh << 18)) ^ ((El >>> 18) | (Eh << 14)) ^ ((Eh >>> 9) | (El << 23));
    // Ch and Maj in their 3-operation forms, equal to FIPS 180-4 (4.8) and (4.9).
    const chh = Gh ^ (Eh & (Fh ^ Gh));
    const chl = Gl ^ (El & (Fl ^ Gl));
    const t1lo = (Hl >>> 0) + (S1l >>> 0) + (chl >>> 0) + (K[i + 1]! >>> 0) + (wl >>> 0);
    const T1h = (Hh + S1h + chh + K[i]! + wh + ((t1lo / 0x1_0000_0000) | 0)) | 0;
    const T1l = t1lo | 0;
    // T2 = Sigma0(A) + Maj(A, B, C)
    const S0h = ((Ah >>> 28) | (Al << 4)) ^ ((Al >>> 2) | (Ah << 30)) ^ ((Al >>> 7) | (Ah << 25));
    const S0l = ((Al >>> 28) | (Ah << 4)) ^ ((Ah >>> 2) | (Al << 30)) ^ ((Ah >>> 7) | (Al << 25));
    const majh = (Ah & Bh) | (Ch & (Ah | Bh));
    const majl = (Al & Bl) | (Cl & (Al | Bl));
    Hh = Gh; Hl = Gl;
    Gh = Fh; Gl = Fl;
    Fh = Eh; Fl = El;
    const elo = (Dl + T1l) | 0;
    Eh = (Dh + T1h + +((elo >>> 0) < (Dl >>> 0))) | 0;
    El = elo;
    Dh = Ch; Dl = Cl;
    Ch = Bh; Cl = Bl;
    Bh = Ah; Bl = Al;
    const alo = (T1l >>> 0) + (S0l >>> 0) + (majl >>> 0);
    Ah = (T1h + S0h + majh + ((alo / 0x1_0000_0000) | 0)) | 0;
    Al = alo | 0;
  }
  let s;
  s = (al + Al) | 0; ah = (ah + Ah + +((s >>> 0) < (al >>> 0))) | 0; al = s;
  s = (bl + Bl) | 0; bh = (bh + Bh + +((s >>> 0) < (bl >>> 0))) | 0; bl = s;
  s = (cl + Cl) | 0; ch = (ch + Ch + +((s >>> 0) < (cl >>> 0))) | 0; cl = s;
  s = (dl + Dl) | 0; dh = (dh + Dh + +((s >>> 0) < (dl >>> 0))) | 0; dl = s;
  s = (el + El) | 0; eh = (eh + Eh + +((s >>> 0) < (el >>> 0))) | 0; el = s;
  s = (fl + Fl) | 0; fh = (fh + Fh + +((s >>> 0) < (fl >>> 0))) | 0; fl = s;
  s = (gl + Gl) | 0; gh = (gh + Gh + +((s >>> 0) < (gl >>> 0))) | 0; gl = s;
  s = (hl + Hl) | 0; hh = (hh + Hh + +((s >>> 0) < (hl >>> 0))) | 0; hl = s;
  state[0] = ah; state[1] = al; state[2] = bh; state[3] = bl;
  state[4] = ch; state[5] = cl; state[6] = dh; state[7] = dl;
  state[8] = eh; state[9] = el; state[10] = fh; state[11] = fl;
  state[12] = gh; state[13] = gl; state[14] = hh; state[15] = hl;
}

/**
 * Feeds `data[offset..offset+length)` into the block being filled in W[0..32), `filled`
 * bytes of it already there, compressing each block that fills; returns the new fill.
 * Bytes go straight into the message words (big-endian), four at a time where aligned:
 * no byte buffer and no bytes-to-words pass (../shared/docs/perf-sha512.md, "One FLE1 tag").
 * A partial word holds its bytes in its low end; later bytes shift them up.
 */
export function feedWords(state: Int32Array, data: Uint8Array, offset: number, length: number, filled: number): number {
  const end = offset + length;
  let n = filled;
  while (offset < end) {
    if ((n & 3) === 0 && end - offset >= 4) {
      let j = n >> 2;
      const stop = Math.min(j + ((end - offset) >> 2), 32);
      for (; j < stop; j++, offset += 4) {
        W[j] = (data[offset]! << 24) | (data[offset + 1]! << 16) | (data[offset + 2]! << 8) | data[offset + 3]!;
      }
      n = j << 2;
    } else {
      const j = n >> 2;
      W[j] = (n & 3) === 0 ? data[offset]! : (W[j]! << 8) | data[offset]!;
      offset++;
      n++;
    }
    if (n === 128) {
      compressLoaded(state);
      n = 0;
    }
  }
  return n;
}

/**
 * Pads (FIPS 180-4 5.1.2) the block {@link feedWords} left `filled` bytes into, for a
 * message of `totalLength` bytes in all, and compresses: the digest is then in `state`.
 * W keeps the last schedule: the caller wipes it (HMAC does, after its outer block).
 */
export function finishWords(state: Int32Array, filled: number, totalLength: number): void {
  let n = filled;
  let j = n >> 2;
  // 0x80, then zero bytes up to the word boundary.
  let w = (n & 3) === 0 ? 0x80 : (W[j]! << 8) | 0x80;
  for (n++; (n & 3) !== 0; n++) w <<= 8;
  W[j++] = w;
  if (j > 28) {
    for (; j < 32; j++) W[j] = 0;
    compressLoaded(state);
    j = 0;
  }
  for (; j < 30; j++) W[j] = 0;
  // Low 64 bits of the 128-bit bit length; the high half (W[28], W[29]) is zero below 2^53 bytes.
  const bits = totalLength * 8;
  W[30] = Math.floor(bits / 0x1_0000_0000) | 0;
  W[31] = bits | 0;
  compressLoaded(state);
}

/**
 * HMAC's outer block (RFC 2104): the inner digest `digest` (8 words as 16 int32 halves) and
 * the fixed padding for 128 + 64 bytes, compressed into `state` (the keyed outer state).
 * Wipes the schedule scratch afterwards, which also clears the inner hash's last block.
 */
export function compressHmacOuter(state: Int32Array, digest: Int32Array): void {
  for (let i = 0; i < 16; i++) W[i] = digest[i]!;
  W[16] = 0x80 << 24;
  for (let i = 17; i < 31; i++) W[i] = 0;
  // (128 + 64) * 8 = 1536 bits, the low half of the last word.
  W[31] = 1536;
  compressLoaded(state);
  W.fill(0);
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
