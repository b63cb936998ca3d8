/**
 * Validation of a 100,000-resource plan: parse (defensive scan + JSON.parse), schema, rules, timed separately and in
 * total against a 10 s limit. The plan is generated in memory: 10,000 "units" of ten resources (network, subnet,
 * security group and two rules, two ports, a volume, a server, a floating IP) around three external resources.
 */
import { safeParseJson } from '../src/plan/json.js';
import { checkRules } from '../src/plan/rules.js';
import { planValidator } from '../src/plan/schema.js';
import { parsePlan } from '../src/plan/io.js';
import type { Plan, PlanResource } from '../src/plan/types.js';
import type { BenchResult } from './run.js';
import { timeRun, type Timing } from './startup.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const LIMIT_SECONDS = 10;
/** The floors of bench/validate-floor.ts, each a new process: see that file. */
const FLOOR_MODES = ['parse', 'schema', 'scan', 'rules'] as const;
type FloorMode = (typeof FLOOR_MODES)[number];
const FLOOR_LABELS: Record<FloorMode, string> = {
  parse: '  floor, new process: read + JSON.parse (CPU)',
  schema: '  floor: read + JSON.parse + schema (CPU)',
  scan: '  the same with the defensive scan (CPU)',
  rules: '  the same + the rules: the CLI less its start-up (CPU)',
};
/** The target of issue #18 for the whole validation of 100k entries. */
const TARGET_SECONDS = 1.5;
/** Rounds of the CLI and its floors, in turn (BENCH_VALIDATE_ROUNDS, default 3); medians are given. */
const ROUNDS = Number(process.env.BENCH_VALIDATE_ROUNDS ?? 3);
/**
 * BENCH_VALIDATE_BASELINE=/path/to/other/dist/src/bin.js: another build's `bascule validate` of the same file (the
 * trunk before a change, built in a git worktree), in turn with this one in each round.
 */
