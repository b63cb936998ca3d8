/**
 * Campaign speed: 20 projects of about 100 resources each (networks, subnets, security groups and their rules),
 * moved between two simulated clouds at 20 ms per request by `runCampaign` (export, dry run, apply, audit per
 * project, --approve-all): all projects of the wave at once, against one project at a time, each on fresh clouds.
 * Size: BENCH_CAMPAIGN_PROJECTS (default 20), BENCH_CAMPAIGN_GROUPS (networks per project, default 12: about 100
 * resources).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCampaign } from '../src/campaign/load.js';
import { runCampaign } from '../src/campaign/run.js';
import { FileCampaignStore } from '../src/campaign/store.js';
import { writeBenchCampaign } from './campaign-file.js';
import { silentLogger } from '../src/shared/logger.js';
import { startSimulator } from '../src/sim/index.js';
import type { BenchResult } from './run.js';

const LATENCY_MS = 20;

function seeds(projects: number, groups: number) {
  const names = Array.from({ length: projects }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
  const common = {
    projects: names.map((name) => ({ name })),
    users: [{ name: 'ops', password: 'ops-pw' }],
    role_assignments: names.map((project) => ({ user: 'ops', project, role: 'member' })),
    quotas: names.map((project) => ({
      project,
      network: { network: 1000, subnet: 1000, security_group: 1000, security_group_rule: 10000, port: 1000 },
    })),
  };
  const resources: Record<string, unknown> = {};
  for (const name of names)
    resources[name] = {
      networks: Array.from({ length: groups }, (_, g) => ({
        name: `${name}-n${g}`,
        subnets: [{ name: `${name}-s${g}`, cidr: `10.${g}.0.0/24` }],
      })),
      security_groups: Array.from({ length: groups }, (_, g) => ({
        name: `${name}-g${g}`,
        rules: [22, 80, 443].map((port) => ({
          direction: 'ingress',
          protocol: 'tcp',
          port_range_min: port,
          port_range_max: port,
          remote_ip_prefix: '0.0.0.0/0',
        })),
      })),
    };
  return { names, source: { ...common, resources }, target: common };
}

async function campaignOnce(
  projects: number,
  groups: number,
  parallel: number,
): Promise<{ ms: number; resources: number; ok: boolean }> {
  const { names, source, target } = seeds(projects, groups);
  const latency = { fixedMs: LATENCY_MS };
  const sim = await startSimulator({
    clouds: [
      { name: 'src', profile: 'zed', latency, seed: source as never },
      { name: 'dst', profile: 'zed', latency, seed: target as never },
    ],
  });
  const dir = await mkdtemp(join(tmpdir(), 'bascule-bench-campaign-'));
  try {
    const cloudsYaml = join(dir, 'clouds.yaml');
    await sim.writeCloudsYaml(cloudsYaml);
    const file = await writeBenchCampaign(dir, names);
    const campaign = await loadCampaign(file);
    const store = new FileCampaignStore(dir);
    const started = performance.now();
    const outcome = await runCampaign(
      campaign,
      store,
      { cloudsFiles: [cloudsYaml], logger: silentLogger, signal: new AbortController().signal },
      { mode: 'run', approveAll: true, parallelProjects: parallel },
    );
    const ms = performance.now() - started;
    const resources = outcome.projects.reduce((n, p) => n + Object.values(p.kinds ?? {}).reduce((a, b) => a + b, 0), 0);
    return { ms, resources, ok: outcome.projects.every((p) => p.status === 'done' && p.audit?.clean === true) };
  } finally {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const projects = Number(process.env['BENCH_CAMPAIGN_PROJECTS'] ?? 20);
  const groups = Number(process.env['BENCH_CAMPAIGN_GROUPS'] ?? 12);
  const parallel = await campaignOnce(projects, groups, projects);
  if (!parallel.ok) throw new Error('the parallel campaign did not end with every project done and audited clean');
  const s = (ms: number) => ms / 1000;
  const perProject = Math.round(parallel.resources / projects);
  // BENCH_CAMPAIGN_SERIAL=0 leaves out the one-at-a-time run (about 1 s per project): the per-project overhead at once.
  if (process.env['BENCH_CAMPAIGN_SERIAL'] === '0')
    return [
      {
        name: `campaign: ${projects} projects of ~${perProject} resources, ${LATENCY_MS} ms/request, all projects at once (export, dry run, apply, audit)`,
        value: s(parallel.ms),
        unit: 's',
        baseline_or_limit: null,
        ratio: null,
      },
      {
        name: '  per project',
        value: s(parallel.ms) / projects,
        unit: 's',
        baseline_or_limit: null,
        ratio: null,
      },
    ];
  const serial = await campaignOnce(projects, groups, 1);
  if (!serial.ok) throw new Error('the one-at-a-time campaign did not end with every project done and audited clean');
  return [
    {
      name: `campaign: ${projects} projects of ~${perProject} resources, ${LATENCY_MS} ms/request, all projects at once (export, dry run, apply, audit)`,
      value: s(parallel.ms),
      unit: 's',
      baseline_or_limit: s(serial.ms),
      ratio: parallel.ms / serial.ms,
    },
    {
      name: 'campaign: the same, one project at a time (--parallel-projects 1); ratio = one at a time / parallel',
      value: s(serial.ms),
      unit: 's',
      baseline_or_limit: s(parallel.ms),
      ratio: serial.ms / parallel.ms,
    },
  ];
}
