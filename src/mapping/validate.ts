/**
 * Validation of a parsed mapping document: the JSON Schema first, then the semantic rules (regular expressions that
 * compile, one action per rule, duplicate and unreachable rules, key patterns), every problem at once.
 */
import { schemaIssues } from '../plan/schema-issues.js';
import type { Issue } from '../plan/types.js';
import { compileRegex, globKind, groupCount, highestGroupReference, pointer, type MappingRegex } from './match.js';
import { mappingValidator } from './schema.js';
import { DEFAULT_AZ_KINDS } from './kinds.js';
import { MAPPING_FORMAT, TABLE_SECTIONS } from './types.js';

type Json = Record<string, unknown>;

const error = (path: string, code: string, message: string, hint?: string): Issue =>
  hint === undefined ? { severity: 'error', path, code, message } : { severity: 'error', path, code, message, hint };
const warning = (path: string, code: string, message: string, hint?: string): Issue =>
  hint === undefined
    ? { severity: 'warning', path, code, message }
    : { severity: 'warning', path, code, message, hint };

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Paths under which the schema found a problem: semantic checks skip those rules. */
function brokenUnder(issues: readonly Issue[], path: string): boolean {
  return issues.some((i) => i.path === path || i.path.startsWith(`${path}/`));
}

function checkRegex(issues: Issue[], path: string, source: unknown): MappingRegex | undefined {
  if (typeof source !== 'string') return undefined;
  const compiled = compileRegex(source);
  if (typeof compiled === 'string') {
    issues.push(
      error(
        path,
        'MAPPING_REGEX_INVALID',
        `${JSON.stringify(source)} is not a valid regular expression: ${compiled}`,
        'the syntax is RE2 (linear time: no backreferences, no lookahead or lookbehind); escape a literal dot as \\.',
      ),
    );
    return undefined;
  }
  return compiled;
}

function checkReplace(issues: Issue[], path: string, compiled: MappingRegex | undefined, replace: unknown): void {
  if (compiled === undefined || typeof replace !== 'string') return;
  const groups = groupCount(compiled);
  const highest = highestGroupReference(replace);
  if (highest > groups) {
    issues.push(
      error(
        path,
        'MAPPING_REPLACE_GROUP',
        `the replacement refers to $${highest}, but the regular expression has ${groups} capture group${groups === 1 ? '' : 's'}`,
        'add a group with ( ) or write $$ for a literal dollar',
      ),
    );
  }
}

/** The one-of check: exactly one of `fields` is present in `value`. */
function exactlyOne(issues: Issue[], path: string, value: Json, fields: readonly string[], what: string): void {
  const present = fields.filter((f) => value[f] !== undefined);
  if (present.length === 1) return;
  if (present.length === 0) issues.push(error(path, 'MAPPING_ONE_OF', `${what} needs one of: ${fields.join(', ')}`));
  else
    issues.push(
      error(
        path,
        'MAPPING_ONE_OF',
        `${what} has ${present.join(' and ')}; give exactly one of: ${fields.join(', ')}`,
        'split it into two rules',
      ),
    );
}

function checkMatch(issues: Issue[], path: string, from: Json): void {
  if (from.any !== undefined && Object.keys(from).length > 1) {
    issues.push(
      error(
        `${path}/any`,
        'MAPPING_ANY_NOT_ALONE',
        '"any: true" matches everything and cannot be combined with other criteria',
        'remove the other criteria, or remove "any"',
      ),
    );
  }
  if (from.name !== undefined && from.name_regex !== undefined) {
    issues.push(error(path, 'MAPPING_CONFLICTING_CRITERIA', 'give "name" or "name_regex", not both'));
  }
  checkRegex(issues, `${path}/name_regex`, from.name_regex);
}

/** A canonical text of a rule's match and scope, to find duplicates. */
function scopeKey(rule: Json): string {
  return JSON.stringify([rule.region ?? null, rule.from]);
}

