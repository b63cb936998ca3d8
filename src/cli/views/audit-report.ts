import type { AuditReport, Difference } from '../../diff/report.js';
import { table } from './output.js';

function show(value: unknown): string {
  if (value === undefined) return '(absent)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function summaryLine(report: AuditReport): string {
  const s = report.summary;
  const verdict = s.clean
    ? s.expected_lossy > 0
      ? 'CLEAN (with expected-lossy fields)'
      : 'CLEAN'
    : 'DIFFERENCES FOUND';
  return `${verdict}: ${s.compared} compared, ${s.matched} matched, ${s.missing} missing, ${s.extra} extra, ${s.changed} changed, ${s.expected_lossy} expected-lossy`;
}

/** The terminal form: a summary line, counts per kind, then one row per difference. */
/** "mapping FILE (sha256 ...), journal FILE (sha256 ...)", or '' when the audit used neither. */
export function inputsLine(report: AuditReport): string {
  const parts = (['mapping', 'journal'] as const).flatMap((what) => {
    const input = report.inputs?.[what];
    return input ? [`${what} ${input.file} (sha256 ${input.sha256.slice(0, 16)}...)`] : [];
  });
  return parts.length > 0 ? `with ${parts.join(', ')}` : '';
}

export function auditTable(report: AuditReport): string {
  const m = report.matching;
  const inputs = inputsLine(report);
  const head = `audit ${report.source.description} -> ${report.target.description}\n${inputs ? `${inputs}\n` : ''}${summaryLine(report)}\nmatched by journal ${m.journal}, marker ${m.marker}, name ${m.name}, key ${m.key}, attributes ${m.attributes}\n\n`;
  const kinds = table(
    ['kind', 'source', 'target', 'missing', 'extra', 'changed', 'lossy'],
    Object.entries(report.per_kind).map(([kind, k]) => [
      kind,
      k.source,
      k.target,
      k.missing,
      k.extra,
      k.changed,
      k.expected_lossy,
    ]),
  );
  if (report.differences.length === 0) return `${head}${kinds}`;
  const rows = report.differences.map((d) => [
    d.type,
    d.key,
    d.field ?? '',
    d.type === 'changed' || d.type === 'expected-lossy' ? show(d.source) : '',
    d.type === 'changed' || d.type === 'expected-lossy' ? show(d.target) : '',
  ]);
  return `${head}${kinds}\n${table(['difference', 'resource', 'field', 'source', 'target'], rows)}`;
}

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

export function auditMarkdown(report: AuditReport): string {
  const lines = [
    `# Audit: ${mdCell(report.source.description)} → ${mdCell(report.target.description)}`,
    '',
    `Generated ${report.generated_at} by Bascule ${report.bascule_version}${inputsLine(report) ? `, ${mdCell(inputsLine(report))}` : ''}.`,
    '',
    `**${summaryLine(report)}**`,
    '',
    `Matched by journal ${report.matching.journal}, marker ${report.matching.marker}, name ${report.matching.name}, key ${report.matching.key}, attributes ${report.matching.attributes}.`,
    '',
    '| kind | source | target | missing | extra | changed | expected-lossy |',
    '|---|---|---|---|---|---|---|',
    ...Object.entries(report.per_kind).map(
      ([kind, k]) =>
        `| ${kind} | ${k.source} | ${k.target} | ${k.missing} | ${k.extra} | ${k.changed} | ${k.expected_lossy} |`,
    ),
    '',
  ];
  if (report.differences.length > 0) {
    lines.push('## Differences', '', '| type | resource | field | source | target |', '|---|---|---|---|---|');
    for (const d of report.differences) {
      lines.push(
        `| ${d.type} | ${mdCell(d.key)} | ${mdCell(d.field ?? '')} | ${mdCell(d.source === undefined ? '' : show(d.source))} | ${mdCell(d.target === undefined ? '' : show(d.target))} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

function esc(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** A self-contained HTML page (inline CSS, no script, no external resource): readable offline. */
export function auditHtml(report: AuditReport): string {
  const s = report.summary;
  const byResource = new Map<string, Difference[]>();
  for (const d of report.differences) {
    const list = byResource.get(d.key) ?? [];
    list.push(d);
    byResource.set(d.key, list);
  }
  const card = (label: string, value: number, cls: string) =>
    `<div class="card ${cls}"><div class="n" data-count="${esc(label)}">${value}</div><div>${esc(label)}</div></div>`;
  const kindRows = Object.entries(report.per_kind)
    .map(
      ([kind, k]) =>
        `<tr><td>${esc(kind)}</td><td>${k.source}</td><td>${k.target}</td><td>${k.missing}</td><td>${k.extra}</td><td>${k.changed}</td><td>${k.expected_lossy}</td></tr>`,
    )
    .join('');
  const sections = [...byResource.entries()]
    .map(([key, diffs]) => {
      const rows = diffs
        .map(
          (d) =>
            `<tr class="${esc(d.type)}"><td>${esc(d.type)}</td><td>${esc(d.field ?? '')}</td><td><code>${esc(d.source === undefined ? '' : show(d.source))}</code></td><td><code>${esc(d.target === undefined ? '' : show(d.target))}</code></td><td>${esc(d.note ?? '')}</td></tr>`,
        )
        .join('');
      return `<section class="resource"><h3>${esc(key)}</h3><table><thead><tr><th>difference</th><th>field</th><th>source</th><th>target</th><th>note</th></tr></thead><tbody>${rows}</tbody></table></section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Bascule audit: ${esc(report.source.description)} → ${esc(report.target.description)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}h1{font-size:1.4rem}
.verdict{font-weight:bold;padding:.5rem 1rem;border-radius:4px;display:inline-block}
.clean{background:#d7f5dd}.dirty{background:#fbdada}
.cards{display:flex;gap:1rem;margin:1rem 0}.card{border:1px solid #ccc;border-radius:6px;padding:.6rem 1rem;min-width:6rem;text-align:center}
.card .n{font-size:1.6rem;font-weight:bold}table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
tr.missing td:first-child,tr.extra td:first-child{color:#a00}tr.changed td:first-child{color:#a60}tr.expected-lossy td:first-child{color:#666}
code{white-space:pre-wrap;word-break:break-all}
</style></head><body>
<h1>Audit: ${esc(report.source.description)} → ${esc(report.target.description)}</h1>
<p>Generated ${esc(report.generated_at)} by Bascule ${esc(report.bascule_version)}${inputsLine(report) ? `, ${esc(inputsLine(report))}` : ''}.</p>
<p class="verdict ${s.clean ? 'clean' : 'dirty'}" id="verdict">${esc(summaryLine(report))}</p>
<div class="cards">${card('compared', s.compared, '')}${card('matched', s.matched, '')}${card('missing', s.missing, 'missing')}${card('extra', s.extra, 'extra')}${card('changed', s.changed, 'changed')}${card('expected-lossy', s.expected_lossy, 'lossy')}</div>
<h2>Per kind</h2>
<table id="per-kind"><thead><tr><th>kind</th><th>source</th><th>target</th><th>missing</th><th>extra</th><th>changed</th><th>expected-lossy</th></tr></thead><tbody>${kindRows}</tbody></table>
<h2>Differences by resource</h2>
${sections || '<p id="no-differences">No difference.</p>'}
</body></html>
`;
}
