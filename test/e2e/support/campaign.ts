// What the real-cloud campaign tests share: connecting to a cloud of the e2e clouds.yaml (optionally scoped to a
// project), running the CLI in-process, the small source projects they make with admin (a network, a subnet and a
// security group with a rule), removing what they made, and the campaign file moving those projects.
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import { main } from '../../../src/cli/main.js';
import * as blockQuotas from '../../../src/openstack/block-storage/quotas/requests.js';
import type { Cloud } from '../../../src/openstack/cloud.js';
import * as computeQuotas from '../../../src/openstack/compute/quotas/requests.js';
import * as projects from '../../../src/openstack/identity/projects.js';
import { connect, loadCloudConfig, scopeTo } from '../../../src/openstack/index.js';
import { collect } from '../../../src/openstack/pagination.js';
import * as networks from '../../../src/openstack/network/networks/requests.js';
import * as networkQuotas from '../../../src/openstack/network/quotas/requests.js';
import * as rules from '../../../src/openstack/network/security-group-rules/requests.js';
import * as groups from '../../../src/openstack/network/security-groups/requests.js';
import * as subnets from '../../../src/openstack/network/subnets/requests.js';
import { silentLogger } from '../../../src/shared/logger.js';
import { cloudsFile } from './env.js';

/** Connects to a cloud of the e2e clouds.yaml, scoped to the named project when one is given. */
export async function openCloud(cloud: string, project?: string): Promise<Cloud> {
  return connect(scopeTo(await loadCloudConfig(cloud, { files: [cloudsFile()] }), project ? { name: project } : {}), {
    logger: silentLogger,
  });
}

/** Runs the CLI in-process with the e2e clouds.yaml. */
export async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--clouds-yaml', cloudsFile(), ...argv], {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    isTTY: false,
    signal: new AbortController().signal,
  });
  return { code, out: out.join(''), err: err.join('') };
}

/** The project of that name in the default domain, if any. */
export async function projectByName(admin: Cloud, name: string): Promise<projects.Project | undefined> {
  return (await projects.list(admin.identity, { name, domain_id: 'default' }))[0];
}

/**
 * Removes a project a test made (or a campaign made from it), with its networks and security groups; with
 * `resetQuotas`, its compute, network and block-storage quotas go back to the defaults first. Refuses a name
 * outside the test's prefix.
 */
export async function removeTestProject(
  admin: Cloud,
  prefix: string,
  name: string,
  options: { resetQuotas?: boolean } = {},
): Promise<void> {
  const p = await projectByName(admin, name);
  if (!p) return;
  if (!name.startsWith(prefix)) throw new Error(`refusing to remove ${name}`);
  const query = { project_id: p.id };
  for (const n of await collect(networks.list(admin.network, query)))
    await networks.remove(admin.network, n.id).catch(() => undefined);
  for (const g of await collect(groups.list(admin.network, query)))
    await groups.remove(admin.network, g.id).catch(() => undefined);
  if (options.resetQuotas) {
    await computeQuotas.reset(admin.compute, p.id).catch(() => undefined);
    await networkQuotas.reset(admin.network, p.id).catch(() => undefined);
    await blockQuotas.reset(admin.blockStorage, p.id).catch(() => undefined);
  }
  await projects.remove(admin.identity, p.id);
}

/**
 * Fills a source project (through `src`, scoped to it): a network `<tag>-net-<i>` with a subnet `<tag>-sub-<i>`
 * (10.<octet>.<i>.0/24) and a security group `<tag>-web-<i>` with an ingress rule for TCP 443.
 */
export async function seedSourceProject(src: Cloud, tag: string, i: number, octet: number): Promise<void> {
  const net = await networks.create(src.network, { name: `${tag}-net-${i}` });
  await subnets.create(src.network, {
    name: `${tag}-sub-${i}`,
    network_id: net.id,
    cidr: `10.${octet}.${i}.0/24`,
    ip_version: 4,
  } as never);
  const sg = await groups.create(src.network, { name: `${tag}-web-${i}`, description: 'e2e' });
  await rules.create(src.network, {
    security_group_id: sg.id,
    direction: 'ingress',
    ethertype: 'IPv4',
    protocol: 'tcp',
    port_range_min: 443,
    port_range_max: 443,
    remote_ip_prefix: '0.0.0.0/0',
  } as never);
}

/** Writes a campaign file with one wave `w1` moving sources[i] (from `src`) to targets[i] (on `dst`) as `p<i>`. */
export async function writeCampaign(
  file: string,
  campaign: { name: string; kinds: string[]; sources: string[]; targets: string[]; operator?: Record<string, unknown> },
): Promise<void> {
  await writeFile(
    file,
    stringify({
      format: 'bascule.campaign/v1',
      name: campaign.name,
      defaults: {
        source: { cloud: 'src' },
        target: { cloud: 'dst' },
        options: { kinds: campaign.kinds },
        ...(campaign.operator ? { operator: campaign.operator } : {}),
      },
      waves: [
        {
          name: 'w1',
          projects: campaign.sources.map((name, i) => ({
            id: `p${i}`,
            source: { project: name },
            target: { project: campaign.targets[i] },
          })),
        },
      ],
    }),
  );
}
