import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/engine/actions.js';
import { applyPlan } from '../../src/engine/apply.js';
import { planChanges } from '../../src/engine/dry-run.js';
import type { EngineDeps } from '../../src/engine/context.js';
import { LISTING_PAGE_SIZE } from '../../src/engine/lookups.js';
import type { WriteContext } from '../../src/kinds/kind.js';
import { readerFor, writerFor } from '../../src/kinds/registry.js';
import { createWorkload, parseServerDisk } from '../../src/kinds/shared/workload.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';
import { silentLogger } from '../../src/shared/logger.js';
import { WorkloadMover } from '../../src/transfer/index.js';
import { twoSimClouds, type TwoSimClouds } from '../support/two-sims.js';
import { startTarget, type SimTarget } from './support/sim.js';

/**
 * A re-run (issue #18): once everything of a plan is on the target, a dry run reads each collection once (its pages),
 * never one lookup per entry. Checked on the simulator's request log, not on a time.
 */
// Within the simulator's default quotas (10 security groups with the default one, 10 routers).
const GROUPS = 8;

function plan(): Plan {
  const resources: PlanResource[] = [
    { kind: 'network', key: 'network:public', external: true, spec: { name: 'public', router_external: true } },
  ];
  for (let g = 0; g < GROUPS; g++) {
    resources.push(
      { kind: 'network', key: `network:n${g}`, spec: { name: `n${g}` } },
      {
        kind: 'subnet',
        key: `subnet:s${g}`,
        refs: { network: `network:n${g}` },
        spec: { name: `s${g}`, cidr: `10.9.${g}.0/24`, ip_version: 4 },
      },
      { kind: 'security_group', key: `security_group:g${g}`, spec: { name: `g${g}` } },
      {
        kind: 'security_group_rule',
        key: `security_group_rule:g${g}/22`,
        refs: { security_group: `security_group:g${g}` },
        spec: {
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'tcp',
          port_range_min: 22,
          port_range_max: 22,
          remote_ip_prefix: '0.0.0.0/0',
        },
      },
      {
        kind: 'port',
        key: `port:p${g}`,
        refs: { network: `network:n${g}`, fixed_ips: [`subnet:s${g}`], security_groups: [`security_group:g${g}`] },
        spec: { name: `p${g}` },
      },
      { kind: 'router', key: `router:r${g}`, refs: { external_network: 'network:public' }, spec: { name: `r${g}` } },
    );
  }
  return {
    format: 'bascule.plan/v1',
    provenance: {
      cloud: 'src',
      region: 'RegionOne',
      project: { name: 'shop', id: 'src-project-rerun' },
      profile: { api_versions: {}, microversions: {}, extensions: [] },
      exported_at: '2026-12-06T00:00:00Z',
      bascule_version: '0.1.0',
    },
    resources,
  };
}

describe('a re-run reads the target once per collection', () => {
  let t: SimTarget;
  const p = plan();
  const managed = p.resources.filter((r) => !r.external).length;

  beforeAll(async () => {
    t = await startTarget();
    const dir = t.dir;
    const applied = await applyPlan(p, t.deps(), { journalPath: `${dir}/journal.jsonl` });
    expect(applied.nodes.filter((n) => n.outcome === 'failed')).toEqual([]);
    expect(applied.ok).toBe(true);
  });
  afterAll(async () => t?.stop());

  const requests = () =>
    t.sim
      .requestLog('dst')
      .filter((e) => !e.route.includes('/auth/tokens'))
      .map((e) => ({ method: e.method, route: e.route }));

  it('the dry run finds every entry unchanged with GET list requests only, bounded by collections, not entries', async () => {
    t.sim.clearLog();
    const changes = await planChanges(p, t.deps(), { preflight: false });
    expect(changes.actions.filter((a) => a.action !== ACTION.NOOP)).toEqual([]);
    const sent = requests();
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);
    // Six collections (networks, subnets, ports, security groups, their rules, routers), each read once, page by page,
    // plus the external network's lookup by name: nothing per entry.
    const pages = Math.ceil(managed / LISTING_PAGE_SIZE);
    expect(sent.length).toBeLessThanOrEqual(6 * pages + 1);
    expect(new Set(sent.map((r) => r.route))).toEqual(
      new Set(
        ['networks', 'subnets', 'ports', 'security-groups', 'security-group-rules', 'routers'].map(
          (c) => `GET /v2.0/${c}`,
        ),
      ),
    );
  });

  it('without the listings (as before), the same dry run sends a lookup per entry or more', async () => {
    t.sim.clearLog();
    const changes = await planChanges(p, t.deps(), { preflight: false, listedLookups: false });
    expect(changes.actions.filter((a) => a.action !== ACTION.NOOP)).toEqual([]);
    expect(requests().length).toBeGreaterThanOrEqual(managed);
  });

  it('a second apply changes nothing and looks entries up from the listings too', async () => {
    t.sim.clearLog();
    const again = await applyPlan(p, t.deps(), { journalPath: `${t.dir}/journal2.jsonl` });
    expect(again.ok).toBe(true);
    expect(again.nodes.filter((n) => n.outcome !== 'unchanged')).toEqual([]);
    const sent = requests();
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(sent.length).toBeLessThanOrEqual(6 * Math.ceil(managed / LISTING_PAGE_SIZE) + 1);
  });
});

/**
 * Servers, volumes and images (issue #18): a re-run finds them in one listing per collection too (Nova's servers,
 * Cinder's volumes, the images the project owns), not one lookup per entry. Moved between two simulated clouds with
 * their bytes, then dry-run and applied again; counted on the target's request log.
 */
