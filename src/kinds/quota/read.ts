/**
 * The project's quotas, where the user may read them: compute (GET /os-quota-sets/{project}), network
 * (GET /v2.0/quotas/{project}) and block storage (GET /os-quota-sets/{project}). Each part is read on its own; a
 * part the user may not read is a warning, not a failure (members often cannot read network quotas on old clouds).
 */
import * as blockQuotas from '../../openstack/block-storage/quotas/requests.js';
import * as computeQuotas from '../../openstack/compute/quotas/requests.js';
import * as networkQuotas from '../../openstack/network/quotas/requests.js';
import type { QuotaSpec } from '../../plan/types.js';
import { isAbortError } from '../shared/abort.js';
import type { DraftEntry, KindReader, ReadContext } from '../kind.js';
import { errorText } from '../shared/read.js';

export interface QuotaWire {
  projectId: string;
  compute?: Record<string, unknown>;
  network?: Record<string, unknown>;
  block_storage?: Record<string, unknown>;
}

const FIELDS = {
  compute: ['instances', 'cores', 'ram', 'key_pairs', 'server_groups', 'server_group_members', 'metadata_items'],
  network: ['network', 'subnet', 'port', 'router', 'floatingip', 'security_group', 'security_group_rule'],
  block_storage: ['volumes', 'gigabytes', 'snapshots', 'backups', 'backup_gigabytes', 'per_volume_gigabytes'],
} as const;

function pick(
  values: Record<string, unknown> | undefined,
  fields: readonly string[],
): Record<string, number> | undefined {
  if (!values) return undefined;
  const out: Record<string, number> = {};
  for (const field of fields) {
    let value = values[field];
    if (typeof value === 'object' && value !== null && 'limit' in value) value = (value as { limit: unknown }).limit;
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= -1) out[field] = value;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

async function part(
  ctx: ReadContext,
  name: string,
  read: () => Promise<Record<string, unknown>>,
): Promise<Record<string, unknown> | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isAbortError(error, ctx)) throw error;
    ctx.warn({
      kind: 'quota',
      resource: name,
      code: 'QUOTA_UNREADABLE',
      message: `the ${name} quotas cannot be read (${errorText(error)}); they are not exported`,
    });
    return undefined;
  }
}

export const quotaReader: KindReader<QuotaWire> = {
  kind: 'quota',
  async list(ctx) {
    const [compute, network, blockStorage] = await Promise.all([
      part(ctx, 'compute', () => computeQuotas.get(ctx.cloud.compute, ctx.projectId, ctx.signal)),
      part(ctx, 'network', () => networkQuotas.get(ctx.cloud.network, ctx.projectId, ctx.signal)),
      part(ctx, 'block storage', () => blockQuotas.get(ctx.cloud.blockStorage, ctx.projectId, false, ctx.signal)),
    ]);
    const wire: QuotaWire = { projectId: ctx.projectId };
    if (compute) wire.compute = compute;
    if (network) wire.network = network;
    if (blockStorage) wire.block_storage = blockStorage;
    return compute || network || blockStorage ? [wire] : [];
  },
  /** One quota entry per plan, named `project` so that its key is the same on every cloud. */
  identify: (wire) => ({ id: wire.projectId, name: 'project' }),
  toEntry(wire): DraftEntry {
    const spec: QuotaSpec = {};
    const compute = pick(wire.compute, FIELDS.compute);
    const network = pick(wire.network, FIELDS.network);
    const blockStorage = pick(wire.block_storage, FIELDS.block_storage);
    if (compute) spec.compute = compute;
    if (network) spec.network = network;
    if (blockStorage) spec.block_storage = blockStorage;
    return { spec: { ...spec }, refs: {}, source: { id: wire.projectId } };
  },
};
