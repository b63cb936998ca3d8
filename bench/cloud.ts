/**
 * Side by side on a real cloud (issue #18); runs only when BASCULE_BENCH_CLOUDS names a clouds.yaml with the clouds of
 * test/e2e (src: the seeded source project; dst: an empty target project). Run it under the e2e lock:
 *
 *     BASCULE_BENCH_CLOUDS=test/e2e/openstack/state/clouds.yaml flock /work/e2e.lock node dist/bench/run.js cloud
 *
 * - export: `bascule export` of the source project, against the `openstack` CLI listing the same 12 kinds one command
 *   after the other (as an operator would), BENCH_CLOUD_ROUNDS rounds (default 3) taken in turn; medians and ratio.
 * - project (session 7): the e2e source project, exported whole, made in the target project by `bascule apply --from
 *   src --server-disk base-image --consistency live` and by a bash script of `openstack` commands one after the other
 *   (bench/cloud-cli-apply.ts: the same resources, the same image and volume bytes moved), each removed after its run
 *   (Bascule's by `bascule rollback`, the script's by its own deletes, by ID), BENCH_CLOUD_PROJECT_ROUNDS rounds
 *   (default 3), the side that goes first alternating; medians and the ratio per round. The target (BENCH_CLOUD_TARGET,
 *   default dst) must hold none of the project's things first; the DNS zone gets another name there (zone names are
 *   global). A kind the script has no step for is taken out of both sides and named.
 * - network (BENCH_CLOUD_APPLY_ROUNDS, default 0 since session 7): the older 19-object network layer (BENCH_CLOUD_NETWORKS
 *   networks, default 3, each with a subnet, a security group with two rules and a port, plus a router on the first
 *   subnet), made by `bascule apply --yes`, then by a script; names start with `bench-`.
 *
 * BENCH_CLOUD_PARTS (default export,floor,project) picks the parts. BENCH_CLOUD_STOP_AT=HH:MM (UTC) starts no round that
 * would end after that time, at the length of the round before. With BENCH_CLOUD_LOCK=/work/e2e.lock the bench
 * takes that lock (flock) for each round only and lets it go in between, so others can use the cloud; run it without
 * `flock` around it then. Each side's CPU time is its processes' (user + system of the children, from
 * /proc/self/stat): the client's work, not the cloud's, which runs on the same host.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plan, PlanResource } from '../src/plan/types.js';
import type { BenchResult } from './run.js';
import { cliApplyScript, planForScript } from './cloud-cli-apply.js';

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
        error
          ? fail(new Error(`${file} ${args.join(' ')}: ${error.message}\n${stderr}\n${stdout.slice(-4000)}`))
          : done(stdout),
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

/** CPU time (user + system, s) of this process's children that have ended and been waited for (/proc/self/stat). */
function childrenCpu(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return NaN;
  }
}

/** Wall and children's CPU time of a step. */
async function measured(run: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu0 = childrenCpu();
  const wall = await timed(run);
  return { wall, cpu: childrenCpu() - cpu0 };
}

const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

/**
 * Holds BENCH_CLOUD_LOCK (an flock file, e.g. /work/e2e.lock) while `run` runs; without it, just runs. The lock is
 * held by a `flock FILE cat` child: closing its stdin ends it and lets the lock go.
 */
async function withLock<T>(what: string, run: () => Promise<T>): Promise<T> {
  const file = process.env['BENCH_CLOUD_LOCK'];
  if (!file) return run();
  const waited = performance.now();
  const child = spawn('flock', [file, 'sh', '-c', 'echo held; exec cat > /dev/null'], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  await new Promise<void>((done, fail) => {
    child.stdout.once('data', () => done());
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`flock ${file} ended (${code}) before taking the lock`)));
  });
  const waitedS = (performance.now() - waited) / 1000;
  console.error(`  [lock] ${what}: held (waited ${waitedS.toFixed(0)} s), load ${load()}`);
  try {
    return await run();
  } finally {
    child.stdin.end();
    await new Promise((done) => (child.exitCode === null ? child.once('exit', done) : done(undefined)));
    console.error(`  [lock] ${what}: released, load ${load()}`);
  }
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

