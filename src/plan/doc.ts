/**
 * Renders the per-kind reference of docs/plan-format.md from the schema, so the document cannot drift from it
 * (test/plan/docs.test.ts compares the generated part of the file with this output).
 */
import { KIND_EXTERNAL, KIND_REFS, PLAN_KINDS, type PlanKind, type RefDecl } from './kinds.js';
import { API_NAME_KEYWORD, LOSSY_KEYWORD, PLAN_SCHEMA, SENSITIVE_KEYWORD, specProperties } from './schema.js';

type Node = Record<string, unknown>;

const defs = (): Record<string, Node> => PLAN_SCHEMA.$defs as Record<string, Node>;

function resolve(node: Node): Node {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  const target = defs()[ref.split('/').pop()!] ?? {};
  const { $ref: _ignored, ...rest } = node;
  return { ...resolve(target), ...rest };
}

function typeOf(raw: Node): string {
  const node = resolve(raw);
  if (Array.isArray(node.enum)) return node.enum.map((v) => (v === null ? 'null' : `\`${String(v)}\``)).join(', ');
  if (node.const !== undefined) return `\`${JSON.stringify(node.const)}\``;
  if (Array.isArray(node.anyOf)) {
    const branches = node.anyOf as Node[];
    const nullable = branches.some((b) => b.type === 'null');
    return `${branches
      .filter((b) => b.type !== 'null')
      .map(typeOf)
      .join(' or ')}${nullable ? ' or null' : ''}`;
  }
  const types = Array.isArray(node.type) ? (node.type as string[]) : typeof node.type === 'string' ? [node.type] : [];
  const base = types.filter((t) => t !== 'null');
  let text = base.join(' or ');
  if (base.includes('string') && typeof node.format === 'string') text = node.format as string;
  if (base.includes('array')) {
    const items = node.items as Node | undefined;
    text = `array of ${items === undefined ? 'values' : typeOf(items)}`;
  }
  if (base.includes('object')) {
    const props = node.properties as Record<string, unknown> | undefined;
    const extra = node.additionalProperties;
    if (props !== undefined && Object.keys(props).length > 0) text = `object {${Object.keys(props).join(', ')}}`;
    else if (typeof extra === 'object' && extra !== null) text = `map of ${typeOf(extra as Node)}`;
    else text = 'object';
  }
  const limits: string[] = [];
  if (typeof node.minimum === 'number') limits.push(`≥ ${node.minimum}`);
  if (typeof node.maximum === 'number' && node.maximum < Number.MAX_SAFE_INTEGER) limits.push(`≤ ${node.maximum}`);
  if (typeof node.maxLength === 'number' && base.includes('string') && typeof node.format !== 'string')
    limits.push(`≤ ${node.maxLength} chars`);
  if (limits.length > 0) text += ` (${limits.join(', ')})`;
  if (types.includes('null')) text += ' or null';
  return text;
}

function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function kindSection(kind: PlanKind): string {
  const spec = defs()[kind]!;
  const required = new Set((spec.required as string[] | undefined) ?? []);
  const lines = [`### \`${kind}\``, ''];
  const external = KIND_EXTERNAL[kind];
  lines.push(
    external === 'always'
      ? 'Always an external reference (`"external": true`).'
      : external === 'optional'
        ? 'May be an external reference (`"external": true`).'
        : 'Never external.',
  );
  lines.push('', '| field | type | required | description |', '| --- | --- | --- | --- |');
  for (const [name, raw] of Object.entries(specProperties(kind))) {
    const node = raw as Node;
    const notes: string[] = [];
    const description =
      (node.description as string | undefined) ?? (resolve(node).description as string | undefined) ?? '';
    if (node[LOSSY_KEYWORD] === true) notes.push('**lossy**');
    if (node[SENSITIVE_KEYWORD] === true) notes.push('**sensitive**');
    if (typeof node[API_NAME_KEYWORD] === 'string') notes.push(`API: \`${node[API_NAME_KEYWORD] as string}\``);
    lines.push(
      `| \`${name}\` | ${cell(typeOf(node))} | ${required.has(name) ? 'yes' : ''} | ${cell([description, ...notes].filter(Boolean).join(' '))} |`,
    );
  }
  const refs = Object.entries(KIND_REFS[kind] as Record<string, RefDecl>);
  if (refs.length > 0) {
    const refDefs = (defs()[`${kind}_refs`]!.properties ?? {}) as Record<string, Node>;
    lines.push('', '| reference | points to | form | required | description |', '| --- | --- | --- | --- | --- |');
    for (const [name, decl] of refs) {
      const form = decl.list ? (decl.ordered ? 'ordered list' : 'list (sorted on write)') : 'one key';
      const description = String(refDefs[name]?.description ?? '').replace(/ Points to: [a-z_]+\.$/, '');
      lines.push(`| \`${name}\` | ${decl.kind} | ${form} | ${decl.required ? 'yes' : ''} | ${cell(description)} |`);
    }
  }
  return lines.join('\n');
}

/** The generated reference: one section per kind, in dependency order. */
export function renderKindReference(): string {
  return `${PLAN_KINDS.map(kindSection).join('\n\n')}\n`;
}

export const DOC_BEGIN = '<!-- BEGIN GENERATED: kinds (from src/plan/schema/plan.schema.json; do not edit by hand) -->';
export const DOC_END = '<!-- END GENERATED: kinds -->';
