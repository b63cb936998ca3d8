import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect } from '../../../src/openstack/cloud.js';
import * as networks from '../../../src/openstack/network/networks/requests.js';
import { collect } from '../../../src/openstack/pagination.js';
import { isBasculeError } from '../../../src/shared/errors.js';
import { fakeConfig, memoryLogger } from '../../support/cloud.js';
import { FakeOpenStack } from '../../support/fake-openstack.js';
import { FIXTURES } from '../../support/fixtures.js';

const CERT = `${FIXTURES}/tls/fake-openstack.crt`;
const KEY = `${FIXTURES}/tls/fake-openstack.key`;

let fake: FakeOpenStack;
beforeEach(async () => {
  fake = await FakeOpenStack.start({ tls: { key: readFileSync(KEY), cert: readFileSync(CERT) } });
  fake.reply('GET', '/network/v2.0/networks', { body: { networks: [{ id: 'n1' }] } });
});
afterEach(async () => {
  await fake.close();
});

describe('TLS against an HTTPS cloud with a private CA', () => {
  it('verification is on by default: an unknown CA is refused', async () => {
    expect(fake.base.startsWith('https://')).toBe(true);
    const error = await connect(fakeConfig(fake)).catch((e: unknown) => e);
    expect(isBasculeError(error) && error.code).toBe('OS_AUTH_UNREACHABLE');
    expect((error as Error).message).toMatch(/SELF_SIGNED|CERT|certificate/i);
    expect(fake.authRequests).toHaveLength(0);
  });

  it('cacert makes the private CA trusted', async () => {
    const cloud = await connect(fakeConfig(fake, { cacert: CERT }));
    try {
      expect(await collect(networks.list(cloud.network))).toEqual([{ id: 'n1' }]);
    } finally {
      await cloud.close();
    }
  });

  it('verify: false connects, with a warning', async () => {
    const { logger, lines } = memoryLogger();
    const cloud = await connect(fakeConfig(fake, { verify: false }), { logger });
    try {
      expect(await collect(networks.list(cloud.network))).toEqual([{ id: 'n1' }]);
      expect(lines.filter((l) => l.startsWith('warn: TLS verification is OFF for cloud fake'))).toHaveLength(1);
    } finally {
      await cloud.close();
    }
  });
});
