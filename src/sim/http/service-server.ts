import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import type { FaultEngine, FaultRule } from '../control/faults.js';
import type { RequestLog } from '../control/log.js';
import type { ServiceName } from '../profiles.js';
import { ApiError } from './api-error.js';
import type { AuthContext, Reply, SimRequest } from './context.js';
import { errorBody } from './error-bodies.js';
import { formatVersion, negotiate, type MicroversionSpec, type Version } from './microversion.js';
import type { Router } from './router.js';

/** What a service server needs from its cloud. */
export interface ServiceRuntime {
  cloud: string;
  region: string | undefined;
  service: ServiceName;
  router: Router;
  /** The microversion rules for a path, if that path is microversioned. */
  microversionFor(path: string): MicroversionSpec | undefined;
  /** A token's context, `expired`, or undefined when unknown. */
  authenticate(tokenId: string): AuthContext | 'expired' | undefined;
  expireToken(tokenId: string): void;
  /** Runs due status transitions. */
  beforeRequest(): void;
  latencyMs(): number;
  faults: FaultEngine;
  log: RequestLog;
  /** The URI in `WWW-Authenticate: Keystone uri="..."` on a 401. */
  authUri(): string;
  /** Rewrites the path before routing (Nova's optional project id segment). */
  rewritePath?(path: string): string;
}

const MAX_JSON_BODY = 16 * 1024 * 1024;

export class ServiceServer {
  readonly #rt: ServiceRuntime;
  readonly #server: Server;
  #baseUrl = '';

  constructor(runtime: ServiceRuntime) {
    this.#rt = runtime;
    this.#server = createServer((req, res) => {
      void this.#handle(req, res);
    });
    this.#server.keepAliveTimeout = 5_000;
  }

  get baseUrl(): string {
    return this.#baseUrl;
  }

  async listen(host: string, port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    const addr = this.#server.address() as AddressInfo;
    this.#baseUrl = `http://${host}:${addr.port}`;
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rt = this.#rt;
    const started = performance.now();
    const at = Date.now();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = rt.rewritePath ? rt.rewritePath(url.pathname) : url.pathname;
    const matched = rt.router.match(method, path);
    const route = typeof matched === 'object' ? `${method} ${matched.route.template}` : `${method} (unmatched)`;
    const requestId = `req-${randomUUID()}`;
    let mv: Version | undefined;
    let fault: FaultRule | undefined;
    let status = 0;
    const finish = (): void => {
      rt.log.add({
        cloud: rt.cloud,
        region: rt.region,
        service: rt.service,
        method,
        route,
        path: url.pathname,
        status,
        at,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ...(fault ? { fault: fault.kind } : {}),
        ...(mv ? { microversion: formatVersion(mv) } : {}),
      });
    };
    const mvSpec = rt.microversionFor(path);
    const headers: Record<string, string> = { 'x-openstack-request-id': requestId };
    if (rt.service === 'compute') headers['x-compute-request-id'] = requestId;
    try {
      const latency = rt.latencyMs();
      if (latency > 0) await delay(latency);
      fault = rt.faults.decide({
        service: rt.service,
        method,
        route: route.slice(method.length + 1),
        path: url.pathname,
      });
      if (fault?.kind === 'reset') {
        status = 0;
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'error') {
        const code = fault.status ?? 500;
        const extra: Record<string, string> = {};
        if (code === 429 || code === 503) extra['retry-after'] = String(fault.retryAfterSeconds ?? 1);
        throw new ApiError(code, fault.message ?? defaultFaultMessage(code), 'HTTPError', extra);
      }
      rt.beforeRequest();
      if (matched === undefined) throw new ApiError(404, 'The resource could not be found.', 'HTTPNotFound');
      if (matched === 'methodNotAllowed')
        throw new ApiError(405, 'The method is not allowed for the requested URL.', 'HTTPMethodNotAllowed');
      let auth: AuthContext | undefined;
      if (!matched.route.isPublic) {
        const token = header(req, 'x-auth-token');
        if (token && fault?.kind === 'token-expiry') rt.expireToken(token);
        const result = token ? rt.authenticate(token) : undefined;
        if (result === undefined || result === 'expired') {
          const message =
            rt.service === 'image'
              ? 'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.'
              : 'The request you have made requires authentication.';
          throw new ApiError(401, message, 'HTTPUnauthorized', {
            'www-authenticate': `Keystone uri="${rt.authUri()}"`,
          });
        }
        auth = result;
      }
      if (mvSpec) {
        mv = negotiate(mvSpec, req.headers);
        Object.assign(headers, versionHeaders(mvSpec, mv));
      }
      const body = matched.route.isRawBody ? undefined : await readJson(req, rt.service);
      const simReq: SimRequest = {
        method,
        path,
        query: url.searchParams,
        headers: req.headers,
        params: matched.params,
        body,
        raw: req,
        auth,
        mv,
        baseUrl: this.#baseUrl,
      };
      const reply = await matched.route.handler(simReq);
      status = reply.status;
      if (fault?.kind === 'lost-reply') {
        // The request was carried out; its answer never reaches the caller.
        reply.stream?.destroy();
        req.socket.destroy();
        return;
      }
      await send(res, reply, headers, fault, method);
    } catch (error) {
      const e =
        error instanceof ApiError
          ? error
          : new ApiError(
              500,
              `Unexpected API Error: ${error instanceof Error ? error.message : String(error)}`,
              'HTTPInternalServerError',
            );
      status = e.status;
      const body = errorBody(rt.service, e.status, e.message, e.type, header(req, 'accept'), e.headers['retry-after']);
      if (!res.headersSent) {
        await send(
          res,
          { status: e.status, text: body.text, contentType: body.contentType, headers: e.headers },
          headers,
          fault?.kind === 'slow' ? fault : undefined,
          method,
        ).catch(() => undefined);
      } else {
        res.destroy();
      }
      // Drain what the client still sends so the connection can be reused.
      if (!req.complete) req.resume();
    } finally {
      finish();
    }
  }
}

