import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { authRequestBody, identityBase } from '../../../src/openstack/auth/keystone-v3.js';
import { connect } from '../../../src/openstack/cloud.js';
import { collect } from '../../../src/openstack/pagination.js';
import * as networks from '../../../src/openstack/network/networks/requests.js';
import { isBasculeError } from '../../../src/shared/errors.js';
import { fakeCloud, fakeConfig, SECRETS } from '../../support/cloud.js';
import { FakeOpenStack, gate, until } from '../../support/fake-openstack.js';
import { fixtureBody } from '../../support/fixtures.js';

let fake: FakeOpenStack;
beforeEach(async () => {
  fake = await FakeOpenStack.start();
  fake.reply('GET', '/network/v2.0/networks', { body: { networks: [{ id: 'n1', name: 'private' }] } });
});
afterEach(async () => {
  await fake.close();
});

describe('identityBase', () => {
  it('ends the auth URL in /v3 whatever form it has', () => {
    expect(identityBase('https://k:5000')).toBe('https://k:5000/v3');
    expect(identityBase('https://k:5000/')).toBe('https://k:5000/v3');
    expect(identityBase('https://k:5000/v3/')).toBe('https://k:5000/v3');
    expect(identityBase('https://k:5000/v2.0')).toBe('https://k:5000/v3');
    expect(identityBase('https://k/identity/v3')).toBe('https://k/identity/v3');
  });
});

describe('authentication request bodies (what Keystone receives)', () => {
  it('password: user by name and domain, project scope by name and domain', async () => {
    const cloud = fakeCloud(fake);
    await cloud.token();
    expect(fake.authRequests).toEqual([
      {
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'bascule-src-user', domain: { name: 'Default' }, password: SECRETS.password } },
          },
          scope: { project: { name: 'bascule-src', domain: { name: 'Default' } } },
        },
      },
    ]);
    await cloud.close();
  });

  it('password: user id and project id when given (no domains needed)', async () => {
    const cloud = fakeCloud(fake, {
      config: fakeConfig(fake, {}, { username: undefined, user_id: 'u-1', project_name: undefined, project_id: 'p-1' }),
    });
    await cloud.token();
    expect(fake.authRequests[0]).toEqual({
      auth: {
        identity: { methods: ['password'], password: { user: { id: 'u-1', password: SECRETS.password } } },
        scope: { project: { id: 'p-1' } },
      },
    });
    await cloud.close();
  });

  it('application credential by id: no scope (the credential carries it)', async () => {
    const config = fakeConfig(
      fake,
      { auth_type: 'v3applicationcredential' },
      {
        username: undefined,
        password: undefined,
        project_name: undefined,
        project_domain_name: undefined,
        application_credential_id: 'dc84d6bbb35e495baffa0f08ff22aadf',
        application_credential_secret: SECRETS.appCredSecret,
      },
    );
    const cloud = fakeCloud(fake, { config });
    await cloud.token();
    expect(fake.authRequests[0]).toEqual({
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: { id: 'dc84d6bbb35e495baffa0f08ff22aadf', secret: SECRETS.appCredSecret },
        },
      },
    });
    await cloud.close();
  });

  it('application credential by name names the user and the user domain', () => {
    const config = fakeConfig(
      fake,
      {},
      {
        password: undefined,
        application_credential_name: 'migrate',
        application_credential_secret: SECRETS.appCredSecret,
        user_domain_name: 'Users',
      },
    );
    expect(authRequestBody(config.auth)).toEqual({
      auth: {
        identity: {
          methods: ['application_credential'],
          application_credential: {
            name: 'migrate',
            secret: SECRETS.appCredSecret,
            user: { name: 'bascule-src-user', domain: { name: 'Users' } },
          },
        },
      },
    });
  });

  it('token: methods [token] with a project scope', async () => {
    const config = fakeConfig(
      fake,
      { auth_type: 'token' },
      {
        username: undefined,
        password: undefined,
        token: SECRETS.token,
        project_name: undefined,
        project_id: 'db05018d503c4bf38f2a6fdb27ce532e',
      },
    );
    const cloud = fakeCloud(fake, { config });
    await cloud.token();
    expect(fake.authRequests[0]).toEqual({
      auth: {
        identity: { methods: ['token'], token: { id: SECRETS.token } },
        scope: { project: { id: 'db05018d503c4bf38f2a6fdb27ce532e' } },
      },
    });
    await cloud.close();
  });
});

