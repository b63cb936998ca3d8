import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { serializePlan } from '../../src/plan/canonical.js';
import { parsePlan } from '../../src/plan/io.js';
import { PLAN_SCHEMA } from '../../src/plan/schema.js';
import { KIND_REFS, PLAN_KINDS, type RefDecl } from '../../src/plan/kinds.js';
import type { Plan } from '../../src/plan/types.js';

const files = readdirSync('plans')
  .filter((name) => name.endsWith('.plan.json'))
  .sort();

function load(name: string): { text: string; plan: Plan } {
  const text = readFileSync(`plans/${name}`, 'utf8');
  const result = parsePlan(text);
  expect(result.issues).toEqual([]);
  return { text, plan: result.plan! };
}

describe('example plans', () => {
  it('include the three documented examples', () => {
    expect(files).toEqual(
      expect.arrayContaining(['web-two-tier.plan.json', 'boot-from-volume.plan.json', 'ipv6.plan.json']),
    );
  });

  it.each(files)('%s validates with no issue and is in canonical form', (name) => {
    const { text, plan } = load(name);
    expect(serializePlan(plan)).toBe(text);
  });

  it.each(files)('%s points $schema at the committed schema, for editors', (name) => {
    const { plan } = load(name);
    expect(existsSync(join('plans', plan.$schema!))).toBe(true);
    expect(JSON.parse(readFileSync(join('plans', plan.$schema!), 'utf8'))).toEqual(PLAN_SCHEMA);
  });

  it('web-two-tier has two networks, a router, SGs whose rules refer to each other, servers, a volume and a floating IP', () => {
    const { plan } = load('web-two-tier.plan.json');
    const kinds = (kind: string): Plan['resources'] => plan.resources.filter((r) => r.kind === kind);
    expect(kinds('network').filter((r) => r.external !== true)).toHaveLength(2);
    expect(kinds('router')).toHaveLength(1);
    expect(kinds('server').length).toBeGreaterThanOrEqual(2);
    expect(kinds('volume')).toHaveLength(1);
    expect(kinds('floating_ip')).toHaveLength(1);
    // web's rules point at db and db's rules point at web: a cycle between groups, carried by separate rule entries.
    const remote = new Map<string, Set<string>>();
    for (const rule of kinds('security_group_rule')) {
      const refs = rule.refs as Record<string, string>;
      if (refs.remote_group === undefined) continue;
      remote.set(refs.security_group!, (remote.get(refs.security_group!) ?? new Set()).add(refs.remote_group));
    }
    expect(remote.get('security_group:web')?.has('security_group:db')).toBe(true);
    expect(remote.get('security_group:db')?.has('security_group:web')).toBe(true);
  });

  it('boot-from-volume boots from a volume and marks user_data sensitive', () => {
    const { plan } = load('boot-from-volume.plan.json');
    const server = plan.resources.find((r) => r.kind === 'server')!;
    expect(server.refs?.boot_volume).toBe('volume:app-1-root');
    expect(server.refs?.image).toBeUndefined();
    expect(server.sensitive).toEqual(['user_data']);
  });

  it('ipv6 has SLAAC and DHCPv6-stateful subnets on a dual-stack network', () => {
    const { plan } = load('ipv6.plan.json');
    const modes = plan.resources.flatMap((r) =>
      r.kind === 'subnet' && r.spec.ip_version === 6 ? [r.spec.ipv6_address_mode] : [],
    );
    expect(modes.sort()).toEqual(['dhcpv6-stateful', 'slaac']);
  });

  it('every reference in the examples points to an entry of the declared kind', () => {
    for (const name of files) {
      const { plan } = load(name);
      const byKey = new Map(plan.resources.map((r) => [r.key, r]));
      for (const resource of plan.resources) {
        expect(PLAN_KINDS).toContain(resource.kind);
        for (const [ref, value] of Object.entries(resource.refs ?? {})) {
          const decl = (KIND_REFS[resource.kind] as Record<string, RefDecl>)[ref]!;
          for (const key of Array.isArray(value) ? value : [value]) expect(byKey.get(key)?.kind).toBe(decl.kind);
        }
      }
    }
  });
});
