// The operator steps of a campaign on two simulated clouds: a target project created with quotas and role grants
// (dry run first, nothing changed by it; a member's credentials refused with 403), then the rollback of that project
// (grants, quotas, the project itself), and a rolled-back project run again cleanly.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectState } from '../../src/campaign/types.js';
import { cli, startCampaignClouds, writeCampaign, type SimCampaign } from './sim-campaign.js';

let c: SimCampaign;
let file: string;

const identity = () => c.sim.identityState('dst');
const projectNamed = (name: string) => identity().projects.find((p) => p.name === name);
const state = (id: string) =>
  JSON.parse(readFileSync(join(c.dir, 'projects', id, 'state.json'), 'utf8')) as ProjectState;
const rolesOf = (user: string, projectId: string) => {
  const u = identity().users.find((x) => x.name === user);
  return u
    ? identity()
        .roleNames(identity().rolesOn(String(u.id), projectId))
        .sort()
    : [];
};
/** The servers on the target in that project. */
const serversOf = (projectId: string) =>
  c.sim
    .regionState('dst')
    .servers.all()
    .filter((s) => s.tenant_id === projectId);
const mutations = () =>
  c.sim
    .requestLog('dst')
    .filter((e) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(e.method) && !e.route.includes('/auth/tokens'));

function writeFile(operator: Record<string, unknown>, name = 'campaign.yaml'): string {
  return writeCampaign(c.dir, ['p01', 'p02'], 1, { name: 'operator-campaign' }, name, {
    // Into a project the campaign creates, with the source's quotas (cores from the file) and its users' roles.
    p01: {
      target: { project: 'p01-new' },
      operator: {
        ...operator,
        create_project: { description: 'moved by the campaign', tags: ['pi'] },
        quotas: { from_source: true, compute: { cores: 40 } },
        roles: true,
      },
    },
    // Into an existing project, quotas from the file only.
    p02: { operator: { ...operator, quotas: { network: { port: 321 } } } },
  });
}

beforeAll(async () => {
  c = await startCampaignClouds(2, {
    source: {
      users: [
        { name: 'alice', password: 'alice-pw' },
        { name: 'bob', password: 'bob-pw' },
      ],
      role_assignments: [
        { user: 'alice', project: 'p01', role: '_member_' },
        { user: 'alice', project: 'p01', role: 'reader' },
        { user: 'bob', project: 'p01', role: 'member' },
      ],
      quotas: [{ project: 'p01', compute: { instances: 7, cores: 12 }, network: { router: 3 } }],
    },
    // alice exists on the target, bob does not.
    target: { users: [{ name: 'alice', password: 'alice-pw2' }] },
  });
  file = writeFile({ cloud: 'dst-admin', source_cloud: 'src-admin' });
});
afterAll(async () => c?.stop());

