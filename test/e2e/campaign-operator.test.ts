// A campaign on the real OpenStack whose operator steps create the target projects: two small source projects
// (made here with admin, each a network, a subnet and a security group with a rule) moved into two target projects
// the campaign creates (quotas from the source with one from the file, the source users' roles, the campaign
// identity's member role), audited clean, then rolled back: the created projects are deleted. Also the contract of
// the admin calls: a member token gets 403 from the real Keystone, Nova and Neutron. Everything made here is removed.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProjectState } from '../../src/campaign/types.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as computeQuotas from '../../src/openstack/compute/quotas/requests.js';
import * as projects from '../../src/openstack/identity/projects.js';
import * as roles from '../../src/openstack/identity/roles.js';
import * as users from '../../src/openstack/identity/users.js';
import { collect } from '../../src/openstack/pagination.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import * as networkQuotas from '../../src/openstack/network/quotas/requests.js';
import {
  cli,
  openCloud,
  projectByName,
  removeTestProject,
  seedSourceProject,
  writeCampaign,
} from './support/campaign.js';
import { requireCloud } from './support/env.js';

const PREFIX = 'bascule-e2e-op';
const SOURCES = [`${PREFIX}-a`, `${PREFIX}-b`];
const TARGETS = SOURCES.map((s) => `${s}-new`);
const CREATED_TAG = 'bascule-created';

let admin: Cloud;
let member: Cloud;
let dir: string;
let file: string;

const byName = (name: string) => projectByName(admin, name);

/** Removes a project this test made (or the campaign made from it), with its networks and security groups. */
const removeProject = (name: string) => removeTestProject(admin, PREFIX, name, { resetQuotas: true });

const state = async (id: string) =>
  JSON.parse(await readFile(join(dir, 'projects', id, 'state.json'), 'utf8')) as ProjectState;

beforeAll(async () => {
  requireCloud();
  admin = await openCloud('admin');
  member = await openCloud('dst');
  for (const name of [...TARGETS, ...SOURCES]) await removeProject(name);
  const [srcUser] = await users.list(admin.identity, { name: 'bascule-src-user', domain_id: 'default' });
  const [memberRole] = await roles.list(admin.identity, { name: 'member' });
  for (const [i, name] of SOURCES.entries()) {
    const p = await projects.create(admin.identity, { name, domain_id: 'default', description: `e2e ${name}` });
    await roles.grant(admin.identity, { projectId: p.id, userId: srcUser!.id, roleId: memberRole!.id });
    if (i === 0) await computeQuotas.update(admin.compute, p.id, { instances: 7 });
    const src = await openCloud('src', name);
    try {
      await seedSourceProject(src, 'op', i, 77);
    } finally {
      await src.close();
    }
  }
  dir = await mkdtemp(join(tmpdir(), 'bascule-e2e-op-'));
  file = join(dir, 'campaign.yaml');
  await writeCampaign(file, {
    name: 'e2e-operator',
    kinds: ['network', 'subnet', 'security_group', 'security_group_rule', 'quota'],
    sources: SOURCES,
    targets: TARGETS,
    operator: {
      cloud: 'admin',
      source_cloud: 'admin',
      create_project: { tags: ['e2e'] },
      quotas: { from_source: true, network: { port: 123 } },
      roles: true,
    },
  });
});

afterAll(async () => {
  try {
    if (admin) for (const name of [...TARGETS, ...SOURCES]) await removeProject(name);
  } finally {
    await admin?.close();
    await member?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  }
});

describe('campaign operator steps on the real cloud', () => {
  it('a member token gets 403 for the admin calls (the policy the simulator copies)', async () => {
    const forbidden = { status: 403 };
    await expect(projects.list(member.identity, {})).rejects.toMatchObject(forbidden);
    await expect(roles.assignmentsOnProject(member.identity, member.projectId)).rejects.toMatchObject(forbidden);
    // Real IDs: Keystone looks the user and role up before its policy (unknown ones are 404).
    const [user] = await users.list(admin.identity, { name: 'bascule-dst-user', domain_id: 'default' });
    const [role] = await roles.list(admin.identity, { name: 'admin' });
    await expect(
      roles.grant(member.identity, { projectId: member.projectId, userId: user!.id, roleId: role!.id }),
    ).rejects.toMatchObject(forbidden);
    await expect(computeQuotas.update(member.compute, member.projectId, { cores: 1 })).rejects.toMatchObject(forbidden);
    await expect(networkQuotas.update(member.network, member.projectId, { port: 1 })).rejects.toMatchObject(forbidden);
  });

  it('batch plan shows the operator steps and creates nothing', async () => {
    const r = await cli(['batch', 'plan', file]);
    expect(r.code, r.err).toBe(0);
    for (const name of TARGETS) {
      expect(r.err).toContain(`would create project Default/${name} (tags e2e, bascule-created)`);
      expect(await byName(name)).toBeUndefined();
    }
    expect(r.err).toContain('p0: would set quota compute instances: ');
    expect(r.err).toContain('-> 123 (from the file)');
    expect(r.err).toContain('would give Default/bascule-src-user role member (source)');
    expect(r.err).toContain('would give Default/bascule-dst-user role member (campaign identity)');
  });

  it('batch run creates both projects with quotas and roles, moves them, and audits clean', async () => {
    const r = await cli(['batch', 'run', file]);
    expect(r.code, r.err).toBe(0);
    for (const [i, name] of TARGETS.entries()) {
      const p = (await byName(name))!;
      expect([...(p.tags ?? [])].sort()).toEqual([CREATED_TAG, 'e2e']);
      expect((await networkQuotas.get(admin.network, p.id)).port).toBe(123);
      if (i === 0) expect((await computeQuotas.get(admin.compute, p.id)).instances).toBe(7);
      const granted = (await roles.assignmentsOnProject(admin.identity, p.id)).map(
        (a) => `${a.user?.name}:${a.role.name}`,
      );
      expect(granted).toEqual(expect.arrayContaining(['bascule-src-user:member', 'bascule-dst-user:member']));
      const nets = await collect(networks.list(admin.network, { project_id: p.id }));
      expect(nets.map((n) => n.name)).toEqual([`op-net-${i}`]);
      const s = await state(`p${i}`);
      expect(s.status, JSON.stringify(s.failure)).toBe('done');
      expect(s.audit?.clean).toBe(true);
      expect(s.operator).toMatchObject({ done: true, createdProject: true });
    }
  });

  it('batch rollback of the wave deletes what was moved and the projects the campaign created', async () => {
    const r = await cli(['--format', 'json', 'batch', 'rollback', file, '--wave', 'w1', '--yes']);
    expect(r.code, r.err).toBe(0);
    for (const result of JSON.parse(r.out).results)
      expect(result).toMatchObject({ ok: true, operator: { projectDeleted: true } });
    for (const name of TARGETS) expect(await byName(name)).toBeUndefined();
    // The source projects are untouched.
    for (const name of SOURCES) expect(await byName(name)).toBeDefined();
  });
});
