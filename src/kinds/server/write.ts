/**
 * Servers: booted on their ports, with the mapped flavor, the image (or boot volume), keypair, AZ, metadata with
 * Bascule's marker (in the create call itself, so an interrupted boot is found by marker), tags and server group;
 * then waited for until ACTIVE (Nova's fault message reported on ERROR), data volumes attached in device order,
 * and the source power state restored. Disk strategy base-image boots from the mapped base image; snapshot (with a
 * source cloud) boots from a copy of the source disk made by src/transfer (see ./workload.ts).
 */
import { isNotFound } from '../../openstack/errors.js';
import * as flavors from '../../openstack/compute/flavors/requests.js';
import * as serverGroups from '../../openstack/compute/server-groups/requests.js';
import * as servers from '../../openstack/compute/servers/requests.js';
import type { Server } from '../../openstack/compute/servers/types.js';
import * as ports from '../../openstack/network/ports/requests.js';
import { collect } from '../../openstack/pagination.js';
import { unwrap } from '../../openstack/resource.js';
import { waitFor, waitOrThrow, WAITER_STATE } from '../../openstack/waiter.js';
import type { ServerSpec } from '../../plan/types.js';
import { BasculeError } from '../../shared/errors.js';
import type { KindWriter, ResolvedEntry, WriteContext } from '../kind.js';
import {
  BOOT_IMAGE_CHECKSUM,
  BOOT_IMAGE_ID,
  BOOT_IMAGE_NAME,
  MARKER_PROPERTY,
  ownedOnly,
  withoutMarker,
} from '../markers.js';
import { nicOrderFromAddresses, powerStateOf, type ServerAttachment, type ServerWire } from './read.js';
import { compact } from '../shared/read.js';
import { incomplete, refId, refIds } from '../shared/write.js';
import { bootsFromDiskCopy } from '../shared/workload.js';
import * as images from '../../openstack/image/images/requests.js';
import { TEMPORARY_PROPERTY } from '../../transfer/workload.js';

export const SERVER_WAIT_MS = 30 * 60_000;
const MV = servers.MAX_MICROVERSION;

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

async function wireOf(ctx: WriteContext, server: Server): Promise<ServerWire> {
  const own = (await collect(ports.list(ctx.cloud.network, { device_id: server.id }, { signal: ctx.signal }))).filter(
    (p) => (p.device_owner ?? '').startsWith('compute:'),
  );
  const ordered = nicOrderFromAddresses(server, own);
  const securityGroups = [...new Set(own.flatMap((p) => p.security_groups ?? []))].sort();
  let flavor = typeof server.flavor.id === 'string' ? server.flavor.id : '';
  if (!flavor) {
    const all = await collect(flavors.list(ctx.cloud.compute, undefined, { signal: ctx.signal }));
    const f = server.flavor;
    flavor =
      all.find((x) => x.name === f.original_name && x.vcpus === f.vcpus && x.ram === f.ram && x.disk === f.disk)?.id ??
      `embedded-flavor:${f.original_name ?? ''}`;
  }
  const attached = server['os-extended-volumes:volumes_attached'] ?? [];
  let devices = new Map<string, string | undefined>();
  if (attached.length > 0) {
    const attachments = await servers.listVolumeAttachments(ctx.cloud.compute, server.id, ctx.signal);
    devices = new Map(attachments.map((a) => [a.volumeId, a.device ?? undefined]));
  }
  const all: ServerAttachment[] = attached.map((a) =>
    compact({ volumeId: a.id, device: devices.get(a.id), deleteOnTermination: a.delete_on_termination }),
  );
  const bootFromVolume = server.image === '' || typeof server.image !== 'object' || !server.image.id;
  const boot = bootFromVolume
    ? (all.find((a) => a.device === '/dev/vda' || a.device === '/dev/sda') ?? all[0])
    : undefined;
  const volumes = all.filter((a) => a !== boot).sort((a, b) => (a.device ?? '').localeCompare(b.device ?? ''));
  const wire: ServerWire = { server, ports: ordered.map((p) => p.id), securityGroups, flavor, volumes };
  if (boot) wire.bootVolume = boot;
  if (Array.isArray(server.server_groups)) {
    if (server.server_groups[0]) wire.serverGroup = server.server_groups[0];
  } else {
    // A listed server never names its group (only GET /servers/{id} from 2.71 does): the group names its members, in
    // one list of the project's groups, which a re-run reads once for all its servers (src/engine/lookups.ts) rather
    // than one GET per server. Export reads them so too.
    for await (const group of serverGroups.list(ctx.cloud.compute, ctx.signal)) {
      if (group.members.includes(server.id)) {
        wire.serverGroup = group.id;
        break;
      }
    }
  }
  return wire;
}

