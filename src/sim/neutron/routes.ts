import { clone, isObj, type Obj } from '../core/json.js';
import type { Table } from '../core/table.js';
import { authOf, type SimRequest } from '../http/context.js';
import { Router } from '../http/router.js';
import type { RegionState } from '../state/region.js';
import {
  applyUpdate,
  canSee,
  dropUnsupported,
  ensureWriter,
  envelope,
  nError,
  neutronList,
  neutronShow,
  ownerFor,
  touch,
  visibleRows,
} from './common.js';
import {
  createFloatingIp,
  deleteFloatingIp,
  getFloatingIp,
  renderFloatingIp,
  updateFloatingIp,
} from './floating-ips.js';
import {
  createNetwork,
  createSubnet,
  deleteNetwork,
  deleteSubnet,
  getNetwork,
  renderNetwork,
  visibleNetwork,
} from './networks.js';
import {
  createPortForwarding,
  deletePortForwarding,
  ensurePortForwarding,
  forwardingsOf,
  getPortForwarding,
  renderPortForwarding,
  updatePortForwarding,
} from './port-forwardings.js';
import { createPort, getPort, removePort, renderPort, updatePort } from './ports.js';
import { addressGroupRoutes } from './address-groups.js';
import { checkQosBinding, qosRoutes } from './qos.js';
import { trunkHold, trunkRoutes } from './trunks.js';
import { networkQuotaRoutes } from './quotas.js';
import {
  addInterface,
  changeRoutes,
  createRouter,
  deleteRouter,
  getRouter,
  removeInterface,
  renderRouter,
  updateRouter,
} from './routers.js';
import {
  addRuleRecord,
  createGroup,
  deleteGroup,
  ensureDefaultGroup,
  renderGroup,
  renderRule,
} from './security-groups.js';

