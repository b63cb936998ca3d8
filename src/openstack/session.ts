import PQueue from 'p-queue';
import { AbortedError, BasculeError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { silentLogger } from '../shared/logger.js';
import type { CatalogEntry, EndpointChoice, ServiceName } from './auth/catalog.js';
import { fillTemplate, selectEndpoint, SERVICE_TYPES } from './auth/catalog.js';
import type { Token } from './auth/keystone-v3.js';
import { authenticate, identityBase } from './auth/keystone-v3.js';
import type { CloudConfig } from './config/types.js';
import type { Transport } from './transport/http.js';
import { createAgent, createTransport } from './transport/http.js';

export interface RetryOptions {
  /** Retries after the first attempt (undici's default: 5). */
  maxRetries?: number;
  baseMs?: number;
  capMs?: number;
  random?: () => number;
}

export interface SessionOptions {
  /** A transport to use instead of undici over the network (tests). */
  transport?: Transport;
  logger?: Logger;
  /** Concurrent calls per service, and concurrent mutating calls per cloud (a stricter write queue). */
  concurrency?: { perService?: number; writes?: number };
  retry?: RetryOptions;
  /** Headers timeout per request, in ms. */
  timeoutMs?: number;
  /** Reuse a token until this many ms before it expires. */
  refreshMarginMs?: number;
  /**
   * Called synchronously right before each mutating call (POST, PUT, PATCH, DELETE) is sent, every attempt; what it
   * throws fails the call, unsent. A campaign worker checks there that its job's lease is still surely its own.
   */
  beforeMutation?: () => void;
}

/** One authentication in progress, shared by every caller that needs a new token. */
interface SharedAuth {
  promise: Promise<Token>;
  controller: AbortController;
  /** Callers with a signal still waiting. */
  waiting: number;
  /** A caller without a signal waits: the request is never cancelled. */
  unabortable: boolean;
}

/**
 * Per-cloud state shared by every ServiceClient: the transport, the token (reused until near expiry,
 * refreshed once for everybody on a 401), the catalog and the queues.
 */
export class Session {
  readonly config: CloudConfig;
  readonly transport: Transport;
  readonly logger: Logger;
  readonly retry: Required<Omit<RetryOptions, 'random'>> & { random: () => number };
  readonly timeoutMs: number;
  readonly beforeMutation: (() => void) | undefined;
  readonly writeQueue: PQueue;
  readonly #serviceQueues = new Map<string, PQueue>();
  readonly #perService: number;
  readonly #refreshMarginMs: number;
  readonly #close: () => Promise<void>;
  #token: Token | undefined;
  #pending: SharedAuth | undefined;
  /** How many times this session authenticated (tests and `cloud info`). */
  authCount = 0;

  constructor(config: CloudConfig, options: SessionOptions = {}) {
    this.config = config;
    if (options.transport) {
      this.transport = options.transport;
      this.#close = async () => {};
    } else {
      if (!config.verify) {
        (options.logger ?? silentLogger).warn(
          `TLS verification is OFF for cloud ${config.name} (insecure/verify: false in ${config.origin})`,
        );
      }
      const agent = createAgent({ verify: config.verify, ...(config.cacert ? { cacert: config.cacert } : {}) });
      this.transport = createTransport(agent);
      this.#close = () => agent.close();
    }
    this.logger = options.logger ?? silentLogger;
    this.retry = {
      maxRetries: options.retry?.maxRetries ?? 5,
      baseMs: options.retry?.baseMs ?? 500,
      capMs: options.retry?.capMs ?? 30_000,
      random: options.retry?.random ?? Math.random,
    };
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.beforeMutation = options.beforeMutation;
    this.#perService = options.concurrency?.perService ?? 10;
    this.writeQueue = new PQueue({ concurrency: options.concurrency?.writes ?? 4 });
    this.#refreshMarginMs = options.refreshMarginMs ?? 5 * 60_000;
  }

  queueFor(service: string): PQueue {
    let queue = this.#serviceQueues.get(service);
    if (!queue) {
      queue = new PQueue({ concurrency: this.#perService });
      this.#serviceQueues.set(service, queue);
    }
    return queue;
  }

  /** The current token, authenticating first if there is none or it is about to expire. */
  async token(signal?: AbortSignal): Promise<Token> {
    const current = this.#token;
    if (current && current.expiresAt.getTime() - Date.now() > this.#refreshMarginMs) return current;
    return this.reauthenticate(current, signal);
  }

  /**
   * One shared re-authentication (gophercloud's reauthFuture): concurrent callers that saw the same
   * stale token wait for the same request; a caller whose token was already replaced gets the new one.
   */
  async reauthenticate(stale: Token | undefined, signal?: AbortSignal): Promise<Token> {
    if (this.#token && this.#token !== stale && this.#token.expiresAt.getTime() - Date.now() > this.#refreshMarginMs)
      return this.#token;
    if (signal?.aborted) throw new AbortedError('identity: authentication aborted');
    if (!this.#pending) {
      // The request has its own signal: one caller's abort must not fail the others waiting for it.
      const controller = new AbortController();
      const shared: SharedAuth = {
        controller,
        waiting: 0,
        unabortable: false,
        promise: Promise.resolve(undefined as unknown as Token),
      };
      shared.promise = (async () => {
        try {
          const token = await authenticate(this.transport, this.config.auth, controller.signal);
          this.authCount += 1;
          this.#token = token;
          this.logger.debug('authenticated', {
            cloud: this.config.name,
            expires_at: token.expiresAt.toISOString(),
            project: token.project?.name,
          });
          return token;
        } finally {
          this.#pending = undefined;
        }
      })();
      this.#pending = shared;
    }
    const shared = this.#pending;
    if (!signal) {
      shared.unabortable = true;
      return shared.promise;
    }
    shared.waiting += 1;
    return new Promise<Token>((resolve, reject) => {
      const onAbort = (): void => {
        shared.waiting -= 1;
        // Cancel the request only when nobody is left waiting for it.
        if (shared.waiting === 0 && !shared.unabortable) shared.controller.abort();
        reject(new AbortedError('identity: authentication aborted'));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      shared.promise.then(
        (token) => {
          signal.removeEventListener('abort', onAbort);
          resolve(token);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      );
    });
  }

  get catalog(): CatalogEntry[] {
    return this.#token?.catalog ?? [];
  }

  get projectId(): string {
    const id = this.#token?.project?.id;
    if (!id)
      throw new BasculeError('OS_NO_PROJECT', `cloud ${this.config.name}: the token is not scoped to a project`, {
        hint: 'set project_name (and project_domain_name) in clouds.yaml',
      });
    return id;
  }

  /** The endpoint for a service: an override from clouds.yaml, or the catalog's, with templates filled. */
  async endpoint(service: ServiceName, signal?: AbortSignal): Promise<EndpointChoice> {
    const overrides = this.config.endpointOverrides;
    for (const type of [service, ...SERVICE_TYPES[service]]) {
      const url = overrides[type];
      if (url) {
        const token = await this.token(signal);
        return {
          url: fillTemplate(url, token.project?.id ?? ''),
          serviceType: type === service ? SERVICE_TYPES[service][0] : type,
        };
      }
    }
    if (service === 'identity' && this.catalog.length === 0)
      return { url: identityBase(this.config.auth.authUrl), serviceType: 'identity' };
    const token = await this.token(signal);
    const choice = selectEndpoint(token.catalog, service, this.config.interface, this.config.regionName);
    return { ...choice, url: fillTemplate(choice.url, token.project?.id ?? '') };
  }

  async close(): Promise<void> {
    await this.#close();
  }
}
