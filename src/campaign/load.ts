/**
 * Reading a campaign file (YAML or JSON) with the strict reader of mappings: the schema, then the campaign's own
 * rules, every problem at once with its pointer, line and column; CampaignInvalidError (exit 2) before any cloud call.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatMappingIssues, parseStrictYaml, validateMappingFile } from '../mapping/parse.js';
import { isPlanKind } from '../plan/kinds.js';
import { validatePlanFile } from '../plan/io.js';
import { schemaIssues } from '../plan/schema-issues.js';
import type { Issue } from '../plan/types.js';
import { hasErrors } from '../plan/validate.js';
import { parseServerDisk } from '../kinds/shared/workload.js';
import { UsageError } from '../shared/errors.js';
import { CAMPAIGN_FORMAT, campaignValidator } from './schema.js';
import type { Campaign, CampaignProject, CampaignSide, OperatorSettings, ProjectOptions } from './types.js';

export const MAX_CAMPAIGN_BYTES = 16 * 1024 * 1024;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

type Json = Record<string, unknown>;

export class CampaignInvalidError extends UsageError {
  readonly issues: Issue[];
  readonly file: string;

  constructor(issues: Issue[], file: string) {
    const errors = issues.filter((i) => i.severity === 'error');
    const first = errors[0];
    const where = first?.line === undefined ? '' : ` (line ${first.line})`;
    const summary =
      first === undefined
        ? ''
        : `: ${first.path || '(document)'}${where} ${first.message}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}`;
    super('CAMPAIGN_INVALID', `${file} is not a valid campaign${summary}`);
    this.name = 'CampaignInvalidError';
    this.issues = issues;
    this.file = file;
  }

  report(): string {
    return formatMappingIssues(this.issues, this.file);
  }
}

const err = (path: string, code: string, message: string, hint?: string): Issue =>
  hint === undefined ? { severity: 'error', path, code, message } : { severity: 'error', path, code, message, hint };

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Schema issues, then nothing more: the campaign's cross-project rules need the whole document (see loadCampaign). */
export function validateCampaignDocument(value: unknown): Issue[] {
  if (!isObject(value))
    return [err('', 'CAMPAIGN_NOT_OBJECT', `a campaign is an object with "format: ${CAMPAIGN_FORMAT}"`)];
  if (value.format !== CAMPAIGN_FORMAT)
    return [
      err(
        '/format',
        'CAMPAIGN_FORMAT',
        `the document has ${value.format === undefined ? 'no "format"' : `format ${JSON.stringify(value.format)}`}; this version of Bascule reads ${CAMPAIGN_FORMAT}`,
        `start the file with: format: ${CAMPAIGN_FORMAT}`,
      ),
    ];
  const validate = campaignValidator();
  const issues = validate(value) ? [] : schemaIssues(validate.errors);
  // The campaign's own rules too, except where the schema already found the shape wrong.
  const broken = (path: string) =>
    issues.some((i) => path === i.path || path.startsWith(`${i.path}/`) || i.path.startsWith(`${path}/`));
  return [...issues, ...semanticIssues(value).filter((i) => !broken(i.path))];
}

function side(raw: unknown): Partial<CampaignSide> {
  if (!isObject(raw)) return {};
  const out: Partial<CampaignSide> = {};
  if (typeof raw.cloud === 'string') out.cloud = raw.cloud;
  if (typeof raw.region === 'string') out.region = raw.region;
  if (typeof raw.project === 'string') out.project = raw.project;
  if (typeof raw.project_id === 'string') out.projectId = raw.project_id;
  if (typeof raw.project_domain === 'string') out.projectDomain = raw.project_domain;
  return out;
}

function mergeSide(base: Partial<CampaignSide>, own: Partial<CampaignSide>): Partial<CampaignSide> {
  const merged = { ...base, ...own };
  // A project named in the project's own entry replaces the default's ID (and the other way round).
  if (own.project !== undefined && own.projectId === undefined) delete merged.projectId;
  if (own.projectId !== undefined && own.project === undefined) delete merged.project;
  return merged;
}

