import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { auditPlans, journalFacts, type AuditOptions } from '../../diff/audit.js';
import type { AuditReport } from '../../diff/report.js';
import { readJournal } from '../../engine/journal.js';
import { exportProject } from '../../export/export.js';
import { loadMapping, type Mapping } from '../../mapping/index.js';
import { regionRoutes, selectRegions } from '../../mapping/regions.js';
import { checkRegions, planRegions } from '../../plan/regions.js';
import { connect } from '../../openstack/index.js';
import { PLAN_KINDS, isPlanKind, type PlanKind } from '../../plan/kinds.js';
import { readPlan } from '../../plan/io.js';
import type { Plan } from '../../plan/types.js';
import { EXIT, UsageError } from '../../shared/errors.js';
import { atomicWriteFile } from '../../shared/fs.js';
import { defineCommand } from '../command.js';
import { loadCloud, type GlobalArgs, type RunContext } from '../context.js';
import { concurrency, maxEntries } from '../options.js';
import { auditHtml, auditMarkdown, auditTable } from '../views/audit-report.js';
import { serialise } from '../views/output.js';
import { startProgress } from '../views/progress.js';

interface AuditArgs {
  from?: string;
  'from-region'?: string;
  'to-region'?: string;
  plan?: string;
  to?: string;
  mapping?: string;
  journal?: string;
  report?: string[];
  kinds?: string[];
  'exclude-kinds'?: string[];
  concurrency: number;
  'max-entries': number;
}

/** Where a file the audit used is, and the SHA-256 of its bytes (recorded in the report). */
async function fileInput(path: string): Promise<{ file: string; sha256: string }> {
  return {
    file: resolve(path),
    sha256: createHash('sha256')
      .update(await readFile(path))
      .digest('hex'),
  };
}

export const REPORT_TYPES = { '.json': 'json', '.md': 'markdown', '.html': 'html', '.htm': 'html' } as const;
type ReportType = (typeof REPORT_TYPES)[keyof typeof REPORT_TYPES];

/** The report files asked for, each with its type from its extension; a usage error for any other extension. */
export function reportTargets(paths: readonly string[]): { path: string; type: ReportType }[] {
  return paths.map((path) => {
    const type = REPORT_TYPES[extname(path).toLowerCase() as keyof typeof REPORT_TYPES];
    if (type === undefined)
      throw new UsageError(
        'AUDIT_REPORT_TYPE',
        `--report ${path}: the type comes from the extension, and "${extname(path) || '(none)'}" is not one of .json, .md, .html`,
      );
    return { path, type };
  });
}

export function renderReport(report: AuditReport, type: ReportType): string {
  if (type === 'json') return serialise(report, 'json');
  if (type === 'markdown') return auditMarkdown(report);
  return auditHtml(report);
}

/** Writes every report atomically, mode 0600 (a report names the project's resources). */
export async function writeReports(
  report: AuditReport,
  targets: readonly { path: string; type: ReportType }[],
): Promise<void> {
  for (const target of targets) await atomicWriteFile(target.path, renderReport(report, target.type), 0o600);
}

function kindList(values: readonly string[] | undefined, flag: string): PlanKind[] | undefined {
  if (values === undefined) return undefined;
  const out: PlanKind[] = [];
  for (const raw of values.flatMap((v) => String(v).split(','))) {
    const name = raw.trim().replaceAll('-', '_');
    if (name === '') continue;
    if (!isPlanKind(name))
      throw new UsageError('AUDIT_UNKNOWN_KIND', `${flag}: unknown kind "${raw.trim()}"`, {
        hint: `kinds: ${PLAN_KINDS.join(', ')}`,
      });
    out.push(name);
  }
  return out;
}

const list = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(String);