async function getServer(ctx: WriteContext, id: string): Promise<Server> {
  return servers.get(ctx.cloud.compute, id, { signal: ctx.signal, microversion: { max: MV } });
}

/** Attaches the entry's data volumes that are not attached yet, in device order. */
async function attachVolumes(
  ctx: WriteContext,
  serverId: string,
  r: ResolvedEntry,
  have: readonly string[],
): Promise<void> {
  const spec = r.entry.spec as ServerSpec;
  const ids = refIds(r, 'volumes');
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (have.includes(id)) continue;
    await servers.attachVolume(ctx.cloud.compute, serverId, id, spec.volumes?.[i]?.device ?? undefined, ctx.signal);
    await waitOrThrow(`volume ${id} attaching to server ${serverId}`, {
      poll: () =>
        ctx.cloud.blockStorage
          .get<{ volume: { status: string } }>(`/volumes/${encodeURIComponent(id)}`, { signal: ctx.signal })
          .then((d) => d.volume),
      status: (v) => v.status,
      ready: ['in-use'],
      failed: ['error', 'error_attaching', 'available'],
      timeoutMs: SERVER_WAIT_MS,
      intervalMs: 500,
      signal: ctx.signal,
    });
  }
}

async function waitStatus(ctx: WriteContext, id: string, what: string, ready: string[]): Promise<Server> {
  return waitOrThrow(what, {
    poll: () => getServer(ctx, id),
    status: (s) => s.status,
    ready,
    failed: ['ERROR'],
    timeoutMs: SERVER_WAIT_MS,
    intervalMs: 1_000,
    maxIntervalMs: 10_000,
    signal: ctx.signal,
    faultMessage: (s) => s.fault?.message,
  });
}

/** Brings a server to a power state (running, stopped, paused, suspended, shelved). */
async function setPowerState(ctx: WriteContext, server: Server, wanted: ServerSpec['power_state']): Promise<Server> {
  const now = powerStateOf(server);
  if (wanted === undefined || now === wanted) return server;
  const name = `server ${server.name}`;
  const act = (body: Record<string, unknown>) =>
    ctx.cloud.compute.request('POST', `/servers/${encodeURIComponent(server.id)}/action`, {
      json: body,
      okStatus: [202],
      signal: ctx.signal,
    });
  if (now !== 'running') {
    if (now === 'stopped') await servers.start(ctx.cloud.compute, server.id, ctx.signal);
    else if (now === 'paused') await act({ unpause: null });
    else if (now === 'suspended') await act({ resume: null });
    else if (now === 'shelved') await act({ unshelve: null });
    server = await waitStatus(ctx, server.id, name, ['ACTIVE']);
    if (wanted === 'running') return server;
  }
  switch (wanted) {
    case 'stopped':
      await servers.stop(ctx.cloud.compute, server.id, ctx.signal);
      return waitStatus(ctx, server.id, name, ['SHUTOFF']);
    case 'paused':
      await act({ pause: null });
      return waitStatus(ctx, server.id, name, ['PAUSED']);
    case 'suspended':
      await act({ suspend: null });
      return waitStatus(ctx, server.id, name, ['SUSPENDED']);
    case 'shelved':
      await act({ shelve: null });
      return waitStatus(ctx, server.id, name, ['SHELVED', 'SHELVED_OFFLOADED']);
    default:
      return server;
  }
}

