import { createReadStream } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { isObj, str, type Obj } from '../core/json.js';
import type { AuthContext } from '../http/context.js';
import type { IdentityState } from '../state/identity.js';
import type { RegionState } from '../state/region.js';
import { attachVolume, createVolumeRecord } from '../cinder/store.js';
import { createVolumeTypeRecord } from '../cinder/types-snapshots.js';
import { markImageActive, newImageRecord } from '../glance/store.js';
import { createFloatingIp } from '../neutron/floating-ips.js';
import { createNetwork, createSubnet } from '../neutron/networks.js';
import { createPortForwarding, hasPortForwarding } from '../neutron/port-forwardings.js';
import { createAddressGroup, hasAddressGroups } from '../neutron/address-groups.js';
import { addQosRule, createQosPolicy, hasQos } from '../neutron/qos.js';
import { createTrunk, hasTrunks } from '../neutron/trunks.js';
import { createPort } from '../neutron/ports.js';
import { addInterface, createRouter, updateRouter } from '../neutron/routers.js';
import { addRuleRecord, createGroupRecord, ensureDefaultGroup } from '../neutron/security-groups.js';
import { createFlavorRecord } from '../nova/flavors.js';
import { createKeypairRecord } from '../nova/keypairs.js';
import { createServer } from '../nova/server-create.js';
import { createGroupRecord as createServerGroup } from '../nova/server-groups.js';
import type { ServerRecord } from '../nova/server-render.js';
import { parseVersion } from '../http/microversion.js';
import { SeedError } from './load.js';
import type { ProjectResources, SeedFile, SeedObject } from './types.js';

export interface SeedTarget {
  identity: IdentityState;
  regions: Map<string, RegionState>;
  adminProjectId: string;
  adminUserId: string;
}

const NETWORK_READ_ONLY = [
  'subnets',
  'status',
  'tenant_id',
  'project_id',
  'created_at',
  'updated_at',
  'revision_number',
  'availability_zones',
  'ipv4_address_scope',
  'ipv6_address_scope',
  'l2_adjacency',
];

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  B: 1,
  KIB: 1024,
  KB: 1000,
  MIB: 1024 ** 2,
  MB: 1000 ** 2,
  GIB: 1024 ** 3,
  GB: 1000 ** 3,
};

export function parseSize(value: number | string, where: string): number {
  if (typeof value === 'number') return value;
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
  const unit = m ? SIZE_UNITS[m[2]!.toUpperCase()] : undefined;
  if (!m || unit === undefined) throw new SeedError(where, `not a size: ${value}`);
  return Math.round(Number(m[1]) * unit);
}

/** Finds a resource by id or by name, or throws a SeedError naming the path. */
function ref(rows: Obj[], value: unknown, where: string, what: string): Obj {
  const key = String(value);
  const found = rows.find((r) => r.id === key) ?? rows.find((r) => r.name === key);
  if (!found) throw new SeedError(where, `no ${what} named ${key}`);
  return found;
}

/** Waits until deferred work (byte copies) is done and status changes have run. */
async function settle(state: RegionState): Promise<void> {
  for (let i = 0; i < 10_000 && state.jobs.pending > 0; i++) {
    state.jobs.runDue(Number.MAX_SAFE_INTEGER);
    if (state.jobs.pending > 0) await delay(1);
  }
}

function without(o: SeedObject, ...keys: string[]): Obj {
  const out: Obj = { ...o };
  for (const k of keys) delete out[k];
  return out;
}

