/**
 * A fake OpenStack on a port-0 node:http server on 127.0.0.1, for unit tests of the client over real HTTP.
 *
 * - POST /identity/v3/auth/tokens answers with a recorded Keystone token (fixtures/openstack/identity/*)
 *   whose catalog is rewritten to point at this server: the port of each recorded URL names the service
 *   (5000 identity, 8774 compute, 8776 volume, 9696 network, 9292 image, 8778 placement), so
 *   `http://127.0.0.1:8776/v3/<project>` becomes `<base>/volume/v3/<project>`.
 * - The version roots (`/compute/`, `/volume/`) answer with Nova/Cinder version documents (Zed or Pike).
 * - Every other request needs a token this server issued and did not revoke (else a Keystone-style 401).
 * - Tests register handlers with `on()` / `reply()` (the latest registration wins) and inspect `requests`.
 * - `inFlight`/`maxInFlight` count concurrent requests (per service prefix too) for queue tests.
 */
import { once } from 'node:events';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { ResponseFixture } from './fixtures.js';
import { loadResponse } from './fixtures.js';

export interface RecordedRequest {
  method: string;
  /** Path without the query string: `/compute/v2.1/servers/detail`. */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The body parsed as JSON when it is JSON. */
  json?: unknown;
  /** The service prefix: identity, compute, volume, network, image, placement. */
  service: string;
}

/** What a handler answers: an object body is sent as JSON, a string as text. */
export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface HandlerContext {
  req: RecordedRequest;
  raw: IncomingMessage;
  res: ServerResponse;
  /** How many times this handler ran, starting at 1. */
  call: number;
}

/** A handler returns a Reply, or nothing when it wrote the response itself (or destroyed the socket). */
export type Handler = (ctx: HandlerContext) => Reply | undefined | Promise<Reply | undefined>;

export type Release = 'zed' | 'pike';

export interface FakeOptions {
  /** Token fixture (fixtures/openstack/identity/<name>.json); default by release. */
  tokenFixture?: string;
  release?: Release;
  /** Lifetime of issued tokens; default one hour. */
  tokenTtlMs?: number;
  /** Accepts or refuses an authentication request (default: accept). */
  checkAuth?: (body: unknown) => boolean;
  /** Changes the catalog before it is sent (regions, missing services). */
  editCatalog?: (catalog: CatalogEntryLike[]) => CatalogEntryLike[];
  /** Serve HTTPS with this key and certificate (fixtures/tls). */
  tls?: { key: string | Buffer; cert: string | Buffer };
}

export interface CatalogEntryLike {
  type: string;
  name?: string;
  id?: string;
  endpoints: { interface: string; region?: string | null; region_id?: string | null; url: string; id?: string }[];
}

const PORT_PREFIX: Record<string, string> = {
  '5000': 'identity',
  '8774': 'compute',
  '8776': 'volume',
  '9696': 'network',
  '9292': 'image',
  '8778': 'placement',
};

interface Route {
  method: string;
  path: string | RegExp;
  handler: Handler;
  calls: number;
}

export const KEYSTONE_401 = {
  error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
};

export class FakeOpenStack {
  readonly base: string;
  readonly requests: RecordedRequest[] = [];
  /** Every token value issued, in order (so tests can look for them in logs). */
  readonly issuedTokens: string[] = [];
  /** Bodies of the authentication requests, in order. */
  readonly authRequests: unknown[] = [];
  inFlight = 0;
  maxInFlight = 0;
  readonly inFlightBy = new Map<string, number>();
  readonly maxInFlightBy = new Map<string, number>();
  /** Lifetime of the next tokens issued. */
  tokenTtlMs: number;
  /** When set, Keystone holds every authentication until this promise settles (shared re-auth tests). */
  holdAuth: Promise<void> | undefined;
  release: Release;
  readonly #server: HttpServer | HttpsServer;
  readonly #routes: Route[] = [];
  readonly #valid = new Set<string>();
  readonly #options: FakeOptions;
  #tokenSerial = 0;

