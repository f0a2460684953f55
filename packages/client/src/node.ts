// Node-only entry (`@fle-ts/client/node`): the file-backed key vault, which needs node:fs.
export { FileKeyVault } from '@fle-ts/keyvault/node';