function options(raw: unknown): ProjectOptions {
  if (!isObject(raw)) return {};
  const out: ProjectOptions = {};
  const strings = (v: unknown) => (Array.isArray(v) ? v.map(String) : undefined);
  if (strings(raw.kinds)) out.kinds = strings(raw.kinds)!;
  if (strings(raw.exclude_kinds)) out.excludeKinds = strings(raw.exclude_kinds)!;
  if (strings(raw.select)) out.select = strings(raw.select)!;
  if (strings(raw.server_disk)) out.serverDisk = strings(raw.server_disk)!;
  if (raw.consistency === 'stop' || raw.consistency === 'live') out.consistency = raw.consistency;
  if (typeof raw.restart_source === 'boolean') out.restartSource = raw.restart_source;
  if (typeof raw.keep_temporary === 'boolean') out.keepTemporary = raw.keep_temporary;
  if (typeof raw.concurrency === 'number') out.concurrency = raw.concurrency;
  if (typeof raw.transfer_concurrency === 'number') out.transferConcurrency = raw.transfer_concurrency;
  return out;
}

const numbers = (v: unknown): Record<string, number> | undefined =>
  isObject(v)
    ? (Object.fromEntries(Object.entries(v).filter(([, n]) => typeof n === 'number')) as Record<string, number>)
    : undefined;
const strings = (v: unknown): Record<string, string> =>
  isObject(v)
    ? (Object.fromEntries(Object.entries(v).filter(([, n]) => typeof n === 'string')) as Record<string, string>)
    : {};

/** The operator steps, a project's own `operator` replacing the defaults' key by key. */
function operator(base: unknown, own: unknown): OperatorSettings | undefined {
  const raw = { ...(isObject(base) ? base : {}), ...(isObject(own) ? own : {}) };
  if (typeof raw.cloud !== 'string') return undefined;
  const out: OperatorSettings = { cloud: raw.cloud };
  if (typeof raw.source_cloud === 'string') out.sourceCloud = raw.source_cloud;
  const cp = raw.create_project;
  if (cp === true || isObject(cp)) {
    const c = isObject(cp) ? cp : {};
    out.createProject = {
      ...(typeof c.description === 'string' ? { description: c.description } : {}),
      ...(Array.isArray(c.tags) ? { tags: c.tags.map(String) } : {}),
      ...(typeof c.domain === 'string' ? { domain: c.domain } : {}),
    };
  }
  if (isObject(raw.quotas)) {
    const q = raw.quotas;
    out.quotas = {
      fromSource: q.from_source === true,
      ...(numbers(q.compute) ? { compute: numbers(q.compute)! } : {}),
      ...(numbers(q.network) ? { network: numbers(q.network)! } : {}),
      ...(numbers(q.block_storage) ? { blockStorage: numbers(q.block_storage)! } : {}),
    };
  }
  if (raw.roles === true || isObject(raw.roles)) {
    const r = isObject(raw.roles) ? raw.roles : {};
    out.roles = { userDomains: strings(r.user_domains), roleNames: { _member_: 'member', ...strings(r.role_names) } };
  }
  return out;
}

/** Identity of a project on a cloud, for "the same project twice". */
function identity(s: Partial<CampaignSide>): string {
  const project = s.projectId !== undefined ? `id:${s.projectId}` : `name:${s.projectDomain ?? 'Default'}/${s.project}`;
  return `${s.cloud}|${s.region ?? ''}|${project}`;
}

interface Resolved {
  project: Omit<CampaignProject, 'plan' | 'mapping'> & { plan?: string; mapping?: string };
  pointer: string;
  mappingPointer?: string;
  planPointer?: string;
}