export function neutronRouter(state: RegionState): Router {
  const r = new Router();
  const validate = state.profile.neutron.extensions.includes('filter-validation');
  r.get(
    '/',
    (req) => ({
      status: 200,
      body: { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ rel: 'self', href: `${req.baseUrl}/v2.0/` }] }] },
    }),
    { isPublic: true },
  );
  r.get('/v2.0', (req) => ({
    status: 200,
    body: {
      resources: [
        'subnets',
        'networks',
        'ports',
        'routers',
        'floatingips',
        'security-groups',
        'security-group-rules',
        'quotas',
      ].map((name) => ({
        name: name.replace(/s$/, ''),
        collection: name,
        links: [{ rel: 'self', href: `${req.baseUrl}/v2.0/${name}` }],
      })),
    },
  }));
  const writer = (req: SimRequest): ReturnType<typeof authOf> => {
    const a = authOf(req);
    if (req.method !== 'GET') ensureWriter(a, state);
    return a;
  };

  // Networks
  r.get('/v2.0/networks', (req) => {
    const a = authOf(req);
    return neutronList(
      req,
      'networks',
      state.networks.filter((n) => visibleNetwork(a, n)),
      (n) => renderNetwork(state, a, n),
      validate,
    );
  });
  r.get('/v2.0/networks/{id}', (req) =>
    neutronShow(req, 'network', renderNetwork(state, authOf(req), getNetwork(state, authOf(req), req.params.id!))),
  );
  r.post('/v2.0/networks', (req) => {
    const a = writer(req);
    const body = envelope(req, 'network');
    checkQosBinding(state, a, body);
    const owner = ownerFor(a, body);
    ensureDefaultGroup(state, owner);
    return { status: 201, body: { network: renderNetwork(state, a, createNetwork(state, a, owner, body)) } };
  });
  r.put('/v2.0/networks/{id}', (req) => {
    const a = writer(req);
    const n = getNetwork(state, a, req.params.id!);
    if (!canSee(a, n.project_id)) throw nError(403, 'PolicyNotAuthorized', 'disallowed by policy');
    const body = envelope(req, 'network');
    checkQosBinding(state, a, body);
    if (!a.isAdmin && (body.shared !== undefined || body['router:external'] !== undefined)) {
      throw nError(
        403,
        'PolicyNotAuthorized',
        '(rule:update_network and rule:update_network:shared) is disallowed by policy',
      );
    }
    applyUpdate(
      n,
      body,
      [
        'name',
        'admin_state_up',
        'description',
        'mtu',
        'port_security_enabled',
        'shared',
        'router:external',
        'dns_domain',
        'qos_policy_id',
        'is_default',
      ],
      'network',
    );
    return { status: 200, body: { network: renderNetwork(state, a, n) } };
  });
  r.delete('/v2.0/networks/{id}', (req) => {
    deleteNetwork(state, writer(req), req.params.id!);
    return { status: 204 };
  });

  // Subnets
  const getSubnet = (req: SimRequest): Obj => {
    const a = authOf(req);
    const s = state.subnets.get(req.params.id!);
    const n = s ? state.networks.get(String(s.network_id)) : undefined;
    if (!s || !(canSee(a, s.project_id) || (n && visibleNetwork(a, n))))
      throw nError(404, 'SubnetNotFound', `Subnet ${req.params.id!} could not be found.`);
    return s;
  };
  r.get('/v2.0/subnets', (req) => {
    const a = authOf(req);
    return neutronList(
      req,
      'subnets',
      state.subnets.filter((s) => {
        if (canSee(a, s.project_id)) return true;
        const n = state.networks.get(String(s.network_id));
        return n !== undefined && visibleNetwork(a, n);
      }),
      (x) => dropUnsupported(state, clone(x)),
      validate,
    );
  });
  r.get('/v2.0/subnets/{id}', (req) => neutronShow(req, 'subnet', dropUnsupported(state, clone(getSubnet(req)))));
  r.post('/v2.0/subnets', (req) => {
    const a = writer(req);
    const body = envelope(req, 'subnet');
    return {
      status: 201,
      body: { subnet: dropUnsupported(state, clone(createSubnet(state, a, ownerFor(a, body), body))) },
    };
  });
  r.put('/v2.0/subnets/{id}', (req) => {
    writer(req);
    const s = getSubnet(req);
    applyUpdate(
      s,
      envelope(req, 'subnet'),
      [
        'name',
        'description',
        'gateway_ip',
        'enable_dhcp',
        'dns_nameservers',
        'host_routes',
        'allocation_pools',
        'service_types',
        'dns_publish_fixed_ip',
      ],
      'subnet',
    );
    return { status: 200, body: { subnet: dropUnsupported(state, clone(s)) } };
  });
  r.delete('/v2.0/subnets/{id}', (req) => {
    deleteSubnet(state, writer(req), req.params.id!);
    return { status: 204 };
  });

  // Ports
  r.get('/v2.0/ports', (req) => {
    const a = authOf(req);
    return neutronList(req, 'ports', visibleRows(state.ports, a), (p) => renderPort(state, a, p), validate);
  });
  r.get('/v2.0/ports/{id}', (req) =>
    neutronShow(req, 'port', renderPort(state, authOf(req), getPort(state, authOf(req), req.params.id!))),
  );
  r.post('/v2.0/ports', (req) => {
    const a = writer(req);
    const body = envelope(req, 'port');
    checkQosBinding(state, a, body);
    return { status: 201, body: { port: renderPort(state, a, createPort(state, a, ownerFor(a, body), body)) } };
  });
  r.put('/v2.0/ports/{id}', (req) => {
    const a = writer(req);
    const p = getPort(state, a, req.params.id!);
    const body = envelope(req, 'port');
    checkQosBinding(state, a, body);
    return { status: 200, body: { port: renderPort(state, a, updatePort(state, a, p, body)) } };
  });
  r.delete('/v2.0/ports/{id}', (req) => {
    const port = getPort(state, writer(req), req.params.id!);
    const held = trunkHold(state, String(port.id));
    if (held) throw held;
    removePort(state, port);
    return { status: 204 };
  });

  // Routers
  r.get('/v2.0/routers', (req) => {
    const a = authOf(req);
    return neutronList(req, 'routers', visibleRows(state.routers, a), (x) => renderRouter(state, a, x), validate);
  });
  r.get('/v2.0/routers/{id}', (req) =>
    neutronShow(req, 'router', renderRouter(state, authOf(req), getRouter(state, authOf(req), req.params.id!))),
  );
  r.post('/v2.0/routers', (req) => {
    const a = writer(req);
    const body = envelope(req, 'router');
    return { status: 201, body: { router: renderRouter(state, a, createRouter(state, a, ownerFor(a, body), body)) } };
  });
  r.put('/v2.0/routers/{id}', (req) => {
    const a = writer(req);
    const x = getRouter(state, a, req.params.id!);
    updateRouter(state, a, x, envelope(req, 'router'));
    return { status: 200, body: { router: renderRouter(state, a, x) } };
  });
  r.delete('/v2.0/routers/{id}', (req) => {
    deleteRouter(state, writer(req), req.params.id!);
    return { status: 204 };
  });
  r.put('/v2.0/routers/{id}/add_router_interface', (req) => {
    const a = writer(req);
    return {
      status: 200,
      body: addInterface(state, a, getRouter(state, a, req.params.id!), isObj(req.body) ? req.body : {}),
    };
  });
  r.put('/v2.0/routers/{id}/remove_router_interface', (req) => {
    const a = writer(req);
    return {
      status: 200,
      body: removeInterface(state, a, getRouter(state, a, req.params.id!), isObj(req.body) ? req.body : {}),
    };
  });
  if (state.profile.neutron.extensions.includes('extraroute-atomic')) {
    for (const [path, isAdd] of [
      ['add_extraroutes', true],
      ['remove_extraroutes', false],
    ] as const) {
      r.put(`/v2.0/routers/{id}/${path}`, (req) => {
        const a = writer(req);
        const x = getRouter(state, a, req.params.id!);
        changeRoutes(state, x, isObj(req.body) ? req.body : {}, isAdd);
        return { status: 200, body: { router: renderRouter(state, a, x) } };
      });
    }
  }

  // Floating IPs
  r.get('/v2.0/floatingips', (req) => {
    const a = authOf(req);
    return neutronList(
      req,
      'floatingips',
      visibleRows(state.floatingips, a),
      (f) => renderFloatingIp(state, f),
      validate,
    );
  });
  r.get('/v2.0/floatingips/{id}', (req) =>
    neutronShow(req, 'floatingip', renderFloatingIp(state, getFloatingIp(state, authOf(req), req.params.id!))),
  );
  r.post('/v2.0/floatingips', (req) => {
    const a = writer(req);
    const body = envelope(req, 'floatingip');
    return {
      status: 201,
      body: { floatingip: renderFloatingIp(state, createFloatingIp(state, a, ownerFor(a, body), body)) },
    };
  });
  r.put('/v2.0/floatingips/{id}', (req) => {
    const a = writer(req);
    const f = getFloatingIp(state, a, req.params.id!);
    updateFloatingIp(state, a, f, envelope(req, 'floatingip'));
    return { status: 200, body: { floatingip: renderFloatingIp(state, f) } };
  });
  r.delete('/v2.0/floatingips/{id}', (req) => {
    deleteFloatingIp(state, writer(req), req.params.id!);
    return { status: 204 };
  });

  // Port forwardings of a floating IP (`floating-ip-port-forwarding`)
  const forwardingFip = (req: SimRequest, write: boolean): Obj => {
    ensurePortForwarding(state);
    return getFloatingIp(state, write ? writer(req) : authOf(req), req.params.fip!);
  };
  r.get('/v2.0/floatingips/{fip}/port_forwardings', (req) => {
    const fip = forwardingFip(req, false);
    return neutronList(req, 'port_forwardings', forwardingsOf(state, String(fip.id)), (p) =>
      renderPortForwarding(state, p),
    );
  });
  r.get('/v2.0/floatingips/{fip}/port_forwardings/{id}', (req) => {
    const fip = forwardingFip(req, false);
    const pf = getPortForwarding(state, String(fip.id), req.params.id!);
    return neutronShow(req, 'port_forwarding', renderPortForwarding(state, pf));
  });
  r.post('/v2.0/floatingips/{fip}/port_forwardings', (req) => {
    const fip = forwardingFip(req, true);
    const pf = createPortForwarding(state, authOf(req), fip, envelope(req, 'port_forwarding'));
    touch(fip);
    return { status: 201, body: { port_forwarding: renderPortForwarding(state, pf) } };
  });
  r.put('/v2.0/floatingips/{fip}/port_forwardings/{id}', (req) => {
    const fip = forwardingFip(req, true);
    const pf = getPortForwarding(state, String(fip.id), req.params.id!);
    const updated = updatePortForwarding(state, authOf(req), fip, pf, envelope(req, 'port_forwarding'));
    touch(fip);
    return { status: 200, body: { port_forwarding: renderPortForwarding(state, updated) } };
  });
  r.delete('/v2.0/floatingips/{fip}/port_forwardings/{id}', (req) => {
    const fip = forwardingFip(req, true);
    deletePortForwarding(state, fip, req.params.id!);
    touch(fip);
    return { status: 204 };
  });

  // Security groups and rules
  const getGroup = (req: SimRequest, id = req.params.id!): Obj => {
    const g = state.securityGroups.get(id);
    if (!g || !canSee(authOf(req), g.project_id))
      throw nError(404, 'SecurityGroupNotFound', `Security group ${id} does not exist`);
    return g;
  };
  r.get('/v2.0/security-groups', (req) => {
    const a = authOf(req);
    if (a.projectId) ensureDefaultGroup(state, a.projectId);
    return neutronList(
      req,
      'security_groups',
      visibleRows(state.securityGroups, a),
      (g) => renderGroup(state, g),
      validate,
    );
  });
  r.get('/v2.0/security-groups/{id}', (req) => neutronShow(req, 'security_group', renderGroup(state, getGroup(req))));
  r.post('/v2.0/security-groups', (req) => {
    const a = writer(req);
    const body = envelope(req, 'security_group');
    return {
      status: 201,
      body: { security_group: renderGroup(state, createGroup(state, a, ownerFor(a, body), body)) },
    };
  });
  r.put('/v2.0/security-groups/{id}', (req) => {
    writer(req);
    const g = getGroup(req);
    const body = envelope(req, 'security_group');
    if (g.name === 'default' && body.name !== undefined && body.name !== 'default') {
      throw nError(409, 'SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
    }
    applyUpdate(g, body, ['name', 'description', 'stateful'], 'security_group');
    return { status: 200, body: { security_group: renderGroup(state, g) } };
  });
  r.delete('/v2.0/security-groups/{id}', (req) => {
    deleteGroup(state, writer(req), req.params.id!);
    return { status: 204 };
  });
  r.get('/v2.0/security-group-rules', (req) => {
    const a = authOf(req);
    if (a.projectId) ensureDefaultGroup(state, a.projectId);
    return neutronList(
      req,
      'security_group_rules',
      visibleRows(state.securityGroupRules, a),
      (x) => renderRule(state, x),
      validate,
    );
  });
  r.get('/v2.0/security-group-rules/{id}', (req) => {
    const x = state.securityGroupRules.get(req.params.id!);
    if (!x || !canSee(authOf(req), x.project_id))
      throw nError(404, 'SecurityGroupRuleNotFound', `Security group rule ${req.params.id!} does not exist`);
    return neutronShow(req, 'security_group_rule', renderRule(state, x));
  });
  r.post('/v2.0/security-group-rules', (req) => {
    const a = writer(req);
    const body = envelope(req, 'security_group_rule');
    const group = getGroup(req, String(body.security_group_id));
    if (!a.isAdmin) {
      const limit = state.quotas.limit(String(group.project_id), 'network', 'security_group_rule');
      if (limit >= 0 && state.securityGroupRules.countOfProject(String(group.project_id)) + 1 > limit) {
        throw nError(409, 'OverQuota', "Quota exceeded for resources: ['security_group_rule'].");
      }
    }
    const remote = body.remote_group_id as string | undefined;
    if (remote && !canSee(a, state.securityGroups.get(remote)?.project_id)) {
      throw nError(404, 'SecurityGroupNotFound', `Security group ${remote} does not exist`);
    }
    const remoteAddresses = body.remote_address_group_id as string | undefined;
    if (remoteAddresses && !canSee(a, state.addressGroups.get(remoteAddresses)?.project_id)) {
      throw nError(404, 'AddressGroupNotFound', `Address group ${remoteAddresses} could not be found.`);
    }
    const rule = addRuleRecord(state, body, String(group.project_id));
    touch(group);
    return { status: 201, body: { security_group_rule: renderRule(state, rule) } };
  });
  r.delete('/v2.0/security-group-rules/{id}', (req) => {
    const a = writer(req);
    const x = state.securityGroupRules.get(req.params.id!);
    if (!x || !canSee(a, x.project_id))
      throw nError(404, 'SecurityGroupRuleNotFound', `Security group rule ${req.params.id!} does not exist`);
    state.securityGroupRules.delete(req.params.id!);
    state.sgRules.get(String(x.security_group_id))?.delete(req.params.id!);
    return { status: 204 };
  });

  tagRoutes(r, state);
  networkQuotaRoutes(r, state);
  addressGroupRoutes(r, state);
  qosRoutes(r, state);
  trunkRoutes(r, state);
  r.get('/v2.0/extensions', () => ({
    status: 200,
    body: { extensions: state.profile.neutron.extensions.map(extension) },
  }));
  r.get('/v2.0/extensions/{alias}', (req) => {
    if (!state.profile.neutron.extensions.includes(req.params.alias!))
      throw nError(404, 'HTTPNotFound', 'The resource could not be found.');
    return { status: 200, body: { extension: extension(req.params.alias!) } };
  });
  // Resources the simulator never holds, listed as Neutron lists them when the extension is loaded (an empty list),
  // and a 404 when it is not: RBAC shares, trunks, QoS policies, firewall groups, VPN services.
  for (const [path, alias, key] of [
    ['/v2.0/rbac-policies', 'rbac-policies', 'rbac_policies'],
    ['/v2.0/fwaas/firewall_groups', 'fwaas_v2', 'firewall_groups'],
    ['/v2.0/vpn/vpnservices', 'vpnaas', 'vpnservices'],
  ] as const) {
    r.get(path, () => {
      if (!state.profile.neutron.extensions.includes(alias))
        throw nError(404, 'HTTPNotFound', 'The resource could not be found.');
      return { status: 200, body: { [key]: [] } };
    });
  }
  r.get('/v2.0/availability_zones', () => ({
    status: 200,
    body: {
      availability_zones: [
        { name: 'nova', resource: 'network', state: 'available' },
        { name: 'nova', resource: 'router', state: 'available' },
      ],
    },
  }));
  return r;
}