const BASELINE = process.env.BENCH_VALIDATE_BASELINE;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A valid plan of about `units * 10 + 3` resources. */
export function generatePlan(units: number): Plan {
  const resources: PlanResource[] = [
    {
      kind: 'flavor',
      key: 'flavor:m1.small',
      external: true,
      spec: { name: 'm1.small', vcpus: 1, ram: 2048, disk: 20 },
    },
    {
      kind: 'image',
      key: 'image:ubuntu',
      external: true,
      spec: {
        name: 'ubuntu',
        disk_format: 'qcow2',
        container_format: 'bare',
        min_disk: 10,
        checksum: '0123456789abcdef0123456789abcdef',
      },
    },
    { kind: 'network', key: 'network:public', external: true, spec: { name: 'public', router_external: true } },
  ];
  for (let i = 0; i < units; i += 1) {
    const n = `u${i}`;
    const prefix = `10.${(i >> 8) & 255}.${i & 255}`;
    const sgKey = `security_group:${n}`;
    resources.push(
      {
        kind: 'network',
        key: `network:${n}`,
        spec: { name: n, admin_state_up: true, mtu: 1450, tags: ['bench'] },
        source: { id: `net-${i}` },
      },
      {
        kind: 'subnet',
        key: `subnet:${n}`,
        spec: {
          name: n,
          cidr: `${prefix}.0/24`,
          ip_version: 4,
          gateway_ip: `${prefix}.1`,
          enable_dhcp: true,
          allocation_pools: [{ start: `${prefix}.10`, end: `${prefix}.250` }],
          dns_nameservers: ['192.0.2.53'],
        },
        refs: { network: `network:${n}` },
      },
      { kind: 'security_group', key: sgKey, spec: { name: n, description: 'bench group' } },
      {
        kind: 'security_group_rule',
        key: `security_group_rule:${n}/https`,
        spec: {
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'tcp',
          port_range_min: 443,
          port_range_max: 443,
          remote_ip_prefix: '0.0.0.0/0',
        },
        refs: { security_group: sgKey },
      },
      {
        kind: 'security_group_rule',
        key: `security_group_rule:${n}/self`,
        spec: { direction: 'ingress', ethertype: 'IPv4', protocol: null },
        refs: { security_group: sgKey, remote_group: sgKey },
      },
      {
        kind: 'port',
        key: `port:${n}/eth0`,
        spec: { name: `${n}/eth0`, mac_address: 'fa:16:3e:00:00:01', fixed_ips: [{ ip_address: `${prefix}.11` }] },
        refs: { network: `network:${n}`, fixed_ips: [`subnet:${n}`], security_groups: [sgKey] },
        lossy: ['mac_address'],
      },
      {
        kind: 'port',
        key: `port:${n}/eth1`,
        spec: { name: `${n}/eth1`, fixed_ips: [{ ip_address: `${prefix}.12` }] },
        refs: { network: `network:${n}`, fixed_ips: [`subnet:${n}`], security_groups: [sgKey] },
      },
      { kind: 'volume', key: `volume:${n}`, spec: { name: n, size: 10, bootable: false, metadata: { unit: n } } },
      {
        kind: 'server',
        key: `server:${n}`,
        spec: {
          name: n,
          availability_zone: 'nova',
          metadata: { role: 'bench' },
          power_state: 'running',
          volumes: [{ device: '/dev/vdb' }],
        },
        refs: {
          flavor: 'flavor:m1.small',
          image: 'image:ubuntu',
          ports: [`port:${n}/eth0`, `port:${n}/eth1`],
          security_groups: [sgKey],
          volumes: [`volume:${n}`],
        },
      },
      {
        kind: 'floating_ip',
        key: `floating_ip:${n}`,
        spec: { floating_ip_address: `203.0.${(i >> 8) & 255}.${i & 255}`, fixed_ip_address: `${prefix}.11` },
        refs: { floating_network: 'network:public', port: `port:${n}/eth0` },
        lossy: ['floating_ip_address'],
      },
    );
  }
  return {
    format: 'bascule.plan/v1',
    provenance: {
      cloud: 'bench',
      region: null,
      project: { name: 'bench', id: 'bench' },
      profile: { api_versions: {}, microversions: {}, extensions: [] },
      exported_at: '2026-01-01T00:00:00Z',
      bascule_version: '0.0.0',
    },
    resources,
  };
}

function seconds(start: number): number {
  return (performance.now() - start) / 1000;
}

