import type { Readable } from 'node:stream';
import { AbortedError, BasculeError } from '../shared/errors.js';
import { backoffDelay, sleep } from '../shared/async.js';
import { scrubText } from '../shared/secret.js';
import type { ServiceName } from './auth/catalog.js';
import { versionedBase } from './auth/catalog.js';
import { classifyStatus, extractServiceMessage, OpenStackHttpError, OpenStackNetworkError } from './errors.js';
import type { VersionRange } from './microversion.js';
import { negotiate } from './microversion.js';
import type { Session } from './session.js';
import { parseRetryAfter, shouldRetry } from './transport/classify.js';
import type { HttpResponse } from './transport/http.js';
import { discard, header } from './transport/http.js';

export type Query = Record<string, string | number | boolean | readonly (string | number)[] | undefined>;

export interface RequestOptions {
  query?: Query;
  /** A JSON value (serialised here) or raw bytes/stream with `contentType`. */
  json?: unknown;
  raw?: string | Uint8Array | Readable;
  contentType?: string;
  headers?: Record<string, string>;
  /** The microversion range this call understands and needs; negotiated against the server's. */
  microversion?: { max: string; min?: string };
  /** Accepted statuses (gophercloud's okCodes); default: any 2xx. */
  okStatus?: readonly number[];
  signal?: AbortSignal;
  /** Skip the per-service queue (long streaming transfers are limited by the caller instead). */
  unqueued?: boolean;
  /** Timeout for the response headers, in ms. */
  timeoutMs?: number;
  /**
   * False for a PUT or DELETE that is not idempotent (Neutron's add_router_interface): after a lost reply (a
   * network error once sent, a timeout, a 5xx) it is not sent again; the caller reads the state to decide.
   */
  idempotent?: boolean;
}

export interface ApiResponse<T> {
  status: number;
  data: T;
  headers: HttpResponse['headers'];
  requestId?: string;
  /** The microversion the call was sent with, if any. */
  microversion?: string;
}

export interface StreamResponse {
  status: number;
  headers: HttpResponse['headers'];
  body: HttpResponse['body'];
  requestId?: string;
}

interface Resolved {
  base: string;
  root: string;
  serviceType: string;
  apiVersion: string;
  versions?: VersionRange;
}

const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Where a call's tries stand: retries made, and whether the one re-authentication after a 401 was spent. */
interface Tries {
  attempt: number;
  reauthenticated: boolean;
}

