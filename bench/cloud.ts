/**
 * Side by side on a real cloud (issue #18); runs only when BASCULE_BENCH_CLOUDS names a clouds.yaml with the clouds of
 * test/e2e (src: the seeded source project; dst: an empty target project). Run it under the e2e lock:
 *
 *     BASCULE_BENCH_CLOUDS=test/e2e/openstack/state/clouds.yaml flock /work/e2e.lock node dist/bench/run.js cloud
 *
 * - export: `bascule export` of the source project, against the `openstack` CLI listing the same 12 kinds one command
 *   after the other (as an operator would), BENCH_CLOUD_ROUNDS rounds (default 3) taken in turn; medians and ratio.
 * - apply: a network layer (BENCH_CLOUD_NETWORKS networks, default 3, each with a subnet, a security group with two
 *   rules and a port, plus a router on the first subnet) made in the target project by `bascule apply --yes`, then by
 *   a shell script of `openstack` commands making the same objects one after the other; each is removed after its
 *   run (Bascule's by `bascule rollback`, the script's by the script's own deletes, by ID). Names start with
 *   `bench-`, so nothing else of the project is touched.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plan, PlanResource } from '../src/plan/types.js';
import type { BenchResult } from './run.js';

const BIN = fileURLToPath(new URL('../src/bin.js', import.meta.url));

/** The 12 kinds of the e2e project, as the `openstack` CLI lists them. */
const CLI_LISTS: readonly string[][] = [
  ['server', 'list', '--long'],
  ['network', 'list'],
  ['subnet', 'list'],
  ['port', 'list'],
  ['security', 'group', 'list'],
  ['security', 'group', 'rule', 'list'],
  ['router', 'list'],
  ['floating', 'ip', 'list'],
  ['volume', 'list'],
  ['image', 'list'],
  ['keypair', 'list'],
  ['server', 'group', 'list'],
];

function env(clouds: string): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OS_')) out[k] = v;
  out['OS_CLIENT_CONFIG_FILE'] = clouds;
  return out;
}

function exec(file: string, args: readonly string[], clouds: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      file,
      args,
      { env: env(clouds), maxBuffer: 64 * 1024 * 1024, timeout: 900_000 },
      (error, stdout, stderr) =>
        error ? fail(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`)) : done(stdout),
    );
  });
}

/** Runs a command; resolves with its stderr (the verbose log of a Bascule command). */
function execStderr(file: string, args: readonly string[], clouds: string): Promise<string> {
  return new Promise((done, fail) => {
    execFile(
      file,
      args,
      { env: env(clouds), maxBuffer: 64 * 1024 * 1024, timeout: 900_000 },
      (error, _stdout, stderr) =>
        error ? fail(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}`)) : done(stderr),
    );
  });
}