export async function applySeed(
  target: SeedTarget,
  seed: SeedFile,
  baseDir: string,
  defaultRegion: string,
): Promise<void> {
  const { identity } = target;
  for (const [i, d] of (seed.domains ?? []).entries()) {
    if (identity.domains.find((x) => x.name === d.name)) continue;
    const id = d.id ?? identity.newId();
    identity.domains.put(id, { id, name: d.name, enabled: true, description: d.description ?? '', tags: [] });
    void i;
  }
  const domainId = (name: string | undefined, where: string): string => {
    if (!name) return 'default';
    const d = identity.domains.find((x) => x.name === name || x.id === name);
    if (!d) throw new SeedError(where, `no domain named ${name}`);
    return String(d.id);
  };
  for (const [i, p] of (seed.projects ?? []).entries()) {
    const did = domainId(p.domain, `seed/projects/${i}/domain`);
    if (identity.projectByName(p.name, did)) continue;
    const id = p.id ?? identity.newId();
    identity.projects.put(id, {
      id,
      name: p.name,
      domain_id: did,
      description: p.description ?? '',
      enabled: true,
      parent_id: did,
      is_domain: false,
      tags: [],
      options: {},
    });
  }
  for (const [i, u] of (seed.users ?? []).entries()) {
    const did = domainId(u.domain, `seed/users/${i}/domain`);
    let user = identity.userByName(u.name, did);
    if (!user) {
      const id = u.id ?? identity.newId();
      user = identity.users.put(id, {
        id,
        name: u.name,
        domain_id: did,
        enabled: true,
        password_expires_at: null,
        options: {},
        ...(u.email ? { email: u.email } : {}),
      });
    }
    if (u.default_project)
      user.default_project_id = ref(
        identity.projects.all(),
        u.default_project,
        `seed/users/${i}/default_project`,
        'project',
      ).id;
    if (u.password !== undefined) identity.passwords.set(String(user.id), u.password);
  }
  for (const [i, a] of (seed.role_assignments ?? []).entries()) {
    const user = ref(identity.users.all(), a.user, `seed/role_assignments/${i}/user`, 'user');
    const project = ref(identity.projects.all(), a.project, `seed/role_assignments/${i}/project`, 'project');
    identity.assign(String(user.id), String(project.id), a.role);
  }
  const regions = [...target.regions.values()];
  for (const [i, q] of (seed.quotas ?? []).entries()) {
    const project = ref(identity.projects.all(), q.project, `seed/quotas/${i}/project`, 'project');
    for (const state of regions) {
      for (const service of ['compute', 'network', 'volume'] as const) {
        const values = q[service];
        if (values) state.quotas.set(String(project.id), service, values);
      }
    }
  }
  for (const state of regions) {
    for (const [i, f] of (seed.flavors ?? []).entries()) {
      const record = createFlavorRecord(state, without(f, 'access'));
      if (Array.isArray(f.access)) {
        state.flavorAccess.set(
          String(record.id),
          new Set(
            f.access.map((p, j) =>
              String(ref(identity.projects.all(), p, `seed/flavors/${i}/access/${j}`, 'project').id),
            ),
          ),
        );
      }
    }
    for (const t of seed.volume_types ?? []) createVolumeTypeRecord(state, t);
    for (const [i, n] of (seed.external_networks ?? []).entries()) {
      let net: Obj;
      try {
        net = createNetwork(state, undefined, target.adminProjectId, {
          ...without(n, ...NETWORK_READ_ONLY, 'cidr', 'gateway_ip', 'allocation_pools', 'subnet_name'),
          'router:external': true,
        });
      } catch (error) {
        throw new SeedError(`seed/external_networks/${i}`, error instanceof Error ? error.message : String(error));
      }
      const subnets = Array.isArray(n.subnets)
        ? (n.subnets as SeedObject[])
        : n.cidr
          ? [
              {
                name: n.subnet_name ?? `${String(n.name)}-subnet`,
                cidr: n.cidr,
                gateway_ip: n.gateway_ip,
                allocation_pools: n.allocation_pools,
              },
            ]
          : [];
      for (const [j, s] of subnets.entries()) {
        try {
          createSubnet(state, undefined, target.adminProjectId, {
            ...Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)),
            network_id: net.id,
            enable_dhcp: s.enable_dhcp ?? false,
          });
        } catch (error) {
          throw new SeedError(
            `seed/external_networks/${i}/subnets/${j}`,
            error instanceof Error ? error.message : String(error),
          );
        }
      }
    }
  }
  for (const [projectName, res] of Object.entries(seed.resources ?? {})) {
    const where = `seed/resources/${projectName}`;
    const project = ref(identity.projects.all(), projectName, where, 'project');
    const regionName = res.region ?? defaultRegion;
    const state = target.regions.get(regionName);
    if (!state) throw new SeedError(`${where}/region`, `no region named ${regionName}`);
    await applyProject(target, state, String(project.id), res, baseDir, where);
  }
}