/**
 * Whether a target server Bascule created booted from a copy of its source disk (disk strategy snapshot) rather
 * than from the plan's image: it carries the marker, and its image is a temporary disk copy (gone after cleanup,
 * or still marked `bascule_temporary` with --keep-temporary).
 */
async function bootedFromDiskCopy(ctx: WriteContext, server: Server, r: ResolvedEntry): Promise<boolean> {
  const imageId = typeof server.image === 'object' && server.image ? server.image.id : undefined;
  const planned = refId(r, 'image');
  if (!imageId || !planned || imageId === planned || server.metadata?.[MARKER_PROPERTY] !== r.marker) return false;
  try {
    const image = await images.get(ctx.cloud.image, imageId, ctx.signal);
    return image[TEMPORARY_PROPERTY] === r.marker;
  } catch (error) {
    if (isNotFound(error)) return true;
    throw error;
  }
}

/**
 * What the disk of a source server came from, recorded on its copy (BOOT_IMAGE_* metadata): the image the source
 * server was built from (its name and checksum), or, when the source server is itself a copy whose image is gone,
 * what it records; plus the target image the plan's image was matched to. Best effort: what cannot be read is left
 * out (a later export then says the image is unreadable, as before).
 */
async function bootSourceOf(ctx: WriteContext, sourceServerId: string, planned: string | undefined) {
  const out: Record<string, string> = {};
  if (planned) out[BOOT_IMAGE_ID] = planned;
  const source = ctx.source?.cloud;
  if (!source) return out;
  try {
    const server = await servers.get(source.compute, sourceServerId, { signal: ctx.signal });
    const recorded = server.metadata ?? {};
    const imageId = typeof server.image === 'object' && server.image ? server.image.id : undefined;
    let image: Awaited<ReturnType<typeof images.get>> | undefined;
    if (imageId) image = await images.get(source.image, imageId, ctx.signal).catch(() => undefined);
    const usable = image && image.status === 'active' && image[TEMPORARY_PROPERTY] === undefined;
    if (usable && image!.name && image!.checksum) {
      out[BOOT_IMAGE_NAME] = image!.name;
      out[BOOT_IMAGE_CHECKSUM] = image!.checksum;
    } else if (recorded[BOOT_IMAGE_NAME] && recorded[BOOT_IMAGE_CHECKSUM]) {
      out[BOOT_IMAGE_NAME] = recorded[BOOT_IMAGE_NAME];
      out[BOOT_IMAGE_CHECKSUM] = recorded[BOOT_IMAGE_CHECKSUM];
    }
  } catch (error) {
    if (ctx.signal.aborted) throw error;
    ctx.logger.warn('the boot image of the source server cannot be read; its copy does not record it', {
      server: sourceServerId,
    });
  }
  return out;
}

/** The server as the plan describes it: booted (through a copy of its disk) from the plan's image. */
function asBootedFromPlanImage(server: Server, r: ResolvedEntry): Server {
  return { ...server, image: { id: refId(r, 'image')! } };
}