/** What of the e2e project is on the target (nothing, before a round and after each cleanup), as `kind name` lines. */
async function leftOn(cloud: string, clouds: string): Promise<string[]> {
  const lists: [string, string[], (name: string) => boolean][] = [
    ['server', ['server', 'list'], () => true],
    ['network', ['network', 'list'], (n) => n !== 'public'],
    ['router', ['router', 'list'], () => true],
    ['floating ip', ['floating', 'ip', 'list', '-c', 'ID'], () => true],
    ['security group', ['security', 'group', 'list'], (n) => n !== 'default'],
    ['volume', ['volume', 'list'], () => true],
    ['image', ['image', 'list', '--private'], () => true],
    ['keypair', ['keypair', 'list'], () => true],
    ['server group', ['server', 'group', 'list'], () => true],
  ];
  const out: string[] = [];
  for (const [kind, args, counts] of lists) {
    const rows = JSON.parse(await exec('openstack', ['--os-cloud', cloud, ...args, '-f', 'json'], clouds)) as Record<
      string,
      unknown
    >[];
    for (const row of rows) {
      const name = String(row['Name'] ?? row['name'] ?? row['ID'] ?? row['id']);
      if (counts(name)) out.push(`${kind} ${name}`);
    }
  }
  const catalog = await exec(
    'openstack',
    ['--os-cloud', cloud, 'catalog', 'list', '-f', 'value', '-c', 'Type'],
    clouds,
  );
  if (/^dns$/m.test(catalog))
    for (const zone of (
      await exec('openstack', ['--os-cloud', cloud, 'zone', 'list', '-f', 'value', '-c', 'name'], clouds)
    )
      .split('\n')
      .filter(Boolean))
      out.push(`zone ${zone}`);
  return out;
}

/** Waits (untimed) until the target holds no more than `before`: Cinder and Designate delete in the background. */
async function settle(cloud: string, clouds: string, before: readonly string[]): Promise<string[]> {
  let left: string[] = [];
  for (const t0 = Date.now(); Date.now() - t0 < 300_000; await new Promise((r) => setTimeout(r, 3000))) {
    left = (await leftOn(cloud, clouds)).filter((x) => !before.includes(x));
    if (left.length === 0) break;
  }
  return left;
}

/** What is on the target before a round (another file's leftovers are not ours); refuses a name the project uses. */
async function baseline(cloud: string, clouds: string): Promise<string[]> {
  const there = await leftOn(cloud, clouds);
  const clash = there.filter((x) => / (seed-|bascule-bench\.)/.test(x));
  if (clash.length > 0)
    throw new Error(`the target ${cloud} already holds ${clash.join(', ')}: the bench makes the project there`);
  return there;
}

interface Side {
  make: { wall: number; cpu: number };
  remove: { wall: number; cpu: number };
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
  const parts = new Set((process.env['BENCH_CLOUD_PARTS'] ?? 'export,floor,project').split(','));
  if (process.env['BENCH_CLOUD_EXPORT'] === '0') ['export', 'floor'].forEach((p) => parts.delete(p));
  const rounds = Number(process.env['BENCH_CLOUD_ROUNDS'] ?? 3);
  const networks = Number(process.env['BENCH_CLOUD_NETWORKS'] ?? 3);
  const target = process.env['BENCH_CLOUD_TARGET'] ?? 'dst';
  const dir = await mkdtemp(join(tmpdir(), 'bascule-bench-cloud-'));
  const results: BenchResult[] = [];
  try {
    // Export, side by side.
    const exportTimes: number[] = [];
    const cliTimes: number[] = [];
    const exportRows: BenchResult[] = [];
    const exportRound = async (round: number): Promise<void> => {
      {
        const ours = await measured(() =>
          exec(
            process.execPath,
            [BIN, 'export', '--os-cloud', 'src', '--clouds-yaml', clouds, '--output', join(dir, 'src.json'), '--quiet'],
            clouds,
          ),
        );
        const theirs = await measured(async () => {
          for (const args of CLI_LISTS) await exec('openstack', ['--os-cloud', 'src', ...args, '-f', 'json'], clouds);
        });
        exportTimes.push(ours.wall);
        cliTimes.push(theirs.wall);
        console.error(
          `  export round ${round + 1}: bascule export ${ours.wall.toFixed(2)} s (CPU ${ours.cpu.toFixed(2)} s), openstack CLI ${theirs.wall.toFixed(1)} s (CPU ${theirs.cpu.toFixed(1)} s): ${(theirs.wall / ours.wall).toFixed(1)}x; load ${load()}`,
        );
        exportRows.push({
          name: `  export round ${round + 1}: bascule export vs the 12 listings (CPU ${ours.cpu.toFixed(2)} s vs ${theirs.cpu.toFixed(1)} s)`,
          value: ours.wall,
          unit: 's',
          baseline_or_limit: theirs.wall,
          ratio: ours.wall / theirs.wall,
        });
      }
    };
    const exportResults = (): BenchResult[] =>
      exportTimes.length === 0
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
          ];