describe('token responses of each method (recorded from Keystone)', () => {
  for (const [fixture, methods] of [
    ['identity/token-password', ['password']],
    ['identity/token-application-credential', ['application_credential']],
    ['identity/token-token', ['token', 'password']],
  ] as const) {
    it(`reads scope, user, roles, methods and catalog from ${fixture}`, async () => {
      const local = await FakeOpenStack.start({ tokenFixture: fixture });
      try {
        const cloud = fakeCloud(local);
        const token = await cloud.token();
        const recorded = fixtureBody<{
          token: { project: { id: string }; user: { name: string }; roles: { name: string }[] };
        }>(fixture).token;
        expect(token.methods).toEqual(methods);
        expect(token.project?.id).toBe(recorded.project.id);
        expect(token.user.name).toBe(recorded.user.name);
        expect(token.roles).toEqual(recorded.roles.map((r) => r.name));
        expect(token.catalog.map((c) => c.type).sort()).toEqual([
          'block-storage',
          'compute',
          'identity',
          'image',
          'network',
          'placement',
          'volumev3',
        ]);
        expect(token.value.reveal()).toBe(local.issuedTokens[0]);
        expect(cloud.projectId).toBe(recorded.project.id);
        await cloud.close();
      } finally {
        await local.close();
      }
    });
  }
});

describe('token reuse and refresh', () => {
  it('authenticates once for many calls while the token is fresh', async () => {
    const cloud = fakeCloud(fake);
    for (let i = 0; i < 5; i++) await collect(networks.list(cloud.network));
    await Promise.all([1, 2, 3, 4, 5].map(() => collect(networks.list(cloud.network))));
    expect(fake.authCount).toBe(1);
    expect(cloud.session.authCount).toBe(1);
    const sent = fake.requestsTo('/network/v2.0/networks').map((r) => r.headers['x-auth-token']);
    expect(sent).toHaveLength(10);
    expect(new Set(sent)).toEqual(new Set([fake.issuedTokens[0]]));
    await cloud.close();
  });

  it('re-authenticates when the token is within the refresh margin of its expiry', async () => {
    fake.tokenTtlMs = 60_000; // expires in a minute; the default margin is five minutes
    const cloud = fakeCloud(fake);
    const first = await cloud.token();
    expect(first.expiresAt.getTime() - Date.now()).toBeLessThan(5 * 60_000);
    fake.tokenTtlMs = 3_600_000;
    await collect(networks.list(cloud.network));
    await collect(networks.list(cloud.network));
    expect(fake.authCount).toBe(2);
    const sent = fake.requestsTo('/network/v2.0/networks').map((r) => r.headers['x-auth-token']);
    expect(sent).toEqual([fake.issuedTokens[1], fake.issuedTokens[1]]);
    await cloud.close();
  });

  it('a 401 mid-run triggers one shared re-authentication and one retry per call', async () => {
    const cloud = fakeCloud(fake);
    await collect(networks.list(cloud.network));
    expect(fake.authCount).toBe(1);
    // Hold the re-authentication until every call has seen its 401, so they all share it.
    const hold = gate();
    fake.holdAuth = hold.promise;
    fake.revokeTokens();
    const N = 6;
    const calls = Array.from({ length: N }, () => collect(networks.list(cloud.network)));
    await until(() => fake.requestsTo('/network/v2.0/networks').length >= 1 + N, 'every call to get its 401');
    hold.open();
    const results = await Promise.all(calls);
    expect(results.every((r) => r.length === 1)).toBe(true);
    expect(fake.authCount).toBe(2);
    expect(cloud.session.authCount).toBe(2);
    const sent = fake.requestsTo('/network/v2.0/networks').map((r) => r.headers['x-auth-token']);
    // 1 warm-up + N rejected + N retried with the new token: exactly one retry each.
    expect(sent).toHaveLength(1 + 2 * N);
    expect(sent.filter((t) => t === fake.issuedTokens[1])).toHaveLength(N);
    await cloud.close();
  });

  it('one caller aborting does not fail the shared re-authentication of the others', async () => {
    const cloud = fakeCloud(fake);
    await collect(networks.list(cloud.network));
    const hold = gate();
    fake.holdAuth = hold.promise;
    fake.revokeTokens();
    const controller = new AbortController();
    const impatient = collect(networks.list(cloud.network, undefined, { signal: controller.signal }));
    const patient = collect(networks.list(cloud.network));
    await until(() => fake.authRequests.length === 2, 'the shared re-authentication to start');
    await until(() => fake.requestsTo('/network/v2.0/networks').length === 3, 'both calls to get their 401');
    controller.abort();
    const error = await impatient.catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('ABORTED');
    hold.open();
    expect(await patient).toEqual([{ id: 'n1', name: 'private' }]);
    expect(fake.authCount).toBe(2);
    await cloud.close();
  });

  it('the shared re-authentication is cancelled when every caller waiting for it aborted', async () => {
    const cloud = fakeCloud(fake);
    await collect(networks.list(cloud.network));
    const hold = gate();
    fake.holdAuth = hold.promise;
    fake.revokeTokens();
    const controller = new AbortController();
    const calls = [1, 2].map(() =>
      collect(networks.list(cloud.network, undefined, { signal: controller.signal })).catch((e: unknown) => e),
    );
    await until(() => fake.authRequests.length === 2, 'the shared re-authentication to start');
    controller.abort();
    const errors = await Promise.all(calls);
    expect(errors.map((e) => isBasculeError(e) && e.code)).toEqual(['ABORTED', 'ABORTED']);
    hold.open();
    await until(() => fake.authCount === 2, 'Keystone to answer the abandoned request');
    await new Promise((resolve) => setTimeout(resolve, 20));
    // The request was cancelled: its answer never became the session's token.
    expect(cloud.session.authCount).toBe(1);
    await cloud.close();
  });

  it('a token refused again after re-authentication fails with OS_UNAUTHORIZED (no loop)', async () => {
    fake.on('GET', '/network/v2.0/networks', () => ({
      status: 401,
      body: {
        error: { code: 401, message: 'The request you have made requires authentication.', title: 'Unauthorized' },
      },
    }));
    const cloud = fakeCloud(fake);
    const error = await collect(networks.list(cloud.network)).catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_UNAUTHORIZED');
    expect(fake.authCount).toBe(2);
    expect(fake.requestsTo('/network/v2.0/networks')).toHaveLength(2);
    await cloud.close();
  });
});

