import { describe, expect, it } from 'vitest';
import { Session } from '../../../src/openstack/session.js';
import { createAgent, header } from '../../../src/openstack/transport/http.js';
import { UsageError } from '../../../src/shared/errors.js';
import { memoryLogger } from '../../support/cloud.js';
import { toCloudConfig } from '../../../src/openstack/config/clouds-yaml.js';

const raw = (extra: Record<string, unknown>) => ({
  ...extra,
  auth: { auth_url: 'https://k.example:5000/v3', username: 'u', password: 'pw-Http-Test-0001', project_name: 'p' },
});

describe('TLS settings', () => {
  it('an unreadable cacert is a usage error naming the file', () => {
    let error: unknown;
    try {
      createAgent({ verify: true, cacert: '/nonexistent/ca.pem' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe('CONFIG_CACERT');
    expect((error as Error).message).toBe('cacert /nonexistent/ca.pem: cannot read it (ENOENT)');
  });

  it('verification off is warned about, naming the cloud and the file', async () => {
    const { logger, lines } = memoryLogger();
    const session = new Session(toCloudConfig('lab', '/etc/openstack/clouds.yaml', raw({ verify: false })), { logger });
    await session.close();
    expect(lines).toEqual([
      'warn: TLS verification is OFF for cloud lab (insecure/verify: false in /etc/openstack/clouds.yaml)',
    ]);
  });

  it('verification on (the default) is silent', async () => {
    const { logger, lines } = memoryLogger();
    const session = new Session(toCloudConfig('prod', '/x/clouds.yaml', raw({})), { logger });
    await session.close();
    expect(lines).toEqual([]);
  });
});

describe('header', () => {
  it('reads a header case-insensitively, the first of repeated values', () => {
    expect(header({ 'x-openstack-request-id': ['req-1', 'req-2'] }, 'X-OpenStack-Request-Id')).toBe('req-1');
    expect(header({ location: 'http://x' }, 'Location')).toBe('http://x');
    expect(header({}, 'missing')).toBeUndefined();
  });
});
