// KMIP requests and responses, byte for byte as libmongocrypt's kms-message makes and reads them
// (KMSG `src/kms_kmip_request.c`, `kms_kmip_response.c`, `kms_kmip_response_parser.c`;
// qe-kms-vectors.md §B.2): Register a 96-byte SecretData, Activate and Get it (the default mode:
// the data key is wrapped locally under that secret), or Create an AES key and Encrypt/Decrypt with
// it (`delegated: true`). Transport (mutual TLS to port 5696) is not in this package yet.
import { KmsError } from './errors.js';
import { decodeTtlv, encodeTtlv, KmipTag as T, ttlv, TtlvType, type TtlvItem } from './ttlv.js';

/** Length of the SecretData libmongocrypt registers (KMSG `KMS_KMIP_REQUEST_SECRETDATA_LENGTH`). */
export const KMIP_SECRET_DATA_LENGTH = 96;

// Operations (KMIP 1.0 §9.1.3.2.26, 1.2 for Encrypt/Decrypt).
const OP = { Create: 0x01, Register: 0x03, Get: 0x0a, Activate: 0x12, Encrypt: 0x1f, Decrypt: 0x20 } as const;

function message(minor: number, operation: number, payload: readonly TtlvItem[]): Uint8Array {
  return encodeTtlv(ttlv.struct(T.RequestMessage, [
    ttlv.struct(T.RequestHeader, [
      ttlv.struct(T.ProtocolVersion, [ttlv.integer(T.ProtocolVersionMajor, 1), ttlv.integer(T.ProtocolVersionMinor, minor)]),
      ttlv.integer(T.BatchCount, 1),
    ]),
    ttlv.struct(T.BatchItem, [ttlv.enumeration(T.Operation, operation), ttlv.struct(T.RequestPayload, payload)]),
  ]));
}

function attribute(name: string, value: TtlvItem): TtlvItem {
  return ttlv.struct(T.Attribute, [ttlv.text(T.AttributeName, name), value]);
}

function uid(id: unknown, provider: string): TtlvItem {
  if (typeof id !== 'string' || id.length === 0) throw new KmsError('KMS_BAD_OPTIONS', provider, 'the KMIP unique identifier (masterKey.keyId) must be a non-empty string');
  return ttlv.text(T.UniqueIdentifier, id);
}

/** Register a 96-byte SecretData (Seed, Opaque, Cryptographic Usage Mask 0), KMIP 1.0. */
export function kmipRegisterSecretDataRequest(secret: Uint8Array, provider = 'kmip'): Uint8Array {
  if (!(secret instanceof Uint8Array) || secret.length !== KMIP_SECRET_DATA_LENGTH) {
    throw new KmsError('KMS_BAD_OPTIONS', provider, `expected SecretData length of ${KMIP_SECRET_DATA_LENGTH}, got ${secret instanceof Uint8Array ? secret.length : typeof secret}`);
  }
  return message(0, OP.Register, [
    ttlv.enumeration(T.ObjectType, 0x07), // SecretData
    ttlv.struct(T.TemplateAttribute, [attribute('Cryptographic Usage Mask', ttlv.integer(T.AttributeValue, 0))]),
    ttlv.struct(T.SecretData, [
      ttlv.enumeration(T.SecretDataType, 0x02), // Seed
      ttlv.struct(T.KeyBlock, [
        ttlv.enumeration(T.KeyFormatType, 0x02), // Opaque
        ttlv.struct(T.KeyValue, [ttlv.bytes(T.KeyMaterial, secret)]),
      ]),
    ]),
  ]);
}

/** Activate the object `uniqueIdentifier`, KMIP 1.0. */
export function kmipActivateRequest(uniqueIdentifier: string, provider = 'kmip'): Uint8Array {
  return message(0, OP.Activate, [uid(uniqueIdentifier, provider)]);
}

/** Get the object `uniqueIdentifier`, KMIP 1.0. */
export function kmipGetRequest(uniqueIdentifier: string, provider = 'kmip'): Uint8Array {
  return message(0, OP.Get, [uid(uniqueIdentifier, provider)]);
}

