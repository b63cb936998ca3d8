/**
 * The one module that imports undici. Everything else sends HTTP through `send()`.
 */
import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import { UsageError } from '../../shared/errors.js';

export interface TlsOptions {
  verify: boolean;
  cacert?: string;
}

export interface HttpRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Uint8Array | Readable;
  signal?: AbortSignal;
  /** Time to wait for the response headers. */
  headersTimeoutMs?: number;
  /** Time allowed between two chunks of the body. */
  bodyTimeoutMs?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as a stream; read it once, with text(), json() or as a Readable. */
  body: Readable & { text(): Promise<string>; json(): Promise<unknown>; dump?(): Promise<void> };
}

export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

/** A keep-alive agent honouring TLS settings: verification on by default, a CA bundle, or off on explicit request. */
export function createAgent(tls: TlsOptions, connections = 32): Dispatcher {
  let ca: string | undefined;
  if (tls.cacert) {
    try {
      ca = readFileSync(tls.cacert, 'utf8');
    } catch (error) {
      throw new UsageError(
        'CONFIG_CACERT',
        `cacert ${tls.cacert}: cannot read it (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      );
    }
  }
  return new Agent({
    connections,
    keepAliveTimeout: 10_000,
    connect: { rejectUnauthorized: tls.verify, ...(ca === undefined ? {} : { ca }) },
  });
}

/** A transport over an undici dispatcher. */
export function createTransport(dispatcher: Dispatcher): Transport {
  return async (req) => {
    const response = await request(req.url, {
      dispatcher,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body ?? null,
      signal: req.signal ?? null,
      headersTimeout: req.headersTimeoutMs ?? 120_000,
      bodyTimeout: req.bodyTimeoutMs ?? 300_000,
    });
    return {
      status: response.statusCode,
      headers: response.headers as Record<string, string | string[] | undefined>,
      body: response.body as unknown as HttpResponse['body'],
    };
  };
}

export function header(headers: HttpResponse['headers'], name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Reads and discards a body so the connection goes back to the pool. */
export async function discard(body: HttpResponse['body']): Promise<void> {
  try {
    if (body.dump) await body.dump();
    else await body.text();
  } catch {
    // the connection is closed anyway
  }
}
