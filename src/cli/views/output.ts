import { stringify as toYaml } from 'yaml';
import { redact } from '../../shared/secret.js';

export { OUTPUT_FORMATS, type OutputFormat } from '../options.js';
import type { OutputFormat } from '../options.js';

/** Renders rows as an aligned text table (no colours: output is often piped or logged). */
export function table(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const cells = rows.map((row) =>
    row.map((cell) =>
      cell === undefined || cell === null ? '' : typeof cell === 'string' ? cell : JSON.stringify(cell),
    ),
  );
  // A loop, not Math.max(...cells): spreading 100,000 rows into a call overflows the stack.
  const widths = headers.map((h, i) => cells.reduce((w, row) => Math.max(w, (row[i] ?? '').length), h.length));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => v.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

/** Machine output: JSON or YAML of a value, redacted. */
export function serialise(value: unknown, format: Exclude<OutputFormat, 'table'>): string {
  const safe = redact(value);
  return format === 'json' ? `${JSON.stringify(safe, null, 2)}\n` : toYaml(safe);
}
