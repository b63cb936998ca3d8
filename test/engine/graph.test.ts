import { describe, expect, it } from 'vitest';
import { buildGraph, criticalPath } from '../../src/engine/graph.js';
import { walk } from '../../src/engine/walker.js';
import { samplePlan } from './support/fake-writer.js';

describe('buildGraph', () => {
  it('orders dependencies first and records dependents', () => {
    const graph = buildGraph(samplePlan());
    const pos = (k: string) => graph.order.indexOf(k);
    expect(pos('network:a')).toBeLessThan(pos('subnet:a4'));
    expect(pos('subnet:a4')).toBeLessThan(pos('port:a1'));
    expect(pos('security_group:web')).toBeLessThan(pos('port:a1'));
    expect(graph.nodes.get('network:a')!.dependents.sort()).toEqual(['port:a1', 'subnet:a4']);
    expect(criticalPath(graph)).toBe(3);
  });

  it('reports a cycle with its path', () => {
    const plan = samplePlan();
    plan.resources.push(
      { kind: 'volume', key: 'volume:v', spec: { name: 'v', size: 1 }, refs: { snapshot: 'volume_snapshot:s' } },
      { kind: 'volume_snapshot', key: 'volume_snapshot:s', spec: { name: 's' }, refs: { volume: 'volume:v' } },
    );
    expect(() => buildGraph(plan)).toThrow(
      /cycle: (volume:v -> volume_snapshot:s -> volume:v|volume_snapshot:s -> volume:v -> volume_snapshot:s)/,
    );
  });

  it('refuses a ref to a missing key', () => {
    const plan = samplePlan();
    plan.resources.push({
      kind: 'subnet',
      key: 'subnet:x',
      spec: { name: 'x', cidr: '10.9.0.0/24', ip_version: 4 },
      refs: { network: 'network:nope' },
    });
    expect(() => buildGraph(plan)).toThrow(/network:nope/);
  });
});

describe('walk', () => {
  it('runs independent nodes concurrently within the limit and dependencies first', async () => {
    const graph = buildGraph(samplePlan());
    const done: string[] = [];
    let inFlight = 0;
    let max = 0;
    await walk(
      graph,
      async (key) => {
        for (const dep of graph.nodes.get(key)!.deps) expect(done).toContain(dep);
        inFlight += 1;
        max = Math.max(max, inFlight);
        await new Promise((r) => setTimeout(r, 10));
        inFlight -= 1;
        done.push(key);
      },
      { concurrency: 2 },
    );
    expect(done).toHaveLength(6);
    expect(max).toBe(2);
  });

  it('skips everything downstream of a failure, names the root cause, and runs the rest', async () => {
    const graph = buildGraph(samplePlan());
    const ran: string[] = [];
    const skipped: [string, string][] = [];
    const results = await walk(
      graph,
      async (key) => {
        ran.push(key);
        if (key === 'network:a') throw new Error('boom');
      },
      { onSkip: (k, u) => skipped.push([k, u]) },
    );
    expect(results.get('network:a')!.outcome).toBe('failed');
    expect(results.get('subnet:a4')).toEqual({ outcome: 'skipped', upstream: 'network:a' });
    expect(results.get('port:a1')).toEqual({ outcome: 'skipped', upstream: 'network:a' });
    expect(results.get('subnet:b4')!.outcome).toBe('done');
    expect(ran).not.toContain('port:a1');
    expect(skipped.map(([k]) => k).sort()).toEqual(['port:a1', 'subnet:a4']);
  });

  it('separate limits per group', async () => {
    const graph = buildGraph(samplePlan());
    let nets = 0;
    let maxNets = 0;
    await walk(
      graph,
      async (key) => {
        const isNet = key.startsWith('network:');
        if (isNet) nets += 1;
        maxNets = Math.max(maxNets, nets);
        await new Promise((r) => setTimeout(r, 10));
        if (isNet) nets -= 1;
      },
      { concurrency: 8, groupOf: (k) => k.split(':')[0]!, groupLimits: { network: 1 } },
    );
    expect(maxNets).toBe(1);
  });

  it('stops starting nodes when aborted; in-flight nodes finish; the rest is cancelled', async () => {
    const graph = buildGraph(samplePlan());
    const controller = new AbortController();
    const finished: string[] = [];
    const results = await walk(
      graph,
      async (key) => {
        if (key === 'network:a') controller.abort();
        await new Promise((r) => setTimeout(r, 20));
        finished.push(key);
      },
      { concurrency: 1, signal: controller.signal },
    );
    expect(finished).toEqual(['network:a']);
    expect(results.get('network:a')!.outcome).toBe('done');
    expect([...results.values()].filter((r) => r.outcome === 'cancelled')).toHaveLength(5);
  });
});