function extension(alias: string): Obj {
  return {
    alias,
    name: alias,
    description: `The ${alias} extension.`,
    updated: '2017-01-01T10:00:00-00:00',
    links: [],
  };
}

const TAG_TABLES: Record<string, (s: RegionState) => Table> = {
  networks: (s) => s.networks,
  subnets: (s) => s.subnets,
  ports: (s) => s.ports,
  routers: (s) => s.routers,
  'security-groups': (s) => s.securityGroups,
  floatingips: (s) => s.floatingips,
  trunks: (s) => s.trunks,
};

const NOT_FOUND_TYPE: Record<string, string> = {
  networks: 'NetworkNotFound',
  subnets: 'SubnetNotFound',
  ports: 'PortNotFound',
  routers: 'RouterNotFound',
  'security-groups': 'SecurityGroupNotFound',
  floatingips: 'FloatingIPNotFound',
  trunks: 'TrunkNotFound',
};

/** `/v2.0/{resources}/{id}/tags`: the tag extension, on the resources the profile tags. */
function tagRoutes(r: Router, state: RegionState): void {
  const target = (req: SimRequest): Obj => {
    const kind = req.params.resources!;
    if (!state.profile.neutron.tagResources.includes(kind) || !TAG_TABLES[kind])
      throw nError(404, 'HTTPNotFound', 'The resource could not be found.');
    const row = TAG_TABLES[kind](state).get(req.params.id!);
    if (!row || !canSee(authOf(req), row.project_id))
      throw nError(404, NOT_FOUND_TYPE[kind] ?? 'NotFound', `${kind} ${req.params.id!} could not be found.`);
    if (req.method !== 'GET') ensureWriter(authOf(req), state);
    return row;
  };
  const checkTag = (tag: string): string => {
    if (tag.length > 255 || tag.includes(',') || tag.includes('/'))
      throw nError(400, 'InvalidInput', `Invalid input for operation: '${tag}' is not a valid tag.`);
    return tag;
  };
  r.get('/v2.0/{resources}/{id}/tags', (req) => ({ status: 200, body: { tags: target(req).tags } }));
  r.get('/v2.0/{resources}/{id}/tags/{tag}', (req) => {
    if (!(target(req).tags as string[]).includes(req.params.tag!))
      throw nError(
        404,
        'TagNotFound',
        `Tag ${req.params.tag!} could not be found for ${req.params.resources!} ${req.params.id!}.`,
      );
    return { status: 204 };
  });
  r.put('/v2.0/{resources}/{id}/tags', (req) => {
    const row = target(req);
    const tags =
      isObj(req.body) && Array.isArray(req.body.tags) ? req.body.tags.map((t) => checkTag(String(t))) : undefined;
    if (!tags) throw nError(400, 'HTTPBadRequest', 'Invalid input: tags is required.');
    row.tags = [...new Set(tags)];
    touch(row);
    return { status: 200, body: { tags: row.tags } };
  });
  r.put('/v2.0/{resources}/{id}/tags/{tag}', (req) => {
    const row = target(req);
    const tag = checkTag(req.params.tag!);
    if (!(row.tags as string[]).includes(tag)) (row.tags as string[]).push(tag);
    touch(row);
    return { status: 201 };
  });
  r.delete('/v2.0/{resources}/{id}/tags', (req) => {
    const row = target(req);
    row.tags = [];
    touch(row);
    return { status: 204 };
  });
  r.delete('/v2.0/{resources}/{id}/tags/{tag}', (req) => {
    const row = target(req);
    const tags = row.tags as string[];
    if (!tags.includes(req.params.tag!))
      throw nError(
        404,
        'TagNotFound',
        `Tag ${req.params.tag!} could not be found for ${req.params.resources!} ${req.params.id!}.`,
      );
    row.tags = tags.filter((t) => t !== req.params.tag);
    touch(row);
    return { status: 204 };
  });
}
