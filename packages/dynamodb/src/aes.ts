// AES block cipher (FIPS-197) for 128-, 192- and 256-bit keys, on crypto-core's S-box. crypto-core's
// Aes256Key is AES-256 only, and this format needs AES-128 too (the static vectors' content key and the AESWrap
// wrapping key `aesKey` are 16 bytes: test-vectors/dynamodb/encrypted_item/keys.json). Byte-wise
// and small on purpose; it belongs in crypto-core as a general-size AES (see the README "Limits").
import { AES_INV_SBOX, AES_SBOX, gfMul, gfXtime } from '@fle-ts/crypto-core';
import { DynamoDbEncryptionError } from './errors.js';

// The S-box tables and GF(2^8) arithmetic are crypto-core's (one copy in the project).
const SBOX = AES_SBOX;
const INV_SBOX = AES_INV_SBOX;
const xtime = gfXtime;
const gmul = gfMul;

/** An AES key (16, 24 or 32 bytes) with its expanded schedule. */
export class AesKey {
  private readonly w: Uint8Array;
  readonly rounds: number;

  constructor(key: Uint8Array) {
    if (!(key instanceof Uint8Array) || (key.length !== 16 && key.length !== 24 && key.length !== 32)) {
      throw new DynamoDbEncryptionError('DDB_BAD_KEY', 'an AES key must be 16, 24 or 32 bytes');
    }
    const nk = key.length / 4;
    this.rounds = nk + 6;
    const total = 16 * (this.rounds + 1);
    const w = new Uint8Array(total);
    w.set(key);
    // FIPS-197 5.2 KeyExpansion, byte-wise.
    for (let i = key.length, rcon = 1; i < total; i += 4) {
      let t0 = w[i - 4]!, t1 = w[i - 3]!, t2 = w[i - 2]!, t3 = w[i - 1]!;
      const word = i / 4;
      if (word % nk === 0) {
        [t0, t1, t2, t3] = [SBOX[t1]! ^ rcon, SBOX[t2]!, SBOX[t3]!, SBOX[t0]!];
        rcon = xtime(rcon);
      } else if (nk > 6 && word % nk === 4) {
        [t0, t1, t2, t3] = [SBOX[t0]!, SBOX[t1]!, SBOX[t2]!, SBOX[t3]!];
      }
      w[i] = w[i - key.length]! ^ t0;
      w[i + 1] = w[i + 1 - key.length]! ^ t1;
      w[i + 2] = w[i + 2 - key.length]! ^ t2;
      w[i + 3] = w[i + 3 - key.length]! ^ t3;
    }
    this.w = w;
  }

  /** Encrypts the 16-byte block at b[off..] in place. */
  encryptBlock(b: Uint8Array, off = 0): void {
    const w = this.w;
    const s = b.subarray(off, off + 16);
    for (let i = 0; i < 16; i++) s[i]! ^= w[i]!;
    for (let r = 1; r <= this.rounds; r++) {
      for (let i = 0; i < 16; i++) s[i] = SBOX[s[i]!]!;
      shiftRows(s);
      if (r !== this.rounds) for (let c = 0; c < 16; c += 4) mixColumn(s, c);
      for (let i = 0; i < 16; i++) s[i]! ^= w[16 * r + i]!;
    }
  }

  /** Decrypts the 16-byte block at b[off..] in place. */
  decryptBlock(b: Uint8Array, off = 0): void {
    const w = this.w;
    const s = b.subarray(off, off + 16);
    for (let i = 0; i < 16; i++) s[i]! ^= w[16 * this.rounds + i]!;
    for (let r = this.rounds - 1; r >= 0; r--) {
      invShiftRows(s);
      for (let i = 0; i < 16; i++) s[i] = INV_SBOX[s[i]!]!;
      for (let i = 0; i < 16; i++) s[i]! ^= w[16 * r + i]!;
      if (r !== 0) for (let c = 0; c < 16; c += 4) invMixColumn(s, c);
    }
  }

  /** Overwrites the schedule. */
  destroy(): void {
    this.w.fill(0);
  }
}

function shiftRows(s: Uint8Array): void {
  let t = s[1]!;
  s[1] = s[5]!; s[5] = s[9]!; s[9] = s[13]!; s[13] = t;
  t = s[2]!; s[2] = s[10]!; s[10] = t;
  t = s[6]!; s[6] = s[14]!; s[14] = t;
  t = s[15]!;
  s[15] = s[11]!; s[11] = s[7]!; s[7] = s[3]!; s[3] = t;
}

function invShiftRows(s: Uint8Array): void {
  let t = s[13]!;
  s[13] = s[9]!; s[9] = s[5]!; s[5] = s[1]!; s[1] = t;
  t = s[2]!; s[2] = s[10]!; s[10] = t;
  t = s[6]!; s[6] = s[14]!; s[14] = t;
  t = s[3]!;
  s[3] = s[7]!; s[7] = s[11]!; s[11] = s[15]!; s[15] = t;
}

function mixColumn(s: Uint8Array, c: number): void {
  const a0 = s[c]!, a1 = s[c + 1]!, a2 = s[c + 2]!, a3 = s[c + 3]!;
  const all = a0 ^ a1 ^ a2 ^ a3;
  s[c] = a0 ^ all ^ xtime(a0 ^ a1);
  s[c + 1] = a1 ^ all ^ xtime(a1 ^ a2);
  s[c + 2] = a2 ^ all ^ xtime(a2 ^ a3);
  s[c + 3] = a3 ^ all ^ xtime(a3 ^ a0);
}

function invMixColumn(s: Uint8Array, c: number): void {
  const a0 = s[c]!, a1 = s[c + 1]!, a2 = s[c + 2]!, a3 = s[c + 3]!;
  s[c] = gmul(a0, 14) ^ gmul(a1, 11) ^ gmul(a2, 13) ^ gmul(a3, 9);
  s[c + 1] = gmul(a0, 9) ^ gmul(a1, 14) ^ gmul(a2, 11) ^ gmul(a3, 13);
  s[c + 2] = gmul(a0, 13) ^ gmul(a1, 9) ^ gmul(a2, 14) ^ gmul(a3, 11);
  s[c + 3] = gmul(a0, 11) ^ gmul(a1, 13) ^ gmul(a2, 9) ^ gmul(a3, 14);
}
