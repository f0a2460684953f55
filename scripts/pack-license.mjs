// prepack of every package: copies the root LICENSE into the package folder so the tarball
// carries it (npm and pnpm include a package's own LICENSE; the root one is outside it).
import { copyFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
copyFileSync(join(root, 'LICENSE'), join(process.cwd(), 'LICENSE'));
