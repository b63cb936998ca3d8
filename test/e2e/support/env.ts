// Where the end-to-end cloud is and how child processes (the `openstack` CLI, Bascule's own CLI) reach it.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/e2e/support/env.ts). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The clouds written by test/e2e/openstack/up.sh. */
export const CLOUDS = {
  /** user admin, project admin (role admin) */
  admin: 'admin',
  /** bascule-src-user in bascule-src (member, reader): the migration source, seeded by seed-source.sh */
  src: 'src',
  /** bascule-dst-user in bascule-dst (member, reader): a migration target, left empty by the launcher */
  dst: 'dst',
  /** bascule-dst2-user in bascule-dst2 (member, reader): a second target */
  dst2: 'dst2',
} as const;
export type CloudName = (typeof CLOUDS)[keyof typeof CLOUDS];

/** The project each member cloud is scoped to. */
export const PROJECTS = { src: 'bascule-src', dst: 'bascule-dst', dst2: 'bascule-dst2' } as const;

/** Path of the e2e clouds.yaml: $BASCULE_E2E_CLOUDS, else test/e2e/openstack/state/clouds.yaml. */
export function cloudsFile(): string {
  return resolve(process.env['BASCULE_E2E_CLOUDS'] ?? join(REPO_ROOT, 'test/e2e/openstack/state/clouds.yaml'));
}

/** Folder beside clouds.yaml where the launcher and the seed keep their files (image bytes, checksums, keys). */
export function dataDir(): string {
  return join(dirname(cloudsFile()), 'data');
}

/** Throws a clear error when the cloud was never brought up (before any test spends time on it). */
export function requireCloud(): string {
  const file = cloudsFile();
  if (!existsSync(file)) {
    throw new Error(
      `no end-to-end cloud: ${file} does not exist. Run \`npm run openstack:up\` (as root) first, ` +
        'or set BASCULE_E2E_CLOUDS to the clouds.yaml of a running one.',
    );
  }
  return file;
}

/**
 * Environment for a child process that must talk to the e2e cloud: Debian's tools first on PATH (pyenv
 * shims shadow /usr/bin/python3 on these machines), no OS_* variable leaking in from the caller, and
 * OS_CLIENT_CONFIG_FILE pointing at the e2e clouds.yaml.
 */
export function cloudEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('OS_')) env[key] = value;
  }
  env['PATH'] = `/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:${process.env['PATH'] ?? ''}`;
  env['OS_CLIENT_CONFIG_FILE'] = cloudsFile();
  return { ...env, ...extra };
}
