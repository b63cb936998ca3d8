import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditHtml } from '../../src/cli/views/audit-report.js';
import { compareSides } from '../../src/diff/compare.js';
import type { Plan, PlanResource } from '../../src/plan/types.js';

/**
 * The HTML report opened in a real browser (Debian's `chromium`, headless, offline): the DOM it builds holds the
 * summary counts and one section per resource with differences. CI installs chromium (.ci/run); on a machine
 * without it the test is skipped with a message, except under CI where it must run.
 */
const CHROMIUM = process.env['BASCULE_CHROMIUM'] ?? '/usr/bin/chromium';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !process.env['CI'])
  console.warn(`test/cli/audit-html.test.ts: skipped, ${CHROMIUM} is absent (apt-get install -y chromium)`);

const run = promisify(execFile);

function plan(cloud: string, resources: PlanResource[]): Plan {
  return {
    format: 'bascule.plan/v1',
    provenance: {
      cloud,
      region: 'RegionOne',
      project: { name: 'shop', id: `${cloud}-p` },
      profile: { api_versions: {}, microversions: {}, extensions: [] },
      exported_at: '2026-11-28T00:00:00Z',
      bascule_version: '0.1.0',
    },
    resources,
  };
}

const source = plan('pi-hos8', [
  { kind: 'network', key: 'network:front', spec: { name: 'front', description: 'front end' } },
  { kind: 'network', key: 'network:back', spec: { name: 'back' } },
  {
    kind: 'subnet',
    key: 'subnet:front-v4',
    spec: { name: 'front-v4', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1' },
    refs: { network: 'network:front' },
  },
  {
    kind: 'port',
    key: 'port:web-1/eth0',
    spec: { name: 'web-1/eth0', mac_address: 'fa:16:3e:00:00:01' },
    refs: { network: 'network:front' },
  },
  { kind: 'security_group', key: 'security_group:db', spec: { name: 'db' } },
]);
const target = plan('pi-new', [
  { kind: 'network', key: 'network:front', spec: { name: 'front', description: 'changed <by hand>' } },
  { kind: 'network', key: 'network:back', spec: { name: 'back' } },
  {
    kind: 'subnet',
    key: 'subnet:front-v4',
    spec: { name: 'front-v4', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.254' },
    refs: { network: 'network:front' },
  },
  {
    kind: 'port',
    key: 'port:web-1/eth0',
    spec: { name: 'web-1/eth0', mac_address: 'fa:16:3e:99:99:99' },
    refs: { network: 'network:front' },
  },
  { kind: 'network', key: 'network:stray', spec: { name: 'stray' } },
]);

describe.skipIf(!haveChromium && !process.env['CI'])('the HTML audit report in headless Chromium', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bascule-audit-html-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

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
    /data-count="([^"]+)">(\d+)</.exec(dom.slice(dom.indexOf(`data-count="${label}"`)))?.[2];

  it('shows the summary counts and one section per resource with its differences', async () => {
    const report = compareSides(source, target);
    expect(report.summary).toMatchObject({ missing: 1, extra: 1, changed: 2, expected_lossy: 1, clean: false });
    const dom = await dumpDom(auditHtml(report));
    expect(dom).toContain('<html');
    expect(dom).toMatch(/id="verdict"[^>]*>DIFFERENCES FOUND/);
    expect(count(dom, 'missing')).toBe('1');
    expect(count(dom, 'extra')).toBe('1');
    expect(count(dom, 'changed')).toBe('2');
    expect(count(dom, 'expected-lossy')).toBe('1');
    const sections = [...dom.matchAll(/<section class="resource"><h3>([^<]+)<\/h3>/g)].map((m) => m[1]);
    expect(sections.sort()).toEqual([
      'network:front',
      'network:stray',
      'port:web-1/eth0',
      'security_group:db',
      'subnet:front-v4',
    ]);
    // Escaped text comes back as text (no element was injected), and the values are in their rows.
    expect(dom).toContain('changed &lt;by hand&gt;');
    expect(dom).toMatch(
      /<tr class="changed"><td>changed<\/td><td>spec\.gateway_ip<\/td><td><code>10\.0\.0\.1<\/code><\/td><td><code>10\.0\.0\.254<\/code>/,
    );
    expect(dom).toMatch(/<tr class="expected-lossy"><td>expected-lossy<\/td><td>spec\.mac_address<\/td>/);
    // Per-kind table rows.
    expect(dom).toMatch(
      /<tr><td>network<\/td><td>2<\/td><td>3<\/td><td>0<\/td><td>1<\/td><td>1<\/td><td>0<\/td><\/tr>/,
    );
  }, 90_000);

  it('says "No difference." for a clean audit', async () => {
    const dom = await dumpDom(auditHtml(compareSides(source, source)));
    expect(dom).toMatch(/id="verdict"[^>]*>CLEAN:/);
    expect(dom).toContain('id="no-differences"');
    expect(count(dom, 'changed')).toBe('0');
    expect(dom).not.toContain('<section class="resource">');
  }, 90_000);
});