export async function run(): Promise<BenchResult[]> {
  // 99,993 entries: the most under the default plan entry limit (100,000) that whole units give.
  const plan = generatePlan(9_999);
  const count = plan.resources.length;
  const text = JSON.stringify(plan, null, 2);
  planValidator(); // compile outside the measurement: it happens once per process

  // The whole path first (as `bascule validate` runs it, JIT still cold), then each stage again on its own.
  let start = performance.now();
  const cpuStart = process.cpuUsage();
  const result = parsePlan(text);
  const total = seconds(start);
  const cpu = process.cpuUsage(cpuStart);
  const cpuTotal = (cpu.user + cpu.system) / 1e6;

  start = performance.now();
  const parsed = safeParseJson(text);
  const parseTime = seconds(start);
  start = performance.now();
  const validate = planValidator();
  const schemaOk = validate(parsed.value);
  const schemaTime = seconds(start);
  start = performance.now();
  const ruleIssues = checkRules({ resources: (parsed.value as Plan).resources, invalid: new Set() });
  const rulesTime = seconds(start);

  if (!schemaOk || ruleIssues.length > 0 || result.plan === undefined) {
    throw new Error(`the generated plan should be valid: ${JSON.stringify(result.issues.slice(0, 3))}`);
  }
  const mib = Buffer.byteLength(text) / 1024 / 1024;
  const label = `plan-validate (${count.toLocaleString('en-US')} resources, ${mib.toFixed(0)} MiB)`;
  // The whole CLI, as a new process: start-up, reading the file, the same checks, the report (3 runs, medians).
  const dir = await mkdtemp(join(tmpdir(), 'bascule-bench-validate-'));
  const cli: Timing[] = [];
  const base: Timing[] = [];
  const floors = new Map<FloorMode, number[]>(FLOOR_MODES.map((m) => [m, []]));
  try {
    const file = join(dir, 'plan.json');
    await writeFile(file, text);
    const bin = fileURLToPath(new URL('../src/bin.js', import.meta.url));
    const floorScript = fileURLToPath(new URL('./validate-floor.js', import.meta.url));
    // In turn, in the same rounds: the CLI and its floors (what any validation of this file does at least).
    for (let i = 0; i < ROUNDS; i += 1) {
      cli.push(timeRun([bin, 'validate', file]));
      if (BASELINE !== undefined) base.push(timeRun([BASELINE, 'validate', file]));
      for (const mode of FLOOR_MODES) floors.get(mode)!.push(timeRun([floorScript, mode, file]).cpu);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const med = median;
  const cliWall = med(cli.map((c) => c.wall));
  const cliCpu = med(cli.map((c) => c.cpu));
  const waits = cli.filter((c) => c.waitS !== undefined).map((c) => c.wall - c.waitS!);
  const baseCpu = base.length > 0 ? med(base.map((c) => c.cpu)) : undefined;
  return [
    {
      name: `bascule validate, ${count.toLocaleString('en-US')} entries (new process, median of ${ROUNDS}): wall`,
      value: cliWall,
      unit: 's',
      baseline_or_limit: TARGET_SECONDS,
      ratio: cliWall / TARGET_SECONDS,
    },
    {
      name: '  the same: CPU time (user + system, all threads)',
      value: cliCpu,
      unit: 's',
      baseline_or_limit: TARGET_SECONDS,
      ratio: cliCpu / TARGET_SECONDS,
    },
    ...(waits.length === cli.length
      ? [
          {
            name: '  the same: wall less the wait for a core',
            value: med(waits),
            unit: 's',
            baseline_or_limit: TARGET_SECONDS,
            ratio: med(waits) / TARGET_SECONDS,
          },
        ]
      : []),
    ...(baseCpu === undefined
      ? []
      : [
          {
            name: '  the same, CPU, against BENCH_VALIDATE_BASELINE in turn',
            value: cliCpu,
            unit: 's',
            baseline_or_limit: baseCpu,
            ratio: cliCpu / baseCpu,
          },
          {
            name: '  BENCH_VALIDATE_BASELINE: wall',
            value: med(base.map((c) => c.wall)),
            unit: 's',
            baseline_or_limit: null,
            ratio: null,
          },
        ]),
    ...FLOOR_MODES.map((mode) => {
      const value = med(floors.get(mode)!);
      return {
        name: FLOOR_LABELS[mode],
        value,
        unit: 's',
        baseline_or_limit: TARGET_SECONDS,
        ratio: value / TARGET_SECONDS,
      };
    }),
    {
      name: `${label}: total`,
      value: total,
      unit: 's',
      baseline_or_limit: LIMIT_SECONDS,
      ratio: total / LIMIT_SECONDS,
    },
    {
      name: `${label}: throughput`,
      value: count / total,
      unit: 'resources/s',
      baseline_or_limit: count / LIMIT_SECONDS,
      ratio: count / LIMIT_SECONDS / (count / total),
    },
    {
      // On a shared machine the wall time above counts waiting for a core; the CPU time (all threads, GC included) does not.
      name: `${label}: CPU time`,
      value: cpuTotal,
      unit: 's',
      baseline_or_limit: TARGET_SECONDS,
      ratio: cpuTotal / TARGET_SECONDS,
    },
    { name: '  then, warm: scan + JSON.parse', value: parseTime, unit: 's', baseline_or_limit: null, ratio: null },
    { name: '  schema (ajv)', value: schemaTime, unit: 's', baseline_or_limit: null, ratio: null },
    { name: '  rules', value: rulesTime, unit: 's', baseline_or_limit: null, ratio: null },
  ];
}
