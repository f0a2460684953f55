// The runtime-neutral pieces behind the commands, tested in process (the commands themselves are
// tested through the binary in the other files).
import { Double, Int32 } from 'bson';
import { describe, expect, it } from 'vitest';
import { formatProgress, readDump, type DumpLine } from '@fle-ts/cli';

async function* feed(text: string): AsyncGenerator<DumpLine> {
  let bytes = 0;
  for (const line of text.split('\n')) {
    bytes += line.length + 1;
    yield { line, bytes };
  }
}

async function docs(text: string, skip?: (where: string, why: string) => void): Promise<[unknown, string][]> {
  const out: [unknown, string][] = [];
  for await (const d of readDump(feed(text), 'in', skip)) out.push([d.doc, d.where]);
  return out;
}

describe('readDump', () => {
  it('NDJSON, an array, and one pretty document give the same documents, each with where it was (numbers stay typed)', async () => {
    expect(await docs('{"n":1,"d":1.5}')).toEqual([[{ n: new Int32(1), d: new Double(1.5) }, 'in line 1']]);
    expect(await docs('{"a":"1"}\n\n{"a":"2"}\n')).toEqual([[{ a: '1' }, 'in line 1'], [{ a: '2' }, 'in line 3']]);
    expect(await docs('[\n {"a":"1"},\n {"a":"2"}\n]')).toEqual([[{ a: '1' }, 'in element 0'], [{ a: '2' }, 'in element 1']]);
    expect(await docs('{\n  "a": "1"\n}\n')).toEqual([[{ a: '1' }, 'in']]);
  });

  it('a bad NDJSON line throws BAD_INPUT with its number, or goes to skip', async () => {
    await expect(docs('{"a":"1"}\n{"a":\n')).rejects.toMatchObject({ code: 'BAD_INPUT', message: 'in line 2: it is not valid JSON; fix the line or pass --skip-bad to skip such lines' });
    const skipped: string[] = [];
    expect(await docs('{"a":"1"}\n7\n{"a":"3"}', (where, why) => skipped.push(`${where}: ${why}`))).toEqual([[{ a: '1' }, 'in line 1'], [{ a: '3' }, 'in line 3']]);
    expect(skipped).toEqual(['in line 2: it is not a JSON object']);
    await expect(docs('[{"a":"1"}, 5]')).rejects.toMatchObject({ code: 'BAD_INPUT', message: 'in: element 1 of the array is not a document' });
  });
});

describe('formatProgress', () => {
  it('a bar, the share read, documents, rate and ETA; without a size only documents and rate', () => {
    expect(formatProgress(1000, 25, 100, 2000)).toBe('[#####...............]  25% 1000 documents, 500 docs/s, ETA 6s');
    expect(formatProgress(4000, 100, 100, 2000)).toBe('[####################] 100% 4000 documents, 2000 docs/s, ETA 0s');
    expect(formatProgress(10, 5, undefined, 1000)).toBe('10 documents, 10 docs/s');
  });
});
