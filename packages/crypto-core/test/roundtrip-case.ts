/** One case of libmongocrypt's test/data/roundtrip/*.json (../shared/test-vectors/libmongocrypt/roundtrip/). */
export interface RoundtripCase {
  name: string;
  algo: string;
  key: string;
  iv: string;
  aad?: string;
  plaintext: string;
  ciphertext: string;
  ignore_ciphertext_mismatch_on_encrypt?: boolean;
  encrypt_error?: string;
  decrypt_error?: string;
}
