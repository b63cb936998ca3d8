/**
 * The one way Bascule reads YAML (mappings, clouds.yaml, secure.yaml, the simulator's seeds and configuration): YAML
 * 1.2, core schema, and one policy for everything a hostile or mistaken file can hold:
 *
 * - duplicate keys, merge keys (`<<`) and syntax errors are errors;
 * - an explicit tag other than the core ones (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`) is an
 *   error, whatever it names: `!!python/object`, `!!js/function`, `!custom`, and the YAML 1.1 extras `!!binary`,
 *   `!!set`, `!!omap`, `!!timestamp` alike. Nothing is silently turned into a string or a Buffer;
 * - aliases are bounded: a document whose aliases expand past a limit (an "alias bomb", "billion laughs") is an error
 *   at the line of its first alias, not an exhausted process.
 *
 * Every problem has a line and a column; callers add the file name.
 */
import { isAlias, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit, type Document } from 'yaml';

export interface YamlProblem {
  severity: 'error' | 'warning';
  /** YAML_SYNTAX, YAML_DUPLICATE_KEY, YAML_TAG, YAML_ALIAS_LIMIT, YAML_WARNING. */
  code: string;
  message: string;
  line?: number;
  column?: number;
  /** Offset in the text, when known. */
  offset?: number;
}

export interface YamlLoadResult {
  /** The value (plain objects, arrays, strings, numbers, booleans, null); set only when there is no error. */
  value?: unknown;
  problems: YamlProblem[];
  /** The parsed document, for callers that locate JSON pointers in it. */
  doc: Document.Parsed;
  /** Line and column of an offset (1-based). */
  position(offset: number | undefined): { line?: number; column?: number };
}

export interface YamlLoadOptions {
  /** Largest number of alias expansions (default 100). */
  maxAliasCount?: number;
  /** Adjusts the document before it is turned into plain values (clouds.yaml keeps version numbers as written). */
  prepare?: (doc: Document.Parsed) => void;
}

/** The tags of YAML 1.2's core schema, the only explicit tags accepted. */
const CORE_TAGS = new Set([
  'tag:yaml.org,2002:str',
  'tag:yaml.org,2002:int',
  'tag:yaml.org,2002:float',
  'tag:yaml.org,2002:bool',
  'tag:yaml.org,2002:null',
  'tag:yaml.org,2002:map',
  'tag:yaml.org,2002:seq',
]);

function shortTag(tag: string): string {
  return tag.startsWith('tag:yaml.org,2002:') ? `!!${tag.slice('tag:yaml.org,2002:'.length)}` : tag;
}

/** Parses YAML text with Bascule's one policy (see above). Never throws for bad input. */
export function loadYaml(text: string, options: YamlLoadOptions = {}): YamlLoadResult {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const lineCounter = new LineCounter();
  const doc = parseDocument(body, {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
    strict: true,
    version: '1.2',
    schema: 'core',
    merge: false,
    resolveKnownTags: false,
  });
  const position = (offset: number | undefined): { line?: number; column?: number } => {
    if (offset === undefined) return {};
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  const problem = (
    severity: 'error' | 'warning',
    code: string,
    message: string,
    offset: number | undefined,
  ): YamlProblem => ({
    severity,
    code,
    message,
    ...position(offset),
    ...(offset === undefined ? {} : { offset }),
  });
  const problems: YamlProblem[] = [];
  for (const error of doc.errors) {
    const duplicate = error.code === 'DUPLICATE_KEY';
    const message = duplicate
      ? `duplicate key ${JSON.stringify(/^["']?([^:"'\n]*)/.exec(body.slice(error.pos[0]))?.[1]?.trim() ?? '')}: give each key once`
      : (error.message.split('\n')[0] ?? error.message);
    problems.push(problem('error', duplicate ? 'YAML_DUPLICATE_KEY' : 'YAML_SYNTAX', message, error.pos[0]));
  }
  let firstAlias: number | undefined;
  visit(doc, (_key, node) => {
    if (isAlias(node)) {
      firstAlias ??= node.range?.[0];
      return;
    }
    if (!isNode(node) || node.tag === undefined) return;
    if (CORE_TAGS.has(node.tag)) return;
    problems.push(
      problem(
        'error',
        'YAML_TAG',
        `the tag ${shortTag(node.tag)} is not allowed`,
        isScalar(node) || isMap(node) || isSeq(node) ? node.range?.[0] : undefined,
      ),
    );
  });
  for (const warning of doc.warnings) {
    // An unresolved tag is reported above as YAML_TAG, with its line.
    if (warning.code === 'TAG_RESOLVE_FAILED') continue;
    problems.push(
      problem('warning', 'YAML_WARNING', warning.message.split('\n')[0] ?? warning.message, warning.pos[0]),
    );
  }
  if (problems.some((p) => p.severity === 'error')) return { problems, doc, position };
  options.prepare?.(doc);
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: options.maxAliasCount ?? 100 });
  } catch (error) {
    const alias = /alias/i.test((error as Error).message);
    problems.push(
      problem(
        'error',
        alias ? 'YAML_ALIAS_LIMIT' : 'YAML_SYNTAX',
        alias
          ? `the aliases expand to too many nodes (more than ${options.maxAliasCount ?? 100} per alias): an alias bomb?`
          : (error as Error).message,
        alias ? firstAlias : undefined,
      ),
    );
    return { problems, doc, position };
  }
  return { value, problems, doc, position };
}

/** "file:line:column: message" for the first error (callers that stop at one problem). */
export function describeYamlProblem(file: string, problem: YamlProblem, prefix = ''): string {
  const where = problem.line === undefined ? '' : `:${problem.line}:${problem.column ?? 1}`;
  return `${file}${where}: ${prefix}${problem.message}`;
}

/** The value of YAML text under the same policy, or an Error "line L, column C: message" for the first error. */
export function yamlValue(text: string): unknown {
  const loaded = loadYaml(text);
  const first = loaded.problems.find((p) => p.severity === 'error');
  if (first)
    throw new Error(
      `${first.line === undefined ? '' : `line ${first.line}, column ${first.column ?? 1}: `}${first.message}`,
    );
  return loaded.value;
}
