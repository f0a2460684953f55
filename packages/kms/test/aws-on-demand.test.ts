// AWS on-demand credentials (MONGODB-AWS auth spec chain, as SPEC "Automatic credentials" asks for
// `aws: {}`): environment, ECS (relative and full URI), EC2 IMDSv2, against a loopback mock of the
// metadata services that refuses requests without the headers the real ones need (the IMDSv2
// session-token TTL on the PUT, the session token on each GET, the container authorization token),
// and the credentials then signing real KMS requests the kms mock verifies.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsCredentialChain, awsOnDemandCredentials, createAwsKmsProvider } from '@fle-ts/kms';
import { startMockKms, type MockKms } from './mock-kms.js';
import { catchKmsAsync } from './catch-kms.js';

const ROLE_CREDS = { AccessKeyId: 'AKIDIMDS', SecretAccessKey: 'imds-secret-SENTINEL', Token: 'imds-session-token' };
const ECS_CREDS = { AccessKeyId: 'AKIDECS', SecretAccessKey: 'ecs-secret-SENTINEL', Token: 'ecs-session-token' };
const IMDS_TOKEN = 'imdsv2-session-SENTINEL';
const AUTH = 'container-auth-SENTINEL';

interface Seen { method: string; path: string; headers: IncomingMessage['headers'] }
let meta: Server;
let host: string;
const seen: Seen[] = [];
let expiration = '2030-01-01T01:00:00Z';
let mode: 'ok' | 'noRole' | 'badJson' | 'missingField' = 'ok';
let kms: MockKms;

beforeAll(async () => {
  meta = createServer((req, res) => {
    const path = req.url ?? '';
    seen.push({ method: req.method ?? '', path, headers: req.headers });
    const send = (status: number, body: string): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    };
    const json = (creds: object): void => {
      if (mode === 'badJson') return send(200, '{"AccessKeyId": "AKID", "SecretAccessKey": "leak-SENTINEL"');
      if (mode === 'missingField') return send(200, JSON.stringify({ AccessKeyId: 'AKID', Token: 'leak-SENTINEL' }));
      send(200, JSON.stringify({ Code: 'Success', ...creds, Expiration: expiration }));
    };
    if (path === '/latest/api/token') {
      // IMDSv2: only a PUT with a TTL header gets a session token (IMDSv1-style GETs are refused).
      if (req.method !== 'PUT' || !req.headers['x-aws-ec2-metadata-token-ttl-seconds']) return send(403, '');
      return send(200, IMDS_TOKEN);
    }
    if (path.startsWith('/latest/meta-data/iam/security-credentials/')) {
      if (req.method !== 'GET' || req.headers['x-aws-ec2-metadata-token'] !== IMDS_TOKEN) return send(401, '');
      if (path === '/latest/meta-data/iam/security-credentials/') return mode === 'noRole' ? send(404, '') : send(200, 'role-a\n');
      if (path === '/latest/meta-data/iam/security-credentials/role-a') return json(ROLE_CREDS);
      return send(404, '');
    }
    if (path === '/v2/credentials/task-1') return req.method === 'GET' ? json(ECS_CREDS) : send(405, '');
    if (path === '/full/creds') return req.headers.authorization === AUTH ? json(ECS_CREDS) : send(401, '');
    send(404, '');
  });
  await new Promise<void>((r) => meta.listen(0, '127.0.0.1', r));
  host = `127.0.0.1:${(meta.address() as { port: number }).port}`;
  kms = await startMockKms({ aws: { [ROLE_CREDS.AccessKeyId]: ROLE_CREDS.SecretAccessKey, [ECS_CREDS.AccessKeyId]: ECS_CREDS.SecretAccessKey } });
});
afterAll(async () => {
  meta.close();
  await kms.close();
});

const since = (n: number): string[] => seen.slice(n).map((s) => `${s.method} ${s.path}`);

