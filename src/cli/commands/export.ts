import type { Argv } from 'yargs';
import {
  ExportInvalidPlanError,
  exportProject,
  type ExportProgressEvent,
  type ExportResult,
} from '../../export/export.js';
import { catalogRegions, SERVICE } from '../../openstack/auth/catalog.js';
import type { CloudConfig } from '../../openstack/config/types.js';
import { connect } from '../../openstack/index.js';
import { mergeRegionPlans } from '../../plan/regions.js';
import { checkPlan, hasErrors } from '../../plan/validate.js';
import { serializePlan } from '../../plan/canonical.js';
import { writePlan } from '../../plan/io.js';
import type { PlanWarning } from '../../plan/types.js';
import { PLAN_KINDS } from '../../plan/kinds.js';
import { BasculeError, EXIT, UsageError } from '../../shared/errors.js';
import { defineCommand } from '../command.js';
import { loadCloud, type GlobalArgs, type RunContext } from '../context.js';
import { concurrency, osCloud } from '../options.js';
import { serialise, table } from '../views/output.js';
import { startProgress } from '../views/progress.js';

interface ExportArgs {
  'os-cloud'?: string;
  output?: string;
  kinds?: string[];
  'exclude-kinds'?: string[];
  select?: string[];
  exclude?: string[];
  strict: boolean;
  dependencies: boolean;
  'include-user-data': boolean;
  'allow-partial': boolean;
  concurrency: number;
  'all-regions': boolean;
}

/** The end-of-run summary: counts and requests per kind, then warnings. */
export function summary(result: ExportResult, output: string | undefined): Record<string, unknown> {
  const kinds = PLAN_KINDS.filter((k) => result.stats.perKind[k].count > 0 || result.stats.perKind[k].requests > 0).map(
    (k) => ({
      kind: k,
      resources: result.plan.resources.filter((r) => r.kind === k && r.external !== true).length,
      external: result.plan.resources.filter((r) => r.kind === k && r.external === true).length,
      requests: result.stats.perKind[k].requests,
    }),
  );
  return {
    output: output ?? '(stdout)',
    project: result.plan.provenance.project,
    cloud: result.plan.provenance.cloud,
    profile: result.plan.provenance.profile.name ?? null,
    resources: result.plan.resources.length,
    requests: result.stats.requests,
    kinds,
    warnings: result.warnings,
  };
}

function summaryTable(result: ExportResult, output: string | undefined): string {
  const data = summary(result, output) as {
    kinds: { kind: string; resources: number; external: number; requests: number }[];
  };
  const rows = data.kinds.map((k) => [k.kind, k.resources, k.external, k.requests]);
  rows.push([
    'total',
    data.kinds.reduce((a, k) => a + k.resources, 0),
    data.kinds.reduce((a, k) => a + k.external, 0),
    result.stats.requests,
  ]);
  let text = table(['kind', 'exported', 'external', 'requests'], rows);
  if (result.warnings.length > 0) {
    text += `\n${result.warnings.length} warning${result.warnings.length === 1 ? '' : 's'}:\n`;
    text +=
      result.warnings
        .map((w: PlanWarning) => `  ${w.kind ?? ''}${w.resource ? ` ${w.resource}` : ''}: ${w.message} [${w.code}]`)
        .join('\n') + '\n';
  }
  text += `\n${result.plan.resources.length} resources from project ${result.plan.provenance.project.name} written to ${output ?? 'stdout'}\n`;
  return text;
}