/** Exports a live project (every kind, with its dependencies), quietly apart from a spinner. */
async function exportLive(ctx: RunContext, cloudName: string, args: AuditArgs, region?: string): Promise<Plan> {
  const config = await loadCloud(ctx, cloudName, region);
  const progress = startProgress(ctx, `reading ${config.name}`);
  try {
    const cloud = await connect(config, {
      logger: ctx.logger,
      concurrency: { perService: Math.max(1, Math.floor(args.concurrency)) },
    });
    try {
      const result = await exportProject(cloud, {
        dependencies: true,
        includeUserData: false,
        allowPartial: false,
        signal: ctx.signal,
        logger: ctx.logger,
        cloudName: config.name,
        onProgress: (event) => {
          if (event.type === 'kind-done') progress.update(`reading ${config.name}: ${event.kind} ${event.count}`);
        },
      });
      // user_data is never compared (it is not read): that notice is for export, not for an audit. The other
      // warnings (an image a server was booted from and that is gone, typically Bascule's temporary copy) are
      // details behind the report's differences: counted here, each shown with --verbose.
      const warnings = result.warnings.filter((x) => x.code !== 'USER_DATA_NOT_EXPORTED');
      for (const w of warnings)
        ctx.logger.debug(`${config.name}: ${w.kind}${w.resource ? ` ${w.resource}` : ''}: ${w.message} [${w.code}]`);
      if (warnings.length > 0 && !ctx.quiet)
        ctx.stderr(
          `${config.name}: ${warnings.length} export warning${warnings.length === 1 ? '' : 's'} (see them with --verbose)\n`,
        );
      return result.plan;
    } finally {
      await cloud.close();
    }
  } finally {
    progress.stop();
  }
}