describe('authentication failures', () => {
  it("bad credentials: OS_AUTH_FAILED with Keystone's message and request id, no secret", async () => {
    const local = await FakeOpenStack.start({ checkAuth: () => false });
    try {
      const config = fakeConfig(local);
      const error = await connect(config, { retry: { baseMs: 1, capMs: 5 } }).catch((e: unknown) => e);
      expect(isBasculeError(error)).toBe(true);
      if (!isBasculeError(error)) return;
      expect(error.code).toBe('OS_AUTH_FAILED');
      expect(error.exitCode).toBe(1);
      expect(error.message).toContain('The request you have made requires authentication.');
      expect(error.message).toContain('req-keystone-401');
      expect(error.message).toContain('bascule-src-user');
      expect(error.hint).toMatch(/credentials/);
      for (const text of [error.message, JSON.stringify(error), inspect(error), String(error), error.stack ?? '']) {
        expect(text).not.toContain(SECRETS.password);
      }
    } finally {
      await local.close();
    }
  });

  it('an abort during authentication is an AbortedError, not "cannot reach"', async () => {
    const controller = new AbortController();
    controller.abort();
    const cloud = fakeCloud(fake);
    const error = await cloud.token(controller.signal).catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('ABORTED');
    expect(isBasculeError(error) && error.exitCode).toBe(130);
    await cloud.close();
  });

  it('an unreachable Keystone gives OS_AUTH_UNREACHABLE naming the URL', async () => {
    const local = await FakeOpenStack.start();
    const config = fakeConfig(local);
    await local.close();
    const error = await connect(config).catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_AUTH_UNREACHABLE');
    expect((error as Error).message).toContain('/identity/v3/auth/tokens');
  });
});
