import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dependencyOrder, dependents, indexPlan, nameOf, referencedKeys } from '../../src/plan/graph.js';
import { parsePlan } from '../../src/plan/io.js';
import type { Plan } from '../../src/plan/types.js';

function load(name: string): Plan {
  return parsePlan(readFileSync(`plans/${name}.plan.json`, 'utf8')).plan!;
}

describe('plan graph', () => {
  it('lists the keys an entry refers to', () => {
    const plan = load('web-two-tier');
    const server = indexPlan(plan).get('server:db-1')!;
    expect(referencedKeys(server).sort()).toEqual([
      'flavor:m1.medium',
      'image:ubuntu-22.04',
      'keypair:deploy',
      'port:db-1/eth0',
      'security_group:db',
      'volume:db-data',
    ]);
    expect(dependents(plan).get('security_group:web')?.sort()).toContain(
      'security_group_rule:db/ingress-IPv4-tcp-5432-sg=web',
    );
  });

  it.each(['web-two-tier', 'boot-from-volume', 'ipv6'])(
    'orders %s so that every entry comes after what it refers to',
    (name) => {
      const plan = load(name);
      const order = dependencyOrder(plan);
      expect(order).toHaveLength(plan.resources.length);
      const position = new Map(order.map((r, i) => [r.key, i]));
      for (const resource of order) {
        for (const key of referencedKeys(resource))
          expect(position.get(key)!).toBeLessThan(position.get(resource.key)!);
      }
      // Deterministic: the same order whatever the order of the file.
      expect(dependencyOrder({ ...plan, resources: [...plan.resources].reverse() }).map((r) => r.key)).toEqual(
        order.map((r) => r.key),
      );
    },
  );

  it('gives the name of entries that have one', () => {
    const index = indexPlan(load('web-two-tier'));
    expect(nameOf(index.get('network:frontend')!)).toBe('frontend');
    expect(nameOf(index.get('floating_ip:web-1/eth0')!)).toBeUndefined();
    expect(nameOf(index.get('security_group_rule:web/egress-IPv4-any-any-any')!)).toBeUndefined();
  });

  it('refuses a cycle', () => {
    const plan = load('boot-from-volume');
    const logs = indexPlan(plan).get('volume:app-1-logs')!;
    logs.refs = { snapshot: 'volume_snapshot:app-1-logs-before-upgrade' };
    expect(() => dependencyOrder(plan)).toThrow(/cycle/);
  });
});