function versionHeaders(spec: MicroversionSpec, v: Version): Record<string, string> {
  const text = formatVersion(v);
  const out: Record<string, string> = { 'openstack-api-version': `${spec.serviceType} ${text}` };
  if (spec.legacyHeader) {
    out[spec.legacyHeader.toLowerCase()] = text;
    out.vary = `OpenStack-API-Version, ${spec.legacyHeader}`;
  } else {
    out.vary = 'OpenStack-API-Version';
  }
  return out;
}

function defaultFaultMessage(code: number): string {
  if (code === 429) return 'This request was rate-limited.';
  if (code === 503) return 'The server is currently unavailable. Please try again at a later time.';
  return 'Unexpected API Error. Please report this at http://bugs.launchpad.net/ and attach the log if possible.';
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

async function readJson(req: IncomingMessage, service: ServiceName): Promise<unknown> {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BODY) throw new ApiError(413, 'Request is too large.', 'RequestTooLarge');
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    if (service === 'network') throw new ApiError(400, 'Invalid JSON body', 'HTTPBadRequest');
    throw new ApiError(400, 'Malformed request body', 'HTTPBadRequest');
  }
}

async function send(
  res: ServerResponse,
  reply: Reply,
  base: Record<string, string>,
  fault: FaultRule | undefined,
  method: string,
): Promise<void> {
  const headers: Record<string, string> = { ...base, ...reply.headers };
  let payload: Buffer | undefined;
  if (reply.stream) {
    headers['content-type'] ??= reply.contentType ?? 'application/octet-stream';
  } else if (reply.text !== undefined) {
    payload = Buffer.from(reply.text, 'utf8');
    headers['content-type'] = reply.contentType ?? 'text/plain; charset=UTF-8';
  } else if (reply.body !== undefined && reply.status !== 204) {
    payload = Buffer.from(JSON.stringify(reply.body), 'utf8');
    headers['content-type'] = reply.contentType ?? 'application/json';
  }
  if (payload) headers['content-length'] = String(payload.length);
  else if (!reply.stream) headers['content-length'] = '0';
  res.writeHead(reply.status, headers);
  const isSlow = fault?.kind === 'slow';
  if (method === 'HEAD') {
    reply.stream?.destroy();
    res.end();
    return;
  }
  if (reply.stream) {
    if (isSlow) await delay(fault.delayMs ?? 1000);
    await new Promise<void>((resolve, reject) => {
      reply.stream!.on('error', reject);
      res.on('close', resolve);
      reply.stream!.pipe(res);
    });
    return;
  }
  if (!payload) {
    res.end();
    return;
  }
  if (isSlow && payload.length > 1) {
    const half = Math.floor(payload.length / 2);
    res.write(payload.subarray(0, half));
    await delay(fault.delayMs ?? 1000);
    res.end(payload.subarray(half));
    return;
  }
  res.end(payload);
}
