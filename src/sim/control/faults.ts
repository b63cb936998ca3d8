import type { Prng } from '../core/prng.js';
import type { ServiceName } from '../profiles.js';

/**
 * A fault rule. Rules are checked in order for each request; the first one that matches and wins its
 * draw (`rate`) fires. Draws come from the cloud's seeded PRNG, so a run is reproducible.
 * - `error`: answer `status` (default 500) with the service's error body; 429 and 503 carry Retry-After.
 * - `reset`: destroy the connection without an answer (the client sees ECONNRESET / socket closed).
 * - `lost-reply`: carry the request out, then destroy the connection before answering (an in-doubt call).
 * - `slow`: answer normally but pause `delayMs` (default 1000) in the middle of the body.
 * - `token-expiry`: expire the caller's token now, so this request (and later ones) get 401.
 */
export interface FaultRule {
  kind: 'error' | 'reset' | 'lost-reply' | 'slow' | 'token-expiry';
  status?: number;
  /** Probability in [0, 1] that a matching request fires. Default 1. */
  rate?: number;
  service?: ServiceName | ServiceName[];
  /** HTTP method, e.g. 'GET'. */
  method?: string;
  /** The templated route, e.g. '/v2.0/networks' or 'GET /v2.0/networks/{id}'. */
  route?: string;
  /** Matches when the request path starts with this. */
  pathPrefix?: string;
  /** Let the first `skip` matching requests through. */
  skip?: number;
  /** Fire at most `count` times. */
  count?: number;
  /** Retry-After in seconds for 429/503. Default 1. */
  retryAfterSeconds?: number;
  delayMs?: number;
  message?: string;
}

export interface FaultRequest {
  service: ServiceName;
  method: string;
  route: string;
  path: string;
}

interface RuleState {
  rule: FaultRule;
  matched: number;
  fired: number;
}

export class FaultEngine {
  #rules: RuleState[] = [];
  readonly #prng: Prng;

  constructor(prng: Prng, rules: FaultRule[] = []) {
    this.#prng = prng;
    this.set(rules);
  }

  set(rules: FaultRule[]): void {
    this.#rules = rules.map((rule) => ({ rule: { ...rule }, matched: 0, fired: 0 }));
  }

  rules(): FaultRule[] {
    return this.#rules.map((s) => s.rule);
  }

  /** The rule that fires for this request, if any. */
  decide(req: FaultRequest): FaultRule | undefined {
    for (const state of this.#rules) {
      const { rule } = state;
      if (!matches(rule, req)) continue;
      state.matched++;
      if (rule.skip !== undefined && state.matched <= rule.skip) continue;
      if (rule.count !== undefined && state.fired >= rule.count) continue;
      const rate = rule.rate ?? 1;
      if (rate < 1 && this.#prng.next() >= rate) continue;
      state.fired++;
      return rule;
    }
    return undefined;
  }
}

function matches(rule: FaultRule, req: FaultRequest): boolean {
  if (rule.service !== undefined) {
    const services = Array.isArray(rule.service) ? rule.service : [rule.service];
    if (!services.includes(req.service)) return false;
  }
  if (rule.method !== undefined && rule.method.toUpperCase() !== req.method) return false;
  if (rule.route !== undefined && rule.route !== req.route && rule.route !== `${req.method} ${req.route}`) return false;
  if (rule.pathPrefix !== undefined && !req.path.startsWith(rule.pathPrefix)) return false;
  return true;
}

export function validateFaultRules(rules: unknown, where: string): FaultRule[] {
  if (!Array.isArray(rules)) throw new TypeError(`${where}: faults must be a list`);
  return rules.map((r, i) => {
    const rule = r as FaultRule;
    if (!['error', 'reset', 'lost-reply', 'slow', 'token-expiry'].includes(rule.kind)) {
      throw new TypeError(`${where}[${i}].kind: expected error, reset, lost-reply, slow or token-expiry`);
    }
    if (rule.rate !== undefined && (typeof rule.rate !== 'number' || rule.rate < 0 || rule.rate > 1)) {
      throw new TypeError(`${where}[${i}].rate: expected a number between 0 and 1`);
    }
    return rule;
  });
}
