/** Subnet pools: always external references (usually shared by the operator); described by name, IP version and prefixes. */
import type { DraftEntry, KindReader } from '../kind.js';
import { compact, errorText } from '../shared/read.js';

export interface SubnetPool {
  id: string;
  name: string;
  ip_version?: 4 | 6;
  prefixes?: string[];
  shared?: boolean;
  project_id?: string;
}

function describe(pool: SubnetPool): Record<string, unknown> {
  return compact({
    name: pool.name,
    ip_version: pool.ip_version === 4 || pool.ip_version === 6 ? pool.ip_version : undefined,
    prefixes: pool.prefixes && pool.prefixes.length > 0 ? [...pool.prefixes].sort() : undefined,
  });
}

export const subnetPoolReader: KindReader<SubnetPool> = {
  kind: 'subnet_pool',
  async list() {
    return [];
  },
  identify: (pool) => ({ id: pool.id, name: pool.name }),
  toEntry(pool): DraftEntry {
    return { spec: describe(pool), refs: {}, source: { id: pool.id } };
  },
  /** GET /v2.0/subnetpools/{id} (the client has no subnet-pool module; this is its only use). */
  async describeExternal(id, ctx) {
    try {
      const data = await ctx.cloud.network.get<{ subnetpool: SubnetPool }>(`/subnetpools/${encodeURIComponent(id)}`, {
        signal: ctx.signal,
      });
      return { spec: describe(data.subnetpool), source: compact({ id, project_id: data.subnetpool.project_id }) };
    } catch (error) {
      ctx.warn({
        kind: 'subnet_pool',
        resource: id,
        code: 'SUBNET_POOL_UNREADABLE',
        message: `subnet pool ${id} cannot be read (${errorText(error)})`,
      });
      return undefined;
    }
  },
};
