/**
 * Campaign speed: 20 projects of about 100 resources each (networks, subnets, security groups and their rules),
 * moved between two simulated clouds at 20 ms per request by `runCampaign` (export, dry run, apply, audit per
 * project, --approve-all): all projects of the wave at once, against one project at a time, each on fresh clouds.
 * Size: BENCH_CAMPAIGN_PROJECTS (default 20), BENCH_CAMPAIGN_GROUPS (networks per project, default 12: about 100
 * resources).
 *
 * The per-project overhead at scale: BENCH_CAMPAIGN_SCALE=100,200,400,1000 runs, instead, one campaign of small
 * projects (~14 resources: BENCH_CAMPAIGN_GROUPS, default 1 here) per size, all at once, through the CLI itself
 * (`bascule batch run --approve-all`, in this process), each on fresh clouds, and gives the seconds and the seconds
 * per project of each size against the smallest's (ratio 1: flat). 1,000 projects take minutes: it is not run by
 * default.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli/main.js';
import { loadCampaign } from '../src/campaign/load.js';
import { runCampaign } from '../src/campaign/run.js';
import { FileCampaignStore } from '../src/campaign/store.js';
import { writeBenchCampaign } from './campaign-file.js';
import { silentLogger } from '../src/shared/logger.js';
import { startSimulator } from '../src/sim/index.js';
import type { ProjectState } from '../src/campaign/types.js';
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
  via: 'runner' | 'cli' = 'runner',
): Promise<{ ms: number; resources: number; ok: boolean; why?: string }> {
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
    const store = new FileCampaignStore(dir);
    let ms: number;
    let states;
    if (via === 'cli') {
      const started = performance.now();
      const code = await main(
        ['--clouds-yaml', cloudsYaml, 'batch', 'run', file, '--approve-all', '--parallel-projects', String(parallel)],
        { stdout: () => undefined, stderr: () => undefined, isTTY: false, signal: new AbortController().signal },
      );
      ms = performance.now() - started;
      states = await store.all();
      if (code !== 0) return { ms, resources: 0, ok: false, why: failures(states) };
    } else {
      const campaign = await loadCampaign(file);
      const started = performance.now();
      const outcome = await runCampaign(
        campaign,
        store,
        { cloudsFiles: [cloudsYaml], logger: silentLogger, signal: new AbortController().signal },
        { mode: 'run', approveAll: true, parallelProjects: parallel },
      );
      ms = performance.now() - started;
      states = outcome.projects;
    }
    const resources = states.reduce((n, p) => n + Object.values(p.kinds ?? {}).reduce((a, b) => a + b, 0), 0);
    return {
      ms,
      resources,
      ok: states.length === projects && states.every((p) => p.status === 'done' && p.audit?.clean === true),
    };
  } finally {
    await sim.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/** What kept projects from ending done and clean: counts by status and failure code, and the first messages. */
function failures(states: readonly ProjectState[]): string {
  const counts = new Map<string, number>();
  const first = new Map<string, string>();
  for (const s of states) {
    const key = `${s.status}${s.failure ? ` ${s.failure.stage}/${s.failure.code}` : ''}${s.audit && !s.audit.clean ? ' (audit not clean)' : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    if (s.failure && !first.has(key)) first.set(key, `${s.id}: ${s.failure.message}`);
  }
  return [...counts].map(([k, n]) => `${n} ${k}${first.has(k) ? ` (${first.get(k)})` : ''}`).join('; ');
}

/** BENCH_CAMPAIGN_SCALE: one campaign per size through `bascule batch run`, per-project seconds against the first. */
async function scale(sizes: number[]): Promise<BenchResult[]> {
  const groups = Number(process.env['BENCH_CAMPAIGN_GROUPS'] ?? 1);
  const out: BenchResult[] = [];
  let first: number | undefined;
  for (const projects of sizes) {
    const once = await campaignOnce(projects, groups, projects, 'cli');
    if (!once.ok)
      throw new Error(
        `the ${projects}-project campaign did not end with every project done and audited clean: ${once.why ?? ''}`,
      );
    const perProject = once.ms / 1000 / projects;
    first ??= perProject;
    out.push(
      {
        name: `campaign scale: bascule batch run, ${projects} projects of ~${Math.round(once.resources / projects)} resources, ${LATENCY_MS} ms/request, all at once`,
        value: once.ms / 1000,
        unit: 's',
        baseline_or_limit: null,
        ratio: null,
      },
      {
        name: `  per project (baseline: per project at ${sizes[0]} projects)`,
        value: perProject,
        unit: 's',
        baseline_or_limit: first,
        ratio: perProject / first,
      },
    );
    console.error(
      `  ${projects} projects: ${(once.ms / 1000).toFixed(1)} s (load average ${loadavg()[0]!.toFixed(2)})`,
    );
  }
  return out;
}

export async function run(): Promise<BenchResult[]> {
  const sizes = (process.env['BENCH_CAMPAIGN_SCALE'] ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
    .map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1))
    throw new Error(
      `BENCH_CAMPAIGN_SCALE: whole numbers of projects separated by commas, not ${process.env['BENCH_CAMPAIGN_SCALE']}`,
    );
  if (sizes.length > 0) return scale(sizes);
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
