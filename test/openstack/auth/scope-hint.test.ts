// A 401 at login says why when it can (#13, "Words"): Keystone answers 401 alike to a wrong password, a project that
// does not exist and a user without a role on the project. Bascule tries the same credentials unscoped to tell them
// apart, and names the project (not "check the credentials") when the credentials are right.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Cloud } from '../../../src/openstack/cloud.js';
import * as projects from '../../../src/openstack/identity/projects.js';
import { connect, loadCloudConfig } from '../../../src/openstack/index.js';
import type { CloudConfig } from '../../../src/openstack/config/types.js';
import { isBasculeError } from '../../../src/shared/errors.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { startCampaignClouds, type SimCampaign } from '../../campaign/sim-campaign.js';

let c: SimCampaign;
let admin: Cloud;
let member: CloudConfig;

beforeAll(async () => {
  c = await startCampaignClouds(1);
  admin = await connect(await loadCloudConfig('dst-admin', { files: [c.cloudsYaml] }), { logger: silentLogger });
  member = await loadCloudConfig('dst', { files: [c.cloudsYaml] });
});
afterAll(async () => {
  await admin?.close();
  await c?.stop();
});

async function loginError(config: CloudConfig): Promise<{ code: string; message: string; hint?: string }> {
  const error = await connect(config, { logger: silentLogger, retry: { baseMs: 1, capMs: 5 } }).then(
    (cloud) => cloud.close().then(() => undefined),
    (e: unknown) => e,
  );
  if (!isBasculeError(error)) throw new Error(`expected a refused login, got ${String(error)}`);
  return { code: error.code, message: error.message, ...(error.hint ? { hint: error.hint } : {}) };
}

const scoped = (projectName: string): CloudConfig => {
  const auth = { ...member.auth, projectName } as CloudConfig['auth'];
  delete (auth as { projectId?: string }).projectId;
  return { ...member, auth };
};

describe('a refused login', () => {
  it('to a project that does not exist: the hint names the project and the projects the user has', async () => {
    const error = await loginError(scoped('no-such-project'));
    expect(error.code).toBe('OS_AUTH_FAILED');
    expect(error.hint).toContain('the credentials are right');
    expect(error.hint).toContain('project "no-such-project" (domain Default)');
    expect(error.hint).toMatch(/it has one on: \S/);
    expect(error.hint).toContain('does not exist, or the user has no role on it');
    expect(error.hint).not.toContain('check the credentials');
  });

  it('to a project where the user has no role: the same hint, naming that project', async () => {
    const bare = await projects.create(admin.identity, { name: 'bare', domain_id: 'default' });
    try {
      const error = await loginError(scoped('bare'));
      expect(error.hint).toContain('project "bare" (domain Default) is not one the user has a role on');
    } finally {
      await projects.remove(admin.identity, bare.id);
    }
  });

  it('with a wrong password: still "check the credentials", and the password is never shown', async () => {
    if (member.auth.method !== 'password') throw new Error('the test cloud logs in with a password');
    const { secret } = await import('../../../src/shared/secret.js');
    const wrong = { ...member, auth: { ...member.auth, password: secret('not-the-password') } } as CloudConfig;
    const error = await loginError(wrong);
    expect(error.hint).toContain('check the credentials');
    expect(`${error.message} ${error.hint}`).not.toContain('not-the-password');
  });
});
