// The campaign's signal is not handed to every request of every project: each project listens to a signal of its own,
// linked to the campaign's by one listener. Node's EventTarget walks a signal's whole list of listeners at every add
// and remove, so one signal shared by all the requests in flight of a 1,000-project campaign made each request cost
// in proportion to the campaign's size (docs/performance.md, "The campaign at 1,000 projects").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCampaign } from '../../src/campaign/load.js';
import { runCampaign } from '../../src/campaign/run.js';
import { FileCampaignStore } from '../../src/campaign/store.js';
import { silentLogger } from '../../src/shared/logger.js';
import { startCampaignClouds, writeCampaign, type SimCampaign } from './sim-campaign.js';

let c: SimCampaign;
beforeAll(async () => {
  c = await startCampaignClouds(4, { latency: { fixedMs: 2 } });
});
afterAll(async () => c?.stop());

/** A signal that counts the listeners added to it. */
function countingSignal(): { controller: AbortController; adds: () => number } {
  const controller = new AbortController();
  const signal = controller.signal;
  let adds = 0;
  const add = signal.addEventListener.bind(signal);
  signal.addEventListener = ((...args: Parameters<AbortSignal['addEventListener']>) => {
    adds += 1;
    add(...args);
  }) as AbortSignal['addEventListener'];
  return { controller, adds: () => adds };
}

describe('a campaign and its signal', () => {
  it(
    'the campaign signal gets one listener in all, whatever the number of requests',
    { timeout: 120_000 },
    async () => {
      const file = writeCampaign(c.dir, c.names, 1, {}, 'shared-signal.yaml');
      const counting = countingSignal();
      const outcome = await runCampaign(
        await loadCampaign(file),
        new FileCampaignStore(`${c.dir}/shared-signal`),
        { cloudsFiles: [c.cloudsYaml], logger: silentLogger, signal: counting.controller.signal },
        { mode: 'run', approveAll: true, parallelProjects: 4 },
      );
      expect(outcome.projects.map((p) => [p.id, p.status, p.audit?.clean])).toEqual(
        c.names.map((n) => [expect.stringContaining(n), 'done', true]),
      );
      // Before: one listener per request in flight (the service queue, the HTTP client, the retry sleep): hundreds.
      expect(counting.adds()).toBe(1);
    },
  );

  it('aborting the campaign signal still stops every project running', { timeout: 120_000 }, async () => {
    const file = writeCampaign(c.dir, c.names, 1, {}, 'shared-signal-abort.yaml');
    const controller = new AbortController();
    const outcome = await runCampaign(
      await loadCampaign(file),
      new FileCampaignStore(`${c.dir}/shared-signal-abort`),
      { cloudsFiles: [c.cloudsYaml], logger: silentLogger, signal: controller.signal },
      {
        mode: 'plan',
        parallelProjects: 4,
        onEvent: (e) => {
          if (e.type === 'project.stage' && e.stage === 'export') controller.abort();
        },
      },
    );
    expect(outcome.interrupted).toBe(true);
    expect(outcome.projects.every((p) => p.status === 'interrupted' || p.status === 'pending')).toBe(true);
    expect(outcome.projects.some((p) => p.status === 'interrupted')).toBe(true);
  });
});
