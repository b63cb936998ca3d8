/**
 * The benchmark runner: `npm run bench` (builds, then runs dist/bench/run.js). Benchmarks are not tests: they print
 * measurements against a limit or a baseline and never fail the test suite.
 *
 *     node dist/bench/run.js                 every benchmark
 *     node dist/bench/run.js plan-validate   only the modules whose name contains "plan-validate"
 *     node dist/bench/run.js --json          machine-readable results on stdout instead of the table
 *
 * The results are also written as JSON to BENCH_OUT (default dist/bench/results.json), with the machine they ran on.
 *
 * Each module exports `run(): Promise<BenchResult[]>`; add yours to BENCHES (an explicit list, no discovery).
 */
import { writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchResult {
  /** What was measured, e.g. "plan-validate: 100,000 resources". */
  name: string;
  value: number;
  /** Unit of value and of baseline_or_limit: "s", "ms", "MiB", "resources/s", ... */
  unit: string;
  /** A limit not to exceed or a baseline to compare with, in the same unit; null when it is informational. */
  baseline_or_limit: number | null;
  /** value / baseline_or_limit (below 1 is within a limit); null when there is nothing to compare with. */
  ratio: number | null;
}

export interface BenchModule {
  run(): Promise<BenchResult[]>;
}

/** The benchmarks, by name; each is imported only when it runs. */
export const BENCHES: readonly { name: string; load: () => Promise<BenchModule> }[] = [
  { name: 'startup', load: () => import('./startup.js') },
  { name: 'plan-validate', load: () => import('./plan-validate.js') },
  { name: 'transfer', load: () => import('./transfer.js') },
  { name: 'export', load: () => import('./export.js') },
  { name: 'apply', load: () => import('./apply.js') },
  { name: 'rerun', load: () => import('./rerun.js') },
  { name: 'journal', load: () => import('./journal.js') },
  { name: 'campaign', load: () => import('./campaign.js') },
  { name: 'workers', load: () => import('./workers.js') },
  { name: 'cloud', load: () => import('./cloud.js') },
];

function format(value: number | null): string {
  if (value === null) return '';
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  return Math.abs(value) >= 100 ? Math.round(value).toLocaleString('en-US') : value.toPrecision(3);
}

export function renderTable(results: readonly BenchResult[]): string {
  const headers = ['benchmark', 'value', 'unit', 'limit/baseline', 'ratio'];
  const rows = results.map((r) => [
    r.name,
    format(r.value),
    r.unit,
    format(r.baseline_or_limit),
    r.ratio === null ? '' : r.ratio.toFixed(3),
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === 1 || i === 3 || i === 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n') + '\n';
}

const HELP = `usage: node dist/bench/run.js [--json] [NAME...]   (npm run bench -- [--json] [NAME...])

Runs the benchmarks whose name contains one of NAME (all when none is given), prints a table and writes JSON to
BENCH_OUT (default dist/bench/results.json). Benchmarks: ${BENCHES.map((b) => b.name).join(', ')}.

Sizes (environment):
  BENCH_CAMPAIGN_PROJECTS, BENCH_CAMPAIGN_GROUPS   the campaign bench's projects (20) and networks per project (12)
  BENCH_CAMPAIGN_SERIAL=0                         leave out the campaign's one-project-at-a-time run
  BENCH_CAMPAIGN_SCALE=100,200,400,1000           instead, one campaign of small projects per size through
                                                  \`bascule batch run\`, and the seconds per project against the
                                                  first size's (1,000 projects take minutes: not run by default)
  BENCH_STARTUP_ROUNDS, BENCH_STARTUP_BASELINE    see docs/performance.md
  BENCH_TRANSFER_GIB, BENCH_TRANSFER_ROUNDS       the transfer bench's image size (2) and rounds (1)
  BENCH_TRANSFER_BASELINE=/other/build/dist       also that build's transfer, side by side in each round
  BENCH_TRANSFER_PARALLEL                         then that many images (4; 0 leaves it out), the same bytes in
                                                  all, moved at once against one after the other
  BASCULE_BENCH_CLOUDS=clouds.yaml                the cloud bench's real clouds (src, dst); skipped without it
  BENCH_CLOUD_PARTS=export,floor,project          its parts (add network for the session-4 network layer)
  BENCH_CLOUD_ROUNDS, BENCH_CLOUD_PROJECT_ROUNDS  its export rounds (3) and whole-project apply rounds (3)
  BENCH_CLOUD_TARGET=dst                          the project the apply rounds make things in and remove
  BENCH_CLOUD_LOCK=/work/e2e.lock                 take that lock (flock) for each round only
  BENCH_CLOUD_STOP_AT=HH:MM                       start no round that would end after that time (UTC)
  BENCH_CLOUD_SCRIPT_OUT=FILE                     keep the generated openstack CLI script there
  BENCH_VALIDATE_ROUNDS                           the validate-100k bench's rounds (3; medians)
  BENCH_VALIDATE_BASELINE=/other/dist/src/bin.js  also that build's \`bascule validate\`, in turn in each round
`;

export async function main(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  const json = argv.includes('--json');
  const filters = argv.filter((a) => !a.startsWith('--'));
  const selected = BENCHES.filter((b) => filters.length === 0 || filters.some((f) => b.name.includes(f)));
  if (selected.length === 0) {
    console.error(`no benchmark matches ${filters.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const all: BenchResult[] = [];
  let failed = false;
  for (const bench of selected) {
    if (!json) console.error(`running ${bench.name} ...`);
    try {
      const results = await (await bench.load()).run();
      all.push(...results);
    } catch (error) {
      failed = true;
      console.error(`${bench.name} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    }
  }
  process.stdout.write(json ? `${JSON.stringify(all, null, 2)}\n` : renderTable(all));
  const out = process.env.BENCH_OUT ?? fileURLToPath(new URL('./results.json', import.meta.url));
  const machine = {
    node: process.version,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? null,
    memory_gib: Math.round(totalmem() / 1024 ** 3),
    load_average: loadavg().map((l) => Math.round(l * 100) / 100),
  };
  await writeFile(out, `${JSON.stringify({ at: new Date().toISOString(), machine, results: all }, null, 2)}\n`);
  if (!json) console.error(`results written to ${out} (load average ${machine.load_average.join(', ')})`);
  return failed ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