/** Create an AES-256 key usable for Encrypt and Decrypt (delegated mode), KMIP 1.2. */
export function kmipCreateRequest(): Uint8Array {
  return message(2, OP.Create, [
    ttlv.enumeration(T.ObjectType, 0x02), // SymmetricKey
    ttlv.struct(T.TemplateAttribute, [
      attribute('Cryptographic Algorithm', ttlv.enumeration(T.AttributeValue, 3)), // AES
      attribute('Cryptographic Length', ttlv.integer(T.AttributeValue, 256)),
      attribute('Cryptographic Usage Mask', ttlv.integer(T.AttributeValue, 4 | 8)), // Encrypt | Decrypt
    ]),
  ]);
}

function cryptParameters(encrypt: boolean): TtlvItem {
  const items = [
    ttlv.enumeration(T.BlockCipherMode, 1), // CBC
    ttlv.enumeration(T.PaddingMethod, 3), // PKCS5
    ttlv.enumeration(T.CryptographicAlgorithm, 3), // AES
  ];
  if (encrypt) items.push(ttlv.boolean(T.RandomIV, true));
  return ttlv.struct(T.CryptographicParameters, items);
}

/** Encrypt `plaintext` with the server's key `uniqueIdentifier` (AES-CBC, PKCS5, random IV), KMIP 1.2. */
export function kmipEncryptRequest(uniqueIdentifier: string, plaintext: Uint8Array, provider = 'kmip'): Uint8Array {
  return message(2, OP.Encrypt, [uid(uniqueIdentifier, provider), cryptParameters(true), ttlv.bytes(T.Data, plaintext)]);
}

/** Decrypt `ciphertext` with the key `uniqueIdentifier` and `iv`, KMIP 1.2. */
export function kmipDecryptRequest(uniqueIdentifier: string, ciphertext: Uint8Array, iv: Uint8Array, provider = 'kmip'): Uint8Array {
  return message(2, OP.Decrypt, [uid(uniqueIdentifier, provider), cryptParameters(false), ttlv.bytes(T.Data, ciphertext), ttlv.bytes(T.IVCounterNonce, iv)]);
}

// Result Status and Reason names (KMSG `kms_kmip_result_status_private.h`, `_reason_private.h`).
const STATUS = ['Success', 'Operation Failed', 'Operation Pending', 'Operation Undone'];
const REASON: Record<number, string> = {
  0x01: 'Item Not Found', 0x02: 'Response Too Large', 0x03: 'Authentication Not Successful', 0x04: 'Invalid Message',
  0x05: 'Operation Not Supported', 0x06: 'Missing Data', 0x07: 'Invalid Field', 0x08: 'Feature Not Supported',
  0x09: 'Operation Canceled By Requester', 0x0a: 'Cryptographic Failure', 0x0b: 'Illegal Operation', 0x0c: 'Permission Denied',
  0x0d: 'Object archived', 0x0e: 'Index Out of Bounds', 0x0f: 'Application Namespace Not Supported',
  0x10: 'Key Format Type Not Supported', 0x11: 'Key Compression Type Not Supported', 0x12: 'Encoding Option Error',
  0x13: 'Key Value Not Present', 0x14: 'Attestation Required', 0x15: 'Attestation Failed', 0x16: 'Sensitive',
  0x17: 'Not Extractable', 0x18: 'Object Already Exists', 0x100: 'General Failure',
};

type Found<K extends TtlvItem['type']> = TtlvItem & { readonly type: K };

function find<K extends TtlvItem['type']>(items: readonly TtlvItem[], tag: number, type: K): Found<K> | undefined {
  return items.find((x) => x.tag === tag && x.type === type) as Found<K> | undefined;
}

function need<K extends TtlvItem['type']>(items: readonly TtlvItem[], tag: number, type: K, name: string, provider: string): Found<K> {
  const f = find(items, tag, type);
  if (!f) throw new KmsError('KMS_BAD_RESPONSE', provider, `malformed KMIP response: unable to find tag ${name}`);
  return f;
}

