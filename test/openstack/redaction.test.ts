import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as volumes from '../../src/openstack/block-storage/volumes/requests.js';
import type { Cloud } from '../../src/openstack/cloud.js';
import { connect } from '../../src/openstack/cloud.js';
import * as servers from '../../src/openstack/compute/servers/requests.js';
import * as networks from '../../src/openstack/network/networks/requests.js';
import { collect } from '../../src/openstack/pagination.js';
import { fakeCloud, fakeConfig, memoryLogger, SECRETS } from '../support/cloud.js';
import { FakeOpenStack } from '../support/fake-openstack.js';
import { fixtureBody } from '../support/fixtures.js';

let fake: FakeOpenStack;
let dir: string;
const clouds: Cloud[] = [];
beforeEach(async () => {
  fake = await FakeOpenStack.start();
  dir = await mkdtemp(join(tmpdir(), 'bascule-redaction-'));
});
afterEach(async () => {
  for (const c of clouds.splice(0)) await c.close();
  await fake.close();
  await rm(dir, { recursive: true, force: true });
});

/** Every text a user or a log could see of an error. */
function errorTexts(error: unknown): string[] {
  const e = error as Error;
  return [e.message, String(e), JSON.stringify(e), JSON.stringify({ ...e }), inspect(e, { depth: 6 }), e.stack ?? ''];
}

function assertClean(texts: string[], fake: FakeOpenStack, extra: string[] = []): void {
  const forbidden = [SECRETS.password, SECRETS.appCredSecret, SECRETS.token, ...fake.issuedTokens, ...extra];
  expect(forbidden.length).toBeGreaterThan(3);
  for (const text of texts)
    for (const value of forbidden) expect(text, `a secret leaked into: ${text.slice(0, 200)}`).not.toContain(value);
}

describe('no secret in logs, errors or results', () => {
  it('password, application credential and token auth; successes and failures; log lines and log file', async () => {
    const logFile = join(dir, 'bascule.log');
    const { logger, lines } = memoryLogger(logFile);
    const pid = fake.projectId;
    fake.reply('GET', '/network/v2.0/networks', { body: { networks: [{ id: 'n1' }] } });
    fake.reply('GET', '/network/v2.0/networks/missing', 'network/error-404-NetworkNotFound');
    fake.reply('POST', '/network/v2.0/ports', 'network/error-409-IpAddressAlreadyAllocated');
    fake.reply('GET', `/volume/v3/${pid}/volumes/detail`, {
      status: 500,
      body: { computeFault: { code: 500, message: 'Unexpected error' } },
    });
    fake.reply('POST', '/compute/v2.1/servers', 'compute/server-create');
    // A service that echoes the token it was sent in its error message.
    fake.on('GET', '/compute/v2.1/servers/echo', ({ req }) => ({
      status: 400,
      body: { badRequest: { code: 400, message: `bad token ${String(req.headers['x-auth-token'])}` } },
    }));
    fake.on('GET', '/network/v2.0/reset', ({ raw }) => {
      raw.socket.destroy();
      return undefined;
    });

    const configs = [
      fakeConfig(fake),
      fakeConfig(
        fake,
        { auth_type: 'v3applicationcredential' },
        {
          username: undefined,
          password: undefined,
          project_name: undefined,
          application_credential_id: 'ac1',
          application_credential_secret: SECRETS.appCredSecret,
        },
      ),
      fakeConfig(fake, { auth_type: 'token' }, { username: undefined, password: undefined, token: SECRETS.token }),
    ];
    const texts: string[] = [];
    for (const config of configs) {
      const cloud = fakeCloud(fake, { config, logger, retry: { baseMs: 1, capMs: 2, maxRetries: 1 } });
      clouds.push(cloud);
      expect(await collect(networks.list(cloud.network))).toEqual([{ id: 'n1' }]);
      const created = await servers.create(cloud.compute, {
        name: 'web-1',
        flavorRef: '1',
        imageRef: 'i',
        networks: [{ uuid: 'n1' }],
      });
      expect(created.id).toBe('f5dc173b-6804-445a-a6d8-c705dad5b5eb');
      expect(created).not.toHaveProperty('adminPass');
      texts.push(JSON.stringify(created), inspect(created));
      fake.revokeTokens(); // the next call gets a 401 and re-authenticates
      for (const failing of [
        () => networks.get(cloud.network, 'missing'),
        () => cloud.network.post('/ports', { port: { fixed_ips: [{ ip_address: '10.0.0.5' }] } }),
        () => collect(volumes.list(cloud.blockStorage)),
        () => cloud.compute.get('/servers/echo'),
        () => cloud.network.get('/reset'),
      ]) {
        const error = await failing().then(
          () => new Error('expected a failure'),
          (e: unknown) => e,
        );
        expect((error as { code?: string }).code).toMatch(/^OS_/);
        texts.push(...errorTexts(error));
      }
    }
    // Bad credentials.
    const refusing = await FakeOpenStack.start({ checkAuth: () => false });
    try {
      const error = await connect(fakeConfig(refusing), { logger }).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe('OS_AUTH_FAILED');
      texts.push(...errorTexts(error));
    } finally {
      await refusing.close();
    }
    const file = await readFile(logFile, 'utf8');
    expect(lines.length).toBeGreaterThan(10);
    expect(file.split('\n').length).toBeGreaterThan(10);
    expect(fake.issuedTokens.length).toBeGreaterThanOrEqual(6);
    // The echoed token was scrubbed, not merely absent.
    expect(texts.some((t) => t.includes('bad token [redacted]'))).toBe(true);
    const adminPass = fixtureBody<{ server: { adminPass: string } }>('compute/server-create').server.adminPass;
    assertClean([...lines, file, ...texts], fake, [adminPass]);
  });
});