function progressView(
  ctx: RunContext,
  cloudName: string,
): { onProgress: (event: ExportProgressEvent) => void; stop: () => void } {
  const progress = startProgress(ctx, `reading ${cloudName}`);
  const started = new Set<string>();
  const running = new Set<string>();
  let read = 0;
  let failed = 0;
  const render = (extra = '') => {
    const waiting = [...running].slice(0, 3).join(', ') + (running.size > 3 ? ', ...' : '');
    progress.update(
      `reading ${cloudName}: ${started.size - running.size}/${started.size} kinds, ${read} resources${failed > 0 ? `, ${failed} kind(s) failed` : ''}${running.size > 0 ? ` (waiting for ${waiting})` : ''}${extra}`,
    );
  };
  return {
    onProgress(event) {
      if (event.type === 'kind-start') {
        started.add(event.kind);
        running.add(event.kind);
      } else if (event.type === 'kind-done') {
        running.delete(event.kind);
        read += event.count;
      } else if (event.type === 'kind-failed') {
        running.delete(event.kind);
        failed += 1;
      } else if (event.type === 'externals') {
        render(`; describing ${event.count} external references`);
        return;
      } else return;
      render();
    },
    stop: () => progress.stop(),
  };
}

const list = (value: unknown): string[] | undefined =>
  value === undefined ? undefined : (Array.isArray(value) ? value : [value]).map(String);

/** The regions a cloud's catalog lists for the services Bascule moves (one authentication, no other call). */
async function cloudRegions(config: CloudConfig, ctx: RunContext): Promise<string[]> {
  const cloud = await connect(config, { logger: ctx.logger });
  try {
    const token = await cloud.token(ctx.signal);
    return catalogRegions(token.catalog ?? [], Object.values(SERVICE), config.interface);
  } finally {
    await cloud.close();
  }
}

/** One result for the plans of every region: the merged plan, every warning, the requests summed. */
function mergeResults(parts: readonly ExportResult[]): ExportResult {
  const plan = mergeRegionPlans(parts.map((p) => p.plan));
  const perKind = structuredClone(parts[0]!.stats.perKind);
  for (const part of parts.slice(1))
    for (const [kind, stats] of Object.entries(part.stats.perKind)) {
      const sum = perKind[kind as keyof typeof perKind];
      sum.count += stats.count;
      sum.requests += stats.requests;
    }
  return {
    plan,
    warnings: plan.warnings ?? [],
    stats: { requests: parts.reduce((n, p) => n + p.stats.requests, 0), perKind },
  };
}

