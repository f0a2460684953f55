// Plain CommonJS under plain `node` (no loader, no source condition): what the driver's
// `require('mongodb-client-encryption')` gets from the built package (dist/, ESM) through
// Node's require(esm) (Node >= 20.19). Prints one JSON line.
'use strict';
const { createRequire } = require('node:module');
const dlopened = [];
const origDlopen = process.dlopen;
process.dlopen = function (module, filename, ...rest) {
  dlopened.push(filename);
  return origDlopen.call(process, module, filename, ...rest);
};
const warnings = [];
process.on('warning', (w) => warnings.push(`${w.name}: ${w.message}`));

const out = { node: process.version };
for (const major of ['6', '7']) {
  const driverRequire = createRequire(require.resolve(`mongodb${major}`));
  const resolved = driverRequire.resolve('mongodb-client-encryption');
  const { MongoCrypt } = driverRequire('mongodb-client-encryption');
  const { serialize, deserialize } = driverRequire('bson');
  const crypt = new MongoCrypt({ kmsProviders: serialize({ local: { key: Buffer.alloc(96, 9) } }) });
  const keyDoc = deserialize(crypt.makeDataKeyContext(serialize({ provider: 'local' }), {}).finalize());
  const enc = crypt.makeExplicitEncryptionContext(serialize({ v: 'hello' }), { keyId: keyDoc._id.buffer, algorithm: 'AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic' });
  const states = [enc.state];
  enc.addMongoOperationResponse(serialize(keyDoc));
  enc.finishMongoOperation();
  states.push(enc.state);
  const blob = enc.finalize();
  const dec = crypt.makeExplicitDecryptionContext(blob);
  states.push(dec.state);
  out[major] = { resolved, states, plain: deserialize(dec.finalize()).v, versionInfo: crypt.cryptSharedLibVersionInfo !== null };
}
out.dlopened = dlopened;
out.nativeInRequireCache = Object.keys(require.cache).filter((f) => f.endsWith('.node'));
setImmediate(() => {
  out.warnings = warnings;
  process.stdout.write(`${JSON.stringify(out)}\n`);
});
