// `bascule batch run` keeps its report up to date while it runs, but does not rewrite it at every event: each write
// reads every project's state, so a write per event of every project was quadratic in the campaign's size (400
// projects: 391 s through the CLI against 84 s for the campaign runner alone; docs/performance.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FileCampaignStore } from '../../src/campaign/store.js';
import { CampaignProgress } from '../../src/cli/views/campaign.js';
import { cli, startCampaignClouds, writeCampaign, type SimCampaign } from './sim-campaign.js';

let c: SimCampaign;
beforeAll(async () => {
  c = await startCampaignClouds(8, { latency: { fixedMs: 2 } });
});
afterAll(async () => c?.stop());

describe('batch run: the live report', () => {
  it('is written far fewer times than there are events, and ends complete', { timeout: 180_000 }, async () => {
    const file = writeCampaign(c.dir, c.names, 1, {}, 'live-report.yaml');
    const writes = vi.spyOn(FileCampaignStore.prototype, 'writeReport');
    let result;
    let html: number;
    try {
      result = await cli(c.cloudsYaml, ['batch', 'run', file, '--approve-all', '--parallel-projects', '8']);
      html = writes.mock.calls.filter(([name]) => name === 'report.html').length;
    } finally {
      writes.mockRestore();
    }
    expect(result.code).toBe(0);
    // The events that asked for a new report: each project's stages and its end, and the wave's end.
    const events = (await new FileCampaignStore(c.dir).events()).filter(
      (e) => e.type === 'project.stage' || e.type === 'project.done' || e.type === 'wave.done',
    ).length;
    expect(events).toBeGreaterThanOrEqual(8 * 5);
    // Before: one write per event, plus the final one.
    expect(html).toBeLessThan(events / 2);
    const report = JSON.parse(readFileSync(join(c.dir, 'report.json'), 'utf8')) as {
      waves: { projects: { status: string }[] }[];
    };
    expect(report.waves.flatMap((w) => w.projects.map((p) => p.status))).toEqual(Array(8).fill('done'));
  });

  it('the progress line counts the latest resources and bytes of each project, kept as they change', () => {
    const view = new CampaignProgress(1);
    view.progress('a', { resources: 3, bytes: 100 });
    view.progress('b', { resources: 4, bytes: 0 });
    view.progress('a', { resources: 5, bytes: 1024 });
    expect(view.line()).toContain('| 9 resources | 1.0 KiB moved');
  });
});