/** `bascule audit`: compare two live projects, or a plan with a live project; exit 3 when they differ. */
export const auditCommand = defineCommand<AuditArgs>({
  command: 'audit',
  describe: 'Compare two live projects, or a plan with a live project (exit 3 when they differ)',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('from', { type: 'string', describe: 'the source cloud (clouds.yaml name): exported now and compared' })
      .option('plan', { type: 'string', describe: 'or a plan file as the reference (drift after a migration)' })
      .option('to', { type: 'string', describe: 'the target cloud (clouds.yaml name), exported now' })
      .option('from-region', { type: 'string', describe: 'region of the source cloud (over --os-region-name)' })
      .option('to-region', { type: 'string', describe: 'region of the target cloud (over --os-region-name)' })
      .option('mapping', {
        type: 'string',
        describe: 'the mapping the migration used: a mapped flavor, name or zone is no difference',
      })
      .option('journal', {
        type: 'string',
        describe: "the apply's journal: match plan entries to the target's objects exactly",
      })
      .option('report', {
        type: 'string',
        array: true,
        describe: 'also write the report to FILE.json, FILE.md or FILE.html (by extension; repeatable; mode 0600)',
      })
      .option('kinds', {
        type: 'string',
        array: true,
        describe:
          'only report these kinds (comma-separated or repeated; the others are still matched, so references into them resolve)',
      })
      .option('exclude-kinds', {
        type: 'string',
        array: true,
        describe: 'leave these kinds out of the report (still matched)',
      })
      .option('concurrency', concurrency)
      .option('max-entries', maxEntries)
      .conflicts('from', 'plan')
      .example('$0 audit --from src --to dst --mapping map.yaml', 'compare two live projects')
      .example(
        '$0 audit --plan plan.json --to dst --journal apply.journal --report audit.html',
        'drift after a migration, with an HTML report',
      ) as unknown as Argv<AuditArgs>,
  async run(args, ctx) {
    if (args.to === undefined)
      throw new UsageError('AUDIT_NO_TARGET', 'audit needs --to CLOUD (the target project to compare)');
    if ((args.from === undefined) === (args.plan === undefined))
      throw new UsageError('AUDIT_NO_REFERENCE', 'audit needs exactly one of --from CLOUD or --plan FILE');
    const targets = reportTargets(list(args.report) ?? []);
    const kinds = kindList(list(args.kinds), '--kinds');
    const exclude = kindList(list(args['exclude-kinds']), '--exclude-kinds');
    // Every file is read and checked before any cloud is called.
    const mapping: Mapping | undefined = args.mapping !== undefined ? await loadMapping(args.mapping) : undefined;
    const journal = args.journal !== undefined ? journalFacts(await readJournal(args.journal)) : undefined;
    let planFile =
      args.plan !== undefined ? (await readPlan(args.plan, { maxEntries: args['max-entries'] })).plan : undefined;
    let regionNote: string | undefined;
    if (planFile !== undefined && planRegions(planFile) !== undefined) {
      // A plan of several regions: the target region holds the parts the mapping's `regions` table sends there.
      const problems = checkRegions(planFile);
      if (problems.length > 0)
        throw new UsageError(
          'PLAN_REGIONS_INVALID',
          `${args.plan}: ${problems
            .slice(0, 20)
            .map((p) => `${p.path}: ${p.message}`)
            .join('\n')}`,
        );
      const targetRegion =
        args['to-region']?.trim() || ctx.region || (await loadCloud(ctx, args.to)).regionName || undefined;
      const routes = regionRoutes(planFile, mapping);
      const where = routes.map((r) => `${r.from} -> ${r.to}`).join(', ');
      if (targetRegion === undefined)
        throw new UsageError(
          'AUDIT_REGION_NEEDED',
          `${args.plan} spans regions (${where}): audit one target region at a time with --to-region`,
        );
      const taken = routes.filter((r) => r.to === targetRegion).map((r) => r.from);
      if (taken.length === 0)
        throw new UsageError(
          'AUDIT_REGION_EMPTY',
          `no region of ${args.plan} goes to region "${targetRegion}" (${where})`,
        );
      planFile = selectRegions(planFile, taken);
      regionNote = `regions ${taken.join(', ')} of the plan, against region ${targetRegion}`;
    }

    const [reference, target] = await Promise.all([
      planFile ?? exportLive(ctx, args.from!, args, args['from-region']),
      exportLive(ctx, args.to, args, args['to-region']),
    ]);
    const options: AuditOptions = {
      source:
        args.plan !== undefined
          ? {
              description: `plan ${args.plan}${regionNote ? ` (${regionNote})` : ''}`,
              project: reference.provenance.project.name,
              cloud: reference.provenance.cloud,
            }
          : {
              description: `${args.from}/${reference.provenance.project.name}`,
              cloud: args.from!,
              project: reference.provenance.project.name,
            },
      target: {
        description: `${args.to}/${target.provenance.project.name}`,
        cloud: args.to,
        project: target.provenance.project.name,
      },
    };
    if (mapping) options.mapping = mapping;
    if (journal) {
      options.journal = journal.ids;
      options.zones = journal.zones;
      if (journal.sourceProject !== undefined) options.sourceProject = journal.sourceProject;
    }
    // --kinds / --exclude-kinds choose what is reported; every kind is still matched, so that a reference from a
    // reported entry to one outside (a member's port) compares as the target object that entry was matched to.
    if (kinds || exclude) options.reportKinds = { ...(kinds ? { only: kinds } : {}), ...(exclude ? { exclude } : {}) };
    const report = auditPlans(reference, target, options);
    const inputs: NonNullable<AuditReport['inputs']> = {};
    if (args.mapping !== undefined) inputs.mapping = await fileInput(args.mapping);
    if (args.journal !== undefined) inputs.journal = await fileInput(args.journal);
    if (inputs.mapping || inputs.journal) report.inputs = inputs;
    await writeReports(report, targets);
    if (ctx.format === 'table') ctx.stdout(auditTable(report));
    else ctx.stdout(serialise(report, ctx.format));
    if (!ctx.quiet) for (const t of targets) ctx.stderr(`report written to ${resolve(t.path)}\n`);
    return report.summary.clean ? EXIT.OK : EXIT.DIFFERENCES;
  },
});