describe('a re-run reads servers, volumes and images once per collection', () => {
  const SERVERS = 6;
  let env: TwoSimClouds;
  let p: Plan;
  let extensions: Set<string>;

  const depsOf = (plan: Plan, strategy: string[]): EngineDeps => {
    const mover = new WorkloadMover(env.source, env.target, {
      consistency: 'stop',
      restartSource: true,
      transferConcurrency: 2,
    });
    const ctx: WriteContext = {
      cloud: env.target,
      projectId: env.target.projectId,
      signal: new AbortController().signal,
      logger: silentLogger,
      extensions,
      source: { cloud: env.source, projectId: env.source.projectId },
      workload: createWorkload(plan, mover, { serverDisk: parseServerDisk(strategy), keepTemporary: false }),
    };
    return { target: ctx, writerFor, readerFor, concurrency: 4 };
  };

  beforeAll(async () => {
    env = await twoSimClouds({
      prefix: 'bascule-rerun-nova-',
      shop: {
        images: [
          { name: 'base', disk_format: 'raw', container_format: 'bare', data: { size: '64KiB', seed: 'b' } },
          { name: 'extra', disk_format: 'raw', container_format: 'bare', data: { size: '32KiB', seed: 'e' } },
        ],
        networks: [{ name: 'net', subnets: [{ name: 'sub', cidr: '10.1.0.0/24' }] }],
        server_groups: [{ name: 'spread', policy: 'anti-affinity' }],
        volumes: Array.from({ length: SERVERS }, (_, i) => ({ name: `data-${i}`, size: 1 })),
        servers: Array.from({ length: SERVERS }, (_, i) => ({
          name: `app-${i}`,
          flavor: 'm1.tiny',
          image: 'base',
          networks: [{ network: 'net' }],
          ...(i % 2 === 0 ? { volumes: [`data-${i}`] } : {}),
          ...(i < 2 ? { server_group: 'spread' } : {}),
        })),
      },
    });
    extensions = await env.target.networkExtensions();
    p = await env.exportSource();
    const applied = await applyPlan(p, depsOf(p, ['base-image']), { journalPath: join(env.dir, 'j1.jsonl') });
    expect(applied.nodes.filter((n) => n.outcome === 'failed')).toEqual([]);
    expect(applied.ok).toBe(true);
  });
  afterAll(async () => env?.stop());

  const requests = () =>
    env.sim
      .requestLog('dst')
      .filter((e) => !e.route.includes('/auth/tokens'))
      .map((e) => ({ method: e.method, route: e.route }));
  const count = (plan: Plan, kind: string) => plan.resources.filter((e) => e.kind === kind && !e.external).length;

  it('the plan holds the servers, volumes and images the test counts on', () => {
    expect(count(p, 'server')).toBe(SERVERS);
    expect(count(p, 'volume')).toBe(SERVERS);
    expect(count(p, 'image')).toBe(2);
  });

  it('the dry run lists servers, volumes and images once each, and sends nothing per entry', async () => {
    env.sim.clearLog();
    const changes = await planChanges(p, depsOf(p, ['base-image']), { preflight: false });
    expect(changes.actions.filter((a) => a.action !== ACTION.NOOP)).toEqual([]);
    const sent = requests();
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);
    const routes = sent.map((r) => r.route);
    const times = (route: string) => routes.filter((r) => r === route).length;
    // One page each: the collections are read whole, once.
    expect(times('GET /v2.1/servers/detail')).toBe(1);
    expect(times('GET /v3/{project_id}/volumes/detail')).toBe(1);
    expect(times('GET /v2/images')).toBe(1);
    // Nothing per server: its group from one list of the groups, not a GET of each server.
    expect(routes.filter((r) => r === 'GET /v2.1/servers/{id}')).toEqual([]);
    expect(times('GET /v2.1/os-server-groups')).toBe(1);
    // What is left per entry: the device names of an attached server's volumes (one per server with volumes), and
    // the image a volume made from a copy of its bytes names (the temporary copy, gone: one per volume).
    expect(times('GET /v2.1/servers/{id}/os-volume_attachments')).toBe(SERVERS / 2);
    expect(times('GET /v2/images/{id}')).toBe(SERVERS);
    expect(sent.length).toBeLessThanOrEqual(14 + SERVERS / 2 + SERVERS);
  });

  it('without the listings (as before), the same dry run looks each server and volume up', async () => {
    env.sim.clearLog();
    const changes = await planChanges(p, depsOf(p, ['base-image']), { preflight: false, listedLookups: false });
    expect(changes.actions.filter((a) => a.action !== ACTION.NOOP)).toEqual([]);
    const routes = requests().map((r) => r.route);
    expect(routes.filter((r) => r === 'GET /v2.1/servers/detail').length).toBeGreaterThanOrEqual(SERVERS);
    expect(routes.filter((r) => r === 'GET /v3/{project_id}/volumes/detail').length).toBeGreaterThanOrEqual(SERVERS);
  });

  it('a second apply changes nothing and reads the same listings', async () => {
    env.sim.clearLog();
    const again = await applyPlan(p, depsOf(p, ['base-image']), { journalPath: join(env.dir, 'j2.jsonl') });
    expect(again.ok).toBe(true);
    expect(again.nodes.filter((n) => n.outcome !== 'unchanged')).toEqual([]);
    const sent = requests();
    expect(sent.filter((r) => r.method !== 'GET')).toEqual([]);
    const routes = sent.map((r) => r.route);
    expect(routes.filter((r) => r === 'GET /v2.1/servers/detail')).toHaveLength(1);
    expect(routes.filter((r) => r === 'GET /v3/{project_id}/volumes/detail')).toHaveLength(1);
  });
});
