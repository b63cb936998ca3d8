/**
 * Load balancers on the simulator: a project whose two servers sit behind an Octavia load balancer (listener, pool
 * with session persistence, two members with weights and a backup flag, a health monitor, an L7 policy with a rule)
 * is exported, dry-run, applied, audited clean and rolled back, from Pike and from 2025.1 to 2025.1. The members
 * follow their servers' ports to the addresses the target gave them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { collect } from '../../src/openstack/index.js';
import * as listeners from '../../src/openstack/load-balancer/listeners/requests.js';
import * as loadBalancers from '../../src/openstack/load-balancer/load-balancers/requests.js';
import { OPERATING_WAIT, underLoadBalancer, waitLoadBalancer } from '../../src/openstack/load-balancer/wait.js';
import { membersOf } from '../../src/openstack/load-balancer/members/requests.js';
import * as pools from '../../src/openstack/load-balancer/pools/requests.js';
import * as subnets from '../../src/openstack/network/subnets/requests.js';
import * as ports from '../../src/openstack/network/ports/requests.js';
import { dnsClient } from '../../src/openstack/dns/client.js';
import * as recordsets from '../../src/openstack/dns/recordsets/requests.js';
import * as zones from '../../src/openstack/dns/zones/requests.js';
import type { Plan } from '../../src/plan/types.js';
import type { ProfileName, SeedFile } from '../../src/sim/index.js';
import { octaviaOf } from '../../src/sim/octavia/store.js';
import { buildLoadBalancer, grantRole, OLD, platformSeed } from './seed.js';
import {
  applyAtoB,
  applyJournaled,
  dryRunChanges,
  pendingActions,
  auditAtoB,
  basculeOn as bascule,
  entryOf,
  expectAuditClean,
  exportPlan,
  fileIn,
  rollBackB,
  shopSeed,
  startCloudsPerTest,
} from './support.js';

const startClouds = startCloudsPerTest();

/** Two web servers on one subnet. */
function webSeed(): SeedFile {
  return shopSeed({
    networks: [{ name: 'front', subnets: [{ name: 'front-v4', cidr: '10.20.1.0/24', ip_version: 4 }] }],
    routers: [{ name: 'edge', external_gateway: OLD.externalNetwork, interfaces: ['front-v4'] }],
    servers: ['web-1', 'web-2'].map((name, i) => ({
      name,
      flavor: `${OLD.flavors}.small`,
      image: OLD.image,
      networks: [{ network: 'front', fixed_ip: `10.20.1.${11 + i}` }],
    })),
  });
}

/** 2025.1 to 2025.1, both users with load-balancer_member, the web seed with buildLoadBalancer's tree on a. */
async function webWithLoadBalancer(): Promise<Awaited<ReturnType<typeof startClouds>>> {
  const c = await startClouds([
    { name: 'a', profile: '2025.1', seed: webSeed() },
    { name: 'b', profile: '2025.1', seed: platformSeed(OLD) },
  ]);
  grantRole(c.sim, 'a', 'load-balancer_member');
  grantRole(c.sim, 'b', 'load-balancer_member');
  await buildLoadBalancer(await c.connect('a'), true);
  return c;
}

