// Serves the browser example on http://127.0.0.1:8080 (a secure context, so WebCrypto works):
// index.html as is, and fle-ts.js = @fle-ts/client plus the runtime-neutral parts of the `fle`
// command line (@fle-ts/cli: inspect, schema lint) bundled by esbuild for the browser.
//   node examples/browser/serve.mjs [port]
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));

/**
 * The page's library, one minified ESM file: everything @fle-ts/client exports, and what `fle
 * inspect` and `fle schema lint` run (the same functions the command line calls), and bson's EJSON.
 */
export async function bundleExampleLibrary() {
  const out = await build({
    stdin: {
      contents: [
        `export * from '@fle-ts/client';`,
        `export { EncryptedFieldCollector, formatInspectReport, hasInspectFindings, lintSchemaDocument, readDump, textLines, readValidator, declarationOf } from '@fle-ts/cli';`,
        `export { EJSON } from 'bson';`,
      ].join('\n'),
      resolveDir: HERE,
      loader: 'js',
    },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    conditions: ['@fle-ts/source'], // package sources; drop this line to bundle the built dist/
    write: false,
    logLevel: 'error',
  });
  return out.outputFiles[0].text;
}

/** Starts the server; resolves to it once listening. */
export async function serveExample(port = 8080) {
  const library = await bundleExampleLibrary();
  const page = readFileSync(join(HERE, 'index.html'), 'utf8');
  const server = http.createServer((req, res) => {
    const js = req.url === '/fle-ts.js';
    res.writeHead(js || req.url === '/' || req.url === '/index.html' ? 200 : 404, { 'content-type': js ? 'text/javascript' : 'text/html' });
    res.end(js ? library : page);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return server;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await serveExample(Number(process.argv[2] ?? 8080));
  console.log(`fle-ts browser example: http://127.0.0.1:${server.address().port}/`);
}
