// One clouds.yaml identity re-scoped to each project: by name (and domain) or by ID; an application credential,
// bound to its project, is refused with exit 2.
import { describe, expect, it } from 'vitest';
import { scopeTo } from '../../src/openstack/config/scope.js';
import type { CloudConfig } from '../../src/openstack/config/types.js';
import { Secret } from '../../src/shared/secret.js';

const base: CloudConfig = {
  name: 'old',
  origin: 'clouds.yaml',
  auth: {
    method: 'password',
    authUrl: 'https://keystone.example/v3',
    username: 'ops',
    password: new Secret('pw'),
    userDomainName: 'Default',
    projectName: 'first',
    projectDomainId: 'default',
  },
  interface: 'public',
  verify: true,
  endpointOverrides: {},
  apiVersions: {},
};

describe('scopeTo', () => {
  it('replaces the project by name (keeping the user), by ID, and sets the region', () => {
    const byName = scopeTo(base, { name: 'pi-web', domain: 'PI', region: 'nord' });
    expect(byName.auth).toMatchObject({ username: 'ops', projectName: 'pi-web', projectDomainName: 'PI' });
    expect(byName.auth).not.toHaveProperty('projectDomainId');
    expect(byName.regionName).toBe('nord');
    const byId = scopeTo(base, { id: 'abc123' });
    expect(byId.auth).toMatchObject({ projectId: 'abc123' });
    expect(byId.auth).not.toHaveProperty('projectName');
    expect(base.auth).toMatchObject({ projectName: 'first' });
  });

  it('refuses an application credential', () => {
    const appCred: CloudConfig = {
      ...base,
      auth: {
        method: 'application_credential',
        authUrl: 'https://keystone.example/v3',
        applicationCredentialId: 'x',
        applicationCredentialSecret: new Secret('s'),
      },
    };
    expect(() => scopeTo(appCred, { name: 'pi-web' })).toThrow(
      expect.objectContaining({ code: 'CLOUD_CANNOT_RESCOPE', exitCode: 2 }),
    );
  });
});
