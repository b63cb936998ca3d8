/**
 * `bascule apply PLAN|CHANGES --to CLOUD`: the dry run first (always), then, confirmed, the apply.
 *
 * A saved dry run (`--out changes.json`) holds the mapped plan, how externals were matched, and a fingerprint of
 * what the target looked like; `bascule apply changes.json` re-plans and refuses (exit 2, CHANGES_STALE) when the
 * plan or the target changed since, so it applies exactly what was reviewed.
 */
import { basename, dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import type { Argv } from 'yargs';
import { applyPlan, type ApplyResult } from '../../engine/apply.js';
import type { EngineDeps } from '../../engine/context.js';
import { ChangesInvalidError, looksLikeChanges, readChanges } from '../../engine/changes-file.js';
import { blockingCause, planChanges, type ChangeSet } from '../../engine/dry-run.js';
import type { EngineEvent } from '../../engine/events.js';
import type { Resolution } from '../../engine/resolve.js';
import type { Workload, WriteContext } from '../../kinds/kind.js';
import { createWorkload, parseServerDisk } from '../../kinds/shared/workload.js';
import { WorkloadMover } from '../../transfer/workload.js';
import { readerFor, writerFor } from '../../kinds/registry.js';
import { applyMapping, loadMapping, type FilteredEntry } from '../../mapping/index.js';
import { MAPPING_LEFT_OUT } from '../../engine/dry-run.js';
import { regionRoutes, routeToRegion, type RegionRoute } from '../../mapping/regions.js';
import { checkRegions, planRegions } from '../../plan/regions.js';
import { connect } from '../../openstack/index.js';
import type { Cloud } from '../../openstack/cloud.js';
import { parsePlan, PlanInvalidError, readJsonText, type ParseOptions } from '../../plan/io.js';
import { formatIssues, hasErrors } from '../../plan/validate.js';
import type { Plan } from '../../plan/types.js';
import { STRICT_CODES } from '../../export/unsupported.js';
import { atomicWriteFile } from '../../shared/fs.js';
import { BasculeError, EXIT, UsageError } from '../../shared/errors.js';
import { defineCommand } from '../command.js';
import { loadCloud, type GlobalArgs, type RunContext } from '../context.js';
import { maxEntries, numberFlag } from '../options.js';
import { renderApplyJson } from '../views/apply-json.js';
import { renderApplySummary, renderChangesTable, renderEventLine } from '../views/apply-table.js';
import { startProgress } from '../views/progress.js';
import { renderDataEstimate, renderTransferProgress } from '../views/workload.js';

export interface ApplyArgs {
  plan: string;
  to?: string;
  from?: string;
  'to-region'?: string;
  'from-region'?: string;
  mapping?: string;
  'dry-run'?: boolean;
  out?: string;
  journal?: string;
  resume?: boolean;
  yes?: boolean;
  concurrency: number;
  /** Workload data (with --from): server disk strategy, consistency, temporaries, transfer concurrency. */
  'server-disk'?: string[];
  consistency?: 'stop' | 'live';
  'restart-source'?: boolean;
  'keep-temporary'?: boolean;
  'transfer-concurrency'?: number;
  /** Largest number of plan entries (default 100,000). */
  'max-entries'?: number;
  /** Refuse unless the dry run's digest is this one (what the reviewer approved). */
  'expect-digest'?: string;
  /** Refuse a plan whose export found resources Bascule does not move (or could not check). */
  strict?: boolean;
}

/**
 * Where the journal of a plan goes by default: PLAN.journal.jsonl beside it; for a plan of several regions, one per
 * target region (PLAN.<region>.journal.jsonl), so that each region's apply is resumed and rolled back on its own.
 */
export function defaultJournal(planPath: string, targetRegion?: string): string {
  const region = targetRegion === undefined ? '' : `.${targetRegion.replace(/[^A-Za-z0-9._-]/g, '_')}`;
  return join(dirname(planPath), `${basename(planPath).replace(/\.json$/, '')}${region}.journal.jsonl`);
}

/** What an apply of a plan of several regions takes (the regions that go to its target region) and leaves. */
export interface RegionChoice {
  target: string;
  taken: RegionRoute[];
  left: RegionRoute[];
}

/** A plan of several regions: its region checks, then the parts for the target region, mapped. Exit 2 on a problem. */
async function loadRegions(
  path: string,
  plan: Plan,
  mappingPath: string | undefined,
  regionOfTarget: () => Promise<string | undefined>,
): Promise<{ plan: Plan; resolution?: Resolution; notes: number; regions: RegionChoice }> {
  const problems = checkRegions(plan);
  if (problems.length > 0)
    throw new UsageError(
      'PLAN_REGIONS_INVALID',
      `${path}: ${problems
        .slice(0, 20)
        .map((p) => `${p.path}: ${p.message}`)
        .join('\n')}`,
    );
  const mapping = mappingPath ? await loadMapping(mappingPath) : undefined;
  const routes = regionRoutes(plan, mapping);
  const where = routes.map((r) => `${r.from} -> ${r.to}${r.rule ? ` (${r.rule})` : ''}`).join(', ');
  const targetRegion = await regionOfTarget();
  if (targetRegion === undefined)
    throw new UsageError(
      'APPLY_REGION_NEEDED',
      `${path} spans regions (${where}): an apply goes to one target region; give it with --to-region`,
      { hint: 'apply once per target region; the mapping\'s "regions" table says where each source region goes' },
    );
  const routed = routeToRegion(plan, mapping, targetRegion);
  if (routed.taken.length === 0)
    throw new UsageError('APPLY_REGION_EMPTY', `no region of ${path} goes to region "${targetRegion}" (${where})`, {
      hint: 'check --to-region and the mapping\'s "regions" table',
    });
  if (mapping && hasErrors(routed.mapped.issues))
    throw new UsageError(
      'MAPPING_NOT_APPLICABLE',
      `the mapping ${mappingPath} cannot be applied to ${path}:\n${formatIssues(routed.mapped.issues)}`,
    );
  return {
    plan: withLeftOut(routed.mapped.plan, routed.mapped.filtered),
    ...(mapping ? { resolution: routed.mapped.resolution as unknown as Resolution } : {}),
    notes: routed.mapped.notes.length,
    regions: { target: targetRegion, taken: routed.taken, left: routed.left },
  };
}

/** Reads a plan or a saved dry run. Bad input -> UsageError (exit 2), before any cloud is contacted. */
export async function loadInput(
  path: string,
  mappingPath: string | undefined,
  options: ParseOptions = {},
  targetRegion: () => Promise<string | undefined> = () => Promise.resolve(undefined),
): Promise<{ plan: Plan; resolution?: Resolution; saved?: ChangeSet; notes: number; regions?: RegionChoice }> {
  const read = await readJsonText(path, options.maxBytes);
  if (read.text === undefined) {
    if (read.issues.some((i) => i.code === 'FILE_UNREADABLE'))
      throw new UsageError('FILE_UNREADABLE', read.issues[0]?.message ?? `cannot read ${path}`);
    throw new PlanInvalidError(read.issues, path);
  }
  if (looksLikeChanges(read.text)) {
    if (mappingPath)
      throw new UsageError(
        'APPLY_CHANGES_MAPPING',
        `${path} is a saved dry run: its mapping is already applied; drop --mapping`,
      );
    const saved = readChanges(read.text, path, options);
    return { plan: saved.plan, ...(saved.resolution ? { resolution: saved.resolution } : {}), saved, notes: 0 };
  }
  const parsed = parsePlan(read.text, options);
  if (parsed.plan === undefined || hasErrors(parsed.issues)) throw new PlanInvalidError(parsed.issues, path);
  const plan = parsed.plan;
  if (planRegions(plan) !== undefined) return loadRegions(path, plan, mappingPath, targetRegion);
  if (!mappingPath) return { plan, notes: 0 };
  const mapping = await loadMapping(mappingPath);
  const mapped = applyMapping(plan, mapping);
  if (hasErrors(mapped.issues)) {
    throw new UsageError(
      'MAPPING_NOT_APPLICABLE',
      `the mapping ${mappingPath} cannot be applied to ${path}:\n${formatIssues(mapped.issues)}`,
    );
  }
  return {
    plan: withLeftOut(mapped.plan, mapped.filtered),
    resolution: mapped.resolution as unknown as Resolution,
    notes: mapped.notes.length,
  };
}

/** The plan with a warning for each entry the mapping left out (include/exclude), so the dry run names them. */
function withLeftOut(plan: Plan, filtered: readonly FilteredEntry[]): Plan {
  if (filtered.length === 0) return plan;
  const why = (f: FilteredEntry): string =>
    f.reason === 'excluded'
      ? `excluded by ${f.rule ?? 'the mapping'}`
      : f.reason === 'depends-on-excluded'
        ? `it refers to ${f.via ?? 'an entry'}, which the mapping leaves out`
        : 'not included by the mapping';
  const warnings = filtered.map((f) => ({
    code: MAPPING_LEFT_OUT,
    resource: f.key,
    message: `${f.key} is left out (${why(f)})`,
  }));
  return { ...plan, warnings: [...(plan.warnings ?? []), ...warnings] };
}

/**
 * `--strict`: the plan's export found resources Bascule does not move (UNSUPPORTED_RESOURCE) or a service it could
 * not check (UNSUPPORTED_NOT_CHECKED): refused before any cloud is contacted, exit 1 (as `export --strict`).
 */
export function refuseUnsupported(plan: Plan): void {
  const blocking = (plan.warnings ?? []).filter((w) => STRICT_CODES.has(w.code));
  if (blocking.length === 0) return;
  const shown = blocking.slice(0, 20).map((w) => `  ${w.message}`);
  if (blocking.length > shown.length) shown.push(`  ... and ${blocking.length - shown.length} more`);
  throw new BasculeError(
    'APPLY_UNSUPPORTED',
    `the plan lists ${blocking.length} resource${blocking.length === 1 ? '' : 's'} Bascule does not move (or could not check), and --strict is set; nothing was applied:\n${shown.join('\n')}`,
    {
      exitCode: EXIT.FAILED,
      hint: 'move or remove them by other means, or apply without --strict (the dry run lists them as warnings)',
    },
  );
}

/** `--expect-digest HEX`: 64 hexadecimal digits (a SHA-256), case-insensitive. */
export function checkExpectDigest(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const hex = value
    .trim()
    .toLowerCase()
    .replace(/^sha256:/, '');
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new UsageError(
      'APPLY_BAD_DIGEST',
      `--expect-digest ${JSON.stringify(value)}: expected 64 hexadecimal digits`,
      {
        hint: 'copy the digest the dry run printed ("Digest: ...")',
      },
    );
  return hex;
}

export interface Connected {
  target: Cloud;
  source?: Cloud;
  close(): Promise<void>;
}

/** Workload-data flags: checked before any cloud is contacted (exit 2). */
export function checkWorkloadArgs(args: ApplyArgs): void {
  const n = args['transfer-concurrency'];
  if (n !== undefined && (!Number.isInteger(n) || n < 1 || n > 32))
    throw new UsageError('APPLY_BAD_TRANSFER_CONCURRENCY', '--transfer-concurrency must be an integer from 1 to 32');
  parseServerDisk(args['server-disk'] ?? []);
  const moving =
    args['server-disk'] !== undefined ||
    args.consistency === 'live' ||
    args['restart-source'] ||
    args['keep-temporary'];
  if (moving && !args.from)
    throw new UsageError(
      'APPLY_WORKLOAD_NO_SOURCE',
      '--server-disk, --consistency live, --restart-source and --keep-temporary need the source cloud: give --from',
    );
}

/** The workload data of an apply with a source cloud: one mover (snapshots, uploads, transfers) and the choices. */
export function workloadFor(
  args: ApplyArgs,
  plan: Plan,
  source: Cloud,
  target: Cloud,
  progress: (text: string) => void,
): Workload {
  const mover = new WorkloadMover(source, target, {
    consistency: args.consistency ?? 'stop',
    restartSource: args['restart-source'] ?? false,
    transferConcurrency: args['transfer-concurrency'] ?? 2,
    onProgress: (overall) => progress(renderTransferProgress(overall)),
  });
  return createWorkload(plan, mover, {
    serverDisk: parseServerDisk(args['server-disk'] ?? []),
    keepTemporary: args['keep-temporary'] ?? false,
  });
}

export async function connectClouds(
  ctx: RunContext,
  to: string | undefined,
  from: string | undefined,
  concurrency?: number,
  regions: { to?: string; from?: string } = {},
): Promise<Connected> {
  if (!to) throw new UsageError('APPLY_NO_TARGET', 'name the target cloud with --to CLOUD');
  const targetConfig = await loadCloud(ctx, to, regions.to);
  const sourceConfig = from ? await loadCloud(ctx, from, regions.from) : undefined;
  // --concurrency also sets the client's queues (calls per service, and mutating calls per cloud).
  const limits = concurrency === undefined ? {} : { concurrency: { perService: concurrency, writes: concurrency } };
  const target = await connect(targetConfig, { logger: ctx.logger, ...limits });
  let source: Cloud | undefined;
  try {
    if (sourceConfig) source = await connect(sourceConfig, { logger: ctx.logger });
  } catch (error) {
    await target.close();
    throw error;
  }
  return {
    target,
    ...(source ? { source } : {}),
    async close() {
      await target.close();
      await source?.close();
    },
  };
}

export async function engineDeps(
  ctx: RunContext,
  clouds: Connected,
  options: { concurrency: number; resolution?: Resolution; onEvent?: (e: EngineEvent) => void },
): Promise<EngineDeps> {
  const target: WriteContext = {
    cloud: clouds.target,
    projectId: clouds.target.projectId,
    signal: ctx.signal,
    logger: ctx.logger,
    extensions: await clouds.target.networkExtensions(ctx.signal).catch(() => new Set<string>()),
    ...(clouds.source ? { source: { cloud: clouds.source, projectId: clouds.source.projectId } } : {}),
  };
  const n = Math.max(1, options.concurrency);
  return {
    target,
    writerFor,
    readerFor,
    concurrency: n,
    serviceLimits: { compute: n, network: n, image: Math.max(1, Math.min(n, 4)), 'block-storage': n },
    ...(options.resolution ? { resolution: options.resolution } : {}),
    ...(options.onEvent ? { onEvent: options.onEvent } : {}),
  };
}

async function confirm(ctx: RunContext, question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(question, { signal: ctx.signal });
    return /^y(es)?$/i.test(answer.trim());
  } catch {
    return false;
  } finally {
    rl.close();
  }
}

