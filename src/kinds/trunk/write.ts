/**
 * Trunks: made on their (new) parent port with their sub-ports and segmentation, before the server that boots on the
 * parent port (the server descriptor waits for them). Sub-ports are changed in place (remove_subports,
 * add_subports). A target without the extension blocks them in the dry run.
 */
import * as trunks from '../../openstack/network/trunks/requests.js';
import type { SubPort, Trunk, TrunkCreateOpts } from '../../openstack/network/trunks/types.js';
import type { TrunkSpec } from '../../plan/types.js';
import type { KindWriter, ResolvedEntry } from '../kind.js';
import { TRUNK_EXTENSION } from './read.js';
import { createTagged, neutronFind, neutronTagged, refId, refIds, sig, updateNeutron } from '../shared/write.js';

function subPorts(r: ResolvedEntry): SubPort[] {
  const spec = r.entry.spec as TrunkSpec;
  return refIds(r, 'sub_ports').map((port, i) => ({
    port_id: port,
    segmentation_type: spec.sub_ports?.[i]?.segmentation_type ?? 'vlan',
    segmentation_id: spec.sub_ports?.[i]?.segmentation_id ?? 0,
  }));
}

const key = (s: SubPort) => `${s.port_id}/${s.segmentation_type ?? ''}/${String(s.segmentation_id ?? '')}`;

export const trunkWriter: KindWriter<Trunk> = {
  kind: 'trunk',
  check: (ctx) =>
    ctx.extensions.has(TRUNK_EXTENSION)
      ? undefined
      : `the target's Neutron has no ${TRUNK_EXTENSION} extension (the trunk service plugin): it cannot carry sub-ports on a parent port`,
  async find(ctx, r) {
    if (!ctx.extensions.has(TRUNK_EXTENSION)) return [];
    const port = refId(r, 'port');
    return neutronFind(
      ctx,
      r,
      (q) => trunks.list(ctx.cloud.network, q, sig(ctx)),
      port ? { port_id: port } : {},
      (t) => port === undefined || t.port_id === port,
    );
  },
  async create(ctx, r) {
    const spec = r.entry.spec as TrunkSpec;
    const body: TrunkCreateOpts = { port_id: refId(r, 'port')!, name: spec.name };
    if (spec.description) body.description = spec.description;
    if (spec.admin_state_up !== undefined) body.admin_state_up = spec.admin_state_up;
    const subs = subPorts(r);
    if (subs.length > 0) body.sub_ports = subs;
    return createTagged(ctx, r, 'trunks', `trunk ${spec.name || r.entry.key}`, body, (b) =>
      trunks.create(ctx.cloud.network, b, sig(ctx)),
    );
  },
  async update(ctx, current, r, fields) {
    let result = await updateNeutron(
      ctx,
      current,
      r,
      fields,
      'trunks',
      ['name', 'description', 'admin_state_up'],
      (b) => trunks.update(ctx.cloud.network, current.id, b, sig(ctx)),
    );
    if (!fields.includes('sub_ports') && !fields.includes('refs.sub_ports')) return result;
    const want = subPorts(r);
    const have = current.sub_ports ?? [];
    const gone = have.filter((s) => !want.some((w) => key(w) === key(s)));
    const added = want.filter((w) => !have.some((s) => key(s) === key(w)));
    if (gone.length > 0)
      result = {
        ...(await trunks.changeSubports(
          ctx.cloud.network,
          current.id,
          'remove_subports',
          gone.map((s) => ({ port_id: s.port_id })),
          sig(ctx),
        )),
        tags: result.tags ?? [],
      };
    if (added.length > 0)
      result = {
        ...(await trunks.changeSubports(ctx.cloud.network, current.id, 'add_subports', added, sig(ctx))),
        tags: result.tags ?? [],
      };
    return result;
  },
  ...neutronTagged('trunks', 'trunk', {
    get: (ctx, id) => trunks.get(ctx.cloud.network, id, sig(ctx)),
    remove: (ctx, id) => trunks.remove(ctx.cloud.network, id, sig(ctx)),
  }),
};