    // The floor of this export: its fixed part (an export of one small kind: start-up, token, catalog, one listing, the
    // check, writing) plus its slowest single listing (an export at --concurrency 1, one request at a time per service,
    // with the verbose log giving each request's time to its headers). Also each service's sum at concurrency 1:
    // a service with one API worker (Neutron here) answers its requests about one after the other anyway.
    const floorResults: BenchResult[] = [];
    const floorRun = async (): Promise<void> => {
      const floor = await (async () => {
        const fixed = await timed(() =>
          exec(
            process.execPath,
            [
              BIN,
              'export',
              '--os-cloud',
              'src',
              '--clouds-yaml',
              clouds,
              '--output',
              join(dir, 'keypairs.json'),
            ].concat(['--kinds', 'keypair', '--quiet']),
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
        console.error(
          `  export of keypairs only ${fixed.toFixed(2)} s; at concurrency 1: ${times.length} requests, slowest ${slowest.path} ${slowest.ms} ms; per service ${[...perService].map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')}`,
        );
        return { fixed, slowest };
      })();
      const bound = floor.fixed + floor.slowest.ms / 1000;
      floorResults.push({
        name: '  floor: an export of keypairs only + the slowest single listing',
        value: bound,
        unit: 's',
        baseline_or_limit: null,
        ratio: null,
      });
      if (cliTimes.length > 0)
        floorResults.push({
          name: '  the CLI vs that floor: the most times faster this export could be here',
          value: median(cliTimes) / bound,
          unit: 'x',
          baseline_or_limit: 20,
          ratio: 20 / (median(cliTimes) / bound),
        });
    };

    // One lock hold per round: an export round, the floor (first round), the project's set-up (first round) and round.
    const project = parts.has('project') ? projectBench(clouds, target, dir) : undefined;
    const exportRounds = parts.has('export') ? rounds : 0;
    const projectRounds = project ? Number(process.env['BENCH_CLOUD_PROJECT_ROUNDS'] ?? 3) : 0;
    const all = Math.max(exportRounds, projectRounds, parts.has('floor') ? 1 : 0);
    // BENCH_CLOUD_STOP_AT=HH:MM (UTC): no round starts that would, at the last round's length, end after it.
    const stopAt = /^(\d\d):(\d\d)$/.exec(process.env['BENCH_CLOUD_STOP_AT'] ?? '');
    const deadline = stopAt ? new Date().setUTCHours(Number(stopAt[1]), Number(stopAt[2]), 0, 0) : Infinity;
    let lastRound = 0;
    let failed = false;
    for (let round = 0; round < all; round++) {
      const late = () => Date.now() + lastRound > deadline;
      if (late()) {
        console.error(`  round ${round + 1} and later: not started (it would end after ${stopAt![0]} UTC)`);
        break;
      }
      // A failed round (its side already removed what it made) ends the rounds, not the figures of the others.
      const stopped = await withLock(`round ${round + 1}`, async () => {
        if (late()) return true;
        const started = Date.now();
        if (round < exportRounds) await exportRound(round);
        if (round === 0 && parts.has('floor')) await floorRun();
        if (round === 0 && project) await project.setup();
        if (round < projectRounds) await project!.round(round);
        lastRound = Date.now() - started;
        return false;
      }).catch((error: unknown) => {
        console.error(`  round ${round + 1} failed, no more rounds: ${String(error)}`);
        failed = true;
        return true;
      });
      if (stopped && failed) break;
      if (stopped) {
        console.error(
          `  round ${round + 1} and later: not started (after the wait for the lock, it would end after ${stopAt![0]} UTC)`,
        );
        break;
      }
    }
    results.push(...exportResults(), ...floorResults, ...exportRows, ...(project ? project.results() : []));
    if (parts.has('network') || Number(process.env['BENCH_CLOUD_APPLY_ROUNDS'] ?? 0) > 0)
      results.push(...(await networkRounds(clouds, networks, dir)));
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The whole e2e project, applied by Bascule and made by the `openstack` CLI script, in turn (the side that goes first
 * alternates), each removed after its run; one lock hold per round.
 */
function projectBench(
  clouds: string,
  target: string,
  dir: string,
): { setup: () => Promise<void>; round: (round: number) => Promise<void>; results: () => BenchResult[] } {
  const rounds = Number(process.env['BENCH_CLOUD_PROJECT_ROUNDS'] ?? 3);
  let entries = 0;
  const exported = join(dir, 'project.json');
  const planFile = join(dir, 'project.bench.json');
  const mapping = join(dir, 'project.mapping.yaml');
  const zoneName = (name: string) => name.replace(/^bascule-src\./, 'bascule-bench.');
  const setup = async (): Promise<void> => {
    await baseline(target, clouds);
    await exec(
      process.execPath,
      [BIN, 'export', '--os-cloud', 'src', '--clouds-yaml', clouds, '--output', exported, '--quiet'],
      clouds,
    );
    const whole = JSON.parse(await readFile(exported, 'utf8')) as Plan;
    const { plan, leftOut } = planForScript(whole);
    await writeFile(planFile, JSON.stringify(plan, null, 2));
    await writeFile(
      mapping,
      'format: bascule.mapping/v1\nnames:\n  - { kinds: [dns_zone], strip_prefix: bascule-src. }\n  - { kinds: [dns_zone], prefix: bascule-bench. }\n',
    );
    const script = cliApplyScript(plan, { to: target, from: 'src', zoneName });
    await writeFile(join(dir, 'make.sh'), script.make);
    await writeFile(join(dir, 'remove.sh'), script.remove);
    if (process.env['BENCH_CLOUD_SCRIPT_OUT']) await writeFile(process.env['BENCH_CLOUD_SCRIPT_OUT'], script.make);
    entries = plan.resources.filter((r) => !(r as { external?: boolean }).external).length;
    console.error(
      `  project: ${entries} entries both sides make (the script: ${script.steps} openstack commands, plus its status polls); left out of both: ${leftOut.length === 0 ? 'nothing' : leftOut.join('; ')}`,
    );
  };
  const journal = join(dir, 'project.journal.jsonl');
  /** Runs a side's make step, then its removal, even when the make step failed (so the target is left as it was). */
  const side = async (make: () => Promise<unknown>, remove: () => Promise<unknown>): Promise<Side> => {
    let made: Side['make'];
    try {
      made = await measured(make);
    } catch (error) {
      await remove().catch((e: unknown) => console.error(`  removal after a failure failed too: ${String(e)}`));
      throw error;
    }
    return { make: made, remove: await measured(remove) };
  };
  const bascule = async (): Promise<Side> => {
    await rm(journal, { force: true });
    return side(
      () =>
        exec(
          process.execPath,
          [
            BIN,
            'apply',
            planFile,
            '--to',
            target,
            '--from',
            'src',
            '--clouds-yaml',
            clouds,
            '--mapping',
            mapping,
          ].concat(['--server-disk', 'base-image', '--consistency', 'live', '--yes', '--journal', journal, '--quiet']),
          clouds,
        ),
      () =>
        exec(
          process.execPath,
          [BIN, 'rollback', '--os-cloud', target, '--clouds-yaml', clouds, '--journal', journal, '--yes', '--quiet'],
          clouds,
        ),
    );
  };
  const script = async (): Promise<Side> => {
    const ids = join(dir, 'ids.txt');
    const work = join(dir, 'work');
    await rm(work, { recursive: true, force: true });
    await mkdir(work);
    await writeFile(ids, '');
    return side(
      () => exec('bash', [join(dir, 'make.sh'), ids, work], clouds),
      () => exec('bash', [join(dir, 'remove.sh'), ids], clouds),
    );
  };
  const ours: Side[] = [];
  const theirs: Side[] = [];
  const out: BenchResult[] = [];
  const round = async (round: number): Promise<void> => {
    {
      const load0 = load();
      const before = await baseline(target, clouds);
      const order = round % 2 === 0 ? (['bascule', 'script'] as const) : (['script', 'bascule'] as const);
      let a: Side | undefined;
      let b: Side | undefined;
      for (const side of order) {
        if (side === 'bascule') a = await bascule();
        else b = await script();
        const left = await settle(target, clouds, before);
        if (left.length > 0) throw new Error(`after the ${side}'s cleanup, ${target} still holds: ${left.join(', ')}`);
      }
      ours.push(a!);
      theirs.push(b!);
      console.error(
        `  project round ${round + 1} (${order.join(' first, then ')}; load ${load0} -> ${load()}): bascule apply ${a!.make.wall.toFixed(1)} s (CPU ${a!.make.cpu.toFixed(1)} s), rollback ${a!.remove.wall.toFixed(1)} s; openstack CLI script ${b!.make.wall.toFixed(1)} s (CPU ${b!.make.cpu.toFixed(1)} s), its deletes ${b!.remove.wall.toFixed(1)} s: ${(b!.make.wall / a!.make.wall).toFixed(2)}x`,
      );
      out.push({
        name: `  project round ${round + 1}: bascule apply vs the CLI script (CPU ${a!.make.cpu.toFixed(1)} s vs ${b!.make.cpu.toFixed(1)} s; load ${load0})`,
        value: a!.make.wall,
        unit: 's',
        baseline_or_limit: b!.make.wall,
        ratio: a!.make.wall / b!.make.wall,
      });
    }
  };
  const results = (): BenchResult[] => {
    if (ours.length === 0) return [];
    const m = (sides: Side[], f: (s: Side) => number) => median(sides.map(f));
    return [
      {
        name: `cloud: bascule apply of the e2e project, ${entries} entries (median of ${rounds}) vs an openstack CLI script`,
        value: m(ours, (s) => s.make.wall),
        unit: 's',
        baseline_or_limit: m(theirs, (s) => s.make.wall),
        ratio: m(ours, (s) => s.make.wall) / m(theirs, (s) => s.make.wall),
      },
      ...out,
      {
        name: '  CPU of the client processes: bascule apply vs the script (median)',
        value: m(ours, (s) => s.make.cpu),
        unit: 's',
        baseline_or_limit: m(theirs, (s) => s.make.cpu),
        ratio: m(ours, (s) => s.make.cpu) / m(theirs, (s) => s.make.cpu),
      },
      {
        name: '  cleanup: bascule rollback vs the script deleting by ID (median)',
        value: m(ours, (s) => s.remove.wall),
        unit: 's',
        baseline_or_limit: m(theirs, (s) => s.remove.wall),
        ratio: m(ours, (s) => s.remove.wall) / m(theirs, (s) => s.remove.wall),
      },
    ];
  };
  return { setup, round, results };
}

/** The older network layer (session 4): Bascule, then the script; each removed after its run. */
async function networkRounds(clouds: string, networks: number, dir: string): Promise<BenchResult[]> {
  const planFile = join(dir, 'network.plan.json');
  await writeFile(planFile, JSON.stringify(networkPlan(networks), null, 2));
  const journal = join(dir, 'network.journal.jsonl');
  const script = cliScript(networks);
  await writeFile(join(dir, 'net-make.sh'), script.make);
  await writeFile(join(dir, 'net-remove.sh'), script.remove);
  const applyTimes: number[] = [];
  const scriptTimes: number[] = [];
  const applyRounds = Number(process.env['BENCH_CLOUD_APPLY_ROUNDS'] ?? 1);
  for (let round = 0; round < applyRounds; round++) {
    await withLock(`network round ${round + 1}`, async () => {
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
      const ids = join(dir, 'net-ids.txt');
      let made = '';
      scriptTimes.push(
        await timed(async () => {
          made = await exec('bash', [join(dir, 'net-make.sh')], clouds);
        }),
      );
      await writeFile(ids, made);
      await exec('bash', [join(dir, 'net-remove.sh'), ids], clouds);
      console.error(
        `  network round ${round + 1}: bascule apply ${applyTimes.at(-1)!.toFixed(1)} s, openstack CLI script ${scriptTimes.at(-1)!.toFixed(1)} s`,
      );
    });
  }
  if (applyTimes.length === 0) return [];
  const entries = networkPlan(networks).resources.length - 1;
  return [
    {
      name: `cloud: bascule apply of ${entries} network objects (median of ${applyRounds}) vs an openstack CLI script`,
      value: median(applyTimes),
      unit: 's',
      baseline_or_limit: median(scriptTimes),
      ratio: median(applyTimes) / median(scriptTimes),
    },
  ];
}
