// A campaign of 21 projects in 3 waves on two simulated clouds: plan (nothing changed on the target), a stale dry
// run refused, one project failing mid-way, resume only with --resume and then without a duplicate, the report,
// status, and the rollback of one project. One project (p10) goes into a target project the campaign creates, with
// quotas and role grants (operator steps); a rolled-back project runs again.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, loadCloudConfig, scopeTo } from '../../src/openstack/index.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import { silentLogger } from '../../src/shared/logger.js';
import { cli, startCampaignClouds, writeCampaign, type SimCampaign } from './sim-campaign.js';

let c: SimCampaign;
let file: string;

function mutations(cloud: string) {
  return c.sim
    .requestLog(cloud)
    .filter((e) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(e.method) && !e.route.includes('/auth/tokens'));
}

/** Target objects of a kind named NAME in the whole target cloud. */
function named(kind: 'networks' | 'servers' | 'images', name: string): number {
  const state = c.sim.regionState('dst') as unknown as Record<string, { all(): { name?: unknown }[] }>;
  return state[kind]!.all().filter((o) => o.name === name).length;
}

beforeAll(async () => {
  c = await startCampaignClouds(21);
  file = writeCampaign(c.dir, c.names, 3, {}, 'campaign.yaml', {
    p10: {
      target: { project: 'p10-created' },
      operator: {
        cloud: 'dst-admin',
        source_cloud: 'src-admin',
        create_project: true,
        quotas: { compute: { instances: 15 } },
        roles: true,
      },
    },
  });
});
afterAll(async () => c?.stop());

