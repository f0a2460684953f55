import { Aes256Key, HmacSha256Key, wipe } from '@fle-ts/crypto-core';
import { collectionsLevel1Token, ecocToken, edcToken, escToken, serverDataEncryptionLevel1Token, serverTokenDerivationLevel1Token } from './tokens.js';

/** The per-edge tokens of a range payload: `d`, `s`, `l` (and, unwiped until used, the data-derived parents of `d` and `s`). */
export interface EdgeTokens {
  /** EDCDerivedFromDataToken (find payloads send it as `d`). */
  edcDerivedFromDataToken: Uint8Array;
  /** ESCDerivedFromDataToken (find payloads send it as `s`). */
  escDerivedFromDataToken: Uint8Array;
  /** ServerDerivedFromDataToken: `l`. */
  serverDerivedFromDataToken: Uint8Array;
}

/**
 * The token chain of one index key for the many values of one range payload (one per edge):
 * the tokens that do not depend on the value (CollectionsLevel1, ServerTokenDerivationLevel1,
 * ServerDataEncryptionLevel1, ECOC, EDC, ESC; LMC `mc-tokens.c`) are derived once, the three
 * parents of the data-derived tokens are keyed HMACs (pads compressed once), and ECOC's AES key
 * schedule is expanded once for every edge's `p`. Each edge then costs three keyed MACs (plus
 * two for the contention factor in an insert) instead of eleven from scratch. The bytes are
 * those of `equalityTokens` + `andContentionFactorToken` (tokens.ts), which stay the reference.
 */
export class IndexTokenChain {
  /** ServerDataEncryptionLevel1Token (`e` of an insert). */
  readonly serverDataEncryptionLevel1Token: Uint8Array;
  /** ECOCToken's AES-256 key schedule: the key of every `p`. */
  readonly ecocKey: Aes256Key;
  readonly #edc: HmacSha256Key;
  readonly #esc: HmacSha256Key;
  readonly #server: HmacSha256Key;

  constructor(tokenKey: Uint8Array) {
    const c1 = collectionsLevel1Token(tokenKey);
    const sd1 = serverTokenDerivationLevel1Token(tokenKey);
    const ecoc = ecocToken(c1);
    const edc = edcToken(c1);
    const esc = escToken(c1);
    this.serverDataEncryptionLevel1Token = serverDataEncryptionLevel1Token(tokenKey);
    this.ecocKey = new Aes256Key(ecoc);
    this.#edc = new HmacSha256Key(edc);
    this.#esc = new HmacSha256Key(esc);
    this.#server = new HmacSha256Key(sd1);
    wipe(c1, sd1, ecoc, edc, esc);
  }

  /** The data-derived tokens of one value's bytes (an edge's ASCII bits, or the value itself). */
  derive(valueBytes: Uint8Array): EdgeTokens {
    return {
      edcDerivedFromDataToken: this.#edc.mac(valueBytes),
      escDerivedFromDataToken: this.#esc.mac(valueBytes),
      serverDerivedFromDataToken: this.#server.mac(valueBytes),
    };
  }

  /** Overwrites every keyed state and the ECOC schedule (the `e` token is output and stays). */
  destroy(): void {
    this.#edc.destroy();
    this.#esc.destroy();
    this.#server.destroy();
    this.ecocKey.destroy();
  }
}
