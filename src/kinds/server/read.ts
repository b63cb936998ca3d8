/**
 * Servers of the project (GET /servers/detail, paginated) with everything a replay needs, read from lists other
 * readers share: ports (NIC order), volumes (attachment devices), security groups (by name), server groups
 * (membership before compute 2.71) and flavors (Pike gives only the flavor id).
 *
 * Per-server requests, only where the API forces them (docs/export.md):
 *   - GET /servers/{id}/os-interface, for a server with NICs on more than one network on a cloud older than
 *     compute 2.80 (Ussuri): there Nova may run on Python 2, whose `addresses` map does not keep the NIC order
 *     across networks. Within one network, and on newer clouds, `addresses` gives the NIC order.
 */
import * as servers from '../../openstack/compute/servers/requests.js';
import type { Server } from '../../openstack/compute/servers/types.js';
import type { Volume } from '../../openstack/block-storage/volumes/types.js';
import type { Port } from '../../openstack/network/ports/types.js';
import { compareMicroversions } from '../../openstack/microversion.js';
import { collect } from '../../openstack/pagination.js';
import type { PowerState, ServerVolumeAttachment } from '../../plan/types.js';
import * as images from '../../openstack/image/images/requests.js';
import type { Image } from '../../openstack/image/images/types.js';
import { isNotFound } from '../../openstack/errors.js';
import type { ImageSpec } from '../../plan/types.js';
import { BOOT_IMAGE_CHECKSUM, BOOT_IMAGE_ID, BOOT_IMAGE_NAME, markerIn } from '../markers.js';
import type { DraftEntry, KindReader, ReadContext } from '../kind.js';
import { isAbortError } from '../shared/abort.js';
import { EMBEDDED_FLAVOR_PREFIX, describeEmbeddedFlavor, embeddedFlavors } from '../flavor/read.js';
import type { EmbeddedFlavor } from '../flavor/read.js';
import {
  PAGE_SIZE,
  byCreation,
  compact,
  compareDevices,
  errorText,
  listFlavors,
  listProjectPorts,
  listProjectSecurityGroups,
  listProjectVolumes,
  listServerGroups,
  metadataOf,
  runMap,
  tagsOf,
  text,
  truthy,
} from '../shared/read.js';

export interface ServerAttachment {
  volumeId: string;
  device?: string;
  deleteOnTermination?: boolean;
}

/** A server with what its entry needs from the other lists, resolved to cloud IDs. */
export interface ServerWire {
  server: Server;
  /** Port IDs in NIC order. */
  ports: string[];
  securityGroups: string[];
  /** The flavor id, or `embedded-flavor:<name>` for an embedded flavor that no listed flavor matches. */
  flavor: string;
  bootVolume?: ServerAttachment;
  /** Data volumes in device order. */
  volumes: ServerAttachment[];
  serverGroup?: string;
  /**
   * The image the server's disk came from, when Bascule booted it from a copy of its source disk through a
   * temporary image (now gone): found from the boot source its metadata records. Export refers to it instead.
   */
  bootImage?: string;
}

/** Temporary images carry this property (src/transfer/workload.ts: TEMPORARY_PROPERTY). */
const TEMPORARY_PROPERTY = 'bascule_temporary';

/**
 * Boot sources recorded on servers whose image could not be found on this cloud, by the (gone) image id the server
 * names: the image reader describes such an id from it (name and checksum), so the plan says what the disk came from.
 */
export function recordedBootSources(ctx: ReadContext): Map<string, ImageSpec> {
  return runMap<ImageSpec>(ctx, 'recorded-boot-sources');
}

/**
 * For a server Bascule booted from a copy of its disk (BOOT_IMAGE_* in its metadata): the image it came from on this
 * cloud. Its own image, if that is still there and is not a temporary copy (the server was rebuilt since); else an
 * image with the recorded name and checksum (the project's own first); else the image the plan's image was matched
 * to when it was moved. Undefined when none is left: the recorded name and checksum then describe the image.
 */
