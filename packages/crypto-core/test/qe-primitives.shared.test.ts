// libmongocrypt's known answers for the QE primitives (../shared/test-vectors/qe/README.md "Index"):
// NIST CAVP HMAC-SHA-256 (data/NIST-CAVP.json), the inline HMAC cases, the CTR ("AES-256-CTR/NONE")
// and FLE2v2AEAD ("AES-256-CBC/SHA-256") roundtrip files, and QE v1's FLE2AEAD ("AES-256-CTR/SHA-256")
// from ../shared/test-vectors/libmongocrypt/roundtrip/. Files are read inside the tests only.
import { expect, it } from 'vitest';
import { aes256CtrDecrypt, aes256CtrEncrypt, bytesToHex, hexToBytes, hmacSha256, qeAeadDecrypt, qeAeadEncrypt, type QeAeadMode } from '../src/index.js';
import { describeShared, readSharedJson } from '../../../scripts/test-support/shared.js';

interface HmacCase { testname: string; key: string; input: string; expect: string }
interface RoundtripCase {
  name: string;
  algo: string;
  key: string;
  iv: string;
  aad?: string;
  plaintext: string;
  ciphertext?: string;
  encrypt_error?: string;
  decrypt_error?: string;
  ignore_ciphertext_mismatch_on_encrypt?: boolean;
}

const CODE_BY_MESSAGE: Record<string, string> = {
  'input plaintext too small': 'EMPTY_PLAINTEXT',
  'HMAC validation failure': 'HMAC_MISMATCH',
  'input ciphertext too small': 'CIPHERTEXT_TOO_SHORT',
};

function codeOf(f: () => unknown): string {
  try {
    f();
    return 'no error';
  } catch (e) {
    return String((e as { code?: unknown }).code);
  }
}

describeShared('HMAC-SHA-256: NIST CAVP (225) and libmongocrypt inline cases (2)', () => {
  it('every NIST-CAVP.json case matches on the expected prefix (L = 16, 24, 32)', () => {
    const { cases, count } = readSharedJson<{ cases: HmacCase[]; count: number }>('qe/data/NIST-CAVP.json');
    expect(cases.length).toBe(count);
    expect(count).toBe(225);
    let passed = 0;
    for (const c of cases) {
      expect(bytesToHex(hmacSha256(hexToBytes(c.key), hexToBytes(c.input))).slice(0, c.expect.length), c.testname).toBe(c.expect);
      passed++;
    }
    expect(passed).toBe(225);
  });
  it('inline/hmac-sha-256.json (2 cases, full 32 bytes)', () => {
    const { cases } = readSharedJson<{ cases: HmacCase[] }>('qe/inline/hmac-sha-256.json');
    expect(cases.length).toBe(2);
    for (const c of cases) expect(bytesToHex(hmacSha256(hexToBytes(c.key), hexToBytes(c.input))), c.testname).toBe(c.expect);
  });
});

function runRoundtrip(c: RoundtripCase): void {
  const key = hexToBytes(c.key);
  const iv = hexToBytes(c.iv);
  const plaintext = hexToBytes(c.plaintext);
  if (c.algo === 'AES-256-CTR/NONE') {
    const ct = aes256CtrEncrypt(key, iv, plaintext);
    expect(bytesToHex(ct), c.name).toBe(c.ciphertext!.toLowerCase());
    expect(bytesToHex(aes256CtrDecrypt(key, ct)), c.name).toBe(c.plaintext.toLowerCase());
    return;
  }
  const mode: QeAeadMode = c.algo === 'AES-256-CBC/SHA-256' ? 'cbc' : 'ctr';
  expect(['AES-256-CBC/SHA-256', 'AES-256-CTR/SHA-256']).toContain(c.algo);
  const aad = hexToBytes(c.aad ?? '');
  if (c.encrypt_error) {
    expect(codeOf(() => qeAeadEncrypt(mode, key, iv, aad, plaintext)), c.name).toBe(CODE_BY_MESSAGE[c.encrypt_error]);
    return;
  }
  if (!c.ignore_ciphertext_mismatch_on_encrypt) {
    expect(bytesToHex(qeAeadEncrypt(mode, key, iv, aad, plaintext)), c.name).toBe(c.ciphertext!.toLowerCase());
  }
  if (c.decrypt_error) {
    expect(codeOf(() => qeAeadDecrypt(mode, key, aad, hexToBytes(c.ciphertext!))), c.name).toBe(CODE_BY_MESSAGE[c.decrypt_error]);
    return;
  }
  expect(bytesToHex(qeAeadDecrypt(mode, key, aad, hexToBytes(c.ciphertext!))), c.name).toBe(c.plaintext.toLowerCase());
}

describeShared('libmongocrypt roundtrip/ known answers for the QE ciphers', () => {
  const files: [string, number][] = [
    ['qe/data/roundtrip/aes-ctr.json', 3],
    ['qe/data/roundtrip/nist.json', 2],
    ['qe/data/roundtrip/fle2-fixed.json', 1],
    ['qe/data/roundtrip/fle2-generated.json', 4],
    ['qe/data/roundtrip/fle2v2-aead-fixed.json', 3],
    ['qe/data/roundtrip/fle2v2-aead-generated.json', 12],
    ['libmongocrypt/roundtrip/fle2aead-fixed.json', 3],
    ['libmongocrypt/roundtrip/fle2aead-generated.json', 12],
    ['libmongocrypt/roundtrip/fle2aead-decrypt.json', 3],
  ];
  for (const [file, count] of files) {
    it(`${file}: all ${count} cases byte for byte (errors by code)`, () => {
      const cases = readSharedJson<RoundtripCase[]>(file);
      expect(cases.length).toBe(count);
      for (const c of cases) runRoundtrip(c);
    });
  }
});
