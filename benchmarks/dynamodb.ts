// Issue 17's benchmark row: DynamoDB items per second, encrypted and decrypted, through
// @fle-ts/dynamodb's encryptDynamodbItem / decryptDynamodbItem: one item of 10 attributes
// (partition and sort key signed, the other 8 encrypted and signed), with HMAC signing (static
// and wrapped AESWrap providers) and RSA signing (wrapped RSA-OAEP + SHA256withRSA). The AWS
// DynamoDB Encryption Client for Python (PyPI dynamodb-encryption-sdk) is a column when installed.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AttributeActions,
  decryptDynamodbItem,
  encryptDynamodbItem,
  itemFromDynamodbJson,
  itemToDynamodbJson,
  JceNameLocalDelegatedKey,
  RawDecryptionMaterials,
  RawEncryptionMaterials,
  StaticCryptographicMaterialsProvider,
  WrappedCryptographicMaterialsProvider,
  type CryptoConfig,
  type CryptographicMaterialsProvider,
  type DynamoDbItem,
} from '@fle-ts/dynamodb';
import type { BenchHarness, Contender } from './harness.js';

const PEER = join(dirname(fileURLToPath(import.meta.url)), 'dynamodb_peer_bench.py');
const TABLE = 'BenchTable';
const PARTITION = 'id';
const SORT = 'sk';

/** The item: 10 attributes of the common types (the keys are never encrypted, only signed). */
export function benchItem(): DynamoDbItem {
  return {
    id: { S: 'customer-000042' },
    sk: { N: '1001' },
    name: { S: 'Ada Lovelace' },
    email: { S: 'ada@example.com' },
    age: { N: '36' },
    balance: { N: '12345.67' },
    avatar: { B: new Uint8Array(64).map((_, i) => i) },
    active: { BOOL: true },
    tags: { SS: ['gold', 'newsletter', 'vip'] },
    address: { M: { street: { S: '12 St James Square' }, zip: { S: 'SW1Y 4JH' } } },
  };
}

interface Provider {
  readonly name: string;
  readonly signing: 'HMAC' | 'RSA';
  /** Writer and reader (the same object for symmetric providers). */
  readonly writer: CryptographicMaterialsProvider;
  readonly reader: CryptographicMaterialsProvider;
  /** The same materials for python_peer.py's `provider()`. */
  readonly python: Record<string, string>;
}

const sym = (k: Uint8Array, alg: string) => new JceNameLocalDelegatedKey(k, alg, 'SYMMETRIC');
const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
const random = (n: number) => globalThis.crypto.getRandomValues(new Uint8Array(n));

/** Fresh keys for the three providers: static AES-256 + HMAC, wrapped AESWrap + HMAC, wrapped RSA-OAEP + SHA256withRSA. */
export function benchProviders(): Provider[] {
  const aes = random(32);
  const hmac = random(32);
  const wrap = random(32);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const priv = new Uint8Array(rsa.privateKey.export({ type: 'pkcs8', format: 'der' }));
  const pub = new Uint8Array(rsa.publicKey.export({ type: 'spki', format: 'der' }));
  const stat = new StaticCryptographicMaterialsProvider({
    encryptionMaterials: new RawEncryptionMaterials({ encryptionKey: sym(aes, 'AES'), signingKey: sym(hmac, 'HmacSHA256') }),
    decryptionMaterials: new RawDecryptionMaterials({ decryptionKey: sym(aes, 'AES'), verificationKey: sym(hmac, 'HmacSHA256') }),
  });
  const wrapped = new WrappedCryptographicMaterialsProvider({ wrappingKey: sym(wrap, 'AES'), unwrappingKey: sym(wrap, 'AES'), signingKey: sym(hmac, 'HmacSHA256') });
  return [
    { name: 'static AES-256 + HmacSHA256', signing: 'HMAC', writer: stat, reader: stat, python: { kind: 'static', aesKey: b64(aes), hmacKey: b64(hmac) } },
    { name: 'wrapped AESWrap-256 + HmacSHA256 (fresh content key per item)', signing: 'HMAC', writer: wrapped, reader: wrapped, python: { kind: 'wrapped-aes', wrapKey: b64(wrap), hmacKey: b64(hmac) } },
    {
      name: 'wrapped RSA-OAEP-SHA256 + SHA256withRSA, 2048-bit (fresh content key per item)',
      signing: 'RSA',
      writer: new WrappedCryptographicMaterialsProvider({ wrappingKey: new JceNameLocalDelegatedKey(pub, 'RSA', 'PUBLIC'), signingKey: new JceNameLocalDelegatedKey(priv, 'SHA256withRSA', 'PRIVATE') }),
      reader: new WrappedCryptographicMaterialsProvider({ unwrappingKey: new JceNameLocalDelegatedKey(priv, 'RSA', 'PRIVATE'), signingKey: new JceNameLocalDelegatedKey(pub, 'SHA256withRSA', 'PUBLIC') }),
      python: { kind: 'wrapped-rsa', encPub: b64(pub), encPriv: b64(priv), signPriv: b64(priv) },
    },
  ];
}