export const serverWriter: KindWriter<ServerWire> = {
  kind: 'server',
  async find(ctx, r) {
    const name = (r.entry.spec as ServerSpec).name;
    const named = await collect(
      servers.list(
        ctx.cloud.compute,
        { name: `^${escapeRegex(name)}$` },
        { signal: ctx.signal, microversion: { max: MV } },
      ),
    );
    const live = named.filter((s) => s.status !== 'DELETED' && s.status !== 'SOFT_DELETED');
    const marked = live.filter((s) => s.metadata?.[MARKER_PROPERTY] === r.marker);
    const chosen = marked.length > 0 ? marked : live.filter((s) => s.name === name);
    return Promise.all(
      chosen.map(async (s) => {
        const wire = await wireOf(ctx, s);
        if (await bootedFromDiskCopy(ctx, s, r)) wire.server = asBootedFromPlanImage(wire.server, r);
        return wire;
      }),
    );
  },
  check(ctx, r) {
    // A server that boots from a copy of its source disk needs no image of the plan (its own may be gone).
    const copied = ctx.workload !== undefined && bootsFromDiskCopy(ctx.workload, r.entry);
    if (!refId(r, 'image') && !refId(r, 'boot_volume') && !copied)
      return 'the server has neither an image nor a boot volume to boot from';
    const spec = r.entry.spec as ServerSpec;
    if (!ctx.workload && spec.disk_strategy === 'snapshot' && !refId(r, 'boot_volume')) {
      return "the plan moves this server's disk by snapshot, which needs the source cloud: give --from, or rebuild it from its image with --server-disk base-image";
    }
    return undefined;
  },
  async create(ctx, r) {
    const spec = r.entry.spec as ServerSpec;
    const body: Record<string, unknown> = {
      name: spec.name,
      flavorRef: refId(r, 'flavor'),
      metadata: { ...withoutMarker(spec.metadata), [MARKER_PROPERTY]: r.marker },
    };
    const bootVolume = refId(r, 'boot_volume');
    let image = refId(r, 'image');
    if (ctx.workload && bootsFromDiskCopy(ctx.workload, r.entry)) {
      // Disk strategy snapshot: the source disk, copied (stopped first with --consistency stop), boots the server.
      const disk = await ctx.workload.mover.serverDisk({
        serverId: r.entry.source!.id,
        serverName: spec.name,
        marker: r.marker,
        signal: ctx.signal,
      });
      if (disk.crashConsistent)
        ctx.logger.warn('server disk copied live: the copy is crash-consistent', { server: spec.name });
      image = disk.targetImageId;
      Object.assign(
        body.metadata as Record<string, string>,
        await bootSourceOf(ctx, r.entry.source!.id, refId(r, 'image')),
      );
    } else if (ctx.workload && r.entry.source?.id) {
      // Its volumes are copied (they come first in the graph): the source may run again (--restart-source).
      await ctx.workload.mover.release(r.entry.source.id, ctx.signal);
    }
    if (bootVolume) {
      body.block_device_mapping_v2 = [
        {
          boot_index: 0,
          uuid: bootVolume,
          source_type: 'volume',
          destination_type: 'volume',
          delete_on_termination: spec.boot_volume_delete_on_termination ?? false,
        },
      ];
    } else if (image) {
      body.imageRef = image;
    }
    const nics = refIds(r, 'ports');
    body.networks = nics.length > 0 ? nics.map((port) => ({ port })) : 'none';
    const keypair = refId(r, 'keypair');
    if (keypair) body.key_name = keypair;
    if (spec.availability_zone) body.availability_zone = spec.availability_zone;
    if (spec.user_data) body.user_data = spec.user_data;
    if (spec.config_drive) body.config_drive = true;
    if (spec.description) body.description = spec.description;
    const version = await ctx.cloud.compute.microversion({ max: MV }, ctx.signal);
    const tagsOk = version !== undefined && compareVersion(version, '2.52') >= 0;
    if (tagsOk) body.tags = [...(spec.tags ?? []), r.marker];
    const group = refId(r, 'server_group');
    const json: Record<string, unknown> = { server: body };
    if (group) json['os:scheduler_hints'] = { group };
    const min = body.networks === 'none' ? '2.37' : spec.description ? '2.19' : undefined;
    const response = await ctx.cloud.compute.request<{ server: Server & { adminPass?: string } }>('POST', '/servers', {
      json,
      microversion: { max: MV, ...(tagsOk ? { min: '2.52' } : min ? { min } : {}) },
      okStatus: [202],
      signal: ctx.signal,
    });
    const created = unwrap<Server & { adminPass?: string }>(response.data, 'server');
    delete created.adminPass;
    return {
      server: { ...created, name: spec.name, metadata: body.metadata as Record<string, string> } as Server,
      ports: nics,
      securityGroups: [],
      flavor: String(body.flavorRef),
      volumes: [],
    };
  },
  async waitUntilReady(ctx, created, r) {
    const id = created.server.id;
    let server = await waitStatus(ctx, id, `server ${created.server.name}`, ['ACTIVE']);
    if (r) {
      const spec = r.entry.spec as ServerSpec;
      try {
        await attachVolumes(ctx, id, r, []);
        const version = await ctx.cloud.compute.microversion({ max: MV }, ctx.signal);
        if (
          (spec.tags?.length ?? 0) > 0 &&
          version !== undefined &&
          compareVersion(version, '2.52') < 0 &&
          compareVersion(version, '2.26') >= 0
        ) {
          await servers.replaceTags(ctx.cloud.compute, id, spec.tags!, ctx.signal);
        }
        server = await setPowerState(ctx, server, spec.power_state);
      } catch (error) {
        throw incomplete(`server ${spec.name} ${id} is ACTIVE but not completed`, error);
      }
    }
    return wireOf(ctx, server);
  },
  async update(ctx, current, r, fields) {
    const spec = r.entry.spec as ServerSpec;
    const id = current.server.id;
    const body: Record<string, unknown> = {};
    if (fields.includes('name')) body.name = spec.name;
    if (fields.includes('description')) body.description = spec.description ?? null;
    if (Object.keys(body).length > 0)
      await ctx.cloud.compute.request('PUT', `/servers/${encodeURIComponent(id)}`, {
        json: { server: body },
        microversion: { max: MV, ...(body.description !== undefined ? { min: '2.19' } : {}) },
        signal: ctx.signal,
      });
    if (fields.includes('metadata')) {
      // What Bascule owns (its marker, a copied disk's boot source) stays as it is.
      const keep: Record<string, string> =
        current.server.metadata?.[MARKER_PROPERTY] === r.marker ? ownedOnly(current.server.metadata) : {};
      await servers.setMetadata(ctx.cloud.compute, id, { ...withoutMarker(spec.metadata), ...keep }, ctx.signal);
    }
    if (fields.includes('tags')) {
      const keep = (current.server.tags ?? []).filter((t) => t === r.marker);
      await servers.replaceTags(ctx.cloud.compute, id, [...new Set([...(spec.tags ?? []), ...keep])], ctx.signal);
    }
    if (fields.includes('refs.volumes'))
      await attachVolumes(
        ctx,
        id,
        r,
        current.volumes.map((v) => v.volumeId),
      );
    let server = await getServer(ctx, id);
    if (fields.includes('power_state')) server = await setPowerState(ctx, server, spec.power_state);
    return wireOf(ctx, server);
  },
  async get(ctx, id) {
    try {
      return await wireOf(ctx, await getServer(ctx, id));
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  },
  hasMarker: (wire, marker) =>
    wire.server.metadata?.[MARKER_PROPERTY] === marker || (wire.server.tags ?? []).includes(marker),
  async remove(ctx, id) {
    try {
      await servers.remove(ctx.cloud.compute, id, { signal: ctx.signal });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    // Wait until it is gone: its ports and volumes can be deleted only then.
    const outcome = await waitFor({
      poll: async () => {
        try {
          return (await getServer(ctx, id)).status;
        } catch (error) {
          if (isNotFound(error)) return 'GONE';
          throw error;
        }
      },
      status: (s) => s,
      ready: ['GONE', 'DELETED'],
      failed: ['ERROR'],
      timeoutMs: SERVER_WAIT_MS,
      intervalMs: 500,
      signal: ctx.signal,
    });
    if (outcome.state !== WAITER_STATE.SUCCESS)
      throw new BasculeError(
        'OS_DELETE_FAILED',
        `server ${id} was not deleted (${outcome.lastStatus ?? outcome.state})`,
      );
  },
  idOf: (wire) => wire.server.id,
};

function compareVersion(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number);
  const [bm, bn] = b.split('.').map(Number);
  return (am ?? 0) - (bm ?? 0) || (an ?? 0) - (bn ?? 0);
}
