/**
 * Plan format versions and the upgrader from older ones.
 *
 * `bascule.plan/v0` (a draft of early prototypes, never written by a release) looked like this:
 *
 *     { "version": 0,
 *       "source": { "cloud": "...", "region": "...", "project": "<name>", "project_id": "...", "exported_at": "..." },
 *       "items": [ { "type": "<kind>", "key": "...", "spec": {...}, "refs": {...}, "external": true, "source_id": "..." } ] }
 *
 * Its differences from v1, which the upgrader applies: the envelope (`version: 0` -> `format`, `source` -> `provenance`
 * with an empty API profile, `items` -> `resources`), entries (`type` -> `kind`, `source_id` -> `source.id`), server
 * groups in the pre-2.64 form (`policies: [p]` -> `policy: p`), networks with the wire name `router:external`
 * (-> `router_external`), and `user_data` not yet listed as sensitive (it is added to `sensitive`).
 */
import { toPointer } from './json.js';
import { PLAN_FORMAT, type Issue } from './types.js';

export const CURRENT_VERSION = 1;
const FORMAT_PATTERN = /^bascule\.plan\/v([0-9]{1,6})$/;

export type DetectedVersion = { version: number; issue?: undefined } | { version?: undefined; issue: Issue };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Which format version a parsed document claims, or the issue that makes it unreadable. */
export function detectVersion(value: unknown): DetectedVersion {
  if (!isObject(value)) {
    return {
      issue: {
        severity: 'error',
        path: '',
        code: 'PLAN_NOT_OBJECT',
        message: 'a plan is a JSON object',
        hint: 'the file may be a mapping, a journal or a list; check its content',
      },
    };
  }
  if (Object.hasOwn(value, 'format')) {
    const format = value.format;
    const match = typeof format === 'string' ? FORMAT_PATTERN.exec(format) : null;
    if (match === null) {
      return {
        issue: {
          severity: 'error',
          path: '/format',
          code: 'PLAN_FORMAT_UNKNOWN',
          message: `unknown format ${JSON.stringify(format)?.slice(0, 80) ?? String(format)}`,
          hint: `a plan says "format": "${PLAN_FORMAT}"`,
        },
      };
    }
    const version = Number(match[1]);
    if (version > CURRENT_VERSION) {
      return {
        issue: {
          severity: 'error',
          path: '/format',
          code: 'PLAN_VERSION_NEWER',
          message: `the plan is in format ${String(format)}, newer than this Bascule reads (up to ${PLAN_FORMAT})`,
          hint: 'upgrade Bascule to read it',
        },
      };
    }
    if (version === 0) {
      return {
        issue: {
          severity: 'error',
          path: '/format',
          code: 'PLAN_FORMAT_UNKNOWN',
          message: 'bascule.plan/v0 plans carry "version": 0, not a format string',
          hint: 'see docs/plan-format.md, "Versions"',
        },
      };
    }
    return { version };
  }
  if (Object.hasOwn(value, 'version')) {
    if (value.version === 0) return { version: 0 };
    const newer = typeof value.version === 'number' && value.version > CURRENT_VERSION;
    return {
      issue: {
        severity: 'error',
        path: '/version',
        code: newer ? 'PLAN_VERSION_NEWER' : 'PLAN_FORMAT_UNKNOWN',
        message: `unknown plan version ${JSON.stringify(value.version)?.slice(0, 40) ?? '?'}`,
        hint: `a current plan says "format": "${PLAN_FORMAT}"`,
      },
    };
  }
  return {
    issue: {
      severity: 'error',
      path: '/format',
      code: 'PLAN_FORMAT_MISSING',
      message: 'the document has no "format" field: it is not a Bascule plan',
      hint: `a plan starts with "format": "${PLAN_FORMAT}"`,
    },
  };
}

function upgradeItem(item: unknown): unknown {
  if (!isObject(item)) return item;
  const { type, source_id: sourceId, ...rest } = item;
  const out: Record<string, unknown> = { kind: type, ...rest };
  if (sourceId !== undefined) out.source = { id: sourceId };
  const spec = isObject(item.spec) ? { ...item.spec } : item.spec;
  if (isObject(spec)) {
    if (type === 'server_group' && Array.isArray(spec.policies) && spec.policy === undefined) {
      spec.policy = spec.policies[0];
      delete spec.policies;
    }
    if (type === 'network' && Object.hasOwn(spec, 'router:external')) {
      spec.router_external = spec['router:external'];
      delete spec['router:external'];
    }
    if (type === 'server' && spec.user_data !== undefined) {
      const sensitive = Array.isArray(item.sensitive) ? item.sensitive : [];
      if (!sensitive.includes('user_data')) out.sensitive = [...sensitive, 'user_data'];
    }
    out.spec = spec;
  }
  return out;
}

export interface UpgradeResult {
  /** The document in the current format (still to be validated). */
  plan: unknown;
  /** The version it was read in. */
  from: number;
  issues: Issue[];
}

/**
 * Brings a parsed plan of any known version to the current format. A current plan is returned as it is; an older one
 * is converted (a new object: the input is not modified) with a PLAN_UPGRADED warning. Unknown or newer versions give
 * an error issue and `plan` undefined.
 */
export function upgradePlan(value: unknown): { plan?: unknown; from?: number; issues: Issue[] } {
  const detected = detectVersion(value);
  if (detected.issue !== undefined) return { issues: [detected.issue] };
  if (detected.version === CURRENT_VERSION) return { plan: value, from: CURRENT_VERSION, issues: [] };
  return upgradeV0(value as Record<string, unknown>);
}

function upgradeV0(value: Record<string, unknown>): UpgradeResult {
  const issues: Issue[] = [];
  const source = isObject(value.source) ? value.source : {};
  if (!Array.isArray(value.items)) {
    issues.push({
      severity: 'error',
      path: toPointer(['items']),
      code: 'PLAN_V0_INVALID',
      message: 'a v0 plan needs an "items" array',
    });
  }
  const project: Record<string, unknown> = { name: source.project, id: source.project_id ?? source.project };
  const plan = {
    format: PLAN_FORMAT,
    provenance: {
      cloud: source.cloud,
      region: source.region ?? null,
      project,
      profile: { api_versions: {}, microversions: {}, extensions: [] },
      exported_at: source.exported_at,
      bascule_version: '0.0.0',
    },
    resources: Array.isArray(value.items) ? value.items.map(upgradeItem) : [],
  };
  issues.push({
    severity: 'warning',
    path: '',
    code: 'PLAN_UPGRADED',
    message: `the plan was upgraded from bascule.plan/v0 to ${PLAN_FORMAT} in memory; paths below refer to the upgraded plan (/resources/N is /items/N)`,
    hint: 'write it back with a current Bascule to keep the new format',
  });
  return { plan, from: 0, issues };
}
