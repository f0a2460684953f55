// Where the time of one 64-byte deterministic encryption goes, step by step, using the
// crypto-core internals directly. Shows what is paid once per key and what per call.
import { AeadKey } from '@fle-ts/crypto-core';
import { Aes256Key, cbcEncrypt } from '../packages/crypto-core/src/aes.js';
import { HmacSha512 } from '../packages/crypto-core/src/hmac-sha512.js';
import { randomInto } from '../packages/crypto-core/src/random-pool.js';

export interface BreakdownRow {
  step: string;
  ns: number;
  when: string;
}

function nsPerCall(fn: () => void, quick: boolean): number {
  const ms = quick ? 20 : 300;
  for (let i = 0; i < 2000; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    t = performance.now();
  } while (t - t0 < ms);
  return ((t - t0) * 1e6) / n;
}

export function breakdown(quick: boolean): BreakdownRow[] {
  const key = globalThis.crypto.getRandomValues(new Uint8Array(96));
  const aad = new Uint8Array(18);
  const p = new Uint8Array(64);
  const buf = new Uint8Array(16 + 80 + 32);
  const digest = new Uint8Array(64);
  const al = new Uint8Array(8);
  const aes = new Aes256Key(key.subarray(32, 64));
  const mac = new HmacSha512(key.subarray(0, 32));
  const k = new AeadKey(key);
  const c = k.encryptRandom(p, aad);
  let sink = 0;
  const rows: BreakdownRow[] = [
    { step: 'new AeadKey: AES-256 schedules (enc + dec) and 2 keyed HMAC-SHA-512 states', ns: nsPerCall(() => void new AeadKey(key), quick), when: 'once per data key' },
    { step: 'AES-256-CBC over 80 bytes (64 + 16 padding)', ns: nsPerCall(() => cbcEncrypt(aes, buf, 0, buf, 16, 80, buf, 16), quick), when: 'per call' },
    { step: 'HMAC-SHA-512 tag over AAD || IV || S || AL (122 bytes) from the keyed state', ns: nsPerCall(() => mac.begin().update(aad).update(buf, 0, 96).update(al).finish(digest), quick), when: 'per call' },
    { step: 'HMAC-SHA-512 deterministic IV over AAD || AL || P (90 bytes)', ns: nsPerCall(() => mac.begin().update(aad).update(al).update(p).finish(digest), quick), when: 'per deterministic call' },
    { step: 'random IV from the pool (getRandomValues once per 256 IVs)', ns: nsPerCall(() => randomInto(buf, 0, 16), quick), when: 'per random call' },
    { step: 'for comparison: getRandomValues(16 bytes) directly', ns: nsPerCall(() => void globalThis.crypto.getRandomValues(new Uint8Array(16)), quick), when: 'not used' },
    { step: 'whole encryptDeterministic(64 B)', ns: nsPerCall(() => void (sink ^= k.encryptDeterministic(p, aad)[20]!), quick), when: 'per call' },
    { step: 'whole encryptRandom(64 B)', ns: nsPerCall(() => void (sink ^= k.encryptRandom(p, aad)[20]!), quick), when: 'per call' },
    { step: 'whole decrypt(64 B)', ns: nsPerCall(() => void (sink ^= k.decrypt(c, aad).length), quick), when: 'per call' },
  ];
  if (sink === -1) console.log(sink);
  return rows;
}
