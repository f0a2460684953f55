// Test helpers: the kms-message vectors copied into test-vectors/kms (its README says from where).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OWN_VECTORS } from '../../../scripts/test-support/shared.js';

export const KMS_VECTORS = join(OWN_VECTORS, 'kms');

/** Bytes of a file below test-vectors/kms. */
export function readVector(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(join(KMS_VECTORS, rel)));
}

/** Text of a file below test-vectors/kms, as a byte string (one char per byte). */
export function readVectorBytes(rel: string): string {
  return String.fromCharCode(...readVector(rel));
}

/** Every folder below `rel` that holds `<name>/<name>.req` (the AWS SigV4 suite's layout). */
export function suiteCases(rel = 'aws-sig-v4-test-suite'): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(join(KMS_VECTORS, dir)).sort()) {
      const sub = join(dir, name);
      if (!statSync(join(KMS_VECTORS, sub)).isDirectory()) continue;
      if (readdirSync(join(KMS_VECTORS, sub)).includes(`${name}.req`)) out.push(sub);
      walk(sub);
    }
  };
  walk(rel);
  return out;
}

export const SUITE_CREDENTIALS = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY' } as const;
/** 20150830T123600Z, the date of every suite case and kms-message test. */
export const SUITE_DATE = new Date(Date.UTC(2015, 7, 30, 12, 36, 0));

/** A byte string as UTF-8 text (the signer takes text; invalid UTF-8 never occurs in the suite). */
export function utf8Text(byteString: string): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(byteString, (c) => c.charCodeAt(0)));
}

/**
 * A `.req` file read as KMSG `test/test_kms_request.c` `read_req` reads it: method and path from the
 * first line; `Name:value` headers (the name ends at the first ':' or ' ', the value starts right
 * after it); lines without ':' continue the previous value after "\r\n"; the body follows the blank line.
 */
export function parseReq(text: string): { method: string; pathAndQuery: string; headers: Array<[string, string]>; body: string } {
  const lines = text.split(/(?<=\n)/);
  const first = lines.shift()!;
  const method = first.slice(0, first.indexOf(' '));
  const pathAndQuery = first.slice(method.length + 1, first.length - ' HTTP/1.1\n'.length);
  const headers: Array<[string, string]> = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.includes(':')) {
      const end = line.search(/[: ]/);
      headers.push([line.slice(0, end), line.slice(end + 1).replace(/\n$/, '')]);
    } else if (line === '\n') {
      i++;
      break;
    } else if (line.length > 2) {
      headers[headers.length - 1]![1] += `\r\n${line.replace(/\n$/, '')}`;
    }
  }
  return { method, pathAndQuery, headers, body: lines.slice(i).join('') };
}
