import type { ServiceName } from '../profiles.js';

export interface LogEntry {
  cloud: string;
  region: string | undefined;
  service: ServiceName;
  method: string;
  /** Templated: `GET /v2.0/networks/{id}`. Unknown paths are logged as `GET (unmatched)`. */
  route: string;
  path: string;
  status: number;
  ms: number;
  /** The fault kind injected into this request, if any. */
  fault?: string;
  /** The negotiated microversion, if any. */
  microversion?: string;
}

/** Every request every cloud served, in order. */
export class RequestLog {
  #entries: LogEntry[] = [];

  add(entry: LogEntry): void {
    this.#entries.push(entry);
  }

  entries(cloud?: string): LogEntry[] {
    return cloud === undefined ? [...this.#entries] : this.#entries.filter((e) => e.cloud === cloud);
  }

  /** Requests per route: `{ 'GET /v2.0/networks': 3, ... }`. */
  counts(cloud?: string): Record<string, number> {
    const out: Record<string, number> = {};
    for (const e of this.entries(cloud)) out[e.route] = (out[e.route] ?? 0) + 1;
    return out;
  }

  clear(): void {
    this.#entries = [];
  }
}
