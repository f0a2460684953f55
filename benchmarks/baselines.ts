// The same AEAD (AEAD_AES_256_CBC_HMAC_SHA_512 as MongoDB uses it, fle1-spec.md section 1)
// composed three other ways, to race fle-ts against. Each is checked against the mcgrew
// vector before it is timed (checkBaselines), so only correct implementations race.
import { createCipheriv, createDecipheriv, createHmac, randomFillSync, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cbc } from '@noble/ciphers/aes.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { AeadKey, bytesToHex, hexToBytes } from '@fle-ts/crypto-core';

const EMPTY = new Uint8Array(0);

function al(aad: Uint8Array): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, BigInt(aad.length * 8));
  return out;
}

/** One way to compute the AEAD; `iv` undefined = random, 'det' = derived. */
export interface SyncAead {
  encrypt(key: Uint8Array, p: Uint8Array, aad: Uint8Array, iv: Uint8Array | 'random' | 'det'): Uint8Array;
  decrypt(key: Uint8Array, c: Uint8Array, aad: Uint8Array): Uint8Array;
}
export interface AsyncAead {
  encrypt(key: Uint8Array, p: Uint8Array, aad: Uint8Array, iv: Uint8Array | 'random' | 'det'): Promise<Uint8Array>;
  decrypt(key: Uint8Array, c: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
}

/** (a) node:crypto (OpenSSL): what a Node user would write by hand. Nothing cached between calls. */
export const nodeAead: SyncAead = {
  encrypt(key, p, aad, ivChoice) {
    let iv: Uint8Array;
    if (ivChoice === 'random') iv = randomFillSync(new Uint8Array(16));
    else if (ivChoice === 'det') iv = createHmac('sha512', key.subarray(64, 96)).update(aad).update(al(aad)).update(p).digest().subarray(0, 16);
    else iv = ivChoice;
    const c = createCipheriv('aes-256-cbc', key.subarray(32, 64), iv);
    const s = Buffer.concat([c.update(p), c.final()]);
    const t = createHmac('sha512', key.subarray(0, 32)).update(aad).update(iv).update(s).update(al(aad)).digest().subarray(0, 32);
    return Buffer.concat([iv, s, t]);
  },
  decrypt(key, ct, aad) {
    const c = Buffer.from(ct.buffer, ct.byteOffset, ct.length);
    const macEnd = c.length - 32;
    const t = createHmac('sha512', key.subarray(0, 32)).update(aad).update(c.subarray(0, macEnd)).update(al(aad)).digest().subarray(0, 32);
    if (!timingSafeEqual(t, c.subarray(macEnd))) throw new Error('HMAC mismatch');
    const d = createDecipheriv('aes-256-cbc', key.subarray(32, 64), c.subarray(0, 16));
    return Buffer.concat([d.update(c.subarray(16, macEnd)), d.final()]);
  },
};

/** (c) @noble/ciphers + @noble/hashes, the straightforward composition: no key caching. */
export const nobleAead: SyncAead = {
  encrypt(key, p, aad, ivChoice) {
    let iv: Uint8Array;
    if (ivChoice === 'random') iv = globalThis.crypto.getRandomValues(new Uint8Array(16));
    else if (ivChoice === 'det') iv = hmac(sha512, key.subarray(64, 96), concat(aad, al(aad), p)).subarray(0, 16);
    else iv = ivChoice;
    const s = cbc(key.subarray(32, 64), iv).encrypt(p);
    const t = hmac(sha512, key.subarray(0, 32), concat(aad, iv, s, al(aad))).subarray(0, 32);
    return concat(iv, s, t);
  },
  decrypt(key, c, aad) {
    const macEnd = c.length - 32;
    const t = hmac(sha512, key.subarray(0, 32), concat(aad, c.subarray(0, macEnd), al(aad))).subarray(0, 32);
    let diff = 0;
    for (let i = 0; i < 32; i++) diff |= t[i]! ^ c[macEnd + i]!;
    if (diff) throw new Error('HMAC mismatch');
    return cbc(key.subarray(32, 64), c.subarray(0, 16)).decrypt(c.subarray(16, macEnd));
  },
};

/** (b) WebCrypto `crypto.subtle`, keys imported once per key (what a browser user would write). */
export function webCryptoAead(): AsyncAead {
  const subtle = globalThis.crypto.subtle;
  const cache = new Map<Uint8Array, Promise<CryptoKey[]>>();
  const keys = (key: Uint8Array) => {
    let k = cache.get(key);
    if (!k) {
      const h = { name: 'HMAC', hash: 'SHA-512' };
      k = Promise.all([
        subtle.importKey('raw', key.slice(0, 32), h, false, ['sign']),
        subtle.importKey('raw', key.slice(32, 64), 'AES-CBC', false, ['encrypt', 'decrypt']),
        subtle.importKey('raw', key.slice(64, 96), h, false, ['sign']),
      ]);
      cache.set(key, k);
    }
    return k;
  };
  return {
    async encrypt(key, p, aad, ivChoice) {
      const [mac, aes, ivMac] = await keys(key);
      let iv: Uint8Array<ArrayBuffer>;
      if (ivChoice === 'random') iv = globalThis.crypto.getRandomValues(new Uint8Array(16));
      else if (ivChoice === 'det') iv = new Uint8Array(await subtle.sign('HMAC', ivMac!, concat(aad, al(aad), p)), 0, 16);
      else iv = ivChoice.slice();
      const s = new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv }, aes!, p.slice()));
      const t = new Uint8Array(await subtle.sign('HMAC', mac!, concat(aad, iv, s, al(aad))), 0, 32);
      return concat(iv, s, t);
    },
    async decrypt(key, c, aad) {
      const [mac, aes] = await keys(key);
      const macEnd = c.length - 32;
      const t = new Uint8Array(await subtle.sign('HMAC', mac!, concat(aad, c.subarray(0, macEnd), al(aad))));
      let diff = 0;
      for (let i = 0; i < 32; i++) diff |= t[i]! ^ c[macEnd + i]!;
      if (diff) throw new Error('HMAC mismatch');
      return new Uint8Array(await subtle.decrypt({ name: 'AES-CBC', iv: c.slice(0, 16) }, aes!, c.slice(16, macEnd)));
    },
  };
}

