import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Argv } from 'yargs';
import type { AuditReport } from '../../diff/report.js';
import { EXIT, UsageError } from '../../shared/errors.js';
import { atomicWriteFile } from '../../shared/fs.js';
import { startSimulator, type Simulator } from '../../sim/index.js';
import type { ContextIo, GlobalArgs, RunContext } from '../context.js';
import { defineCommand } from '../command.js';

interface DemoArgs {
  dir: string;
  keep: boolean;
}

/** The two clouds of the story: PI on HPE Helion OpenStack 8 (Pike), and PI's new platform (current OpenStack). */
export const DEMO_CLOUDS = {
  source: {
    name: 'pi-hos8',
    profile: 'pike',
    region: 'region1',
    zones: ['nord-az1', 'nord-az2', 'nord-az3'],
    seed: 'fixtures/sim/sample-project.yaml',
    entry: 'pi-hos8-pi-web',
  },
  target: {
    name: 'pi-new',
    profile: '2025.1',
    region: 'nord',
    zones: ['nord-a', 'nord-b', 'nord-c'],
    seed: 'fixtures/sim/target-platform.yaml',
    entry: 'pi-new-pi-web',
  },
} as const;
export const DEMO_MAPPING = 'plans/mappings/pi-hos8-to-pi-new.yaml';

/** The package root (where package.json, plans/ and fixtures/ are), from this file in src/ or dist/src/. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, DEMO_MAPPING))) return dir;
    dir = dirname(dir);
  }
  throw new UsageError(
    'DEMO_FILES_MISSING',
    `cannot find ${DEMO_MAPPING} and the simulator seeds beside Bascule's package.json`,
  );
}

type Main = (argv: readonly string[], io?: ContextIo) => Promise<number>;

/** One step's result: its exit code and its whole output (kept in DIR/logs). */
interface StepRun {
  code: number;
  output: string;
}

const count = <T>(items: readonly T[], pick: (item: T) => string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const item of items) out[pick(item)] = (out[pick(item)] ?? 0) + 1;
  return out;
};
const counts = (values: Record<string, number>) =>
  Object.entries(values)
    .map(([k, n]) => `${n} ${k}`)
    .join(', ');

/**
 * `bascule demo`: two simulated clouds in this process, then export, dry run, apply and audit through the same
 * commands a user runs, each printed with its files and its command line (replayable against the running clouds
 * with --keep). Exit 0 when the audit is clean, 3 when it found differences, 1 when a step failed.
 */
export function demoCommand(main: Main) {
  return defineCommand<DemoArgs>({
    command: 'demo',
    describe:
      "Quick start: migrate a sample project between two simulated clouds (PI's HPE Helion 8 to its new platform)",
    builder: (y: Argv<GlobalArgs>) =>
      y
        .option('dir', {
          type: 'string',
          default: 'bascule-demo',
          describe: 'where the demo writes clouds.yaml, the plan, the dry run, the journal and the audit reports',
        })
        .option('keep', {
          type: 'boolean',
          default: false,
          describe: 'keep both simulated clouds running afterwards (replay the printed commands), until Ctrl-C',
        })
        .example('$0 demo', 'run the whole story in ./bascule-demo') as unknown as Argv<DemoArgs>,
    async run(args, ctx) {
      return runDemo(main, args, ctx);
    },
  });
}