/** The BatchItem of a response after checking ResultStatus (KMSG `kms_kmip_response_ok`). */
function okBatchItem(response: Uint8Array, provider: string): readonly TtlvItem[] {
  const message = need(decodeTtlv(response, provider), T.ResponseMessage, TtlvType.Structure, 'ResponseMessage', provider);
  const batch = need(message.items, T.BatchItem, TtlvType.Structure, 'BatchItem', provider).items;
  const status = need(batch, T.ResultStatus, TtlvType.Enumeration, 'ResultStatus', provider).value;
  if (status !== 0) {
    const reason = find(batch, T.ResultReason, TtlvType.Enumeration)?.value ?? 0;
    const text = find(batch, T.ResultMessage, TtlvType.TextString)?.value ?? '';
    throw new KmsError('KMS_KMIP_ERROR', provider,
      `KMIP response error. Result Status (${status}): ${STATUS[status] ?? 'Unknown'}. Result Reason (${reason}): ${REASON[reason] ?? 'Unknown'}. Result Message: ${text.slice(0, 300)}`);
  }
  return batch;
}

function payload(response: Uint8Array, provider: string): readonly TtlvItem[] {
  return need(okBatchItem(response, provider), T.ResponsePayload, TtlvType.Structure, 'ResponsePayload', provider).items;
}

/** The UniqueIdentifier of a Register or Create answer (also checks Activate). Throws KMS_KMIP_ERROR / KMS_BAD_RESPONSE. */
export function parseKmipUniqueIdentifier(response: Uint8Array, provider = 'kmip'): string {
  return need(payload(response, provider), T.UniqueIdentifier, TtlvType.TextString, 'UniqueIdentifier', provider).value;
}

/** The SecretData KeyMaterial of a Get answer. */
export function parseKmipSecretData(response: Uint8Array, provider = 'kmip'): Uint8Array {
  const secret = need(payload(response, provider), T.SecretData, TtlvType.Structure, 'SecretData', provider).items;
  const block = need(secret, T.KeyBlock, TtlvType.Structure, 'KeyBlock', provider).items;
  const value = need(block, T.KeyValue, TtlvType.Structure, 'KeyValue', provider).items;
  return need(value, T.KeyMaterial, TtlvType.ByteString, 'KeyMaterial', provider).value;
}

/** The Data (and, for Encrypt, the IVCounterNonce) of an Encrypt or Decrypt answer. */
export function parseKmipCryptResponse(response: Uint8Array, provider = 'kmip'): { data: Uint8Array; iv: Uint8Array | undefined } {
  const p = payload(response, provider);
  return { data: need(p, T.Data, TtlvType.ByteString, 'Data', provider).value, iv: find(p, T.IVCounterNonce, TtlvType.ByteString)?.value };
}

/** Checks an answer's ResultStatus only (Activate). */
export function checkKmipResponse(response: Uint8Array, provider = 'kmip'): void {
  okBatchItem(response, provider);
}

/**
 * Reads a KMIP response from a stream: the first 8 bytes give its length (KMSG
 * `kms_kmip_response_parser.c`). `bytesNeeded()` says how many bytes to read next, 0 when done.
 */
export class KmipResponseParser {
  readonly #provider: string;
  #buf = new Uint8Array(0);

  constructor(provider = 'kmip') {
    this.#provider = provider;
  }

  #total(): number | undefined {
    if (this.#buf.length < 8) return undefined;
    const len = new DataView(this.#buf.buffer, this.#buf.byteOffset).getUint32(4);
    if (len > 16 * 1024 * 1024) throw new KmsError('KMS_BAD_RESPONSE', this.#provider, 'KMIP response is larger than 16 MiB');
    return 8 + len;
  }

  /** Bytes still needed, at most `max` (the 8-byte header first, then the rest of the message). */
  bytesNeeded(max = Number.MAX_SAFE_INTEGER): number {
    const total = this.#total();
    return Math.min(max, total === undefined ? 8 - this.#buf.length : total - this.#buf.length);
  }

  /** Feeds bytes; throws KMS_BAD_RESPONSE for more than the message holds. */
  feed(bytes: Uint8Array): void {
    const next = new Uint8Array(this.#buf.length + bytes.length);
    next.set(this.#buf);
    next.set(bytes, this.#buf.length);
    this.#buf = next;
    const total = this.#total();
    if (total !== undefined && this.#buf.length > total) throw new KmsError('KMS_BAD_RESPONSE', this.#provider, 'KMIP response has bytes past its length');
  }

  /** The whole message; throws KMS_BAD_RESPONSE when unfinished. */
  response(): Uint8Array {
    if (this.bytesNeeded() !== 0) throw new KmsError('KMS_BAD_RESPONSE', this.#provider, `KMIP response unfinished (${this.#buf.length} bytes so far)`);
    return this.#buf;
  }
}
