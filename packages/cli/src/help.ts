// The `--help` text of every command. The README's "Commands" section says the same at more length.

const EXIT_CODES = `Exit codes: 0 ok, 1 findings (schema problems, invalid or undecryptable values),
2 usage error, 3 bad input (file missing, malformed JSON, bad key file or key vault),
4 key refused (no such key, duplicate alt name, wrong master key), 5 output not written
(file exists, no permission), 6 MongoDB server unreachable or refused (--uri), 70 internal error.`;

const KEY_VAULT = `Key vault: --key-vault <file> (a JSON file), or --uri <mongodb://...> with
--key-vault-ns <db.coll> (default encryption.__keyVault): a key vault collection, through the
official 'mongodb' driver (an optional dependency: npm install mongodb).`;

/** Help text by command (`''` is `fle` alone, `'datakey'` the group, `'datakey create'` one command …). */
export const HELP: Readonly<Record<string, string>> = {
  '': `fle: MongoDB client-side field level encryption from the command line (fle-ts)

Usage: fle <command> [options]

Commands:
  keygen <file>                  make a 96-byte local master key file (mode 0600, never overwrites)
  datakey create|list|alt-name|rewrap|delete
                                 manage data keys in a key vault file or collection (--uri)
  encrypt|decrypt [dump]         encrypt fields of a dump (by --field or a schema map) / decrypt it
  inspect [dump]                 report every encrypted (BinData subtype 6) value of a dump or a
                                 collection (--uri --ns) by field
  schema lint <schema.json>      check a $jsonSchema with encrypt/encryptMetadata
  schema infer [sample]          write a validator from a sample and --encrypt path=algorithm
  migrate --uri --ns             encrypt fields of a collection in place, resumable

Run 'fle <command> --help' for a command's options.

${EXIT_CODES}
`,
  keygen: `Usage: fle keygen <file> [--base64] [--json]

Writes a new local master key: 96 random bytes from the platform CSPRNG. The file is created
with mode 0600 and appears whole or not at all; an existing file is never overwritten (exit 5).

  --base64   write the key as one line of base64 (128 characters) instead of 96 raw bytes
  --json     print {"path", "format", "bytes", "mode"} instead of a sentence

Both formats are what the Node driver takes as kmsProviders.local.key (a 96-byte Buffer from
fs.readFileSync(file), or the base64 string); every fle command reads either.

${EXIT_CODES}
`,
  datakey: `Usage: fle datakey <create|list|alt-name add|alt-name remove|rewrap|delete> (--key-vault <file> | --uri <uri> [--key-vault-ns <db.coll>]) [options]

Data keys in a key vault file (a JSON array of key documents in canonical Extended JSON, the
format of @fle-ts/keyvault's FileKeyVault) or a key vault collection (--uri). Run
'fle datakey <command> --help' for each.

${KEY_VAULT}

${EXIT_CODES}
`,
  'datakey create': `Usage: fle datakey create --key-vault <file> --master-key <file> [--key-alt-name <name>]... [--provider local[:name]] [--json]

Creates a data key (96 random bytes) wrapped by the local master key and stores it in the key
vault file (created if missing). Prints its id.

  --key-vault <file>     the key vault file
  --master-key <file>    the local master key file (raw 96 bytes or base64, see 'fle keygen')
  --key-alt-name <name>  an alternate name for the key; repeat for several
  --provider <id>        'local' (default) or a named local provider 'local:<name>'
  --json                 print the key as {"id", "keyAltNames", "provider", "creationDate", "updateDate", "status"}

${KEY_VAULT}

${EXIT_CODES}
`,
  'datakey list': `Usage: fle datakey list --key-vault <file> [--json]

Lists the keys of the key vault file: id, alt names, provider, creation date. Key material is
never printed.

  --json   print a JSON array of {"id", "keyAltNames", "provider", "creationDate", "updateDate", "status"}

${KEY_VAULT}

${EXIT_CODES}
`,
  'datakey alt-name': `Usage: fle datakey alt-name add|remove (--id <uuid> | --key-alt-name <name>) <name> --key-vault <file> [--json]

Adds or removes one alternate name of a key. Alt names are unique in a vault: adding one that
another key holds fails (exit 4). Removing a name the key does not have changes nothing.

  --id <uuid>            the key, by id
  --key-alt-name <name>  the key, by one of its alt names
  --json                 print {"key": {...}, "changed": true|false}

${KEY_VAULT}

${EXIT_CODES}
`,
  'datakey rewrap': `Usage: fle datakey rewrap --key-vault <file> --master-key <old> --new-master-key <new> [--id <uuid> | --key-alt-name <name>] [--provider local[:name]] [--json]

Re-wraps the data keys of the provider (all of them, or the one selected) from the old local
master key to the new one. The data keys themselves, and so every encrypted value, stay the same.
Every key is unwrapped with the old master key before the first write: a wrong master key
changes nothing (exit 4).

  --master-key <file>      the master key the keys are wrapped with now
  --new-master-key <file>  the master key to wrap them with
  --provider <id>          which keys: 'local' (default) or 'local:<name>'; the name is kept
  --json                   print {"rewrapped": n, "keyIds": [...]}

${KEY_VAULT}

${EXIT_CODES}
`,
  'datakey delete': `Usage: fle datakey delete (--id <uuid> | --key-alt-name <name>) --key-vault <file> --yes [--json]

Deletes one data key. Every value encrypted with it can never be decrypted again, so --yes is
required.

  --json   print the deleted key's summary

${KEY_VAULT}

${EXIT_CODES}
`,
  encrypt: `Usage: fle encrypt [<dump> | -] [-o <out>] --key-vault <file> --master-key <file>
         (--field <path>... --algorithm <name> (--id <uuid> | --key-alt-name <name>)
          | --schema-map <file> --ns <db.coll>) [--skip-bad] [--progress]

Encrypts fields of every document of a dump (one per line, an Extended JSON array, or one
document; from a file or stdin) and writes one document per line in canonical Extended JSON to
<out> or stdout. NDJSON input is streamed: memory stays flat whatever the size.

Explicit: each --field (a dotted path through embedded documents) is encrypted with the
algorithm (AEAD_AES_256_CBC_HMAC_SHA_512-Deterministic or -Random) and the key, as
ClientEncryption.encrypt does; missing fields are left out, fields that are already encrypted
are kept, so a run can be repeated.
Automatic: --schema-map (a JSON file {"db.coll": $jsonSchema}) and --ns choose the schema;
every field it marks is encrypted, as AutoEncrypter.encryptDocument does.

  -o, --output <file>    write here instead of stdout: a new file (mode 0600), never an existing
                         one; it appears only when every document was written
  --skip-bad             leave out documents that cannot be read or encrypted (reported on stderr)
                         instead of stopping; exit 1 if any was left out
  --progress             show progress (share read, documents, rate, ETA) on stderr; on by default
                         with -o when stderr is a terminal

${KEY_VAULT}

${EXIT_CODES}
`,
  decrypt: `Usage: fle decrypt [<dump> | -] [-o <out>] --key-vault <file> --master-key <file> [--skip-bad] [--progress]

Decrypts every FLE1 value (BinData subtype 6, first byte 1 or 2) anywhere in every document of
a dump and writes one document per line in canonical Extended JSON (types kept: int, long,
double, decimal, binData subtypes ...). Options as for 'fle encrypt'. A wrong master key or a
missing data key stops the run (exit 4) and leaves no output file.

${KEY_VAULT}

${EXIT_CODES}
`,
  inspect: `Usage: fle inspect [<dump> | - | --uri <uri> --ns <db.coll> [--limit <n>]] [--validator <file>] [--json] [--skip-bad]
                   [--progress] [--master-key <file> (--key-vault <file> | --uri <uri> [--key-vault-ns <db.coll>]) [--sample <n>]]

Reads documents (one per line as mongoexport writes them, an Extended JSON array, or a single
document; canonical or relaxed; from a file, or stdin when no file or '-' is given) and reports every
BinData subtype 6 value by field path: payload kind (FLE1 deterministic/random, each Queryable
Encryption kind), algorithm, key UUID, original BSON type (all in clear in the blob header);
nothing is decrypted unless a key vault and master key are given. Array elements are shown as
'field[]'.

  --json                 print one JSON document: {"documents", "encryptedValues", "fields": [
                         {"path", "count", "kinds": [{"kind", "algorithm", "count"}],
                          "keyIds": [{"id", "count"}], "indexKeyIds": [...],
                          "bsonTypes": [{"type", "count"}], "invalid": [{"code", "count"}],
                          "sample"?: {"decrypted", "types", "failed"}}]}
  --skip-bad             skip lines that are not a JSON document (reported on stderr) instead of stopping
  --key-vault <file>     with --master-key: decrypt a sample of each field and report plaintext types
  --master-key <file>    the local master key of the key vault
  --sample <n>           FLE1 values decrypted per field (default 10)
  --uri <uri> --ns <db.coll>
                         read the documents of a collection instead of a dump, and its validator
  --limit <n>            read at most n documents of the collection (default all)
  --validator <file>     the collection's validator ({"$jsonSchema": ...}), its encryptedFields
                         ({"encryptedFields": ...}) or its options as listCollections gives them;
                         each field is then reported as automatic (declared there) or explicit
  --progress             a progress bar (share read, documents, rate, ETA) on stderr; on by
                         default when stderr is a terminal

Exit 1 when a subtype 6 value is invalid or a sample value cannot be decrypted.

${EXIT_CODES}
`,
  schema: `Usage: fle schema lint <schema.json> [--schema-map] [--remote | --local] [--json]
       fle schema infer [<sample> | -] --encrypt <path>=<algorithm>... (--id <uuid> | --key-alt-name <name> | --key-id-pointer </field>) [-o <file>]

Run 'fle schema lint --help' or 'fle schema infer --help'.

${EXIT_CODES}
`,
  'schema lint': `Usage: fle schema lint <schema.json> [--schema-map] [--remote | --local] [--json]

Checks a $jsonSchema that uses encrypt / encryptMetadata against the rules of automatic
encryption (what mongocryptd refuses): one bsonType for deterministic, types forbidden per
algorithm, encrypt without siblings, no encrypt under items / additionalItems / allOf / anyOf /
oneOf / not, keyId and algorithm present or inherited from an encryptMetadata above, keyId one
UUID or a JSON pointer, only keywords of the local-schema subset. The file holds a schema, a
validator {"$jsonSchema": ...}, or with --schema-map a schema map {"db.coll": schema, ...}.
Extended JSON is read (keyId as {"$binary": {"base64": ..., "subType": "04"}} or {"$uuid": ...}).
The rules are @fle-ts/client's compileSchema, the engine AutoEncrypter uses.

  --schema-map   the file is a schema map: lint each namespace's schema
  --remote       read the schema as a collection validator (the default for {"$jsonSchema": ...}):
                 validation keywords (required, enum, minimum, pattern, ...) are allowed
  --local        read it as a client schemaMap entry (the default otherwise): only the
                 keywords of the local-schema subset are allowed (mongocryptd 31068)
  --json         print {"file", "ok", "problems": [{"pointer", "schemaPath", "message", "code"}]}

Exit 1 when there is any problem; each is printed with its JSON pointer into the file.

${EXIT_CODES}
`,
  'schema infer': `Usage: fle schema infer [<sample> | -] --encrypt <path>=<algorithm>... (--id <uuid> | --key-alt-name <name> | --key-id-pointer </field>)
                        [--ns <db.coll>] [-o <file>] [--skip-bad] [--progress]

Forward-engineering: reads a sample (a dump, as for 'fle inspect'; encrypted values count with the
type in their header) and writes a collection validator {"$jsonSchema": ...}: the bsonType(s) seen
at every field, properties for embedded documents, and for each --encrypt path an encrypt with the
algorithm and the type(s) seen, under one encryptMetadata keyId. The result is checked as
'fle schema lint' checks (client's compiler); what automatic encryption would refuse (a
deterministic field of several types, a path into an array, a Random _id) is reported and nothing
is written (exit 3).

  --encrypt <path>=<alg>   a dotted field path and Deterministic, Random or the full algorithm name; repeatable
  --id <uuid>              the data key, by id
  --key-alt-name <name>    the data key, by alt name: looked up in the key vault (--key-vault or --uri) for its id
  --key-id-pointer </f>    keyId as a JSON pointer: each document names its key's alt name in field f
  --ns <db.coll>           write a schema map {"db.coll": schema} (for 'fle encrypt --schema-map') instead
  -o, --output <file>      write a new file (never an existing one) instead of stdout
  --skip-bad               skip lines that are not a JSON document (reported on stderr; exit 1)
  --progress               a progress bar on stderr (on by default when stderr is a terminal)

${EXIT_CODES}
`,
  migrate: `Usage: fle migrate --uri <uri> --ns <db.coll> --master-key <file> [--key-vault <file> | --key-vault-ns <db.coll>]
                   --field <path>... --algorithm <name> (--id <uuid> | --key-alt-name <name>)
                   [--batch-size <n>] [--dry-run] [--restart] [--skip-bad] [--progress] [--json]

Encrypts fields of every document of a collection in place, explicitly (as 'fle encrypt --field'
does), in _id order, --batch-size documents (default 100) per read. Each document is replaced
whole by one replaceOne whose filter is the document as it was read, so a document is never half
encrypted and a change another client made meanwhile is never overwritten (the document is read
again). Fields already encrypted are kept, so a run can be repeated. After each batch a checkpoint
{_id: "<db.coll>", lastId, counts, done} is saved in <db>.__fleMigrate: after an interruption the
same command continues after lastId; other options with an unfinished checkpoint are refused
(--restart starts over). The data keys come from --key-vault <file>, else from the collection
--key-vault-ns (default encryption.__keyVault) of the same deployment.

  --dry-run      read and encrypt in memory, write nothing; print what would change
  --restart      ignore an unfinished checkpoint of other options
  --skip-bad     leave documents whose fields cannot be encrypted as they are (reported; exit 1)
  --progress     a progress bar on stderr (on by default when stderr is a terminal)
  --json         print {"namespace", "dryRun", "read", "encrypted", "unchanged", "conflicts", "failed", "resumed"}

Exit 1 when documents were left out (--skip-bad) or kept changing under every retry.

${EXIT_CODES}
`,
};
