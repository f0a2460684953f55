// Reading a dump: documents from lines of NDJSON, an Extended JSON array, or one document.
// Runtime-neutral: the lines come from node.ts (a file or stdin, streamed).
import { EJSON } from 'bson';
import { CliError } from './errors.js';

/** One line of input (no line break) and the input bytes read up to its end. */
export interface DumpLine {
  line: string;
  bytes: number;
}

/**
 * The lines of a text already in memory (pasted into a page, a string in a test), in the shape
 * readDump reads: what node.ts does for a file or stdin, for runtimes without files.
 */
export async function* textLines(text: string): AsyncGenerator<DumpLine> {
  const encoder = new TextEncoder();
  let bytes = 0;
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  for (const [i, part] of parts.entries()) {
    bytes += encoder.encode(part).length + (i < parts.length - 1 || text.endsWith('\n') ? 1 : 0);
    yield { line: part.endsWith('\r') ? part.slice(0, -1) : part, bytes };
  }
}

/** `v` as a document (a plain object, not an array or a bson value), or undefined. */
export function asDocument(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !('_bsontype' in v) ? (v as Record<string, unknown>) : undefined;
}

/** A document of a dump, where it was (`line 12`, `element 3`), and the input bytes read so far. */
export interface DumpDocument {
  doc: Record<string, unknown>;
  where: string;
  bytesRead: number;
}

/**
 * The documents of a dump. Three shapes, told apart by the first non-blank line: `[` starts an
 * Extended JSON array (read whole); a line that is a JSON document starts NDJSON (one document
 * per line, streamed: mongoexport's default); anything else is read whole as one
 * (pretty-printed) document. A bad NDJSON line stops with `BAD_INPUT` naming its number, or
 * with `skip` is reported through it and skipped.
 */
export async function* readDump(
  lines: AsyncIterable<DumpLine>,
  name: string,
  skip?: (where: string, why: string) => void,
): AsyncGenerator<DumpDocument> {
  let mode: 'array' | 'lines' | 'whole' | undefined;
  const wholeText: string[] = [];
  let lineNo = 0;
  let bytesRead = 0;
  for await (const { line, bytes } of lines) {
    lineNo++;
    bytesRead = bytes;
    if (mode === undefined) {
      if (line.trim() === '') continue;
      if (line.trimStart().startsWith('[')) mode = 'array';
      else mode = parseLine(line).doc ? 'lines' : 'whole';
    }
    if (mode !== 'lines') {
      wholeText.push(line);
      continue;
    }
    if (line.trim() === '') continue;
    const { doc, why } = parseLine(line);
    if (doc) {
      yield { doc, where: `${name} line ${lineNo}`, bytesRead };
      continue;
    }
    if (!skip) throw new CliError('BAD_INPUT', `${name} line ${lineNo}: ${why}; fix the line or pass --skip-bad to skip such lines`);
    skip(`${name} line ${lineNo}`, why);
  }
  if (mode === 'array' || mode === 'whole') {
    const what = mode === 'array' ? 'an Extended JSON array' : 'one Extended JSON document or one per line';
    let parsed: unknown;
    try {
      parsed = EJSON.parse(wholeText.join('\n'), { relaxed: false });
    } catch (e) {
      throw new CliError('BAD_INPUT', `${name} is not ${what}${e instanceof SyntaxError ? '' : ` (${(e as Error).message})`}`, { cause: e });
    }
    const docs = mode === 'array' ? parsed : [parsed];
    if (!Array.isArray(docs)) throw new CliError('BAD_INPUT', `${name} starts with '[' but is not a JSON array`);
    for (const [i, d] of docs.entries()) {
      const doc = asDocument(d);
      if (!doc) throw new CliError('BAD_INPUT', mode === 'array' ? `${name}: element ${i} of the array is not a document` : `${name} is not ${what}`);
      yield { doc, where: mode === 'array' ? `${name} element ${i}` : name, bytesRead };
    }
  }
}

/** One NDJSON line as a document, or why it is not one. */
function parseLine(line: string): { doc?: Record<string, unknown>; why: string } {
  try {
    const doc = asDocument(EJSON.parse(line, { relaxed: false }));
    return doc ? { doc, why: '' } : { why: 'it is not a JSON object' };
  } catch (e) {
    return { why: e instanceof SyntaxError ? 'it is not valid JSON' : `it is not valid Extended JSON (${(e as Error).message})` };
  }
}

