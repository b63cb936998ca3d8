/**
 * Plan keys: `<kind>:<name>`, with a `~N` suffix only when names collide. assignKeys is pure and deterministic: the
 * same set of resources always gets the same keys, whatever order the API listed them in.
 */
import type { PlanKind } from './kinds.js';

export interface KeyRequest {
  kind: PlanKind;
  /** The name to derive the key from (for unnamed resources the caller chooses one, e.g. "<server>/eth0"). */
  name: string;
  /** The source ID: the tie-break between equal names. */
  sourceId?: string;
}

const MAX_NAME = 240;

/** The part of a key after `<kind>:`: control characters replaced, trimmed, never empty, at most 240 characters. */
export function keyName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.trim().replace(/[\u0000-\u001f\u007f]/g, '_');
  const short = cleaned.length > MAX_NAME ? cleaned.slice(0, MAX_NAME) : cleaned;
  return short === '' ? 'unnamed' : short;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Assigns a unique key to every request; returns them in the order of the input. Within a kind, requests are ranked
 * by name then source ID; the first of each name gets `<kind>:<name>`, the next ones `<kind>:<name>~2`, `~3`, ...
 * (skipping any key another name already produced).
 */
export function assignKeys(requests: readonly KeyRequest[]): string[] {
  const order = requests.map((request, index) => ({
    index,
    kind: request.kind,
    name: keyName(request.name),
    id: request.sourceId ?? '',
  }));
  order.sort((a, b) => compare(a.kind, b.kind) || compare(a.name, b.name) || compare(a.id, b.id) || a.index - b.index);
  const taken = new Set<string>();
  // Plain keys first, so that a name that looks suffixed ("web~2") keeps its own key.
  const keys: string[] = new Array<string>(requests.length);
  const rest: typeof order = [];
  for (const item of order) {
    const plain = `${item.kind}:${item.name}`;
    if (taken.has(plain)) rest.push(item);
    else {
      taken.add(plain);
      keys[item.index] = plain;
    }
  }
  for (const item of rest) {
    const plain = `${item.kind}:${item.name}`;
    let n = 2;
    while (taken.has(`${plain}~${n}`)) n += 1;
    taken.add(`${plain}~${n}`);
    keys[item.index] = `${plain}~${n}`;
  }
  return keys;
}

/**
 * A readable, deterministic name for a security group rule (rules have no name): `<group>/<direction>-<ethertype>-
 * <protocol>-<ports>-<remote>`, e.g. `web/ingress-IPv4-tcp-443-0.0.0.0_0`.
 */
export function ruleKeyName(
  groupName: string,
  rule: {
    direction: string;
    ethertype: string;
    protocol?: string | null;
    port_range_min?: number | null;
    port_range_max?: number | null;
    remote_ip_prefix?: string | null;
  },
  remoteGroupName?: string,
  remoteAddressGroupName?: string,
): string {
  const min = rule.port_range_min ?? undefined;
  const max = rule.port_range_max ?? undefined;
  const ports =
    min === undefined && max === undefined
      ? 'any'
      : min === max
        ? String(min)
        : `${String(min ?? '')}:${String(max ?? '')}`;
  const remote =
    remoteGroupName !== undefined
      ? `sg=${remoteGroupName}`
      : remoteAddressGroupName !== undefined
        ? `ag=${remoteAddressGroupName}`
        : (rule.remote_ip_prefix ?? 'any').replaceAll('/', '_');
  return `${groupName}/${rule.direction}-${rule.ethertype}-${rule.protocol ?? 'any'}-${ports}-${remote}`;
}