function buildQuery(query: Query | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) params.append(key, String(item));
    else params.append(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * One service of one cloud. Every HTTP call of Bascule goes through `request()`, in a fixed order:
 * queue (per service; writes also through the cloud's write queue) -> auth header -> microversion
 * header -> send -> 401: one shared re-auth and one retry -> retry policy -> decode or error-map.
 */
export class ServiceClient {
  readonly service: ServiceName;
  readonly session: Session;
  #resolved: Promise<Resolved> | undefined;

  constructor(session: Session, service: ServiceName) {
    this.session = session;
    this.service = service;
  }

  /** The versioned base URL and, for Nova and Cinder v3, the server's microversion range (discovered once). */
  resolve(signal?: AbortSignal): Promise<Resolved> {
    this.#resolved ??= this.#discover(signal).catch((error: unknown) => {
      this.#resolved = undefined;
      throw error;
    });
    return this.#resolved;
  }

  async #discover(signal?: AbortSignal): Promise<Resolved> {
    const endpoint = await this.session.endpoint(this.service, signal);
    const { base, root, version } = versionedBase(endpoint.serviceType, endpoint.url);
    const resolved: Resolved = { base, root, serviceType: endpoint.serviceType, apiVersion: version };
    if (this.service === 'compute' || (this.service === 'block-storage' && version.startsWith('v3'))) {
      resolved.versions = await this.#discoverMicroversions(root, version, signal);
    }
    return resolved;
  }

  async #discoverMicroversions(root: string, version: string, signal?: AbortSignal): Promise<VersionRange | undefined> {
    let response: HttpResponse;
    try {
      response = await this.session.transport({
        method: 'GET',
        url: `${root}/`,
        headers: { accept: 'application/json' },
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      // A raw undici error would reach the CLI as an "internal error": give it our types.
      if (signal?.aborted) throw new AbortedError(`${this.service}: version discovery aborted`, { cause: error });
      const code = networkCode(error);
      throw new OpenStackNetworkError(
        `${this.service}: GET ${redactUrl(`${root}/`)} (version discovery): ${code ?? scrubText((error as Error).message)}`,
        {
          service: this.service,
          method: 'GET',
          url: redactUrl(`${root}/`),
          cause: error,
          ...(code ? { causeCode: code } : {}),
        },
      );
    }
    const text = await response.body.text();
    if (response.status >= 500) {
      // A passing outage must not be cached as "no microversions" (every later call would go out at 2.1).
      const { message, fault } = extractServiceMessage(
        text.slice(0, 64 * 1024),
        header(response.headers, 'content-type'),
      );
      throw new OpenStackHttpError(
        classifyStatus(response.status, message, fault),
        `version discovery failed: ${message}`,
        {
          status: response.status,
          method: 'GET',
          url: redactUrl(`${root}/`),
          service: this.service,
          ...(requestIdOf(response.headers) ? { requestId: requestIdOf(response.headers) as string } : {}),
        },
      );
    }
    if (response.status !== 200 && response.status !== 300) {
      this.session.logger.warn(
        `${this.service}: version discovery at ${root}/ answered ${response.status}; assuming no microversions`,
      );
      return undefined;
    }
    let doc: {
      versions?: { id: string; version?: string; min_version?: string; status?: string }[];
      version?: { id: string; version?: string; min_version?: string };
    };
    try {
      doc = JSON.parse(text) as typeof doc;
    } catch {
      return undefined;
    }
    const list = doc.versions ?? (doc.version ? [doc.version] : []);
    const major = version.replace(/^v/, '').split('.')[0];
    const entry =
      list.find((v) => v.id === version) ??
      list.find((v) => v.id.replace(/^v/, '').split('.')[0] === major && v.version);
    if (!entry?.version) return undefined;
    return { min: entry.min_version ?? entry.version, max: entry.version };
  }

  /** The negotiated microversion for a call that understands up to `max` and needs at least `min`. */
  async microversion(wanted: { max: string; min?: string }, signal?: AbortSignal): Promise<string | undefined> {
    const resolved = await this.resolve(signal);
    const versions = this.session.config.apiVersions;
    // openstacksdk's key is block_storage_api_version; volume_api_version is the older spelling.
    const pin =
      this.service === 'block-storage' ? (versions['block-storage'] ?? versions.volume) : versions[this.service];
    const pinned = pin && /^\d+\.\d+$/.test(pin) && pin.split('.')[1] !== '0' ? pin : undefined;
    return negotiate(this.service, resolved.versions, wanted, pinned);
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const response = await this.#send(method, path, options);
    let text: string;
    try {
      text = await response.body.text();
    } catch (error) {
      // The body was cut (reset, abort): our error types, not undici's (not retried: the status was already read).
      if (options.signal?.aborted)
        throw new AbortedError(`${this.service}: ${method} ${path} aborted`, { cause: error });
      const code = networkCode(error);
      throw new OpenStackNetworkError(
        `${this.service}: ${method} ${redactUrl(response.sentUrl)}: ${code ?? scrubText((error as Error).message)} while reading the answer`,
        {
          service: this.service,
          method,
          url: redactUrl(response.sentUrl),
          cause: error,
          ...(code ? { causeCode: code } : {}),
        },
      );
    }
    let data: unknown = undefined;
    if (text.length > 0) {
      const type = header(response.headers, 'content-type') ?? '';
      if (type.includes('json') || /^\s*[[{]/.test(text)) {
        try {
          data = JSON.parse(text);
        } catch (error) {
          throw new BasculeError(
            'OS_BAD_RESPONSE',
            `${this.service}: ${method} ${path}: the answer is not valid JSON`,
            { cause: error },
          );
        }
      } else {
        data = text;
      }
    }
    const result: ApiResponse<T> = { status: response.status, data: data as T, headers: response.headers };
    const rid = requestIdOf(response.headers);
    if (rid) result.requestId = rid;
    if (response.microversion) result.microversion = response.microversion;
    return result;
  }

  /** Like request() but hands back the body as a stream (image downloads). The caller must consume or discard it. */
  async stream(method: string, path: string, options: RequestOptions = {}): Promise<StreamResponse> {
    const response = await this.#send(method, path, options);
    const result: StreamResponse = { status: response.status, headers: response.headers, body: response.body };
    const rid = requestIdOf(response.headers);
    if (rid) result.requestId = rid;
    return result;
  }

  get<T = unknown>(path: string, options?: RequestOptions): Promise<T> {
    return this.request<T>('GET', path, options).then((r) => r.data);
  }
  post<T = unknown>(path: string, json: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, json }).then((r) => r.data);
  }
  put<T = unknown>(path: string, json: unknown, options: RequestOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, json }).then((r) => r.data);
  }
  async delete(path: string, options: RequestOptions = {}): Promise<void> {
    await this.request('DELETE', path, options);
  }

  async #send(
    method: string,
    path: string,
    options: RequestOptions,
  ): Promise<HttpResponse & { microversion?: string; sentUrl: string }> {
    const signal = options.signal;
    if (signal?.aborted) throw new AbortedError();
    const resolved = await this.resolve(signal);
    const url = /^https?:\/\//.test(path) ? path : `${resolved.base}${path.startsWith('/') ? path : `/${path}`}`;
    const fullUrl = `${url}${buildQuery(options.query)}`;
    const microversion = options.microversion ? await this.microversion(options.microversion, signal) : undefined;
    const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'bascule', ...options.headers };
    let body: string | Uint8Array | Readable | undefined;
    if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = options.contentType ?? 'application/json';
    } else if (options.raw !== undefined) {
      body = options.raw;
      headers['content-type'] = options.contentType ?? 'application/octet-stream';
    }
    if (microversion) {
      const name = this.service === 'compute' ? 'compute' : 'volume';
      headers['openstack-api-version'] = `${name} ${microversion}`;
      if (this.service === 'compute') headers['x-openstack-nova-api-version'] = microversion;
    }
    // A stream body can be sent once only: such calls are never retried.
    const replayable = !(body !== undefined && typeof body === 'object' && !(body instanceof Uint8Array));
    // Each attempt takes its queue slot(s) and gives them back before any back-off: a call waiting to try again
    // (a Retry-After may be two minutes) never holds one of the cloud's write slots.
    const tries: Tries = { attempt: 0, reauthenticated: false };
    for (;;) {
      const once = () => this.#attempt(method, fullUrl, headers, body, replayable, options, tries, signal);
      const outcome = await (options.unqueued ? once() : this.#enqueue(method, once, signal));
      if ('response' in outcome) {
        const response = Object.assign(outcome.response, { sentUrl: fullUrl });
        return microversion ? Object.assign(response, { microversion }) : response;
      }
      if (outcome.waitMs > 0) await sleep(outcome.waitMs, signal);
    }
  }

  #enqueue<R>(method: string, run: () => Promise<R>, signal?: AbortSignal): Promise<R> {
    const serviceQueue = this.session.queueFor(this.service);
    const task = () => serviceQueue.add(run, signal ? { signal } : {}) as Promise<R>;
    const queued = MUTATING.has(method)
      ? (this.session.writeQueue.add(task, signal ? { signal } : {}) as Promise<R>)
      : task();
    // p-queue rejects with the signal's reason (a DOMException) when the signal aborts: callers get our AbortedError.
    return queued.catch((error: unknown) => {
      if (signal?.aborted && !(error instanceof AbortedError))
        throw new AbortedError(`${this.service}: ${method} aborted`, { cause: error });
      throw error;
    });
  }

  /** One try: the response, or how long to wait (outside the queues) before the next one. Throws when done. */
  async #attempt(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | Uint8Array | Readable | undefined,
    replayable: boolean,
    options: RequestOptions,
    tries: Tries,
    signal?: AbortSignal,
  ): Promise<{ response: HttpResponse } | { waitMs: number }> {
    const { retry, logger } = this.session;
    const attempt = tries.attempt;
    const token = await this.session.token(signal);
    // Last thing before the call leaves: nothing is awaited between this check and the transport's send.
    if (MUTATING.has(method)) this.session.beforeMutation?.();
    const started = Date.now();
    let response: HttpResponse;
    try {
      response = await this.session.transport({
        method,
        url,
        headers: { ...headers, 'x-auth-token': token.value.reveal() },
        ...(body !== undefined ? { body } : {}),
        ...(signal ? { signal } : {}),
        headersTimeoutMs: options.timeoutMs ?? this.session.timeoutMs,
      });
    } catch (error) {
      if (signal?.aborted)
        throw new AbortedError(`${this.service}: ${method} ${redactUrl(url)} aborted`, { cause: error });
      const code = networkCode(error);
      const decision = shouldRetry(method, code === undefined ? {} : { networkCode: code }, options.idempotent);
      if (replayable && decision.retry && attempt < retry.maxRetries) {
        const wait = backoffDelay(attempt, { base: retry.baseMs, cap: retry.capMs, random: retry.random });
        logger.debug('retry', {
          service: this.service,
          method,
          url: redactUrl(url),
          reason: code,
          attempt: attempt + 1,
          wait_ms: wait,
        });
        tries.attempt += 1;
        return { waitMs: wait };
      }
      throw new OpenStackNetworkError(
        `${this.service}: ${method} ${redactUrl(url)}: ${code ?? scrubText((error as Error).message)}`,
        {
          service: this.service,
          method,
          url: redactUrl(url),
          cause: error,
          ...(code ? { causeCode: code } : {}),
        },
      );
    }
    logger.debug('http', {
      service: this.service,
      method,
      url: redactUrl(url),
      status: response.status,
      ms: Date.now() - started,
      request_id: requestIdOf(response.headers),
    });
    const ok = options.okStatus
      ? options.okStatus.includes(response.status)
      : response.status >= 200 && response.status < 300;
    if (ok) return { response };
    if (response.status === 401 && !tries.reauthenticated && replayable) {
      await discard(response.body);
      tries.reauthenticated = true;
      logger.debug('token rejected; re-authenticating once', { service: this.service });
      await this.session.reauthenticate(token, signal);
      return { waitMs: 0 }; // the re-authenticated try does not count as a retry
    }
    const retryAfterMs = parseRetryAfter(response.headers['retry-after']);
    const decision = shouldRetry(
      method,
      retryAfterMs === undefined ? { status: response.status } : { status: response.status, retryAfterMs },
      options.idempotent,
    );
    if (replayable && decision.retry && attempt < retry.maxRetries) {
      await discard(response.body);
      const wait =
        decision.afterMs ?? backoffDelay(attempt, { base: retry.baseMs, cap: retry.capMs, random: retry.random });
      logger.debug('retry', {
        service: this.service,
        method,
        url: redactUrl(url),
        status: response.status,
        attempt: attempt + 1,
        wait_ms: wait,
      });
      tries.attempt += 1;
      return { waitMs: wait };
    }
    throw await this.#toError(method, url, response, retryAfterMs);
  }

  async #toError(
    method: string,
    url: string,
    response: HttpResponse,
    retryAfterMs: number | undefined,
  ): Promise<OpenStackHttpError> {
    let text = '';
    try {
      text = await response.body.text();
    } catch {
      text = '';
    }
    const { message, fault } = extractServiceMessage(
      text.slice(0, 64 * 1024),
      header(response.headers, 'content-type'),
    );
    const code = classifyStatus(response.status, message, fault);
    const rid = requestIdOf(response.headers);
    return new OpenStackHttpError(code, message, {
      status: response.status,
      method,
      url: redactUrl(url),
      service: this.service,
      ...(rid ? { requestId: rid } : {}),
      ...(fault ? { fault } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
}

function requestIdOf(headers: HttpResponse['headers']): string | undefined {
  return header(headers, 'x-openstack-request-id') ?? header(headers, 'x-compute-request-id');
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** URLs carry no secrets in OpenStack, but query strings may carry user data: keep the path and parameter names only. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return scrubText(url);
  const params = new URLSearchParams(url.slice(q + 1));
  const names = [...new Set(params.keys())].map((k) =>
    k === 'marker' || k === 'limit' ? `${k}=${params.get(k) ?? ''}` : `${k}=…`,
  );
  return scrubText(`${url.slice(0, q)}?${names.join('&')}`);
}