describe('the AWS credential chain', () => {
  it('environment variables first: no request at all', async () => {
    const n = seen.length;
    expect(await awsOnDemandCredentials({ env: { AWS_ACCESS_KEY_ID: 'A', AWS_SECRET_ACCESS_KEY: 'S', AWS_SESSION_TOKEN: 'T', AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/task-1' }, ecsHost: host, imdsHost: host }))
      .toEqual({ accessKeyId: 'A', secretAccessKey: 'S', sessionToken: 'T' });
    expect(since(n)).toEqual([]);
  });

  it('ECS relative URI: GET on the ECS host; full URI: GET with the container authorization token', async () => {
    const n = seen.length;
    const want = { accessKeyId: ECS_CREDS.AccessKeyId, secretAccessKey: ECS_CREDS.SecretAccessKey, sessionToken: ECS_CREDS.Token };
    expect(await awsOnDemandCredentials({ env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/task-1' }, ecsHost: host, imdsHost: '127.0.0.1:1' })).toEqual(want);
    expect(await awsOnDemandCredentials({ env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://${host}/full/creds`, AWS_CONTAINER_AUTHORIZATION_TOKEN: AUTH } })).toEqual(want);
    expect(since(n)).toEqual(['GET /v2/credentials/task-1', 'GET /full/creds']);
    expect(seen.at(-1)?.headers.authorization).toBe(AUTH);
    // Without the token the mock refuses: KMS_HTTP_ERROR with the status, not the body.
    const e = await catchKmsAsync(awsOnDemandCredentials({ env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: `http://${host}/full/creds` } }));
    expect([e.code, e.httpStatus, e.provider]).toEqual(['KMS_HTTP_ERROR', 401, 'aws']);
    // A plain-http FULL_URI to a non-loopback host is refused before any request (the AWS SDKs' rule).
    const bad = await catchKmsAsync(awsOnDemandCredentials({ env: { AWS_CONTAINER_CREDENTIALS_FULL_URI: 'http://example.com/creds' } }));
    expect([bad.code, bad.message]).toEqual(['KMS_BAD_OPTIONS', expect.stringContaining('must be https')]);
  });

  it('EC2 IMDSv2: PUT for a session token with its TTL header, then the role and its credentials with the token', async () => {
    const n = seen.length;
    expect(await awsOnDemandCredentials({ imdsHost: host })).toEqual({ accessKeyId: ROLE_CREDS.AccessKeyId, secretAccessKey: ROLE_CREDS.SecretAccessKey, sessionToken: ROLE_CREDS.Token });
    expect(since(n)).toEqual(['PUT /latest/api/token', 'GET /latest/meta-data/iam/security-credentials/', 'GET /latest/meta-data/iam/security-credentials/role-a']);
    expect(seen[n]?.headers['x-aws-ec2-metadata-token-ttl-seconds']).toMatch(/^\d+$/);
    expect(seen.slice(n + 1).map((s) => s.headers['x-aws-ec2-metadata-token'])).toEqual([IMDS_TOKEN, IMDS_TOKEN]);
  });

  it('the chain caches ECS/IMDS credentials until 5 minutes before Expiration, then asks again', async () => {
    let t = Date.parse('2030-01-01T00:00:00Z');
    expiration = '2030-01-01T01:00:00Z';
    const source = awsCredentialChain({ imdsHost: host, now: () => new Date(t) });
    const n = seen.length;
    await source();
    t += 54 * 60_000; // 6 minutes left
    await source();
    expect(since(n)).toHaveLength(3);
    t += 2 * 60_000; // 4 minutes left
    await source();
    expect(since(n)).toHaveLength(6);
  });

  it('errors: no role, bad JSON, a missing field, unreachable IMDS, IMDS off: typed, naming aws, never a secret', async () => {
    const cases: [typeof mode, Record<string, unknown>, string, RegExp][] = [
      ['noRole', { imdsHost: host }, 'KMS_HTTP_ERROR', /no instance profile role \(HTTP 404\)/],
      ['badJson', { imdsHost: host }, 'KMS_BAD_RESPONSE', /not JSON/],
      ['missingField', { env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/task-1' }, ecsHost: host }, 'KMS_BAD_RESPONSE', /'SecretAccessKey'/],
      ['ok', { imdsHost: '127.0.0.1:1' }, 'KMS_NETWORK', /cannot reach EC2 IMDS/],
      ['ok', { noImds: true }, 'KMS_BAD_OPTIONS', /EC2 IMDS is off; set AWS_ACCESS_KEY_ID/],
    ];
    for (const [m, o, code, pattern] of cases) {
      mode = m;
      const e = await catchKmsAsync(awsOnDemandCredentials(o));
      mode = 'ok';
      expect([e.code, e.provider], m).toEqual([code, 'aws']);
      expect(e.message, m).toMatch(pattern);
      expect(`${e.message}${e.stack}`, m).not.toMatch(/SENTINEL/);
    }
  });

  it('credentials from IMDS and from ECS sign KMS requests the mock verifies (session token included)', async () => {
    const mk = { provider: 'aws', region: 'us-east-1', key: 'arn:aws:kms:us-east-1:1:key/k', endpoint: `127.0.0.1:${kms.port}` };
    const dek = new Uint8Array(96).fill(4);
    for (const source of [awsCredentialChain({ imdsHost: host }), awsCredentialChain({ env: { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: '/v2/credentials/task-1' }, ecsHost: host })]) {
      const before = kms.requests.length;
      const p = createAwsKmsProvider('aws', source, { protocol: 'http:' });
      expect(await p.unwrap(await p.wrap(dek, mk), mk)).toEqual(dek);
      const got = kms.requests.slice(before);
      expect(got.map((r) => [r.target, r.signatureValid])).toEqual([['TrentService.Encrypt', true], ['TrentService.Decrypt', true]]);
      expect(got.every((r) => r.rawHeaders.some((h) => /-session-token$/.test(h)))).toBe(true);
    }
  });
});
