/**
 * The export use case: read a project through the APIs and assemble a plan. Reading is I/O (every kind in
 * parallel, list requests with filters and pagination); assembly is pure and deterministic: select, resolve
 * references (owned entries, external descriptions, or dropped with a warning), assign keys, map IDs to keys,
 * validate. Exporting an unchanged project twice gives the same plan except `provenance.exported_at`.
 */
import { getMaxListeners, setMaxListeners } from 'node:events';
import type { Cloud } from '../openstack/cloud.js';
import * as servers from '../openstack/compute/servers/requests.js';
import * as volumes from '../openstack/block-storage/volumes/requests.js';
import type { DraftEntry, KindReader, KindWarning, ReadContext } from '../kinds/kind.js';
import { DESCRIPTORS, descriptorOf, readerFor } from '../kinds/registry.js';
import { SERVICE } from '../openstack/auth/catalog.js';
import { withReadCache } from '../kinds/shared/read.js';
import { canonicalizePlan, serializePlan } from '../plan/canonical.js';
import {
  KIND_EXTERNAL,
  KIND_ORDER,
  KIND_REFS,
  PLAN_KINDS,
  isPlanKind,
  type PlanKind,
  type RefDecl,
} from '../plan/kinds.js';
import { lossyFields } from '../plan/schema.js';
import {
  PLAN_FORMAT,
  PLAN_SCHEMA_URL,
  type Issue,
  type Plan,
  type PlanResource,
  type PlanWarning,
  type Provenance,
  type SourceFacts,
} from '../plan/types.js';
import { checkPlan, formatIssues, hasErrors } from '../plan/validate.js';
import { AbortedError, BasculeError, EXIT, UsageError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { VERSION } from '../version.js';
import { countingCloud } from './counting.js';
import { assignPlanKeys } from './names.js';
import { matches, parseSelector, type Selector } from './select.js';
import { STRICT_CODES, UNSUPPORTED, probeUnsupported } from './unsupported.js';

export interface ExportOptions {
  /** Kinds to export (default: all). */
  kinds?: readonly string[];
  /** Kinds never to export (references to them become external entries where the kind allows it). */
  excludeKinds?: readonly string[];
  /** Name globs, `tag:<tag>` or `id:<id>`: only matching resources (and, with dependencies, what they use). */
  select?: readonly string[];
  /** The same patterns: resources left out (never pulled in as dependencies); what refers to them is named. */
  exclude?: readonly string[];
  /** Fail (ExportUnsupportedError) when the project has resources Bascule does not move, or they could not be checked. */
  strict?: boolean;
  /** Pull in what selected resources depend on (default in the CLI). */
  dependencies: boolean;
  /** Export servers' user_data (admin rights needed to read it), marked sensitive. */
  includeUserData: boolean;
  /** Write a plan even when a whole kind could not be read. */
  allowPartial: boolean;
  signal: AbortSignal;
  logger: Logger;
  onProgress?(event: ExportProgressEvent): void;
  /** The cloud's name in the provenance (default: the clouds.yaml entry). */
  cloudName?: string;
  /** The release profile name in the provenance (default: guessed from the compute microversion). */
  profileName?: string;
  /** The export time (tests); default now. */
  now?: () => Date;
}

export type ExportProgressEvent =
  | { type: 'kind-start'; kind: PlanKind }
  | { type: 'kind-done'; kind: PlanKind; count: number; requests: number }
  | { type: 'kind-failed'; kind: PlanKind; message: string }
  | { type: 'externals'; count: number }
  | { type: 'assembled'; resources: number };

export interface KindStats {
  /** Entries of this kind in the plan (owned and external). */
  count: number;
  /** API requests the kind's reader made. */
  requests: number;
}

export interface ExportStats {
  requests: number;
  perKind: Record<PlanKind, KindStats>;
}

export interface ExportResult {
  plan: Plan;
  /** Every warning, also kept in the plan (`plan.warnings`). */
  warnings: PlanWarning[];
  stats: ExportStats;
}

/** The plan Bascule assembled does not validate: a bug in Bascule (exit code 1), carrying every issue. */
export class ExportInvalidPlanError extends BasculeError {
  readonly issues: Issue[];
  constructor(issues: Issue[]) {
    const errors = issues.filter((i) => i.severity === 'error');
    const fromSource = errors.length > 0 && errors.every((i) => SOURCE_DATA_RULES.has(i.code));
    super(
      fromSource ? 'EXPORT_SOURCE_INCONSISTENT' : 'EXPORT_INVALID_PLAN',
      `${fromSource ? 'the source project breaks rules a plan must keep' : 'the exported plan does not validate (a bug in Bascule)'}:\n${formatIssues(errors, { limit: 20 })}`,
      {
        exitCode: EXIT.FAILED,
        hint: fromSource
          ? 'fix the source (e.g. an image whose min_disk or min_ram grew after its servers booted), or leave these resources out with --select or --exclude-kinds'
          : 'please report it with the issues above',
      },
    );
    this.name = 'ExportInvalidPlanError';
    this.issues = issues;
  }
}

/** --strict: the project has resources Bascule does not move (or could not check); exit code 1, nothing written. */
export class ExportUnsupportedError extends BasculeError {
  readonly warnings: PlanWarning[];
  constructor(warnings: PlanWarning[]) {
    const shown = warnings.slice(0, 20).map((w) => `  ${w.message}`);
    if (warnings.length > shown.length) shown.push(`  ... and ${warnings.length - shown.length} more`);
    super(
      'EXPORT_UNSUPPORTED',
      `the project has ${warnings.length} resource${warnings.length === 1 ? '' : 's'} Bascule does not move (or could not check), and --strict is set:\n${shown.join('\n')}`,
      {
        exitCode: EXIT.FAILED,
        hint: 'move or remove them by other means, or export without --strict (the plan then lists them as warnings)',
      },
    );
    this.name = 'ExportUnsupportedError';
    this.warnings = warnings;
  }
}

/** Rules that data of a live project can break (an image's minimums raised after use): not a bug of the exporter. */
const SOURCE_DATA_RULES = new Set(['SERVER_FLAVOR_TOO_SMALL', 'VOLUME_SMALLER_THAN_IMAGE']);

/** Warning codes `--strict` turns into an error. */

/** One or more whole kinds could not be read: the plan would be incomplete (exit code 1 unless --allow-partial). */
export class ExportIncompleteError extends BasculeError {
  readonly failures: { kind: PlanKind; message: string }[];
  constructor(failures: { kind: PlanKind; message: string }[]) {
    super('EXPORT_INCOMPLETE', `could not read ${failures.map((f) => `${f.kind} (${f.message})`).join('; ')}`, {
      exitCode: EXIT.FAILED,
      hint: 'fix access to these resources, exclude them with --exclude-kinds, or accept an incomplete plan with --allow-partial',
    });
    this.name = 'ExportIncompleteError';
    this.failures = failures;
  }
}

/** A resource read from the project. */
export interface ReadRecord {
  kind: PlanKind;
  id: string;
  name: string;
  draft: DraftEntry;
}

/** Children pulled in with their parent (a group's rules, a network's subnets): each child kind's `exportedWith`. */
const CHILDREN: readonly { parent: PlanKind; child: PlanKind; ref: string }[] = DESCRIPTORS.flatMap((d) =>
  d.exportedWith === undefined ? [] : [{ parent: d.refs[d.exportedWith]!.kind, child: d.kind, ref: d.exportedWith }],
);

/** An unmanaged kind (quotas) describes the project, not objects: --select and --exclude never pick its entries. */
const selectable = (kind: PlanKind) => descriptorOf(kind).unmanaged === undefined;

const canBeExternalKind = (kind: PlanKind) => KIND_EXTERNAL[kind] !== 'never';
const refDeclsOf = (kind: PlanKind) => KIND_REFS[kind] as Readonly<Record<string, RefDecl>>;
const idsOf = (value: string | readonly string[] | undefined): string[] =>
  value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
const recordKey = (kind: PlanKind, id: string) => `${kind}\u0000${id}`;

function parseKinds(values: readonly string[] | undefined, flag: string): PlanKind[] | undefined {
  if (values === undefined) return undefined;
  const out: PlanKind[] = [];
  for (const raw of values.flatMap((v) => v.split(','))) {
    const name = raw.trim().replaceAll('-', '_');
    if (name === '') continue;
    if (!isPlanKind(name))
      throw new UsageError('EXPORT_UNKNOWN_KIND', `${flag}: unknown kind "${raw.trim()}"`, {
        hint: `kinds: ${PLAN_KINDS.join(', ')}`,
      });
    out.push(name);
  }
  return out;
}

/** The kinds to read: the requested ones, and (with dependencies) every kind they refer to or pull in as children. */
export function kindsToRead(
  requested: ReadonlySet<PlanKind>,
  excluded: ReadonlySet<PlanKind>,
  dependencies: boolean,
): Set<PlanKind> {
  const read = new Set([...requested].filter((k) => !excluded.has(k)));
  if (!dependencies) return read;
  const queue = [...read];
  while (queue.length > 0) {
    const kind = queue.pop()!;
    const next = [
      ...Object.values(refDeclsOf(kind)).map((d) => d.kind),
      ...CHILDREN.filter((c) => c.parent === kind).map((c) => c.child),
    ];
    for (const target of next) {
      if (!read.has(target) && !excluded.has(target)) {
        read.add(target);
        queue.push(target);
      }
    }
  }
  return read;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sortWarnings(warnings: PlanWarning[]): PlanWarning[] {
  const seen = new Set<string>();
  const unique = warnings.filter((w) => {
    const id = JSON.stringify([w.kind, w.resource ?? '', w.code, w.message]);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
  return unique.sort(
    (a, b) =>
      kindRank(a.kind) - kindRank(b.kind) ||
      compareText(a.kind ?? '', b.kind ?? '') ||
      compareText(a.code, b.code) ||
      compareText(a.resource ?? '', b.resource ?? '') ||
      compareText(a.message, b.message),
  );
}

/** Plan kinds in plan order, then other resource types (what Bascule does not move) after them. */
function kindRank(kind: string | undefined): number {
  return kind !== undefined && isPlanKind(kind) ? KIND_ORDER[kind] : 1000;
}

const PROFILE_BY_COMPUTE_MAX: Record<string, string> = {
  '2.53': 'pike',
  '2.60': 'queens',
  '2.65': 'rocky',
  '2.72': 'stein',
  '2.79': 'train',
  '2.87': 'ussuri',
  '2.93': 'zed',
  '2.100': '2025.1',
};

async function describeProfile(
  cloud: Cloud,
  extensions: ReadonlySet<string>,
  signal: AbortSignal,
  profileName: string | undefined,
): Promise<Provenance['profile']> {
  const apiVersions: Record<string, string> = {};
  const microversions: Record<string, string> = {};
  let computeMax: string | undefined;
  // The plan's profile names the services as they are: compute, network, image, block_storage.
  for (const [name, client] of [
    [SERVICE.compute, cloud.compute],
    [SERVICE.network, cloud.network],
    [SERVICE.image, cloud.image],
    ['block_storage', cloud.blockStorage],
  ] as const) {
    try {
      const resolved = await client.resolve(signal);
      apiVersions[name] = resolved.apiVersion;
      if (name === SERVICE.compute) {
        computeMax = resolved.versions?.max;
        const mv = await client.microversion({ max: servers.MAX_MICROVERSION }, signal);
        if (mv) microversions.compute = mv;
      }
      if (name === 'block_storage' && resolved.versions) {
        const mv = await client.microversion({ max: volumes.MAX_MICROVERSION }, signal);
        if (mv) microversions.block_storage = mv;
      }
    } catch (error) {
      if (signal.aborted) throw new AbortedError('export aborted', { cause: error });
    }
  }
  const name = profileName ?? (computeMax ? PROFILE_BY_COMPUTE_MAX[computeMax] : undefined);
  return { ...(name ? { name } : {}), api_versions: apiVersions, microversions, extensions: [...extensions].sort() };
}

/** Reads every kind of `kinds` in parallel; failures of whole kinds are returned, not thrown. */
async function readKinds(
  kinds: readonly PlanKind[],
  base: ReadContext,
  cloud: Cloud,
  counters: Map<PlanKind, number>,
  options: ExportOptions,
): Promise<{ records: ReadRecord[]; failures: { kind: PlanKind; message: string }[] }> {
  const records: ReadRecord[] = [];
  const failures: { kind: PlanKind; message: string }[] = [];
  await Promise.all(
    kinds.map(async (kind) => {
      const reader = readerFor(kind);
      const ctx: ReadContext = {
        ...base,
        cloud: countingCloud(cloud, () => counters.set(kind, (counters.get(kind) ?? 0) + 1)),
      };
      options.onProgress?.({ type: 'kind-start', kind });
      let wires: unknown[];
      try {
        wires = await reader.list(ctx);
      } catch (error) {
        if (error instanceof AbortedError || options.signal.aborted)
          throw error instanceof AbortedError ? error : new AbortedError('export aborted', { cause: error });
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ kind, message });
        options.onProgress?.({ type: 'kind-failed', kind, message });
        return;
      }
      let count = 0;
      for (const wire of wires) {
        let identity: { id: string; name: string } | undefined;
        try {
          identity = reader.identify(wire);
          const draft = reader.toEntry(wire, ctx);
          records.push({ kind, id: identity.id, name: identity.name, draft });
          count += 1;
        } catch (error) {
          base.warn({
            kind,
            ...(identity ? { resource: identity.name || identity.id } : {}),
            code: 'RESOURCE_UNREADABLE',
            message: `a ${kind}${identity ? ` (${identity.name || identity.id})` : ''} cannot be exported: ${error instanceof Error ? error.message : String(error)}`,
          });
        }
      }
      options.onProgress?.({ type: 'kind-done', kind, count, requests: counters.get(kind) ?? 0 });
    }),
  );
  records.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compareText(a.id, b.id));
  return { records, failures };
}

interface ExternalRecord {
  kind: PlanKind;
  id: string;
  spec: Record<string, unknown>;
  source: SourceFacts;
  placeholder: boolean;
}

function maxListeners(signal: AbortSignal): number {
  try {
    return getMaxListeners(signal);
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** Reads a project and assembles its plan. See docs/export.md. */
export async function exportProject(cloud: Cloud, options: ExportOptions): Promise<ExportResult> {
  const { signal, logger } = options;
  // Every request in flight listens to the signal: hundreds at once are expected, not a leak.
  // (node's getMaxListeners throws when the limit is 0, "unlimited", as the engine sets it on the same signal)
  if (maxListeners(signal) < 10_000) setMaxListeners(10_000, signal);
  const selectors: Selector[] = (options.select ?? []).map(parseSelector);
  const exclusions: Selector[] = (options.exclude ?? []).map(parseSelector);
  const requestedList = parseKinds(options.kinds, '--kinds') ?? [...PLAN_KINDS];
  const excluded = new Set(parseKinds(options.excludeKinds, '--exclude-kinds') ?? []);
  const requested = new Set(requestedList.filter((k) => !excluded.has(k)));
  if (requested.size === 0)
    throw new UsageError('EXPORT_NO_KIND', 'no kind left to export', { hint: 'check --kinds and --exclude-kinds' });
  const readSet = kindsToRead(requested, excluded, options.dependencies);

  const token = await cloud.token(signal);
  if (!token.project)
    throw new BasculeError('OS_NO_PROJECT', `cloud ${cloud.name}: the token is not scoped to a project`, {
      hint: 'set project_name (and project_domain_name) in clouds.yaml',
    });
  const project = token.project;
  const warnings: PlanWarning[] = [];
  let extensions: Set<string>;
  try {
    extensions = await cloud.networkExtensions(signal);
  } catch (error) {
    if (signal.aborted) throw new AbortedError('export aborted', { cause: error });
    extensions = new Set();
    warnings.push({
      kind: SERVICE.network,
      code: 'NETWORK_EXTENSIONS_UNREADABLE',
      message: `Neutron's extensions cannot be read (${error instanceof Error ? error.message : String(error)}); assuming none`,
    });
  }
  const counters = new Map<PlanKind, number>();
  const base: ReadContext = withReadCache({
    cloud,
    projectId: project.id,
    signal,
    logger,
    warn: (warning: KindWarning) => {
      warnings.push(warning);
      logger.debug('export warning', { kind: warning.kind, code: warning.code, resource: warning.resource });
    },
    extensions,
    options: { includeUserData: options.includeUserData },
  });

  const kinds = PLAN_KINDS.filter((k) => readSet.has(k));
  // What the project owns that Bascule does not move: checked when the whole project is exported.
  let probeRequests = 0;
  const wholeProject = selectors.length === 0 && options.kinds === undefined;
  const [{ records, failures }, profile, unsupported] = await Promise.all([
    readKinds(kinds, base, cloud, counters, options),
    describeProfile(cloud, extensions, signal, options.profileName),
    wholeProject
      ? probeUnsupported(
          countingCloud(cloud, () => (probeRequests += 1)),
          { projectId: project.id, extensions, signal },
        )
      : Promise.resolve([]),
  ]);
  for (const warning of unsupported) warnings.push(warning);
  if (failures.length > 0) {
    if (!options.allowPartial) throw new ExportIncompleteError(failures);
    for (const failure of failures)
      warnings.push({
        kind: failure.kind,
        code: 'KIND_UNREADABLE',
        message: `no ${failure.kind} could be read (${failure.message}); the plan has none (--allow-partial)`,
      });
  }

  // Selection: roots, then dependencies and children.
  const byKey = new Map(records.map((r) => [recordKey(r.kind, r.id), r]));
  const included = new Set<ReadRecord>();
  const queue: ReadRecord[] = [];
  const isExcluded = (record: ReadRecord) =>
    exclusions.length > 0 &&
    selectable(record.kind) &&
    matches(exclusions, { id: record.id, name: record.name, tags: record.draft.spec.tags as string[] | undefined });
  const include = (record: ReadRecord) => {
    if (!included.has(record) && !isExcluded(record)) {
      included.add(record);
      queue.push(record);
    }
  };
  for (const record of records) {
    if (!requested.has(record.kind)) continue;
    if (selectors.length === 0) include(record);
    else if (
      selectable(record.kind) &&
      matches(selectors, { id: record.id, name: record.name, tags: record.draft.spec.tags as string[] | undefined })
    )
      include(record);
  }
  const childrenOf = new Map<string, ReadRecord[]>();
  for (const { parent, child, ref } of CHILDREN) {
    if (!readSet.has(child)) continue;
    for (const record of records) {
      if (record.kind !== child) continue;
      for (const id of idsOf(record.draft.refs[ref])) {
        const k = recordKey(parent, id);
        const siblings = childrenOf.get(k);
        if (siblings) siblings.push(record);
        else childrenOf.set(k, [record]);
      }
    }
  }
  for (let next = 0; next < queue.length; next += 1) {
    const record = queue[next]!;
    for (const child of childrenOf.get(recordKey(record.kind, record.id)) ?? []) include(child);
    if (!options.dependencies) continue;
    for (const [name, decl] of Object.entries(refDeclsOf(record.kind))) {
      for (const id of idsOf(record.draft.refs[name])) {
        const target = byKey.get(recordKey(decl.kind, id));
        if (target && !excluded.has(target.kind)) include(target);
      }
    }
  }

  // Say what the selection and the exclusions left out, and what refers to what was excluded.
  if (selectors.length > 0) {
    const left = records.filter(
      (r) => requested.has(r.kind) && selectable(r.kind) && !included.has(r) && !isExcluded(r),
    );
    for (const kind of PLAN_KINDS) {
      const mine = left.filter((r) => r.kind === kind);
      if (mine.length === 0) continue;
      const names = mine.slice(0, 10).map((r) => r.name || r.id);
      base.warn({
        kind,
        code: 'NOT_SELECTED',
        message: `--select left out ${mine.length} ${kind}${mine.length === 1 ? '' : 's'}: ${names.join(', ')}${mine.length > names.length ? `, ... (${mine.length - names.length} more)` : ''}`,
      });
    }
  }
  for (const record of records.filter(isExcluded)) {
    if (!requested.has(record.kind) && !readSet.has(record.kind)) continue;
    // Its own children (a group's rules, a network's subnets) go with it: RESOURCE_DROPPED names each.
    const children = new Set(CHILDREN.filter((c) => c.parent === record.kind).map((c) => c.child));
    const users = [...included]
      .filter((other) => !children.has(other.kind))
      .filter((other) =>
        Object.entries(refDeclsOf(other.kind)).some(
          ([name, decl]) => decl.kind === record.kind && idsOf(other.draft.refs[name]).includes(record.id),
        ),
      )
      .map((other) => `${other.kind} ${other.name || other.id}`);
    base.warn({
      kind: record.kind,
      resource: record.name || record.id,
      code: 'EXCLUDED',
      message: `${record.kind} ${record.name || record.id} is left out (--exclude)${users.length > 0 ? `; used by ${users.join(', ')}${canBeExternalKind(record.kind) ? ' (the plan refers to it as an external reference: the target must have it, or a mapping must say what replaces it)' : ' (those references are left out, or the entries that need them)'}` : ''}`,
    });
  }

  // References: owned and included, external (described), or dropped. Entries whose required reference cannot be
  // kept are dropped, until nothing changes.
  const canBeExternal = canBeExternalKind;
  const resolvable = (decl: RefDecl, id: string) => {
    const target = byKey.get(recordKey(decl.kind, id));
    return (target !== undefined && included.has(target)) || canBeExternal(decl.kind);
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const record of [...included]) {
      for (const [name, decl] of Object.entries(refDeclsOf(record.kind))) {
        if (!decl.required) continue;
        const ids = idsOf(record.draft.refs[name]);
        if (ids.length === 0 || ids.some((id) => !resolvable(decl, id))) {
          included.delete(record);
          changed = true;
          base.warn({
            kind: record.kind,
            resource: record.name || record.id,
            code: 'RESOURCE_DROPPED',
            message: `${record.kind} ${record.name || record.id} is not exported: its ${name} (${ids.join(', ') || 'none'}) is not in the plan and cannot be an external reference`,
          });
          break;
        }
      }
    }
  }

  // External descriptions, read once per referenced (kind, id).
  const externalWanted = new Map<string, { kind: PlanKind; id: string; needed: boolean }>();
  for (const record of included) {
    for (const [name, decl] of Object.entries(refDeclsOf(record.kind))) {
      for (const id of idsOf(record.draft.refs[name])) {
        const target = byKey.get(recordKey(decl.kind, id));
        if (target !== undefined && included.has(target)) continue;
        if (!canBeExternal(decl.kind)) continue;
        const k = recordKey(decl.kind, id);
        const needed = decl.required || (descriptorOf(record.kind).placeholderRefs?.includes(name) ?? false);
        const known = externalWanted.get(k);
        externalWanted.set(k, { kind: decl.kind, id, needed: needed || (known?.needed ?? false) });
      }
    }
  }
  options.onProgress?.({ type: 'externals', count: externalWanted.size });
  const externals = new Map<string, ExternalRecord>();
  await Promise.all(
    [...externalWanted.entries()].map(async ([k, { kind, id, needed }]) => {
      const reader: KindReader = readerFor(kind);
      const ctx: ReadContext = {
        ...base,
        cloud: countingCloud(cloud, () => counters.set(kind, (counters.get(kind) ?? 0) + 1)),
      };
      let described: { spec: Record<string, unknown>; source: SourceFacts } | undefined;
      try {
        described = await reader.describeExternal?.(id, ctx);
      } catch (error) {
        if (error instanceof AbortedError || signal.aborted) throw error;
        base.warn({
          kind,
          resource: id,
          code: 'EXTERNAL_UNREADABLE',
          message: `${kind} ${id} cannot be described (${error instanceof Error ? error.message : String(error)})`,
        });
      }
      if (described) externals.set(k, { kind, id, spec: described.spec, source: described.source, placeholder: false });
      else if (needed) {
        base.warn({
          kind,
          resource: id,
          code: 'EXTERNAL_PLACEHOLDER',
          message: `${kind} ${id} is referenced but cannot be read; the plan names it by its source ID only, so a mapping must say what replaces it`,
        });
        externals.set(k, { kind, id, spec: { name: '' }, source: { id, status: 'unreadable' }, placeholder: true });
      }
    }),
  );

  // Refs as IDs, final: drop what is neither included nor external (with the parallel spec element).
  const finalRefs = new Map<ReadRecord, { refs: Record<string, string | string[]>; spec: Record<string, unknown> }>();
  for (const record of [...included].sort(
    (a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || compareText(a.id, b.id),
  )) {
    const spec: Record<string, unknown> = { ...record.draft.spec };
    const refs: Record<string, string | string[]> = {};
    for (const [name, decl] of Object.entries(refDeclsOf(record.kind))) {
      const value = record.draft.refs[name];
      if (value === undefined) continue;
      const ids = idsOf(value);
      const keep: boolean[] = ids.map((id) => {
        const target = byKey.get(recordKey(decl.kind, id));
        return (target !== undefined && included.has(target)) || externals.has(recordKey(decl.kind, id));
      });
      ids.forEach((id, i) => {
        if (!keep[i] && descriptorOf(decl.kind).perUser)
          base.warn({
            kind: decl.kind,
            resource: id,
            code: UNSUPPORTED,
            message: `${decl.kind} ${id} (the ${name} of ${record.kind} ${record.name || record.id}) is not one the exporting user can read: ${decl.kind}s belong to the user who made them, so it is another user's (or was deleted); Bascule moves only the exporting user's, and ${record.kind} ${record.name || record.id} is created without it`,
          });
        else if (!keep[i])
          base.warn({
            kind: record.kind,
            resource: record.name || record.id,
            code: 'REF_DROPPED',
            message: `${record.kind} ${record.name || record.id}: ${name === decl.kind ? `its ${name} ${id}` : `${decl.kind} ${id} (in its ${name})`} is not in the plan and cannot be an external reference; the reference is left out`,
          });
      });
      const kept = ids.filter((_, i) => keep[i]);
      if (decl.parallel !== undefined && Array.isArray(spec[decl.parallel])) {
        const parallel = (spec[decl.parallel] as unknown[]).filter((_, i) => keep[i]);
        if (parallel.length > 0) spec[decl.parallel] = parallel;
        else delete spec[decl.parallel];
      }
      if (decl.list) {
        if (kept.length > 0) refs[name] = kept;
      } else if (kept[0] !== undefined) refs[name] = kept[0];
    }
    finalRefs.set(record, { refs, spec });
  }
  // What each kind mends in its spec once references are left out (a floating IP's fixed address, its port's).
  const specOf = (kind: PlanKind, id: string) => {
    const record = byKey.get(recordKey(kind, id));
    return record ? finalRefs.get(record)?.spec : undefined;
  };
  for (const [record, entry] of finalRefs) descriptorOf(record.kind).afterTrim?.(entry, specOf);
  // An entry that cannot stand with the references it kept (a server with no boot source).
  for (const [record, { refs }] of finalRefs) {
    const reason = descriptorOf(record.kind).unexportable?.(refs, record.draft.refs);
    if (reason === undefined) continue;
    finalRefs.delete(record);
    base.warn({
      kind: record.kind,
      resource: record.name,
      code: 'RESOURCE_DROPPED',
      message: `${record.kind} ${record.name} is not exported: ${reason}`,
    });
  }
  // Dropping servers can orphan nothing required (nothing requires a server), so one pass is enough.

  const owned = [...finalRefs.entries()].map(([record, { refs, spec }]) => ({ record, refs, spec }));
  const keys = assignPlanKeys(
    owned.map(({ record, refs, spec }) => ({
      kind: record.kind,
      id: record.id,
      name: record.name,
      spec,
      refs,
      draft: record.draft,
    })),
    [...externals.values()],
  );

  const resources: PlanResource[] = [];
  const keyOf = (kind: PlanKind, id: string): string => {
    const key = keys.get(recordKey(kind, id));
    if (key === undefined) throw new BasculeError('INTERNAL', `no key for ${kind} ${id}`);
    return key;
  };
  for (const { record, refs, spec } of owned) {
    const keyed: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(refs)) {
      const decl = refDeclsOf(record.kind)[name]!;
      keyed[name] = Array.isArray(value) ? value.map((id) => keyOf(decl.kind, id)) : keyOf(decl.kind, value as string);
    }
    const declaredLossy = new Set(lossyFields(record.kind));
    const lossy = [...new Set([...(record.draft.lossy ?? []), ...declaredLossy])]
      .filter((f) => spec[f] !== undefined)
      .sort();
    const sensitive = [...new Set(record.draft.sensitive ?? [])].filter((f) => spec[f] !== undefined).sort();
    const resource: Record<string, unknown> = {
      kind: record.kind,
      key: keyOf(record.kind, record.id),
      spec,
      source: record.draft.source,
    };
    if (
      Object.keys(keyed).length > 0 ||
      Object.keys(refDeclsOf(record.kind)).some((n) => refDeclsOf(record.kind)[n]!.required)
    )
      resource.refs = keyed;
    if (lossy.length > 0) resource.lossy = lossy;
    if (sensitive.length > 0) resource.sensitive = sensitive;
    resources.push(resource as unknown as PlanResource);
  }
  for (const external of externals.values()) {
    resources.push({
      kind: external.kind,
      key: keyOf(external.kind, external.id),
      external: true,
      spec: external.spec,
      source: external.source,
    } as unknown as PlanResource);
  }

  const provenance: Provenance = {
    cloud: options.cloudName ?? cloud.name,
    region: cloud.session.config.regionName ?? null,
    project: { name: project.name, id: project.id, ...(project.domain?.name ? { domain: project.domain.name } : {}) },
    profile,
    exported_at: (options.now?.() ?? new Date()).toISOString(),
    bascule_version: VERSION,
  };
  const plan = canonicalizePlan({ $schema: PLAN_SCHEMA_URL, format: PLAN_FORMAT, provenance, resources });
  options.onProgress?.({ type: 'assembled', resources: plan.resources.length });

  let checked = checkPlan(JSON.parse(serializePlan(plan)));
  // What the plan check finds and a kind knows how to mend (its exportRepairs): first references left out, then
  // (for errors) entries, each with a warning, each followed by a new check.
  const repairsOf = (issue: { code: string; path: string }) => {
    const index = Number(/^\/resources\/([0-9]+)\//.exec(issue.path)?.[1]);
    const entry = plan.resources[index];
    const repair = entry ? descriptorOf(entry.kind).exportRepairs?.[issue.code] : undefined;
    return entry && repair ? { index, entry, repair } : undefined;
  };
  let dropped = false;
  for (const issue of checked.issues) {
    const found = repairsOf(issue);
    if (!found || !('dropRef' in found.repair)) continue;
    const { entry, repair } = found;
    const refs = entry.refs as Record<string, unknown> | undefined;
    if (refs?.[repair.dropRef] === undefined) continue;
    base.warn({
      kind: entry.kind,
      resource: entry.key,
      code: repair.code,
      message: repair.message(entry.key, issue.message),
    });
    const { [repair.dropRef]: _dropped, ...rest } = refs;
    (entry as { refs?: unknown }).refs = rest;
    dropped = true;
  }
  if (dropped) checked = checkPlan(JSON.parse(serializePlan(plan)));
  const broken = new Set<number>();
  for (const issue of checked.issues.filter((i) => i.severity === 'error')) {
    const found = repairsOf(issue);
    if (!found || !('dropEntry' in found.repair) || broken.has(found.index)) continue;
    const { entry, repair } = found;
    broken.add(found.index);
    base.warn({
      kind: entry.kind,
      resource: entry.key,
      code: repair.code,
      message: repair.message(entry.key, issue.message),
    });
  }
  if (broken.size > 0) {
    plan.resources = plan.resources.filter((_, i) => !broken.has(i));
    checked = checkPlan(JSON.parse(serializePlan(plan)));
  }
  if (hasErrors(checked.issues)) throw new ExportInvalidPlanError(checked.issues);
  const sorted = sortWarnings(warnings);
  if (options.strict) {
    const blocking = sorted.filter((w) => STRICT_CODES.has(w.code));
    if (blocking.length > 0) throw new ExportUnsupportedError(blocking);
  }
  if (sorted.length > 0) plan.warnings = sorted.map((w) => ({ ...w }));

  const perKind = Object.fromEntries(
    PLAN_KINDS.map((k) => [k, { count: 0, requests: counters.get(k) ?? 0 }]),
  ) as Record<PlanKind, KindStats>;
  for (const resource of plan.resources) perKind[resource.kind].count += 1;
  const requests = [...counters.values()].reduce((a, b) => a + b, 0) + probeRequests;
  return { plan, warnings: sorted, stats: { requests, perKind } };
}
