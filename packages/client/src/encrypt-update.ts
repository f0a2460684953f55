import { checkDepth, documentEntries, documentFromEntries, isDocumentInput, type DocumentInput } from './document-entries.js';
import { checkValueForRule, optionsForRule } from './encrypt-value-rule.js';
import { encryptWithSchema, walkDocument, type ValueSink } from './encrypt-document.js';
import { FleClientError } from './errors.js';
import type { FieldCipherSource } from './field-cipher.js';
import { resolvePath, type EncryptRule, type PathResolution, type SchemaNode } from './schema.js';

function isPositional(part: string): boolean {
  return part === '$' || part.startsWith('$[');
}

/** Where an update path lands; positional parts ($, $[], $[id]) on an encrypted path are refused (query-analysis.md §4). */
function resolveUpdatePath(root: SchemaNode, path: string, op: string): PathResolution {
  const parts = path.split('.');
  const firstPositional = parts.findIndex(isPositional);
  if (firstPositional >= 0) {
    const before = resolvePath(root, parts.slice(0, firstPositional).join('.'));
    if (before.kind !== 'clear') {
      throw new FleClientError('UNSUPPORTED_UPDATE_OPERATOR', `${op} '${path}': positional and array-filter updates cannot reach encrypted fields`);
    }
    return { kind: 'clear' };
  }
  return resolvePath(root, path);
}

function ruleSignature(r: EncryptRule): string {
  return JSON.stringify([r.algorithm, r.keyId.kind === 'id' ? r.keyId.id.toString('hex') : r.keyId.pointer, r.bsonTypes ?? null]);
}

function nodeSignature(n: SchemaNode): string {
  if (n.encrypt) return ruleSignature(n.encrypt);
  return JSON.stringify([
    [...n.properties].filter(([, c]) => c.hasEncryption).map(([k, c]) => [k, nodeSignature(c)]),
    n.patternProperties.filter((p) => p.node.hasEncryption).map((p) => [p.pattern.source, nodeSignature(p.node)]),
    n.additionalProperties?.hasEncryption ? nodeSignature(n.additionalProperties) : null,
  ]);
}

/** What a path encrypts, to compare $rename source and target (mongocryptd 51160). */
function signature(where: PathResolution): string {
  switch (where.kind) {
    case 'clear': return 'clear';
    case 'encrypted': return ruleSignature(where.rule);
    case 'below': return `below:${where.encryptedPath}`;
    case 'prefix': return nodeSignature(where.node);
  }
}

function rewriteSet(root: SchemaNode, op: string, fields: readonly [string, unknown][], sink: ValueSink, depth: number): Record<string, unknown> {
  const out: [string, unknown][] = [];
  for (const [path, value] of fields) {
    const where = resolveUpdatePath(root, path, op);
    if (where.kind === 'clear') out.push([path, value]);
    else if (where.kind === 'encrypted') {
      checkValueForRule(path, where.rule, value);
      out.push([path, sink(path, value, optionsForRule(path, where.rule, undefined))]);
    } else if (where.kind === 'below') {
      throw new FleClientError('UNSUPPORTED_UPDATE_OPERATOR', `${op} '${path}': the path lies inside the encrypted field '${where.encryptedPath}'; set the whole field instead`);
    } else if (Array.isArray(value)) {
      throw new FleClientError('ARRAY_IN_ENCRYPTED_PATH', `${op} '${path}': an array cannot hold fields the schema encrypts`);
    } else if (isDocumentInput(value)) {
      out.push([path, walkDocument(where.node, value, undefined, path, sink, depth + 1)]);
    } else {
      out.push([path, value]);
    }
  }
  return documentFromEntries(out);
}

/**
 * Rewrites an update document (operators) or a replacement document; plain objects or Maps,
 * read by their real entries, the result a plain object with every field kept. `depth` is the
 * update's nesting level (top-level = 1); past MAX_NESTING_DEPTH → `NESTING_TOO_DEEP`.
 */
export function walkUpdate(root: SchemaNode, update: DocumentInput, sink: ValueSink, depth = 1): Record<string, unknown> {
  checkDepth(depth, 'The update');
  const entries = documentEntries(update, 'The update');
  if (!entries.some(([k]) => k.startsWith('$'))) return walkDocument(root, update, update, '', sink, depth); // replacement document
  if (!entries.every(([k]) => k.startsWith('$'))) throw new FleClientError('INVALID_ARGUMENT', 'An update mixes operators ($set, ...) and plain fields; use one or the other');
  const out: [string, unknown][] = [];
  for (const [op, arg] of entries) {
    if (!isDocumentInput(arg)) throw new FleClientError('INVALID_ARGUMENT', `${op} needs a document of fields`);
    const fields = documentEntries(arg, `The update's ${op}`);
    if (op === '$set') out.push([op, rewriteSet(root, op, fields, sink, depth + 1)]);
    else if (op === '$unset') {
      for (const [path] of fields) resolveUpdatePath(root, path, op);
      out.push([op, arg]);
    } else if (op === '$rename') {
      for (const [from, to] of fields) {
        if (typeof to !== 'string') throw new FleClientError('INVALID_ARGUMENT', `$rename '${from}' needs a string target`);
        const a = resolveUpdatePath(root, from, op);
        const b = resolveUpdatePath(root, to, op);
        if (signature(a) !== signature(b)) {
          throw new FleClientError('RENAME_METADATA_MISMATCH', `$rename '${from}' -> '${to}': source and target must have the same encryption metadata in the schema`);
        }
      }
      out.push([op, arg]);
    } else {
      for (const [path] of fields) {
        if (resolveUpdatePath(root, path, op).kind !== 'clear') {
          throw new FleClientError('UNSUPPORTED_UPDATE_OPERATOR', `${op} is not allowed on the encrypted field '${path}' (only $set, $unset and $rename)`);
        }
      }
      out.push([op, arg]);
    }
  }
  return documentFromEntries(out);
}

/** Encrypts the values an update writes to encrypted fields; the input is not modified. */
export async function encryptUpdateWith(source: FieldCipherSource, root: SchemaNode, update: Record<string, unknown> | readonly unknown[]): Promise<Record<string, unknown>> {
  if (Array.isArray(update)) {
    if (root.hasEncryption) throw new FleClientError('UNSUPPORTED_UPDATE_OPERATOR', 'Pipeline (aggregation) updates are not supported on collections with encrypted fields');
    return update as never;
  }
  if (!isDocumentInput(update)) throw new FleClientError('INVALID_ARGUMENT', 'encryptUpdate expects an update or replacement document (a plain object or a Map)');
  if (!root.hasEncryption) return update as Record<string, unknown>;
  return encryptWithSchema(source, (sink) => walkUpdate(root, update, sink));
}