/** Whether we may ask the user: stdin and stderr are terminals. */
export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

export interface ApplyRun {
  changes: ChangeSet;
  result?: ApplyResult;
  exitCode: number;
}

/** The whole apply for one plan. */
export async function runApply(
  args: ApplyArgs,
  ctx: RunContext,
  options: { print?: boolean; prompt?: boolean } = {},
): Promise<ApplyRun> {
  const print = options.print !== false;
  const expected = checkExpectDigest(args['expect-digest']);
  // The target region (for a plan of several regions): --to-region, else --os-region-name, else the entry's.
  const targetRegion = async () =>
    args['to-region']?.trim() || ctx.region || (args.to ? (await loadCloud(ctx, args.to)).regionName : undefined);
  const input = await loadInput(
    args.plan,
    args.mapping,
    args['max-entries'] === undefined ? {} : { maxEntries: args['max-entries'] },
    targetRegion,
  );
  if (args.strict) refuseUnsupported(input.plan);
  if (expected !== undefined && input.saved && input.saved.digest !== expected)
    throw new UsageError(
      'CHANGES_DIGEST_REFUSED',
      `${args.plan} has digest ${input.saved.digest}, not the approved ${expected}; nothing was applied`,
      { hint: 'apply the file that was reviewed, or review this one' },
    );
  const journalPath = args.journal ?? defaultJournal(args.plan, input.regions?.target);
  if (input.regions && print && !ctx.quiet) {
    const { target, taken, left } = input.regions;
    const line = (r: RegionRoute) => `region ${r.from} (${r.entries} entries)${r.rule ? `, by ${r.rule}` : ''}`;
    ctx.stderr(`to region ${target}: ${taken.map(line).join('; ')}\n`);
    for (const r of left)
      ctx.stderr(`not in this run: ${line(r)} goes to region ${r.to}: apply again with --to-region ${r.to}\n`);
  }
  if (!args['dry-run'] && !args.yes && !(options.prompt !== false && canPrompt())) {
    throw new UsageError(
      'APPLY_NOT_CONFIRMED',
      'refusing to change a cloud without confirmation: not on a terminal and no --yes',
      { hint: 'review with --dry-run, then run again with --yes' },
    );
  }
  const clouds = await connectClouds(ctx, args.to, args.from, args.concurrency, {
    ...(args['to-region'] ? { to: args['to-region'] } : {}),
    ...(args['from-region'] ? { from: args['from-region'] } : {}),
  });
  try {
    const progress = print
      ? startProgress(ctx, `planning against ${clouds.target.name}`)
      : { update() {}, stop() {}, succeed() {}, fail() {} };
    let planned = 0;
    const lines = ctx.format === 'table' && !ctx.interactive && print && !ctx.quiet;
    const onEvent = (event: EngineEvent) => {
      if (event.type === 'plan.action') progress.update(`planning against ${clouds.target.name}: ${++planned} entries`);
      if (event.type === 'node.done' || event.type === 'node.failed') progress.update(`applying: ${event.key}`);
      if (lines) {
        const line = renderEventLine(event);
        if (line) ctx.stderr(`${line}\n`);
      }
    };
    const deps = await engineDeps(ctx, clouds, {
      concurrency: args.concurrency,
      ...(input.resolution ? { resolution: input.resolution } : {}),
      onEvent,
    });
    let dataProgress: (text: string) => void = () => {};
    if (clouds.source)
      deps.target.workload = workloadFor(args, input.plan, clouds.source, clouds.target, (text) => dataProgress(text));
    const changes = await planChanges(input.plan, deps);
    progress.stop();
    if (input.saved) {
      if (input.saved.target.project_id !== changes.target.project_id)
        throw new UsageError(
          'CHANGES_STALE',
          `${args.plan} was made for project ${input.saved.target.project_id}, not ${changes.target.project_id}`,
        );
      if (input.saved.fingerprint !== changes.fingerprint || input.saved.digest !== changes.digest) {
        if (print)
          ctx.stdout(
            ctx.format === 'table'
              ? renderChangesTable(changes)
              : renderApplyJson({ changes, applied: false }, ctx.format),
          );
        throw new UsageError(
          'CHANGES_STALE',
          input.saved.fingerprint !== changes.fingerprint
            ? `the target changed since ${args.plan} was made (the actions above differ from the saved ones); nothing was applied`
            : `${args.plan} was made for cloud ${input.saved.target.cloud}, not ${changes.target.cloud}; nothing was applied`,
          { hint: 'make and review a new dry run' },
        );
      }
    }
    if (expected !== undefined && changes.digest !== expected) {
      if (print)
        ctx.stdout(
          ctx.format === 'table'
            ? renderChangesTable(changes)
            : renderApplyJson({ changes, applied: false }, ctx.format),
        );
      throw new UsageError(
        'CHANGES_DIGEST_REFUSED',
        `this dry run has digest ${changes.digest}, not the approved ${expected}; nothing was applied`,
        { hint: 'the plan, the mapping or the target changed since the review: review again' },
      );
    }
    if (args.out) await atomicWriteFile(args.out, `${JSON.stringify({ ...changes, plan: input.plan }, null, 2)}\n`);
    if (print && ctx.format === 'table') ctx.stdout(renderChangesTable(changes, { plan: input.plan }));
    if (print && ctx.format === 'table' && changes.data) ctx.stdout(renderDataEstimate(changes.data));
    if (args['dry-run'] || !changes.ok) {
      if (print && ctx.format !== 'table') ctx.stdout(renderApplyJson({ changes, applied: false }, ctx.format));
      if (!args['dry-run'] && print) ctx.stderr(`bascule: nothing was applied: ${blockingCause(changes)}\n`);
      return { changes, exitCode: changes.ok ? EXIT.OK : EXIT.FAILED };
    }
    const mutating = changes.actions.filter(
      (a) => a.action === 'create' || a.action === 'update' || a.action === 'lossy',
    ).length;
    if (mutating === 0 && !args.resume) {
      if (print && ctx.format !== 'table') ctx.stdout(renderApplyJson({ changes, applied: false }, ctx.format));
      if (print && ctx.format === 'table') ctx.stdout('Nothing to change.\n');
      return { changes, exitCode: EXIT.OK };
    }
    if (!args.yes) {
      const ok = await confirm(
        ctx,
        `Apply ${mutating} change${mutating === 1 ? '' : 's'} to ${clouds.target.name} (digest ${changes.digest})? [y/N] `,
      );
      if (!ok) {
        ctx.stderr('bascule: not applied\n');
        return { changes, exitCode: EXIT.FAILED };
      }
    }
    const applying = print
      ? startProgress(ctx, `applying to ${clouds.target.name}`)
      : { update() {}, stop() {}, succeed() {}, fail() {} };
    dataProgress = (text) => applying.update(text);
    const result = await applyPlan(input.plan, deps, { journalPath, resume: args.resume ?? false });
    applying.stop();
    if (print)
      ctx.stdout(
        ctx.format === 'table'
          ? renderApplySummary(result)
          : renderApplyJson({ changes, result, applied: true }, ctx.format),
      );
    return { changes, result, exitCode: result.interrupted ? EXIT.INTERRUPTED : result.ok ? EXIT.OK : EXIT.FAILED };
  } finally {
    await clouds.close();
  }
}