describe('campaign operator steps', () => {
  it('refuses a member identity where admin is needed (403 from the cloud), before anything is created', async () => {
    const member = writeFile({ cloud: 'dst', source_cloud: 'src-admin' }, 'member.yaml');
    const r = await cli(c.cloudsYaml, ['batch', 'plan', member, '--dir', join(c.dir, 'member'), '--project', 'p01']);
    expect(r.code).toBe(1);
    const s = JSON.parse(readFileSync(join(c.dir, 'member', 'projects', 'p01', 'state.json'), 'utf8')) as ProjectState;
    expect(s.status).toBe('failed');
    expect(s.failure?.code).toBe('OS_FORBIDDEN');
    expect(projectNamed('p01-new')).toBeUndefined();
  });

  it('batch plan shows the operator steps (project, quotas, grants, missing users) and changes nothing', async () => {
    c.sim.clearLog();
    const r = await cli(c.cloudsYaml, ['batch', 'plan', file]);
    expect(r.code, r.err).toBe(0);
    expect(mutations()).toEqual([]);
    expect(projectNamed('p01-new')).toBeUndefined();
    expect(r.err).toContain('p01: would create project Default/p01-new (tags pi, bascule-created)');
    expect(r.err).toContain('p01: would set quota compute cores: default -> 40 (from the file)');
    expect(r.err).toContain('p01: would set quota compute instances: default -> 7 (from the source)');
    expect(r.err).toContain('p01: would set quota network router: default -> 3 (from the source)');
    expect(r.err).toContain('p01: would give Default/alice role member (source)');
    expect(r.err).toContain('p01: would give Default/alice role reader (source)');
    expect(r.err).toContain('p01: would give Default/ops role member (source)');
    expect(r.err).toContain('p01: user Default/bob not found on the target: roles member not given (never created)');
    expect(r.err).toContain('p02: would set quota network port: 500 -> 321 (from the file)');
    const plan = JSON.parse(readFileSync(join(c.dir, 'projects', 'p01', 'operator.json'), 'utf8'));
    expect(plan.format).toBe('bascule.operator/v1');
    expect(plan.project.action).toBe('create');
    expect(state('p01').status).toBe('reviewable');
    expect(state('p01').operator?.missingUsers).toEqual(['Default/bob']);
    // No dry run of resources can be made in a project that does not exist yet; p02's was made.
    expect(existsSync(join(c.dir, 'projects', 'p01', 'changes.json'))).toBe(false);
    expect(existsSync(join(c.dir, 'projects', 'p02', 'changes.json'))).toBe(true);
  });

  it('batch run creates the project, sets its quotas and grants before anything else, moves and audits clean', async () => {
    const r = await cli(c.cloudsYaml, ['batch', 'run', file]);
    expect(r.code, r.err).toBe(0);
    const created = projectNamed('p01-new')!;
    expect(created).toBeDefined();
    expect(created.description).toBe('moved by the campaign');
    expect(created.tags).toEqual(['pi', 'bascule-created']);
    const pid = String(created.id);
    const quotas = c.sim.regionState('dst').quotas;
    expect(quotas.get(pid, 'compute')).toMatchObject({ cores: 40, instances: 7 });
    expect(quotas.get(pid, 'network')).toMatchObject({ router: 3 });
    expect(rolesOf('alice', pid)).toEqual(['member', 'reader']);
    expect(rolesOf('ops', pid)).toEqual(['member', 'reader']);
    expect(identity().users.find((u) => u.name === 'bob')).toBeUndefined();
    const p02 = String(projectNamed('p02')!.id);
    expect(quotas.get(p02, 'network').port).toBe(321);
    for (const id of ['p01', 'p02']) {
      expect(state(id).status, JSON.stringify(state(id).failure)).toBe('done');
      expect(state(id).audit?.clean).toBe(true);
    }
    expect(state('p01').operator).toMatchObject({ done: true, createdProject: true });
    // The report names what the operator steps did and what they could not.
    const md = readFileSync(join(c.dir, 'report.md'), 'utf8');
    expect(md).toContain('dst/p01-new (created by the campaign; users not on the target: Default/bob)');
    expect(readFileSync(join(c.dir, 'report.html'), 'utf8')).toContain('users not on the target: Default/bob');
    expect(serversOf(pid)).toHaveLength(1);
  });

  it('batch rollback of the created project deletes its resources, grants, quotas and the project itself', async () => {
    const pid = String(projectNamed('p01-new')!.id);
    const r = await cli(c.cloudsYaml, ['--format', 'json', 'batch', 'rollback', file, '--project', 'p01', '--yes']);
    expect(r.code, r.err).toBe(0);
    const [result] = JSON.parse(r.out).results;
    expect(result).toMatchObject({
      id: 'p01',
      ok: true,
      operator: { projectDeleted: true, revoked: 3, quotasRestored: 2 },
    });
    expect(projectNamed('p01-new')).toBeUndefined();
    expect(identity().assignments.filter((a) => a.project_id === pid)).toEqual([]);
    expect(c.sim.regionState('dst').quotas.get(pid, 'compute').cores).toBe(20);
    expect(serversOf(pid)).toEqual([]);
    expect(state('p01').status).toBe('rolled-back');
    // Kept for the record, out of the way of a new run.
    const files = readdirSync(join(c.dir, 'projects', 'p01'));
    expect(files.filter((f) => f.startsWith('operator.rolled-back-'))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith('journal.rolled-back-'))).toHaveLength(1);
    expect(files).not.toContain('operator.jsonl');
  });

  it('a rolled-back project runs again cleanly: the created one after a new review, the other from its review', async () => {
    // p02 (an existing project): rolled back, then run again from the dry run that was reviewed.
    const p02 = String(projectNamed('p02')!.id);
    const back = await cli(c.cloudsYaml, ['batch', 'rollback', file, '--project', 'p02', '--yes']);
    expect(back.code, back.err).toBe(0);
    expect(c.sim.regionState('dst').quotas.get(p02, 'network').port).toBe(500);
    expect(serversOf(p02)).toEqual([]);
    // p01's project was deleted with its dry run: the gate wants a new review.
    const gated = await cli(c.cloudsYaml, ['batch', 'run', file]);
    expect(gated.code).toBe(1);
    expect(state('p01').failure?.code).toBe('CAMPAIGN_NOT_REVIEWED');
    expect(state('p02').status, JSON.stringify(state('p02').failure)).toBe('done');
    expect(state('p02').audit?.clean, readFileSync(join(c.dir, 'projects', 'p02', 'audit.md'), 'utf8')).toBe(true);
    expect(c.sim.regionState('dst').quotas.get(p02, 'network').port).toBe(321);
    expect(serversOf(p02)).toHaveLength(1);

    expect((await cli(c.cloudsYaml, ['batch', 'plan', file, '--project', 'p01'])).code).toBe(0);
    const again = await cli(c.cloudsYaml, ['batch', 'run', file, '--project', 'p01']);
    expect(again.code, again.err).toBe(0);
    const pid = String(projectNamed('p01-new')!.id);
    expect(state('p01').status).toBe('done');
    expect(state('p01').audit?.clean).toBe(true);
    expect(serversOf(pid)).toHaveLength(1);
    expect(
      identity()
        .projects.all()
        .filter((p) => p.name === 'p01-new'),
    ).toHaveLength(1);
    expect(rolesOf('alice', pid)).toEqual(['member', 'reader']);
  });

  it('a role missing on the target blocks the dry run with a hint', async () => {
    const path = writeCampaign(
      c.dir,
      ['p01'],
      1,
      { name: 'roles', defaults: { source: { cloud: 'src' }, target: { cloud: 'dst' } } },
      'roles.yaml',
      {
        p01: {
          target: { project: 'p01-roles' },
          operator: {
            cloud: 'dst-admin',
            source_cloud: 'src-admin',
            create_project: true,
            roles: { role_names: { _member_: '_member_' } },
          },
        },
      },
    );
    const r = await cli(c.cloudsYaml, ['batch', 'plan', path, '--dir', join(c.dir, 'roles')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(
      'role _member_ missing on the target: create it on the target (openstack role create _member_) or map it',
    );
    expect(r.err).toContain('CAMPAIGN_OPERATOR_BLOCKED');
    expect(projectNamed('p01-roles')).toBeUndefined();
  });
});

describe('a quota the operator steps raise on an existing target project', () => {
  it('batch plan shows the shortage it sees today; batch run raises the quota first, then applies', async () => {
    const q = await startCampaignClouds(1, { targetQuotas: [{ project: 'p01', compute: { instances: 0 } }] });
    try {
      const path = writeCampaign(q.dir, ['p01'], 1, { name: 'raise' }, 'campaign.yaml', {
        p01: { operator: { cloud: 'dst-admin', quotas: { compute: { instances: 5 } } } },
      });
      const plan = await cli(q.cloudsYaml, ['batch', 'plan', path]);
      expect(plan.code).toBe(1);
      expect(plan.err).toContain('p01: would set quota compute instances: 0 -> 5 (from the file)');
      expect(plan.err).toContain(
        'quota compute instances: needs 1, 0 left of 0 (the operator steps set compute instances to 5 before anything is created: batch run sets them, then checks this dry run again) [CAMPAIGN_QUOTA]',
      );
      const run = await cli(q.cloudsYaml, ['batch', 'run', path]);
      expect(run.code, run.err).toBe(0);
      const pid = String(q.sim.identityState('dst').projects.find((p) => p.name === 'p01')!.id);
      expect(q.sim.regionState('dst').quotas.get(pid, 'compute').instances).toBe(5);
      expect(
        q.sim
          .regionState('dst')
          .servers.all()
          .filter((s) => s.tenant_id === pid),
      ).toHaveLength(1);
    } finally {
      await q.stop();
    }
  });
});

describe('operator steps stopped half-way', () => {
  it('batch run continues them from their journal: the project it created is taken over, not made twice', async () => {
    const h = await startCampaignClouds(1, {
      source: {
        users: [{ name: 'alice', password: 'a' }],
        role_assignments: [{ user: 'alice', project: 'p01', role: 'member' }],
      },
      target: { users: [{ name: 'alice', password: 'b' }] },
    });
    try {
      const path = writeCampaign(h.dir, ['p01'], 1, { name: 'half' }, 'campaign.yaml', {
        p01: {
          target: { project: 'p01-half' },
          operator: { cloud: 'dst-admin', source_cloud: 'src-admin', create_project: true, roles: true },
        },
      });
      expect((await cli(h.cloudsYaml, ['batch', 'plan', path])).code).toBe(0);
      // The second grant fails: the project exists, one grant is made, the apply stops.
      h.sim.setFaults('dst', [
        { kind: 'error', status: 400, route: 'PUT /v3/projects/{pid}/users/{uid}/roles/{rid}', skip: 1, count: 1 },
      ]);
      const first = await cli(h.cloudsYaml, ['batch', 'run', path]);
      expect(first.code).toBe(1);
      const s = JSON.parse(readFileSync(join(h.dir, 'projects', 'p01', 'state.json'), 'utf8')) as ProjectState;
      expect(s).toMatchObject({ status: 'failed', operator: { applying: true } });
      const ks = h.sim.identityState('dst');
      expect(ks.projects.all().filter((p) => p.name === 'p01-half')).toHaveLength(1);
      h.sim.setFaults('dst', []);
      const again = await cli(h.cloudsYaml, ['batch', 'run', path]);
      expect(again.code, again.err).toBe(0);
      const made = ks.projects.all().filter((p) => p.name === 'p01-half');
      expect(made).toHaveLength(1);
      const alice = ks.users.find((u) => u.name === 'alice')!;
      expect(ks.roleNames(ks.rolesOn(String(alice.id), String(made[0]!.id)))).toContain('member');
      expect(
        h.sim
          .regionState('dst')
          .servers.all()
          .filter((x) => x.tenant_id === made[0]!.id),
      ).toHaveLength(1);
      // Rolled back from the one journal of both runs: the project is deleted.
      const back = await cli(h.cloudsYaml, ['batch', 'rollback', path, '--project', 'p01', '--yes']);
      expect(back.code, back.err).toBe(0);
      expect(ks.projects.all().filter((p) => p.name === 'p01-half')).toEqual([]);
    } finally {
      await h.stop();
    }
  });
});