async function runDemo(main: Main, args: DemoArgs, ctx: RunContext): Promise<number> {
  const started = Date.now();
  const root = packageRoot();
  const dir = resolve(args.dir);
  const shown = (path: string) => {
    const rel = relative(process.cwd(), path);
    return rel !== '' && !rel.startsWith('..') ? rel : path;
  };
  try {
    await mkdir(join(dir, 'logs'), { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new UsageError(
      'DEMO_DIR_UNUSABLE',
      `--dir ${shown(dir)}: cannot make a directory there (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { hint: 'give a directory that does not exist yet, or an empty one' },
    );
  }
  for (const name of ['plan.json', 'changes.json', 'apply.journal.jsonl']) {
    if (existsSync(join(dir, name)))
      throw new UsageError('DEMO_DIR_USED', `${shown(dir)} already holds a demo run (${name})`, {
        hint: 'remove that directory or choose another with --dir',
      });
  }
  const say = (text = '') => {
    if (!ctx.quiet) ctx.stdout(`${text}\n`);
  };
  const { source: S, target: T } = DEMO_CLOUDS;
  const files = {
    clouds: join(dir, 'clouds.yaml'),
    mapping: join(dir, 'mapping.yaml'),
    plan: join(dir, 'plan.json'),
    changes: join(dir, 'changes.json'),
    journal: join(dir, 'apply.journal.jsonl'),
    html: join(dir, 'audit.html'),
    md: join(dir, 'audit.md'),
    json: join(dir, 'audit.json'),
  };
  await copyFile(join(root, DEMO_MAPPING), files.mapping);

  say(
    "Bascule demo: PI's project moves from HPE Helion OpenStack 8 (Pike) to PI's new platform, on two simulated clouds.",
  );
  say();
  let sim: Simulator | undefined;
  try {
    sim = await startSimulator({
      clouds: [
        {
          name: S.name,
          profile: S.profile,
          regions: [S.region],
          availabilityZones: [...S.zones],
          seed: join(root, S.seed),
          delays: { serverBuildMs: 20, volumeCreateMs: 20, imageActiveMs: 20, serverPowerMs: 10, volumeAttachMs: 10 },
        },
        {
          name: T.name,
          profile: T.profile,
          regions: [T.region],
          availabilityZones: [...T.zones],
          seed: join(root, T.seed),
          delays: { serverBuildMs: 20, volumeCreateMs: 20, imageActiveMs: 20, serverPowerMs: 10, volumeAttachMs: 10 },
        },
      ],
    });
    await sim.writeCloudsYaml(files.clouds);
    say('[1/5] Two simulated clouds are running in this process:');
    say(`      ${S.name}  Pike (HPE Helion OpenStack 8), region ${S.region}: project pi-web seeded from ${S.seed}`);
    say(
      `      ${T.name}   2025.1 (PI's new platform), region ${T.region}: project pi-web, empty; platform from ${T.seed}`,
    );
    say(
      `      clouds.yaml (mode 0600, simulated passwords): ${shown(files.clouds)}  (entries ${S.entry}, ${T.entry}, ...)`,
    );
    say(`      mapping: ${shown(files.mapping)}  (a copy of ${DEMO_MAPPING})`);
    say();

    let n = 1;
    const step = async (name: string, argv: string[]): Promise<StepRun> => {
      n += 1;
      let output = '';
      const code = await main(['--clouds-yaml', files.clouds, ...argv], {
        stdout: (t) => void (output += t),
        stderr: (t) => void (output += t),
        isTTY: false,
        signal: ctx.signal,
      });
      await atomicWriteFile(join(dir, 'logs', `${n}-${name}.log`), output);
      return { code, output };
    };
    const command = (argv: string[]) =>
      `      $ bascule --clouds-yaml ${shown(files.clouds)} ${argv.map((a) => (a.startsWith('/') ? shown(a) : a)).join(' ')}`;
    const failed = (name: string, run: StepRun) => {
      ctx.stderr(
        `bascule demo: the ${name} step failed (exit ${run.code}); its output is in ${shown(join(dir, 'logs'))}:\n${run.output}`,
      );
      return EXIT.FAILED;
    };

    const exportArgs = ['export', '--os-cloud', S.entry, '-o', files.plan];
    const exported = await step('export', exportArgs);
    if (exported.code !== 0) return failed('export', exported);
    const plan = JSON.parse(await readFile(files.plan, 'utf8')) as {
      resources: { kind: string; external?: boolean }[];
    };
    const owned = plan.resources.filter((r) => !r.external);
    say(
      `[2/5] Export: ${owned.length} resources of ${S.name}/pi-web (${counts(count(owned, (r) => r.kind))}), and ${plan.resources.length - owned.length} external references`,
    );
    say(`      plan: ${shown(files.plan)}  (spec, refs and source facts of every resource: docs/plan-format.md)`);
    say(command(exportArgs));
    say();

    const dryArgs = [
      'apply',
      files.plan,
      '--from',
      S.entry,
      '--to',
      T.entry,
      '--mapping',
      files.mapping,
      '--dry-run',
      '--out',
      files.changes,
    ];
    const dry = await step('dry-run', dryArgs);
    if (dry.code !== 0) return failed('dry run', dry);
    const changes = JSON.parse(await readFile(files.changes, 'utf8')) as { actions: { action: string }[] };
    say(`[3/5] Dry run against ${T.name}: ${counts(count(changes.actions, (a) => a.action))}; nothing was changed`);
    say(`      changes: ${shown(files.changes)}  (every action, the quota preflight, the data to move)`);
    say(command(dryArgs));
    say();

    const applyArgs = [
      'apply',
      files.changes,
      '--from',
      S.entry,
      '--to',
      T.entry,
      '--yes',
      '--restart-source',
      '--journal',
      files.journal,
    ];
    const applied = await step('apply', applyArgs);
    if (applied.code !== 0) return failed('apply', applied);
    const journal = (await readFile(files.journal, 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as { t: string; op?: string; ok?: boolean });
    const results = journal.filter((r) => r.t === 'result');
    say(
      `[4/5] Apply (exactly the saved dry run): ${results.filter((r) => r.op === 'create' && r.ok).length} created, ${results.filter((r) => r.op === 'update' && r.ok).length} updated, ${results.filter((r) => !r.ok).length} failed steps; images, server disks and volumes copied from ${S.name}`,
    );
    say(
      `      journal: ${shown(files.journal)}  (undo with: bascule --clouds-yaml ${shown(files.clouds)} rollback --journal ${shown(files.journal)} --os-cloud ${T.entry} --yes)`,
    );
    say(command(applyArgs));
    say();

    const auditArgs = [
      'audit',
      '--from',
      S.entry,
      '--to',
      T.entry,
      '--mapping',
      files.mapping,
      '--journal',
      files.journal,
      '--report',
      files.html,
      '--report',
      files.md,
      '--report',
      files.json,
    ];
    const audited = await step('audit', auditArgs);
    if (audited.code !== EXIT.OK && audited.code !== EXIT.DIFFERENCES) return failed('audit', audited);
    const report = JSON.parse(await readFile(files.json, 'utf8')) as AuditReport;
    const s = report.summary;
    say(
      `[5/5] Audit ${S.name} -> ${T.name}: ${s.clean ? 'CLEAN' : 'DIFFERENCES FOUND'}: ${s.compared} compared, ${s.matched} matched, ${s.missing} missing, ${s.extra} extra, ${s.changed} changed, ${s.expected_lossy} expected-lossy (MAC and floating IP addresses, zones the target chose, images copied through temporary snapshots)`,
    );
    for (const d of report.differences.filter((x) => x.type !== 'expected-lossy').slice(0, 10)) {
      say(
        `      ${d.type} ${d.key}${d.field ? ` ${d.field}` : ''}${d.type === 'changed' ? `: ${JSON.stringify(d.source ?? null)} -> ${JSON.stringify(d.target ?? null)}` : ''}`,
      );
    }
    say(`      reports: ${shown(files.html)} (open it in a browser), ${shown(files.md)}, ${shown(files.json)}`);
    say(command(auditArgs));
    say();
    say(
      `Done in ${((Date.now() - started) / 1000).toFixed(1)} s. Every step's full output is in ${shown(join(dir, 'logs'))}.`,
    );
    if (args.keep) {
      say(
        `Both clouds keep running: replay the commands above against ${shown(files.clouds)}. Press Ctrl-C to stop them.`,
      );
      await new Promise<void>((done) => {
        if (ctx.signal.aborted) done();
        else ctx.signal.addEventListener('abort', () => done(), { once: true });
      });
    } else {
      say(`The clouds are stopped now; run \`bascule demo --keep\` to keep them up and replay the commands.`);
    }
    return s.clean ? EXIT.OK : EXIT.DIFFERENCES;
  } finally {
    await sim?.stop();
  }
}