/** Duplicates and rules after a catch-all in one first-match-wins table. */
function checkTable(
  issues: Issue[],
  section: string,
  rules: readonly unknown[],
  skip: (index: number) => boolean,
): void {
  const seen = new Map<string, number>();
  const catchAll: { index: number; region: unknown }[] = [];
  const unscoped = new Map<string, number>();
  rules.forEach((raw, index) => {
    if (skip(index) || !isObject(raw)) return;
    const path = pointer(section, index);
    const kinds = section === 'availability_zones' ? ((raw.kinds as string[] | undefined) ?? DEFAULT_AZ_KINDS) : [''];
    const shadow = catchAll.find((c) => c.region === undefined || c.region === raw.region);
    const wider =
      raw.region === undefined
        ? undefined
        : kinds.map((kind) => unscoped.get(`${kind}|${JSON.stringify(raw.from)}`)).find((i) => i !== undefined);
    if (shadow !== undefined) {
      issues.push(
        warning(
          path,
          'MAPPING_RULE_UNREACHABLE',
          `this rule comes after ${pointer(section, shadow.index)}, which matches everything${raw.region === undefined ? '' : ' in its region'}; it can never match`,
          'the first matching rule wins: move catch-all rules last',
        ),
      );
    } else if (wider !== undefined && kinds.every((kind) => unscoped.has(`${kind}|${JSON.stringify(raw.from)}`))) {
      issues.push(
        warning(
          path,
          'MAPPING_RULE_UNREACHABLE',
          `this rule comes after ${pointer(section, wider)}, which matches the same in every region; it can never match`,
          'the first matching rule wins: put region-scoped rules before the rule for all regions',
        ),
      );
    }
    if (raw.region === undefined)
      for (const kind of kinds)
        if (!unscoped.has(`${kind}|${JSON.stringify(raw.from)}`))
          unscoped.set(`${kind}|${JSON.stringify(raw.from)}`, index);
    for (const kind of kinds) {
      const key = `${kind}|${scopeKey(raw)}`;
      const first = seen.get(key);
      if (first !== undefined) {
        issues.push(
          error(
            `${path}/from`,
            'MAPPING_DUPLICATE_RULE',
            `the same match as ${pointer(section, first)}${kind === '' ? '' : ` for ${kind}`}: this rule can never match`,
            'remove one of the two rules',
          ),
        );
        break;
      }
      seen.set(key, index);
    }
    if (isObject(raw.from) && raw.from.any === true && Object.keys(raw.from).length === 1)
      catchAll.push({ index, region: raw.region });
  });
}

const TABLES = TABLE_SECTIONS;
const SERVER_CRITERIA = ['name_regex', 'tag', 'group'] as const;
const NAME_ACTIONS = ['prefix', 'suffix', 'strip_prefix', 'strip_suffix', 'regex'] as const;

function checkSemantics(doc: Json, schema: readonly Issue[]): Issue[] {
  const issues: Issue[] = [];
  const skip = (section: string) => (index: number) => brokenUnder(schema, pointer(section, index));

  list(doc.flavors).forEach((rule, index) => {
    if (skip('flavors')(index) || !isObject(rule) || !isObject(rule.from) || !isObject(rule.to)) return;
    const path = pointer('flavors', index);
    checkMatch(issues, `${path}/from`, rule.from);
    exactlyOne(issues, `${path}/to`, rule.to, ['name', 'shape'], 'a flavor target');
    if (isObject(rule.to.within)) checkRegex(issues, `${path}/to/within/name_regex`, rule.to.within.name_regex);
  });
  list(doc.images).forEach((rule, index) => {
    if (skip('images')(index) || !isObject(rule) || !isObject(rule.from) || !isObject(rule.to)) return;
    const path = pointer('images', index);
    checkMatch(issues, `${path}/from`, rule.from);
    exactlyOne(issues, `${path}/to`, rule.to, ['name', 'checksum'], 'an image target');
  });
  for (const section of TABLES) checkTable(issues, section, list(doc[section]), skip(section));
  const serverRules = new Map<string, number>();
  list(doc.server_zones).forEach((rule, index) => {
    if (skip('server_zones')(index) || !isObject(rule) || !isObject(rule.from)) return;
    const from = rule.from;
    const path = pointer('server_zones', index);
    exactlyOne(issues, `${path}/from`, from, SERVER_CRITERIA, 'a server match');
    checkRegex(issues, `${path}/from/name_regex`, from.name_regex);
    exactlyOne(issues, path, rule, ['zone', 'spread'], 'a server zone rule');
    const same = JSON.stringify([rule.region ?? null, SERVER_CRITERIA.map((c) => from[c] ?? null)]);
    const first = serverRules.get(same);
    if (first !== undefined)
      issues.push(
        error(
          `${path}/from`,
          'MAPPING_DUPLICATE_RULE',
          `the same match as ${pointer('server_zones', first)}: this rule can never match`,
          'remove one of the two rules',
        ),
      );
    else serverRules.set(same, index);
  });

  // Regions: unique sources, and rules that name a region the table does not know.
  const regions = list(doc.regions);
  const regionSources = new Map<string, number>();
  regions.forEach((rule, index) => {
    if (skip('regions')(index) || !isObject(rule) || typeof rule.from !== 'string') return;
    const first = regionSources.get(rule.from);
    if (first !== undefined)
      issues.push(
        error(
          pointer('regions', index, 'from'),
          'MAPPING_DUPLICATE_RULE',
          `region "${rule.from}" is already mapped by ${pointer('regions', first)}`,
        ),
      );
    else regionSources.set(rule.from, index);
  });
  if (doc.regions !== undefined) {
    for (const section of [...TABLES, 'server_zones'] as const) {
      list(doc[section]).forEach((rule, index) => {
        if (!isObject(rule) || typeof rule.region !== 'string' || regionSources.has(rule.region)) return;
        issues.push(
          warning(
            pointer(section, index, 'region'),
            'MAPPING_REGION_UNKNOWN',
            `region "${rule.region}" is not a source region of "regions"`,
            `known: ${[...regionSources.keys()].join(', ') || '(none)'}; inversion needs its target region`,
          ),
        );
      });
    }
  }

  list(doc.names).forEach((rule, index) => {
    if (skip('names')(index) || !isObject(rule)) return;
    const path = pointer('names', index);
    exactlyOne(issues, path, rule, NAME_ACTIONS, 'a name rule');
    const compiled = checkRegex(issues, `${path}/regex`, rule.regex);
    checkReplace(issues, `${path}/replace`, compiled, rule.replace);
    if (isObject(rule.inverse)) {
      const inverse = checkRegex(issues, `${path}/inverse/regex`, rule.inverse.regex);
      checkReplace(issues, `${path}/inverse/replace`, inverse, rule.inverse.replace);
    }
  });

  for (const side of ['include', 'exclude'] as const) {
    const selector = doc[side];
    if (!isObject(selector) || brokenUnder(schema, `/${side}`)) continue;
    list(selector.keys).forEach((glob, index) => {
      if (typeof glob === 'string' && globKind(glob) === undefined) {
        issues.push(
          error(
            pointer(side, 'keys', index),
            'MAPPING_KEY_PATTERN',
            `${JSON.stringify(glob)} does not start with a kind and ':'`,
            'a key is "<kind>:<name>"; globs use * and ?, e.g. "server:test-*"',
          ),
        );
      }
    });
  }
  const include = doc.include;
  const exclude = doc.exclude;
  if (isObject(include) && isObject(exclude) && !brokenUnder(schema, '/include') && !brokenUnder(schema, '/exclude')) {
    const both = list(include.kinds).filter((k) => list(exclude.kinds).includes(k));
    if (both.length > 0)
      issues.push(
        warning(
          '/exclude/kinds',
          'MAPPING_SELECTOR_OVERLAP',
          `${both.join(', ')} is both included and excluded; exclude wins`,
        ),
      );
  }
  return issues;
}

