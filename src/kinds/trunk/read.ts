/**
 * Trunks of the project (GET /v2.0/trunks?project_id=), where the cloud has `trunk`: the parent port, and each
 * sub-port with its segmentation (sorted by segmentation ID, so two clouds list them alike).
 */
import * as trunks from '../../openstack/network/trunks/requests.js';
import type { Trunk } from '../../openstack/network/trunks/types.js';
import { collect } from '../../openstack/pagination.js';
import { markerIn } from '../markers.js';
import type { DraftEntry, KindReader } from '../kind.js';
import { PAGE_SIZE, compact, ownedByProject, ownerQuery, tagsOf, text } from '../shared/read.js';

/** The Neutron extension of trunks. */
export const TRUNK_EXTENSION = 'trunk';

export const trunkReader: KindReader<Trunk> = {
  kind: 'trunk',
  async list(ctx) {
    if (!ctx.extensions.has(TRUNK_EXTENSION)) return [];
    return (
      await collect(trunks.list(ctx.cloud.network, ownerQuery(ctx), { pageSize: PAGE_SIZE, signal: ctx.signal }))
    ).filter((t) => ownedByProject(ctx, t));
  },
  identify: (trunk) => ({ id: trunk.id, name: trunk.name ?? '' }),
  toEntry(trunk): DraftEntry {
    const subs = [...(trunk.sub_ports ?? [])].sort(
      (a, b) => (a.segmentation_id ?? 0) - (b.segmentation_id ?? 0) || a.port_id.localeCompare(b.port_id),
    );
    return {
      spec: compact({
        name: trunk.name ?? '',
        description: text(trunk.description),
        admin_state_up: trunk.admin_state_up,
        sub_ports:
          subs.length > 0
            ? subs.map((s) => ({
                segmentation_type: s.segmentation_type ?? 'vlan',
                segmentation_id: s.segmentation_id ?? 0,
              }))
            : undefined,
        tags: tagsOf(trunk.tags),
      }),
      refs: compact({ port: trunk.port_id, sub_ports: subs.length > 0 ? subs.map((s) => s.port_id) : undefined }),
      source: compact({
        id: trunk.id,
        status: trunk.status,
        created_at: trunk.created_at,
        updated_at: trunk.updated_at,
        project_id: trunk.project_id ?? trunk.tenant_id,
        marker: markerIn(trunk.tags),
      }),
    };
  },
};