/** The projects with their defaults filled in (paths still as written), and the cross-project problems. */
function resolveProjects(doc: Json): { resolved: Resolved[]; issues: Issue[] } {
  const issues: Issue[] = [];
  const defaults = isObject(doc.defaults) ? doc.defaults : {};
  const resolved: Resolved[] = [];
  const waves = Array.isArray(doc.waves) ? doc.waves : [];
  const waveNames = new Map<string, number>();
  const ids = new Map<string, string>();
  const sources = new Map<string, string>();
  const targets = new Map<string, string>();
  for (const [w, wave] of waves.entries()) {
    if (!isObject(wave)) continue;
    const waveName = String(wave.name);
    if (waveNames.has(waveName))
      issues.push(
        err(
          `/waves/${w}/name`,
          'CAMPAIGN_DUPLICATE_WAVE',
          `wave "${waveName}" is also wave ${waveNames.get(waveName)}`,
        ),
      );
    else waveNames.set(waveName, w);
    for (const [p, raw] of (Array.isArray(wave.projects) ? wave.projects : []).entries()) {
      if (!isObject(raw)) continue;
      const pointer = `/waves/${w}/projects/${p}`;
      const source = mergeSide(side(defaults.source), side(raw.source));
      const ownTarget = side(raw.target);
      const target = mergeSide(side(defaults.target), ownTarget);
      // The target project defaults to the source project's name.
      if (target.project === undefined && target.projectId === undefined && source.project !== undefined)
        target.project = source.project;
      if (source.cloud === undefined)
        issues.push(err(`${pointer}/source`, 'CAMPAIGN_NO_CLOUD', 'no source cloud (here or in defaults.source)'));
      if (source.project === undefined && source.projectId === undefined)
        issues.push(err(`${pointer}/source`, 'CAMPAIGN_NO_PROJECT', 'no source project: give project or project_id'));
      if (target.cloud === undefined)
        issues.push(err(`${pointer}/target`, 'CAMPAIGN_NO_CLOUD', 'no target cloud (here or in defaults.target)'));
      if (target.project === undefined && target.projectId === undefined)
        issues.push(err(`${pointer}/target`, 'CAMPAIGN_NO_PROJECT', 'no target project: give project or project_id'));
      const id = typeof raw.id === 'string' ? raw.id : (source.project ?? source.projectId ?? '');
      if (typeof raw.id !== 'string' && id !== '' && !NAME.test(id))
        issues.push(
          err(
            `${pointer}/source/project`,
            'CAMPAIGN_UNSAFE_NAME',
            `the project's folder would be named ${JSON.stringify(id)}, which is not a plain folder name inside the campaign directory`,
            'give the project an id: letters, digits, dot, dash and underscore',
          ),
        );
      else if (ids.has(id))
        issues.push(
          err(
            typeof raw.id === 'string' ? `${pointer}/id` : pointer,
            'CAMPAIGN_DUPLICATE_ID',
            `project id "${id}" is also ${ids.get(id)}`,
            'two projects cannot share a folder: give one an id',
          ),
        );
      else ids.set(id, pointer);
      if (source.cloud !== undefined && (source.project !== undefined || source.projectId !== undefined)) {
        const key = identity(source);
        if (sources.has(key))
          issues.push(
            err(
              `${pointer}/source`,
              'CAMPAIGN_DUPLICATE_SOURCE',
              `this source project is also moved by ${sources.get(key)}`,
              'a project is moved once per campaign',
            ),
          );
        else sources.set(key, pointer);
      }
      if (target.cloud !== undefined && (target.project !== undefined || target.projectId !== undefined)) {
        const key = identity(target);
        if (targets.has(key))
          issues.push(
            err(
              `${pointer}/target`,
              'CAMPAIGN_DUPLICATE_TARGET',
              `${pointer} and ${targets.get(key)} would both move into target project ${target.project ?? target.projectId}`,
              'one source project per target project',
            ),
          );
        else targets.set(key, pointer);
      }
      const opts = { ...options(isObject(defaults.options) ? defaults.options : {}), ...options(raw.options) };
      const optionsPointer = isObject(raw.options) ? `${pointer}/options` : '/defaults/options';
      for (const [field, list] of [
        ['kinds', opts.kinds],
        ['exclude_kinds', opts.excludeKinds],
      ] as const)
        for (const [i, kind] of (list ?? []).entries())
          if (!isPlanKind(kind.replaceAll('-', '_')))
            issues.push(err(`${optionsPointer}/${field}/${i}`, 'CAMPAIGN_UNKNOWN_KIND', `unknown kind "${kind}"`));
      try {
        parseServerDisk(opts.serverDisk ?? []);
      } catch (error) {
        issues.push(err(`${optionsPointer}/server_disk`, 'CAMPAIGN_SERVER_DISK', (error as Error).message));
      }
      const op = operator(defaults.operator, raw.operator);
      const opPointer = isObject(raw.operator) ? `${pointer}/operator` : '/defaults/operator';
      if (op === undefined && (isObject(raw.operator) || isObject(defaults.operator)))
        issues.push(
          err(
            opPointer,
            'CAMPAIGN_OPERATOR_NO_CLOUD',
            'operator steps need admin credentials on the target: no operator.cloud (here or in defaults.operator)',
            'name a clouds.yaml entry with admin rights on the target cloud in operator.cloud',
          ),
        );
      if (op?.createProject && target.projectId !== undefined)
        issues.push(
          err(
            `${opPointer}/create_project`,
            'CAMPAIGN_CREATE_NEEDS_NAME',
            'a project to create is named, not given by ID: the target has project_id',
            'give target.project (and project_domain) instead of project_id',
          ),
        );
      if (op?.roles && op.sourceCloud === undefined)
        issues.push(
          err(
            `${opPointer}/roles`,
            'CAMPAIGN_ROLES_NEED_SOURCE_ADMIN',
            "the source project's role assignments are read with admin rights on the source",
            'name a clouds.yaml entry with admin rights on the source cloud in operator.source_cloud',
          ),
        );
      const mapping = typeof raw.mapping === 'string' ? raw.mapping : (defaults.mapping as string | undefined);
      const project: Resolved['project'] = {
        id,
        wave: waveName,
        source: source as CampaignSide,
        target: target as CampaignSide,
        ...(op ? { operator: op } : {}),
        options: {
          ...opts,
          ...(opts.kinds ? { kinds: opts.kinds.map((k) => k.replaceAll('-', '_')) } : {}),
          ...(opts.excludeKinds ? { excludeKinds: opts.excludeKinds.map((k) => k.replaceAll('-', '_')) } : {}),
        },
        ...(mapping !== undefined ? { mapping } : {}),
        ...(typeof raw.plan === 'string' ? { plan: raw.plan } : {}),
      };
      resolved.push({
        project,
        pointer,
        ...(mapping !== undefined
          ? { mappingPointer: typeof raw.mapping === 'string' ? `${pointer}/mapping` : '/defaults/mapping' }
          : {}),
        ...(typeof raw.plan === 'string' ? { planPointer: `${pointer}/plan` } : {}),
      });
    }
  }
  return { resolved, issues };
}