function projectUser(target: SeedTarget, projectId: string, res: ProjectResources, where: string): Obj {
  const { identity } = target;
  if (res.user) return ref(identity.users.all(), res.user, `${where}/user`, 'user');
  const a = identity.assignments.find((x) => x.project_id === projectId);
  const user = a ? identity.users.get(a.user_id) : undefined;
  if (!user) throw new SeedError(`${where}/user`, 'the project has no user with a role; name one');
  return user;
}

async function applyProject(
  target: SeedTarget,
  state: RegionState,
  pid: string,
  res: ProjectResources,
  baseDir: string,
  where: string,
): Promise<void> {
  const user = projectUser(target, pid, res, where);
  const uid = String(user.id);
  const wrap = <T>(path: string, fn: () => T): T => {
    try {
      return fn();
    } catch (error) {
      if (error instanceof SeedError) throw error;
      throw new SeedError(path, error instanceof Error ? error.message : String(error));
    }
  };
  const auth: AuthContext = {
    tokenId: 'seed',
    userId: uid,
    userName: String(user.name),
    userDomainId: String(user.domain_id),
    projectId: pid,
    projectName: state.projectName(pid),
    roles: ['member', 'reader'],
    isAdmin: false,
    isReaderOnly: false,
    expiresAt: Number.MAX_SAFE_INTEGER,
    methods: ['password'],
  };
  ensureDefaultGroup(state, pid);
  const mine = <T extends Obj>(rows: T[]): T[] => rows.filter((r) => r.project_id === pid || r.tenant_id === pid);

  for (const [i, k] of (res.keypairs ?? []).entries())
    wrap(`${where}/keypairs/${i}`, () => createKeypairRecord(state, uid, k.name, k.public_key, k.type ?? 'ssh'));

  for (const [i, g] of (res.address_groups ?? []).entries())
    wrap(`${where}/address_groups/${i}`, () => {
      if (!hasAddressGroups(state))
        throw new SeedError(
          `${where}/address_groups/${i}`,
          `the ${state.profile.name} profile has no address-group extension`,
        );
      return createAddressGroup(state, pid, without(g, 'id'), typeof g.id === 'string' ? g.id : undefined);
    });

  // Security groups first, then their rules (so a rule can name any group as its remote group).
  const groups = res.security_groups ?? [];
  for (const [i, g] of groups.entries()) {
    wrap(`${where}/security_groups/${i}`, () => {
      const record =
        g.name === 'default'
          ? ensureDefaultGroup(state, pid)
          : createGroupRecord(state, pid, g.name, str(g, 'description') ?? '', false, g.stateful !== false);
      if (typeof g.id === 'string' && g.id !== record.id) rekeyGroup(state, record, g.id);
      if (Array.isArray(g.tags)) record.tags = g.tags.map(String);
    });
  }
  for (const [i, g] of groups.entries()) {
    const group = ref(
      mine(state.securityGroups.all()),
      g.id ?? g.name,
      `${where}/security_groups/${i}`,
      'security group',
    );
    for (const [j, rule] of (g.rules ?? []).entries()) {
      wrap(`${where}/security_groups/${i}/rules/${j}`, () => {
        const body = without(
          rule,
          'remote_group',
          'remote_address_group',
          'id',
          'security_group_id',
          'tenant_id',
          'project_id',
          'created_at',
          'updated_at',
          'revision_number',
          'tags',
          'normalized_cidr',
          'belongs_to_default_sg',
          'remote_address_group_id',
        );
        if (rule.remote_group !== undefined)
          body.remote_group_id = ref(
            mine(state.securityGroups.all()),
            rule.remote_group,
            `${where}/security_groups/${i}/rules/${j}/remote_group`,
            'security group',
          ).id;
        if (rule.remote_address_group !== undefined)
          body.remote_address_group_id = ref(
            mine(state.addressGroups.all()),
            rule.remote_address_group,
            `${where}/security_groups/${i}/rules/${j}/remote_address_group`,
            'address group',
          ).id;
        body.security_group_id = group.id;
        try {
          addRuleRecord(state, body, pid);
        } catch (error) {
          if (!(error instanceof Error && error.message.startsWith('Security group rule already exists'))) throw error;
        }
      });
    }
  }

  for (const [i, q] of (res.qos_policies ?? []).entries())
    wrap(`${where}/qos_policies/${i}`, () => {
      if (!hasQos(state))
        throw new SeedError(`${where}/qos_policies/${i}`, `the ${state.profile.name} profile has no qos extension`);
      const policy = createQosPolicy(
        state,
        pid,
        without(q, 'id', 'rules'),
        typeof q.id === 'string' ? q.id : undefined,
      );
      for (const rule of (q.rules ?? []) as SeedObject[])
        addQosRule(state, policy, String(rule.type), without(rule, 'type', 'id', 'qos_policy_id'));
    });
  // `qos_policy: <name>` on a network or port: a policy of the project, or a shared one.
  const withQos = (o: SeedObject, p: string): SeedObject => {
    if (o.qos_policy === undefined) return o;
    const policy = ref(
      state.qosPolicies.filter((x) => x.project_id === pid || x.shared === true),
      o.qos_policy,
      `${p}/qos_policy`,
      'QoS policy',
    );
    return { ...without(o, 'qos_policy'), qos_policy_id: policy.id };
  };

  for (const [i, n] of (res.networks ?? []).entries()) {
    const net = wrap(`${where}/networks/${i}`, () =>
      createNetwork(state, undefined, pid, without(withQos(n, `${where}/networks/${i}`), ...NETWORK_READ_ONLY)),
    );
    for (const [j, s] of (n.subnets ?? []).entries()) {
      wrap(`${where}/networks/${i}/subnets/${j}`, () =>
        createSubnet(state, undefined, pid, {
          ...without(
            s,
            'network_id',
            'tenant_id',
            'project_id',
            'created_at',
            'updated_at',
            'revision_number',
            'segment_id',
          ),
          network_id: net.id,
        }),
      );
    }
  }
  const visibleNets = (): Obj[] =>
    state.networks.filter((x) => x.project_id === pid || x.shared === true || x['router:external'] === true);
  const subnetsOf = (): Obj[] =>
    state.subnets.filter((x) => x.project_id === pid || state.networks.get(String(x.network_id))?.shared === true);

  for (const [i, r] of (res.routers ?? []).entries()) {
    const p = `${where}/routers/${i}`;
    wrap(p, () => {
      const gw = r.external_gateway;
      const router = createRouter(state, undefined, pid, {
        ...without(r, 'external_gateway', 'interfaces', 'routes'),
        ...(gw
          ? { external_gateway_info: { network_id: ref(visibleNets(), gw, `${p}/external_gateway`, 'network').id } }
          : {}),
      });
      for (const [j, sub] of ((r.interfaces as unknown[] | undefined) ?? []).entries()) {
        addInterface(state, { ...authAdmin(auth) }, router, {
          subnet_id: ref(subnetsOf(), sub, `${p}/interfaces/${j}`, 'subnet').id,
        });
      }
      if (Array.isArray(r.routes)) updateRouter(state, authAdmin(auth), router, { routes: r.routes });
    });
  }

  const resolvePortBody = (pt: SeedObject, p: string): Obj => {
    const body = without(
      pt,
      'network',
      'security_groups',
      'fixed_ips',
      'status',
      'tenant_id',
      'project_id',
      'created_at',
      'updated_at',
      'revision_number',
      'mac_address_generated',
    );
    const net = ref(visibleNets(), pt.network ?? pt.network_id, `${p}/network`, 'network');
    body.network_id = net.id;
    if (Array.isArray(pt.security_groups)) {
      body.security_groups = pt.security_groups.map(
        (g, j) => ref(mine(state.securityGroups.all()), g, `${p}/security_groups/${j}`, 'security group').id,
      );
    }
    if (Array.isArray(pt.fixed_ips)) {
      body.fixed_ips = (pt.fixed_ips as Obj[]).map((f, j) => ({
        ...(f.subnet !== undefined || f.subnet_id !== undefined
          ? { subnet_id: ref(subnetsOf(), f.subnet ?? f.subnet_id, `${p}/fixed_ips/${j}/subnet`, 'subnet').id }
          : {}),
        ...(f.ip_address !== undefined ? { ip_address: f.ip_address } : {}),
      }));
    }
    return body;
  };
  for (const [i, pt] of (res.ports ?? []).entries()) {
    wrap(`${where}/ports/${i}`, () =>
      createPort(state, undefined, pid, resolvePortBody(withQos(pt, `${where}/ports/${i}`), `${where}/ports/${i}`)),
    );
  }
  for (const [i, t] of (res.trunks ?? []).entries()) {
    const p = `${where}/trunks/${i}`;
    wrap(p, () => {
      if (!hasTrunks(state)) throw new SeedError(p, `the ${state.profile.name} profile has no trunk extension`);
      const port = (name: unknown, q: string) => ref(mine(state.ports.all()), name, q, 'port').id;
      const subs = ((t.sub_ports ?? []) as SeedObject[]).map((s, j) => ({
        ...without(s, 'port'),
        port_id: port(s.port ?? s.port_id, `${p}/sub_ports/${j}/port`),
      }));
      return createTrunk(state, undefined, pid, {
        ...without(t, 'port', 'sub_ports', 'id'),
        port_id: port(t.port ?? t.port_id, `${p}/port`),
        sub_ports: subs,
      });
    });
  }

  for (const [i, img] of (res.images ?? []).entries()) {
    const p = `${where}/images/${i}`;
    const fields = without(
      img,
      'data',
      'file',
      'properties',
      'status',
      'checksum',
      'size',
      'os_hash_algo',
      'os_hash_value',
      'owner',
      'created_at',
      'updated_at',
      'virtual_size',
      'self',
      'schema',
    );
    Object.assign(fields, img.properties ?? {});
    fields.disk_format ??= 'raw';
    fields.container_format ??= 'bare';
    const image = newImageRecord(state, pid, fields);
    const id = String(image.id);
    let info;
    if (img.file) {
      const path = isAbsolute(img.file) ? img.file : resolve(baseDir, img.file);
      try {
        info = await state.blobs.write('images', id, createReadStream(path));
      } catch (error) {
        throw new SeedError(
          `${p}/file`,
          `cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    } else if (img.data) {
      info = await state.blobs.generate(
        'images',
        id,
        parseSize(img.data.size, `${p}/data/size`),
        img.data.seed ?? img.name,
      );
    }
    if (info) markImageActive(state, image, info);
  }
  for (const [i, m] of (res.images ?? []).entries()) {
    const members = (m as Obj).members;
    if (!Array.isArray(members)) continue;
    const image = ref(
      state.images.filter((x) => x.owner === pid),
      m.id ?? m.name,
      `${where}/images/${i}`,
      'image',
    );
    const map = new Map<string, Obj>();
    for (const [j, member] of members.entries()) {
      const proj = ref(
        target.identity.projects.all(),
        isObj(member) ? member.project : member,
        `${where}/images/${i}/members/${j}`,
        'project',
      );
      map.set(String(proj.id), {
        image_id: image.id,
        member_id: proj.id,
        status: isObj(member) ? String(member.status ?? 'accepted') : 'accepted',
        created_at: image.created_at,
        updated_at: image.created_at,
      });
    }
    state.imageMembers.set(String(image.id), map);
  }
  const images = (): Obj[] => state.images.filter((x) => x.owner === pid || x.visibility === 'public');

  for (const [i, v] of (res.volumes ?? []).entries()) {
    const p = `${where}/volumes/${i}`;
    wrap(p, () => {
      const imageRef = v.image !== undefined ? String(ref(images(), v.image, `${p}/image`, 'image').id) : undefined;
      createVolumeRecord(
        state,
        pid,
        uid,
        {
          name: str(v, 'name') ?? null,
          size: Number(v.size ?? 1),
          description: str(v, 'description') ?? null,
          ...(str(v, 'volume_type') ? { volume_type: str(v, 'volume_type')! } : {}),
          ...(imageRef ? { imageRef } : {}),
          metadata: isObj(v.metadata) ? v.metadata : {},
          bootable: v.bootable === true || v.bootable === 'true',
          ...(str(v, 'id') ? { id: str(v, 'id')! } : {}),
        },
        0,
      );
    });
  }
  await settle(state);
  const volumes = (): Obj[] => state.volumes.filter((x) => x['os-vol-tenant-attr:tenant_id'] === pid);
  for (const [i, s] of (res.snapshots ?? []).entries()) {
    const vol = ref(volumes(), s.volume ?? s.volume_id, `${where}/snapshots/${i}/volume`, 'volume');
    const id = str(s, 'id') ?? state.uuid();
    state.snapshots.put(id, {
      id,
      name: s.name ?? null,
      description: s.description ?? null,
      volume_id: vol.id,
      status: 'available',
      size: vol.size,
      metadata: isObj(s.metadata) ? s.metadata : {},
      created_at: new Date().toISOString().replace('Z', '000').slice(0, 26),
      updated_at: null,
      user_id: uid,
      'os-extended-snapshot-attributes:project_id': pid,
      'os-extended-snapshot-attributes:progress': '100%',
    });
  }
  for (const [i, g] of (res.server_groups ?? []).entries()) {
    wrap(`${where}/server_groups/${i}`, () => {
      const policy = str(g, 'policy') ?? (Array.isArray(g.policies) ? String(g.policies[0]) : 'anti-affinity');
      createServerGroup(state, pid, uid, String(g.name), policy, isObj(g.rules) ? g.rules : {}, str(g, 'id'));
    });
  }

  const maxMv = parseVersion(state.profile.nova.max)!;
  for (const [i, s] of (res.servers ?? []).entries()) {
    const p = `${where}/servers/${i}`;
    const body: Obj = { name: s.name };
    body.flavorRef = ref(state.flavors.all(), s.flavor ?? s.flavorRef, `${p}/flavor`, 'flavor').id;
    const bv = s.boot_volume;
    if (isObj(bv)) {
      body.block_device_mapping_v2 = [
        bv.volume !== undefined
          ? {
              boot_index: 0,
              source_type: 'volume',
              destination_type: 'volume',
              uuid: ref(volumes(), bv.volume, `${p}/boot_volume/volume`, 'volume').id,
              delete_on_termination: bv.delete_on_termination === true,
            }
          : {
              boot_index: 0,
              source_type: 'image',
              destination_type: 'volume',
              uuid: ref(images(), bv.image, `${p}/boot_volume/image`, 'image').id,
              volume_size: Number(bv.size ?? 1),
              delete_on_termination: bv.delete_on_termination !== false,
            },
      ];
    } else {
      body.imageRef = ref(images(), s.image ?? s.imageRef, `${p}/image`, 'image').id;
    }
    body.networks = ((s.networks as Obj[] | undefined) ?? []).map((n, j) => {
      if (n.port !== undefined)
        return { port: ref(mine(state.ports.all()), n.port, `${p}/networks/${j}/port`, 'port').id };
      return {
        uuid: ref(visibleNets(), n.network ?? n.uuid, `${p}/networks/${j}/network`, 'network').id,
        ...(n.fixed_ip ? { fixed_ip: n.fixed_ip } : {}),
      };
    });
    if (!Array.isArray(s.networks)) body.networks = 'none';
    for (const k of ['key_name', 'metadata', 'tags', 'availability_zone', 'config_drive', 'description'])
      if (s[k] !== undefined) body[k] = s[k];
    if (Array.isArray(s.security_groups)) body.security_groups = s.security_groups.map((g) => ({ name: String(g) }));
    if (typeof s.user_data === 'string') body.user_data = Buffer.from(s.user_data).toString('base64');
    const hints: Obj = {};
    if (s.group !== undefined)
      hints.group = ref(
        state.serverGroups.filter((g) => g.project_id === pid),
        s.group,
        `${p}/group`,
        'server group',
      ).id;
    const server = wrap(p, () =>
      createServer(
        state,
        { auth, mv: maxMv, isImmediate: true, ...(str(s, 'id') ? { id: str(s, 'id')! } : {}) },
        body,
        hints,
      ),
    );
    if (s.status === 'SHUTOFF') Object.assign(server, { status: 'SHUTOFF', vm_state: 'stopped', power_state: 4 });
    for (const [j, vname] of ((s.volumes as unknown[] | undefined) ?? []).entries()) {
      const vol = ref(volumes(), vname, `${p}/volumes/${j}`, 'volume');
      const used = new Set(server.volumes.map((v) => v.device));
      const device = [...'bcdefghijklmnopqrstuvwxyz'].map((l) => `/dev/vd${l}`).find((d) => !used.has(d))!;
      const att = attachVolume(state, vol, server.id, device, server.host, true);
      server.volumes.push({
        id: String(vol.id),
        delete_on_termination: false,
        device,
        attachment_id: String(att.attachment_id),
        tag: null,
        bdm_uuid: state.uuid(),
        is_root: false,
      });
    }
  }
  await settle(state);

  for (const [i, f] of (res.floating_ips ?? []).entries()) {
    const p = `${where}/floating_ips/${i}`;
    wrap(p, () => {
      const net = ref(
        state.networks.filter((x) => x['router:external'] === true),
        f.network ?? f.floating_network_id,
        `${p}/network`,
        'external network',
      );
      let portId: unknown;
      if (f.port !== undefined) portId = ref(mine(state.ports.all()), f.port, `${p}/port`, 'port').id;
      if (f.server !== undefined) {
        const server = ref(
          state.servers.filter((x) => x.tenant_id === pid),
          f.server,
          `${p}/server`,
          'server',
        ) as ServerRecord;
        portId = server.port_ids[0];
      }
      const fip = createFloatingIp(state, undefined, pid, {
        floating_network_id: net.id,
        ...(portId ? { port_id: portId } : {}),
        ...without(
          f,
          'network',
          'port',
          'server',
          'floating_network_id',
          'port_id',
          'status',
          'router_id',
          'tenant_id',
          'project_id',
          'created_at',
          'updated_at',
          'revision_number',
          'fixed_ip_address',
          'port_forwardings',
        ),
        ...(f.fixed_ip_address ? { fixed_ip_address: f.fixed_ip_address } : {}),
      });
      const forwardings = f.port_forwardings ?? [];
      if (!Array.isArray(forwardings)) throw new SeedError(`${p}/port_forwardings`, 'must be a list');
      for (const [j, pf] of (forwardings as SeedObject[]).entries()) {
        const q = `${p}/port_forwardings/${j}`;
        wrap(q, () => {
          if (!hasPortForwarding(state))
            throw new SeedError(q, `the ${state.profile.name} profile has no floating-ip-port-forwarding extension`);
          const port = ref(mine(state.ports.all()), pf.port ?? pf.internal_port_id, `${q}/port`, 'port');
          const first = (port.fixed_ips as { ip_address: string }[]).find((x) => !x.ip_address.includes(':'));
          createPortForwarding(
            state,
            undefined,
            fip,
            {
              ...without(pf, 'id', 'port'),
              internal_port_id: port.id,
              internal_ip_address: pf.internal_ip_address ?? first?.ip_address,
            },
            typeof pf.id === 'string' ? pf.id : undefined,
          );
        });
      }
    });
  }
}

/** Gives a security group the id the seed pins (its rules follow). */
function rekeyGroup(state: RegionState, record: Obj, id: string): void {
  const old = String(record.id);
  const rules = state.sgRules.get(old) ?? new Set<string>();
  state.securityGroups.delete(old);
  state.sgRules.delete(old);
  record.id = id;
  state.securityGroups.put(id, record);
  state.sgRules.set(id, rules);
  for (const rid of rules) {
    const rule = state.securityGroupRules.get(rid)!;
    rule.security_group_id = id;
    if (rule.remote_group_id === old) rule.remote_group_id = id;
  }
}

function authAdmin(auth: AuthContext): AuthContext {
  return { ...auth, isAdmin: true, roles: ['admin', 'member', 'reader'] };
}
