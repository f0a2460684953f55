// libmongocrypt 1.7.2 (C, OpenSSL) through ../shared/tools/mcoracle: its `bench` and `bulk`
// commands, fed the same key material as the fle-ts side.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

export class Mcoracle {
  readonly #bin: string;
  readonly #master = b64(globalThis.crypto.getRandomValues(new Uint8Array(96)));
  readonly #dir = mkdtempSync(join(tmpdir(), 'fle-bench-'));
  #keysFile = '';
  #keyId = '';

  private constructor(bin: string) {
    this.#bin = bin;
  }

  /** The built oracle, building it once if libmongocrypt-dev is installed; undefined otherwise. */
  static locate(root: string): Mcoracle | undefined {
    const bin = process.env.FLE_MCORACLE ?? join(root, '.cache', 'mcoracle', 'mcoracle');
    if (!existsSync(bin)) spawnSync(process.execPath, [join(root, 'scripts', 'build-mcoracle.mjs')], { stdio: 'ignore' });
    return existsSync(bin) ? new Mcoracle(bin) : undefined;
  }

  #run(args: string[]): string {
    const r = spawnSync(this.#bin, [args[0]!, '--master', this.#master, ...args.slice(1)], { encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`mcoracle ${args[0]} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** Registers one local data key with the given 96-byte material; returns its 16-byte id. */
  useKey(material: Uint8Array): Uint8Array {
    const doc = JSON.parse(this.#run(['datakey', '--material', b64(material)])) as { _id: { $binary: { base64: string } } };
    this.#keysFile = join(this.#dir, 'keys.json');
    writeFileSync(this.#keysFile, JSON.stringify([doc]));
    this.#keyId = doc._id.$binary.base64;
    return new Uint8Array(Buffer.from(this.#keyId, 'base64'));
  }

  /** Base64 of the BinData 6 that libmongocrypt gives for a deterministic string `value`. */
  encryptDeterministicString(value: string): string {
    const values = join(this.#dir, 'values.json');
    writeFileSync(values, JSON.stringify([{ v: value }]));
    const out = JSON.parse(
      this.#run(['encrypt', '--keys', this.#keysFile, '--algorithm', 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic', '--key-id', this.#keyId, '--values', values]),
    ) as { v: { $binary: { base64: string } } }[];
    return out[0]!.v.$binary.base64;
  }

  bench(algorithm: 'Deterministic' | 'Random', size: number, seconds: number): { encrypt_ops: number; decrypt_ops: number } {
    const alg = `AEAD_AES_256_CBC_HMAC_SHA_512-${algorithm}`;
    return JSON.parse(
      this.#run(['bench', '--keys', this.#keysFile, '--algorithm', alg, '--key-id', this.#keyId, '--size', String(size), '--seconds', String(seconds)]),
    ) as { encrypt_ops: number; decrypt_ops: number };
  }

  /** Ten rounds of `seconds` after a warm-up round; ops/s of each. */
  bulk(seconds: number): number[] {
    return (JSON.parse(this.#run(['bulk', '--keys', this.#keysFile, '--key-id', this.#keyId, '--seconds', String(seconds)])) as { bulk_decrypt_ops: number[] }).bulk_decrypt_ops;
  }
}
