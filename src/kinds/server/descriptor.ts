/** The server kind: what the generic layers know about it (see src/kinds/descriptor.ts). */
import { defineKind, firstId } from '../descriptor.js';
import { KIND_EXTERNAL, KIND_REFS } from '../../plan/kinds.js';

export const serverDescriptor = defineKind({
  kind: 'server',
  service: 'compute',
  refs: KIND_REFS.server,
  external: KIND_EXTERNAL.server,
  lossy: [],
  sensitive: ['user_data'],
  temporaryImageRef: 'image',
  notState: ['disk_strategy'],
  // A trunk on one of its ports is made before it boots (Neutron binds the trunk's parent and sub-ports then).
  extraDeps: (entry, plan) => {
    const ports = Array.isArray(entry.refs?.ports) ? (entry.refs.ports as unknown[]) : [];
    return plan.filter((other) => other.kind === 'trunk' && ports.includes(other.refs?.port)).map((other) => other.key);
  },
  // Its NICs (eth<N>, in NIC order) and disks (boot, then the device name: vdb) are named after it.
  keys: {
    places: (record) => {
      const places: { id: string; slot: string }[] = [];
      const ports = record.refs.ports;
      if (Array.isArray(ports)) ports.forEach((id, index) => places.push({ id, slot: `eth${index}` }));
      const boot = firstId(record.refs.boot_volume);
      if (boot !== undefined) places.push({ id: boot, slot: 'boot' });
      const volumes = record.refs.volumes;
      const devices = Array.isArray(record.spec.volumes) ? (record.spec.volumes as { device?: string }[]) : [];
      if (Array.isArray(volumes))
        volumes.forEach((id, index) =>
          places.push({ id, slot: devices[index]?.device?.replace(/^\/dev\//, '') ?? `disk${index + 1}` }),
        );
      return places;
    },
  },
  quota: {
    service: 'compute',
    // Its flavor's vCPUs and RAM: the target flavor the dry run found, else the plan's description of the flavor.
    uses: async (entry, ctx) => {
      const flavorKey = (entry.refs as { flavor?: unknown } | undefined)?.flavor;
      const flavorId = typeof flavorKey === 'string' ? ctx.targetId(flavorKey) : undefined;
      const flavors = flavorId ? await ctx.catalog.flavors().catch(() => []) : undefined;
      const flavor =
        flavors?.find((f) => f.id === flavorId) ??
        (ctx.entry(String(flavorKey))?.spec as { vcpus?: number; ram?: number } | undefined);
      return { instances: 1, cores: flavor?.vcpus ?? 0, ram: flavor?.ram ?? 0 };
    },
  },
  // Nova accepts `zone:host[:node]` (admins only); the zone is the part before the first colon.
  availabilityZone: {
    service: 'compute',
    of: (entry) => (entry.spec as { availability_zone?: string }).availability_zone?.split(':')[0],
    hint: 'or place the server with server_zones',
  },
  // It boots from its image: an unreadable external image still gets a placeholder (a mapping names its target).
  placeholderRefs: ['image'],
  unexportable: (refs, draft) =>
    refs.image === undefined && refs.boot_volume === undefined
      ? `its boot ${draft.boot_volume ? 'volume' : 'source'} is not in the plan`
      : undefined,
  exportRepairs: {
    // Its flavor is smaller than its own image's minimums (they grew after it booted): one broken server is left
    // out with a warning, not a failed export.
    SERVER_FLAVOR_TOO_SMALL: {
      dropEntry: true,
      code: 'SERVER_EXCLUDED',
      message: (key, finding) =>
        `${key} is left out of the plan: ${finding} (fix the source, e.g. resize the server, then export again; its ports and volumes stay in the plan)`,
    },
  },
  zones: { field: 'availability_zone', byDefault: true, placement: { groupRef: 'server_group' } },
  updatable: ['name', 'description', 'metadata', 'tags', 'power_state', 'refs.volumes'],
});