  private constructor(server: HttpServer | HttpsServer, base: string, options: FakeOptions) {
    this.#server = server;
    this.base = base;
    this.#options = options;
    this.tokenTtlMs = options.tokenTtlMs ?? 3_600_000;
    this.release = options.release ?? 'zed';
    this.#installDefaults();
  }

  static async start(options: FakeOptions = {}): Promise<FakeOpenStack> {
    const server = options.tls ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }) : createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const fake = new FakeOpenStack(server, `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`, options);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void fake.handle(req, res);
    });
    return fake;
  }

  /** Keystone's auth URL on this server. */
  get authUrl(): string {
    return `${this.base}/identity/v3`;
  }

  /** The number of authentications served (successful ones). */
  get authCount(): number {
    return this.issuedTokens.length;
  }

  /** The project id of the token fixture in use. */
  get projectId(): string {
    return (this.#tokenFixture().body as { token: { project: { id: string } } }).token.project.id;
  }

  /** Registers a handler; the latest registration for a method and path wins. */
  on(method: string, path: string | RegExp, handler: Handler): this {
    this.#routes.unshift({ method: method.toUpperCase(), path, handler, calls: 0 });
    return this;
  }

  /** Registers a fixed answer: a Reply, or a fixture name under fixtures/openstack/. */
  reply(method: string, path: string | RegExp, answer: Reply | string): this {
    const reply = typeof answer === 'string' ? fixtureReply(loadResponse(answer)) : answer;
    return this.on(method, path, () => reply);
  }

  /** Requests to a path (string: exact path; RegExp: test), optionally by method. */
  requestsTo(path: string | RegExp, method?: string): RecordedRequest[] {
    return this.requests.filter(
      (r) =>
        (method === undefined || r.method === method.toUpperCase()) &&
        (typeof path === 'string' ? r.path === path : path.test(r.path)),
    );
  }

  /** Every token issued so far is refused from now on (as after a Keystone restart with new keys). */
  revokeTokens(): void {
    this.#valid.clear();
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #tokenFixture(): ResponseFixture {
    return loadResponse(
      this.#options.tokenFixture ??
        (this.release === 'pike' ? 'identity/token-pike-password' : 'identity/token-password'),
    );
  }

  /** The catalog of the token fixture, pointed at this server. */
  catalog(): CatalogEntryLike[] {
    const token = (this.#tokenFixture().body as { token: { catalog: CatalogEntryLike[] } }).token;
    const catalog = JSON.parse(
      JSON.stringify(token.catalog).replace(/http:\/\/127\.0\.0\.1:(\d+)/g, (whole, port: string) => {
        const prefix = PORT_PREFIX[port];
        return prefix ? `${this.base}/${prefix}` : whole;
      }),
    ) as CatalogEntryLike[];
    return this.#options.editCatalog ? this.#options.editCatalog(catalog) : catalog;
  }

  #installDefaults(): void {
    this.on('POST', '/identity/v3/auth/tokens', async ({ req }): Promise<Reply> => {
      this.authRequests.push(req.json);
      if (this.holdAuth) await this.holdAuth;
      if (this.#options.checkAuth && !this.#options.checkAuth(req.json)) {
        return { status: 401, headers: { 'x-openstack-request-id': 'req-keystone-401' }, body: KEYSTONE_401 };
      }
      const fixture = this.#tokenFixture();
      const body = structuredClone(fixture.body) as { token: Record<string, unknown> };
      const now = Date.now();
      body.token.issued_at = new Date(now).toISOString();
      body.token.expires_at = new Date(now + this.tokenTtlMs).toISOString();
      body.token.catalog = this.catalog();
      this.#tokenSerial += 1;
      const value = `gAAAAAfake-token-${this.#tokenSerial}-${Math.random().toString(36).slice(2)}`;
      this.issuedTokens.push(value);
      this.#valid.add(value);
      return {
        status: 201,
        headers: { 'x-subject-token': value, 'x-openstack-request-id': `req-auth-${this.#tokenSerial}` },
        body,
      };
    });
    this.on('GET', '/compute/', () => fixtureReply(loadResponse(`versions/nova-${this.release}`), this.base));
    this.on('GET', '/volume/', () => fixtureReply(loadResponse(`versions/cinder-${this.release}`), this.base));
    this.reply('GET', '/network/v2.0/extensions', 'network/extensions');
    this.reply('GET', '/image/v2/info/import', 'image/info-import');
  }

  async handle(raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of raw) chunks.push(chunk as Buffer);
    } catch {
      return;
    }
    const url = new URL(raw.url ?? '/', this.base);
    const body = Buffer.concat(chunks).toString('utf8');
    const service = url.pathname.split('/')[1] ?? '';
    const req: RecordedRequest = {
      method: raw.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: raw.headers,
      body,
      service,
    };
    if (body && /json/.test(raw.headers['content-type'] ?? '')) {
      try {
        req.json = JSON.parse(body);
      } catch {
        // keep the text
      }
    }
    this.requests.push(req);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const now = (this.inFlightBy.get(service) ?? 0) + 1;
    this.inFlightBy.set(service, now);
    this.maxInFlightBy.set(service, Math.max(this.maxInFlightBy.get(service) ?? 0, now));
    try {
      const isAuth = req.path === '/identity/v3/auth/tokens';
      const isVersionRoot = /^\/[a-z-]+\/?$/.test(req.path);
      const token = raw.headers['x-auth-token'];
      if (!isAuth && !isVersionRoot && (typeof token !== 'string' || !this.#valid.has(token))) {
        send(res, {
          status: 401,
          headers: { 'www-authenticate': `Keystone uri="${this.authUrl}"` },
          body: KEYSTONE_401,
        });
        return;
      }
      const route = this.#routes.find(
        (r) => r.method === req.method && (typeof r.path === 'string' ? r.path === req.path : r.path.test(req.path)),
      );
      if (!route) {
        send(res, {
          status: 404,
          headers: { 'content-type': 'text/plain' },
          body: `404 Not Found\n\nfake OpenStack: no handler for ${req.method} ${req.path}\n`,
        });
        return;
      }
      route.calls += 1;
      const reply = await route.handler({ req, raw, res, call: route.calls });
      if (reply !== undefined && !res.headersSent && !res.destroyed) send(res, reply);
    } catch (error) {
      if (!res.headersSent && !res.destroyed)
        send(res, { status: 599, body: `fake OpenStack handler failed: ${String(error)}` });
    } finally {
      this.inFlight -= 1;
      this.inFlightBy.set(service, (this.inFlightBy.get(service) ?? 1) - 1);
    }
  }
}

/** A fixture as a Reply; URLs of the recorded cloud are pointed at `base` when given. */
export function fixtureReply(fixture: ResponseFixture, base?: string): Reply {
  let body = fixture.body;
  if (base !== undefined) {
    body = JSON.parse(
      JSON.stringify(body).replace(/http:\/\/127\.0\.0\.1:(\d+)/g, (whole, port: string) => {
        const prefix = PORT_PREFIX[port];
        return prefix ? `${base}/${prefix}` : whole;
      }),
    ) as unknown;
  }
  return { status: fixture.status, headers: { ...fixture.headers }, body };
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload = '';
  if (reply.body !== undefined) {
    if (typeof reply.body === 'string') {
      payload = reply.body;
      headers['content-type'] ??= 'text/plain; charset=UTF-8';
    } else {
      payload = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json';
    }
  }
  res.writeHead(reply.status ?? 200, headers);
  res.end(payload);
}

/** A promise with its resolve function, to hold a handler until the test lets it go. */
export function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/** Waits until `predicate` holds, polling every few ms (for "the server has seen N requests"). */
export async function until(predicate: () => boolean, what = 'condition', limitMs = 5_000): Promise<void> {
  const started = Date.now();
  while (!predicate()) {
    if (Date.now() - started > limitMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