describe('load balancers on the simulator', () => {
  for (const from of ['pike', '2025.1'] as const satisfies readonly ProfileName[]) {
    it(`${from} -> 2025.1: export, dry run, apply, audit clean, rollback`, async () => {
      const c = await startClouds([
        { name: 'a', profile: from, seed: webSeed() },
        { name: 'b', profile: '2025.1', seed: platformSeed(OLD) },
      ]);
      const clouds = c;
      grantRole(clouds.sim, 'a', 'load-balancer_member');
      grantRole(clouds.sim, 'b', 'load-balancer_member');
      await buildLoadBalancer(await clouds.connect('a'), from !== 'pike');

      const exported = await exportPlan(clouds);
      const plan = exported.plan;
      const kinds = (k: string) => plan.resources.filter((r) => r.kind === k);
      expect(kinds('load_balancer')).toHaveLength(1);
      expect(kinds('listener')).toHaveLength(1);
      expect(kinds('pool')).toHaveLength(2);
      expect(kinds('member')).toHaveLength(2);
      expect(kinds('health_monitor')).toHaveLength(1);
      expect(kinds('l7_policy')).toHaveLength(1);
      // The VIP's Octavia-owned port is not exported as a port of the project.
      expect(kinds('port').map((p) => p.key)).not.toContainEqual(expect.stringContaining('octavia'));
      const lb = kinds('load_balancer')[0]!;
      expect(lb.refs).toEqual({ vip_subnet: 'subnet:front-v4' });
      expect(lb.spec).toMatchObject({ name: 'web-lb', vip_address: '10.20.1.100', provider: 'amphora' });
      const members = kinds('member');
      expect(members.map((m) => m.refs?.pool)).toEqual(['pool:web', 'pool:web']);
      expect(members.every((m) => typeof m.refs?.port === 'string' && m.lossy?.includes('address'))).toBe(true);
      expect(kinds('pool').find((p) => p.key === 'pool:web')?.refs).toEqual({
        load_balancer: 'load_balancer:web-lb',
        listener: 'listener:http',
      });
      expect(kinds('l7_policy')[0]).toMatchObject({
        refs: { listener: 'listener:http', redirect_pool: 'pool:sorry' },
        spec: {
          action: 'REDIRECT_TO_POOL',
          rules: [{ type: 'PATH', compare_type: 'STARTS_WITH', value: '/maintenance' }],
        },
      });
      // The VIP's floating IP follows its load balancer (Octavia's VIP port is not a port of the plan).
      expect(kinds('floating_ip').map((f) => [f.key, f.refs])).toEqual([
        [
          'floating_ip:web-lb/vip',
          { floating_network: `network:${OLD.externalNetwork}`, load_balancer: 'load_balancer:web-lb' },
        ],
      ]);
      // What Bascule does not move is still named; load balancers are no longer in that list.
      expect(exported.out).not.toMatch(/load balancers \(Octavia\)/);

      const dry = await applyAtoB(clouds, '--dry-run');
      expect(dry.code, dry.out).toBe(0);
      expect(dry.out).toMatch(/load_balancer:web-lb/);
      await applyJournaled(clouds, ['--restart-source']);

      // The target's tree, ACTIVE, each object carrying its marker.
      const target = octaviaOf(clouds.sim.regionState('b'));
      const [made] = target.loadbalancers.all();
      expect(made).toMatchObject({ name: 'web-lb', provisioning_status: 'ACTIVE', vip_address: '10.20.1.100' });
      expect((made!.tags as string[]).some((t) => t.startsWith('bascule:'))).toBe(true);
      const targetPorts = clouds.sim.regionState('b').ports.all();
      const serverAddresses = targetPorts
        .filter((p) => String(p.device_owner).startsWith('compute:'))
        .flatMap((p) => (p.fixed_ips as { ip_address: string }[]).map((f) => f.ip_address))
        .sort();
      expect(
        target.members
          .all()
          .map((m) => m.address)
          .sort(),
      ).toEqual(serverAddresses);
      expect(
        target.members
          .all()
          .map((m) => m.weight)
          .sort(),
      ).toEqual([1, 3]);
      expect(target.healthmonitors.all()).toHaveLength(1);
      expect(target.l7rules.all()).toHaveLength(1);
      const [fip] = clouds.sim.regionState('b').floatingips.all();
      expect(fip?.port_id).toBe(made!.vip_port_id);
      const [listener] = target.listeners.all();
      expect(listener).toMatchObject({
        protocol_port: 80,
        connection_limit: 5000,
        insert_headers: { 'X-Forwarded-For': 'true' },
      });

      await expectAuditClean(clouds);
      // Each member refers to its server's port by the same plan key on both sides (<server>/eth0).
      const memberPorts = (p: Plan) =>
        p.resources
          .filter((r) => r.kind === 'member')
          .map((m) => m.refs?.port)
          .sort();
      expect(memberPorts(await clouds.export('b'))).toEqual(['port:web-1/eth0', 'port:web-2/eth0']);
      expect(memberPorts(plan)).toEqual(['port:web-1/eth0', 'port:web-2/eth0']);

      // A second apply changes nothing.
      await applyJournaled(clouds);
      expect(target.loadbalancers.all()).toHaveLength(1);
      expect(target.members.all()).toHaveLength(2);

      await rollBackB(clouds);
      // Deletes settle through the simulator's jobs: a read runs what is due.
      await new Promise((r) => setTimeout(r, 100));
      const cloudB = await clouds.connect('b');
      expect(await collect(loadBalancers.list(cloudB.loadBalancer))).toEqual([]);
      expect(target.members.all()).toEqual([]);
      expect(
        clouds.sim
          .regionState('b')
          .ports.all()
          .filter((p) => p.device_owner === 'Octavia'),
      ).toEqual([]);
    }, 120_000);
  }

  it('waits until the health checks see each member, and names one whose target server is stopped', async () => {
    // A plan whose web-2 is to stay stopped on the target (as before a cut-over): its member is provisioned (ACTIVE)
    // but the pool's health monitor cannot reach it (ERROR). The apply waits for the checks, then names that member
    // (LB_MEMBER_NOT_ONLINE) and goes on; web-1's member settles ONLINE and is not named.
    const c = await webWithLoadBalancer();
    const { plan } = await exportPlan(c);
    (entryOf(plan, 'server:web-2').spec as { power_state?: string }).power_state = 'stopped';
    await writeFile(fileIn(c, 'a.plan.json'), JSON.stringify(plan));
    const saved = { ...OPERATING_WAIT };
    Object.assign(OPERATING_WAIT, { timeoutMs: 1_500, intervalMs: 100 });
    try {
      const out = await applyJournaled(c);
      const summary = out.slice(out.indexOf('warnings (what was not done):'));
      expect(summary).toMatch(
        /member 10\.20\.1\.12:8080 \(pool [0-9a-f-]+\): operating status ERROR after \d+ s, provisioned \(ACTIVE\) but the pool's health monitor cannot reach it.*\[LB_MEMBER_NOT_ONLINE\]/,
      );
      expect(out).not.toContain('member 10.20.1.11:8080');
    } finally {
      Object.assign(OPERATING_WAIT, saved);
    }
    const members = octaviaOf(c.sim.regionState('b')).members.all();
    expect(members.map((m) => [m.address, m.provisioning_status]).sort()).toEqual([
      ['10.20.1.11', 'ACTIVE'],
      ['10.20.1.12', 'ACTIVE'],
    ]);
    // What the checks see, read as a client would.
    const cloudB = await c.connect('b');
    const [pool] = await collect(pools.list(cloudB.loadBalancer, { name: 'web' }));
    const seen = await collect(membersOf(pool!.id).list(cloudB.loadBalancer));
    expect(seen.map((m) => [m.address, m.operating_status]).sort()).toEqual([
      ['10.20.1.11', 'ONLINE'],
      ['10.20.1.12', 'ERROR'],
    ]);
    await rollBackB(c);
  }, 120_000);

  it('a kind-limited export (no servers) applies and audits clean with --kinds', async () => {
    // As test/e2e/load-balancers.test.ts does on the real cloud: the load balancer and what it uses, without the
    // servers; the audit compares the load-balancer kinds only. Their references to the subnet and the servers'
    // ports (kinds outside --kinds) resolve through the matching of those entries, not as "unmatched".
    const c = await webWithLoadBalancer();
    const lbKinds = 'load_balancer,listener,pool,member,health_monitor,l7_policy';
    const exported = await bascule(
      c,
      'export',
      '--os-cloud',
      'a',
      '--kinds',
      lbKinds,
      '--exclude-kinds',
      'floating_ip',
      '-o',
      fileIn(c, 'a.plan.json'),
    );
    expect(exported.code, exported.out).toBe(0);
    await applyJournaled(c);
    await expectAuditClean(c, '--kinds', lbKinds);
    // Without the journal too (markers, names, attributes).
    const bare = await bascule(c, 'audit', '--from', 'a', '--to', 'b', '--kinds', lbKinds, '--format', 'json');
    expect(bare.code, bare.out).toBe(0);
  }, 120_000);

  it('maps the provider (mapping load_balancer_providers): blocked when the target lacks it, applied, audited clean', async () => {
    const c = await webWithLoadBalancer();
    await exportPlan(c);
    // The target offers amphora and octavia (its providers list): ovn is a clear block, nothing made.
    await writeFile(
      fileIn(c, 'ovn.yaml'),
      'format: bascule.mapping/v1\nload_balancer_providers: [{ from: amphora, to: ovn }]\n',
    );
    const blocked = await applyAtoB(c, '--mapping', fileIn(c, 'ovn.yaml'), '--dry-run');
    expect(blocked.code, blocked.out).not.toBe(0);
    expect(blocked.out).toContain(
      `load_balancer:web-lb: the target's Octavia has no provider "ovn" (it offers amphora, octavia)`,
    );
    expect(octaviaOf(c.sim.regionState('b')).loadbalancers.size).toBe(0);
    // Mapped to a provider the target has: the load balancer is made with it, and the audit with the mapping is clean.
    await writeFile(
      fileIn(c, 'map.yaml'),
      'format: bascule.mapping/v1\nload_balancer_providers: [{ from: amphora, to: octavia }]\n',
    );
    const dry = await applyAtoB(c, '--mapping', fileIn(c, 'map.yaml'), '--dry-run');
    expect(dry.code, dry.out).toBe(0);
    await applyJournaled(c, ['--mapping', fileIn(c, 'map.yaml'), '--restart-source']);
    expect(
      octaviaOf(c.sim.regionState('b'))
        .loadbalancers.all()
        .map((lb) => lb.provider),
    ).toEqual(['octavia']);
    await expectAuditClean(c, '--mapping', fileIn(c, 'map.yaml'));
    // Without the mapping, the audit sees the provider changed.
    const bare = await auditAtoB(c);
    expect(bare.report.differences).toContainEqual(
      expect.objectContaining({
        key: 'load_balancer:web-lb',
        field: 'spec.provider',
        source: 'amphora',
        target: 'octavia',
      }),
    );
  }, 120_000);

  it('a DNS record at the VIP follows it: the target VIP differs, the record gets its address', async () => {
    const c = await webWithLoadBalancer();
    const dns = dnsClient(await c.connect('a'));
    const zone = await zones.create(dns, { name: 'shop.src.test.', email: 'ops@shop.src.test' });
    await recordsets.create(dns, zone.id, { name: 'lb.shop.src.test.', type: 'A', records: ['10.20.1.100'] });
    await zones.waitActive(dns, zone, { timeoutMs: 5000 });
    const { plan } = await exportPlan(c);
    expect(entryOf(plan, 'dns_recordset:shop.src.test./lb/A').refs).toEqual({
      zone: 'dns_zone:shop.src.test.',
      load_balancers: ['load_balancer:web-lb'],
    });

    // First everything but the load balancer (and what depends on it: its tree, its floating IP, the record)...
    await writeFile(fileIn(c, 'no-lb.yaml'), 'format: bascule.mapping/v1\nexclude: { kinds: [load_balancer] }\n');
    await applyJournaled(c, ['--mapping', fileIn(c, 'no-lb.yaml'), '--restart-source'], 'j1.jsonl');
    // ... then the VIP address is taken on the target: the load balancer gets another one there.
    const cloudB = await c.connect('b');
    const [front] = await collect(subnets.list(cloudB.network, { name: 'front-v4' }));
    await ports.create(cloudB.network, {
      network_id: front!.network_id,
      fixed_ips: [{ subnet_id: front!.id, ip_address: '10.20.1.100' }],
    });
    const dry = await applyAtoB(c, '--dry-run');
    expect(dry.code, dry.out).toBe(0);
    expect(dry.out).toContain(
      'rewrites records 10.20.1.100 -> (known after apply: the address of load_balancer:web-lb)',
    );
    await applyJournaled(c, ['--restart-source']);
    const [made] = octaviaOf(c.sim.regionState('b')).loadbalancers.all();
    const vip = String(made!.vip_address);
    expect(vip).not.toBe('10.20.1.100');
    const dnsB = dnsClient(cloudB);
    const [zoneB] = await collect(zones.list(dnsB));
    const sets = await collect(recordsets.list(dnsB, zoneB!.id));
    expect(sets.find((r) => r.name === 'lb.shop.src.test.' && r.type === 'A')?.records).toEqual([vip]);
    // The audit pairs the two VIPs through the journal (the port taken by hand aside), and a second run changes nothing.
    await expectAuditClean(c, '--exclude-kinds', 'port');
    const again = await dryRunChanges(c, 'again.json');
    expect(pendingActions(again.changes)).toEqual([]);
    expect(again.out).toContain(`rewrites records 10.20.1.100 -> ${vip} (load_balancer:web-lb)`);
  }, 120_000);

  it('blocks the dry run when the target user lacks load-balancer_member, and a target without tags', async () => {
    const c = await startClouds([
      { name: 'a', profile: '2025.1', seed: webSeed() },
      { name: 'b', profile: '2025.1', seed: platformSeed(OLD) },
      { name: 'old', profile: 'pike', seed: platformSeed(OLD) },
    ]);
    const clouds = c;
    grantRole(clouds.sim, 'a', 'load-balancer_member');
    await buildLoadBalancer(await clouds.connect('a'), true);
    await exportPlan(clouds);
    const dry = await applyAtoB(clouds, '--dry-run');
    expect(dry.code, dry.out).not.toBe(0);
    expect(dry.out).toMatch(/Grant load-balancer_member to the user on the target project/);
    const pike = await bascule(
      clouds,
      'apply',
      fileIn(clouds, 'a.plan.json'),
      '--from',
      'a',
      '--to',
      'old',
      '--dry-run',
    );
    expect(pike.code, pike.out).not.toBe(0);
    expect(pike.out).toMatch(/offers API 2\.0, without tags/);
    // Nothing was made.
    expect(octaviaOf(clouds.sim.regionState('b')).loadbalancers.size).toBe(0);
  }, 120_000);

  it('a TLS listener: its certificate containers are named by the export and block the dry run until the plan names the target ones; never copied', async () => {
    const c = await startClouds([
      { name: 'a', profile: '2025.1', seed: webSeed() },
      { name: 'b', profile: '2025.1', seed: platformSeed(OLD) },
    ]);
    grantRole(c.sim, 'a', 'load-balancer_member');
    grantRole(c.sim, 'b', 'load-balancer_member');
    const a = await c.connect('a');
    await buildLoadBalancer(a, true);
    const [lb] = await collect(loadBalancers.list(a.loadBalancer));
    const source = (n: string) => `https://key-manager.src.test:9311/v1/containers/${n}`;
    const target = (n: string) => `https://key-manager.dst.test:9311/v1/containers/${n}`;
    await underLoadBalancer(a.loadBalancer, lb!.id, () =>
      listeners.create(a.loadBalancer, {
        name: 'https',
        loadbalancer_id: lb!.id,
        protocol: 'TERMINATED_HTTPS',
        protocol_port: 443,
        default_tls_container_ref: source('c1'),
        sni_container_refs: [source('c2')],
      }),
    );

    // The export keeps the references (never a secret) and names them.
    const { plan } = await exportPlan(c);
    expect(entryOf(plan, 'listener:https').spec).toMatchObject({
      default_tls_container_ref: source('c1'),
      sni_container_refs: [source('c2')],
    });
    expect(plan.warnings).toContainEqual(
      expect.objectContaining({
        code: 'TLS_CONTAINER_REFERENCED',
        kind: 'listener',
        resource: 'https',
        message: expect.stringContaining(`${source('c1')}, ${source('c2')}`) as string,
      }),
    );
    // The dry run blocks the listener while the plan names the source's containers; nothing is made.
    const blocked = await applyAtoB(c, '--dry-run');
    expect(blocked.code, blocked.out).toBe(1);
    expect(blocked.out).toMatch(
      /listener:https terminates TLS with certificate containers .*c1.*c2.* \[TLS_CONTAINER_NOT_COPIED\]/,
    );
    expect(octaviaOf(c.sim.regionState('b')).listeners.size).toBe(0);

    // Once the plan names the certificate stored on the target, the listener is made with it, and the audit is clean.
    const file = fileIn(c, 'a.plan.json');
    const edited = JSON.parse(await readFile(file, 'utf8')) as Plan;
    Object.assign(entryOf(edited, 'listener:https').spec, {
      default_tls_container_ref: target('d1'),
      sni_container_refs: [target('d2')],
    });
    await writeFile(file, JSON.stringify(edited));
    const dry = await applyAtoB(c, '--dry-run');
    expect(dry.code, dry.out).toBe(0);
    await applyJournaled(c, ['--restart-source']);
    const made = octaviaOf(c.sim.regionState('b'))
      .listeners.all()
      .find((l) => l.name === 'https');
    expect(made).toMatchObject({ default_tls_container_ref: target('d1'), sni_container_refs: [target('d2')] });
    await expectAuditClean(c);
  }, 120_000);

  it('a load balancer the target puts in ERROR fails its entry by name; what is under it is not attempted; rollback removes it', async () => {
    const c = await webWithLoadBalancer();
    await exportPlan(c);
    // The target's driver fails: a load balancer it provisions goes to ERROR instead of ACTIVE.
    const b = c.sim.regionState('b');
    const jobs = b.jobs;
    const schedule = jobs.schedule.bind(jobs);
    jobs.schedule = (ms, run, waitFor) =>
      schedule(
        ms,
        () => {
          run();
          for (const lb of octaviaOf(b).loadbalancers.all())
            if (lb.provisioning_status === 'ACTIVE') lb.provisioning_status = 'ERROR';
        },
        waitFor,
      );
    const applied = await applyAtoB(c, '--journal', fileIn(c, 'j.jsonl'), '--yes', '--restart-source');
    expect(applied.code, applied.out).not.toBe(0);
    expect(applied.out).toMatch(/load_balancer:web-lb[^\n]*ERROR/);
    expect(applied.out).not.toMatch(/at Object|at async/);
    expect(octaviaOf(b).listeners.size).toBe(0);
    jobs.schedule = schedule;
    await rollBackB(c);
    await new Promise((r) => setTimeout(r, 100));
    expect(await collect(loadBalancers.list((await c.connect('b')).loadBalancer))).toEqual([]);
  }, 120_000);

  it('maps the flavor by name (mapping load_balancer_flavors): blocked when the target lacks it, applied with the target flavor, audited clean', async () => {
    const c = await startClouds([
      { name: 'a', profile: '2025.1', seed: webSeed() },
      { name: 'b', profile: '2025.1', seed: platformSeed(OLD) },
    ]);
    grantRole(c.sim, 'a', 'load-balancer_member');
    grantRole(c.sim, 'b', 'load-balancer_member');
    // Each cloud's operator offers Octavia flavors under its own names.
    octaviaOf(c.sim.regionState('a')).flavors.put('f-a', {
      id: 'f-a',
      name: 'small-ha',
      description: '',
      enabled: true,
    });
    octaviaOf(c.sim.regionState('b')).flavors.put('f-b', {
      id: 'f-b',
      name: 'ha-small',
      description: '',
      enabled: true,
    });
    const a = await c.connect('a');
    const [subnet] = await collect(subnets.list(a.network, { name: 'front-v4' }));
    const lb = await loadBalancers.create(a.loadBalancer, {
      name: 'web-lb',
      vip_subnet_id: subnet!.id,
      flavor_id: 'f-a',
    });
    await waitLoadBalancer(a.loadBalancer, lb.id);
    const { plan } = await exportPlan(c);
    expect(entryOf(plan, 'load_balancer:web-lb').spec).toMatchObject({ flavor: 'small-ha' });
    // Without a mapping, the target has no flavor of that name: a clear block, nothing made.
    const blocked = await applyAtoB(c, '--dry-run');
    expect(blocked.code, blocked.out).toBe(1);
    expect(blocked.out).toMatch(/load_balancer:web-lb[^\n]*small-ha/);
    expect(octaviaOf(c.sim.regionState('b')).loadbalancers.size).toBe(0);
    await writeFile(
      fileIn(c, 'map.yaml'),
      'format: bascule.mapping/v1\nload_balancer_flavors: [{ from: small-ha, to: ha-small }]\n',
    );
    await applyJournaled(c, ['--mapping', fileIn(c, 'map.yaml'), '--restart-source']);
    expect(
      octaviaOf(c.sim.regionState('b'))
        .loadbalancers.all()
        .map((x) => x.flavor_id),
    ).toEqual(['f-b']);
    await expectAuditClean(c, '--mapping', fileIn(c, 'map.yaml'));
  }, 120_000);
});
