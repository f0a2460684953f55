// The README's first command: a walk-through of fle-ts. Grows with each package.
import { AeadKey, bytesToHex, randomBytes } from '@fle-ts/crypto-core';

const key = randomBytes(96);
const aead = new AeadKey(key);
const plaintext = new TextEncoder().encode('123-45-6789');
const aad = new TextEncoder().encode('demo');
const det = aead.encryptDeterministic(plaintext, aad);
console.log('crypto-core AEAD_AES_256_CBC_HMAC_SHA_512');
console.log('  deterministic:', bytesToHex(det));
console.log('  again        :', bytesToHex(aead.encryptDeterministic(plaintext, aad)));
console.log('  random       :', bytesToHex(aead.encryptRandom(plaintext, aad)));
console.log('  decrypted    :', new TextDecoder().decode(aead.decrypt(det, aad)));
