import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Simulator } from '../../src/sim/index.js';
import { ADMIN_PASSWORD } from '../../src/sim/index.js';
import { call, login, startBasic } from './helpers.js';

describe('keystone', () => {
  let sim: Simulator;
  beforeAll(async () => {
    sim = await startBasic('zed', { tokenTtlSeconds: 1 });
  });
  afterAll(() => sim.stop());

  it('serves version documents at / and /v3', async () => {
    const base = sim.endpoints('c').identity.replace(/\/v3$/, '');
    const root = await call('GET', `${base}/`);
    expect(root.status).toBe(300);
    expect(root.body.versions.values[0].id).toBe('v3.14');
    const v3 = await call('GET', `${base}/v3`);
    expect(v3.body.version.status).toBe('stable');
  });

  it('issues a scoped token with a catalog of public, internal and admin endpoints', async () => {
    const s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
    const types = s.catalog.map((c) => c.type).sort();
    expect(types).toEqual([
      'block-storage',
      'compute',
      'dns',
      'identity',
      'image',
      'load-balancer',
      'network',
      'object-store',
      'volumev3',
    ]);
    const swift = s.catalog.find((c) => c.type === 'object-store')!;
    expect(Object.fromEntries(swift.endpoints.map((e) => [e.interface, e.url.replace(/^.*\/v1/, '/v1')]))).toEqual({
      public: `/v1/AUTH_${s.projectId}`,
      internal: `/v1/AUTH_${s.projectId}`,
      admin: '/v1',
    });
    const compute = s.catalog.find((c) => c.type === 'compute')!;
    expect(compute.endpoints.map((e) => e.interface).sort()).toEqual(['admin', 'internal', 'public']);
    expect(s.url('volumev3')).toContain(`/v3/${s.projectId}`);
  });

  it('refuses a wrong password with 401 in Keystone shape', async () => {
    const res = await call('POST', `${sim.endpoints('c').identity}/auth/tokens`, {
      body: {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'alice', domain: { id: 'default' }, password: 'nope' } },
          },
        },
      },
    });
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
    });
  });

  it('rescopes with a token and validates it', async () => {
    const s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
    const res = await call('POST', `${sim.endpoints('c').identity}/auth/tokens`, {
      body: {
        auth: { identity: { methods: ['token'], token: { id: s.token } }, scope: { project: { id: s.projectId } } },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body.token.methods).toContain('token');
    const check = await call('GET', `${sim.endpoints('c').identity}/auth/tokens`, {
      token: s.token,
      headers: { 'x-subject-token': String(res.headers['x-subject-token']) },
    });
    expect(check.status).toBe(200);
    expect(check.body.token.project.name).toBe('demo');
  });

  it('expires tokens after their TTL (401 on use)', async () => {
    const s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
    expect((await call('GET', `${s.url('network')}/v2.0/networks`, { token: s.token })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1100));
    const res = await call('GET', `${s.url('network')}/v2.0/networks`, { token: s.token });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe(401);
  });

  it('lets only admins list projects and users, and grants roles', async () => {
    const member = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
    expect((await call('GET', `${sim.endpoints('c').identity}/projects`, { token: member.token })).status).toBe(403);
    const roles403 = await call('GET', `${sim.endpoints('c').identity}/roles`, { token: member.token });
    expect(roles403.body).toEqual({
      error: {
        code: 403,
        message: 'You are not authorized to perform the requested action: identity:list_roles.',
        title: 'Forbidden',
      },
    });
    expect(
      (await call('GET', `${sim.endpoints('c').identity}/role_assignments?user.id=x`, { token: member.token })).status,
    ).toBe(403);
    const admin = await login(sim, 'c', 'admin', ADMIN_PASSWORD, 'admin');
    const projects = await call('GET', `${sim.endpoints('c').identity}/projects`, { token: admin.token });
    expect(projects.body.projects.map((p: { name: string }) => p.name).sort()).toEqual(['admin', 'demo', 'other']);
    const created = await call('POST', `${sim.endpoints('c').identity}/projects`, {
      token: admin.token,
      body: { project: { name: 'new', domain_id: 'default' } },
    });
    expect(created.status).toBe(201);
    const roles = await call('GET', `${sim.endpoints('c').identity}/roles?name=member`, { token: admin.token });
    const users = await call('GET', `${sim.endpoints('c').identity}/users?name=alice`, { token: admin.token });
    const grant = await call(
      'PUT',
      `${sim.endpoints('c').identity}/projects/${created.body.project.id}/users/${users.body.users[0].id}/roles/${roles.body.roles[0].id}`,
      { token: admin.token },
    );
    expect(grant.status).toBe(204);
    const s = await login(sim, 'c', 'alice', 'alice-pw', 'new');
    expect(s.projectId).toBe(created.body.project.id);
  });

  it('creates application credentials on zed and authenticates with them', async () => {
    const s = await login(sim, 'c', 'alice', 'alice-pw', 'demo');
    const check = await call('GET', `${sim.endpoints('c').identity}/auth/tokens`, {
      token: s.token,
      headers: { 'x-subject-token': s.token },
    });
    const uid = check.body.token.user.id;
    const created = await call('POST', `${sim.endpoints('c').identity}/users/${uid}/application_credentials`, {
      token: s.token,
      body: { application_credential: { name: 'ci' } },
    });
    expect(created.status).toBe(201);
    const { id, secret } = created.body.application_credential;
    expect(typeof secret).toBe('string');
    const listed = await call('GET', `${sim.endpoints('c').identity}/users/${uid}/application_credentials`, {
      token: s.token,
    });
    expect(listed.body.application_credentials[0]).not.toHaveProperty('secret');
    const res = await call('POST', `${sim.endpoints('c').identity}/auth/tokens`, {
      body: { auth: { identity: { methods: ['application_credential'], application_credential: { id, secret } } } },
    });
    expect(res.status).toBe(201);
    expect(res.body.token.project.id).toBe(s.projectId);
    expect(res.body.token.application_credential.id).toBe(id);
  });

  it('writes clouds.yaml entries for every project user and the admin', () => {
    const y = sim.cloudsYaml();
    expect(Object.keys(y.clouds).sort()).toEqual(['c', 'c-admin', 'c-demo', 'c-demo-rita', 'c-new', 'c-other']);
    expect(y.clouds['c-demo']).toMatchObject({
      auth: { username: 'alice', project_name: 'demo', user_domain_name: 'Default' },
      region_name: 'RegionOne',
    });
  });
});