/** Clearer words for a few schema errors, and a YAML hint where a string was expected and YAML read a number or a boolean. */
function withYamlHints(issues: Issue[], doc: unknown): Issue[] {
  return issues.map((issue) => {
    if (issue.code === 'SCHEMA_MIN_PROPERTIES')
      return { ...issue, message: 'must not be empty', hint: 'give at least one field, or remove it' };
    if (issue.code === 'SCHEMA_ANY_OF' && /\/images\/[0-9]+\/to\/checksum$/.test(issue.path)) {
      return {
        ...issue,
        message: `${JSON.stringify(valueAt(doc, issue.path))} is neither "same" nor an MD5 checksum`,
        hint: 'write checksum: same (the target image with the same content) or the 32 hex digits of an MD5 checksum',
      };
    }
    if (issue.code !== 'SCHEMA_TYPE' && issue.code !== 'SCHEMA_ANY_OF') return issue;
    const value = valueAt(doc, issue.path);
    if (typeof value === 'number' || typeof value === 'boolean') {
      return {
        ...issue,
        hint: `YAML reads ${String(value)} as a ${typeof value}: quote it ("${String(value)}") to make it a string`,
      };
    }
    return issue;
  });
}

/** The value at a JSON pointer, or undefined. */
export function valueAt(doc: unknown, path: string): unknown {
  let node = doc;
  for (const raw of path.split('/').slice(1)) {
    const segment = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node) && Object.hasOwn(node, segment)) node = node[segment];
    else return undefined;
  }
  return node;
}

/**
 * Every problem of a parsed mapping document: schema errors (SCHEMA_*, with the plan's codes), then semantic errors
 * and warnings (MAPPING_*). An empty array, or warnings only, means the mapping can be used.
 */
export function validateMapping(value: unknown): Issue[] {
  if (!isObject(value)) {
    return [
      error(
        '',
        'MAPPING_NOT_OBJECT',
        `a mapping is an object with "format: ${MAPPING_FORMAT}", not ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`,
      ),
    ];
  }
  if (value.format !== MAPPING_FORMAT) {
    const found = value.format === undefined ? 'no "format"' : `format ${JSON.stringify(value.format)}`;
    const hint =
      typeof value.format === 'string' && value.format.startsWith('bascule.plan/')
        ? 'this is a plan, not a mapping'
        : `start the file with: format: ${MAPPING_FORMAT}`;
    return [
      error(
        '/format',
        'MAPPING_FORMAT',
        `the document has ${found}; this version of Bascule reads ${MAPPING_FORMAT}`,
        hint,
      ),
    ];
  }
  const validate = mappingValidator();
  const schema = validate(value) ? [] : withYamlHints(schemaIssues(validate.errors), value);
  return [...schema, ...checkSemantics(value, schema)];
}
