// Byte helpers of the DynamoDB formats: uint32 BE lengths, UTF-8, unsigned lexicographic order.
import { DynamoDbEncryptionError } from './errors.js';

const encoder = /* @__PURE__ */ new TextEncoder();
const decoder = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * UTF-8 bytes of an attribute string or name. A lone surrogate has no UTF-8 form: TextEncoder
 * would turn it into U+FFFD, so two different strings would serialize (and sign) the same.
 */
export function utf8Strict(text: string, where: string): Uint8Array {
  if (!isWellFormed(text)) throw new DynamoDbEncryptionError('DDB_BAD_ATTRIBUTE', `${where}: a string holds a lone UTF-16 surrogate, which has no UTF-8 form`);
  return encoder.encode(text);
}

function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/** Strict UTF-8 decoding; malformed bytes are DDB_BAD_SERIALIZED. */
export function fromUtf8(bytes: Uint8Array, what: string): string {
  try {
    return decoder.decode(bytes);
  } catch (cause) {
    throw new DynamoDbEncryptionError('DDB_BAD_SERIALIZED', `${what} is not valid UTF-8`, { cause });
  }
}

/** Unsigned byte-wise comparison, shorter prefix first (Python `bytes` order, §2 of the format notes). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/** A growable byte buffer for the length-prefixed formats. */
export class ByteWriter {
  private buf = new Uint8Array(64);
  private len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  /** Appends raw bytes. */
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Appends a uint32 big-endian. */
  u32(n: number): this {
    this.room(4);
    this.buf[this.len++] = n >>> 24;
    this.buf[this.len++] = (n >>> 16) & 0xff;
    this.buf[this.len++] = (n >>> 8) & 0xff;
    this.buf[this.len++] = n & 0xff;
    return this;
  }

  /** Appends a uint32 BE length then the bytes. */
  lengthPrefixed(b: Uint8Array): this {
    return this.u32(b.length).bytes(b);
  }

  /** The bytes written so far (a copy). */
  finish(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

/** A cursor over length-prefixed bytes; running off the end is DDB_BAD_SERIALIZED naming `what`. */
export class ByteReader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    private readonly what: string,
  ) {}

  /** The next n bytes (a copy). */
  take(n: number): Uint8Array {
    if (n > this.buf.length - this.pos) {
      throw new DynamoDbEncryptionError('DDB_BAD_SERIALIZED', `${this.what} is truncated (needs ${n} more bytes at offset ${this.pos})`);
    }
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A uint32 big-endian. */
  u32(): number {
    const b = this.take(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  /** A uint32 BE length then that many bytes. */
  lengthPrefixed(): Uint8Array {
    return this.take(this.u32());
  }

  /** True when every byte was read. */
  get done(): boolean {
    return this.pos === this.buf.length;
  }
}
