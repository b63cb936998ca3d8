import { toCloudConfig } from '../../src/openstack/config/clouds-yaml.js';
import type { CloudConfig } from '../../src/openstack/config/types.js';
import { Cloud } from '../../src/openstack/cloud.js';
import type { SessionOptions } from '../../src/openstack/session.js';
import type { Logger } from '../../src/shared/logger.js';
import { createLogger } from '../../src/shared/logger.js';
import type { FakeOpenStack } from './fake-openstack.js';

/** Secret values used by the tests: each must never show up in a log, an error or any output. */
export const SECRETS = {
  password: 'pw-Fake-S3cret-7a1c9e',
  appCredSecret: 'appcred-Fake-S3cret-4b2d8f',
  token: 'os-token-Fake-S3cret-9e3a1b',
} as const;

/** Fast retries for tests: no real backoff waits. */
export const FAST: SessionOptions = { retry: { baseMs: 1, capMs: 5 } };

/** A clouds.yaml entry (as parsed) for the fake, password auth by default. */
export function rawCloud(
  fake: FakeOpenStack,
  extra: Record<string, unknown> = {},
  auth: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    region_name: 'RegionOne',
    ...extra,
    auth: {
      auth_url: fake.authUrl,
      username: 'bascule-src-user',
      password: SECRETS.password,
      project_name: 'bascule-src',
      user_domain_name: 'Default',
      project_domain_name: 'Default',
      ...auth,
    },
  };
}

/** A CloudConfig for the fake, built through the real clouds.yaml code path. */
export function fakeConfig(
  fake: FakeOpenStack,
  extra: Record<string, unknown> = {},
  auth: Record<string, unknown> = {},
): CloudConfig {
  return toCloudConfig('fake', 'test/clouds.yaml', rawCloud(fake, extra, auth));
}

/** A Cloud on the fake with fast retries; options override. */
export function fakeCloud(fake: FakeOpenStack, options: SessionOptions & { config?: CloudConfig } = {}): Cloud {
  const { config, ...session } = options;
  return new Cloud(config ?? fakeConfig(fake), { ...FAST, ...session });
}

/** A logger writing every level to an array (human lines) and, optionally, JSON lines to a file. */
export function memoryLogger(file?: string): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    stderrLevel: 'debug',
    write: (line) => lines.push(line),
    ...(file ? { file, fileLevel: 'debug' as const } : {}),
  });
  return { logger, lines };
}
