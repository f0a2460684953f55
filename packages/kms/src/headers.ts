// Header-name rules of kms-message, shared by the SigV4 signer and the unsigned request writer:
// names compare by ASCII lowercase (KMSG `kms_strcasecmp`), and lists sort stably by that order
// (KMSG `kms_kv_list_sort`, an insertion sort).

/** ASCII-only lowercase (C `tolower` in the C locale). */
export function lowerAscii(s: string): string {
  return s.replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

/** KMSG `kms_strcasecmp` as a comparator (byte order after ASCII lowercasing). */
export function compareNames(a: string, b: string): number {
  const x = lowerAscii(a);
  const y = lowerAscii(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** A stable sort of header fields by name, case-insensitively. */
export function sortHeaders<T extends readonly [string, string]>(headers: readonly T[]): T[] {
  return headers
    .map((h, i) => [h, i] as const)
    .sort(([a, i], [b, j]) => compareNames(a[0], b[0]) || i - j)
    .map(([h]) => h);
}