/** `bascule export`: snapshot a project into a plan. */
export const exportCommand = defineCommand<ExportArgs>({
  command: 'export',
  describe: 'Read a project through the APIs and write it as a plan (JSON)',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .option('os-cloud', osCloud)
      .option('output', {
        type: 'string',
        alias: 'o',
        describe: 'write the plan to FILE (mode 0600, atomic); default: stdout',
      })
      .option('kinds', {
        type: 'string',
        array: true,
        describe: `only these kinds (comma-separated or repeated): ${PLAN_KINDS.join(', ')}`,
      })
      .option('exclude-kinds', {
        type: 'string',
        array: true,
        describe: 'never these kinds (references to them become external where possible)',
      })
      .option('select', {
        type: 'string',
        array: true,
        describe: 'only resources matching PATTERN: a name glob (web-*), tag:TAG or id:ID; repeatable',
      })
      .option('exclude', {
        type: 'string',
        array: true,
        describe:
          'leave out resources matching PATTERN (same patterns as --select; never pulled in as dependencies); the summary names what used them',
      })
      .option('strict', {
        type: 'boolean',
        default: false,
        describe:
          'fail (exit 1, nothing written) if the project has resources Bascule does not move (firewall groups, VPN services, RBAC shares, volume backups, ...) or they could not be checked',
      })
      .option('dependencies', {
        type: 'boolean',
        default: true,
        describe: 'pull in what selected resources use (--no-dependencies: only the selection)',
      })
      .option('include-user-data', {
        type: 'boolean',
        default: false,
        describe: "export servers' user_data (marked sensitive; needs admin rights to read)",
      })
      .option('allow-partial', {
        type: 'boolean',
        default: false,
        describe: 'write the plan even if a whole kind cannot be read',
      })
      .option('concurrency', concurrency)
      .option('all-regions', {
        type: 'boolean',
        default: false,
        describe:
          'export every region of the cloud (from the catalog) into one plan: each entry gets source.region and a key ending in @<region>; not with --os-region-name',
      })
      .example('$0 export --os-cloud src -o plan.json', 'export the whole project')
      .example('$0 export --os-cloud nubo --all-regions -o shop.plan.json', 'a project that spans regions')
      .example(
        "$0 export --os-cloud src --kinds server --select 'web-*' -o web.json",
        'the web servers and what they use',
      ) as unknown as Argv<ExportArgs>,
  async run(args, ctx) {
    if (args['all-regions'] && (args as ExportArgs & GlobalArgs)['os-region-name'] !== undefined)
      throw new UsageError(
        'EXPORT_REGION_CONFLICT',
        '--all-regions reads every region: drop --os-region-name (OS_REGION_NAME and region_name are ignored with it)',
      );
    const config = await loadCloud(ctx, args['os-cloud']);
    const exportOne = async (regionConfig: CloudConfig): Promise<ExportResult> => {
      const connecting = startProgress(ctx, `connecting to ${regionConfig.name}`);
      const cloud = await connect(regionConfig, {
        logger: ctx.logger,
        concurrency: { perService: Math.max(1, Math.floor(args.concurrency)) },
      }).finally(() => connecting.stop());
      const view = progressView(ctx, regionConfig.name);
      try {
        const kinds = list(args.kinds);
        const excludeKinds = list(args['exclude-kinds']);
        const select = list(args.select);
        const exclude = list(args.exclude);
        return await exportProject(cloud, {
          ...(kinds ? { kinds } : {}),
          ...(excludeKinds ? { excludeKinds } : {}),
          ...(select ? { select } : {}),
          ...(exclude ? { exclude } : {}),
          strict: args.strict,
          dependencies: args.dependencies,
          includeUserData: args['include-user-data'],
          allowPartial: args['allow-partial'],
          signal: ctx.signal,
          logger: ctx.logger,
          onProgress: view.onProgress,
          cloudName: regionConfig.name,
        });
      } finally {
        view.stop();
        await cloud.close();
      }
    };
    let result: ExportResult;
    if (args['all-regions']) {
      const { regionName: _ignored, ...anyRegion } = config;
      const regions = await cloudRegions(anyRegion, ctx);
      if (regions.length === 0)
        throw new BasculeError(
          'EXPORT_NO_REGION',
          `cloud ${config.name}: the catalog lists no region with a compute, network, image or block-storage endpoint`,
        );
      if (!ctx.quiet) ctx.stderr(`regions of ${config.name}: ${regions.join(', ')}\n`);
      const parts: ExportResult[] = [];
      for (const region of regions) parts.push(await exportOne({ ...anyRegion, regionName: region }));
      result = parts.length === 1 ? parts[0]! : mergeResults(parts);
    } else result = await exportOne(config);
    // exportProject validated this very plan (an invalid one is an ExportInvalidPlanError), and a merge of valid
    // plans is checked by writePlan below.
    if (args.output !== undefined)
      await writePlan(args.output, result.plan, { validate: result.plan.provenance.regions !== undefined });
    else if (result.plan.provenance.regions !== undefined) {
      const checked = checkPlan(JSON.parse(serializePlan(result.plan)));
      if (hasErrors(checked.issues)) throw new ExportInvalidPlanError(checked.issues);
    }
    if (args.output === undefined) ctx.stdout(serializePlan(result.plan));
    // The plan goes to stdout when there is no --output: the summary then goes to stderr.
    const summaryOut = args.output !== undefined && ctx.format !== 'table' ? ctx.stdout : ctx.stderr;
    if (ctx.format !== 'table') summaryOut(serialise(summary(result, args.output), ctx.format));
    else if (!ctx.quiet) ctx.stderr(summaryTable(result, args.output));
    return EXIT.OK;
  },
});
