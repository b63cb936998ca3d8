import { BasculeError } from '../../../shared/errors.js';
import { crud } from '../../resource.js';
import type { ServiceClient } from '../../service-client.js';
import { mvAtLeast } from '../../microversion.js';

export const MAX_MICROVERSION = '2.64';

/** A server group in one shape whatever the microversion: `policy` and `rules` (2.64), derived from `policies` before. */
export interface ServerGroup {
  id: string;
  name: string;
  policy: string;
  rules: Record<string, number>;
  members: string[];
  project_id?: string;
  user_id?: string;
  metadata?: Record<string, string>;
}

interface WireServerGroup {
  id: string;
  name: string;
  policies?: string[];
  policy?: string;
  rules?: Record<string, number>;
  members?: string[];
  project_id?: string;
  user_id?: string;
  metadata?: Record<string, string>;
}

function normalise(wire: WireServerGroup): ServerGroup {
  const group: ServerGroup = {
    id: wire.id,
    name: wire.name,
    policy: wire.policy ?? wire.policies?.[0] ?? 'anti-affinity',
    rules: wire.rules ?? {},
    members: wire.members ?? [],
  };
  if (wire.project_id) group.project_id = wire.project_id;
  if (wire.user_id) group.user_id = wire.user_id;
  return group;
}

const api = crud<WireServerGroup, Record<string, unknown>, never>({
  path: '/os-server-groups',
  one: 'server_group',
  many: 'server_groups',
  pagination: 'marker',
  microversion: { max: MAX_MICROVERSION },
});

export async function* list(sc: ServiceClient, signal?: AbortSignal): AsyncGenerator<ServerGroup, void, undefined> {
  for await (const wire of api.list(sc, undefined, { pageSize: 1000, ...(signal ? { signal } : {}) }))
    yield normalise(wire);
}

export async function get(sc: ServiceClient, id: string, signal?: AbortSignal): Promise<ServerGroup> {
  return normalise(await api.get(sc, id, signal ? { signal } : {}));
}

/**
 * Creates a group with `policy`/`rules` from 2.64, or `policies: [policy]` before (rules, such as
 * max_server_per_host, cannot be expressed there: the caller is told by an error).
 */
export async function create(
  sc: ServiceClient,
  body: { name: string; policy: string; rules?: Record<string, number> },
  signal?: AbortSignal,
): Promise<ServerGroup> {
  const version = await sc.microversion({ max: MAX_MICROVERSION }, signal);
  const modern = mvAtLeast(version, '2.64');
  const hasRules = body.rules !== undefined && Object.keys(body.rules).length > 0;
  const payload: Record<string, unknown> = modern
    ? { name: body.name, policy: body.policy, ...(hasRules ? { rules: body.rules } : {}) }
    : { name: body.name, policies: [body.policy] };
  if (!modern && hasRules) {
    throw new BasculeError(
      'OS_VERSION_UNSUPPORTED',
      `server group ${body.name}: rules ${JSON.stringify(body.rules)} need compute microversion 2.64; this cloud offers ${version ?? 'none'}`,
    );
  }
  return normalise(await api.create(sc, payload, signal ? { signal } : {}));
}

export async function remove(sc: ServiceClient, id: string, signal?: AbortSignal): Promise<void> {
  await api.remove(sc, id, signal ? { signal } : {});
}
