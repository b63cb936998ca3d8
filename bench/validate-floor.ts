/**
 * A child process of bench/plan-validate.ts: the floor of `bascule validate` on a large plan, i.e. what any
 * validation of the same file must do at least, run as a new process like the CLI so the two can be compared.
 *
 *     node dist/bench/validate-floor.js parse FILE        read the file, JSON.parse
 *     node dist/bench/validate-floor.js schema FILE       the same, then the plan schema (ajv's generated validator)
 *     node dist/bench/validate-floor.js scan FILE         the defensive scan + JSON.parse, then the schema
 *     node dist/bench/validate-floor.js rules FILE        the same, then the semantic rules (the CLI without its start-up)
 */
import { readFileSync } from 'node:fs';

const [mode, file] = process.argv.slice(2);
if (mode === undefined || file === undefined) throw new Error('usage: validate-floor.js parse|schema|scan|rules FILE');
const text = readFileSync(file, 'utf8');
let value: unknown;
if (mode === 'parse' || mode === 'schema') value = JSON.parse(text);
else value = (await import('../src/plan/json.js')).safeParseJson(text).value;
if (mode !== 'parse') {
  const { planValidator } = await import('../src/plan/schema.js');
  if (!planValidator()(value)) throw new Error('the plan does not pass the schema');
}
if (mode === 'rules') {
  const { checkRules } = await import('../src/plan/rules.js');
  const resources = (value as { resources: unknown[] }).resources;
  if (checkRules({ resources, invalid: new Set() }).length > 0) throw new Error('the plan does not pass the rules');
}