function semanticIssues(doc: Json): Issue[] {
  return resolveProjects(doc).issues;
}

/** Parses campaign text; `value` only when there is no error. */
export function parseCampaign(text: string): { value?: unknown; issues: Issue[] } {
  return parseStrictYaml(text, { ...READER, validate: validateCampaignDocument });
}

const READER = {
  maxBytes: MAX_CAMPAIGN_BYTES,
  tooLargeCode: 'CAMPAIGN_TOO_LARGE',
  what: 'campaign',
  emptyCode: 'CAMPAIGN_EMPTY',
  emptyHint: `start it with: format: ${CAMPAIGN_FORMAT}`,
};

/** Problems of the mappings and plans the campaign names (each reported once, at the field that names it). */
async function namedFileIssues(value: unknown, base: string): Promise<Issue[]> {
  if (!isObject(value)) return [];
  const { resolved } = resolveProjects(value);
  const checks = new Map<string, Promise<Issue[]>>();
  const check = (abs: string, what: 'mapping' | 'plan') => {
    if (!checks.has(abs))
      checks.set(
        abs,
        (what === 'mapping' ? validateMappingFile(abs) : validatePlanFile(abs)).then((m) =>
          m.issues.filter((i) => i.severity === 'error'),
        ),
      );
    return checks.get(abs)!;
  };
  const issues: Issue[] = [];
  const reported = new Set<string>();
  for (const r of resolved) {
    for (const [file, pointer, what] of [
      [r.project.mapping, r.mappingPointer, 'mapping'],
      [r.project.plan, r.planPointer, 'plan'],
    ] as const) {
      if (typeof file !== 'string' || pointer === undefined || reported.has(pointer)) continue;
      const abs = resolve(base, file);
      const found = await check(abs, what);
      if (found.length === 0) continue;
      reported.add(pointer);
      const first = found[0]!;
      issues.push(
        err(
          pointer,
          what === 'mapping' ? 'CAMPAIGN_MAPPING_INVALID' : 'CAMPAIGN_PLAN_INVALID',
          `${abs} is not a valid ${what}: ${first.path || '(document)'}${first.line !== undefined ? ` (line ${first.line})` : ''} ${first.message}${found.length > 1 ? ` (and ${found.length - 1} more)` : ''}`,
          `see every problem with: bascule ${what === 'mapping' ? 'mapping validate' : 'validate'} ${abs}`,
        ),
      );
    }
  }
  return issues;
}

