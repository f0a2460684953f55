/// <reference types="node" />
// Node-only entry point (`@fle-ts/kms/node`): the KMIP transport over node:tls with a client
// certificate (KMIP requires mutual TLS; qe-kms-vectors.md §B.2). One connection per request, as
// libmongocrypt does; the answer is framed by KmipResponseParser.
import { connect, type ConnectionOptions } from 'node:tls';
import { KmsError } from './errors.js';
import { KmipResponseParser } from './kmip.js';
import type { KmipExchange } from './kmip-provider.js';

/** TLS material for the KMIP server: its CA, and the client certificate and key (PEM). */
export interface NodeKmipTlsOptions {
  readonly ca?: string | Uint8Array;
  readonly cert: string | Uint8Array;
  readonly key: string | Uint8Array;
  /** Milliseconds for connect + answer (default 10,000). */
  readonly timeoutMs?: number;
  /** The TLS server name when it differs from the host (e.g. connecting to 127.0.0.1). */
  readonly servername?: string;
}

/** A KmipExchange over node:tls. */
export function nodeKmipExchange(tls: NodeKmipTlsOptions, provider = 'kmip'): KmipExchange {
  return (host, port, request) => new Promise<Uint8Array>((resolve, reject) => {
    const options: ConnectionOptions = {
      host, port, cert: tls.cert as ConnectionOptions['cert'], key: tls.key as ConnectionOptions['key'],
      ...(tls.ca !== undefined ? { ca: tls.ca as ConnectionOptions['ca'] } : {}),
      ...(tls.servername !== undefined ? { servername: tls.servername } : {}),
    };
    const parser = new KmipResponseParser(provider);
    const socket = connect(options, () => socket.write(request));
    const fail = (e: unknown): void => {
      socket.destroy();
      reject(e instanceof KmsError ? e : new KmsError('KMS_NETWORK', provider, `KMIP connection to ${host}:${port} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e }));
    };
    socket.setTimeout(tls.timeoutMs ?? 10_000, () => fail(new KmsError('KMS_TIMEOUT', provider, `no KMIP answer from ${host}:${port} within ${tls.timeoutMs ?? 10_000} ms`)));
    socket.on('data', (d: Uint8Array) => {
      try {
        parser.feed(new Uint8Array(d));
        if (parser.bytesNeeded() === 0) {
          socket.end();
          resolve(parser.response());
        }
      } catch (e) {
        fail(e);
      }
    });
    socket.on('error', fail);
    socket.on('end', () => {
      if (parser.bytesNeeded() !== 0) fail(new Error('the connection closed before the KMIP answer was complete'));
    });
  });
}

/**
 * AWS credentials from the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
 * `AWS_SESSION_TOKEN`), the first step of the driver auth spec's chain; undefined when unset.
 * ECS/EC2 metadata credentials are not implemented.
 */
export function awsCredentialsFromEnv(env: Readonly<Record<string, string | undefined>> = process.env): { accessKeyId: string; secretAccessKey: string; sessionToken?: string } | undefined {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) return undefined;
  const sessionToken = env.AWS_SESSION_TOKEN;
  return sessionToken ? { accessKeyId, secretAccessKey, sessionToken } : { accessKeyId, secretAccessKey };
}
