import { describe, expect, it } from 'vitest';
import { checkPlan } from '../../src/plan/validate.js';
import { detectVersion, upgradePlan } from '../../src/plan/upgrade.js';

const v0 = {
  version: 0,
  source: {
    cloud: 'hos8',
    region: 'RegionOne',
    project: 'demo',
    project_id: 'f00d',
    exported_at: '2025-03-01T10:00:00Z',
  },
  items: [
    { type: 'network', key: 'network:public', spec: { name: 'public', 'router:external': true }, external: true },
    { type: 'network', key: 'network:lan', spec: { name: 'lan' }, source_id: '11111111-2222-3333-4444-555555555555' },
    {
      type: 'subnet',
      key: 'subnet:lan',
      spec: { name: 'lan', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1' },
      refs: { network: 'network:lan' },
    },
    { type: 'flavor', key: 'flavor:small', spec: { name: 'small', vcpus: 1, ram: 1024, disk: 10 }, external: true },
    { type: 'image', key: 'image:cirros', spec: { name: 'cirros' }, external: true },
    { type: 'server_group', key: 'server_group:spread', spec: { name: 'spread', policies: ['anti-affinity'] } },
    {
      type: 'server',
      key: 'server:vm',
      spec: { name: 'vm', user_data: 'IyEvYmluL3NoCg==' },
      refs: { flavor: 'flavor:small', image: 'image:cirros', server_group: 'server_group:spread' },
    },
  ],
};

describe('plan versions', () => {
  it('upgrades a v0 plan to a valid v1 plan with a warning, without touching the input', () => {
    const before = JSON.stringify(v0);
    const result = checkPlan(v0);
    expect(JSON.stringify(v0)).toBe(before);
    expect(result.issues.map((i) => [i.severity, i.code])).toEqual([['warning', 'PLAN_UPGRADED']]);
    expect(result.from).toBe(0);
    const plan = result.plan!;
    expect(plan.format).toBe('bascule.plan/v1');
    expect(plan.provenance).toMatchObject({
      cloud: 'hos8',
      region: 'RegionOne',
      project: { name: 'demo', id: 'f00d' },
      exported_at: '2025-03-01T10:00:00Z',
    });
    const byKey = new Map(plan.resources.map((r) => [r.key, r]));
    expect(byKey.get('server_group:spread')!.spec).toEqual({ name: 'spread', policy: 'anti-affinity' });
    expect(byKey.get('network:public')!.spec).toEqual({ name: 'public', router_external: true });
    expect(byKey.get('network:lan')!.source).toEqual({ id: '11111111-2222-3333-4444-555555555555' });
    expect(byKey.get('server:vm')!.sensitive).toEqual(['user_data']);
  });

  it('reads a v1 plan as it is', () => {
    expect(detectVersion({ format: 'bascule.plan/v1' })).toEqual({ version: 1 });
    expect(upgradePlan({ format: 'bascule.plan/v1' }).issues).toEqual([]);
  });

  it('refuses newer and unknown versions with a clear message', () => {
    expect(checkPlan({ format: 'bascule.plan/v2', resources: [] }).issues).toMatchObject([
      { code: 'PLAN_VERSION_NEWER', path: '/format', hint: 'upgrade Bascule to read it' },
    ]);
    expect(checkPlan({ version: 5 }).issues).toMatchObject([{ code: 'PLAN_VERSION_NEWER', path: '/version' }]);
    expect(checkPlan({ format: 'bascule.plan/v0' }).issues).toMatchObject([{ code: 'PLAN_FORMAT_UNKNOWN' }]);
    expect(checkPlan({ format: 42 }).issues).toMatchObject([{ code: 'PLAN_FORMAT_UNKNOWN' }]);
    expect(checkPlan({ version: 0, items: 'nope' }).issues.map((i) => i.code)).toEqual([
      'PLAN_V0_INVALID',
      'PLAN_UPGRADED',
    ]);
    expect(checkPlan(null).issues).toMatchObject([{ code: 'PLAN_NOT_OBJECT', path: '' }]);
  });
});