describe('bascule batch: a campaign of 21 projects in 3 waves', () => {
  it(
    'batch plan exports and saves a dry run per project, in its own folder, and changes nothing on the target',
    { timeout: 300_000 },
    async () => {
      c.sim.clearLog();
      const r = await cli(c.cloudsYaml, ['--format', 'json', 'batch', 'plan', file, '--parallel-projects', '6']);
      expect(r.code, r.err).toBe(0);
      const events = r.out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; wave?: string });
      expect(events.filter((e) => e.type === 'wave.start').map((e) => e.wave)).toEqual(['w1', 'w2', 'w3']);
      expect(events.filter((e) => e.type === 'project.done')).toHaveLength(21);
      expect(mutations('dst')).toEqual([]);
      expect(mutations('src')).toEqual([]);
      for (const name of c.names) {
        const dir = join(c.dir, 'projects', name);
        expect(existsSync(join(dir, 'plan.json'))).toBe(true);
        if (name === 'p10') {
          // Its target project does not exist yet: the operator steps are the dry run to review.
          expect(JSON.parse(readFileSync(join(dir, 'operator.json'), 'utf8'))).toMatchObject({
            ok: true,
            project: { action: 'create', name: 'p10-created' },
            quotas: [{ service: 'compute', resource: 'instances', to: 15 }],
          });
          expect(existsSync(join(dir, 'changes.json'))).toBe(false);
          continue;
        }
        expect(JSON.parse(readFileSync(join(dir, 'changes.json'), 'utf8'))).toMatchObject({
          format: 'bascule.changes/v1',
          ok: true,
        });
        expect(JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8'))).toMatchObject({
          status: 'reviewable',
          stage: 'planned',
        });
      }
      const status = await cli(c.cloudsYaml, ['batch', 'status', file]);
      expect(status.out).toMatch(/21 projects: 0 done, 21 reviewable/);
    },
  );

  it(
    'batch run applies the reviewed dry runs: a stale one is refused, a failure mid-way stops only its project',
    { timeout: 300_000 },
    async () => {
      // p21's target changes after the review: its saved dry run is stale.
      const config = scopeTo(await loadCloudConfig('dst', { files: [c.cloudsYaml], env: {} }), { name: 'p21' });
      const p21 = await connect(config, { logger: silentLogger });
      const intruder = await networks.create(p21.network, { name: 'p21-net' });
      // One server create on the target is refused: that project fails after its networks were made.
      c.sim.setFaults('dst', [
        { kind: 'error', status: 400, route: 'POST /v2.1/servers', skip: 3, count: 1, message: 'simulated refusal' },
      ]);
      const r = await cli(c.cloudsYaml, ['batch', 'run', file, '--parallel-projects', '4', '--max-transfers', '2']);
      expect(r.code, r.err).toBe(1);
      const report = JSON.parse(readFileSync(join(c.dir, 'report.json'), 'utf8'));
      const projects = report.waves.flatMap((w: { projects: unknown[] }) => w.projects) as {
        id: string;
        status: string;
        stage: string;
        failure?: { code: string; message: string; stage: string };
      }[];
      const failed = projects.filter((p) => p.status === 'failed');
      expect(failed.map((p) => p.id)).toContain('p21');
      expect(failed).toHaveLength(2);
      expect(projects.find((p) => p.id === 'p21')!.failure).toMatchObject({ code: 'CHANGES_STALE', stage: 'gate' });
      const midway = failed.find((p) => p.id !== 'p21')!;
      expect(midway).toMatchObject({ stage: 'applying', failure: { stage: 'apply' } });
      expect(midway.failure!.message).toMatch(/simulated refusal/);
      expect(named('networks', `${midway.id}-net`)).toBe(1);
      expect(named('servers', `${midway.id}-app`)).toBe(0);
      expect(report.totals).toMatchObject({ projects: 21, done: 19, failed: 2 });
      // Nothing of p21 was created.
      expect(named('servers', 'p21-app')).toBe(0);
      expect(r.err).toMatch(/FAILED p21 at gate: .*CHANGES_STALE/);

      // Without --resume, a campaign with a project stopped while applying is refused.
      const again = await cli(c.cloudsYaml, ['batch', 'run', file]);
      expect(again.code).toBe(2);
      expect(again.err).toMatch(/--resume/);

      // p21: remove the intruder, make and review a new dry run; then resume everything.
      await networks.remove(p21.network, intruder.id);
      await p21.close();
      expect((await cli(c.cloudsYaml, ['batch', 'plan', file, '--project', 'p21'])).code).toBe(0);
      c.sim.clearLog();
      const resumed = await cli(c.cloudsYaml, ['batch', 'run', file, '--resume']);
      expect(resumed.code, resumed.err).toBe(0);
      // Projects already done were not touched again.
      const creates = mutations('dst').filter((e) => e.method === 'POST');
      expect(creates.length).toBeGreaterThan(0);
      for (const name of c.names) {
        expect(named('networks', `${name}-net`), name).toBe(1);
        expect(named('servers', `${name}-app`), name).toBe(1);
      }
      const status = await cli(c.cloudsYaml, ['--format', 'json', 'batch', 'status', file]);
      const after = JSON.parse(status.out);
      expect(after.totals).toMatchObject({ projects: 21, done: 21, failed: 0, audits_clean: 21 });
      // p10 went into the project the campaign created, with its quota and the source's grant.
      const created = c.sim.identityState('dst').projects.find((p) => p.name === 'p10-created')!;
      expect(created.tags).toEqual(['bascule-created']);
      expect(c.sim.regionState('dst').quotas.get(String(created.id), 'compute').instances).toBe(15);
      expect(
        c.sim
          .regionState('dst')
          .servers.all()
          .filter((s) => s.tenant_id === created.id),
      ).toHaveLength(1);
    },
  );

  it('the report: per project its stage, counts per kind, bytes, duration and a link to its audit; per wave totals', () => {
    const report = JSON.parse(readFileSync(join(c.dir, 'report.json'), 'utf8'));
    expect(report.format).toBe('bascule.campaign-report/v1');
    expect(
      report.waves.map((w: { name: string; totals: { projects: number } }) => [w.name, w.totals.projects]),
    ).toEqual([
      ['w1', 7],
      ['w2', 7],
      ['w3', 7],
    ]);
    const p01 = report.waves[0].projects[0];
    expect(p01).toMatchObject({
      id: 'p01',
      status: 'done',
      stage: 'audited',
      kinds: { network: 1, subnet: 1, server: 1, image: 1 },
      audit: { clean: true },
    });
    expect(p01.bytes.moved).toBeGreaterThan(0);
    expect(p01.durationMs).toBeGreaterThan(0);
    expect(existsSync(p01.audit.report)).toBe(true);
    const md = readFileSync(join(c.dir, 'report.md'), 'utf8');
    expect(md).toMatch(/\| p01 \| done \| audited \| src\/p01 \| dst\/p01 \|/);
    expect(md).toContain('[clean](projects/p01/audit.html)');
    const html = readFileSync(join(c.dir, 'report.html'), 'utf8');
    expect(html).not.toContain('http-equiv="refresh"');
    expect(html).toContain('data-project="p21"');
    // No secret anywhere in the campaign directory.
    for (const f of ['report.json', 'report.md', 'report.html', 'events.jsonl', 'projects/p01/log.jsonl'])
      expect(readFileSync(join(c.dir, f), 'utf8')).not.toContain('ops-pw');
  });

  it('batch rollback undoes one project only', { timeout: 300_000 }, async () => {
    expect((await cli(c.cloudsYaml, ['batch', 'rollback', file, '--project', 'p02'])).code).toBe(2);
    const r = await cli(c.cloudsYaml, ['batch', 'rollback', file, '--project', 'p02', '--yes']);
    expect(r.code, r.err).toBe(0);
    expect(named('networks', 'p02-net')).toBe(0);
    expect(named('servers', 'p02-app')).toBe(0);
    expect(named('networks', 'p01-net')).toBe(1);
    const status = await cli(c.cloudsYaml, ['batch', 'status', file, '--project', 'p02']);
    expect(status.out).toMatch(/p02\s+rolled-back/);
  });

  it(
    'batch rollback of the created project deletes it; a rolled-back project runs again cleanly',
    { timeout: 300_000 },
    async () => {
      const r = await cli(c.cloudsYaml, ['batch', 'rollback', file, '--project', 'p10', '--yes']);
      expect(r.code, r.err).toBe(0);
      expect(c.sim.identityState('dst').projects.find((p) => p.name === 'p10-created')).toBeUndefined();
      expect(named('servers', 'p10-app')).toBe(0);
      // p02 again, from the dry run that was reviewed: made once more, audited clean, nothing else touched.
      c.sim.clearLog();
      const again = await cli(c.cloudsYaml, ['batch', 'run', file, '--project', 'p02']);
      expect(again.code, again.err).toBe(0);
      expect(named('networks', 'p02-net')).toBe(1);
      expect(named('servers', 'p02-app')).toBe(1);
      const status = JSON.parse((await cli(c.cloudsYaml, ['--format', 'json', 'batch', 'status', file])).out);
      const p02 = status.waves[0].projects.find((p: { id: string }) => p.id === 'p02');
      expect(p02).toMatchObject({ status: 'done', stage: 'audited', audit: { clean: true } });
    },
  );
});