export const applyCommand = defineCommand<ApplyArgs>({
  command: 'apply <plan>',
  describe:
    'Replay a plan (or a saved dry run) on a target cloud: dry run, confirmation, then a journaled, resumable apply',
  builder: (y: Argv<GlobalArgs>) =>
    y
      .positional('plan', {
        type: 'string',
        demandOption: true,
        describe: 'a plan file, or a dry run saved with --out',
      })
      .option('to', { type: 'string', describe: 'target cloud (clouds.yaml)' })
      .option('from', { type: 'string', describe: 'source cloud, for workload data (image bytes, disks)' })
      .option('to-region', { type: 'string', describe: 'region of the target cloud (over --os-region-name)' })
      .option('from-region', { type: 'string', describe: 'region of the source cloud (over --os-region-name)' })
      .option('mapping', { type: 'string', describe: 'mapping file (YAML or JSON) rewriting the plan for the target' })
      .option('dry-run', {
        type: 'boolean',
        default: false,
        describe: 'only show what would be done (exit 1 if something is blocked or in conflict)',
      })
      .option('out', {
        type: 'string',
        describe: 'save the dry run to FILE; `bascule apply FILE` applies exactly that later',
      })
      .option('journal', { type: 'string', describe: 'journal file (default: PLAN.journal.jsonl beside the plan)' })
      .option('resume', { type: 'boolean', default: false, describe: 'continue the run the journal records' })
      .option('yes', {
        type: 'boolean',
        alias: 'y',
        default: false,
        describe: 'apply without asking (needed without a terminal)',
      })
      .option(
        'concurrency',
        numberFlag('concurrency', {
          min: 1,
          max: 256,
          default: 8,
          describe: 'entries in flight at once (and per service)',
        }),
      )
      .option('server-disk', {
        type: 'string',
        array: true,
        describe:
          'how server disks move (with --from): snapshot (default) or base-image, for all, or NAME=snapshot|base-image per server (repeatable)',
      })
      .option('consistency', {
        choices: ['stop', 'live'] as const,
        default: 'stop' as const,
        describe:
          'stop a running source server before copying its disk and volumes, or copy it live (crash-consistent)',
      })
      .option('restart-source', {
        type: 'boolean',
        default: false,
        describe: 'start source servers stopped for the copy again afterwards',
      })
      .option('keep-temporary', {
        type: 'boolean',
        default: false,
        describe: 'keep the temporary snapshots and images on both clouds',
      })
      .option('strict', {
        type: 'boolean',
        default: false,
        describe:
          'refuse the plan if its export found resources Bascule does not move or could not check (exit 1, before any cloud is contacted)',
      })
      .option('expect-digest', {
        type: 'string',
        describe: 'apply only if the dry run has this digest (the one the reviewer approved); refuse anything else',
      })
      .option(
        'transfer-concurrency',
        numberFlag('transfer-concurrency', {
          min: 1,
          max: 32,
          default: 2,
          describe: 'image transfers at once (separate from --concurrency)',
        }),
      )
      .option('max-entries', maxEntries) as unknown as Argv<ApplyArgs>,
  async run(args, ctx) {
    checkWorkloadArgs(args);
    try {
      return (await runApply(args, ctx)).exitCode;
    } catch (error) {
      if (error instanceof PlanInvalidError || error instanceof ChangesInvalidError) {
        ctx.stderr(error.report());
      }
      if (error instanceof BasculeError) throw error;
      throw error;
    }
  },
});
