// The campaign's HTML report opened in a real browser (Debian's `chromium`, headless, offline): the DOM holds the
// totals, one row per project with its status, the failure's cause (a quota: which, needed, left) and a link to the
// audit report; the page reloads itself only while the campaign runs. Skipped without chromium, except under CI.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/campaign/report.js';
import type { Campaign, ProjectState } from '../../src/campaign/types.js';
import { campaignHtml } from '../../src/cli/views/campaign.js';

const CHROMIUM = process.env['BASCULE_CHROMIUM'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !process.env['CI'])
  console.warn(`test/campaign/report-html.test.ts: skipped, ${CHROMIUM} is absent (apt-get install -y chromium)`);
const run = promisify(execFile);

const side = (project: string) => ({ cloud: 'c', project });
const campaign: Campaign = {
  name: 'pi <q1>',
  file: '/x/campaign.yaml',
  waves: [
    {
      name: 'w1',
      projects: ['web', 'db'].map((id) => ({ id, wave: 'w1', source: side(id), target: side(id), options: {} })),
    },
    { name: 'w2', projects: [{ id: 'ci', wave: 'w2', source: side('ci'), target: side('ci'), options: {} }] },
  ],
};
const at = '2026-12-04T10:00:00.000Z';
const states: ProjectState[] = [
  {
    id: 'web',
    wave: 'w1',
    stage: 'audited',
    status: 'done',
    source: 'old/web',
    target: 'new/web',
    kinds: { network: 2, server: 1 },
    applied: { created: 3, updated: 0, unchanged: 1, failed: 0, skipped: 0 },
    bytes: { expected: 2048, moved: 2048 },
    servers: { stopped: 1, restarted: 1 },
    audit: { clean: true, missing: 0, extra: 0, changed: 0, report: '/x/projects/web/audit.html' },
    durationMs: 65_000,
    updatedAt: at,
  },
  {
    id: 'db',
    wave: 'w1',
    stage: 'planned',
    status: 'failed',
    source: 'old/db',
    target: 'new/db',
    failure: {
      stage: 'dry-run',
      code: 'CAMPAIGN_QUOTA',
      message: 'quota compute instances: needs 2, 0 left of 10',
      quotas: [{ service: 'compute', resource: 'instances', need: 2, available: 0, limit: 10 }],
    },
    updatedAt: at,
  },
];

describe.skipIf(!haveChromium && !process.env['CI'])('the campaign HTML report in headless Chromium', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bascule-campaign-html-'));
  });
  afterAll(async () => rm(dir, { recursive: true, force: true }));

  async function dumpDom(html: string): Promise<string> {
    const file = join(dir, `report-${Date.now()}.html`);
    await writeFile(file, html);
    const profile = await mkdtemp(join(dir, 'profile-'));
    const { stdout } = await run(
      CHROMIUM,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        `--user-data-dir=${profile}`,
        '--dump-dom',
        `file://${file}`,
      ],
      { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return stdout;
  }

  const count = (dom: string, label: string) =>
    /data-count="[^"]+">([^<]+)</.exec(dom.slice(dom.indexOf(`data-count="${label}"`)))?.[1];
  const row = (dom: string, id: string) => {
    const start = dom.indexOf(`data-project="${id}"`);
    return dom.slice(start, dom.indexOf('</tr>', start));
  };

  it('shows totals, each project with its status, cause and audit link; refreshes only while running', async () => {
    const report = buildReport(campaign, states, new Date(at));
    const dom = await dumpDom(campaignHtml(report, '/x', false));
    expect(dom).toContain('Campaign pi &lt;q1&gt;');
    expect(count(dom, 'projects')).toBe('3');
    expect(count(dom, 'done')).toBe('1');
    expect(count(dom, 'failed')).toBe('1');
    expect(count(dom, 'pending')).toBe('1');
    expect(count(dom, 'moved')).toBe('2.0 KiB');
    expect(row(dom, 'web')).toMatch(/<td class="status">done<\/td>/);
    expect(row(dom, 'web')).toContain('<a href="projects/web/audit.html">clean</a>');
    expect(row(dom, 'web')).toContain('1 stopped, 1 restarted');
    expect(row(dom, 'db')).toMatch(/<td class="status">failed<\/td>/);
    expect(row(dom, 'db')).toContain('<li>compute instances: needs 2, 0 left</li>');
    expect(row(dom, 'ci')).toMatch(/<td class="status">pending<\/td>/);
    expect([...dom.matchAll(/<section class="wave" data-wave="([^"]+)"/g)].map((m) => m[1])).toEqual(['w1', 'w2']);
    expect(dom).not.toContain('http-equiv="refresh"');
    const live = await dumpDom(campaignHtml(report, '/x', true));
    expect(live).toMatch(/<meta http-equiv="refresh" content="5">/);
  }, 120_000);
});
