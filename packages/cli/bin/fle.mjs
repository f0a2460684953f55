#!/usr/bin/env node
// The `fle` binary. Imports the package by its own name, so plain `node` runs dist/ and
// `node --import tsx --conditions=@fle-ts/source` runs src/ (the tests do the latter).
import { main } from '@fle-ts/cli/node';

process.exitCode = await main(process.argv.slice(2));
