import type { ServiceName } from '../profiles.js';

export interface LogEntry {
  cloud: string;
  region: string | undefined;
  service: ServiceName;
  method: string;
  /** Templated: `GET /v2.0/networks/{id}`. Unknown paths are logged as `GET (unmatched)`. */
  route: string;
  path: string;
  /** 0 when the connection was reset. */
  status: number;
  /** When the request arrived (epoch ms). */
  at: number;
  ms: number;
  /** The fault kind injected into this request, if any. */
  fault?: string;
  /** The negotiated microversion, if any. */
  microversion?: string;
}

/**
 * Every request every cloud served, in order. The entries kept are capped (the newest `maxEntries`), so a
 * simulator left running does not grow without bound; the counts per route are kept in full.
 */
export class RequestLog {
  #entries: LogEntry[] = [];
  #counts = new Map<string, Map<string, number>>();
  readonly maxEntries: number;

  constructor(maxEntries = 200_000) {
    this.maxEntries = maxEntries;
  }

  add(entry: LogEntry): void {
    this.#entries.push(entry);
    if (this.#entries.length > this.maxEntries * 1.1) this.#entries = this.#entries.slice(-this.maxEntries);
    let perCloud = this.#counts.get(entry.cloud);
    if (!perCloud) {
      perCloud = new Map();
      this.#counts.set(entry.cloud, perCloud);
    }
    perCloud.set(entry.route, (perCloud.get(entry.route) ?? 0) + 1);
  }

  entries(cloud?: string): LogEntry[] {
    return cloud === undefined ? [...this.#entries] : this.#entries.filter((e) => e.cloud === cloud);
  }

  /** Requests per route: `{ 'GET /v2.0/networks': 3, ... }`, for one cloud or all. */
  counts(cloud?: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, perCloud] of this.#counts) {
      if (cloud !== undefined && name !== cloud) continue;
      for (const [route, n] of perCloud) out[route] = (out[route] ?? 0) + n;
    }
    return out;
  }

  clear(): void {
    this.#entries = [];
    this.#counts = new Map();
  }
}
