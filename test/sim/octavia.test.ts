import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, connect, loadCloudConfig, type Cloud } from '../../src/openstack/index.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import * as subnets from '../../src/openstack/network/subnets/requests.js';
import * as ports from '../../src/openstack/network/ports/requests.js';
import * as loadBalancers from '../../src/openstack/load-balancer/load-balancers/requests.js';
import * as listeners from '../../src/openstack/load-balancer/listeners/requests.js';
import * as pools from '../../src/openstack/load-balancer/pools/requests.js';
import { membersOf } from '../../src/openstack/load-balancer/members/requests.js';
import * as healthMonitors from '../../src/openstack/load-balancer/health-monitors/requests.js';
import * as l7 from '../../src/openstack/load-balancer/l7-policies/requests.js';
import {
  apiVersion,
  underLoadBalancer,
  waitActive,
  waitGone,
  waitLoadBalancer,
} from '../../src/openstack/load-balancer/wait.js';
import { isHttpError } from '../../src/openstack/errors.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { BASIC_SEED } from './helpers.js';

/** Octavia in the simulator, through Bascule's load-balancer client, on the Pike and Zed profiles. */
describe('simulated Octavia through the load-balancer client', () => {
  let sim: Simulator;
  let dir: string;
  const clouds: Record<string, Cloud> = {};
  const subnetOf: Record<string, string> = {};
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sim-octavia-'));
    sim = await startSimulator({
      clouds: [
        { name: 'old', profile: 'pike', seed: BASIC_SEED },
        { name: 'new', profile: 'zed', seed: BASIC_SEED },
      ],
    });
    const file = join(dir, 'clouds.yaml');
    await sim.writeCloudsYaml(file);
    for (const name of ['old-demo', 'new-demo']) {
      const config = await loadCloudConfig(name, { files: [file], env: {}, cwd: dir, home: dir });
      const cloud = await connect(config, { retry: { baseMs: 1, capMs: 5, maxRetries: 3 } });
      clouds[name] = cloud;
      const net = await networks.create(cloud.network, { name: 'web' });
      const sub = await subnets.create(cloud.network, { network_id: net.id, cidr: '10.9.0.0/24', ip_version: 4 });
      subnetOf[name] = sub.id;
    }
  });
  afterAll(async () => {
    for (const c of Object.values(clouds)) await c.close();
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads the API version: 2.0 on Pike, 2.26 on Zed', async () => {
    expect(await apiVersion(clouds['old-demo']!.loadBalancer)).toBe('2.0');
    expect(await apiVersion(clouds['new-demo']!.loadBalancer)).toBe('2.26');
  });

  it('refuses writes without load-balancer_member on Zed (403), allows them once granted', async () => {
    const cloud = clouds['new-demo']!;
    const refused = await loadBalancers
      .create(cloud.loadBalancer, { name: 'x', vip_subnet_id: subnetOf['new-demo']! })
      .catch((e: unknown) => e);
    expect(isHttpError(refused)).toBe(true);
    expect((refused as Error).message).toMatch(/403|Policy does not allow/);
    expect(await collect(loadBalancers.list(cloud.loadBalancer))).toEqual([]);
    const identity = sim.identityState('new');
    const alice = identity.users.find((u) => u.name === 'alice')!;
    const demo = identity.projects.find((p) => p.name === 'demo')!;
    identity.assign(String(alice.id), String(demo.id), 'load-balancer_member');
    // A new token carries the new role.
    const file = join(dir, 'clouds.yaml');
    const config = await loadCloudConfig('new-demo', { files: [file], env: {}, cwd: dir, home: dir });
    await cloud.close();
    clouds['new-demo'] = await connect(config, { retry: { baseMs: 1, capMs: 5, maxRetries: 3 } });
  });

  for (const name of ['old-demo', 'new-demo']) {
    it(`${name}: builds a load balancer through PENDING_CREATE to ACTIVE, with its whole tree`, async () => {
      const sc = clouds[name]!.loadBalancer;
      const tags = name === 'new-demo' ? { tags: ['web'] } : {};
      const lb = await loadBalancers.create(sc, {
        name: 'lb1',
        vip_subnet_id: subnetOf[name]!,
        vip_address: '10.9.0.50',
        ...tags,
      });
      expect(lb.provisioning_status).toBe('PENDING_CREATE');
      expect(lb.vip_address).toBe('10.9.0.50');
      // The VIP has its Neutron port, owned by Octavia.
      const vip = await ports.get(clouds[name]!.network, lb.vip_port_id!);
      expect(vip.device_owner).toBe('Octavia');
      // A write under a busy load balancer is refused with 409 "immutable".
      const busy = await listeners
        .create(sc, { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 80 })
        .catch((e: unknown) => e);
      expect((busy as Error).message).toMatch(/immutable/);
      const listener = await underLoadBalancer(sc, lb.id, () =>
        listeners.create(sc, { loadbalancer_id: lb.id, protocol: 'HTTP', protocol_port: 80, connection_limit: 100 }),
      );
      const pool = await underLoadBalancer(sc, lb.id, () =>
        pools.create(sc, {
          listener_id: listener.id,
          protocol: 'HTTP',
          lb_algorithm: 'ROUND_ROBIN',
          session_persistence: { type: 'HTTP_COOKIE' },
        }),
      );
      const members = membersOf(pool.id);
      for (const address of ['10.9.0.11', '10.9.0.12'])
        await underLoadBalancer(sc, lb.id, () =>
          members.create(sc, { address, protocol_port: 8080, weight: 3, subnet_id: subnetOf[name]! }),
        );
      const hm = await underLoadBalancer(sc, lb.id, () =>
        healthMonitors.create(sc, { pool_id: pool.id, type: 'HTTP', delay: 5, timeout: 3, max_retries: 3 }),
      );
      const policy = await underLoadBalancer(sc, lb.id, () =>
        l7.create(sc, { listener_id: listener.id, action: 'REDIRECT_TO_URL', redirect_url: 'https://example.test/' }),
      );
      await underLoadBalancer(sc, lb.id, () =>
        l7.rulesOf(policy.id).create(sc, { type: 'PATH', compare_type: 'STARTS_WITH', value: '/old' }),
      );
      await waitLoadBalancer(sc, lb.id);
      const active = await waitActive('lb1', () => loadBalancers.get(sc, lb.id));
      expect(active.operating_status).toBe('ONLINE');
      expect(active.listeners).toEqual([{ id: listener.id }]);
      const readPool = await pools.get(sc, pool.id);
      expect(readPool.session_persistence?.type).toBe('HTTP_COOKIE');
      expect(readPool.healthmonitor_id).toBe(hm.id);
      const readMembers = await collect(members.list(sc));
      expect(readMembers.map((m) => m.address).sort()).toEqual(['10.9.0.11', '10.9.0.12']);
      expect(readMembers.every((m) => m.operating_status === 'ONLINE')).toBe(true);
      const readListener = await listeners.get(sc, listener.id);
      expect(readListener.default_pool_id).toBe(pool.id);
      if (name === 'new-demo') {
        expect(readListener.timeout_client_data).toBe(50000);
        expect(readListener.allowed_cidrs).toBeNull();
        expect(active.tags).toEqual(['web']);
      } else {
        // Pike's API 2.0: no timeouts, no tags, and tags in a body are refused.
        expect(readListener).not.toHaveProperty('timeout_client_data');
        expect(active).not.toHaveProperty('tags');
        const refused = await loadBalancers
          .create(sc, { vip_subnet_id: subnetOf[name]!, tags: ['x'] })
          .catch((e: unknown) => e);
        expect((refused as Error).message).toMatch(/Unknown attribute for argument loadbalancer: tags/);
      }
      const rules = await collect(l7.rulesOf(policy.id).list(sc));
      expect(rules).toHaveLength(1);
      // Delete with cascade: everything goes, and so does the VIP's port.
      await loadBalancers.remove(sc, lb.id, { cascade: true });
      await waitGone('lb1', () => loadBalancers.get(sc, lb.id));
      expect(await collect(pools.list(sc))).toEqual([]);
      expect(await collect(listeners.list(sc))).toEqual([]);
      const gone = await ports.get(clouds[name]!.network, lb.vip_port_id!).catch((e: unknown) => e);
      expect((gone as Error).message).toMatch(/404|not be found/);
    });
  }
});