/** The `ms=` of each `http` line of a `--verbose` log (time to the response headers), with its service and path. */
export function requestTimes(log: string): { service: string; path: string; ms: number }[] {
  const out: { service: string; path: string; ms: number }[] = [];
  for (const line of log.split('\n')) {
    const match = /\bhttp service=(\S+).*\burl=(\S+).*\bms=([0-9]+)/.exec(line);
    if (match) out.push({ service: match[1]!, path: match[2]!.replace(/^https?:\/\/[^/]+/, ''), ms: Number(match[3]) });
  }
  return out;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return (performance.now() - started) / 1000;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The network layer both sides make. */
export function networkPlan(networks: number): Plan {
  const resources: PlanResource[] = [
    { kind: 'network', key: 'network:public', external: true, spec: { name: 'public', router_external: true } },
  ];
  for (let i = 0; i < networks; i++) {
    resources.push(
      { kind: 'network', key: `network:bench-net-${i}`, spec: { name: `bench-net-${i}` } },
      {
        kind: 'subnet',
        key: `subnet:bench-subnet-${i}`,
        refs: { network: `network:bench-net-${i}` },
        spec: { name: `bench-subnet-${i}`, cidr: `10.77.${i}.0/24`, ip_version: 4 },
      },
      { kind: 'security_group', key: `security_group:bench-sg-${i}`, spec: { name: `bench-sg-${i}` } },
      ...[22, 443].map((port): PlanResource => ({
        kind: 'security_group_rule',
        key: `security_group_rule:bench-sg-${i}/${port}`,
        refs: { security_group: `security_group:bench-sg-${i}` },
        spec: {
          direction: 'ingress',
          ethertype: 'IPv4',
          protocol: 'tcp',
          port_range_min: port,
          port_range_max: port,
          remote_ip_prefix: '0.0.0.0/0',
        },
      })),
      {
        kind: 'port',
        key: `port:bench-port-${i}`,
        refs: {
          network: `network:bench-net-${i}`,
          fixed_ips: [`subnet:bench-subnet-${i}`],
          security_groups: [`security_group:bench-sg-${i}`],
        },
        spec: { name: `bench-port-${i}`, fixed_ips: [{}] },
      },
    );
  }
  resources.push({
    kind: 'router',
    key: 'router:bench-router',
    refs: { external_network: 'network:public', interfaces: ['subnet:bench-subnet-0'] },
    spec: { name: 'bench-router' },
  } as PlanResource);
  return {
    format: 'bascule.plan/v1',
    provenance: {
      cloud: 'bench',
      region: null,
      project: { name: 'bench', id: 'bench-cloud-source' },
      profile: { api_versions: {}, microversions: {}, extensions: [] },
      exported_at: '2026-12-06T00:00:00Z',
      bascule_version: '0.1.0',
    },
    resources,
  } as Plan;
}

/** The same objects, made with the `openstack` CLI one command after the other, then removed by ID. */
function cliScript(networks: number): { make: string; remove: string } {
  const make: string[] = ['set -euo pipefail', 'ids=()'];
  for (let i = 0; i < networks; i++) {
    make.push(
      `n=$(openstack --os-cloud dst network create bench-cli-net-${i} -f value -c id); echo "network $n"`,
      `s=$(openstack --os-cloud dst subnet create bench-cli-subnet-${i} --network $n --subnet-range 10.78.${i}.0/24 -f value -c id); echo "subnet $s"`,
      `g=$(openstack --os-cloud dst security group create bench-cli-sg-${i} -f value -c id); echo "group $g"`,
      `openstack --os-cloud dst security group rule create $g --ingress --ethertype IPv4 --protocol tcp --dst-port 22 --remote-ip 0.0.0.0/0 -f value -c id > /dev/null`,
      `openstack --os-cloud dst security group rule create $g --ingress --ethertype IPv4 --protocol tcp --dst-port 443 --remote-ip 0.0.0.0/0 -f value -c id > /dev/null`,
      `p=$(openstack --os-cloud dst port create bench-cli-port-${i} --network $n --fixed-ip subnet=$s --security-group $g -f value -c id); echo "port $p"`,
    );
    if (i === 0) make.push('first=$s');
  }
  make.push(
    'r=$(openstack --os-cloud dst router create bench-cli-router --external-gateway public -f value -c id); echo "router $r"',
    'openstack --os-cloud dst router add subnet $r $first',
  );
  // Removal reads back the IDs the make step printed (only what it made).
  const remove = [
    'set -uo pipefail',
    'ids=$1',
    'r=$(awk \'$1=="router"{print $2}\' "$ids"); s0=$(awk \'$1=="subnet"{print $2; exit}\' "$ids")',
    '[ -n "$r" ] && { openstack --os-cloud dst router remove subnet $r $s0; openstack --os-cloud dst router delete $r; }',
    'for p in $(awk \'$1=="port"{print $2}\' "$ids"); do openstack --os-cloud dst port delete $p; done',
    'for g in $(awk \'$1=="group"{print $2}\' "$ids"); do openstack --os-cloud dst security group delete $g; done',
    'for n in $(awk \'$1=="network"{print $2}\' "$ids"); do openstack --os-cloud dst network delete $n; done',
  ];
  return { make: make.join('\n'), remove: remove.join('\n') };
}

export async function run(): Promise<BenchResult[]> {
  const given = process.env['BASCULE_BENCH_CLOUDS'];
  if (!given) {
    console.error(
      '  cloud: skipped (set BASCULE_BENCH_CLOUDS to a clouds.yaml with src and dst, and hold the e2e lock)',
    );
    return [];
  }
  const clouds = resolve(given);
  if (!existsSync(clouds)) throw new Error(`BASCULE_BENCH_CLOUDS: ${clouds} does not exist`);
  const rounds = Number(process.env['BENCH_CLOUD_ROUNDS'] ?? 3);
  const networks = Number(process.env['BENCH_CLOUD_NETWORKS'] ?? 3);
  const dir = await mkdtemp(join(tmpdir(), 'bascule-bench-cloud-'));
  try {
    // Export, side by side.
    const exportTimes: number[] = [];
    const cliTimes: number[] = [];
    for (let round = 0; round < (process.env['BENCH_CLOUD_EXPORT'] === '0' ? 0 : rounds); round++) {
      exportTimes.push(
        await timed(() =>
          exec(
            process.execPath,
            [BIN, 'export', '--os-cloud', 'src', '--clouds-yaml', clouds, '--output', join(dir, 'src.json'), '--quiet'],
            clouds,
          ),
        ),
      );
      cliTimes.push(
        await timed(async () => {
          for (const args of CLI_LISTS) await exec('openstack', ['--os-cloud', 'src', ...args, '-f', 'json'], clouds);
        }),
      );
      console.error(
        `  round ${round + 1}: bascule export ${exportTimes.at(-1)!.toFixed(1)} s, openstack CLI ${cliTimes.at(-1)!.toFixed(1)} s`,
      );
    }

    // The floor of this export: its fixed part (an export of one small kind: start-up, token, catalog, one listing, the
    // check, writing) plus its slowest single listing (an export at --concurrency 1, one request at a time per service,
    // with the verbose log giving each request's time to its headers). Also each service's sum at concurrency 1:
    // a service with one API worker (Neutron here) answers its requests about one after the other anyway.
    let floor: { fixed: number; slowest: { path: string; ms: number }; perService: Map<string, number> } | undefined;
    if (process.env['BENCH_CLOUD_EXPORT'] !== '0') {
      const fixed = await timed(() =>
        exec(
          process.execPath,
          [BIN, 'export', '--os-cloud', 'src', '--clouds-yaml', clouds, '--output', join(dir, 'keypairs.json')].concat([
            '--kinds',
            'keypair',
            '--quiet',
          ]),
          clouds,
        ),
      );
      const log = await execStderr(
        process.execPath,
        [BIN, 'export', '--os-cloud', 'src', '--clouds-yaml', clouds, '--output', join(dir, 'src1.json')].concat([
          '--concurrency',
          '1',
          '--verbose',
        ]),
        clouds,
      );
      const times = requestTimes(log);
      const slowest = times.reduce((a, b) => (b.ms > a.ms ? b : a), { service: '', path: '(none)', ms: 0 });
      const perService = new Map<string, number>();
      for (const t of times) perService.set(t.service, (perService.get(t.service) ?? 0) + t.ms / 1000);
      floor = { fixed, slowest, perService };
      console.error(
        `  export of keypairs only ${fixed.toFixed(2)} s; at concurrency 1: ${times.length} requests, slowest ${slowest.path} ${slowest.ms} ms; per service ${[...perService].map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')}`,
      );
    }

    // Apply, side by side: Bascule, then the script; each removed after its run.
    const planFile = join(dir, 'network.plan.json');
    await writeFile(planFile, JSON.stringify(networkPlan(networks), null, 2));
    const journal = join(dir, 'network.journal.jsonl');
    const script = cliScript(networks);
    await writeFile(join(dir, 'make.sh'), script.make);
    await writeFile(join(dir, 'remove.sh'), script.remove);
    const applyTimes: number[] = [];
    const scriptTimes: number[] = [];
    const applyRounds = Number(process.env['BENCH_CLOUD_APPLY_ROUNDS'] ?? 1);
    for (let round = 0; round < applyRounds; round++) {
      applyTimes.push(
        await timed(() =>
          exec(
            process.execPath,
            [BIN, 'apply', planFile, '--to', 'dst', '--clouds-yaml', clouds, '--yes', '--journal', journal, '--quiet'],
            clouds,
          ),
        ),
      );
      await exec(
        process.execPath,
        [BIN, 'rollback', '--os-cloud', 'dst', '--clouds-yaml', clouds, '--journal', journal, '--yes', '--quiet'],
        clouds,
      );
      await rm(journal, { force: true });
      const ids = join(dir, 'ids.txt');
      let made = '';
      scriptTimes.push(
        await timed(async () => {
          made = await exec('bash', [join(dir, 'make.sh')], clouds);
        }),
      );
      await writeFile(ids, made);
      await exec('bash', [join(dir, 'remove.sh'), ids], clouds);
      console.error(
        `  apply round ${round + 1}: bascule apply ${applyTimes.at(-1)!.toFixed(1)} s, openstack CLI script ${scriptTimes.at(-1)!.toFixed(1)} s`,
      );
    }
    const entries = networkPlan(networks).resources.length - 1;
    return [
      ...(exportTimes.length === 0
        ? []
        : [
            {
              name: `cloud: bascule export of the e2e project (median of ${rounds}) vs the openstack CLI listing the 12 kinds`,
              value: median(exportTimes),
              unit: 's',
              baseline_or_limit: median(cliTimes),
              ratio: median(exportTimes) / median(cliTimes),
            },
            {
              name: '  bascule export: times faster than the CLI, vs the 20x target',
              value: median(cliTimes) / median(exportTimes),
              unit: 'x',
              baseline_or_limit: 20,
              ratio: 20 / (median(cliTimes) / median(exportTimes)),
            },
          ]),
      ...(floor === undefined
        ? []
        : [
            {
              name: '  floor: an export of keypairs only + the slowest single listing',
              value: floor.fixed + floor.slowest.ms / 1000,
              unit: 's',
              baseline_or_limit: null,
              ratio: null,
            },
            {
              name: '  the CLI vs that floor: the most times faster this export could be here',
              value: median(cliTimes) / (floor.fixed + floor.slowest.ms / 1000),
              unit: 'x',
              baseline_or_limit: 20,
              ratio: 20 / (median(cliTimes) / (floor.fixed + floor.slowest.ms / 1000)),
            },
          ]),
      {
        name: `cloud: bascule apply of ${entries} network objects (median of ${applyRounds}) vs an openstack CLI script`,
        value: median(applyTimes),
        unit: 's',
        baseline_or_limit: median(scriptTimes),
        ratio: median(applyTimes) / median(scriptTimes),
      },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
