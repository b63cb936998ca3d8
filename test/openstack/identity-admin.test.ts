// Keystone v3 admin calls and quota updates (src/openstack/identity, */quotas) on the simulator: an admin token does
// them, a member token gets 403 like the real cloud's default policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as blockQuotas from '../../src/openstack/block-storage/quotas/requests.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import * as computeQuotas from '../../src/openstack/compute/quotas/requests.js';
import * as domains from '../../src/openstack/identity/domains.js';
import * as projects from '../../src/openstack/identity/projects.js';
import * as roles from '../../src/openstack/identity/roles.js';
import * as users from '../../src/openstack/identity/users.js';
import { connect, loadCloudConfig } from '../../src/openstack/index.js';
import * as networkQuotas from '../../src/openstack/network/quotas/requests.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startCampaignClouds, type SimCampaign } from '../campaign/sim-campaign.js';

let c: SimCampaign;
let admin: Cloud;
let member: Cloud;

beforeAll(async () => {
  c = await startCampaignClouds(1);
  const open = async (name: string) =>
    connect(await loadCloudConfig(name, { files: [c.cloudsYaml] }), { logger: silentLogger });
  admin = await open('dst-admin');
  member = await open('dst');
});
afterAll(async () => {
  await admin?.close();
  await member?.close();
  await c?.stop();
});

describe('identity admin calls', () => {
  it('create a project, grant and revoke a role, list assignments, delete the project (admin)', async () => {
    const [domain] = await domains.list(admin.identity, { name: 'Default' });
    expect(domain?.id).toBe('default');
    const p = await projects.create(admin.identity, { name: 'made', domain_id: 'default', tags: ['x'] });
    expect(p).toMatchObject({ name: 'made', domain_id: 'default', tags: ['x'] });
    expect((await projects.list(admin.identity, { name: 'made', domain_id: 'default' })).map((x) => x.id)).toEqual([
      p.id,
    ]);
    const [ops] = await users.list(admin.identity, { name: 'ops', domain_id: 'default' });
    const [role] = await roles.list(admin.identity, { name: 'member' });
    await roles.grant(admin.identity, { projectId: p.id, userId: ops!.id, roleId: role!.id });
    const listed = await roles.assignmentsOnProject(admin.identity, p.id);
    expect(listed.map((a) => [a.user?.name, a.role.name])).toEqual([['ops', 'member']]);
    await roles.revoke(admin.identity, { projectId: p.id, userId: ops!.id, roleId: role!.id });
    expect(await roles.assignmentsOnProject(admin.identity, p.id)).toEqual([]);
    await expect(
      roles.revoke(admin.identity, { projectId: p.id, userId: ops!.id, roleId: role!.id }),
    ).rejects.toMatchObject({
      status: 404,
    });
    await projects.remove(admin.identity, p.id);
    expect(await projects.list(admin.identity, { name: 'made' })).toEqual([]);
  });

  it('set and reset quotas of another project on the three services (admin)', async () => {
    const pid = member.projectId;
    expect((await computeQuotas.update(admin.compute, pid, { cores: 33 })).cores).toBe(33);
    expect((await networkQuotas.update(admin.network, pid, { port: 77 })).port).toBe(77);
    expect((await blockQuotas.update(admin.blockStorage, pid, { volumes: 5 })).volumes).toBe(5);
    expect((await computeQuotas.get(member.compute, pid)).cores).toBe(33);
    await computeQuotas.reset(admin.compute, pid);
    await networkQuotas.reset(admin.network, pid);
    await blockQuotas.reset(admin.blockStorage, pid);
    expect((await computeQuotas.get(member.compute, pid)).cores).toBe(20);
    expect((await networkQuotas.get(member.network, pid)).port).toBe(500);
    expect((await blockQuotas.get(member.blockStorage, pid)).volumes).toBe(10);
    expect((await computeQuotas.defaults(admin.compute, pid)).cores).toBe(20);
  });

  it('a member token gets 403 for every one of them', async () => {
    const pid = member.projectId;
    const forbidden = { status: 403 };
    await expect(domains.list(member.identity, { name: 'Default' })).rejects.toMatchObject(forbidden);
    await expect(projects.list(member.identity, {})).rejects.toMatchObject(forbidden);
    await expect(projects.create(member.identity, { name: 'nope', domain_id: 'default' })).rejects.toMatchObject(
      forbidden,
    );
    await expect(users.list(member.identity, { name: 'ops' })).rejects.toMatchObject(forbidden);
    await expect(roles.list(member.identity, {})).rejects.toMatchObject(forbidden);
    await expect(roles.assignmentsOnProject(member.identity, pid)).rejects.toMatchObject(forbidden);
    // Real IDs: like Keystone, the simulator looks them up before its policy (unknown ones are 404).
    const [ops] = await users.list(admin.identity, { name: 'ops' });
    const [role] = await roles.list(admin.identity, { name: 'admin' });
    const grantee = { projectId: pid, userId: ops!.id, roleId: role!.id };
    await expect(roles.grant(member.identity, grantee)).rejects.toMatchObject(forbidden);
    await expect(roles.revoke(member.identity, grantee)).rejects.toMatchObject(forbidden);
    await expect(roles.grant(member.identity, { ...grantee, userId: 'nobody' })).rejects.toMatchObject({ status: 404 });
    await expect(projects.remove(member.identity, pid)).rejects.toMatchObject(forbidden);
    await expect(computeQuotas.update(member.compute, pid, { cores: 1 })).rejects.toMatchObject(forbidden);
    await expect(networkQuotas.update(member.network, pid, { port: 1 })).rejects.toMatchObject(forbidden);
    await expect(blockQuotas.update(member.blockStorage, pid, { volumes: 1 })).rejects.toMatchObject(forbidden);
    await expect(computeQuotas.reset(member.compute, pid)).rejects.toMatchObject(forbidden);
    await expect(networkQuotas.reset(member.network, pid)).rejects.toMatchObject(forbidden);
    await expect(blockQuotas.reset(member.blockStorage, pid)).rejects.toMatchObject(forbidden);
    expect(c.sim.identityState('dst').projects.find((p) => p.name === 'nope')).toBeUndefined();
  });
});