/** One provider's row: items/s (medians over the rounds) and the rounds. */
export interface DynamoRow {
  readonly provider: string;
  readonly signing: 'HMAC' | 'RSA';
  readonly rounds: Record<'encrypt' | 'decrypt' | 'pythonEncrypt' | 'pythonDecrypt', number[] | undefined>;
}

export type DynamoResult = { readonly rows: DynamoRow[]; readonly python: string | undefined; readonly notes: string[] };

/** DynamoDB JSON with every set sorted, to compare items whatever order a side returns sets in. */
export function canonicalItem(item: DynamoDbItem): string {
  const sortSets = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sortSets);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o).sort()) out[k] = k === 'SS' || k === 'NS' || k === 'BS' ? [...(o[k] as string[])].sort() : sortSets(o[k]);
    return out;
  };
  return JSON.stringify(sortSets(itemToDynamodbJson(item)));
}

/** The Python peer's version, or why it is not a column. */
function pythonPeer(): { ok: true; version: string } | { ok: false; why: string } {
  const r = spawnSync('python3', ['-c', 'import dynamodb_encryption_sdk as d; print(d.__version__)'], { encoding: 'utf8' });
  if (r.error) return { ok: false, why: `python3 not found (${r.error.message})` };
  if (r.status !== 0) return { ok: false, why: 'the Python package dynamodb-encryption-sdk is not installed (pip install dynamodb-encryption-sdk==3.3.0)' };
  return { ok: true, version: r.stdout.trim() };
}

/**
 * Items per second through encryptDynamodbItem / decryptDynamodbItem for each provider, and the
 * Python client's when installed, in alternated rounds. Before timing, each provider's item must
 * decrypt to the plaintext in fle-ts and (when Python is there) in the Python client, and one
 * tampered attribute must be refused.
 */