/**
 * Reads a campaign file and every file it names (mappings, given plans): every problem at once, as a
 * CampaignInvalidError (exit 2). No cloud is contacted.
 */
export async function loadCampaign(path: string): Promise<Campaign> {
  const file = resolve(path);
  let text: string;
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new UsageError('FILE_UNREADABLE', `${path} is not a regular file`);
    text = new TextDecoder('utf-8', { fatal: true }).decode(await readFile(file));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if (error instanceof TypeError) throw new UsageError('CAMPAIGN_ENCODING', `${path} is not valid UTF-8`);
    throw new UsageError('FILE_UNREADABLE', `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'EIO'})`);
  }
  // Syntax first (to reach the files the campaign names), then everything at once: schema, rules, named files.
  const raw = parseStrictYaml(text, { ...READER, validate: () => [] });
  const fileIssues = raw.value === undefined ? [] : await namedFileIssues(raw.value, dirname(file));
  const parsed = parseStrictYaml(text, {
    ...READER,
    validate: (value) => [...validateCampaignDocument(value), ...fileIssues],
  });
  if (parsed.value === undefined || hasErrors(parsed.issues)) throw new CampaignInvalidError(parsed.issues, path);
  const doc = parsed.value as Json;
  const { resolved } = resolveProjects(doc);
  const base = dirname(file);
  for (const r of resolved) {
    if (r.project.mapping !== undefined) r.project.mapping = resolve(base, r.project.mapping);
    if (r.project.plan !== undefined) r.project.plan = resolve(base, r.project.plan);
  }
  const waves = (doc.waves as Json[]).map((w) => ({
    name: String(w.name),
    ...(typeof w.max_failures === 'number' ? { maxFailures: w.max_failures } : {}),
    projects: resolved.filter((r) => r.project.wave === String(w.name)).map((r) => r.project as CampaignProject),
  }));
  return { name: String(doc.name), file, waves };
}

/** Every project of the campaign, in wave order. */
export function allProjects(campaign: Campaign): CampaignProject[] {
  return campaign.waves.flatMap((w) => w.projects);
}