async function resolveBootImage(ctx: ReadContext, server: Server): Promise<string | undefined> {
  const metadata = server.metadata ?? {};
  const name = metadata[BOOT_IMAGE_NAME];
  const checksum = metadata[BOOT_IMAGE_CHECKSUM];
  const own = imageIdOf(server);
  if (!own || (!checksum && !metadata[BOOT_IMAGE_ID])) return undefined;
  const readable = async (id: string): Promise<Image | undefined> => {
    try {
      return await images.get(ctx.cloud.image, id, ctx.signal);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  const current = await readable(own);
  if (current && current[TEMPORARY_PROPERTY] === undefined) return undefined;
  if (name && checksum) {
    const named = await collect(images.list(ctx.cloud.image, { name }, ctx.signal));
    const same = named.filter((i) => i.status === 'active' && i.checksum === checksum && !i[TEMPORARY_PROPERTY]);
    const chosen = same.find((i) => i.owner === ctx.projectId) ?? same[0];
    if (chosen) return chosen.id;
  }
  const matched = metadata[BOOT_IMAGE_ID];
  if (matched && matched !== own) {
    const image = await readable(matched);
    if (image && image.status === 'active') return image.id;
  }
  if (name && checksum) recordedBootSources(ctx).set(own, { name, checksum });
  return undefined;
}

/** From 2.80 (Ussuri, Python 3 only) Nova's `addresses` keeps the NIC order across networks. */
const ORDERED_ADDRESSES_FROM = '2.80';
const ROOT_DEVICES = ['/dev/vda', '/dev/sda', '/dev/xvda', '/dev/hda'];

/** The image a server booted from; undefined for a boot from volume (Nova gives `""`, some clouds null or `{}`). */
export function imageIdOf(server: Server): string | undefined {
  const image = server.image as unknown;
  if (typeof image !== 'object' || image === null) return undefined;
  const id = (image as { id?: unknown }).id;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** NIC order from `addresses`: networks in the order given, addresses in order, one port per MAC. */
export function nicOrderFromAddresses(server: Server, ports: readonly Port[]): Port[] {
  const byMac = new Map(ports.map((p) => [p.mac_address?.toLowerCase(), p]));
  const ordered: Port[] = [];
  const seen = new Set<string>();
  for (const entries of Object.values(server.addresses ?? {})) {
    for (const entry of entries) {
      const port = byMac.get(entry['OS-EXT-IPS-MAC:mac_addr']?.toLowerCase());
      if (port && !seen.has(port.id)) {
        seen.add(port.id);
        ordered.push(port);
      }
    }
  }
  // Ports without an address (or a MAC Nova does not show) come last, oldest first.
  ordered.push(...ports.filter((p) => !seen.has(p.id)).sort(byCreation));
  return ordered;
}

/** The boot volume of a server booted from a volume: the root device, else the first disk device, else the bootable one. */
export function pickBootVolume(
  attachments: readonly ServerAttachment[],
  rootDevice: string | undefined,
  volumes: ReadonlyMap<string, Volume>,
): ServerAttachment | undefined {
  if (attachments.length === 0) return undefined;
  const byDevice = (device: string) => attachments.find((a) => a.device === device);
  if (rootDevice) {
    const root = byDevice(rootDevice);
    if (root) return root;
  }
  for (const device of ROOT_DEVICES) {
    const root = byDevice(device);
    if (root) return root;
  }
  const sorted = [...attachments].sort((a, b) => compareDevices(a.device, b.device));
  return sorted.find((a) => truthy(volumes.get(a.volumeId)?.bootable)) ?? sorted[0];
}

export function powerStateOf(server: Server): PowerState | undefined {
  switch (server['OS-EXT-STS:vm_state']) {
    case 'active':
      return 'running';
    case 'stopped':
      return 'stopped';
    case 'paused':
      return 'paused';
    case 'suspended':
      return 'suspended';
    case 'shelved':
    case 'shelved_offloaded':
      return 'shelved';
    default:
      break;
  }
  switch (server['OS-EXT-STS:power_state']) {
    case 1:
      return 'running';
    case 3:
      return 'paused';
    case 4:
      return 'stopped';
    case 7:
      return 'suspended';
    default:
      return undefined;
  }
}

async function optional<T>(ctx: ReadContext, what: string, load: () => Promise<T>, fallback: T): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (isAbortError(error, ctx)) throw error;
    ctx.warn({
      kind: 'server',
      code: 'SERVER_CONTEXT_UNREADABLE',
      message: `${what} cannot be read (${errorText(error)}); servers are exported without it`,
    });
    return fallback;
  }
}

function flavorRef(
  ctx: ReadContext,
  server: Server,
  listed: readonly { id: string; name: string; vcpus: number; ram: number; disk: number }[],
): string {
  const flavor = (server.flavor ?? {}) as EmbeddedFlavor & { id?: string };
  if (typeof flavor.id === 'string' && flavor.id !== '') return flavor.id;
  const name = flavor.original_name ?? '';
  const match = listed.find(
    (f) => f.name === name && f.vcpus === flavor.vcpus && f.ram === flavor.ram && f.disk === flavor.disk,
  );
  const ref = match?.id ?? `${EMBEDDED_FLAVOR_PREFIX}${name}`;
  const known = embeddedFlavors(ctx);
  if (!known.has(ref)) known.set(ref, describeEmbeddedFlavor(flavor));
  return ref;
}

export const serverReader: KindReader<ServerWire> = {
  kind: 'server',
  async list(ctx) {
    const list = await collect(servers.list(ctx.cloud.compute, undefined, { pageSize: PAGE_SIZE, signal: ctx.signal }));
    if (list.length === 0) return [];
    const needsGroups = list.some((s) => !Array.isArray(s.server_groups));
    const needsFlavors = list.some((s) => typeof s.flavor?.id !== 'string');
    const [ports, volumes, groups, serverGroups, flavors, resolved] = await Promise.all([
      listProjectPorts(ctx),
      optional(ctx, 'the volume list', () => listProjectVolumes(ctx), [] as Volume[]),
      optional(ctx, 'the security group list', () => listProjectSecurityGroups(ctx), []),
      needsGroups ? optional(ctx, 'the server group list', () => listServerGroups(ctx), []) : Promise.resolve([]),
      needsFlavors ? optional(ctx, 'the flavor list', () => listFlavors(ctx), []) : Promise.resolve([]),
      ctx.cloud.compute.resolve(ctx.signal),
    ]);
    const orderedAddresses =
      resolved.versions !== undefined && compareMicroversions(resolved.versions.max, ORDERED_ADDRESSES_FROM) >= 0;
    const portsByServer = new Map<string, Port[]>();
    for (const port of ports) {
      if (!port.device_id || !(port.device_owner ?? '').startsWith('compute:')) continue;
      const bucket = portsByServer.get(port.device_id) ?? [];
      bucket.push(port);
      portsByServer.set(port.device_id, bucket);
    }
    const volumesById = new Map(volumes.map((v) => [v.id, v]));
    const groupsByName = new Map<string, string[]>();
    for (const group of groups)
      groupsByName.set(group.name ?? '', [...(groupsByName.get(group.name ?? '') ?? []), group.id]);
    const groupOfServer = new Map<string, string>();
    for (const group of serverGroups) for (const member of group.members) groupOfServer.set(member, group.id);

    const enrich = async (server: Server): Promise<ServerWire> => {
      const own = portsByServer.get(server.id) ?? [];
      let ordered = nicOrderFromAddresses(server, own);
      const networks = new Set(own.map((p) => p.network_id));
      if (networks.size > 1 && !orderedAddresses) {
        try {
          const interfaces = await servers.listInterfaces(ctx.cloud.compute, server.id, ctx.signal);
          const byId = new Map(own.map((p) => [p.id, p]));
          const fromNova = interfaces.map((i) => byId.get(i.port_id)).filter((p): p is Port => p !== undefined);
          ordered = [...fromNova, ...ordered.filter((p) => !fromNova.includes(p))];
        } catch (error) {
          if (isAbortError(error, ctx)) throw error;
          ctx.warn({
            kind: 'server',
            resource: server.name,
            code: 'SERVER_NIC_ORDER_UNKNOWN',
            message: `the NIC order of server ${server.name} cannot be read (${errorText(error)}); ports are exported in address order`,
          });
        }
      }
      const portGroups = new Set(own.flatMap((p) => p.security_groups ?? []));
      const securityGroups = new Set<string>();
      for (const name of new Set((server.security_groups ?? []).map((g) => g.name))) {
        const candidates = groupsByName.get(name) ?? [];
        const onPorts = candidates.filter((id) => portGroups.has(id));
        const chosen = candidates.length === 1 ? candidates : onPorts;
        if (chosen.length === 0) {
          ctx.warn({
            kind: 'server',
            resource: server.name,
            code: 'SERVER_SECURITY_GROUP_UNRESOLVED',
            message: `security group "${name}" of server ${server.name} is not one of the project's groups${candidates.length > 1 ? ' (several have that name)' : ''}; it is left out`,
          });
        }
        for (const id of chosen) securityGroups.add(id);
      }
      const attached = (server['os-extended-volumes:volumes_attached'] ?? []).map((a): ServerAttachment => {
        const device = volumesById.get(a.id)?.attachments?.find((x) => x.server_id === server.id)?.device;
        return compact({ volumeId: a.id, device: text(device), deleteOnTermination: a.delete_on_termination });
      });
      const bootFromVolume = imageIdOf(server) === undefined;
      const rootDevice = text(server['OS-EXT-SRV-ATTR:root_device_name']);
      const bootVolume = bootFromVolume ? pickBootVolume(attached, rootDevice, volumesById) : undefined;
      const dataVolumes = attached
        .filter((a) => a !== bootVolume)
        .sort((a, b) => compareDevices(a.device, b.device) || (a.volumeId < b.volumeId ? -1 : 1));
      const serverGroup = Array.isArray(server.server_groups) ? server.server_groups[0] : groupOfServer.get(server.id);
      const wire: ServerWire = {
        server,
        ports: ordered.map((p) => p.id),
        securityGroups: [...securityGroups].sort(),
        flavor: flavorRef(ctx, server, flavors),
        volumes: dataVolumes,
      };
      if (bootVolume) wire.bootVolume = bootVolume;
      if (serverGroup) wire.serverGroup = serverGroup;
      const bootImage = await resolveBootImage(ctx, server);
      if (bootImage) wire.bootImage = bootImage;
      return wire;
    };
    // One server that cannot be read is a warning; the others are exported.
    const wires = await Promise.all(
      list.map((server) =>
        enrich(server).catch((error: unknown) => {
          if (isAbortError(error, ctx)) throw error;
          ctx.warn({
            kind: 'server',
            resource: server.name || server.id,
            code: 'RESOURCE_UNREADABLE',
            message: `server ${server.name || server.id} cannot be read (${errorText(error)}); it is not exported`,
          });
          return undefined;
        }),
      ),
    );
    return wires.filter((w): w is ServerWire => w !== undefined);
  },
  identify: ({ server }) => ({ id: server.id, name: server.name }),
  toEntry(wire, ctx): DraftEntry {
    const { server } = wire;
    const power = powerStateOf(server);
    if (power === undefined) {
      ctx.warn({
        kind: 'server',
        resource: server.name,
        code: 'SERVER_POWER_STATE_UNKNOWN',
        message: `server ${server.name} is ${server.status}; its power state is not exported`,
      });
    }
    let userData: string | undefined;
    if (ctx.options.includeUserData) {
      if (Object.hasOwn(server, 'OS-EXT-SRV-ATTR:user_data')) userData = text(server['OS-EXT-SRV-ATTR:user_data']);
      else
        ctx.warn({
          kind: 'server',
          resource: server.name,
          code: 'SERVER_USER_DATA_UNREADABLE',
          message: `the user_data of server ${server.name} is not readable with these rights (admin only); it is not exported`,
        });
    } else
      // One warning per export (the exporter keeps one of equal warnings).
      ctx.warn({
        kind: 'server',
        code: 'USER_DATA_NOT_EXPORTED',
        message:
          'user_data is not exported (it often holds secrets); add --include-user-data to export it (reading it needs admin rights)',
      });
    const volumes: ServerVolumeAttachment[] = wire.volumes.map((a) =>
      compact({
        device: a.device && /^\/dev\/[a-z0-9]+$/.test(a.device) ? a.device : undefined,
        delete_on_termination: a.deleteOnTermination,
      }),
    );
    const image = wire.bootImage ?? imageIdOf(server);
    return {
      spec: compact({
        name: server.name,
        description: text(server.description),
        availability_zone: text(server['OS-EXT-AZ:availability_zone']),
        metadata: metadataOf(server.metadata),
        tags: tagsOf(server.tags),
        config_drive: truthy(server.config_drive) ? true : undefined,
        power_state: power,
        user_data: userData,
        volumes: volumes.length > 0 ? volumes : undefined,
        boot_volume_delete_on_termination: wire.bootVolume?.deleteOnTermination,
      }),
      refs: compact({
        flavor: wire.flavor,
        image,
        boot_volume: wire.bootVolume?.volumeId,
        ports: wire.ports.length > 0 ? wire.ports : undefined,
        security_groups: wire.securityGroups.length > 0 ? wire.securityGroups : undefined,
        keypair: text(server.key_name ?? undefined),
        server_group: wire.serverGroup,
        volumes: wire.volumes.length > 0 ? wire.volumes.map((a) => a.volumeId) : undefined,
      }),
      source: compact({
        id: server.id,
        status: server.status,
        created_at: server.created,
        updated_at: server.updated,
        project_id: server.tenant_id,
        vm_state: server['OS-EXT-STS:vm_state'],
        marker: markerIn(server.tags, server.metadata),
      }),
      ...(userData !== undefined ? { sensitive: ['user_data'] } : {}),
    };
  },
};