export async function dynamodbRows(h: BenchHarness, options: { python?: boolean } = {}): Promise<DynamoResult> {
  const item = benchItem();
  const notes: string[] = [];
  const actions = new AttributeActions({ defaultAction: 'ENCRYPT_AND_SIGN' });
  const encryptionContext = { tableName: TABLE, partitionKeyName: PARTITION, sortKeyName: SORT };
  const peer = options.python === false ? ({ ok: false, why: 'not asked for' } as const) : pythonPeer();
  if (!peer.ok) notes.push(`no Python column: ${peer.why}`);
  const rows: DynamoRow[] = [];
  const want = canonicalItem(item);
  for (const p of benchProviders()) {
    const enc: CryptoConfig = { materialsProvider: p.writer, encryptionContext, attributeActions: actions };
    const dec: CryptoConfig = { materialsProvider: p.reader, encryptionContext, attributeActions: actions };
    const stored = await encryptDynamodbItem(item, enc);
    if (!('B' in stored.name!) || !('S' in stored.id!)) throw new Error(`${p.name}: attributes not encrypted as configured`);
    if (canonicalItem(await decryptDynamodbItem(stored, dec)) !== want) throw new Error(`${p.name}: fle-ts does not decrypt its own item`);
    const tampered = await decryptDynamodbItem({ ...stored, sk: { N: '1002' } }, dec).then(() => false, () => true);
    if (!tampered) throw new Error(`${p.name}: a tampered key attribute was not refused`);
    const contenders: Contender[] = [
      ['encrypt', () => h.oneRound(() => encryptDynamodbItem(item, enc))],
      ['decrypt', () => h.oneRound(() => decryptDynamodbItem(stored, dec))],
    ];
    const pyDecrypt: number[] = [];
    if (peer.ok) {
      const request = JSON.stringify({
        provider: p.python,
        table: TABLE,
        partition: PARTITION,
        sort: SORT,
        actions: { default: 'ENCRYPT_AND_SIGN' },
        item: itemToDynamodbJson(item),
        fleEncrypted: itemToDynamodbJson(stored),
        seconds: h.roundSeconds / 2,
      });
      // One Python process per round gives both rates (each over half the round); keep its decrypt rate for its own column.
      contenders.push(['pythonEncrypt', async () => {
        const r = spawnSync('python3', [PEER], { input: request, encoding: 'utf8', maxBuffer: 1 << 24 });
        if (r.status !== 0) throw new Error(`${p.name}: the Python peer failed: ${r.stderr}`);
        const out = JSON.parse(r.stdout) as { encrypt: number; decrypt: number; fleDecrypted: Record<string, unknown> };
        if (canonicalItem(itemFromDynamodbJson(out.fleDecrypted)) !== want) throw new Error(`${p.name}: the Python client does not decrypt fle-ts's item to the plaintext`);
        pyDecrypt.push(out.decrypt);
        return out.encrypt;
      }]);
    }
    for (const [name, run] of contenders) if (name !== 'pythonEncrypt') await run(); // warm-up (the JIT)
    const r = await h.alternate(h.rounds, contenders);
    rows.push({ provider: p.name, signing: p.signing, rounds: { encrypt: r.encrypt, decrypt: r.decrypt, pythonEncrypt: r.pythonEncrypt, pythonDecrypt: pyDecrypt.length > 0 ? pyDecrypt : undefined } });
    h.log(`  dynamodb ${p.name}: done`);
  }
  return { rows, python: peer.ok ? peer.version : undefined, notes };
}

/** The Markdown section. */
export function dynamodbMarkdown(h: BenchHarness, r: DynamoResult): string[] {
  const m = (xs: number[] | undefined) => (xs && xs.length > 0 ? h.median(xs) : undefined);
  const L = ['### DynamoDB item encryptor, items/s', ''];
  L.push(
    `\`@fle-ts/dynamodb\` \`encryptDynamodbItem\` / \`decryptDynamodbItem\` on one item of 10 attributes (S, N, B, BOOL, SS, M; partition and sort key signed, the other 8 encrypted and signed, AES-256-CBC)${r.python ? `, beside the AWS DynamoDB Encryption Client for Python ${r.python} (\`benchmarks/dynamodb_peer_bench.py\`, same keys and item, timed inside its process, one process per round)` : ''}. Before timing each item decrypted to the plaintext on ${r.python ? 'both sides (Python decrypted and verified the item fle-ts encrypted)' : 'the fle-ts side'} and a changed key attribute was refused. The RSA row's private-key operations (signing on encrypt, unwrapping on decrypt) run on BigInt in @fle-ts/dynamodb (RSA-OAEP with MGF1-SHA-1 is not in WebCrypto); the Python client's run in OpenSSL (pyca/cryptography).`,
    '',
    `| provider | signing | fle-ts encrypt | fle-ts decrypt |${r.python ? ' Python encrypt | Python decrypt | fle-ts ÷ Python, encrypt | fle-ts ÷ Python, decrypt |' : ''}`,
    `| --- | --- | ---: | ---: |${r.python ? ' ---: | ---: | ---: | ---: |' : ''}`,
  );
  for (const x of r.rows) {
    const py = r.python
      ? ` ${h.fmt(m(x.rounds.pythonEncrypt))} | ${h.fmt(m(x.rounds.pythonDecrypt))} | ${h.roundRatio(x.rounds.encrypt, x.rounds.pythonEncrypt)} | ${h.roundRatio(x.rounds.decrypt, x.rounds.pythonDecrypt)} |`
      : '';
    L.push(`| ${x.provider} | ${x.signing} | ${h.fmt(m(x.rounds.encrypt))} | ${h.fmt(m(x.rounds.decrypt))} |${py}`);
  }
  L.push('', `${h.rounds} alternated rounds; items/s are medians${r.python ? ', ratios the median of the per-round ratios [lowest-highest round]' : ''}.`);
  for (const n of r.notes) L.push('', `Note: ${n}.`);
  L.push('');
  return L;
}
