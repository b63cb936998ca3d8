// Member projects of the e2e cloud as a test finds and leaves them.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { cloudEnv, REPO_ROOT, requireCloud } from './env.js';

export const EMPTY_PROJECT_SCRIPT = join(REPO_ROOT, 'test/e2e/support/empty-project.sh');

/**
 * Delete every resource of a member project (src, dst or dst2) with the `openstack` CLI: servers, floating IPs,
 * routers, ports, networks, security groups (`default` is kept with its four standard rules), volume
 * snapshots, volumes, the project's own images, server groups and the user's keypairs. Shared resources
 * (network public, flavors, image cirros, volume types) are never touched. Resolves with the script's log.
 * Emptying `src` removes the seed too: call seed({ reset: true }) or seed() after it.
 */
export function emptyProject(cloud: 'src' | 'dst' | 'dst2'): Promise<string> {
  requireCloud();
  return new Promise((resolveRun, reject) => {
    execFile(
      '/bin/bash',
      [EMPTY_PROJECT_SCRIPT, cloud],
      { env: cloudEnv(), timeout: 1_200_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error)
          reject(
            new Error(
              `empty-project.sh ${cloud} failed: ${(stderr || error.message).trim().split('\n').slice(-5).join(' | ')}`,
            ),
          );
        else resolveRun(stdout);
      },
    );
  });
}
