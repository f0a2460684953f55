/**
 * The WebCrypto half of {@link AeadKey}'s async methods: AES-256-CBC and HMAC-SHA-512 from
 * `crypto.subtle`, which runs native code (OpenSSL in Node, BoringSSL in Chromium/Workers).
 * Worth it for large values only: each call is a promise round trip through the runtime.
 *
 * WebCrypto's AES-CBC pads with PKCS#7 itself (WebCrypto spec, AES-CBC encrypt step 3),
 * exactly the [MCGREW 2.1] padding, and strictly checks it on decrypt.
 */

/** Outcome of a failed check, mapped to the synchronous path's error codes by the caller. */
export type SubtleFailure = 'HMAC_MISMATCH' | 'BAD_CIPHERTEXT_LENGTH' | 'BAD_PADDING';

interface SubtleKeys {
  aes: CryptoKey;
  mac: CryptoKey;
  ivMac: CryptoKey;
}

/** Holds the three CryptoKeys of one 96-byte data key, imported once, non-extractable. */
export class SubtleAead {
  readonly #keys: Promise<SubtleKeys | undefined>;
  #subtle: SubtleCrypto | undefined;

  constructor(raw: Uint8Array) {
    this.#keys = this.#importKeys(raw.slice());
  }

  /** True once the keys are imported; false when the runtime has no usable `crypto.subtle`. */
  async ready(): Promise<boolean> {
    return (await this.#keys) !== undefined;
  }

  /**
   * IV || S || T. Built in one buffer laid out as AAD || IV || S || AL, which is exactly the
   * MAC input, so the 1 MiB-class S is copied once; the tag then overwrites AL and the result
   * is the view after the AAD (like `decrypt`'s result, a view into a larger buffer).
   */
  async encrypt(plaintext: Uint8Array, aad: Uint8Array, al: Uint8Array, ivChoice: Uint8Array | 'derive'): Promise<Uint8Array> {
    const { subtle, keys } = await this.#ready();
    const sLength = 16 * (Math.floor(plaintext.length / 16) + 1);
    const macEnd = aad.length + 16 + sLength;
    const buf = new Uint8Array(macEnd + 32);
    buf.set(aad, 0);
    let iv = ivChoice;
    if (iv === 'derive') {
      // Deterministic IV = HMAC-SHA-512(IV key, AAD || AL || P)[0..16), its input laid out in
      // the same buffer: IV || S below overwrite the plaintext copy (S is longer than P).
      buf.set(al, aad.length);
      buf.set(plaintext, aad.length + 8);
      const digest = new Uint8Array(await subtle.sign('HMAC', keys.ivMac, buf.subarray(0, aad.length + 8 + plaintext.length)));
      iv = digest.slice(0, 16);
      digest.fill(0);
    }
    buf.set(iv, aad.length);
    const s = new Uint8Array(await subtle.encrypt({ name: 'AES-CBC', iv: iv.slice() }, keys.aes, source(plaintext)));
    buf.set(s, aad.length + 16);
    buf.set(al, macEnd);
    const tag = new Uint8Array(await subtle.sign('HMAC', keys.mac, buf.subarray(0, macEnd + 8)));
    buf.set(tag.subarray(0, 32), macEnd);
    return buf.subarray(aad.length);
  }

  /**
   * Tag check first, then AES. The two run concurrently (the tag does not depend on the
   * plaintext), but the plaintext is only returned once the tag has matched.
   */
  async decrypt(ciphertext: Uint8Array, aad: Uint8Array, al: Uint8Array): Promise<Uint8Array | SubtleFailure> {
    const { subtle, keys } = await this.#ready();
    const macEnd = ciphertext.length - 32;
    const aligned = (macEnd - 16) % 16 === 0;
    const tag = subtle.sign('HMAC', keys.mac, macInput(aad, ciphertext, macEnd, al));
    const plain = aligned
      ? // WebCrypto copies its input when called ("get a copy of the bytes"), so views suffice.
        subtle.decrypt({ name: 'AES-CBC', iv: ciphertext.slice(0, 16) }, keys.aes, source(ciphertext.subarray(16, macEnd))).then(
          (p) => new Uint8Array(p),
          () => 'BAD_PADDING' as const,
        )
      : undefined;
    const expected = new Uint8Array(await tag);
    let diff = 0;
    for (let i = 0; i < 32; i++) diff |= expected[i]! ^ ciphertext[macEnd + i]!;
    if (diff !== 0) {
      const p = await plain;
      if (p instanceof Uint8Array) p.fill(0);
      return 'HMAC_MISMATCH';
    }
    if (!plain) return 'BAD_CIPHERTEXT_LENGTH';
    return plain;
  }

  async #ready(): Promise<{ subtle: SubtleCrypto; keys: SubtleKeys }> {
    const keys = await this.#keys;
    if (!keys || !this.#subtle) throw new Error('unreachable: SubtleAead used without ready()');
    return { subtle: this.#subtle, keys };
  }

  async #importKeys(raw: Uint8Array): Promise<SubtleKeys | undefined> {
    const subtle = (globalThis as { crypto?: Crypto }).crypto?.subtle;
    // Key split, LMC `KEY_FORMAT_FLE1`: Km = key[0..32), Ke = key[32..64), IV key = key[64..96).
    // importKey takes ArrayBuffer-backed copies; each is wiped once the import settles
    // (importKey copies the bytes when called, WebCrypto spec "get a copy of the bytes").
    const parts = [raw.slice(0, 32), raw.slice(32, 64), raw.slice(64, 96)] as const;
    raw.fill(0);
    if (!subtle) {
      for (const p of parts) p.fill(0);
      return undefined;
    }
    try {
      const hmac = { name: 'HMAC', hash: 'SHA-512' };
      const [mac, aes, ivMac] = await Promise.all([
        subtle.importKey('raw', parts[0], hmac, false, ['sign']),
        subtle.importKey('raw', parts[1], { name: 'AES-CBC' }, false, ['encrypt', 'decrypt']),
        subtle.importKey('raw', parts[2], hmac, false, ['sign']),
      ]);
      this.#subtle = subtle;
      return { aes, mac, ivMac };
    } catch {
      // A runtime without AES-CBC or HMAC-SHA-512 in WebCrypto: the sync path serves it.
      return undefined;
    } finally {
      for (const p of parts) p.fill(0);
    }
  }
}

/** WebCrypto takes ArrayBuffer-backed views only; a view of a SharedArrayBuffer is copied. */
function source(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  return bytes.buffer instanceof ArrayBuffer ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
}

/** AAD || IV || S || AL as one buffer: WebCrypto's sign() takes a single input. */
function macInput(aad: Uint8Array, ivAndS: Uint8Array, macEnd: number, al: Uint8Array): Uint8Array<ArrayBuffer> {
  const input = new Uint8Array(aad.length + macEnd + 8);
  input.set(aad, 0);
  input.set(ivAndS.subarray(0, macEnd), aad.length);
  input.set(al, aad.length + macEnd);
  return input;
}