/** fle-ts itself behind the same interface: one AeadKey per key, created once. */
export function fleTsSync(): SyncAead {
  const cache = new Map<Uint8Array, AeadKey>();
  const k = (key: Uint8Array) => cache.get(key) ?? cache.set(key, new AeadKey(key)).get(key)!;
  return {
    encrypt: (key, p, aad, iv) => (iv === 'random' ? k(key).encryptRandom(p, aad) : iv === 'det' ? k(key).encryptDeterministic(p, aad) : k(key).encrypt(p, aad, iv)),
    decrypt: (key, c, aad) => k(key).decrypt(c, aad),
  };
}

export function fleTsAsync(): AsyncAead {
  const cache = new Map<Uint8Array, AeadKey>();
  const k = (key: Uint8Array) => cache.get(key) ?? cache.set(key, new AeadKey(key)).get(key)!;
  return {
    encrypt: (key, p, aad, iv) => k(key).encryptAsync(p, aad, iv === 'det' ? 'deterministic' : iv),
    decrypt: (key, c, aad) => k(key).decryptAsync(c, aad),
  };
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

interface McgrewCase {
  key: string;
  iv: string;
  aad?: string;
  plaintext: string;
  ciphertext: string;
}

/** The mcgrew vector (libmongocrypt test/data/roundtrip/mcgrew.json), or undefined without ../shared. */
function mcgrew(root: string): McgrewCase | undefined {
  try {
    const cases = JSON.parse(readFileSync(join(root, '..', 'shared', 'test-vectors', 'libmongocrypt', 'roundtrip', 'mcgrew.json'), 'utf8')) as McgrewCase[];
    return cases[0];
  } catch {
    return undefined;
  }
}

/**
 * Every implementation must reproduce the mcgrew ciphertext and decrypt it, and round-trip a
 * deterministic and a random value with the same bytes as fle-ts, before any timing starts.
 */
export async function checkBaselines(root: string, impls: Record<string, SyncAead | AsyncAead>): Promise<string> {
  const v = mcgrew(root);
  const key = globalThis.crypto.getRandomValues(new Uint8Array(96));
  const p = new TextEncoder().encode('a value for the cross-check, 41 bytes....');
  const aad = hexToBytes('01' + '11'.repeat(16) + '02');
  const reference = bytesToHex(new AeadKey(key).encryptDeterministic(p, aad));
  for (const [name, impl] of Object.entries(impls)) {
    if (v) {
      const c = await impl.encrypt(hexToBytes(v.key), hexToBytes(v.plaintext), hexToBytes(v.aad ?? ''), hexToBytes(v.iv));
      if (bytesToHex(c) !== v.ciphertext.toLowerCase()) throw new Error(`${name} fails the mcgrew encrypt vector`);
      const back = await impl.decrypt(hexToBytes(v.key), hexToBytes(v.ciphertext), hexToBytes(v.aad ?? ''));
      if (bytesToHex(back) !== v.plaintext.toLowerCase()) throw new Error(`${name} fails the mcgrew decrypt vector`);
    }
    const det = await impl.encrypt(key, p, aad, 'det');
    if (bytesToHex(det) !== reference) throw new Error(`${name} deterministic output differs from fle-ts`);
    const rnd = await impl.encrypt(key, p, aad, 'random');
    if (bytesToHex(await impl.decrypt(key, rnd, aad)) !== bytesToHex(p)) throw new Error(`${name} random round trip fails`);
  }
  return v ? 'mcgrew vector (libmongocrypt roundtrip/mcgrew.json) + deterministic cross-check' : 'deterministic cross-check only (../shared missing: mcgrew vector not run)';
}

export { EMPTY };
