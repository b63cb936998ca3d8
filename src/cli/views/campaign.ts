/** The campaign's views: status table, report (Markdown, HTML that refreshes itself while running), live progress. */
import { relative } from 'node:path';
import type { CampaignReport } from '../../campaign/report.js';
import type { CampaignEvent, ProjectState } from '../../campaign/types.js';
import { table } from './output.js';
import { formatBytes } from './workload.js';

function duration(ms: number | undefined): string {
  if (ms === undefined) return '';
  const s = Math.round(ms / 1000);
  return s < 60
    ? `${s}s`
    : s < 3600
      ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`
      : `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

function resources(s: ProjectState): number {
  return Object.values(s.kinds ?? {}).reduce((a, b) => a + b, 0);
}

function applied(s: ProjectState): string {
  const a = s.applied;
  return a
    ? `${a.created} created, ${a.updated} updated, ${a.unchanged} unchanged${a.failed ? `, ${a.failed} failed` : ''}${a.skipped ? `, ${a.skipped} skipped` : ''}`
    : '';
}

/** The target, with what the operator steps did to it: created by the campaign, users not found there. */
function targetText(s: ProjectState): string {
  const notes: string[] = [];
  if (s.operator?.createdProject === true) notes.push('created by the campaign');
  if (s.operator?.missingUsers?.length) notes.push(`users not on the target: ${s.operator.missingUsers.join(', ')}`);
  return notes.length > 0 ? `${s.target} (${notes.join('; ')})` : s.target;
}

function auditText(s: ProjectState): string {
  if (!s.audit) return '';
  return s.audit.clean ? 'clean' : `${s.audit.missing} missing, ${s.audit.extra} extra, ${s.audit.changed} changed`;
}

function servers(s: ProjectState): string {
  return s.servers ? `${s.servers.stopped} stopped, ${s.servers.restarted} restarted` : '';
}

function cause(s: ProjectState): string {
  return s.failure ? `${s.failure.stage}: ${s.failure.message} [${s.failure.code}]` : '';
}

function totalsLine(t: CampaignReport['totals']): string {
  return `${t.projects} project${t.projects === 1 ? '' : 's'}: ${t.done} done, ${t.reviewable} reviewable, ${t.running} running, ${t.failed} failed, ${t.pending} pending${t.rolled_back ? `, ${t.rolled_back} rolled back` : ''}; ${t.resources} resources, ${formatBytes(t.bytes_moved)} moved; audits ${t.audits_clean} clean, ${t.audits_dirty} with differences`;
}

export function campaignStatusTable(report: CampaignReport): string {
  const rows = report.waves.flatMap((w) =>
    w.projects.map((s) => [
      w.name,
      s.id,
      s.status,
      s.stage,
      resources(s) || '',
      s.bytes ? formatBytes(s.bytes.moved) : '',
      duration(s.durationMs),
      auditText(s),
      cause(s),
    ]),
  );
  return `campaign ${report.campaign}\n${table(['wave', 'project', 'status', 'stage', 'resources', 'moved', 'time', 'audit', 'failure'], rows)}\n${totalsLine(report.totals)}\n`;
}

function md(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** `base`: the report's directory, so links to each project's audit report are relative. */
export function campaignMarkdown(report: CampaignReport, base: string): string {
  const lines = [
    `# Campaign ${md(report.campaign)}`,
    '',
    `Generated ${report.generated_at} by Bascule ${report.bascule_version}.`,
    '',
    `**${totalsLine(report.totals)}**`,
  ];
  for (const w of report.waves) {
    lines.push(
      '',
      `## Wave ${md(w.name)}`,
      '',
      totalsLine(w.totals),
      '',
      '| project | status | stage | source | target | resources per kind | applied | moved | source servers | time | audit | failure |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|',
    );
    for (const s of w.projects) {
      const kinds = Object.entries(s.kinds ?? {})
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      const audit = s.audit ? `[${auditText(s)}](${relative(base, s.audit.report)})` : '';
      lines.push(
        `| ${md(s.id)} | ${s.status} | ${s.stage} | ${md(s.source)} | ${md(targetText(s))} | ${md(kinds)} | ${md(applied(s))} | ${s.bytes ? formatBytes(s.bytes.moved) : ''} | ${servers(s)} | ${duration(s.durationMs)} | ${audit} | ${md(cause(s))} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The HTML report; while `live`, it reloads itself every few seconds (an open tab is a dashboard). */
export function campaignHtml(report: CampaignReport, base: string, live: boolean): string {
  const t = report.totals;
  const card = (label: string, value: number | string, cls = '') =>
    `<div class="card ${cls}"><div class="n" data-count="${esc(label)}">${esc(String(value))}</div><div>${esc(label)}</div></div>`;
  const waves = report.waves
    .map((w) => {
      const rows = w.projects
        .map((s) => {
          const kinds = Object.entries(s.kinds ?? {})
            .map(([k, n]) => `${esc(k)}&nbsp;${n}`)
            .join(', ');
          const quotas = (s.failure?.quotas ?? [])
            .map(
              (q) =>
                `<li>${esc(`${q.service} ${q.resource}: needs ${q.need}, ${q.available ?? 'unlimited'} left`)}</li>`,
            )
            .join('');
          const audit = s.audit ? `<a href="${esc(relative(base, s.audit.report))}">${esc(auditText(s))}</a>` : '';
          return `<tr class="${esc(s.status)}" data-project="${esc(s.id)}"><td>${esc(s.id)}</td><td class="status">${esc(s.status)}</td><td>${esc(s.stage)}</td><td>${esc(s.source)}</td><td>${esc(targetText(s))}</td><td>${kinds}</td><td>${esc(applied(s))}</td><td>${s.bytes ? esc(formatBytes(s.bytes.moved)) : ''}</td><td>${esc(servers(s))}</td><td>${esc(duration(s.durationMs))}</td><td class="audit">${audit}</td><td class="failure">${esc(cause(s))}${quotas ? `<ul>${quotas}</ul>` : ''}</td></tr>`;
        })
        .join('');
      return `<section class="wave" data-wave="${esc(w.name)}"><h2>Wave ${esc(w.name)}</h2><p>${esc(totalsLine(w.totals))}</p><table><thead><tr><th>project</th><th>status</th><th>stage</th><th>source</th><th>target</th><th>resources</th><th>applied</th><th>moved</th><th>source servers</th><th>time</th><th>audit</th><th>failure</th></tr></thead><tbody>${rows}</tbody></table></section>`;
    })
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${live ? '<meta http-equiv="refresh" content="5">' : ''}<title>Bascule campaign ${esc(report.campaign)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;color:#222}h1{font-size:1.4rem}
.cards{display:flex;gap:1rem;margin:1rem 0;flex-wrap:wrap}.card{border:1px solid #ccc;border-radius:6px;padding:.6rem 1rem;min-width:6rem;text-align:center}
.card .n{font-size:1.6rem;font-weight:bold}.card.failed .n{color:#a00}.card.done .n{color:#070}
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
tr.failed td.status,tr.interrupted td.status{color:#a00;font-weight:bold}tr.done td.status{color:#070}tr.running td.status{color:#a60}
</style></head><body>
<h1>Campaign ${esc(report.campaign)}</h1>
<p>Generated ${esc(report.generated_at)} by Bascule ${esc(report.bascule_version)}${live ? ' (running: this page reloads every 5 seconds)' : ''}.</p>
<p id="totals">${esc(totalsLine(t))}</p>
<div class="cards">${card('projects', t.projects)}${card('done', t.done, 'done')}${card('reviewable', t.reviewable)}${card('running', t.running)}${card('failed', t.failed, 'failed')}${card('pending', t.pending)}${card('resources', t.resources)}${card('moved', formatBytes(t.bytes_moved))}</div>
${waves}
</body></html>
`;
}

/** One line per event (`--format json` prints the events themselves). */
export function campaignEventLine(event: CampaignEvent): string | undefined {
  switch (event.type) {
    case 'wave.start':
      return `wave ${event.wave}: ${event.projects} project${event.projects === 1 ? '' : 's'}`;
    case 'wave.done':
      return `wave ${event.wave}: ${event.done} done, ${event.failed} failed${event.stopped ? ' (the wave failed: the campaign stops)' : ''}`;
    case 'project.operator':
      return `${event.project}: ${event.summary}`;
    case 'project.failed':
      return `FAILED ${event.project} at ${event.stage}: ${event.message} [${event.code}]`;
    case 'project.done':
      return event.status === 'failed' || event.status === 'interrupted'
        ? undefined
        : `${event.status.padEnd(10)} ${event.project}`;
    default:
      return undefined;
  }
}

/** The live progress line: waves, projects done/running/failed, resources, bytes, throughput, time left. */
export class CampaignProgress {
  readonly #started = Date.now();
  #wave = '';
  #waves = 0;
  #total = 0;
  #done = 0;
  #failed = 0;
  readonly #running = new Set<string>();
  readonly #resources = new Map<string, number>();
  readonly #bytes = new Map<string, number>();
  // Kept as the counts change: summing every project's at each update was quadratic in the campaign's size.
  #resourcesTotal = 0;
  #bytesTotal = 0;

  constructor(waves: number) {
    this.#waves = waves;
  }

  event(event: CampaignEvent): void {
    if (event.type === 'campaign.start') this.#total = event.projects;
    if (event.type === 'wave.start') this.#wave = event.wave;
    if (event.type === 'project.stage') this.#running.add(event.project);
    if (event.type === 'project.done') {
      this.#running.delete(event.project);
      if (event.status === 'failed' || event.status === 'interrupted') this.#failed += 1;
      else this.#done += 1;
    }
  }

  progress(project: string, p: { resources: number; bytes: number }): void {
    this.#resourcesTotal += p.resources - (this.#resources.get(project) ?? 0);
    this.#bytesTotal += p.bytes - (this.#bytes.get(project) ?? 0);
    this.#resources.set(project, p.resources);
    this.#bytes.set(project, p.bytes);
  }

  line(): string {
    const seconds = (Date.now() - this.#started) / 1000;
    const bytes = this.#bytesTotal;
    const resources = this.#resourcesTotal;
    const finished = this.#done + this.#failed;
    const left = this.#total - finished;
    const eta = finished > 0 && left > 0 ? ` ETA ${duration(((seconds * 1000) / finished) * left)}` : '';
    const rate = seconds > 1 && bytes > 0 ? ` (${formatBytes(bytes / seconds)}/s)` : '';
    return `wave ${this.#wave} (${this.#waves} waves) | projects ${this.#done} done, ${this.#running.size} running, ${this.#failed} failed, ${left} left of ${this.#total} | ${resources} resources | ${formatBytes(bytes)} moved${rate}${eta}`;
  }
}
