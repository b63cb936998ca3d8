/** A campaign on two simulated clouds: N source projects (one identity, member of all), the same projects empty on the target. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import type { Latency } from '../../src/sim/options.js';

export const FAST = { serverBuildMs: 0, volumeCreateMs: 5, imageActiveMs: 5, serverPowerMs: 5, volumeAttachMs: 0 };

export function projectNames(n: number): string[] {
  return Array.from({ length: n }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
}

function common(names: string[]) {
  return {
    projects: names.map((name) => ({ name })),
    users: [{ name: 'ops', password: 'ops-pw' }],
    role_assignments: names.map((project) => ({ user: 'ops', project, role: 'member' })),
    flavors: [{ id: '1', name: 'm1.tiny', ram: 512, vcpus: 1, disk: 1 }],
    volume_types: [{ name: 'standard' }],
  };
}

/** Each source project: an image, a network with a subnet, a security group with a rule, a server. */
function sourceResources(names: string[], extra = 0) {
  const out: Record<string, unknown> = {};
  for (const [i, name] of names.entries())
    out[name] = {
      images: [
        {
          name: `${name}-img`,
          disk_format: 'qcow2',
          container_format: 'bare',
          data: { size: '32KiB', seed: name },
        },
      ],
      networks: [
        { name: `${name}-net`, subnets: [{ name: `${name}-sub`, cidr: `10.${i + 1}.0.0/24` }] },
        ...Array.from({ length: extra }, (_, k) => ({ name: `${name}-extra-${k}` })),
      ],
      security_groups: [
        {
          name: `${name}-web`,
          rules: [
            {
              direction: 'ingress',
              protocol: 'tcp',
              port_range_min: 443,
              port_range_max: 443,
              remote_ip_prefix: '0.0.0.0/0',
            },
          ],
        },
      ],
      servers: [
        { name: `${name}-app`, flavor: 'm1.tiny', image: `${name}-img`, networks: [{ network: `${name}-net` }] },
      ],
    };
  return out;
}

export interface SimCampaign {
  sim: Simulator;
  dir: string;
  cloudsYaml: string;
  names: string[];
  stop(): Promise<void>;
}

/** More identity or quota seed on one cloud: its lists are added to the common ones. */
export interface SeedExtra {
  users?: unknown[];
  role_assignments?: unknown[];
  quotas?: unknown[];
}

function withExtra(base: ReturnType<typeof common>, extra: SeedExtra | undefined): Record<string, unknown> {
  if (!extra) return base;
  return {
    ...base,
    users: [...base.users, ...(extra.users ?? [])],
    role_assignments: [...base.role_assignments, ...(extra.role_assignments ?? [])],
    ...(extra.quotas ? { quotas: extra.quotas } : {}),
  };
}

export async function startCampaignClouds(
  n: number,
  options: {
    latency?: Latency;
    extra?: number;
    targetQuotas?: unknown[];
    source?: SeedExtra;
    target?: SeedExtra;
    /** The source's delays over FAST (a slow snapshot, to stop a worker in the middle of one). */
    sourceDelays?: Partial<typeof FAST>;
  } = {},
): Promise<SimCampaign> {
  const names = projectNames(n);
  const sim = await startSimulator({
    clouds: [
      {
        name: 'src',
        profile: 'zed',
        delays: { ...FAST, ...options.sourceDelays },
        ...(options.latency ? { latency: options.latency } : {}),
        seed: {
          ...withExtra(common(names), options.source),
          resources: sourceResources(names, options.extra ?? 0),
        } as never,
      },
      {
        name: 'dst',
        profile: 'zed',
        delays: FAST,
        ...(options.latency ? { latency: options.latency } : {}),
        seed: {
          ...withExtra(common(names), options.target),
          ...(options.targetQuotas ? { quotas: options.targetQuotas } : {}),
        } as never,
      },
    ],
  });
  const dir = mkdtempSync(join(tmpdir(), 'bascule-campaign-'));
  const cloudsYaml = join(dir, 'clouds.yaml');
  await sim.writeCloudsYaml(cloudsYaml);
  return { sim, dir, cloudsYaml, names, stop: () => sim.stop() };
}

/** Writes a campaign file of these projects split into `waves` waves; returns its path. */
export function writeCampaign(
  dir: string,
  names: string[],
  waves: number,
  extra: Record<string, unknown> = {},
  file = 'campaign.yaml',
  /** Fields added to some projects' entries, by source project name. */
  perProject: Record<string, Record<string, unknown>> = {},
): string {
  const per = Math.ceil(names.length / waves);
  const doc = {
    format: 'bascule.campaign/v1',
    name: 'test-campaign',
    defaults: {
      source: { cloud: 'src' },
      target: { cloud: 'dst' },
      options: { consistency: 'live' },
    },
    waves: Array.from({ length: waves }, (_, w) => ({
      name: `w${w + 1}`,
      projects: names.slice(w * per, (w + 1) * per).map((name) => ({ source: { project: name }, ...perProject[name] })),
    })),
    ...extra,
  };
  const path = join(dir, file);
  writeFileSync(path, stringify(doc));
  return path;
}

export async function cli(cloudsYaml: string, argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['--clouds-yaml', cloudsYaml, ...argv], {
    stdout: (s) => out.push(s),
    stderr: (s) => err.push(s),
    isTTY: false,
    signal: new AbortController().signal,
  });
  return { code, out: out.join(''), err: err.join('') };
}
